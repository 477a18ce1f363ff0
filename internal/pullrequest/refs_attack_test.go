package pullrequest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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

// TestAttackBareBaseNameTag: --base main (no origin/) was a revision git
// resolves by its own order, refs/tags/main before refs/heads/main and
// refs/remotes/origin/main: a tag named main (one anyone who may push a
// tag creates, and a fetch of tags brings into the clone) on a commit
// whose dbguard.yaml names STAGING_DATABASE_URL was read as the base. A
// bare branch name is refs/remotes/origin/NAME, else refs/heads/NAME,
// never a tag unless refs/tags/NAME is written.
func TestAttackBareBaseNameTag(t *testing.T) {
	ctx := context.Background()
	dir, base := repo(t, map[string]string{"dbguard.yaml": "version: 1\n"})
	if err := os.WriteFile(filepath.Join(dir, "dbguard.yaml"), []byte("version: 1\ndatabase:\n  url_var: STAGING_DATABASE_URL\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitRun(t, dir, "commit", "-q", "-am", "theirs")
	evil := gitRun(t, dir, "rev-parse", "HEAD")
	gitRun(t, dir, "tag", "main", evil)
	gitRun(t, dir, "tag", "onlytag", evil)
	gitRun(t, dir, "update-ref", "refs/heads/main", base)
	gitRun(t, dir, "checkout", "-q", "--detach", evil)
	none := func(string) string { return "" }

	// refs/heads/main, and a tag main: the branch.
	if got, why := Detect("main", none).Resolve(ctx, dir); got != base {
		t.Errorf("--base main resolved to %q (%s), want the branch's %s (the tag main is %s)", got, why, base, evil)
	}
	if got, why := Detect("main~0", none).Resolve(ctx, dir); got != base {
		t.Errorf("--base main~0 resolved to %q (%s), want the branch's %s", got, why, base)
	}
	// origin/main present: it, before the local branch.
	parent := gitRun(t, dir, "rev-parse", evil+"^")
	if parent != base {
		t.Fatalf("setup: %s's parent is %s, not %s", evil, parent, base)
	}
	gitRun(t, dir, "update-ref", "refs/heads/main", evil) // a local main the author moved
	gitRun(t, dir, "update-ref", "refs/remotes/origin/main", base)
	if got, why := Detect("main", none).Resolve(ctx, dir); got != base {
		t.Errorf("--base main resolved to %q (%s), want origin/main's %s before the local branch", got, why, base)
	}
	// Only a tag of that name: refused, saying to write refs/tags/.
	if got, why := Detect("onlytag", none).Resolve(ctx, dir); got != "" || !strings.Contains(why, "refs/tags/onlytag") {
		t.Errorf("--base onlytag resolved to %q (%s), want a refusal naming refs/tags/onlytag", got, why)
	}
	// The tag, written out: the tag.
	if got, why := Detect("refs/tags/onlytag", none).Resolve(ctx, dir); got != evil {
		t.Errorf("--base refs/tags/onlytag resolved to %q (%s), want %s", got, why, evil)
	}
	// A commit id and HEAD~1 are git's to read.
	if got, why := Detect(base, none).Resolve(ctx, dir); got != base {
		t.Errorf("--base %s resolved to %q (%s)", base, got, why)
	}
	if got, why := Detect("HEAD~1", none).Resolve(ctx, dir); got != base {
		t.Errorf("--base HEAD~1 resolved to %q (%s), want %s", got, why, base)
	}
}
