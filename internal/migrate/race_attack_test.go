package migrate

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// dbguard checks the files a run may execute (link, text, checksum) from
// the version it reads before it takes golang-migrate's lock. Another run
// holding the lock can move the version in between (a colleague's migrate
// down): golang-migrate then asked for a file dbguard had not checked, and
// got it from the disk, as it is now: here a link, which dbguard refuses
// everywhere else, to a file that is no migration. A file dbguard did not
// check is not run.
func TestAttackVersionMovedBeforeTheLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);", "1_a.down.sql": "DROP TABLE a;",
		"2_b.up.sql": "CREATE TABLE b (id int);", "2_b.down.sql": "DROP TABLE b;",
		"3_c.up.sql": "CREATE TABLE c (id int);", "3_c.down.sql": "DROP TABLE c;",
	})
	r0 := open(t, dbURL, dir, nil)
	if err := r0.Up(ctx, 0); err != nil {
		t.Fatal(err)
	}
	key, _ := strconv.ParseInt(r0.key, 10, 64)
	x, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close(ctx)
	if _, err := x.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		t.Fatal(err)
	}
	waiters := func(n int) {
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
	// The colleague's down waits first, so it runs first.
	down := make(chan error, 1)
	r2 := open(t, dbURL, dir, nil)
	go func() { down <- r2.Down(ctx, 1, false) }()
	waiters(1)
	// This up checks the files above version 3 (none), then waits.
	up := make(chan error, 1)
	r1 := open(t, dbURL, dir, nil)
	go func() { up <- r1.Up(ctx, 0) }()
	waiters(2)
	// Meanwhile 3_c.up.sql becomes a link to a file that is no migration.
	if err := os.WriteFile(filepath.Join(dir, "notes.sql"), []byte("CREATE TABLE unchecked (id int);"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "3_c.up.sql")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("notes.sql", filepath.Join(dir, "3_c.up.sql")); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Exec(ctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
		t.Fatal(err)
	}
	if err := <-down; err != nil {
		t.Fatalf("down = %s", errorText(err))
	}
	err = <-up
	if len(columns(t, dbURL, "unchecked")) != 0 {
		t.Fatalf("a file dbguard never checked ran (a link to notes.sql); up = %v", err)
	}
	if err == nil || !strings.Contains(errorText(err), "3_c.up.sql") {
		t.Errorf("up = %v, want the unchecked file named", err)
	}
	// Refused before the dirty mark: where the colleague's down left it.
	if v, dirty := version(t, r1); v != 2 || dirty {
		t.Errorf("version %d dirty %v, want 2 clean", v, dirty)
	}
}
