package plan

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// serverState is what a preview must never change on the live server: its
// databases, roles and their settings, per-database settings, the
// configuration file ALTER SYSTEM writes, and the tables of the live and
// of another database with their row counts. The databases of the tests
// before are dropped first (pgtest drops them in the background): the
// callers are serial tests, so no other test's database comes or goes
// between their two reads.
func serverState(t *testing.T, admin *pgx.Conn, dbs ...string) string {
	t.Helper()
	ctx := context.Background()
	if err := pgtest.Must(t).WaitDrops(); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, q := range []string{
		"SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database",
		"SELECT string_agg(rolname || ':' || rolsuper || rolcreaterole || rolcreatedb || rolcanlogin, ',' ORDER BY rolname) FROM pg_roles",
		"SELECT coalesce(string_agg(setdatabase || '/' || setrole || '=' || array_to_string(setconfig, ';'), ',' ORDER BY setdatabase, setrole), '') FROM pg_db_role_setting",
		"SELECT coalesce(pg_read_file('postgresql.auto.conf'), '')",
	} {
		var s string
		if err := admin.QueryRow(ctx, q).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		b.WriteString(s + "\n")
	}
	for _, db := range dbs {
		conn, err := pgx.Connect(ctx, pgtest.Must(t).URL(db))
		if err != nil {
			t.Fatalf("database %s: %v", db, err)
		}
		var s string
		err = conn.QueryRow(ctx, `SELECT coalesce(string_agg(c.relname || '=' || (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text, ',' ORDER BY c.relname), '')
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public'`).Scan(&s)
		conn.Close(ctx)
		if err != nil {
			t.Fatalf("tables of %s: %v", db, err)
		}
		fmt.Fprintf(&b, "%s: %s\n", db, s)
	}
	return b.String()
}

// TestAttackPlanCannotActOnLive replays issue 20's attacks: pending files
// from a branch under review that, run by a plan on the live server, dropped
// another database, created roles, changed settings, ran a program on the
// database host and reached the live database through dblink. The plan now
// runs them in a throwaway sandbox server: the live server is unchanged,
// and the plan fails with a beyond-database finding naming each statement.
// It runs as the superuser (a self-hosted CI database) and as a CREATEDB
// owner role (what Neon gives every project).
func TestAttackPlanCannotActOnLive(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Must(t)
	admin, err := pgx.Connect(ctx, srv.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) }) // after the role drops registered below
	otherDB, otherURL := pgtest.NamedDB(t)
	other, err := pgx.Connect(ctx, otherURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Exec(ctx, "CREATE TABLE precious (id int); INSERT INTO precious SELECT generate_series(1, 100)"); err != nil {
		t.Fatal(err)
	}
	other.Close(ctx)
	marker := filepath.Join(srv.Dir(), "PWNED-by-copy-program")

	// The owner role Neon gives every project (CREATEDB, not superuser),
	// and a role without CREATEDB, which used to make the ci plan check
	// "skipped": the sandbox needs neither.
	roles := map[string]string{"createdb-owner": "plan_attack_owner", "plain-owner": "plan_attack_plain"}
	for as, role := range roles {
		attrs := "LOGIN CREATEDB"
		if as == "plain-owner" {
			attrs = "LOGIN NOCREATEDB"
		}
		if _, err := admin.Exec(ctx, fmt.Sprintf("DROP ROLE IF EXISTS %s; CREATE ROLE %[1]s %s PASSWORD 'owner-S3cret'", role, attrs)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+role) })
	}

	for _, as := range []string{"superuser", "createdb-owner", "plain-owner"} {
		t.Run(as, func(t *testing.T) {
			liveDB, liveURL := pgtest.NamedDB(t)
			if role, ok := roles[as]; ok {
				if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s OWNER TO %s", liveDB, role)); err != nil {
					t.Fatal(err)
				}
				liveURL = fmt.Sprintf("postgres://%s:%s@%s:%s/%s?sslmode=disable", role, url.PathEscape("owner-S3cret"), srv.Host, srv.Port, liveDB)
			}
			dir := t.TempDir()
			mig := filepath.Join(dir, "migrations")
			os.Mkdir(mig, 0o755)
			write := func(name, text string) {
				if err := os.WriteFile(filepath.Join(mig, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("000001_base.up.sql", "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n")
			u, _ := dburl.Parse(liveURL)
			co := pg.ConnectOptions{URL: u}
			r, err := migrate.Open(ctx, migrate.Options{Connect: co, Dir: mig})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Up(ctx, 0); err != nil {
				t.Fatal(err)
			}
			r.Close()
			live, _ := pgx.Connect(ctx, liveURL)
			if _, err := live.Exec(ctx, "INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 500) g; ANALYZE users"); err != nil {
				t.Fatal(err)
			}
			live.Close(ctx)
			// One attack per file, so each is traced (and refused) on its own.
			attacks := []struct{ name, sql, what string }{
				{"drop_other", fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE);", otherDB), "DROP DATABASE"},
				{"roles", "CREATE ROLE attacker LOGIN PASSWORD 'x';\nALTER ROLE attacker SET search_path = evil;", "CREATE ROLE"},
				{"live_setting", fmt.Sprintf("ALTER DATABASE %s SET search_path = evil;", liveDB), "ALTER DATABASE"},
				{"copy_program", fmt.Sprintf("COPY (SELECT 1) TO PROGRAM 'touch %s';", marker), "COPY ... TO PROGRAM"},
				{"alter_system", "ALTER SYSTEM SET work_mem = '77MB';", "ALTER SYSTEM"},
				{"dblink", fmt.Sprintf("CREATE EXTENSION IF NOT EXISTS dblink;\nSELECT dblink_exec('dbname=%s user=postgres', 'DROP TABLE users');", liveDB), "dblink_exec()"},
				{"create_db", "CREATE DATABASE attacker_db;", "CREATE DATABASE"},
				{"hidden_in_do", "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'attacker2') THEN\n    CREATE ROLE attacker2 SUPERUSER;\n  END IF;\nEND $$;", "CREATE ROLE"},
			}
			for i, a := range attacks {
				write(fmt.Sprintf("%06d_%s.up.sql", i+2, a.name), a.sql+"\n")
			}
			before := serverState(t, admin, liveDB, otherDB)
			cfg := config.Default(dir)
			rep, err := Run(ctx, Options{Connect: co, Config: cfg, Dir: mig})
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if rep.Status == "pass" || rep.Err() == nil {
				t.Errorf("the plan passed: status %s, %d danger", rep.Status, rep.Danger)
			}
			for i, a := range attacks {
				file := filepath.Join(mig, fmt.Sprintf("%06d_%s.up.sql", i+2, a.name))
				found := false
				for _, f := range rep.Findings {
					if f.Rule == "beyond-database" && f.File == file && f.Severity == Danger && strings.Contains(f.Message, a.what) {
						found = true
					}
				}
				if !found {
					t.Errorf("%s: no beyond-database danger finding naming %s; findings: %+v", a.name, a.what, rep.Findings)
				}
			}
			if after := serverState(t, admin, liveDB, otherDB); after != before {
				t.Errorf("the live server changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("COPY ... TO PROGRAM ran: %s exists (%v)", marker, err)
			}
		})
	}
}

// TestAttackPlanLiveRefused: plan.shadow: live built the shadow as a
// database on the live server and ran the branch's files there, with only
// sqlscan.Reach between a pull request (dbguard.yaml is the repository's
// word) and production; an outside attacker passed it with U&” names,
// escape strings and query_to_xml, wrote a file on the live server and
// printed its role password hashes. It is now a configuration error at its
// line (exit 2), before anything connects, and the live server is
// unchanged whatever the files hold.
func TestAttackPlanLiveRefused(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Must(t)
	admin, err := pgx.Connect(ctx, srv.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	liveDB, liveURL := pgtest.NamedDB(t)
	dir := t.TempDir()
	mig := filepath.Join(dir, "migrations")
	os.Mkdir(mig, 0o755)
	os.WriteFile(filepath.Join(mig, "000001_base.up.sql"), []byte("CREATE TABLE users (id int);\n"), 0o644)
	os.WriteFile(filepath.Join(mig, "000002_ok.up.sql"), []byte("SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN email text;\n"), 0o644)
	before := serverState(t, admin, liveDB)
	live, err := config.Parse(filepath.Join(dir, "dbguard.yaml"), []byte("version: 1\nplan:\n  shadow: live\n"))
	if err != nil {
		// Only previews refuse it: a deploy's migrate up reads on.
		t.Fatalf("plan.shadow: live stops loading the configuration: %v", err)
	}
	live.Root = dir
	u, _ := dburl.Parse(liveURL)
	_, err = Run(ctx, Options{Connect: pg.ConnectOptions{URL: u}, Config: live, Dir: mig})
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Line != 3 || exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("plan with plan.shadow: live: %v (%T), want a configuration error at line 3, exit 2", err, err)
	}
	if !strings.Contains(err.Error(), "a preview never runs migration SQL") || !strings.Contains(ce.Fix, "dbguard.yaml:3") {
		t.Errorf("the refusal does not say why or where: %v; fix %q", err, ce.Fix)
	}
	if after := serverState(t, admin, liveDB); after != before {
		t.Errorf("the refused plan changed the live server:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// The sandbox, as every preview now runs, leaves the live server as it was.
	cfg := config.Default(dir)
	rep, err := Run(ctx, Options{Connect: pg.ConnectOptions{URL: u}, Config: cfg, Dir: mig})
	if err != nil {
		t.Fatalf("plan in the sandbox: %v", err)
	}
	if rep.Status != "pass" {
		t.Errorf("harmless files: status %s, findings %+v", rep.Status, rep.Findings)
	}
	if after := serverState(t, admin, liveDB); after != before {
		t.Errorf("the live server changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
