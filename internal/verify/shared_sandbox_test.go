package verify

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestPreviewsShareOneSandbox: this test binary keeps the first sandbox a
// preview starts and hands it to the next one, reset to a fresh cluster's
// state (pgtest.MainSharingSandbox). The preview's shadow was the
// cluster's postgres database renamed (now the cluster's one database),
// and the reset connected to postgres: it failed after the first
// preview, so every later one started a server
// of its own (~0.8 s of CPU each) in every package that previews, the
// scripts' shared servers too, with nothing failing. Two previews in a
// row run on one server.
func TestPreviewsShareOneSandbox(t *testing.T) {
	ctx := context.Background()
	base := emptyPreview(t)
	var hosts []string
	for range 2 {
		o := base
		o.Sandbox = StartSandbox(ctx, o)
		err := WithShadow(ctx, o, -1, func(co pg.ConnectOptions) error {
			for _, h := range co.URL.Hosts() {
				hosts = append(hosts, h.Name)
			}
			return nil
		})
		o.Sandbox.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(hosts) != 2 || hosts[0] != hosts[1] {
		t.Errorf("two previews ran on the servers at %q; want one server, handed out again", hosts)
	}
}

// emptyPreview is the Options of a preview of an empty migrations folder
// against a fresh test database.
func emptyPreview(t *testing.T) Options {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "migrations")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	u, err := dburl.Parse(pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	return Options{Connect: pg.ConnectOptions{URL: u}, Config: config.Default(root), MigrationsDir: dir}
}
