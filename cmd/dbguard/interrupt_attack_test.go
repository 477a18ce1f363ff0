package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// A SIGINT sent to dbguard alone (kill -INT, a supervisor), not to the
// terminal's process group, while a migration tool runs: the tool is left
// to finish, but the run is interrupted, exit 130, and nothing after the
// tool runs (no verify, no "done"). It exited 0.
func TestAttackSIGINTToDbguardAloneWhileToolRuns(t *testing.T) {
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
	dir := project(t, "postgres://u:s3cret@127.0.0.1:1/db", nil)
	cmd, out := dbguardProcess(t, dir, "wait", "--wait", "30s")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Not reading out while the process writes it: it is retrying by then.
	time.Sleep(2 * time.Second)
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
