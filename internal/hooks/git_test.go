package hooks

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/lookpath"
)

// The hook runs no command a repository's git configuration names:
// core.fsmonitor is a command git ls-files and git diff would start.
func TestAttackHookRunsNoFsmonitor(t *testing.T) {
	dir, git := gitRepo(t)
	marker := filepath.Join(t.TempDir(), "ran")
	script := filepath.Join(t.TempDir(), "fsmonitor.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ntouch '"+marker+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("DATABASE_URL=postgres://app@db.internal/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", ".env")
	git("config", "core.fsmonitor", script)
	if out, err := exec.Command("git", "-C", dir, "ls-files").CombinedOutput(); err != nil {
		t.Fatalf("git ls-files: %v\n%s", err, out)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("git itself did not run core.fsmonitor here, so this test proves nothing: %v", err)
	}
	if err := os.Remove(marker); err != nil {
		t.Fatal(err)
	}
	_, err := PreCommit(context.Background(), Options{Repo: dir, Config: config.Default(dir)})
	if _, serr := os.Stat(marker); serr == nil {
		t.Error("the hook ran the repository's core.fsmonitor command")
	}
	if err != nil {
		t.Errorf("PreCommit: %v", err)
	}
	os.Remove(marker)
	_, err = ScanTracked(context.Background(), dir, nil)
	if _, serr := os.Stat(marker); serr == nil {
		t.Error("dbguard ci's credential scan ran the repository's core.fsmonitor command")
	}
	if err != nil {
		t.Errorf("ScanTracked: %v", err)
	}
}

// TestAttackHookRunsNoRepositoryGit: npm run and npx put the repository's
// node_modules/.bin first on PATH, and a pull request can commit a "git"
// there. The hook and dbguard ci's scan ran it (the marker appeared); they
// now run the git on PATH outside the repository, as the plan's sandbox
// runs no pg_config or initdb found inside it.
func TestAttackHookRunsNoRepositoryGit(t *testing.T) {
	dir, git := gitRepo(t)
	real, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(t.TempDir(), "ran")
	bin := filepath.Join(dir, "node_modules", ".bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte("#!/bin/sh\ntouch '"+marker+"'\nexec '"+real+"' \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("DATABASE_URL=postgres://app@db.internal/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", ".env")
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if p, err := exec.LookPath("git"); err != nil || p != filepath.Join(bin, "git") {
		t.Fatalf("PATH finds %s (%v), not the repository's git: this test proves nothing", p, err)
	}
	if _, err := PreCommit(context.Background(), Options{Repo: dir, Config: config.Default(dir)}); err != nil {
		t.Errorf("PreCommit: %v", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the hook ran the repository's node_modules/.bin/git")
	}
	if _, err := ScanTracked(context.Background(), dir, nil); err != nil {
		t.Errorf("ScanTracked: %v", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("dbguard ci's credential scan ran the repository's node_modules/.bin/git")
	}
	// Only the repository's git on PATH: an error naming it, nothing run.
	t.Setenv("PATH", bin)
	_, err = PreCommit(context.Background(), Options{Repo: dir, Config: config.Default(dir)})
	var inside *lookpath.InsideError
	if !errors.As(err, &inside) {
		t.Errorf("with only the repository's git on PATH: %v, want a lookpath.InsideError", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the hook ran the repository's git when it was the only one")
	}
}
