package lookpath

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutside: the first program on PATH outside the project, its git work
// tree and the working folder; relative entries are passed over; one found
// only inside is an InsideError naming it.
func TestOutside(t *testing.T) {
	repo := t.TempDir()
	if err := os.Mkdir(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	project := filepath.Join(repo, "app")
	inside := filepath.Join(project, "node_modules", ".bin")
	above := filepath.Join(repo, "bin") // the work tree around the project
	outside := t.TempDir()
	for _, d := range []string{inside, above, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "tool"), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "plain"), []byte("not executable"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	sep := string(os.PathListSeparator)
	t.Setenv("PATH", strings.Join([]string{"", ".", inside, above, outside}, sep))
	if p, err := Outside("tool", project); err != nil || p != filepath.Join(outside, "tool") {
		t.Errorf("Outside: %q, %v; want the one in %s", p, err, outside)
	}
	if _, err := Outside("plain", project); err == nil {
		t.Error("a file that is not executable was found")
	}
	t.Setenv("PATH", strings.Join([]string{inside, above}, sep))
	_, err := Outside("tool", project)
	var ie *InsideError
	if !errors.As(err, &ie) || ie.Path != filepath.Join(inside, "tool") {
		t.Errorf("only inside: %v, want an InsideError naming %s", err, filepath.Join(inside, "tool"))
	}
}
