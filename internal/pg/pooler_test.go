package pg

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// A PgBouncer whose URL does not say it is one: a connection dbguard
// makes with a startup parameter (the migration's lock_timeout, a
// preview's read-only session) is refused with PoolerFoundError, as
// PgBouncer refuses the parameter; with AllowPooler (--allow-pooler) it
// is made again as a pooler's, and so is one whose cancel key is no
// backend's process id, so a second connection does not meet the first's
// prepared statements (before: SQLSTATE 42P05, "prepared statement
// already exists", --allow-pooler or not); without it, the 42P05 gets
// PoolerHint's next step. PostgreSQL itself is taken for no pooler.
// Against a real PgBouncer in transaction mode.
func TestPoolerFoundFromItsAnswers(t *testing.T) {
	t.Parallel()
	s := pgtest.Must(t)
	name, direct := pgtest.NamedDB(t)
	b := pgtest.StartBouncer(t, s)
	ctx := context.Background()
	pooled, err := dburl.Parse(b.URL(name))
	if err != nil {
		t.Fatal(err)
	}
	read := func(o ConnectOptions) error {
		db, _, err := Connect(ctx, o)
		if err != nil {
			return err
		}
		defer db.Close()
		var n int
		return db.QueryRowContext(ctx, "SELECT $1::int + 1 /* pooler_test */", 1).Scan(&n)
	}
	reads := func(t *testing.T, o ConnectOptions) {
		t.Helper()
		for i := range 3 {
			if err := read(o); err != nil {
				t.Fatalf("connection %d: %v", i+1, err)
			}
		}
	}

	// A startup parameter.
	for _, o := range []ConnectOptions{{URL: pooled, ReadOnly: true}, {URL: pooled, LockTimeout: time.Second}} {
		err := read(o)
		var pf *PoolerFoundError
		if !errors.As(err, &pf) || !strings.Contains(pf.Why, "refused a startup parameter") {
			t.Fatalf("err = %v; want a PoolerFoundError", err)
		}
		if strings.Contains(err.Error(), pgtest.Password) {
			t.Error("the error holds the password")
		}
		o.AllowPooler = true
		reads(t, o)
	}

	// The cancel key: --allow-pooler alone is enough.
	reads(t, ConnectOptions{URL: pooled, AllowPooler: true})
	// Without it, the collision, and its hint.
	var last error
	for range 3 {
		if last = read(ConnectOptions{URL: pooled}); last != nil {
			break
		}
	}
	if h := PoolerHint(last); h == "" || !strings.Contains(h, "--allow-pooler") {
		t.Errorf("err = %v, hint %q; want 42P05 and the hint", last, h)
	}

	du, err := dburl.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	reads(t, ConnectOptions{URL: du, LockTimeout: time.Second, ReadOnly: true})
	reads(t, ConnectOptions{URL: du, AllowPooler: true})
}
