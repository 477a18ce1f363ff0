package pullrequest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
)

// embedBareRepo writes, into the folder sub of the work tree root, what a
// pull request can commit there: the files of a git directory (HEAD,
// config, objects/, refs/), whose config makes sub its work tree
// (core.worktree = .) and whose refs/remotes/origin/main is a commit of
// the author's holding files. Git run in sub (or below) finds sub itself
// as the repository before the real .git above it.
func embedBareRepo(t *testing.T, root, sub string, files map[string]string) {
	t.Helper()
	evil, _ := repo(t, files)
	gitRun(t, evil, "update-ref", "refs/remotes/origin/main", "HEAD")
	dst := filepath.Join(root, sub)
	if err := os.CopyFS(dst, os.DirFS(filepath.Join(evil, ".git"))); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"hooks", "index"} {
		os.RemoveAll(filepath.Join(dst, n))
	}
	cfg := "[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = .\n"
	if err := os.WriteFile(filepath.Join(dst, "config"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestAttackEmbeddedBareRepoBase: a pull request that commits a git
// directory's files into the folder dbguard ci runs in (a service's folder,
// the Action's working-directory) made every git call of ci's there use
// that repository: its origin/main was the author's commit, whose
// svc/dbguard.yaml names STAGING_DATABASE_URL, so the "base branch's"
// url_var was the pull request's own and the gate judged staging without a
// word. Git runs with safe.bareRepository=explicit: such a folder is no
// repository, and ci stops rather than read a base the author wrote.
func TestAttackEmbeddedBareRepoBase(t *testing.T) {
	root, _ := repo(t, map[string]string{"svc/dbguard.yaml": "version: 1\n"})
	gitRun(t, root, "update-ref", "refs/remotes/origin/main", "HEAD")
	staging := "version: 1\ndatabase:\n  url_var: STAGING_DATABASE_URL\n"
	// The pull request's work tree: its dbguard.yaml, and the git
	// directory's files beside it.
	path := filepath.Join(root, "svc", config.FileName)
	if err := os.WriteFile(path, []byte(staging), 0o644); err != nil {
		t.Fatal(err)
	}
	embedBareRepo(t, root, "svc", map[string]string{"dbguard.yaml": staging})

	cfg, err := config.Parse(path, []byte(staging))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Root = filepath.Dir(path)
	b := &Base{Revs: []string{"origin/main", mergeParent}, Branch: "main", Source: "GitHub pull_request"}
	changes, err := b.Judge(context.Background(), filepath.Join(root, "svc"), cfg)
	var be *BaseError
	if errors.As(err, &be) {
		t.Logf("stopped: %v", err)
		return // no base read: ci stops (exit 2)
	}
	if err != nil {
		t.Fatalf("Judge: %v", err)
	}
	t.Logf("changes %+v url_var %s", changes, cfg.Database.URLVar)
	if cfg.Database.URLVar == "STAGING_DATABASE_URL" {
		t.Fatalf("the base read from the pull request's own git directory: url_var %s, changes %+v", cfg.Database.URLVar, changes)
	}
}

// TestAttackEmbeddedBareRepoOldGit: git older than 2.38 ignores
// safe.bareRepository, so TestAttackEmbeddedBareRepoBase's folder was
// the repository to it, and its refs/remotes/origin/main, the author's
// commit, was read as the base branch. The git directory rev-parse
// reports must be the top folder's .git (or the one a .git file there
// names): else exit 2, a *RepoError. Old git is stood for by taking the
// setting out of every call.
func TestAttackEmbeddedBareRepoOldGit(t *testing.T) {
	saved := gitSafety
	gitSafety = []string{"-c", "core.fsmonitor=false"}
	t.Cleanup(func() { gitSafety = saved })

	root, _ := repo(t, map[string]string{"svc/dbguard.yaml": "version: 1\n"})
	gitRun(t, root, "update-ref", "refs/remotes/origin/main", "HEAD")
	staging := "version: 1\ndatabase:\n  url_var: STAGING_DATABASE_URL\n"
	path := filepath.Join(root, "svc", config.FileName)
	if err := os.WriteFile(path, []byte(staging), 0o644); err != nil {
		t.Fatal(err)
	}
	embedBareRepo(t, root, "svc", map[string]string{"dbguard.yaml": staging})
	for _, revs := range [][]string{{"origin/main"}, {mergeParent}, {"main"}} {
		cfg, err := config.Parse(path, []byte(staging))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Root = filepath.Dir(path)
		b := &Base{Revs: revs, Branch: "main", Source: "--base"}
		changes, err := b.Judge(context.Background(), filepath.Join(root, "svc"), cfg)
		var re *RepoError
		if !errors.As(err, &re) {
			t.Errorf("%v: Judge = %+v, %v (url_var %s), want a *RepoError", revs, changes, err, cfg.Database.URLVar)
			continue
		}
		if re.ExitCode() != 2 || !strings.Contains(err.Error(), "2.38") {
			t.Errorf("%v: %v (exit %d)", revs, err, re.ExitCode())
		}
	}

	// The real repository, from a subfolder and from a worktree: read.
	plain, _ := repo(t, map[string]string{"svc/dbguard.yaml": "version: 1\n"})
	gitRun(t, plain, "update-ref", "refs/remotes/origin/main", "HEAD")
	wt := filepath.Join(t.TempDir(), "wt")
	gitRun(t, plain, "worktree", "add", "-q", "--detach", wt)
	for _, dir := range []string{filepath.Join(plain, "svc"), filepath.Join(wt, "svc")} {
		if got, why := (&Base{Revs: []string{"origin/main"}}).Resolve(context.Background(), dir); got == "" {
			t.Errorf("%s: the base did not resolve: %s", dir, why)
		}
	}
}
