package hooks

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestAttackScanEmbeddedBareRepo: a pull request that commits a git
// directory's files (HEAD, config with core.worktree = .., objects/,
// refs/, an empty index) into the folder dbguard ci runs in made ci's
// credential scan read that repository's index, which lists nothing: the
// password committed beside it passed. Git runs with
// safe.bareRepository=explicit: the scan fails (exit 2) instead.
func TestAttackScanEmbeddedBareRepo(t *testing.T) {
	root := t.TempDir()
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git(root, "init", "-q", "-b", "main")
	svc := filepath.Join(root, "svc")
	if err := os.MkdirAll(svc, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(svc, "app.py"), []byte("key = \"postgres://app:S3cr3tzzQ@db.prod.internal/app\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	evil := t.TempDir()
	git(evil, "init", "-q", "--bare", "-b", "main")
	if err := os.CopyFS(svc, os.DirFS(evil)); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(svc, "hooks"))
	if err := os.WriteFile(filepath.Join(svc, "config"), []byte("[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = ..\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(root, "add", "-A")
	git(root, "commit", "-q", "-m", "pr")

	found, err := ScanTracked(context.Background(), svc, nil)
	if err == nil && len(found) == 0 {
		t.Fatal("ScanTracked in the folder holding a git directory's files found nothing; svc/app.py holds a password")
	}
}

// TestAttackScanEmbeddedBareRepoOldGit: git older than 2.38 ignores
// safe.bareRepository, so the scan run in a folder holding a git
// directory's files (core.worktree = ..) read that repository's empty
// index and passed the committed password. With such a git the scan names
// the repository itself (GIT_DIR and GIT_WORK_TREE of the nearest .git
// up the tree). No old git is installed here: the test takes the setting
// out, as old git ignores it, and forces the fallback.
func TestAttackScanEmbeddedBareRepoOldGit(t *testing.T) {
	saved := noCommands
	noCommands = []string{"-c", "core.fsmonitor=false", "-c", "grep.column=false"}
	forceOldGit = true
	t.Cleanup(func() { noCommands, forceOldGit = saved, false })
	TestAttackScanEmbeddedBareRepo(t)
}

func TestGitAtLeast(t *testing.T) {
	for v, want := range map[string]bool{
		"git version 2.39.2\n": true, "git version 2.38.0": true, "git version 2.37.1 (Apple Git-137.1)": false,
		"git version 2.40.0.windows.1": true, "git version 3.0.0": true, "git version 1.99.9": false, "": false, "hub version 2.40": false,
	} {
		if got := gitAtLeast(v, 2, 38); got != want {
			t.Errorf("gitAtLeast(%q) = %v", v, got)
		}
	}
}

// TestAttackScanGitFileOldGit: the old-git fallback (explicitRepository)
// names the nearest .git, a file or a folder, as git's own discovery
// would; the check behind every read (workTree, run with the fallback's
// environment) is what refuses a .git file's repository. sub/.git names
// ../fake, a repository committed in the project whose gitdir file names
// sub/.git back: before, it was taken, from sub/ (any git) and from
// sub/inner (a folder holding a git directory's files: the fallback),
// and the scan read fake's empty index and passed the password in
// sub/app.py. A repository the tree could hold names nothing back now.
func TestAttackScanGitFileOldGit(t *testing.T) {
	for _, v := range []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	saved := noCommands
	noCommands = []string{"-c", "core.fsmonitor=false", "-c", "grep.column=false"}
	forceOldGit = true
	t.Cleanup(func() { noCommands, forceOldGit = saved, false })
	dir := t.TempDir()
	proj := filepath.Join(dir, "proj")
	git := func(at string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", at}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	sub := filepath.Join(proj, "sub")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	git(proj, "init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(sub, "app.py"), []byte("key = \"postgres://app:S3cr3tzzQ@db.prod.internal/app\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(proj, "add", "-A")
	git(proj, "commit", "-q", "-m", "one")
	// fake/ names sub back and is no bare repository: the check that
	// asks for that alone took it.
	git(proj, "init", "-q", "--bare", "fake")
	git(proj, "config", "--file", filepath.Join("fake", "config"), "core.bare", "false")
	if err := os.WriteFile(filepath.Join(proj, "fake", "gitdir"), []byte("../sub/.git\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, ".git"), []byte("gitdir: ../fake\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	inner := filepath.Join(sub, "inner")
	git(dir, "init", "-q", "--bare", inner)
	if !mayFindBareRepository(inner) {
		t.Fatal("the fallback is not taken from sub/inner")
	}
	for _, at := range []string{inner, sub} {
		found, err := ScanTracked(context.Background(), at, nil)
		var wte *WorkTreeError
		if !errors.As(err, &wte) {
			t.Errorf("ScanTracked(%s) = %v, %v; want a WorkTreeError", at, found, err)
		}
	}
}
