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
