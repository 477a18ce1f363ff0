package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestFreshDatabases(t *testing.T) {
	ctx := context.Background()
	a, b := DB(t), DB(t)
	if a == b {
		t.Fatal("two tests share a database")
	}
	conn, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("fresh database has %d tables (%v)", n, err)
	}
	var version string
	if err := conn.QueryRow(ctx, "SHOW server_version_num").Scan(&version); err != nil {
		t.Fatal(err)
	}
	t.Logf("server_version_num %s", version)
}

// TestBouncerBreaksPreparedStatements reproduces what the brief describes
// for Neon's -pooler endpoint: in transaction mode, server connections are
// handed to the next client without DISCARD ALL, so pgx's cached prepared
// statements collide (SQLSTATE 42P05) on the next connection.
func TestBouncerBreaksPreparedStatements(t *testing.T) {
	s := Must(t)
	name, _ := NamedDB(t)
	b := StartBouncer(t, s)
	ctx := context.Background()
	query := func() error {
		conn, err := pgx.Connect(ctx, b.URL(name))
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		var db string
		return conn.QueryRow(ctx, "SELECT current_database() /* pgtest */").Scan(&db)
	}
	if err := query(); err != nil {
		t.Fatalf("first connection through pgbouncer: %v", err)
	}
	err := query()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42P05" {
		t.Fatalf("second connection: %v, want SQLSTATE 42P05 (prepared statement already exists)", err)
	}
}

// TestConnTally: with DBGUARD_PGTEST_CPU=1 the server logs its
// connections, and the tally groups them by the test whose database they
// went to, counting the databases, with the admin connection apart.
func TestConnTally(t *testing.T) {
	t.Setenv(EnvCPU, "1")
	s := Own(t)
	ctx := context.Background()
	_, a := s.NamedDB(t)
	_, b := s.NamedDB(t)
	for _, u := range []string{a, a, b} {
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		conn.Close(ctx)
	}
	log, err := os.ReadFile(filepath.Join(s.Dir(), "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	got := connTally(s.Port, log, 5)
	for _, want := range []string{
		"pgtest: server on port " + s.Port + ": 4 connections into 3 databases from 2 tests\n",
		"pgtest:       3 connections    2 databases  testconntally\n",
		"pgtest:       1 connections    1 databases  postgres\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("tally lacks %q:\n%s", want, got)
		}
	}
}

// TestDatabaseDroppedAfterItsTest: a test's database is dropped once the
// test has ended, in the background, and the drop ends the sessions the
// test left open; Stop (and Main) wait for it.
func TestDatabaseDroppedAfterItsTest(t *testing.T) {
	s := Own(t)
	ctx := context.Background()
	var name string
	var left *pgx.Conn
	t.Run("uses", func(t *testing.T) {
		var dbURL string
		name, dbURL = s.NamedDB(t)
		var err error
		if left, err = pgx.Connect(ctx, dbURL); err != nil { // left open
			t.Fatal(err)
		}
	})
	defer left.Close(ctx)
	if err := s.waitDrops(); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, s.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%s: %d left after its test ended (%v)", name, n, err)
	}
	if err := left.Ping(ctx); err == nil {
		t.Error("the session left open in the dropped database still answers")
	}
}

// TestTemplateDB: build runs once per key, each test's database is a copy
// of what it built (schema and rows) that no other test sees a write to,
// no one can connect to the template, a failed build fails every test
// asking for its key, and Stop drops the templates.
func TestTemplateDB(t *testing.T) {
	ctx := context.Background()
	s := Must(t)
	builds := 0
	build := func(ctx context.Context, dbURL string) error {
		builds++
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 7)")
		return err
	}
	count := func(dbURL, write string) int {
		t.Helper()
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if write != "" {
			if _, err := conn.Exec(ctx, write); err != nil {
				t.Fatal(err)
			}
		}
		return n
	}
	var names []string
	t.Run("first", func(t *testing.T) {
		name, u := s.TemplateDB(t, "seven", build)
		names = append(names, name)
		if n := count(u, "DELETE FROM t"); n != 7 {
			t.Errorf("the copy has %d rows, want 7", n)
		}
	})
	t.Run("second", func(t *testing.T) {
		name, u := s.TemplateDB(t, "seven", build)
		names = append(names, name)
		if n := count(u, ""); n != 7 {
			t.Errorf("the second copy has %d rows, want the template's 7: the first test's DELETE reached it", n)
		}
	})
	if builds != 1 || len(names) != 2 || names[0] == names[1] {
		t.Fatalf("%d builds for one key, databases %v: want one build and two databases", builds, names)
	}
	tmpl := s.tmpls["seven"].name
	if _, err := pgx.Connect(ctx, s.URL(tmpl)); err == nil {
		t.Errorf("connected to the template %s: a connection would hold up every copy", tmpl)
	}
	boom := errors.New("boom")
	for _, name := range []string{"a", "b"} {
		ft := &fatalT{TB: t}
		func() {
			defer func() { _ = recover() }()
			s.TemplateDB(ft, "fails", func(context.Context, string) error { return boom })
		}()
		if !strings.Contains(ft.msg, "boom") {
			t.Errorf("%s: a failed build gave %q, want its error", name, ft.msg)
		}
	}
	if err := s.WaitDrops(); err != nil {
		t.Fatal(err)
	}
	s.dropTemplates()
	if err := s.WaitDrops(); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, s.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = ANY ($1)", append(names, tmpl)).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d of the template and its copies left after the drops (%v)", left, err)
	}
	if len(s.tmpls) != 0 {
		t.Errorf("templates still listed after the drops: %v", s.tmpls)
	}
}

// fatalT is a testing.TB whose Fatal records its message and stops the
// goroutine's call (a panic the caller recovers) instead of failing.
type fatalT struct {
	testing.TB
	msg string
}

func (f *fatalT) Helper()                   {}
func (f *fatalT) Name() string              { return "fatalT" }
func (f *fatalT) Cleanup(func())            {}
func (f *fatalT) Fatal(args ...any)         { f.msg = fmt.Sprint(args...); panic(f) }
func (f *fatalT) Fatalf(s string, a ...any) { f.msg = fmt.Sprintf(s, a...); panic(f) }
