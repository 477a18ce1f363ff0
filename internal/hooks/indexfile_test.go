package hooks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The index file read for the hook's configuration question answers as
// git diff --name-only does, in each state a developer's dbguard.yaml
// files can be in, and leaves to git the indexes it does not read
// (version 4, split).
func TestIndexFileConfigChangedAgreesWithGit(t *testing.T) {
	dir, git := gitRepo(t)
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitSays := func() bool {
		cmd := exec.Command("git", "diff", "--name-only", "-z", "--", ":(glob)**/dbguard.yaml")
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return len(out) > 0
	}
	check := func(state string, wantOK bool) {
		t.Helper()
		changed, ok := indexFileConfigChanged(dir)
		if ok != wantOK {
			t.Fatalf("%s: read the index itself: %v, want %v", state, ok, wantOK)
		}
		if want := gitSays(); ok && changed != want {
			t.Errorf("%s: changed = %v, git says %v", state, changed, want)
		}
	}
	check("no index yet", true)
	write("dbguard.yaml", "version: 1\n")
	write("svc/dbguard.yaml", "version: 1\n")
	write("app.py", "x = 1\n")
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	check("clean", true)
	write("svc/dbguard.yaml", "version: 1\nenv:\n  files: [a.env]\n")
	check("a service's edited", true)
	git("add", "svc/dbguard.yaml")
	check("staged", true)
	write("svc/dbguard.yaml", "version: 1\n")
	check("staged, then edited back", true)
	git("add", "svc/dbguard.yaml")
	os.Remove(filepath.Join(dir, "dbguard.yaml"))
	check("deleted on the disk", true)
	git("checkout", "--", ".")
	write("new.py", "y = 2\n")
	git("add", "-N", "new.py") // intent to add: an extended flag, version 3
	check("version 3", true)
	// A path of 4,095 bytes or more (its length is not in the entry's
	// flags): no file system here holds it, so git finds it deleted.
	hash := exec.Command("git", "hash-object", "-w", "dbguard.yaml")
	hash.Dir = dir
	id, err := hash.Output()
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("long/", 900) + "dbguard.yaml"
	git("update-index", "--add", "--cacheinfo", "100644,"+strings.TrimSpace(string(id))+","+long)
	data, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	paths, ids, ok := indexConfigEntries(data)
	if want := []string{"dbguard.yaml", long, "svc/dbguard.yaml"}; !ok || strings.Join(paths, " ") != strings.Join(want, " ") || ids[1] != strings.TrimSpace(string(id)) {
		t.Errorf("a long path: read %v %d entries, want %d", ok, len(paths), len(want))
	}
	// git cannot stat it (ENAMETOOLONG) and calls it unchanged; the
	// hook, which cannot read it, loads the index's configuration.
	if changed, ok := indexFileConfigChanged(dir); !ok || !changed {
		t.Errorf("a long path: changed %v, read %v; want a change", changed, ok)
	}
	git("rm", "-q", "--cached", long)
	git("update-index", "--index-version", "4")
	check("version 4", false)
	git("update-index", "--index-version", "2")
	git("update-index", "--split-index")
	check("split", false)
}

// A relative GIT_INDEX_FILE names a file below the top of the work tree,
// as git reads it (git commit sets ".git/index" and runs the hook from
// the top; git run from a subfolder, or by a hook manager that runs the
// hook there, resolves it against the top too), not below the hook's
// working folder: there, a subfolder's own .git/index, an old copy in
// which dbguard.yaml matched the disk, answered "unchanged" where git
// finds the staged dbguard.yaml differs.
func TestIndexFileRelativeIsTheTopsAsGitReadsIt(t *testing.T) {
	dir, git := gitRepo(t)
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("dbguard.yaml", "version: 1\n")
	write("sub/app.py", "x = 1\n")
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	old, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	write("sub/.git/index", string(old)) // not a repository: git goes on to the top
	write("dbguard.yaml", "version: 1\nhook:\n  allow: ['**']\n")
	git("add", "dbguard.yaml")
	write("dbguard.yaml", "version: 1\n")

	t.Setenv("GIT_INDEX_FILE", ".git/index")
	sub := filepath.Join(dir, "sub")
	t.Chdir(sub)
	cmd := exec.Command("git", "diff", "--name-only", "--", ":(top,glob)**/dbguard.yaml")
	cmd.Dir = sub
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("git run from the subfolder finds no change: the test's premise is wrong")
	}
	changed, ok := indexFileConfigChanged(dir)
	if !ok || !changed {
		t.Errorf("changed %v, read %v; git (from %s, GIT_INDEX_FILE=.git/index) says changed", changed, ok, sub)
	}
	// The hook run in the subfolder takes it for the top: its .git is no
	// repository (git passed over it), so git is asked.
	if changed, ok := indexFileConfigChanged(sub); ok {
		t.Errorf("from the subfolder: changed %v, read the index itself; want git asked", changed)
	}
	os.Unsetenv("GIT_INDEX_FILE")
	if changed, ok := indexFileConfigChanged(sub); ok {
		t.Errorf("from the subfolder, no GIT_INDEX_FILE: changed %v, read the index itself; want git asked", changed)
	}
}

// TestAttackIndexFileNotAFile: a copied repository's .git/index (or
// .git/config) that is a FIFO or a link to a device. The hook read the
// index with os.ReadFile: a FIFO held it without end, waiting for a
// writer, and a link to /dev/zero grew its memory until the machine ran
// out (2 GB in 5 s). git itself refuses such an index at once; the hook
// now leaves the question to git for anything but a regular file, read up
// to a bound.
func TestAttackIndexFileNotAFile(t *testing.T) {
	for _, name := range []string{"index", "config"} {
		for _, kind := range []string{"fifo", "/dev/zero"} {
			t.Run(name+" "+kind, func(t *testing.T) {
				dir, git := gitRepo(t)
				if err := os.WriteFile(filepath.Join(dir, "dbguard.yaml"), []byte("version: 1\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				git("add", "dbguard.yaml")
				p := filepath.Join(dir, ".git", name)
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				if kind == "fifo" {
					if err := syscall.Mkfifo(p, 0o644); err != nil {
						t.Skipf("mkfifo: %v", err)
					}
					// A writer that ends a read left waiting, so a failure
					// does not hold the test binary.
					t.Cleanup(func() {
						if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
							f.Close()
						}
					})
				} else if err := os.Symlink(kind, p); err != nil {
					t.Fatal(err)
				}
				done := make(chan bool, 1)
				go func() {
					_, ok := indexFileConfigChanged(dir)
					done <- ok
				}()
				select {
				case ok := <-done:
					if ok {
						t.Errorf("answered from a .git/%s that is a %s", name, kind)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("the hook's reading of .git/%s, a %s, did not end in 10 s", name, kind)
				}
			})
			if t.Failed() {
				return // a read of /dev/zero after a FIFO that hung would take the machine's memory
			}
		}
	}
}
