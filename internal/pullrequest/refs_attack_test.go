package pullrequest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestAttackRefNamedLikeRemote: the base "origin/main" was a revision git
// resolves by its own order, refs/tags/origin/main and
// refs/heads/origin/main before refs/remotes/origin/main. A tag or branch
// named origin/main (one a developer who may push tags or branches but
// not to main creates, and a fetch of tags brings into the CI clone) on a
// commit whose dbguard.yaml names STAGING_DATABASE_URL was read as the
// base branch's file. origin/BRANCH is read as refs/remotes/origin/BRANCH.
func TestAttackRefNamedLikeRemote(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []string{"tag", "branch"} {
		t.Run(kind, func(t *testing.T) {
			dir, base := repo(t, map[string]string{"dbguard.yaml": "version: 1\n"})
			gitRun(t, dir, "update-ref", "refs/remotes/origin/main", base)
			if err := os.WriteFile(filepath.Join(dir, "dbguard.yaml"), []byte("version: 1\ndatabase:\n  url_var: STAGING_DATABASE_URL\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			gitRun(t, dir, "commit", "-q", "-am", "theirs")
			evil := gitRun(t, dir, "rev-parse", "HEAD")
			gitRun(t, dir, kind, "origin/main", evil)
			gitRun(t, dir, "checkout", "-q", "--detach", base)
			for _, b := range []*Base{
				Detect("", func(k string) string {
					return map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main"}[k]
				}),
				Detect("", func(k string) string {
					return map[string]string{"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}[k]
				}),
				Detect("origin/main", func(string) string { return "" }),
			} {
				if got, why := b.Resolve(ctx, dir); got != base {
					t.Errorf("%s: the base resolved to %q (%s), want origin/main's %s (the %s named origin/main is %s)", b.Source, got, why, base, kind, evil)
				}
			}
		})
	}
}
