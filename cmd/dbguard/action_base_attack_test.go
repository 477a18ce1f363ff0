package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestAttackActionBaseEmbeddedRepo: the Action's base step (the fetch of
// the base branch, scripts/action/base.sh) runs git in the action's
// working-directory, a folder of the pull request's tree. A pull request
// that commits a git directory's files there (HEAD, objects/, refs/, and a
// config with core.worktree = . and remote.origin.uploadpack = a command)
// made git take that folder for the repository, and its fetch of
// "origin" ran the command, with the job's secrets in its environment.
// Git runs there with safe.bareRepository=explicit: no such folder is a
// repository, and the step only warns.
func TestAttackActionBaseEmbeddedRepo(t *testing.T) {
	needTool(t, "git")
	needTool(t, "bash")
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	ws := t.TempDir()
	git(ws, "init", "-q", "-b", "main")
	svc := filepath.Join(ws, "svc")
	evil := filepath.Join(t.TempDir(), "evil.git")
	git(filepath.Dir(evil), "init", "-q", "--bare", "-b", "main", evil)
	if err := os.CopyFS(svc, os.DirFS(evil)); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(svc, "hooks"))
	marker := filepath.Join(t.TempDir(), "ran")
	cfg := "[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = .\n" +
		"[remote \"origin\"]\n\turl = " + evil + "\n\tuploadpack = touch " + marker + "; git-upload-pack\n"
	if err := os.WriteFile(filepath.Join(svc, "config"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "action", "base.sh"))
	cmd.Dir = svc
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+ws, "GITHUB_EVENT_NAME=pull_request", "GITHUB_BASE_REF=main")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("base.sh: %v\n%s", err, out)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatalf("base.sh ran the command the pull request's svc/config names:\n%s", out)
	}
}
