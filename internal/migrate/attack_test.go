package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// Attacks from the hardening issue that once got through. Each test failed
// before its fix; the symlink, "up N" and status-during-a-migration attacks
// are also run end to end by cmd/dbguard/testdata/migrate_attack_*.txtar.

// maxErrorBytes bounds what any error of a run may print, whatever the size
// of the migration: a few excerpt lines, the server's message, the hint.
const maxErrorBytes = 4096

// errorText is everything the command line would print for err.
func errorText(err error) string {
	s := err.Error()
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		s += "\n" + h.Hint()
	}
	return s
}

func execSQL(t *testing.T, dbURL, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatal(err)
	}
}

// A symlinked migration is refused by Scan, before any connection, and so
// by every command; the one with the password in it is never read.
func TestAttackSymlinkedMigration(t *testing.T) {
	t.Parallel()
	outside := filepath.Join(t.TempDir(), ".pgpass")
	if err := os.WriteFile(outside, []byte("db.example.com:5432:app:app:hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{outside, "/etc/shadow", "000001_a.up.sql", "/nonexistent.sql"} {
		dir := files(t, map[string]string{"000001_a.up.sql": "CREATE TABLE a (id int);"})
		if err := os.Symlink(target, filepath.Join(dir, "000002_b.up.sql")); err != nil {
			t.Fatal(err)
		}
		_, err := Scan(dir)
		var se *SourceError
		if !errors.As(err, &se) || se.Path != filepath.Join(dir, "000002_b.up.sql") || !strings.Contains(se.Msg, "symbolic link") {
			t.Errorf("link to %s: Scan = %v, want a *SourceError naming the link", target, err)
			continue
		}
		if strings.Contains(errorText(err), "hunter2") || se.Hint() == "" {
			t.Errorf("link to %s: %s", target, errorText(err))
		}
	}
	// Neither may a migration be a folder, a FIFO or a device.
	dir := files(t, map[string]string{"000001_a.up.sql": "SELECT 1;"})
	if err := os.Mkdir(filepath.Join(dir, "000002_b.up.sql"), 0o755); err != nil {
		t.Fatal(err)
	}
	var se *SourceError
	if _, err := Scan(dir); !errors.As(err, &se) || !strings.Contains(se.Msg, "not a regular file") {
		t.Errorf("a folder named as a migration: %v", err)
	}
}

// Should a link appear after the check, golang-migrate still cannot
// follow it out of the folder: it reads through an os.Root.
func TestAttackSymlinkAfterScan(t *testing.T) {
	t.Parallel() // its own database and files
	dbURL := pgtest.DB(t)
	outside := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(outside, []byte("root:$6$hash-secret:19000:0:99999:7:::\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := files(t, map[string]string{"000001_a.up.sql": "CREATE TABLE a (id int);"})
	r := open(t, dbURL, dir, nil)
	os.Remove(filepath.Join(dir, "000001_a.up.sql"))
	if err := os.Symlink(outside, filepath.Join(dir, "000001_a.up.sql")); err != nil {
		t.Fatal(err)
	}
	err := r.Up(context.Background(), 0)
	if err == nil || strings.Contains(errorText(err), "hash-secret") {
		t.Fatalf("Up through a swapped-in link = %v", err)
	}
}

// The excerpt of a failing file is one line, cut to a bounded width, and
// the server's own message (which quotes the file: an unterminated string
// runs to its end) is cut too.
func TestAttackErrorExcerptIsBounded(t *testing.T) {
	t.Parallel() // its own database and files
	ctx := context.Background()
	var tail strings.Builder
	for i := 1; i <= 5000; i++ {
		fmt.Fprintf(&tail, "line %d secret-%d\n", i, i)
	}
	long := strings.Repeat("x", 1<<20)
	for name, body := range map[string]string{
		"unterminated": "SELECT 1;\nSELECT 'never closed\n" + tail.String(),
		"long line":    "SELECT 1, '" + long + "', nosuchcolumn FROM (SELECT 1) s, '" + long + "';\n" + tail.String(),
		"long message": "SELECT 1 + '" + long + "'::int;\n",
	} {
		t.Run(name, func(t *testing.T) {
			dbURL := pgtest.DB(t)
			r := open(t, dbURL, files(t, map[string]string{"000001_bad.up.sql": body}), nil)
			err := r.Up(ctx, 0)
			var me *MigrationError
			if !errors.As(err, &me) {
				t.Fatalf("Up = %v, want a *MigrationError", truncate(fmt.Sprint(err), 500))
			}
			text := errorText(err)
			if len(text) > maxErrorBytes || strings.Count(text, "\n") > 8 || strings.Contains(text, "secret-50") {
				t.Errorf("%d bytes, %d lines:\n%s", len(text), strings.Count(text, "\n")+1, truncate(text, 2000))
			}
			if !strings.Contains(text, "000001_bad.up.sql:") {
				t.Errorf("the file is not named:\n%s", truncate(text, 2000))
			}
		})
	}
}

// A caret under a column far into a long line still points at the right
// character of what is shown.
func TestAttackExcerptCaretInLongLine(t *testing.T) {
	t.Parallel()
	line := strings.Repeat("a", 5000) + "BAD" + strings.Repeat("b", 5000)
	e := &MigrationError{File: "m.up.sql", Query: "SELECT 1;\n" + line, PgErr: &pgconn.PgError{Message: "boom", Code: "42601", Position: int32(len("SELECT 1;\n") + 5001)}}
	got := e.Error()
	lines := strings.Split(got, "\n")
	if len(got) > 600 || len(lines) != 3 {
		t.Fatalf("%d bytes:\n%s", len(got), got)
	}
	if !strings.HasPrefix(got, "m.up.sql:2:5001: boom") {
		t.Errorf("location: %s", lines[0])
	}
	caret := strings.IndexByte(lines[2], '^')
	if caret < 0 || caret+3 > len(lines[1]) || lines[1][caret:caret+3] != "BAD" {
		t.Errorf("caret not under BAD:\n%s\n%s", lines[1], lines[2])
	}
}

// The connection dropped during a 50 MB migration: exit 3's error, with no
// more than a bounded excerpt (it once printed the whole file, 52 MB).
func TestAttackDroppedConnectionBigMigration(t *testing.T) {
	t.Parallel() // its own database and files
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	var b strings.Builder
	b.WriteString("SELECT pg_sleep(30);\n")
	pad := "-- " + strings.Repeat("x", 1000) + "\n"
	for b.Len() < 50<<20 {
		b.WriteString(pad)
	}
	b.WriteString("CREATE TABLE big (id int);\n")
	r := open(t, dbURL, files(t, map[string]string{"000001_big.up.sql": b.String()}), nil)
	done := make(chan error, 1)
	go func() { done <- r.Up(ctx, 0) }()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// No deadline of our own: reading and checking 50 MB under -race on a
	// loaded machine has taken over 30 s (a timed test turns red for
	// reasons of its own). The test binary's -timeout still bounds it.
	for {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%SELECT pg_sleep(30);%' AND state = 'active'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("Up returned before the migration was seen running: %s", truncate(fmt.Sprint(err), 500))
		case <-time.After(50 * time.Millisecond):
		}
	}
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%SELECT pg_sleep(30);%'"); err != nil {
		t.Fatal(err)
	}
	err = <-done
	var ue *pg.UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("Up = %T %s, want an *pg.UnreachableError", err, truncate(fmt.Sprint(err), 500))
	}
	if text := errorText(err); len(text) > maxErrorBytes {
		t.Errorf("the error is %d bytes:\n%s", len(text), truncate(text, 2000))
	}
	if !strings.Contains(err.Error(), "000001_big.up.sql") {
		t.Errorf("the file in flight is not named: %s", truncate(err.Error(), 2000))
	}
}

// A NUL byte in a migration is refused before anything runs, with its
// file:line, as a problem in the file (it once read as a lost connection,
// exit 3, after the version had been marked dirty).
func TestAttackNULByte(t *testing.T) {
	t.Parallel() // its own database and files
	ctx := context.Background()
	utf16 := func(s string) string {
		var b bytes.Buffer
		for _, c := range s {
			b.WriteByte(byte(c))
			b.WriteByte(0)
		}
		return b.String()
	}
	for name, tt := range map[string]struct{ body, where, want, hint string }{
		"NUL":                {"CREATE TABLE b (id int);\nSELECT 'a\x00b';\n", ":2", "NUL byte (column 10)", "remove it"},
		"UTF-16 without BOM": {utf16("CREATE TABLE b (id int);\n"), ":1", "NUL byte (column 2)", "iconv -f UTF-16"},
		"UTF-16 with BOM":    {"\xff\xfe" + utf16("CREATE TABLE b (id int);\n"), ":1", "UTF-16", "iconv -f UTF-16"},
		"NUL in a down file": {"", ":3", "NUL byte", "remove it"},
	} {
		t.Run(name, func(t *testing.T) {
			dbURL := pgtest.DB(t)
			fs := map[string]string{"000001_a.up.sql": "CREATE TABLE a (id int);", "000001_a.down.sql": "DROP TABLE a;"}
			file := "000002_b.up.sql"
			if tt.body == "" {
				fs["000002_b.up.sql"], fs["000002_b.down.sql"] = "SELECT 1;", "\n\nDROP TABLE\x00 b;"
				file = "000002_b.down.sql"
			} else {
				fs[file] = tt.body
			}
			dir := files(t, fs)
			r := open(t, dbURL, dir, nil)
			err := r.Up(ctx, 0)
			if tt.body == "" {
				if err != nil {
					t.Fatal(err)
				}
				err = r.Down(ctx, 1, false)
			}
			var se *SourceError
			if !errors.As(err, &se) {
				t.Fatalf("= %T %v, want a *SourceError", err, err)
			}
			if se.Path != filepath.Join(dir, file)+tt.where || !strings.Contains(se.Msg, tt.want) || !strings.Contains(se.Hint(), tt.hint) {
				t.Errorf("%v\n%s", err, se.Hint())
			}
			want := -1
			if tt.body == "" {
				want = 2
			}
			if v, dirty := version(t, r); v != want || dirty {
				t.Errorf("something ran: version %d dirty=%v", v, dirty)
			}
		})
	}
}

// "up 7" with nothing pending, "down 3" with nothing applied: nothing to
// do, no error (it once was golang-migrate's "file does not exist").
func TestAttackStepsWithNothingToDo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	var log bytes.Buffer
	r := open(t, dbURL, files(t, threeMigrations), func(o *Options) { o.Log = &log })
	if err := r.Up(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := r.Up(ctx, 7); err != nil {
		t.Errorf("up 7 with nothing pending: %v", err)
	}
	if !strings.Contains(log.String(), "dbguard: nothing to migrate: the database is already at version 3, the newest in ") {
		t.Errorf("log:\n%s", log.String())
	}
	if err := r.Down(ctx, 0, true); err != nil {
		t.Fatal(err)
	}
	log.Reset()
	if err := r.Down(ctx, 3, false); err != nil {
		t.Errorf("down 3 with nothing applied: %v", err)
	}
	if !strings.Contains(log.String(), "dbguard: nothing to roll back: no migration is applied") {
		t.Errorf("log:\n%s", log.String())
	}
}

// dirtyAt records version v as dirty, as a run in flight (or a failed one)
// leaves it.
func dirtyAt(t *testing.T, dbURL string, v int) {
	t.Helper()
	execSQL(t, dbURL, "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)")
	execSQL(t, dbURL, "INSERT INTO schema_migrations VALUES ($1, true)", v)
}

// Status while another session migrates takes no lock: it returns at once
// and names the migration in flight and who applies it (it once waited for
// the lock timeout, then failed).
func TestAttackStatusDuringMigration(t *testing.T) {
	t.Parallel()
	name, dbURL := pgtest.NamedDB(t)
	dir := files(t, threeMigrations)
	dirtyAt(t, dbURL, 2)
	pgtest.HoldMigrationLock(t, name, dbURL, "deploy-job")
	start := time.Now()
	r := open(t, dbURL, dir, func(o *Options) { o.LockTimeout = time.Minute })
	st, err := r.Status()
	if err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("status took %s", elapsed)
	}
	if !st.Dirty || st.Version != 2 || !strings.Contains(st.InProgress, "deploy-job") {
		t.Errorf("status: %+v", st)
	}
	var dirty *DirtyError
	if err := st.Err(true, r.Source()); !errors.As(err, &dirty) || !strings.Contains(err.Error(), "version 2 is being applied right now by pid") {
		t.Errorf("verdict: %v", err)
	}
	var text bytes.Buffer
	st.WriteText(&text)
	if !strings.Contains(text.String(), "2 (being applied now by pid") {
		t.Errorf("text:\n%s", text.String())
	}
}

// Between two migrations of a run the version is clean, but the run holds
// the lock: status says a run is in progress rather than "apply them".
func TestAttackStatusBetweenMigrations(t *testing.T) {
	t.Parallel()
	name, dbURL := pgtest.NamedDB(t)
	r := open(t, dbURL, files(t, threeMigrations), nil)
	if err := r.Up(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	pgtest.HoldMigrationLock(t, name, dbURL, "deploy-job")
	st, err := r.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Dirty || !strings.Contains(st.InProgress, "deploy-job") {
		t.Errorf("status: %+v", st)
	}
	var pending *PendingError
	if err := st.Err(false, r.Source()); !errors.As(err, &pending) || !strings.Contains(err.Error(), "a migration run is in progress") || !strings.Contains(pending.Hint(), "wait for it") {
		t.Errorf("verdict: %v", err)
	}
}

// Only golang-migrate's lock (its key) means a migration in progress: an
// application's own advisory lock on the same database does not.
func TestAttackStatusIgnoresOtherAdvisoryLocks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dirtyAt(t, dbURL, 2)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(42)"); err != nil {
		t.Fatal(err)
	}
	r := open(t, dbURL, files(t, threeMigrations), nil)
	st, err := r.Status()
	if err != nil {
		t.Fatal(err)
	}
	var dirty *DirtyError
	if st.InProgress != "" || !errors.As(st.Err(true, r.Source()), &dirty) || dirty.InProgress != "" {
		t.Errorf("an unrelated advisory lock reads as a migration in progress: %+v", st)
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return s
}

// A file that ends inside a string literal, sent in one query with
// dbguard's ledger statements after it, would swallow them up to their
// first quote. Such a file goes alone (sqlscan's Unterminated): the server
// rejects it as written, nothing of it stays, the version is dirty and the
// ledger says failed. (The one-query path's own fallback, a rerun when the
// server refuses the whole query, also gives this outcome for these
// files; the rule that nothing follows an open quote does not rely on the
// combined text failing to parse.)
func TestUnterminatedFileSwallowsNothing(t *testing.T) {
	t.Parallel() // its own database and files
	ctx := context.Background()
	for name, text := range map[string]string{
		"quote":   "CREATE TABLE a (id int);\nSELECT 'abc",
		"escape":  "CREATE TABLE a (id int);\nSELECT E'abc\\",
		"dollar":  "CREATE TABLE a (id int);\nDO $x$ BEGIN",
		"comment": "CREATE TABLE a (id int);\n/* SELECT 1",
	} {
		t.Run(name, func(t *testing.T) {
			dbURL := pgtest.DB(t)
			r := open(t, dbURL, files(t, map[string]string{"000001_a.up.sql": text}), nil)
			err := r.Up(ctx, 0)
			if err == nil {
				t.Fatal("an unterminated file migrated")
			}
			entries, _, herr := r.History(ctx)
			v, dirty, verr := r.Version()
			r.Close()
			if herr != nil {
				t.Fatal(herr)
			}
			if len(entries) != 1 || entries[0].State != StateFailed || entries[0].Committed != nil {
				t.Errorf("ledger: %+v, want one failed entry, never committed (error: %v)", entries, err)
			}
			if verr != nil || v != 1 || !dirty {
				t.Errorf("version %d dirty=%v (%v), want 1 dirty", v, dirty, verr)
			}
			conn, err := pgx.Connect(ctx, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			var n int
			if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'a'").Scan(&n); err != nil || n != 0 {
				t.Errorf("table a exists (%d, %v): part of the file committed", n, err)
			}
		})
	}
}

// A file changed on disk after dbguard checked it and before golang-migrate
// read it (a checkout or an editor during the run): golang-migrate ran the
// new text, which nothing had checked, and the ledger recorded the checksum
// of the old. The bytes that run are the bytes checked and recorded.
func TestAttackFileSwappedDuringRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);",
		"2_b.up.sql": "CREATE TABLE b (id int);",
	})
	r := open(t, dbURL, dir, nil)
	err := r.run(ctx, "up", func() error {
		// checkFiles has read both; golang-migrate has read neither.
		write(t, dir, "2_b.up.sql", "CREATE TABLE swapped (id int);")
		return r.m.Up()
	})
	if err != nil {
		t.Fatal(errorText(err))
	}
	if len(columns(t, dbURL, "swapped")) != 0 || len(columns(t, dbURL, "b")) != 1 {
		t.Fatalf("the swapped text ran: swapped %v, b %v", columns(t, dbURL, "swapped"), columns(t, dbURL, "b"))
	}
	h := history(t, r)
	if len(h) != 2 || h[1].Checksum != checksum([]byte("CREATE TABLE b (id int);")) {
		t.Fatalf("history %+v", h)
	}
	// The next run sees the edit, as for any applied file changed since.
	r = open(t, dbURL, dir, nil)
	var edited *EditedError
	if err := r.Up(ctx, 0); !errors.As(err, &edited) {
		t.Fatalf("up after the swap = %v, want the edit refused", err)
	}
}

// A file added to the folder after dbguard listed and checked it, before
// golang-migrate listed it again: golang-migrate started it, unchecked, and
// only the ledger's lookup stopped the run ("golang-migrate started version
// 3, which ... does not have"), an error with no advice. A run applies the
// folder as it was listed and checked; the next run sees the new file.
func TestAttackFileAddedDuringRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);",
		"2_b.up.sql": "CREATE TABLE b (id int);",
	})
	r := open(t, dbURL, dir, nil)
	// After Open's listing; golang-migrate is set up by the run.
	write(t, dir, "3_c.up.sql", "\xef\xbb\xbfCREATE TABLE c (id int);")
	if err := r.Up(ctx, 0); err != nil {
		t.Fatal(errorText(err))
	}
	if v, dirty := version(t, r); v != 2 || dirty {
		t.Fatalf("version %d dirty %v, want 2: the unlisted file ran", v, dirty)
	}
	r = open(t, dbURL, dir, nil)
	var se *SourceError
	if err := r.Up(ctx, 0); !errors.As(err, &se) || !strings.Contains(se.Path, "3_c.up.sql") {
		t.Fatalf("the next up = %v, want the byte order mark refused", err)
	}
}

// Past the bytes kept for the run, a file is read again when it runs; one
// changed since it was checked is refused, not run.
func TestAttackFileSwappedPastTheKeptBytes(t *testing.T) {
	old := maxChecked
	maxChecked = 0
	t.Cleanup(func() { maxChecked = old })
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);",
		"2_b.up.sql": "CREATE TABLE b (id int);",
	})
	r := open(t, dbURL, dir, nil)
	err := r.run(ctx, "up", func() error {
		write(t, dir, "2_b.up.sql", "CREATE TABLE swapped (id int);")
		return r.m.Up()
	})
	var se *SourceError
	if !errors.As(err, &se) || !strings.Contains(se.Error(), "changed on disk after dbguard checked it") {
		t.Fatalf("up = %v, want the changed file refused", err)
	}
	if len(columns(t, dbURL, "swapped")) != 0 {
		t.Fatal("the swapped text ran")
	}
	if v, dirty := version(t, r); v != 1 || dirty {
		t.Errorf("version %d dirty %v, want 1 clean", v, dirty)
	}
}

// Who holds the migration lock is read from the catalog within a time
// limit. A read that timed out was "no holder": status called a run in
// progress "pending" (it flaked TestAttackStatusBetweenMigrations at load
// 30), and would call a migration in flight failed. Now it says the holder
// could not be read. The read is held by a lock on pg_catalog.pg_locks (a
// view in this database only) that the test takes first and releases
// after: no sleep decides it.
func TestAttackStatusHolderUnread(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	name, dbURL := pgtest.NamedDB(t)
	r := open(t, dbURL, files(t, threeMigrations), nil)
	if err := r.Up(ctx, 1); err != nil {
		t.Fatal(err)
	}
	pgtest.HoldMigrationLock(t, name, dbURL, "deploy-job")
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE pg_catalog.pg_locks IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	r.holderWait = 200 * time.Millisecond
	st, err := r.Status()
	var unread *HolderUnreadError
	if !errors.As(err, &unread) || exitcode.Of(err) != exitcode.Unreachable ||
		!strings.Contains(err.Error(), "could not read who holds the migration lock") || !strings.Contains(err.Error(), "no answer within 200ms") {
		t.Fatalf("with the holder's read held: status %+v, error %v; want it to say the holder could not be read", st, err)
	}
	// The hint's query, run as printed while a read waits, names the
	// session that holds the catalog (before: it showed who waits only).
	hint := unread.Hint()
	i, j := strings.Index(hint, "SELECT "), strings.Index(hint, " shows ")
	if i < 0 || j < i {
		t.Fatalf("no query in the hint: %s", hint)
	}
	waiter, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Close(ctx)
	waited := make(chan error, 1)
	go func() {
		_, err := waiter.Exec(ctx, "SELECT count(*) FROM pg_catalog.pg_locks")
		waited <- err
	}()
	admin, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	holder := conn.PgConn().PID()
	named := false
	for range 200 {
		rows, err := admin.Query(ctx, hint[i:j])
		if err != nil {
			t.Fatalf("%s: %v", hint[i:j], err)
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			// blocked_by, the second column: the pids it waits for.
			if pids, ok := vals[1].([]any); ok {
				for _, pid := range pids {
					named = named || fmt.Sprint(pid) == fmt.Sprint(holder)
				}
			}
		}
		rows.Close()
		if named {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !named {
		t.Errorf("the hint's query %q never named the holder, pid %d", hint[i:j], holder)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	// Released: the run in progress is named again. The bound goes back
	// up: this read must answer, and a loaded machine (the gate runs
	// every package at once) takes more than 200 ms for it.
	r.holderWait = time.Minute
	if st, err = r.Status(); err != nil || !strings.Contains(st.InProgress, "deploy-job") {
		t.Fatalf("after the release: status %+v, error %v", st, err)
	}
}
