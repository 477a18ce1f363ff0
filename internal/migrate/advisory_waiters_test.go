package migrate

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestAdvisoryWaitersOwnDatabase: a run waiting for a lock in another
// database (another package's test on a shared server) is not counted as
// one of this test's waiters; it was, and a test went on before its own
// runs were queued.
func TestAdvisoryWaitersOwnDatabase(t *testing.T) {
	t.Parallel() // its own databases; the count is of its own database
	ctx := context.Background()
	mine, other := pgtest.DB(t), pgtest.DB(t)
	connect := func(u string) *pgx.Conn {
		c, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		return c
	}
	holder, waiter, x := connect(other), connect(other), connect(mine)
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_lock(42)"); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() {
		defer close(waited)
		waiter.Exec(ctx, "SELECT pg_advisory_lock(42)")
	}()
	defer func() {
		holder.Exec(ctx, "SELECT pg_advisory_unlock(42)")
		<-waited
	}()
	// The other database's waiter is there.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var n int
		if err := holder.QueryRow(ctx, advisoryWaitersSQL).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the other database's run never waited")
		}
	}
	var n int
	if err := x.QueryRow(ctx, advisoryWaitersSQL).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d waiters counted in a database where none waits", n)
	}
}
