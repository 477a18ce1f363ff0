package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// Each command opens one connection to the guarded database, whatever it
// does on it (the guard's checks, the status, the ledger and the lock, the
// schema check after a migration, the plan's live reads), counted by the
// server itself (pg_stat_database.sessions, PostgreSQL 14+): to a database
// 5-50 ms away each more costs a handshake of 4-6 round trips, and the
// server a backend. Before, migrate up with an expect: opened 2, ci 3 to
// 5, doctor 3, migrate plan 3 on the live server, verify --shadow 2. A
// tool that runs the migrations (goose here) has its own besides.
func TestOneConnectionPerCommand(t *testing.T) {
	t.Parallel()
	s := pgtest.Must(t)
	name, dbURL := pgtest.NamedDB(t)
	files := map[string]string{
		".env":                         "DATABASE_URL=" + dbURL + "\n",
		"dbguard.yaml":                 "version: 1\nexpect:\n  conn_users:\n    id: integer not null\n",
		"migrations/000001_a.up.sql":   "CREATE TABLE conn_users (id int PRIMARY KEY);",
		"migrations/000001_a.down.sql": "DROP TABLE conn_users;",
		"migrations/000002_b.up.sql":   "CREATE TABLE conn_orders (id int PRIMARY KEY);",
		"migrations/000002_b.down.sql": "DROP TABLE conn_orders;",
		// A new session of the database takes this; the one that ran it
		// does not.
		"migrations/000003_c.up.sql":   "ALTER DATABASE " + pgx.Identifier{name}.Sanitize() + " SET search_path = public, pg_catalog;",
		"migrations/000003_c.down.sql": "ALTER DATABASE " + pgx.Identifier{name}.Sanitize() + " RESET search_path;",
		// What stays in the session that ran it.
		"migrations/000004_d.up.sql":   "SET search_path = pg_catalog, public; CREATE TEMP TABLE conn_tmp (id int); SET application_name = 'conn';",
		"migrations/000004_d.down.sql": "SELECT 1;",
		// A library loaded stays in the backend: a new session has none.
		"migrations/000005_e.up.sql":   "LOAD 'auto_explain';",
		"migrations/000005_e.down.sql": "SELECT 1;",
	}
	p, dir, count := countedRepository(t, s, name, files, inprocSandboxes())
	for _, c := range []struct {
		args string
		want int
	}{
		{"migrate status", 1}, // exit 1: pending
		{"migrate up 2", 1},   // and the check after, on the same connection
		{"verify", 1},
		{"schema snapshot", 1},
		{"verify --shadow", 1},
		{"ci --format text", 1}, // 3 pending: the plan's live side too
		{"migrate plan", 1},
		{"doctor", 1},
		{"migrate down 1", 1},
		{"migrate up 1", 1},
		{"rm dbguard.schema.yaml", 0},
		// 3 changes the database's settings, which a new session takes
		// and the migration's did not: the check after connects anew.
		{"migrate up 1", 2},
		// 4 leaves its session changed (search_path, a temporary table,
		// a setting): the check after runs on it, reset as new.
		{"migrate up 1", 1},
		// 5 loads a library, which no reset unloads: the check after
		// connects anew.
		{"migrate up", 2},
		{"migrate up", 1}, // nothing pending
		{"migrate status", 1},
		{"ci --format text", 1},
	} {
		if f, ok := strings.CutPrefix(c.args, "rm "); ok {
			if err := os.Remove(filepath.Join(dir, f)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		r := p.run(strings.Fields(c.args)...)
		out := r.Stdout + r.Stderr
		noPassword(t, out)
		if r.Code > 1 || strings.HasPrefix(c.args, "migrate up") && r.Code != 0 {
			t.Fatalf("dbguard %s: exit %d:\n%s", c.args, r.Code, out)
		}
		if got := count(c.want); got != c.want {
			t.Errorf("dbguard %s opened %d connections to the database, want %d:\n%s", c.args, got, c.want, out)
		}
	}
}

// countedRepository makes files a folder, a repository git knows (ci
// reads what it tracks), starts an inproc child there with no
// DATABASE_URL in its environment (its previews taking the sandbox
// servers in shared, if not ""), and counts the sessions of database name
// on s (newSessionCounter).
func countedRepository(t *testing.T, s *pgtest.Server, name string, files map[string]string, shared string) (*inproc, string, func(want int) int) {
	t.Helper()
	dir := repoDir(t, files)
	if out, err := exec.Command("git", "-C", dir, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	p := startInproc(t, dir, shared, "DATABASE_URL")
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, s.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(ctx) })
	return p, dir, newSessionCounter(t, admin, name)
}

// newSessionCounter returns a function that says how many sessions the
// server has started on database name since its last call, waiting for
// the backends to end (a backend counts its session as it exits), up to
// want or a few seconds.
func newSessionCounter(t *testing.T, admin *pgx.Conn, name string) func(want int) int {
	ctx := context.Background()
	read := func() int64 {
		var n int64
		if _, err := admin.Exec(ctx, "SELECT pg_catalog.pg_stat_clear_snapshot()"); err != nil {
			t.Fatal(err)
		}
		if err := admin.QueryRow(ctx, "SELECT coalesce(sessions, 0) FROM pg_catalog.pg_stat_database WHERE datname = $1", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	last := read()
	return func(want int) int {
		deadline := time.Now().Add(5 * time.Second)
		var n int64
		for {
			var active int
			if err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE datname = $1", name).Scan(&active); err != nil {
				t.Fatal(err)
			}
			n = read()
			if active == 0 && n-last >= int64(want) || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		// One more look: a session more than wanted is what this counts.
		time.Sleep(50 * time.Millisecond)
		n = read()
		got := int(n - last)
		last = n
		return got
	}
}

// A tool's run is one connection of dbguard's beside the tool's own: the
// one that reads the tool's table before and after also runs the check
// after (before: 2 of dbguard's).
func TestOneConnectionBesideTheTool(t *testing.T) {
	t.Parallel()
	needTool(t, "goose")
	s := pgtest.Must(t)
	name, dbURL := pgtest.NamedDB(t)
	files := map[string]string{
		".env":                       "DATABASE_URL=" + dbURL + "\n",
		"dbguard.yaml":               "version: 1\nexpect:\n  tool_users:\n    id: integer not null\n",
		"migrations/00001_users.sql": "-- +goose Up\nCREATE TABLE tool_users (id int PRIMARY KEY);\n-- +goose Down\nDROP TABLE tool_users;\n",
		"migrations/00002_more.sql":  "-- +goose Up\nCREATE TABLE tool_more (id int);\n-- +goose Down\nDROP TABLE tool_more;\n",
	}
	p, _, count := countedRepository(t, s, name, files, "")
	for _, c := range []struct {
		args string
		want int // dbguard's and goose's
	}{
		{"migrate up", 2},
		{"migrate up", 2}, // nothing pending
		{"migrate down 1", 2},
		{"ci --format text", 1},
	} {
		r := p.run(strings.Fields(c.args)...)
		out := r.Stdout + r.Stderr
		noPassword(t, out)
		if r.Code > 1 || strings.HasPrefix(c.args, "migrate") && r.Code != 0 {
			t.Fatalf("dbguard %s: exit %d:\n%s", c.args, r.Code, out)
		}
		if !strings.Contains(out, "goose") {
			t.Fatalf("dbguard %s did not use goose:\n%s", c.args, out)
		}
		if got := count(c.want); got != c.want {
			t.Errorf("dbguard %s: %d connections to the database, want %d (dbguard's and goose's):\n%s", c.args, got, c.want, out)
		}
	}
}
