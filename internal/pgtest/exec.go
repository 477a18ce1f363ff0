package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Exec runs each statement on dbURL in turn, on one connection closed
// after them, failing the test at the first that fails: the set-up of the
// catalog-trap attacks, which leave a database as a migration of the
// attacker's would.
func Exec(t testing.TB, dbURL string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range stmts {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%.80s: %v", q, err)
		}
	}
}

// DatabaseSearchPath is the statement by which a migration puts path (say
// "public, pg_catalog") ahead of the default for every later connection
// to its database: ALTER DATABASE ... SET search_path.
func DatabaseSearchPath(path string) string {
	return "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = " + path + "', current_database()); END $$"
}
