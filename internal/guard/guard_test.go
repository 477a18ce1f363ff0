package guard

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/envcheck"
)

func resolve(t *testing.T, env string, allowPooler bool) (*Target, error) {
	t.Helper()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, ".env"), []byte(env), 0o644); err != nil {
		t.Fatal(err)
	}
	return Resolve(context.Background(), Options{Env: envcheck.OptionsFor(config.Default(root), "", nil), AllowPooler: allowPooler})
}

func TestResolve(t *testing.T) {
	tg, err := resolve(t, "DATABASE_URL=postgresql://app:S3cret@ep-a-pooler.us-east-2.aws.neon.tech/db?sslmode=require\n", false)
	if err != nil {
		t.Fatal(err)
	}
	if tg.URL.Hosts()[0].Name != "ep-a.us-east-2.aws.neon.tech" || tg.ThroughPooler {
		t.Errorf("target %s pooler=%v", tg.URL.Redacted(), tg.ThroughPooler)
	}
	d := tg.Describe()
	// Folded to 100 columns: read it as one line.
	if !strings.Contains(strings.Join(strings.Fields(d), " "), "[direct, rewritten from pooled (neon)] from .env:1 DATABASE_URL") || strings.Contains(d, "S3cret") {
		t.Errorf("Describe() = %q", d)
	}
}

func TestResolveRefusesUnknownPooler(t *testing.T) {
	env := "DATABASE_URL=postgres://app:S3cret@pool.example.com:6543/app\n"
	_, err := resolve(t, env, false)
	var pe *PoolerError
	if !errors.As(err, &pe) || !strings.Contains(pe.Error(), "port 6543") || !strings.Contains(pe.Hint(), "DATABASE_URL_UNPOOLED=") {
		t.Fatalf("Resolve = %v", err)
	}
	tg, err := resolve(t, env, true)
	if err != nil || !tg.ThroughPooler || !strings.Contains(tg.Describe(), "--allow-pooler") {
		t.Fatalf("--allow-pooler: %v", err)
	}
}

func TestResolveStopsOnConflict(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "backend"), 0o755)
	os.WriteFile(filepath.Join(root, ".env"), []byte("DATABASE_URL=postgres://a@h1/db\n"), 0o644)
	os.WriteFile(filepath.Join(root, "backend/.env"), []byte("DATABASE_URL=postgres://a@h2/db\n"), 0o644)
	tg, err := Resolve(context.Background(), Options{Env: envcheck.OptionsFor(config.Default(root), "", nil)})
	var ce *envcheck.ConflictError
	if !errors.As(err, &ce) || tg == nil || tg.URL != nil {
		t.Fatalf("Resolve = %v, target %+v", err, tg)
	}
}
