package main

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptT runs a script as testscript.T, recording a failure instead of
// failing the test that runs it.
type scriptT struct {
	failed bool
	log    []any
}

func (s *scriptT) Skip(a ...any)  { s.log = append(s.log, a...); runtime.Goexit() }
func (s *scriptT) Fatal(a ...any) { s.log = append(s.log, a...); s.FailNow() }
func (s *scriptT) Parallel()      {}
func (s *scriptT) Log(a ...any)   { s.log = append(s.log, a...) }
func (s *scriptT) FailNow()       { s.failed = true; runtime.Goexit() }
func (s *scriptT) Verbose() bool  { return false }
func (s *scriptT) Run(_ string, f func(testscript.T)) {
	done := make(chan struct{})
	go func() { defer close(done); f(s) }()
	<-done
}

// TestScriptsSeeRaceReports: a race-built dbguard that fails exits with
// its own code (the runtime turns the exit into 66 only on exit 0), so a
// race in a run a script expects to fail ("! dbguard", "exitcode 2")
// passed unseen. Its report on stderr fails the script.
func TestScriptsSeeRaceReports(t *testing.T) {
	for _, c := range []struct {
		name, stderr string
		fails        bool
	}{
		{"clean", "dbguard: error: no env file", false},
		{"race", "==================\nWARNING: DATA RACE\nWrite at 0x00c000012345 by goroutine 7:\n", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			script := "! dbguard env\nexitcode 2\n"
			if err := os.WriteFile(filepath.Join(dir, "s.txtar"), []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
			bin := t.TempDir()
			fake := "#!/bin/sh\nprintf '%s\\n' '" + c.stderr + "' >&2\nexit 2\n"
			if err := os.WriteFile(filepath.Join(bin, "dbguard-bin"), []byte(fake), 0o755); err != nil {
				t.Fatal(err)
			}
			var st scriptT
			testscript.RunT(&st, testscript.Params{
				Dir: dir,
				Setup: func(env *testscript.Env) error {
					env.Setenv("PATH", bin+string(os.PathListSeparator)+env.Getenv("PATH"))
					return nil
				},
				Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
					"dbguard":  cmdDbguard,
					"exitcode": cmdExitcode,
				},
			})
			if st.failed != c.fails {
				t.Errorf("script failed: %v, want %v (log: %v)", st.failed, c.fails, st.log)
			}
		})
	}
}
