package plan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pgtest"
	"github.com/dbguard/dbguard/internal/verify"
)

// TestAttackShadowURLNamesTheLiveServer: schema.shadow_url was dbguard.yaml's,
// the repository's word, and a pull request could point it at the live
// server (its credentials the CI's PGPASSWORD or .pgpass). The preview then
// built its shadow there and ran the branch's files, beyond-database acts
// included: a superuser role was created on the live server by
// `migrate plan`. Now such files are refused before anything
// runs, and the live server is unchanged.
func TestAttackShadowURLNamesTheLiveServer(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Must(t)
	admin, err := pgx.Connect(ctx, srv.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) }) // after the role drops registered below
	liveDB, liveURL := pgtest.NamedDB(t)
	role := "attack_shadow_url_" + liveDB[max(0, len(liveDB)-8):]
	t.Cleanup(func() { admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+pgx.Identifier{role}.Sanitize()) })

	dir := t.TempDir()
	mig := filepath.Join(dir, "migrations")
	os.Mkdir(mig, 0o755)
	os.WriteFile(filepath.Join(mig, "000001_base.up.sql"), []byte("CREATE TABLE users (id int);\n"), 0o644)
	u, _ := dburl.Parse(liveURL)
	co := pg.ConnectOptions{URL: u}
	// The live database at version 1, as migrate up leaves it.
	r, err := migrate.Open(ctx, migrate.Options{Connect: co, Dir: mig})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Up(ctx, 0); err != nil {
		t.Fatal(err)
	}
	r.Close()
	os.WriteFile(filepath.Join(mig, "000002_evil.up.sql"), []byte("SELECT 1;\nCREATE ROLE "+role+" SUPERUSER LOGIN;\n"), 0o644)
	// The live server's own maintenance database, as the superuser: what a
	// self-hosted CI database gives the preview. The server comes from the
	// environment now (a literal in dbguard.yaml is refused at load), but
	// an operator may still name the live one there.
	t.Setenv("SHADOW_DATABASE_URL", srv.AdminURL)
	yaml := "version: 1\nschema:\n  shadow_url: ${SHADOW_DATABASE_URL}\n"
	cfg, err := config.Parse(filepath.Join(dir, "dbguard.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Root = dir

	before := serverState(t, admin, liveDB)
	_, err = Run(ctx, Options{Connect: co, Config: cfg, Dir: mig})
	var refused *verify.LiveRefusedError
	if !errors.As(err, &refused) {
		t.Errorf("schema.shadow_url with CREATE ROLE in a pending file: %v, want a LiveRefusedError", err)
	} else {
		for _, want := range []string{"schema.shadow_url", "000002_evil.up.sql:2: CREATE ROLE"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the refusal does not say %q: %v", want, err)
			}
		}
	}
	if after := serverState(t, admin, liveDB); after != before {
		t.Errorf("the live server changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
