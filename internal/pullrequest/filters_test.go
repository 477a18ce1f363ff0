package pullrequest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
)

// TestFiltersAskedOnce: the filter drivers git's configuration names are
// asked once for a base, not once per diff (the added lines, the removed
// services and a moved configuration's old name: three diffs, three
// git config --get-regexp before), and every diff still runs with them
// switched off.
func TestFiltersAskedOnce(t *testing.T) {
	ctx := context.Background()
	realGit, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	dir, rev := repo(t, map[string]string{
		"dbguard.yaml":     "version: 1\n",
		"svc/dbguard.yaml": "version: 1\nhook:\n  allow: [x]\n",
		"app.py":           "print(1)\n",
		".gitattributes":   "* filter=evil\n",
	})
	gitRun(t, dir, "mv", "svc", "svc2")
	ran := filepath.Join(t.TempDir(), "ran")
	gitRun(t, dir, "config", "filter.evil.clean", "touch "+ran+"; cat")
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte("print(2)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A git first on PATH that logs its arguments, then runs git.
	bin := t.TempDir()
	log := filepath.Join(t.TempDir(), "git.log")
	wrapper := "#!/bin/sh\necho \"$*\" >>" + log + "\nexec " + realGit + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	b := &Base{Revs: []string{rev}, Source: "--base"}
	added, err := b.AddedLines(ctx, dir, rev)
	if err != nil {
		t.Fatal(err)
	}
	if !added["app.py"][1] {
		t.Errorf("app.py's changed line is not added: %v", added)
	}
	root, err := config.Parse(filepath.Join(dir, "dbguard.yaml"), []byte("version: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	root.Root = dir
	if _, err := b.RemovedServices(ctx, dir, root, nil); err != nil {
		t.Fatal(err)
	}
	from, err := b.renamedTo(ctx, dir, rev, "svc2/dbguard.yaml")
	if err != nil || from != "svc/dbguard.yaml" {
		t.Fatalf("renamedTo = %q, %v", from, err)
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "--get-regexp ^filter"); n != 1 {
		t.Errorf("the filter drivers were asked %d times:\n%s", n, data)
	}
	if n := strings.Count(string(data), " diff "); n != 3 {
		t.Errorf("%d diffs, want 3:\n%s", n, data)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Error("a diff ran the clean filter")
	}
}
