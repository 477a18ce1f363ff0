package pullrequest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttackHeadNotGitHubsMerge: without origin/BRANCH in the clone, the
// base of a GitHub pull request was HEAD's first parent whenever HEAD was
// a merge commit, "the merge commit actions/checkout makes". A workflow
// that checks out the pull request's own head (ref:
// github.event.pull_request.head.sha, fetch-depth 2, the pull_request_target
// pattern) has the author's commit at HEAD: a merge whose first parent is
// another commit of theirs, with url_var: STAGING_DATABASE_URL, was read
// as the base branch. HEAD's parent is the base only when HEAD is
// GITHUB_SHA (GitHub's merge commit); on pull_request_target, GITHUB_SHA
// is the base's tip and is read itself.
func TestAttackHeadNotGitHubsMerge(t *testing.T) {
	ctx := context.Background()
	dir, base := repo(t, map[string]string{"dbguard.yaml": "version: 1\n"})
	if err := os.WriteFile(filepath.Join(dir, "dbguard.yaml"), []byte("version: 1\ndatabase:\n  url_var: STAGING_DATABASE_URL\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitRun(t, dir, "checkout", "-q", "-b", "theirs")
	gitRun(t, dir, "commit", "-q", "-am", "theirs")
	evil := gitRun(t, dir, "rev-parse", "HEAD")
	// The pull request's head: a merge whose first parent is the author's.
	gitRun(t, dir, "commit", "-q", "--allow-empty", "-m", "side")
	side := gitRun(t, dir, "rev-parse", "HEAD")
	gitRun(t, dir, "checkout", "-q", "--detach", evil)
	gitRun(t, dir, "merge", "-q", "--no-ff", "-m", "head", side)
	head := gitRun(t, dir, "rev-parse", "HEAD")
	githubMerge := strings.Repeat("1", 40) // GitHub's merge commit, not checked out

	for _, ev := range []string{"pull_request", "pull_request_target"} {
		sha := githubMerge
		if ev == "pull_request_target" {
			sha = base
		}
		b := Detect("", func(k string) string {
			return map[string]string{"GITHUB_EVENT_NAME": ev, "GITHUB_BASE_REF": "main", "GITHUB_SHA": sha}[k]
		})
		got, why := b.Resolve(ctx, dir)
		if got == evil {
			t.Errorf("%s: the base is the author's commit %s, HEAD %s's first parent", ev, evil, head)
		}
		if ev == "pull_request_target" && got != base {
			t.Errorf("%s: the base resolved to %q (%s), want GITHUB_SHA %s", ev, got, why, base)
		}
	}
	// HEAD is GITHUB_SHA, GitHub's merge commit: its first parent.
	b := Detect("", func(k string) string {
		return map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main", "GITHUB_SHA": head}[k]
	})
	if got, why := b.Resolve(ctx, dir); got != evil {
		t.Errorf("HEAD is GITHUB_SHA: got %q (%s), want its first parent %s", got, why, evil)
	}
}
