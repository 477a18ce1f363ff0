package hooks

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
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
