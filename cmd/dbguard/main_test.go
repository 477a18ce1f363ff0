package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"dbguard-bin": func() { os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// secretRE matches every fixture password: each script's passwords contain
// "s3cret" (any case). No dbguard output may ever match it.
var secretRE = regexp.MustCompile(`(?i)s3cret`)

// TestScripts runs the end-to-end scripts in testdata. In them, "dbguard"
// runs the real binary, fails the script if any output shows a fixture
// password, and records the exit code for "exitcode N".
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(env *testscript.Env) error {
			// Stop config discovery at $WORK, as a git root would.
			return os.Mkdir(filepath.Join(env.WorkDir, ".git"), 0o755)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"dbguard":  cmdDbguard,
			"exitcode": cmdExitcode,
		},
	})
}

func cmdDbguard(ts *testscript.TestScript, neg bool, args []string) {
	err := ts.Exec("dbguard-bin", args...)
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("running dbguard: %v", err)
		}
		code = ee.ExitCode()
	}
	ts.Setenv("EXIT", strconv.Itoa(code))
	for _, name := range []string{"stdout", "stderr"} {
		if loc := secretRE.FindStringIndex(ts.ReadFile(name)); loc != nil {
			ts.Fatalf("dbguard %v printed a password on %s", args, name)
		}
	}
	if neg && code == 0 {
		ts.Fatalf("dbguard %v succeeded unexpectedly", args)
	}
	if !neg && code != 0 {
		ts.Fatalf("dbguard %v exited %d", args, code)
	}
}

func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: exitcode N")
	}
	if got := ts.Getenv("EXIT"); got != args[0] {
		ts.Fatalf("exit code %s, want %s", got, args[0])
	}
}
