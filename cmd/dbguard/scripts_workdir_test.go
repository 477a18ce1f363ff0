package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// envWorkdirHelper makes TestScriptsWorkdirHelper run, in the child
// TestScriptsLeaveNoFolder starts.
const envWorkdirHelper = "DBGUARD_TEST_WORKDIR_HELPER"

// TestScriptsLeaveNoFolder: a run that selected scripts with -run left
// testscript's go-test-script* folder in TMPDIR (/dev/shm) every time,
// as only the last script of the folder to end removes it. The scripts'
// folders are now TestScripts' own (workdirsRemoved): a child run of two
// scripts, one selected, leaves its TMPDIR empty.
func TestScriptsLeaveNoFolder(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestScriptsWorkdirHelper$/^one$", "-test.count=1")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, envWorkdirHelper+"=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the child run: %v\n%s", err, out)
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left in TMPDIR: %s", e.Name())
	}
}

// TestScriptsWorkdirHelper runs two scripts as TestScripts runs them, for
// TestScriptsLeaveNoFolder's child; elsewhere it does nothing.
func TestScriptsWorkdirHelper(t *testing.T) {
	if os.Getenv(envWorkdirHelper) == "" {
		return // run by TestScriptsLeaveNoFolder; a skip here would count in the gate's skips
	}
	dir := t.TempDir()
	for _, name := range []string{"one", "two"} {
		if err := os.WriteFile(filepath.Join(dir, name+".txtar"), []byte("exists f\n-- f --\nx\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	testscript.Run(t, workdirsRemoved(t, testscript.Params{Dir: dir}))
}
