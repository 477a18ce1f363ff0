package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// The worst five minutes: faults in the middle of a run. Each test checks
// what the next run says, and that no output shows a password.

func exitCodeOf(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// waitFor polls until cond holds, failing the test after 20 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

func migrationRunning(ctx context.Context, dbURL string, v int) func() bool {
	return func() bool {
		cur, dirty, err := recordedVersion(ctx, dbURL)
		return err == nil && cur == v && dirty
	}
}

// kill -9 in the middle of a long migration: the next run reports the dirty
// version, its file and the way out, and nothing of it was applied.
func TestKill9MidMigration(t *testing.T) {
	t.Parallel() // its own folder, process and database; it waits on them, polling
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := project(t, dbURL, map[string]string{
		"000001_a.up.sql":    "CREATE TABLE a (id int);",
		"000002_long.up.sql": "CREATE TABLE half (id int); SELECT pg_sleep(30);",
	})
	cmd, out := dbguardProcess(t, dir, "migrate", "up")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "migration 2 to start", migrationRunning(ctx, dbURL, 2))
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	next, nout := dbguardProcess(t, dir, "migrate", "status")
	err := next.Run()
	if code := exitCodeOf(err); code != 1 {
		t.Fatalf("status after kill -9: exit %d\n%s", code, nout)
	}
	for _, want := range []string{"dirty +2 +000002_long.up.sql",
		`the database is dirty at version 2: migrations/000002_long.up.sql stopped going up before it was recorded \(its client died or lost the connection\)`,
		"it ran as one transaction, so PostgreSQL rolled all of it back", "put the version back to 1: dbguard migrate recover\n"} {
		if !matches(nout.String(), want) {
			t.Errorf("status does not say %q:\n%s", want, nout)
		}
	}
	// The way out the ledger knows: recover, then up again.
	rec, rout := dbguardProcess(t, dir, "migrate", "recover")
	if err := rec.Run(); err != nil || !matches(rout.String(), "the database is clean at version 1 again") {
		t.Errorf("recover after kill -9: %v\n%s", err, rout)
	}
	nout.WriteString(rout.String())
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var half *string
	conn.QueryRow(ctx, "SELECT to_regclass('half')::text").Scan(&half)
	if half != nil {
		t.Error("the killed migration was half applied: table half exists")
	}
	noPassword(t, out.String()+nout.String())
}

// The backend terminated mid-run (the connection dropped, a server
// restart): exit 3, the next run names the dirty version, and the way out
// works.
func TestConnectionDroppedMidMigration(t *testing.T) {
	t.Parallel() // its own folder, process and database; the backend it ends is in that database
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := project(t, dbURL, map[string]string{
		"000001_a.up.sql":    "CREATE TABLE a (id int);",
		"000002_long.up.sql": "SELECT pg_sleep(30); CREATE TABLE b (id int);",
	})
	cmd, out := dbguardProcess(t, dir, "migrate", "up")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "migration 2 to start", migrationRunning(ctx, dbURL, 2))
	admin, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'dbguard' AND query LIKE '%pg_sleep%'"); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if code := exitCodeOf(err); code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, out)
	}
	if !strings.Contains(out.String(), "lost the connection to 127.0.0.1:") || !strings.Contains(out.String(), "run: dbguard migrate status") {
		t.Errorf("message:\n%s", out)
	}
	next, nout := dbguardProcess(t, dir, "migrate", "version")
	if code := exitCodeOf(next.Run()); code != 1 || !strings.Contains(nout.String(), "dirty at version 2") {
		t.Errorf("next run: exit %d\n%s", code, nout)
	}
	// The ledger recorded why, over another connection, and that the
	// file's transaction was rolled back.
	for _, want := range []string{"000002_long.up.sql failed going up: terminating connection due to administrator command", "rolled all of it back"} {
		if !strings.Contains(nout.String(), want) {
			t.Errorf("next run does not say %q:\n%s", want, nout)
		}
	}
	fix, fout := dbguardProcess(t, dir, "migrate", "force", "1")
	if err := fix.Run(); err != nil {
		t.Fatalf("force 1: %v\n%s", err, fout)
	}
	noPassword(t, out.String()+nout.String()+fout.String())
}

// The whole server restarted mid-run: a server of its own, so the others
// keep theirs.
func TestServerRestartMidMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := pgtest.Own(t)
	_, dbURL := s.NamedDB(t)
	dir := project(t, dbURL, map[string]string{"000001_long.up.sql": "SELECT pg_sleep(30); CREATE TABLE b (id int);"})
	cmd, out := dbguardProcess(t, dir, "migrate", "up")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "migration 1 to start", migrationRunning(ctx, dbURL, 1))
	if err := s.Halt(); err != nil {
		cmd.Process.Kill()
		t.Fatal(err)
	}
	err := cmd.Wait()
	if rerr := s.Run(); rerr != nil {
		t.Fatalf("restarting the server: %v", rerr)
	}
	if code := exitCodeOf(err); code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, out)
	}
	next, nout := dbguardProcess(t, dir, "migrate", "version", "--wait", "20s")
	if code := exitCodeOf(next.Run()); code != 1 || !strings.Contains(nout.String(), "dirty at version 1") {
		t.Errorf("after the restart: exit %d\n%s", code, nout)
	}
	noPassword(t, out.String()+nout.String())
}

// A migration that is not UTF-8 is refused before anything runs, with its
// file:line; the database is not left dirty.
func TestMigrationNotUTF8(t *testing.T) {
	t.Parallel() // its own folder, process and database
	dbURL := pgtest.DB(t)
	dir := project(t, dbURL, map[string]string{
		"000001_a.up.sql":      "CREATE TABLE a (id int);",
		"000002_latin1.up.sql": "CREATE TABLE b (id int);\nCOMMENT ON TABLE b IS 'caf\xe9';\n",
	})
	cmd, out := dbguardProcess(t, dir, "migrate", "up")
	if code := exitCodeOf(cmd.Run()); code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, out)
	}
	if !strings.Contains(out.String(), "migrations/000002_latin1.up.sql:2: not valid UTF-8 (byte 0xe9)") || !strings.Contains(out.String(), "iconv") {
		t.Errorf("message:\n%s", out)
	}
	if v, dirty, err := recordedVersion(context.Background(), dbURL); err == nil && (v != -1 || dirty) {
		t.Errorf("something ran: version %d dirty=%v", v, dirty)
	}
}

// The migrations folder cannot be read: a clear error before connecting.
func TestMigrationsFolderUnreadable(t *testing.T) {
	t.Parallel() // its own folder, process and database
	dbURL := pgtest.DB(t)
	dir := project(t, dbURL, nil)
	if err := os.WriteFile(filepath.Join(dir, "migrations"), []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, out := dbguardProcess(t, dir, "migrate", "up")
	if code := exitCodeOf(cmd.Run()); code != 2 || !strings.Contains(out.String(), "migrations: cannot read the migrations folder") {
		t.Errorf("exit %d\n%s", code, out)
	}
	// A migration that is a dangling link: named, before anything runs.
	os.Remove(filepath.Join(dir, "migrations"))
	os.Mkdir(filepath.Join(dir, "migrations"), 0o755)
	os.Symlink("/nonexistent/file.sql", filepath.Join(dir, "migrations", "000001_gone.up.sql"))
	cmd, out = dbguardProcess(t, dir, "migrate", "up")
	if code := exitCodeOf(cmd.Run()); code != 2 || !strings.Contains(out.String(), "migrations/000001_gone.up.sql: cannot read it") {
		t.Errorf("dangling link: exit %d\n%s", code, out)
	}
}

// A 50 MB migration applies.
func TestFiftyMegabyteMigration(t *testing.T) {
	t.Parallel() // its own database; the tests that stop the server are serial, so done first
	dbURL := pgtest.DB(t)
	// Appended, not formatted: 52,000 Fprintf calls cost a race-built
	// test binary about 1 s of CPU (0.2 s without -race).
	pad := strings.Repeat("x", 1000)
	rows := 50 * 1024 * 1024 / 1010
	b := make([]byte, 0, 50*1024*1024+rows*12)
	b = append(b, "CREATE TABLE big (id int, pad text);\nINSERT INTO big VALUES\n"...)
	for i := 0; i < rows; i++ {
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = append(b, '(')
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, ",'"...)
		b = append(b, pad...)
		b = append(b, "')"...)
	}
	b = append(b, ";\n"...)
	dir := project(t, dbURL, map[string]string{"000001_big.up.sql": string(b)})
	cmd, out := dbguardProcess(t, dir, "migrate", "up", "--no-verify")
	if err := cmd.Run(); err != nil {
		t.Fatalf("50 MB migration: %v\n%s", err, out)
	}
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM big").Scan(&n); err != nil || n != rows {
		t.Errorf("%d rows (%v), want %d", n, err, rows)
	}
}

// A server that comes up after dbguard migrate up --wait 30s began: it
// retries until it can connect, then migrates. A server of its own, so the
// others keep theirs. The server is started again once dbguard has said it
// is waiting (a failed attempt), not after a fixed sleep: the wait is
// proven by that line, and the run no longer sits out 3 s and the backoff
// that grew meanwhile.
func TestMigrateWaitsForServer(t *testing.T) {
	t.Parallel()
	s := pgtest.Own(t)
	_, dbURL := s.NamedDB(t)
	dir := project(t, dbURL, map[string]string{"000001_a.up.sql": "CREATE TABLE a (id int);"})
	if err := s.Halt(); err != nil {
		t.Fatal(err)
	}
	cmd, _ := dbguardProcess(t, dir, "migrate", "up", "--wait", "30s")
	out := newWatchedOutput("dbguard: waiting for 127.0.0.1:")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	restarted, exited := make(chan error, 1), make(chan struct{})
	go func() {
		select {
		case <-out.seen:
			restarted <- s.Run()
		case <-exited:
			restarted <- errors.New("dbguard ended without saying it was waiting for the server")
		}
	}()
	err := cmd.Wait()
	close(exited)
	if rerr := <-restarted; rerr != nil {
		t.Fatalf("restarting the server: %v\n%s", rerr, out)
	}
	if err != nil {
		t.Fatalf("migrate up --wait 30s: %v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "migrated 1/u a") {
		t.Errorf("output:\n%s", out)
	}
	noPassword(t, out.String())
}

// watchedOutput collects a child's output, as a bytes.Buffer would, and
// closes seen once the output holds want: a test waits on it for the line
// a process prints at the moment it waits, instead of sleeping.
type watchedOutput struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func newWatchedOutput(want string) *watchedOutput {
	return &watchedOutput{want: want, seen: make(chan struct{})}
}

func (w *watchedOutput) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := bytes.Contains(w.buf.Bytes(), []byte(w.want))
	n, err := w.buf.Write(p)
	if !had && bytes.Contains(w.buf.Bytes(), []byte(w.want)) {
		close(w.seen)
	}
	return n, err
}

func (w *watchedOutput) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
