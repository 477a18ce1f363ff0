package pg

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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
		func(ctx context.Context, c *pgx.Conn) (bool, error) { return Renew(ctx, c, settings) })
	var one int
	if err := WithConn(ctx, o.Sharing(s), func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT 1").Scan(&one)
	}); err != nil || one != 1 {
		t.Fatalf("the step after a session the server ended: %v (read %d); want it run on a new session", err, one)
	}
}
