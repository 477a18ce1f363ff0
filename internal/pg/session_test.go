package pg

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// A session reused as a new one (the schema check after a migration, on
// the migration's connection) reads what a new connection would: what a
// migration file left in it is gone, and where that cannot be undone (a
// transaction left open, the database's settings changed since it
// started), Renew says no, and the step connects anew.
func TestRenewIsAsANewSession(t *testing.T) {
	t.Parallel()
	name, dbURL := pgtest.NamedDB(t)
	ctx := context.Background()
	u, err := dburl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	open := func(t *testing.T) (*pgx.Conn, *string) {
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close(ctx) })
		var settings *string
		if err := conn.QueryRow(ctx, SettingsSQL).Scan(&settings); err != nil {
			t.Fatal(err)
		}
		return conn, settings
	}
	state := func(t *testing.T, conn *pgx.Conn) [5]string {
		var s [5]string
		err := conn.QueryRow(ctx, `SELECT pg_catalog.current_setting('search_path'), pg_catalog.current_setting('application_name'), current_user::text,
			coalesce(pg_catalog.to_regclass('pg_temp.renew_tmp')::text, ''),
			(SELECT count(*) FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND pid = pg_catalog.pg_backend_pid())::text`).Scan(&s[0], &s[1], &s[2], &s[3], &s[4])
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	t.Run("what a file leaves", func(t *testing.T) {
		fresh, _ := open(t)
		want := state(t, fresh)
		conn, settings := open(t)
		if _, err := conn.Exec(ctx, `SET search_path = pg_catalog; SET application_name = 'left'; CREATE TEMP TABLE renew_tmp (id int);
			SELECT pg_catalog.pg_advisory_lock(4242); SET ROLE pg_read_all_data; LISTEN renew`); err != nil {
			t.Fatal(err)
		}
		if state(t, conn) == want {
			t.Fatal("the file changed nothing: the test proves nothing")
		}
		ok, err := Renew(ctx, conn, settings, -1)
		if err != nil || !ok {
			t.Fatalf("Renew = %v, %v; want true", ok, err)
		}
		if got := state(t, conn); got != want {
			t.Errorf("after Renew: %q, a new session: %q", got, want)
		}
	})
	t.Run("a transaction left open", func(t *testing.T) {
		conn, settings := open(t)
		if _, err := conn.Exec(ctx, "BEGIN; CREATE TABLE renew_open (id int)"); err != nil {
			t.Fatal(err)
		}
		if ok, err := Renew(ctx, conn, settings, -1); err != nil || ok {
			t.Errorf("Renew = %v, %v; want false", ok, err)
		}
	})
	t.Run("the database's settings changed", func(t *testing.T) {
		conn, settings := open(t)
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" SET search_path = public, pg_catalog"); err != nil {
			t.Fatal(err)
		}
		if ok, err := Renew(ctx, conn, settings, -1); err != nil || ok {
			t.Errorf("Renew = %v, %v; want false", ok, err)
		}
		// The step connects anew: a session that cannot serve is not used.
		var calls int
		o := ConnectOptions{URL: u}
		s := ShareConn(o, func(ctx context.Context, f func(*pgx.Conn) error) error { calls++; return f(conn) },
			func(ctx context.Context, c *pgx.Conn) (bool, error) { return Renew(ctx, c, settings, -1) })
		var path string
		if err := WithConn(ctx, o.Sharing(s), func(c *pgx.Conn) error {
			return c.QueryRow(ctx, "SELECT pg_catalog.current_setting('search_path')").Scan(&path)
		}); err != nil {
			t.Fatal(err)
		}
		if path != "public, pg_catalog" || calls != 1 {
			t.Errorf("search_path %q after %d tries of the shared session; want a new session's", path, calls)
		}
	})
	t.Run("only the options it was opened for", func(t *testing.T) {
		s, err := Open(ctx, ConnectOptions{URL: u, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		ro := ConnectOptions{URL: u, ReadOnly: true}.Sharing(s)
		same, _ := dburl.Parse(dbURL)
		for i, c := range []struct {
			o    ConnectOptions
			want bool
		}{
			{ro, true},
			{ConnectOptions{URL: u}.Sharing(s), false},                    // may write
			{ConnectOptions{URL: same, ReadOnly: true}.Sharing(s), false}, // another URL, even an equal one
			{ro.To(same, false), false},
			{func() ConnectOptions { o := ro; o.LockTimeout = time.Second; return o }(), false}, // another startup lock_timeout
			{func() ConnectOptions { o := ro; o.OnNotice = func(*pgconn.Notice) {}; return o }(), false},
			{func() ConnectOptions { o := ro; o.Unnamed = true; return o }(), false}, // a session whose statements a file could take over
		} {
			if got := c.o.Shares(); got != c.want {
				t.Errorf("case %d: Shares() = %v, want %v", i, got, c.want)
			}
		}
	})
}

// PL/pgSQL is loaded by the first DO block or plpgsql function a file
// creates or calls, and defines settings of its own (plpgsql.*), but no
// hook that acts on later statements: a session whose file only did that
// is as new, and the check after migrate up runs on it. Before: the count
// of settings grew by plpgsql's five, and every migration with a DO block
// or a trigger function made the check connect anew.
func TestRenewAfterPlpgsql(t *testing.T) {
	t.Parallel()
	_, dbURL := pgtest.NamedDB(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
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
	if _, err := conn.Exec(ctx, `DO $$ BEGIN PERFORM 1; END $$;
		CREATE FUNCTION renew_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`); err != nil {
		t.Fatal(err)
	}
	var loaded bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_catalog.pg_settings WHERE name LIKE 'plpgsql.%')").Scan(&loaded); err != nil || !loaded {
		t.Fatalf("plpgsql's settings after a DO block: %v, %v; want them (the test proves nothing)", loaded, err)
	}
	if ok, err := Renew(ctx, conn, settings, libraries); err != nil || !ok {
		t.Errorf("Renew after a DO block and a plpgsql function = %v, %v; want true (plpgsql hooks nothing)", ok, err)
	}
}
