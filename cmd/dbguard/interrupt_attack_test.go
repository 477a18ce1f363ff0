package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// A SIGINT sent to dbguard alone (kill -INT, a supervisor), not to the
// terminal's process group, while a migration tool runs: the tool is left
// to finish, but the run is interrupted, exit 130, and nothing after the
// tool runs (no verify, no "done"). It exited 0.
func TestAttackSIGINTToDbguardAloneWhileToolRuns(t *testing.T) {
	t.Parallel() // its own folder, process and database; it waits on them, polling
	dbURL := pgtest.DB(t)
	dir := project(t, dbURL, nil)
	started := filepath.Join(dir, "started")
	files := map[string]string{
		"dbguard.yaml": "version: 1\nmigrations:\n  tool: command\n  command:\n    up: touch started; sleep 2\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd, out := dbguardProcess(t, dir, "migrate", "up")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(started); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the tool did not start in 20s:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v, want 130\n%s", err, out)
	}
	got := out.String()
	if !strings.Contains(got, "interrupted while sh -c touch started; sleep 2 ran") {
		t.Errorf("output does not say the run was interrupted:\n%s", got)
	}
	if strings.Contains(got, "context canceled") || strings.Contains(got, "schema matches") {
		t.Errorf("output goes on after the interrupt, or shows Go's words:\n%s", got)
	}
	noPassword(t, got)
}

// Ctrl-C while dbguard waits for a server says "interrupted", not Go's
// "context canceled".
func TestAttackInterruptSaysInterrupted(t *testing.T) {
	t.Parallel() // its own folder and process, no server
	dir := project(t, "postgres://u:s3cret@127.0.0.1:1/db", nil)
	cmd, _ := dbguardProcess(t, dir, "wait", "--wait", "30s")
	// Interrupted once it says it is retrying (it slept 2 s for that).
	out := newWatchedOutput("dbguard: waiting for 127.0.0.1:1")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-out.seen:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("dbguard wait never said it was waiting:\n%s", out)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v, want 130\n%s", err, out)
	}
	if strings.Contains(out.String(), "context canceled") || !strings.Contains(out.String(), "dbguard: error: interrupted") {
		t.Errorf("want \"interrupted\", not \"context canceled\":\n%s", out)
	}
	noPassword(t, out.String())
}

// After kill -9 the advice does not say "fix the file" (nothing failed in
// it: its client died), and recover does not say it "failed going up".
func TestAttackKill9AdviceIsRunAgainNotFixTheFile(t *testing.T) {
	t.Parallel() // its own folder, process and database; it waits on them, polling
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := project(t, dbURL, map[string]string{
		"000001_a.up.sql":    "CREATE TABLE a (id int);",
		"000002_long.up.sql": "CREATE TABLE half (id int); SELECT pg_sleep(30);",
	})
	cmd, _ := dbguardProcess(t, dir, "migrate", "up")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "migration 2 to start", migrationRunning(ctx, dbURL, 2))
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	st, sout := dbguardProcess(t, dir, "migrate", "status")
	st.Run()
	if s := sout.String(); strings.Contains(s, "fix the file") || !strings.Contains(s, "then run it again (nothing says the file is wrong; its run was cut): dbguard migrate up") {
		t.Errorf("status after kill -9 blames the file, or does not say to run it again:\n%s", s)
	}
	rec, rout := dbguardProcess(t, dir, "migrate", "recover")
	if err := rec.Run(); err != nil {
		t.Fatalf("recover: %v\n%s", err, rout)
	}
	if s := rout.String(); strings.Contains(s, "failed going") || strings.Contains(s, "fix the file") ||
		!strings.Contains(s, "was cut going up (its client died before it was recorded)") {
		t.Errorf("recover after kill -9 says the file failed:\n%s", s)
	}
	noPassword(t, sout.String()+rout.String())
}

// A CREATE INDEX CONCURRENTLY cut short (dbguard killed, its backend
// ended) leaves an INVALID index; the dirty explanation names it and how
// to drop it, since the same CREATE INDEX cannot run again while it exists.
func TestAttackKilledConcurrentIndexIsNamed(t *testing.T) {
	t.Parallel() // its own folder, process and database; what it waits for and ends is in that database
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := project(t, dbURL, map[string]string{
		"000001_t.up.sql":  "CREATE TABLE t (id int); INSERT INTO t VALUES (1);",
		"000002_ix.up.sql": "CREATE INDEX CONCURRENTLY t_id_idx ON t (id);",
	})
	up1, out1 := dbguardProcess(t, dir, "migrate", "up", "1")
	if err := up1.Run(); err != nil {
		t.Fatalf("migrate up 1: %v\n%s", err, out1)
	}
	// An open snapshot makes CREATE INDEX CONCURRENTLY wait, with its index
	// already in the catalog, INVALID.
	blocker, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close(ctx)
	if _, err := blocker.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ"); err != nil {
		t.Fatal(err)
	}
	if _, err := blocker.Exec(ctx, "SELECT count(*) FROM t"); err != nil {
		t.Fatal(err)
	}
	cmd, _ := dbguardProcess(t, dir, "migrate", "up")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "migration 2 to start", migrationRunning(ctx, dbURL, 2))
	admin, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	// Its index is in the catalog once it waits for the open snapshot.
	waitFor(t, "CREATE INDEX CONCURRENTLY to wait for the snapshot", func() bool {
		var n int
		return admin.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'CREATE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'").Scan(&n) == nil && n > 0
	})
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'CREATE INDEX CONCURRENTLY%' AND pid <> pg_backend_pid()"); err != nil {
		t.Fatal(err)
	}
	blocker.Exec(ctx, "ROLLBACK")
	var valid bool
	waitFor(t, "the INVALID index", func() bool {
		return admin.QueryRow(ctx, "SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = 't_id_idx'::regclass").Scan(&valid) == nil && !valid
	})
	st, sout := dbguardProcess(t, dir, "migrate", "status")
	st.Run()
	s := sout.String()
	for _, want := range []string{"index public.t_id_idx is INVALID", "DROP INDEX CONCURRENTLY public.t_id_idx;", "drop the INVALID index(es) named above"} {
		if !strings.Contains(s, want) {
			t.Errorf("status does not say %q:\n%s", want, s)
		}
	}
	noPassword(t, s)
}

// A second Ctrl-C ended the process without writing the partial line
// the output's redactor held (a line with password= waits for its end, to
// be masked whole): a tool's last words were lost. The second signal now
// writes what is held, masked, before the process ends.
func TestAttackSecondInterruptFlushesHeldLine(t *testing.T) {
	t.Parallel() // its own folder, process and database; it waits on them, polling
	dbURL := pgtest.DB(t)
	dir := project(t, dbURL, nil)
	started := filepath.Join(dir, "started")
	yaml := "version: 1\nmigrations:\n  tool: command\n  command:\n" +
		"    up: \"printf 'tool: applying with password=s3cretXY as app, last words'; touch started; sleep 20\"\n"
	if err := os.WriteFile(filepath.Join(dir, "dbguard.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, out := dbguardProcess(t, dir, "migrate", "up")
	cmd.WaitDelay = 2 * time.Second // the tool's sleep may hold the pipe
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(started); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the tool did not start in 20s:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // the tool's partial line reaches the redactor
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if err == nil {
		t.Fatalf("exited 0 after two interrupts:\n%s", out)
	}
	got := out.String()
	if !strings.Contains(got, "tool: applying with password=**** as app, last words") {
		t.Errorf("the held partial line was not written, masked, on the second Ctrl-C:\n%s", got)
	}
	noPassword(t, got)
	if strings.Contains(got, "s3cretXY") {
		t.Errorf("the password was shown:\n%s", got)
	}
}

// With --format json, a second Ctrl-C ended the process without writing
// the JSON document the command held until its end: a CI reader got
// nothing on stdout. The second signal now writes one valid document,
// its "error" of class interrupted (exit code 130), masked; stderr stays
// talk.
func TestAttackSecondInterruptWritesJSON(t *testing.T) {
	t.Parallel() // its own folder, process and database; it waits on them, polling
	dbURL := pgtest.DB(t)
	dir := project(t, dbURL, nil)
	started := filepath.Join(dir, "started")
	yaml := "version: 1\nmigrations:\n  tool: command\n  command:\n" +
		"    up: \"true\"\n" +
		"    status: \"printf 'status with password=s3cretXY'; touch started; sleep 20\"\n"
	if err := os.WriteFile(filepath.Join(dir, "dbguard.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, _ := dbguardProcess(t, dir, "migrate", "status", "--format", "json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 2 * time.Second // the tool's sleep may hold the pipe
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(started); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the tool did not start in 20s:\n%s%s", &stdout, &stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err == nil {
		t.Fatalf("exited 0 after two interrupts:\n%s", &stdout)
	}
	var doc struct {
		Error struct {
			Class    string `json:"class"`
			Message  string `json:"message"`
			ExitCode int    `json:"exit_code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("stdout is no JSON document (%v):\n%q\nstderr:\n%s", err, stdout.String(), &stderr)
	}
	if doc.Error.Class != "interrupted" || doc.Error.ExitCode != 130 || !strings.Contains(doc.Error.Message, "partial") {
		t.Errorf("the document is not marked interrupted:\n%s", &stdout)
	}
	noPassword(t, stdout.String()+stderr.String())
	if strings.Contains(stdout.String()+stderr.String(), "s3cretXY") {
		t.Errorf("the password was shown:\n%s\n%s", &stdout, &stderr)
	}
}
