package output

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// TestAttackWriteThroughLink: every destination a repository can plant
// (a link to a file outside, a dangling link, a FIFO, a folder, a folder
// that is a link out of the root) is refused with a WriteFileError and
// left as it was; a regular file is replaced, with no temporary file left.
func TestAttackWriteThroughLink(t *testing.T) {
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(victim, filepath.Join(root, "link")))
	must(os.Symlink(filepath.Join(outside, "created"), filepath.Join(root, "dangling")))
	must(os.Symlink(outside, filepath.Join(root, "out")))
	must(os.Mkdir(filepath.Join(root, "folder"), 0o755))
	fifotest.Make(t, filepath.Join(root, "fifo"))

	for _, tc := range []struct{ dest, reason string }{
		{"link", "a symbolic link"},
		{"dangling", "a symbolic link"},
		{"folder", "not a regular file"},
		{"fifo", "not a regular file"},
		{"out/victim", "outside the project root"},
		{"out/new", "outside the project root"},
	} {
		err := WriteFile(root, filepath.Join(root, tc.dest), []byte("pwned"), 0o644)
		var we *WriteFileError
		if !errors.As(err, &we) || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("WriteFile(%s) = %v, want a WriteFileError saying %q", tc.dest, err, tc.reason)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the link's target was written: %q", b)
	}
	for _, name := range []string{"created", "new"} {
		if _, err := os.Lstat(filepath.Join(outside, name)); err == nil {
			t.Errorf("%s was created outside the root", name)
		}
	}

	// A regular file is replaced by a new one with the mode asked for.
	dest := filepath.Join(root, "report.xml")
	must(os.WriteFile(dest, []byte("old"), 0o600))
	must(WriteFile(root, dest, []byte("new"), 0o644))
	fi, err := os.Lstat(dest)
	must(err)
	if b, _ := os.ReadFile(dest); string(b) != "new" || fi.Mode() != 0o644 {
		t.Errorf("report.xml: %q, mode %v; want \"new\", -rw-r--r--", b, fi.Mode())
	}
	// A path the user typed outside the root is the user's choice.
	must(WriteFile(root, filepath.Join(outside, "report.xml"), []byte("x"), 0o644))
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}
