package tool

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestPrintedPathStartingWithDash: a folder whose name starts with "-"
// was printed bare in a command, `cd -db && dbguard exec -- ...` and
// `mkdir -p -migrations`, which sh's cd and mkdir read as options
// (dash: "cd: Illegal option -d"): the hint did not run as printed.
// Found by review9a at 139e3a89; the commands are run with the real sh.
func TestPrintedPathStartingWithDash(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no sh")
		}
		t.Skip("no sh")
	}
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "-db"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	cd := InWorkdir(filepath.Join(root, "-db"))
	if out, err := exec.Command(sh, "-c", cd+"pwd").CombinedOutput(); err != nil || filepath.Base(strings.TrimSpace(string(out))) != "-db" {
		t.Errorf("%q: %v, %s", cd+"pwd", err, out)
	}
	p := &Project{Kind: Goose, Dir: filepath.Join(root, "-migrations"), root: root}
	_, err = p.files()
	var a *exitcode.Advice
	if !errors.As(err, &a) {
		t.Fatalf("a missing folder: %v", err)
	}
	_, mkdir, ok := strings.Cut(a.Next, "create the folder: ")
	if !ok {
		t.Fatalf("no mkdir in %q", a.Next)
	}
	if out, err := exec.Command(sh, "-c", mkdir).CombinedOutput(); err != nil {
		t.Errorf("%q: %v, %s", mkdir, err, out)
	}
	if _, err := os.Stat(filepath.Join(root, "-migrations")); err != nil {
		t.Errorf("%q made no -migrations: %v", mkdir, err)
	}
}
