package migrate

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// advisoryWaitersSQL counts the sessions waiting for an advisory lock in
// the connection's own database: the tests that count them run serial
// here, but beside other packages' tests on one server
// (DBGUARD_TEST_DATABASE_URL), whose runs wait for locks of their own.
const advisoryWaitersSQL = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"

// holdLock takes r's migration lock on a connection of the test's own and
// returns a wait for n runs queued behind it and the release.
func holdLock(t *testing.T, dbURL string, r *Runner) (waiters func(n int), release func()) {
	t.Helper()
	ctx := context.Background()
	key, _ := strconv.ParseInt(r.key, 10, 64)
	x, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close(ctx) })
	if _, err := x.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		t.Fatal(err)
	}
	waiters = func(n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			var got int
			if err := x.QueryRow(ctx, advisoryWaitersSQL).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got >= n {
				return
			}
		}
		t.Fatalf("fewer than %d runs waiting for the lock", n)
	}
	release = func() {
		if _, err := x.Exec(ctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
			t.Fatal(err)
		}
	}
	return waiters, release
}

// TestAttackPendingReadBeforeTheLock: a colleague's migrate down runs
// while this up waits for the lock. What is pending is what the version
// says under the lock (as golang-migrate and dbmate read it): the up
// applies the version the down took back. It was refused ("another run
// moved the version"): the pending files were chosen before the lock.
func TestAttackPendingReadBeforeTheLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);", "1_a.down.sql": "DROP TABLE a;",
		"2_b.up.sql": "CREATE TABLE b (id int);", "2_b.down.sql": "DROP TABLE b;",
	})
	r0 := open(t, dbURL, dir, nil)
	if err := r0.Up(ctx, 0); err != nil {
		t.Fatal(err)
	}
	waiters, release := holdLock(t, dbURL, r0)
	down := make(chan error, 1)
	rd := open(t, dbURL, dir, nil) // here: open fails t with t.Fatal, which a goroutine may not call
	go func() { down <- rd.Down(ctx, 1, false) }()
	waiters(1)
	up := make(chan error, 1)
	r1 := open(t, dbURL, dir, nil)
	go func() { up <- r1.Up(ctx, 0) }()
	waiters(2)
	release()
	if err := <-down; err != nil {
		t.Fatalf("down = %s", errorText(err))
	}
	if err := <-up; err != nil {
		t.Fatalf("up after a concurrent down = %s, want version 2 applied again", errorText(err))
	}
	if v, dirty := version(t, r1); v != 2 || dirty {
		t.Errorf("version %d dirty %v, want 2 clean", v, dirty)
	}
	if len(columns(t, dbURL, "b")) == 0 {
		t.Error("table b is missing: 2 was not applied again")
	}
}

// TestAttackChecksumReadBeforeTheLock: this up finds 2 pending and waits
// for the lock; meanwhile 2 is edited (a pull) and a colleague's up queues
// behind it. The up runs 2 as it is on the disk under the lock (as
// golang-migrate reads it), so the colleague finds nothing edited. Read
// before the lock, the up ran 2's old bytes and recorded their checksum,
// and the colleague's run was refused: "changed since they ran".
func TestAttackChecksumReadBeforeTheLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{"1_a.up.sql": "CREATE TABLE a (id int);"})
	r0 := open(t, dbURL, dir, nil)
	if err := r0.Up(ctx, 0); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "2_b.up.sql", "CREATE TABLE b (id int);")
	waiters, release := holdLock(t, dbURL, r0)
	up := make(chan error, 1)
	r1 := open(t, dbURL, dir, nil)
	go func() { up <- r1.Up(ctx, 0) }()
	waiters(1)
	if err := os.WriteFile(filepath.Join(dir, "2_b.up.sql"), []byte("CREATE TABLE b (id bigint);"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := make(chan error, 1)
	ro := open(t, dbURL, dir, nil)
	go func() { other <- ro.Up(ctx, 0) }()
	waiters(2)
	release()
	if err := <-up; err != nil {
		t.Errorf("up = %s, want nothing to do (2 applied as it is on the disk)", errorText(err))
	}
	if err := <-other; err != nil {
		t.Errorf("the colleague's up = %s", errorText(err))
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var typ string
	if err := conn.QueryRow(ctx, "SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'b'::regclass AND attname = 'id'").Scan(&typ); err != nil {
		t.Fatal(err)
	}
	if typ != "bigint" {
		t.Errorf("b.id is %s, want bigint: 2 as it was on the disk under the lock", typ)
	}
}

// TestAttackVersionReadInTheLockSnapshot: the database's sessions default
// to REPEATABLE READ (ALTER DATABASE ... SET default_transaction_isolation,
// as some teams set it for their app). The version was read in the lock's
// round trip, in the same implicit transaction as pg_advisory_lock, so
// with the snapshot that statement took before it waited: an up queued
// behind a colleague's up read the version from before the colleague's
// run, and ran 2 again (here an INSERT: a second row, no error).
func TestAttackVersionReadInTheLockSnapshot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_isolation = %L', current_database(), 'repeatable read'); END $$"); err != nil {
		t.Fatal(err)
	}
	dir := files(t, map[string]string{"1_a.up.sql": "CREATE TABLE a (id int);"})
	r0 := open(t, dbURL, dir, nil)
	if err := r0.Up(ctx, 0); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "2_b.up.sql", "INSERT INTO a VALUES (2);")
	waiters, release := holdLock(t, dbURL, r0)
	first := make(chan error, 1)
	rf := open(t, dbURL, dir, nil) // here: open fails t with t.Fatal, which a goroutine may not call
	go func() { first <- rf.Up(ctx, 0) }()
	waiters(1)
	second := make(chan error, 1)
	rs := open(t, dbURL, dir, nil)
	go func() { second <- rs.Up(ctx, 0) }()
	waiters(2)
	release()
	for _, c := range []chan error{first, second} {
		if err := <-c; err != nil {
			t.Errorf("up = %s", errorText(err))
		}
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM a WHERE id = 2").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("2 ran %d times; want once (the second up, queued behind the first, has nothing to do)", n)
	}
}
