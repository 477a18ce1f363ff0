package pg

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// A read-only session through a transaction pooler (the gate's and the
// plan's live session with --allow-pooler) wrote: the startup parameter
// that makes a direct session read-only cannot go through PgBouncer, so it
// was left out, and nothing else stopped a write. Every statement such a
// session sends now runs in a read-only transaction; reads, transactions
// and errors behave as before. Against a real PgBouncer in transaction
// mode.
func TestAttackPooledSessionWrites(t *testing.T) {
	t.Parallel()
	s := pgtest.Must(t)
	name, dbURL := pgtest.NamedDB(t)
	b := pgtest.StartBouncer(t, s)
	ctx := context.Background()
	u, err := dburl.Parse(b.URL(name))
	if err != nil {
		t.Fatal(err)
	}
	exists := func(t *testing.T, table string) bool {
		t.Helper()
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var ok bool
		if err := conn.QueryRow(ctx, "SELECT pg_catalog.to_regclass($1) IS NOT NULL", table).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	readOnly := func(err error) bool {
		var pgErr *pgconn.PgError
		return errors.As(err, &pgErr) && pgErr.Code == "25006" // read_only_sql_transaction
	}

	// The same session, not read-only, writes: the test can tell.
	w, _, err := Connect(ctx, ConnectOptions{URL: u, SimpleProtocol: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, "CREATE TABLE ro_control (id int); CREATE SEQUENCE ro_seq"); err != nil || !exists(t, "ro_control") {
		t.Fatalf("a session that may write did not: %v", err)
	}
	w.Close()

	db, _, err := Connect(ctx, ConnectOptions{URL: u, SimpleProtocol: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		name  string
		table string
		run   func(conn *pgx.Conn) error
	}{
		{"exec", "ro_a", func(conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, "CREATE TABLE ro_a (id int)")
			return err
		}},
		{"a read, then a write in one query", "ro_b", func(conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, "SELECT 1; CREATE TABLE ro_b (id int)")
			return err
		}},
		{"a write after a comment", "ro_c", func(conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, "-- a comment\nCREATE TABLE ro_c (id int)")
			return err
		}},
		{"query", "ro_d", func(conn *pgx.Conn) error {
			rows, err := conn.Query(ctx, "CREATE TABLE ro_d AS SELECT 1 AS id")
			if err == nil {
				rows.Close()
				err = rows.Err()
			}
			return err
		}},
		{"a batch", "ro_e", func(conn *pgx.Conn) error {
			bt := &pgx.Batch{}
			bt.Queue("SELECT 1")
			bt.Queue("CREATE TABLE ro_e (id int)")
			return conn.SendBatch(ctx, bt).Close()
		}},
		{"a transaction", "ro_f", func(conn *pgx.Conn) error {
			tx, err := conn.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			if _, err := tx.Exec(ctx, "SELECT 1"); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "CREATE TABLE ro_f (id int)"); err != nil {
				return err
			}
			return tx.Commit(ctx)
		}},
		{"a transaction begun by hand", "ro_g", func(conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, "BEGIN; CREATE TABLE ro_g (id int); COMMIT")
			if err == nil {
				_, err = conn.Exec(ctx, "BEGIN")
				if err == nil {
					_, err = conn.Exec(ctx, "CREATE TABLE ro_g (id int)")
					conn.Exec(ctx, "ROLLBACK")
				}
			}
			return err
		}},
		{"a function that writes", "", func(conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, "SELECT pg_catalog.nextval('ro_seq')")
			return err
		}},
	} {
		err := WithPgx(ctx, db, c.run)
		if !readOnly(err) {
			t.Errorf("%s through the pooler: %v; want SQLSTATE 25006 (read-only transaction)", c.name, err)
		}
		if c.table != "" && exists(t, c.table) {
			t.Errorf("%s through the pooler created %s", c.name, c.table)
		}
	}

	// The extended protocol is refused before anything is sent.
	err = WithPgx(ctx, db, func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "CREATE TABLE ro_x (id int)", pgx.QueryExecModeExec)
		return err
	})
	if err == nil || exists(t, "ro_x") {
		t.Errorf("an extended-protocol statement through the pooler: %v; want it refused", err)
	}

	// Reads read as before: rows, several results, a transaction after an
	// error, and no state left on the pooler's server connection.
	if err := WithPgx(ctx, db, func(conn *pgx.Conn) error {
		var one int
		var two string
		if err := conn.QueryRow(ctx, "SELECT 1, 'two'").Scan(&one, &two); err != nil || one != 1 || two != "two" {
			t.Errorf("a read: %d %q %v", one, two, err)
		}
		var ro string
		if err := conn.QueryRow(ctx, "SELECT pg_catalog.current_setting('transaction_read_only')").Scan(&ro); err != nil || ro != "on" {
			t.Errorf("transaction_read_only = %q, %v; want on", ro, err)
		}
		var n int
		if err := conn.QueryRow(ctx, "SELECT $1::int + 1", 41).Scan(&n); err != nil || n != 42 {
			t.Errorf("a read with an argument: %d %v", n, err)
		}
		rows, err := conn.Query(ctx, "SELECT g FROM pg_catalog.generate_series(1, 50000) g")
		if err != nil {
			return err
		}
		sum := 0
		for rows.Next() {
			var g int
			if err := rows.Scan(&g); err != nil {
				return err
			}
			sum += g
		}
		if err := rows.Err(); err != nil || sum != 50000*50001/2 {
			t.Errorf("50,000 rows: sum %d, %v", sum, err)
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SELECT 1/0"); err == nil {
			t.Error("1/0 did not fail")
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Errorf("rollback after an error: %v", err)
		}
		if _, err := conn.Exec(ctx, ""); err != nil {
			t.Errorf("an empty query: %v", err)
		}
		if err := conn.Ping(ctx); err != nil {
			t.Errorf("a ping: %v", err)
		}
		return conn.QueryRow(ctx, "SELECT 1").Scan(&one)
	}); err != nil {
		t.Fatal(err)
	}
	var ro string
	if err := db.QueryRowContext(ctx, "SHOW default_transaction_read_only").Scan(&ro); err != nil || ro != "off" {
		t.Errorf("the server connection's default_transaction_read_only = %q, %v; want off, as other clients of the pooler had it", ro, err)
	}
}
