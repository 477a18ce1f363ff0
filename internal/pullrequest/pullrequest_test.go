package pullrequest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
)

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name   string
		flag   string
		env    map[string]string
		revs   []string
		branch string
	}{
		{name: "push build", env: map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_BASE_REF": ""}},
		{name: "nothing"},
		{name: "flag", flag: "origin/main", revs: []string{"origin/main"}, branch: "main"},
		{name: "flag wins", flag: "abc123", env: map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main"}, revs: []string{"abc123"}},
		{name: "github", env: map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "release/1.x", "GITHUB_SHA": "abc"}, revs: []string{"origin/release/1.x", mergeParent}, branch: "release/1.x"},
		{name: "github no sha", env: map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main"}, revs: []string{"origin/main"}, branch: "main"},
		{name: "github target", env: map[string]string{"GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_BASE_REF": "main", "GITHUB_SHA": "abc"}, revs: []string{"origin/main", "abc"}, branch: "main"},
		{name: "github target no sha", env: map[string]string{"GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_BASE_REF": "main"}, revs: []string{"origin/main"}, branch: "main"},
		{name: "github without base ref", env: map[string]string{"GITHUB_EVENT_NAME": "pull_request"}},
		{name: "gitlab sha", env: map[string]string{"CI_MERGE_REQUEST_DIFF_BASE_SHA": "abc", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}, revs: []string{"abc", "origin/main"}, branch: "main"},
		{name: "gitlab branch", env: map[string]string{"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}, revs: []string{"origin/main"}, branch: "main"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := Detect(tc.flag, func(k string) string { return tc.env[k] })
			if tc.revs == nil {
				if b != nil {
					t.Fatalf("a pull request detected: %+v", b)
				}
				return
			}
			if b == nil || !slices.Equal(b.Revs, tc.revs) || b.Branch != tc.branch {
				t.Fatalf("got %+v, want revs %v branch %q", b, tc.revs, tc.branch)
			}
		})
	}
}

func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// repo is a git repository whose first commit holds files.
func repo(t *testing.T, files map[string]string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	gitRun(t, dir, "init", "-q", "-b", "main")
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(text, "link:"); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "--allow-empty", "-m", "base")
	return dir, gitRun(t, dir, "rev-parse", "HEAD")
}

func TestReadConfig(t *testing.T) {
	ctx := context.Background()
	dir, rev := repo(t, map[string]string{
		"dbguard.yaml":          "version: 1\nenv:\n  prefer: env\n",
		"conf/real.yaml":        "version: 1\nhook:\n  allow: [x]\n",
		"linked/dbguard.yaml":   "link:../conf/real.yaml",
		"out/dbguard.yaml":      "link:../../../etc/passwd",
		"bad/dbguard.yaml":      "version: 1\nnope: 1\n",
		"big/dbguard.yaml":      "version: 1\n#" + strings.Repeat("x", config.MaxFileSize) + "\n",
		"folder/dbguard.yaml/x": "",
		// A link through a folder that is a link (review 8d, before: the
		// defaults, ls-tree following no link on the way).
		"shared/guard.yaml":   "version: 1\nmigrations:\n  table: app_versions\n",
		"cfg":                 "link:shared",
		"via/dbguard.yaml":    "link:../cfg/guard.yaml",
		"deep/up":             "link:..",
		"twice/dbguard.yaml":  "link:../deep/up/cfg/guard.yaml",
		"away":                "link:..",
		"escape/dbguard.yaml": "link:../away/etc/passwd",
	})
	for _, linked := range []string{"via", "twice"} {
		c, err := ReadConfig(ctx, dir, rev, filepath.Join(dir, linked, "dbguard.yaml"))
		if err != nil || c.Migrations.Table != "app_versions" {
			t.Fatalf("%s: a link through a folder link inside the repository is followed: %v %+v", linked, err, c)
		}
	}
	if _, err := ReadConfig(ctx, dir, rev, filepath.Join(dir, "escape", "dbguard.yaml")); err == nil {
		t.Error("escape: a folder link out of the repository was followed")
	}
	c, err := ReadConfig(ctx, dir, rev, filepath.Join(dir, "dbguard.yaml"))
	if err != nil || c.Env.Prefer != "env" {
		t.Fatalf("root: %v %+v", err, c)
	}
	c, err = ReadConfig(ctx, dir, rev, filepath.Join(dir, "linked", "dbguard.yaml"))
	if err != nil || !slices.Equal(c.Hook.Allow, []string{"x"}) {
		t.Fatalf("a link inside the repository is followed: %v %+v", err, c)
	}
	c, err = ReadConfig(ctx, dir, rev, filepath.Join(dir, "none", "dbguard.yaml"))
	if err != nil || c.Path != "" || c.Env.Prefer != config.PreferRefuse {
		t.Fatalf("no file in the base: the defaults, got %v %+v", err, c)
	}
	for _, bad := range []string{"out", "bad", "big", "folder"} {
		if _, err := ReadConfig(ctx, dir, rev, filepath.Join(dir, bad, "dbguard.yaml")); err == nil {
			t.Errorf("%s: read without an error", bad)
		}
	}
	if _, err := ReadConfig(ctx, dir, rev, filepath.Join(t.TempDir(), "dbguard.yaml")); !errors.Is(err, ErrOutside) {
		t.Errorf("a file outside the repository: %v", err)
	}
}

// TestResolve: GitLab's base commit by id, a revision that is not there,
// and one that git would read as an option.
func TestResolve(t *testing.T) {
	ctx := context.Background()
	dir, rev := repo(t, map[string]string{"dbguard.yaml": "version: 1\n"})
	b := Detect("", func(k string) string {
		return map[string]string{"CI_MERGE_REQUEST_DIFF_BASE_SHA": rev, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}[k]
	})
	if got, why := b.Resolve(ctx, dir); got != rev {
		t.Fatalf("DIFF_BASE_SHA: got %q (%s)", got, why)
	}
	if got, why := (&Base{Revs: []string{"origin/main", "--output=/tmp/x"}}).Resolve(ctx, dir); got != "" || !strings.Contains(why, "cannot start with -") {
		t.Fatalf("got %q (%s)", got, why)
	}
	if got, _ := (&Base{Revs: []string{mergeParent}}).Resolve(ctx, dir); got != "" {
		t.Fatalf("HEAD is no merge commit, got %q", got)
	}
}

func TestFetchCommandQuotes(t *testing.T) {
	if got := FetchCommand("main"); got != "git fetch --no-tags --depth=1 origin +refs/heads/main:refs/remotes/origin/main" {
		t.Fatal(got)
	}
	if got := FetchCommand("a'b $(x)"); got != `git fetch --no-tags --depth=1 origin '+refs/heads/a'\''b $(x):refs/remotes/origin/a'\''b $(x)'` {
		t.Fatal(got)
	}
}

// TestJudgeBaseUnreadable: a base whose dbguard.yaml does not parse (one
// an older dbguard accepted: shadow_url written as a URL) is judged as
// the defaults, said first, so the pull request that fixes it can pass;
// never the pull request's values.
func TestJudgeBaseUnreadable(t *testing.T) {
	ctx := context.Background()
	dir, rev := repo(t, map[string]string{"dbguard.yaml": "version: 1\nschema:\n  shadow_url: postgres://ops@shadow/x\n"})
	cfg, err := config.Parse(filepath.Join(dir, "dbguard.yaml"), []byte("version: 1\nenv:\n  prefer: files\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Root = dir
	changes, err := (&Base{Revs: []string{rev}, Source: "--base"}).Judge(ctx, dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || !strings.Contains(changes[0].Message(), "the base branch's dbguard.yaml could not be read") ||
		changes[1].Key != "env.prefer" || cfg.Env.Prefer != config.PreferRefuse {
		t.Fatalf("changes %+v, prefer %q", changes, cfg.Env.Prefer)
	}
	if strings.Contains(changes[0].Message(), "ops@shadow") {
		t.Errorf("the base's value is quoted: %s", changes[0].Message())
	}
}

// TestPrismaCandidate: what is copied of the base for its datasource:
// schemas anywhere, the config where Prisma runs and package.json there
// and above, never
// the migrations folder's files.
func TestPrismaCandidate(t *testing.T) {
	for rel, want := range map[string]bool{
		"prisma/schema.prisma":                      true,
		"db/models/user.prisma":                     true,
		"package.json":                              true,
		"prisma.config.ts":                          true,
		"prisma7.config.mjs":                        true,
		".config/prisma.ts":                         true,
		"prisma/migrations/0001_init/migration.sql": false,
		"prisma/migrations/migration_lock.toml":     false,
		"src/package.json":                          false,
		"src/prisma.ts":                             false,
	} {
		if got := prismaCandidate(rel, "."); got != want {
			t.Errorf("%s: %v, want %v", rel, got, want)
		}
	}
	// Prisma's CLI reads the nearest package.json up from where it runs:
	// the ones above it (before: only work's, and the base's datasource
	// was read from the default schema, not the one the top's names).
	if !prismaCandidate("apps/api/package.json", "apps/api") || !prismaCandidate("apps/package.json", "apps/api") || !prismaCandidate("package.json", "apps/api") {
		t.Error("a package.json at or above where Prisma runs is not read")
	}
	if prismaCandidate("apps/web/package.json", "apps/api") || prismaCandidate("apps/api/sub/package.json", "apps/api") || prismaCandidate("ap/package.json", "apps/api") {
		t.Error("a package.json beside or below where Prisma runs is read")
	}
}

// TestAttackBaseRunsNoRepositoryGit: npm run and npx put the repository's
// node_modules/.bin first on PATH, where a pull request can commit a "git".
// The hook's and the scan's git calls passed it over (internal/lookpath);
// the reads of the base's dbguard.yaml ran it, before the base was judged.
func TestAttackBaseRunsNoRepositoryGit(t *testing.T) {
	ctx := context.Background()
	dir, rev := repo(t, map[string]string{"dbguard.yaml": "version: 1\nenv:\n  prefer: env\n"})
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
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if p, err := exec.LookPath("git"); err != nil || p != filepath.Join(bin, "git") {
		t.Fatalf("PATH finds %s (%v), not the repository's git: this test proves nothing", p, err)
	}
	c, err := ReadConfig(ctx, dir, rev, filepath.Join(dir, "dbguard.yaml"))
	if err != nil || c.Env.Prefer != "env" {
		t.Fatalf("the base's file: %v %+v", err, c)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("reading the base's dbguard.yaml ran the repository's node_modules/.bin/git")
	}
	// Only the repository's git on PATH: an error, nothing run.
	t.Setenv("PATH", bin)
	if _, err := ReadConfig(ctx, dir, rev, filepath.Join(dir, "dbguard.yaml")); err == nil {
		t.Error("with only the repository's git on PATH, the base was read")
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("with only the repository's git on PATH, it ran")
	}
}
