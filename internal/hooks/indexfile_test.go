package hooks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
