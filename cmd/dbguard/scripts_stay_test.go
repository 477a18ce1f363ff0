package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// aboveWorkRE matches a path that climbs out of a script's $WORK.
var aboveWorkRE = regexp.MustCompile(`\$\{?WORK\}?/\.\.(/|\s|'|"|$)`)

// TestScriptsStayUnderWork: a script writes only under its $WORK, which
// testscript removes when the script ends. $WORK/.. is testscript's own
// folder (in TMPDIR, /dev/shm for this package): a file a script leaves
// there keeps that folder and the file after the run (the passfile
// scripts left home-outside/pgpass, a fixture password, once per run). A
// script that needs a file outside its project makes the project a
// subfolder of $WORK (mkdir repo/.git; cd repo) instead.
func TestScriptsStayUnderWork(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "-- ") {
				break // the archive's files: data, not commands
			}
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			if aboveWorkRE.MatchString(line) {
				t.Errorf("%s:%d: %s: a path above $WORK outlives the script; make the project $WORK/repo and use $WORK/NAME", f, i+1, line)
			}
		}
	}
}
