package pg

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// Ctrl-C during migrate up's last file: the check after, on the migration's
// session, said "timeout: context already done: interrupted" where the
// check on a new connection said "interrupted". A step on a session of an
// interrupted command ends with the interruption, as a new connection's.
func TestSharedSessionInterruptedSaysSo(t *testing.T) {
	t.Parallel()
	_, dbURL := pgtest.NamedDB(t)
	u, err := dburl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := ConnectOptions{URL: u}
	s := ShareConn(o, func(ctx context.Context, f func(*pgx.Conn) error) error { return f(conn) },
		func(ctx context.Context, c *pgx.Conn) (bool, error) { return Renew(ctx, c, nil, -1) })
	err = WithConn(ctx, o.Sharing(s), func(*pgx.Conn) error { return nil })
	if !errors.Is(err, context.Canceled) || err.Error() != context.Canceled.Error() {
		t.Errorf("a step of an interrupted command on a shared session: %v; want %v, as on a new connection", err, context.Canceled)
	}
}
