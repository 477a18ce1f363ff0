package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/dbguard/dbguard/internal/pgtest"
	"github.com/dbguard/dbguard/internal/sandbox"
)

// envKilledHelper makes TestKilledRunHelper run, in the child
// TestKilledRunLeavesNothing starts and kills.
const envKilledHelper = "DBGUARD_TEST_KILLED_HELPER"

// TestKilledRunLeavesNothing: this package's test binary killed with -9
// in the middle of a script, with its test server, a PgBouncer and the
// scripts' shared sandboxes running (as a -timeout panic, a killed strace
// or a second Ctrl-C would leave it). No process of its folders outlives
// it, and the next run's sweeps (a second child: pgtest's, which Main
// runs, TestMain's of testscript-main*, and the sandbox's, which every
// sandbox the run starts runs first) leave its TMPDIR empty: no go-test-script*, TestScripts*, testscript-main* (a copy of
// the test binary) or dbguard-pgtest-* folder, no socket. One test server
// ran 67 minutes after its run died.
func TestKilledRunLeavesNothing(t *testing.T) {
	t.Parallel()
	// A TMPDIR of its own, reachable by the postgres user (the servers',
	// as root): no other package's sweep takes its leftovers first.
	tmp, err := os.MkdirTemp("", "killed-run-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	if err := os.Chmod(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledRunHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, envKilledHelper+"=run")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// Killed once the script runs: its $WORK is there.
	for i := 0; ; i++ {
		if m, _ := filepath.Glob(filepath.Join(tmp, "*", "script-block")); len(m) > 0 {
			break
		}
		if i == 1200 {
			t.Fatal("the child's script did not start in 60 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Its servers: every process whose command line names a folder in tmp.
	procs := processesIn(tmp)
	if len(procs) < 3 { // the test server, PgBouncer, a sandbox
		t.Fatalf("the child runs %d servers in %s, want its test server, PgBouncer and a sandbox", len(procs), tmp)
	}
	t.Cleanup(func() {
		for _, p := range processesIn(tmp) {
			syscall.Kill(p, syscall.SIGKILL) // a failed run leaves nothing either
		}
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	for i := 0; len(processesIn(tmp)) > 0; i++ {
		if i == 600 {
			t.Fatalf("processes of the killed run's folders outlived it by 30 s: %v", processesIn(tmp))
		}
		time.Sleep(50 * time.Millisecond)
	}
	next := exec.Command(os.Args[0], "-test.run=^TestKilledRunHelper$", "-test.count=1")
	next.Env = append(os.Environ(), "TMPDIR="+tmp, envKilledHelper+"=sweep")
	if out, err := next.CombinedOutput(); err != nil {
		t.Fatalf("the next run: %v\n%s", err, out)
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left in TMPDIR after the next run's sweeps: %s", e.Name())
	}
}

// processesIn lists the processes whose command line names a path in dir
// (Linux /proc): servers started with -D or a config file there.
func processesIn(dir string) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		cl, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cl), dir+"/") && !strings.Contains(string(cl), "-test.run=") {
			out = append(out, pid)
		}
	}
	return out
}

// TestKilledRunHelper, in TestKilledRunLeavesNothing's first child
// (DBGUARD_TEST_KILLED_HELPER=run), starts what TestScripts starts (the
// test server, a PgBouncer, the shared sandboxes) and runs a script that
// blocks, to be killed in; in its second (=sweep), the next run, it sweeps
// the sandboxes as a sandbox's start does (TestMain has swept the rest);
// elsewhere it does nothing.
func TestKilledRunHelper(t *testing.T) {
	switch os.Getenv(envKilledHelper) {
	case "":
		return // run by TestKilledRunLeavesNothing; a skip here would count in the gate's skips
	case "sweep":
		sandbox.Sweep()
		return
	}
	shared := sharedSandboxes(t, 1)
	if shared == "" {
		t.Fatal("no shared sandboxes")
	}
	pgtest.StartBouncer(t, pgtest.Must(t))
	dir, err := pgtest.TempDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "block.txtar"), []byte("block\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, workdirsRemoved(t, testscript.Params{Dir: dir, Cmds: map[string]func(*testscript.TestScript, bool, []string){
		"block": func(*testscript.TestScript, bool, []string) { time.Sleep(time.Hour) },
	}}))
}
