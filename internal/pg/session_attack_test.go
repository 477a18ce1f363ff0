package pg

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// A migration file's SET idle_session_timeout ends its session once it
// idles that long: the schema check after migrate up, on that session
// (Runner.Session), found it gone while reading the models or the snapshot
// and failed, where a new session (the check before the shared connection)
// read the schema. A session that the reset finds closed is not as new:
// the step connects anew.
func TestAttackRenewSessionEndedByIdleTimeout(t *testing.T) {
	t.Parallel()
	_, dbURL := pgtest.NamedDB(t)
	ctx := context.Background()
	u, err := dburl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var settings *string
	if err := conn.QueryRow(ctx, SettingsSQL).Scan(&settings); err != nil {
		t.Fatal(err)
	}
	// What the file left; then the check's own work before it connects.
	if _, err := conn.Exec(ctx, "SET idle_session_timeout = 50"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	o := ConnectOptions{URL: u}
	s := ShareConn(o, func(ctx context.Context, f func(*pgx.Conn) error) error { return f(conn) },
		func(ctx context.Context, c *pgx.Conn) (bool, error) { return Renew(ctx, c, settings, -1) })
	var one int
	if err := WithConn(ctx, o.Sharing(s), func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT 1").Scan(&one)
	}); err != nil || one != 1 {
		t.Fatalf("the step after a session the server ended: %v (read %d); want it run on a new session", err, one)
	}
}

// A migration file's LOAD of a plugin library stays in the backend after
// the reset (a library cannot be unloaded): auto_explain, loaded by the
// file, acts on every statement of the check after migrate up with the
// settings the database gives every session (ALTER DATABASE ... SET
// auto_explain.*, set before the migration, so the settings read when the
// session started still match), where a new session, which never loaded
// it, does nothing with them: here it sends each statement's plan to the
// client. A session whose libraries changed since it started is not as
// new: the step connects anew.
func TestAttackRenewAfterLoad(t *testing.T) {
	t.Parallel()
	name, dbURL := pgtest.NamedDB(t)
	ctx := context.Background()
	pgtest.Exec(t, dbURL,
		"ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" SET auto_explain.log_min_duration = 0",
		"ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" SET auto_explain.log_level = notice")
	u, err := dburl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	var plans int
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		if strings.Contains(n.Message, "Query Text") {
			plans++
		}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var settings *string
	var libraries int64
	if err := conn.QueryRow(ctx, SettingsSQL).Scan(&settings); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, LibrariesSQL).Scan(&libraries); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SELECT 1"); err != nil || plans != 0 {
		t.Fatalf("before the LOAD: %v, %d plans; want none (the test proves nothing)", err, plans)
	}
	// What the file runs.
	if _, err := conn.Exec(ctx, "LOAD 'auto_explain'"); err != nil {
		t.Fatal(err)
	}
	if ok, err := Renew(ctx, conn, settings, libraries); err != nil || ok {
		t.Errorf("Renew after a LOAD = %v, %v; want false (a new session has no library loaded)", ok, err)
	}
	// The proof the reused session is not as new: it still explains.
	if _, err := conn.Exec(ctx, "SELECT 1"); err != nil || plans == 0 {
		t.Fatalf("after the LOAD and the reset: %v, %d plans; want the library still acting (the test proves nothing)", err, plans)
	}
	// The check's step connects anew and reads as a new session.
	var calls int
	o := ConnectOptions{URL: u}
	s := ShareConn(o, func(ctx context.Context, f func(*pgx.Conn) error) error { calls++; return f(conn) },
		func(ctx context.Context, c *pgx.Conn) (bool, error) { return Renew(ctx, c, settings, libraries) })
	var pid, own uint32
	if err := WithConn(ctx, o.Sharing(s), func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT pg_catalog.pg_backend_pid()").Scan(&pid)
	}); err != nil {
		t.Fatal(err)
	}
	own = conn.PgConn().PID()
	if pid == own {
		t.Errorf("the step ran on the backend that loaded auto_explain (pid %d); want a new one", pid)
	}
}
