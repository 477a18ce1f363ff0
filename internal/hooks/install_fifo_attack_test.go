//go:build unix

package hooks

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// TestAttackInstallFIFOWaitsOnNothing: a repository copied with its .git
// folder (an archive) whose hooks/pre-commit, or a husky .husky/pre-commit,
// is a FIFO. hook install and uninstall read them with a blocking open and
// waited for a writer forever (SIGTERM did not end them). They are refused
// (the hook) or taken as not running dbguard (husky's) without waiting.
func TestAttackInstallFIFOWaitsOnNothing(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed:", err)
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, repo string)
		run   func(repo string) error
		fails bool
	}{
		{"install, the hook a FIFO", func(t *testing.T, repo string) {
			mkfifo(t, filepath.Join(repo, ".git", "hooks", "pre-commit"))
		}, func(repo string) error { _, err := Install(context.Background(), repo); return err }, true},
		{"uninstall, the hook a FIFO", func(t *testing.T, repo string) {
			mkfifo(t, filepath.Join(repo, ".git", "hooks", "pre-commit"))
		}, func(repo string) error { _, _, _, err := Uninstall(context.Background(), repo); return err }, true},
		{"install, husky's pre-commit a FIFO", func(t *testing.T, repo string) {
			gitRun(t, repo, "config", "core.hooksPath", ".husky/_")
			if err := os.MkdirAll(filepath.Join(repo, ".husky", "_"), 0o755); err != nil {
				t.Fatal(err)
			}
			mkfifo(t, filepath.Join(repo, ".husky", "pre-commit"))
		}, func(repo string) error { _, err := Install(context.Background(), repo); return err }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := t.TempDir()
			gitRun(t, repo, "init", "-q")
			tc.setup(t, repo)
			err, ok := fifotest.Within(10*time.Second, func() error { return tc.run(repo) })
			if !ok {
				t.Fatal("waited on the FIFO")
			}
			if tc.fails && err == nil {
				t.Error("no error for a FIFO")
			}
		})
	}
}

// mkfifo puts a FIFO at p, in place of whatever git put there.
func mkfifo(t *testing.T, p string) {
	t.Helper()
	os.Remove(p)
	fifotest.Make(t, p)
}

func gitRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}
