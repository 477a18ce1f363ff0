package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttackActionBaseOldGit: the Action's base step runs git in the
// job's working-directory, a folder of the pull request's tree. A pull
// request that commits a git directory's files there (HEAD, objects/,
// refs/, a config whose remote.origin.uploadpack is a command) made git
// older than 2.38, which ignores safe.bareRepository, take that folder for
// the repository: its fetch of the base branch ran the command. The step
// now names the repository itself, the nearest .git at or above the
// folder (a name no commit holds). No old git is installed here: a git
// first on PATH drops the setting, as old git ignores it.
func TestAttackActionBaseOldGit(t *testing.T) {
	t.Parallel()
	needTool(t, "git")
	realGit, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env := append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	git := func(wd string, args ...string) {
		t.Helper()
		cmd := exec.Command(realGit, args...)
		cmd.Dir, cmd.Env = wd, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	src := filepath.Join(dir, "src")
	git(dir, "init", "-q", "-b", "main", src)
	if err := os.WriteFile(filepath.Join(src, "dbguard.yaml"), []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(src, "add", "-A")
	git(src, "commit", "-q", "-m", "base")
	origin := filepath.Join(dir, "origin.git")
	git(dir, "clone", "-q", "--bare", src, origin)
	ws := filepath.Join(dir, "ws")
	git(dir, "clone", "-q", "--depth=1", "file://"+origin, ws)
	git(ws, "update-ref", "-d", "refs/remotes/origin/main")
	// The pull request's svc/: a git directory's files.
	ran := filepath.Join(dir, "ran")
	svc := filepath.Join(ws, "svc")
	for _, d := range []string{"objects", "refs/heads"} {
		if err := os.MkdirAll(filepath.Join(svc, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"HEAD": "ref: refs/heads/main\n",
		"config": "[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = ..\n" +
			"[remote \"origin\"]\n\turl = file://" + origin + "\n\tuploadpack = touch " + ran + "; git-upload-pack\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(svc, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A git that ignores safe.bareRepository, as git before 2.38 does.
	bin := t.TempDir()
	wrapper := "#!/bin/bash\nargs=()\nwhile [ $# -gt 0 ]; do\n  if [ \"$1\" = -c ] && [ \"$2\" = safe.bareRepository=explicit ]; then shift 2; continue; fi\n" +
		"  args+=(\"$1\"); shift\ndone\nexec " + realGit + " \"${args[@]}\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs("../../scripts/action/base.sh")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", script)
	cmd.Dir = svc
	cmd.Env = append(env, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GITHUB_EVENT_NAME=pull_request", "GITHUB_BASE_REF=main", "GITHUB_SHA=0000000000000000000000000000000000000000")
	out, _ := cmd.CombinedOutput()
	if _, err := os.Stat(ran); err == nil {
		t.Fatalf("base.sh in svc/ ran the uploadpack of svc/config:\n%s", out)
	}
	if strings.Contains(string(out), "::warning") {
		t.Errorf("base.sh: %s", out)
	}
	cmd = exec.Command(realGit, "rev-parse", "--verify", "--quiet", "refs/remotes/origin/main^{commit}")
	cmd.Dir, cmd.Env = ws, env
	if err := cmd.Run(); err != nil {
		t.Errorf("base.sh fetched no origin/main into the checkout:\n%s", out)
	}
}
