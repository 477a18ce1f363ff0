// Package pullrequest tells when dbguard ci judges a pull request (a
// --base revision, or the CI system's variables) and reads the base
// revision's dbguard.yaml from git's object store, so that the gate takes
// the trust-bearing settings (config.TrustKeys) from the base branch
// rather than from the change under review.
//
// The base is read with git ls-tree and git cat-file: no checkout of the
// work tree, no hook, no filter or textconv (a repository's .gitattributes
// names none for cat-file blob), capped at config.MaxFileSize.
package pullrequest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	pathpkg "path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/hooks"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/lookpath"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/tool"
)

// Base is the revision a pull request is judged against.
type Base struct {
	// Revs are the revisions that stand for the base, in order of
	// preference: the first present in the repository is read.
	Revs []string
	// Branch is the base branch's name, for the fetch the hint names
	// ("" when only a revision is known).
	Branch string
	// Source says how the base was found, for messages: "--base",
	// "GitHub pull_request", "GitLab merge request".
	Source string
	// Merge is the merge commit GitHub made for a pull_request event
	// ($GITHUB_SHA): HEAD's first parent is the base only when HEAD is
	// it. A head the workflow checked out itself (ref: the pull request's
	// head sha) may be a merge of main into the branch, whose first
	// parent is the author's commit.
	Merge string
	// From is the folder dbguard ci found its configuration from (the
	// working folder, config.Find's walk), when it found it itself: the
	// base's configuration is then the file the same walk finds in the
	// base revision's tree, wherever the pull request's is. "" for a
	// file the user named (--config) or a service's, read at its own
	// path.
	From string

	// filters is the answer to filtersOff, asked once for every diff
	// the base's judging runs (see Base.gitDiff).
	filters struct {
		sync.Mutex
		asked bool
		off   []string
		err   error
	}
	// names is what the added lines' diffs ask of git once
	// (Base.diffNames).
	names struct {
		sync.Mutex
		last *addedNames
	}
}

// Detect is the pull request dbguard ci judges, or nil for a push build:
// flag (--base) wins; else GitHub Actions' pull_request and
// pull_request_target events (GITHUB_BASE_REF: origin/BRANCH, else on
// pull_request HEAD's first parent when HEAD is GITHUB_SHA, the merge
// commit actions/checkout checks out, and on pull_request_target
// GITHUB_SHA, the base's tip);
// else a GitLab merge request pipeline (CI_MERGE_REQUEST_DIFF_BASE_SHA,
// else origin/CI_MERGE_REQUEST_TARGET_BRANCH_NAME). getenv reads the
// process environment (the CI system's, never an env file's).
func Detect(flag string, getenv func(string) string) *Base {
	if flag != "" {
		b := &Base{Revs: []string{flag}, Source: "--base"}
		if rest, ok := strings.CutPrefix(flag, "origin/"); ok {
			b.Branch = rest
		}
		return b
	}
	switch ev := getenv("GITHUB_EVENT_NAME"); ev {
	case "pull_request", "pull_request_target":
		if ref := getenv("GITHUB_BASE_REF"); ref != "" {
			b := &Base{Revs: []string{"origin/" + ref}, Branch: ref, Source: "GitHub " + ev}
			sha := getenv("GITHUB_SHA")
			switch {
			case sha == "":
			case ev == "pull_request":
				// GITHUB_SHA is refs/pull/N/merge, whose first parent is
				// the base when HEAD is that commit.
				b.Revs, b.Merge = append(b.Revs, mergeParent), sha
			default:
				// pull_request_target: GITHUB_SHA is the base branch's
				// last commit, the base itself.
				b.Revs = append(b.Revs, sha)
			}
			return b
		}
	}
	branch := getenv("CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
	sha := getenv("CI_MERGE_REQUEST_DIFF_BASE_SHA")
	if sha == "" && branch == "" {
		return nil
	}
	b := &Base{Branch: branch, Source: "GitLab merge request"}
	if sha != "" {
		b.Revs = append(b.Revs, sha)
	}
	if branch != "" {
		b.Revs = append(b.Revs, "origin/"+branch)
	}
	return b
}

// mergeParent stands for HEAD's first parent when HEAD is a merge commit
// (actions/checkout checks out refs/pull/N/merge, whose first parent is
// the base branch's tip).
const mergeParent = "HEAD^1 (merge)"

// BaseError is a pull request whose base revision cannot be read (a
// shallow clone): the gate cannot tell which trust-bearing settings the
// pull request set, changed or deleted, and stops (exit 2) rather than
// trust the pull request's values. Changes are the settings the pull
// request's file sets (none: it sets none, and a base that set a
// stricter value may be what it deleted).
type BaseError struct {
	Base    *Base
	Changes []config.TrustChange
	Why     string
	// File is the pull request's configuration file ("" when it has
	// none), where the error is when Changes is empty.
	File string
	// Partial: the base's commit is here but its files are not (a
	// partial clone, --filter=blob:none), and dbguard's git reads fetch
	// nothing (hooks.NoTransport); the fetch must bring the blobs.
	Partial bool
}

func (e *BaseError) Error() string {
	var keys []string
	for _, c := range e.Changes {
		keys = append(keys, c.Key)
	}
	at, file, line := "", e.File, 0
	if len(e.Changes) > 0 && e.Changes[0].File != "" {
		file, line = e.Changes[0].File, e.Changes[0].Line
	}
	if file != "" {
		at = output.FilePath(file)
		if line > 0 {
			at += ":" + strconv.Itoa(line)
		}
		at += ": "
	}
	what := "this pull request sets " + strings.Join(keys, ", ") + ", which ci takes from the base branch"
	if len(keys) == 0 {
		// A pull request that deletes a base's stricter setting looks
		// like one that never set it: only the base tells them apart.
		what = "ci takes the trust-bearing settings of a pull request from the base branch (a pull request that deletes one would be judged with the default)"
	}
	return fmt.Sprintf("%s%s (%s), and the base revision %s cannot be read: %s",
		at, what, e.Base.Source, strings.Join(e.Base.shown(), " or "), e.Why)
}

// ExitCode is 2: the gate could not be configured.
func (e *BaseError) ExitCode() int { return exitcode.Usage }

// Hint is the fetch that makes the base readable.
func (e *BaseError) Hint() string {
	fetch := "git fetch --no-tags --depth=1 origin "
	if e.Partial {
		// A commit already here is not fetched again without --refetch,
		// and the clone's filter would leave its blobs out again.
		fetch = "git fetch --refetch --no-filter --no-tags --depth=1 origin "
	}
	if e.Base.Branch != "" {
		return "fetch the base branch, then run the same dbguard ci command again: " + fetch + branchRefspec(e.Base.Branch)
	}
	if len(e.Base.Revs) == 1 && fullCommitID.MatchString(e.Base.Revs[0]) {
		// --base SHA: GitHub and GitLab serve a commit by its id.
		return "fetch the base revision, then run the same dbguard ci command again: " + fetch + e.Base.Revs[0]
	}
	return "fetch the base revision (for --base origin/BRANCH: " + fetch + branchRefspec("BRANCH") + "), then run the same dbguard ci command again"
}

// fullCommitID is a whole commit id (SHA-1 or SHA-256), which git fetch
// takes in place of a ref.
var fullCommitID = lazyre.New(`^(?:[0-9a-f]{40}|[0-9a-f]{64})$`)

// FetchCommand is the command that makes origin/BRANCH readable in a
// shallow clone: one commit, no tags, into the remote-tracking ref
// whatever the clone's refspec (a single-branch clone's fetches only its
// own branch there).
func FetchCommand(branch string) string {
	return "git fetch --no-tags --depth=1 origin " + branchRefspec(branch)
}

// branchRefspec is the refspec that fetches branch into origin/branch,
// quoted for a shell.
func branchRefspec(branch string) string {
	return output.ShellWord(output.Escape("+refs/heads/" + branch + ":refs/remotes/origin/" + branch))
}

func (b *Base) shown() []string {
	var out []string
	for _, r := range b.Revs {
		out = append(out, output.Escape(r))
	}
	return out
}

// Resolve is the first of b's revisions present in the git repository
// at repo, as a commit id; "" and why when none is.
func (b *Base) Resolve(ctx context.Context, repo string) (string, string) {
	id, _, why, err := b.resolve(ctx, repo)
	if err != nil {
		return "", err.Error()
	}
	return id, why
}

// resolve is Resolve, with the repository's top folder when the same git
// call said it ("" otherwise): one process fewer for ReadConfig. err is
// a *RepoError: the git directory git found is not the top folder's.
func (b *Base) resolve(ctx context.Context, repo string) (id, top, reason string, err error) {
	var why []string
	for _, rev := range b.Revs {
		if rev == mergeParent {
			top, err := checkRepo(ctx, repo)
			if err != nil {
				return "", "", "", err
			}
			id, merr := mergeBase(ctx, repo, b.Merge)
			if merr != nil {
				why = append(why, merr.Error())
				continue
			}
			return id, top, "", nil
		}
		if strings.HasPrefix(rev, "-") {
			why = append(why, "a revision cannot start with -")
			continue
		}
		// origin/BRANCH is the remote-tracking branch, by its full name:
		// git's own order reads refs/tags/origin/BRANCH and
		// refs/heads/origin/BRANCH first, a tag or branch anyone who can
		// push one names so (TestAttackRefNamedLikeRemote).
		name := rev
		if strings.HasPrefix(rev, "origin/") {
			name = "refs/remotes/" + rev
		} else {
			n, bad := branchRef(ctx, repo, rev)
			if bad != "" {
				why = append(why, bad)
				continue
			}
			name = n
		}
		// The top folder and the git directory first: rev-parse prints
		// them before it verifies.
		out, gerr := gitIn(ctx, repo, "rev-parse", "--show-toplevel", "--absolute-git-dir", "--verify", "--quiet", "--end-of-options", name+"^{commit}")
		if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); gerr == nil && len(lines) == 3 && lines[2] != "" {
			if err := ownGitDir(repo, lines[0], lines[1]); err != nil {
				return "", "", "", err
			}
			return lines[2], lines[0], "", nil
		}
		why = append(why, output.Escape(rev)+" is not in this clone (a shallow checkout holds only the pull request's commit)")
	}
	return "", "", strings.Join(why, "; "), nil
}

// branchRef is the ref a --base revision stands for: a bare branch name
// (main, or main~1) is refs/remotes/origin/NAME when the clone has it,
// else refs/heads/NAME, never a tag: git's own order reads
// refs/tags/NAME first, and anyone who can push a tag can name one main
// (TestAttackBareBaseNameTag). refs/..., a commit id, HEAD and what no
// branch or tag is named are git's to read as they are; a name only a
// tag has is refused (bad says why): refs/tags/NAME means the tag.
func branchRef(ctx context.Context, repo, rev string) (name, bad string) {
	head, tail := rev, ""
	if i := strings.IndexAny(rev, "~^"); i >= 0 {
		head, tail = rev[:i], rev[i:]
	}
	if head == "" || head == "HEAD" || strings.HasPrefix(head, "refs/") || fullCommitID.MatchString(head) || !refName.MatchString(head) {
		return rev, ""
	}
	remote, branch, tag := "refs/remotes/origin/"+head, "refs/heads/"+head, "refs/tags/"+head
	out, err := gitIn(ctx, repo, "for-each-ref", "--format=%(refname)", remote, branch, tag)
	if err != nil {
		return rev, "" // the rev-parse that follows says what is wrong
	}
	have := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		have[l] = true // for-each-ref matches below a name too: exact ones only
	}
	switch {
	case have[remote]:
		return remote + tail, ""
	case have[branch]:
		return branch + tail, ""
	case have[tag]:
		return "", output.Escape(head) + " is a tag here, not a branch (write refs/tags/" + output.Escape(head) + " to judge against the tag)"
	}
	return rev, ""
}

// refName is what a branch's name may hold that --base names bare.
var refName = lazyre.New(`^[A-Za-z0-9._/-]+$`)

// checkRepo is the top folder of the repository git finds at repo, when
// its git directory is that folder's .git.
func checkRepo(ctx context.Context, repo string) (string, error) {
	out, err := gitIn(ctx, repo, "rev-parse", "--show-toplevel", "--absolute-git-dir")
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err != nil || len(lines) != 2 {
		return "", nil // no repository: the base reads say so
	}
	if err := ownGitDir(repo, lines[0], lines[1]); err != nil {
		return "", err
	}
	return lines[0], nil
}

// RepoError is a git directory that is not the work tree's: a folder of
// the tree holding a git directory's files (HEAD, objects/, refs/, a
// config naming core.worktree), which a pull request can commit. Git
// 2.38 and later take no such folder for a repository under
// safe.bareRepository=explicit; older git ignores the setting, and ci
// would read the author's refs as the base branch.
type RepoError struct {
	Dir, Top, GitDir string
}

func (e *RepoError) Error() string {
	return fmt.Sprintf("git run in %s finds the repository %s, which is not the .git of its top folder %s: a folder holding a git directory's files (a pull request can commit them; git older than 2.38 ignores safe.bareRepository); ci reads no base from it",
		output.Escape(e.Dir), output.Escape(e.GitDir), output.Escape(e.Top))
}

// ExitCode is 2: the gate could not be configured.
func (e *RepoError) ExitCode() int { return exitcode.Usage }

// Hint is what makes git find the real repository.
func (e *RepoError) Hint() string {
	return "run dbguard ci with git 2.38 or later, or from the repository's top folder, and look at what the pull request commits in " + output.Escape(e.GitDir)
}

// ownGitDir checks that gitDir, the git directory rev-parse reports for
// repo, is top's .git (hooks.OwnGitDir).
func ownGitDir(repo, top, gitDir string) error {
	if hooks.OwnGitDir(top, gitDir) {
		return nil
	}
	return &RepoError{Dir: repo, Top: top, GitDir: gitDir}
}

// mergeBase is HEAD's first parent when HEAD is merge, the merge commit
// GitHub made, and its parent is present.
func mergeBase(ctx context.Context, repo, merge string) (string, error) {
	out, err := gitIn(ctx, repo, "rev-list", "--parents", "-n", "1", "HEAD")
	if err != nil {
		return "", errors.New("no HEAD")
	}
	f := strings.Fields(string(out))
	if len(f) > 0 && (merge == "" || !strings.EqualFold(f[0], merge)) {
		return "", errors.New("HEAD is not the merge commit GitHub made for the pull request ($GITHUB_SHA)")
	}
	if len(f) < 3 {
		return "", errors.New("HEAD is no merge commit, or its parents are not in this clone")
	}
	if _, err := gitIn(ctx, repo, "cat-file", "-e", f[1]+"^{commit}"); err != nil {
		return "", errors.New("HEAD's first parent is not in this clone")
	}
	return f[1], nil
}

// ErrOutside is a configuration file outside the git repository: one
// the user named (--config), whose word dbguard ci takes as given.
var ErrOutside = errors.New("outside the git repository")

// ReadConfig reads the configuration at path (absolute, inside the git
// repository at repo) as the commit rev has it: the defaults when rev has
// no file there. A link in rev is followed inside the repository (at
// most 8 of them); a file larger than config.MaxFileSize, a folder, or a
// link that leads out is an error. A path outside the repository is
// ErrOutside.
func ReadConfig(ctx context.Context, repo, rev, path string) (*config.Config, error) {
	top, err := gitIn(ctx, repo, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("not a git repository: %w", err)
	}
	return readConfig(ctx, strings.TrimRight(string(top), "\n"), rev, path)
}

// readConfig is ReadConfig in the repository whose top folder is root.
func readConfig(ctx context.Context, root, rev, path string) (*config.Config, error) {
	rel, err := filepath.Rel(root, path)
	if err != nil || !filepath.IsLocal(rel) {
		// The root as git reports it has its links resolved.
		if real, rerr := filepath.EvalSymlinks(filepath.Dir(path)); rerr == nil {
			rel, err = filepath.Rel(root, filepath.Join(real, filepath.Base(path)))
		}
		if err != nil || !filepath.IsLocal(rel) {
			return nil, ErrOutside
		}
	}
	rel = filepath.ToSlash(rel)
	for hops := 0; ; hops++ {
		out, err := gitIn(ctx, root, "--literal-pathspecs", "ls-tree", "-z", "-l", "--full-tree", rev, "--", rel)
		if err != nil {
			return nil, fmt.Errorf("git ls-tree %s: %w", rev, err)
		}
		entry := strings.TrimSuffix(string(out), "\x00")
		if entry == "" {
			return config.Default(filepath.Dir(path)), nil
		}
		meta, name, ok := strings.Cut(entry, "\t")
		f := strings.Fields(meta)
		if !ok || name != rel || len(f) != 4 {
			return nil, fmt.Errorf("git ls-tree %s: unexpected answer for %s", rev, output.Escape(rel))
		}
		switch f[0] {
		case "100644", "100755":
		case "120000":
			// A link: its target, relative to its folder, inside the
			// repository.
			target, err := gitIn(ctx, root, "cat-file", "blob", f[2])
			if err != nil {
				return nil, fmt.Errorf("git cat-file %s: %w", f[2], err)
			}
			next := filepath.ToSlash(filepath.Join(filepath.Dir(rel), string(target)))
			if hops >= 8 || filepath.IsAbs(string(target)) || !filepath.IsLocal(next) {
				return nil, fmt.Errorf("%s in the base revision is a symbolic link that leads out of the repository, or one of too many", output.Escape(rel))
			}
			// A folder on the way may be a link too (conf -> shared):
			// git ls-tree follows none, and the file was "not in the
			// base", the defaults, where the checkout reads it.
			if rel, err = throughFolderLinks(ctx, root, rev, next, &hops); err != nil {
				return nil, err
			}
			continue
		default:
			return nil, fmt.Errorf("%s in the base revision is no regular file (mode %s)", output.Escape(rel), f[0])
		}
		size, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil || size > config.MaxFileSize {
			return nil, fmt.Errorf("%s in the base revision is larger than %d bytes", output.Escape(rel), config.MaxFileSize)
		}
		data, err := gitIn(ctx, root, "cat-file", "blob", f[2])
		if err != nil {
			return nil, fmt.Errorf("git cat-file %s: %w", f[2], err)
		}
		c, err := config.Parse(path, data)
		if err != nil {
			return nil, fmt.Errorf("the base revision's %s: %w", output.Escape(rel), err)
		}
		c.Root = filepath.Dir(path)
		return c, nil
	}
}

// throughFolderLinks is p (slashed, from the top) with each folder on
// its way that is a symbolic link in rev replaced by where it leads, as
// the file system follows it; a link that leads out of the repository,
// or more than 8 of them in all (hops), is an error.
func throughFolderLinks(ctx context.Context, root, rev, p string, hops *int) (string, error) {
	parts := strings.Split(p, "/")
	for i := 0; i < len(parts)-1; i++ {
		dir := strings.Join(parts[:i+1], "/")
		out, err := gitIn(ctx, root, "--literal-pathspecs", "ls-tree", "-z", "--full-tree", rev, "--", dir)
		if err != nil {
			return "", fmt.Errorf("git ls-tree %s: %w", rev, err)
		}
		meta, name, ok := strings.Cut(strings.TrimSuffix(string(out), "\x00"), "\t")
		f := strings.Fields(meta)
		if !ok || name != dir || len(f) != 3 || f[0] != "120000" {
			continue // a folder, or nothing: ls-tree says so next
		}
		target, err := gitIn(ctx, root, "cat-file", "blob", f[2])
		if err != nil {
			return "", fmt.Errorf("git cat-file %s: %w", f[2], err)
		}
		*hops++
		next := pathpkg.Join(pathpkg.Dir(dir), string(target))
		if *hops > 8 || pathpkg.IsAbs(string(target)) || filepath.IsAbs(string(target)) || !filepath.IsLocal(filepath.FromSlash(next)) {
			return "", fmt.Errorf("%s in the base revision is a symbolic link that leads out of the repository, or one of too many", output.Escape(dir))
		}
		rest := parts[i+1:]
		if parts = nil; next != "." {
			parts = strings.Split(next, "/")
		}
		parts = append(parts, rest...)
		i = -1 // again from the top: the target may hold links too
	}
	return strings.Join(parts, "/"), nil
}

// gitSafety is what every git call starts with (gitInput says why); a
// test takes safe.bareRepository out to stand for git older than 2.38,
// which ignores it.
//
// --no-optional-locks and core.hooksPath=/dev/null: git diff against the
// work tree refreshes the index's stat information where the times are
// not the index's and writes the index back, which runs the
// post-index-change hook (.git/hooks, or the folder core.hooksPath
// names), a command a repository copied with its .git brings
// (ci_attack_pr_index_hook.txtar). Without the optional lock git writes
// no index, and no hook is found anyway.
var gitSafety = append([]string{"--no-optional-locks", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "safe.bareRepository=explicit"}, hooks.NoTransport...)

// gitIn runs git in dir and returns its stdout; its stderr is the error.
func gitIn(ctx context.Context, dir string, args ...string) ([]byte, error) {
	return gitInput(ctx, dir, "", args...)
}

// gitInput is gitIn with stdin.
func gitInput(ctx context.Context, dir, stdin string, args ...string) ([]byte, error) {
	// No command git's configuration names (internal/hooks' rule): these
	// reads start none, and core.fsmonitor=false keeps it so.
	// safe.bareRepository=explicit: a folder holding a git directory's
	// files (HEAD, config, objects/, refs/), which a pull request can
	// commit, is no repository to git here, so its refs cannot stand for
	// the base branch (TestAttackEmbeddedBareRepoBase).
	// The git on PATH outside the repository (internal/lookpath): npm run
	// and npx put the repository's node_modules/.bin first, where a pull
	// request can commit a git of its own (TestAttackBaseRunsNoRepositoryGit).
	gitBin, err := lookpath.Outside("git", dir)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, gitBin, append(append(slices.Clone(gitSafety), "-C", dir), args...)...)
	// Git's messages in English, whatever the job's locale: Judge tells a
	// partial clone's missing base by the "promisor remote" in them.
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return nil, err
		}
		return nil, errors.New(output.Clip(output.Escape(msg), 200))
	}
	return out, nil
}

// Judge applies the base to cfg, a pull request's configuration loaded
// from the work tree: the trust-bearing settings come from the base
// revision's file at the same path, and the changes are returned for the
// gate to report. A base that cannot be read is a *BaseError whatever
// cfg sets: the defaults are the safe values only against a base that
// uses them, and a pull request that deletes the base's
// migrations.table: app_versions would be judged on schema_migrations
// (ci_attack_pr_deleted_setting.txtar).
func (b *Base) Judge(ctx context.Context, repo string, cfg *config.Config) ([]config.TrustChange, error) {
	rev, top, why, err := b.resolve(ctx, repo)
	if err != nil {
		return nil, err
	}
	if rev == "" {
		set := cfg.Untrusted()
		if cfg.Adopted() {
			// The Prisma files name the variables judged: the base's
			// are needed as much as for url_var.
			// At the schema's line that names them: dbguard.yaml names
			// none, and a project may have no dbguard.yaml at all.
			ch := config.TrustChange{Key: "the Prisma datasource's variables", File: cfg.Path}
			if _, _, file, line, err := tool.DatasourceVars(cfg.Root, cfg.Workdir()); err == nil && file != "" {
				ch.File, ch.Line = filepath.Join(cfg.Root, filepath.FromSlash(file)), line
			}
			set = append(set, ch)
		}
		return nil, &BaseError{Base: b, Changes: set, Why: why, File: cfg.Path}
	}
	path := cfg.Path
	if path == "" {
		// No file in the pull request: what it would be, at the root.
		path = filepath.Join(cfg.Root, config.FileName)
	}
	if !filepath.IsAbs(path) {
		var err error
		if path, err = filepath.Abs(path); err != nil {
			return nil, err
		}
	}
	if top == "" {
		t, err := gitIn(ctx, repo, "rev-parse", "--show-toplevel")
		if err != nil {
			return nil, fmt.Errorf("not a git repository: %w", err)
		}
		top = strings.TrimRight(string(t), "\n")
	}
	// The base's file is the one that configured the same folder: a pull
	// request that renames its file's folder, deletes the working
	// folder's file (so the walk goes on up) or adds one below the
	// base's would else be judged against a path where the base has no
	// file, with the defaults (ci_attack_pr_config_moved.txtar,
	// ci_attack_pr_service_renamed.txtar).
	basePath, moved, err := b.baseFile(ctx, top, rev, path, cfg.Path)
	if err != nil {
		return nil, err
	}
	base, err := readConfig(ctx, top, rev, basePath)
	if errors.Is(err, ErrOutside) {
		return nil, nil // --config FILE outside the repository: the user's
	}
	partial := func() error {
		return &BaseError{Base: b, Changes: cfg.Untrusted(), File: cfg.Path, Partial: true,
			Why: "its files are not in this partial clone (a --filter clone), and dbguard's git reads fetch nothing"}
	}
	if err != nil && missingBlob(err.Error()) {
		// A partial clone without the base's blobs: git would fetch them
		// with the transport, proxy and credentials the repository's
		// configuration names, which dbguard's reads forbid. Like a
		// shallow clone without the base, it stops, with the fetch.
		return nil, partial()
	}
	if err != nil {
		// A base whose file does not read (one an older dbguard accepted,
		// a link out, over the cap): the defaults, the safe values, so
		// that the pull request that fixes it can pass; said first.
		changes := cfg.TrustFrom(config.Default(cfg.Root))
		note := config.TrustChange{Key: config.FileName, File: cfg.Path,
			Note: "the base branch's " + config.FileName + " could not be read (" + output.Clip(err.Error(), 300) + "); ci judges this pull request with the defaults of every trust-bearing setting"}
		return append(append(moved, note), changes...), adopt(cfg)
	}
	changes := append(moved, cfg.TrustFrom(base)...)
	// Before adopt: the tool decides whether a Prisma schema's variables
	// are judged.
	// The base's detection and Prisma files missing from a partial
	// clone stop it too (a base with no dbguard.yaml needs no blob for
	// it): judged as unreadable, ci took the pull request's own tool and
	// passed what the base's would fail (ci_attack_pr_detected_tool.txtar
	// reopened; TestAttackPartialCloneBaseDetection).
	ch, missing := judgeTool(ctx, top, rev, cfg, base)
	if missing {
		return nil, partial()
	}
	if ch != nil {
		changes = append(changes, *ch)
	}
	written, urlGiven := cfg.Database, cfg.URLVarGiven
	written.DirectURLVars = slices.Clone(written.DirectURLVars)
	if err := adopt(cfg); err != nil {
		return nil, err
	}
	ch, err = prismaChange(ctx, top, rev, cfg, written, urlGiven)
	if errors.Is(err, errMissingBlob) {
		return nil, partial()
	}
	if err != nil {
		return nil, err
	}
	if ch != nil {
		changes = append(changes, *ch)
	}
	return changes, nil
}

// missingBlob says whether git's error is a partial clone's missing
// object, which dbguard's reads never fetch (hooks.NoTransport).
func missingBlob(msg string) bool { return strings.Contains(msg, "promisor remote") }

// errMissingBlob is a base file a read needs that a partial clone lacks.
var errMissingBlob = errors.New("a base file is not in this partial clone")

// adopt makes cfg judge the variables its Prisma schema names again, as
// loading did before the base's settings replaced them
// (tool.AdoptURLVars): with the base's url_var, which the schema may
// contradict (a configuration error, as on a push build).
func adopt(cfg *config.Config) error {
	return tool.AdoptURLVars(cfg)
}

// baseFile is the base revision's dbguard.yaml that configured what the
// pull request's file at path (mine: "" when the pull request has none
// and path is where it would be) configures, with the warning when it is
// not the file at path: the file the pull request renamed to path (git
// diff's rename detection, as for a removed service), else, when ci
// found its configuration from b.From, the file the same walk finds in
// the base's tree; else path itself, whether the base has it or not.
func (b *Base) baseFile(ctx context.Context, top, rev, path, mine string) (string, []config.TrustChange, error) {
	dir, ok := projectIn(top, filepath.Dir(path))
	if !ok {
		return path, nil, nil // a file the user named outside the repository
	}
	rel := pathpkg.Join(dir, filepath.Base(path))
	from, chain, walk := b.walk(top, rel)
	ask := walk
	if !slices.Contains(walk, rel) {
		ask = append(slices.Clone(walk), rel)
	}
	have, err := inTree(ctx, top, rev, ask)
	if err != nil {
		return "", nil, err
	}
	via := map[string]string{} // a walk's path found through a link: the link
	if len(chain) > 0 && !have[walk[0]] {
		if walk, via, err = linkedWalk(ctx, top, rev, from, chain, walk, have); err != nil {
			return "", nil, err
		}
	}
	if !have[rel] {
		// A link the pull request adds to the folder (linkedWalk) says
		// where it was; else the folder its files came from.
		if file, change, err := b.renamed(ctx, top, rev, rel, mine, len(via) == 0); err != nil || file != "" {
			return file, change, err
		}
	}
	if b.From == "" {
		if have[rel] {
			return path, nil, nil
		}
		return nearestFile(ctx, top, rev, path, rel, mine)
	}
	return walkedFile(top, path, rel, mine, from, walk, via, have)
}

// nearestFile is the base's file for rel, a file the base has not and
// that is no move of one (a service's folder the pull request adds, or
// copies from another service's): the base's dbguard.yaml nearest to
// it, in its folder or the folders above, as config.Find would have
// found for that folder in the base; path (the defaults) when the base
// has none. Not the file git pairs it with as a copy: that pairing is
// the pull request's to choose, and a copy of a service whose file
// exempts its folder (hook.allow: ["**"]) would bring the exemption to
// new code (ci_pr_service_copied.txtar).
func nearestFile(ctx context.Context, top, rev, path, rel, mine string) (string, []config.TrustChange, error) {
	var up []string
	for d := pathpkg.Dir(rel); ; d = pathpkg.Dir(d) {
		if p := pathpkg.Join(d, config.FileName); p != rel {
			up = append(up, p)
		}
		if d == "." || d == "/" {
			break
		}
	}
	if len(up) == 0 {
		return path, nil, nil // the top's own file: nothing above it
	}
	have, err := inTree(ctx, top, rev, up)
	if err != nil {
		return "", nil, err
	}
	for _, p := range up {
		if !have[p] {
			continue
		}
		where := mine
		if where == "" {
			where = path
		}
		return filepath.Join(top, filepath.FromSlash(p)), []config.TrustChange{{Key: config.FileName, File: where,
			Note: fmt.Sprintf("the base branch has no %s (this pull request adds it); ci judges it with the trust-bearing settings of the base branch's %s, the nearest to %s/, until it is merged",
				output.Escape(rel), output.Escape(p), output.Escape(pathpkg.Dir(rel)))}}, nil
	}
	return path, nil, nil
}

// walk is the base's files config.Find's walk from b.From would read, in
// order (from: b.From from the top, chain: it and its parents up to the
// top), or only rel when ci did not find its configuration itself (or
// b.From is outside the repository).
func (b *Base) walk(top, rel string) (from string, chain, walk []string) {
	if b.From == "" {
		return "", nil, []string{rel}
	}
	from, ok := projectIn(top, b.From)
	if !ok {
		return "", nil, []string{rel}
	}
	for d := from; ; d = pathpkg.Dir(d) {
		chain = append(chain, d)
		if d == "." || d == "/" {
			break
		}
	}
	for _, d := range chain {
		walk = append(walk, pathpkg.Join(d, config.FileName))
	}
	return from, chain, walk
}

// linkedWalk is the walk when the folder ci runs in (from) has no file in
// the base. Reached through a link the pull request adds (backend ->
// other, with backend/dbguard.yaml moved to other/ and rewritten past
// git's rename detection), it may be where the job's working-directory
// named it (ci_attack_pr_config_link.txtar). The walk: the folder's own
// chain down to the links' targets (a file the base has there configured
// the folder itself), then each link's chain up to the link, then the
// folders above (aliasWalk); have gains what the base has of it. Only
// asked here: when the base has the folder's own file, that file wins.
func linkedWalk(ctx context.Context, top, rev, from string, chain, walk []string, have map[string]bool) ([]string, map[string]string, error) {
	via := map[string]string{}
	aliases, err := linkedTo(ctx, top, rev, from)
	if err != nil {
		return nil, nil, err
	}
	if len(aliases) > 0 {
		// Only a move: the folder ci runs in is not in the base, and the
		// link stands where the base had a folder (the job's
		// working-directory). A link to a folder the base has changes
		// nothing: the job may have named that folder, and a link made
		// where another project's folder was would else pull in that
		// project's file.
		paths := []string{from}
		for _, a := range aliases {
			paths = append(paths, a.link)
		}
		was, err := inTree(ctx, top, rev, paths)
		if err != nil {
			return nil, nil, err
		}
		if was[from] {
			aliases = nil
		}
		aliases = slices.DeleteFunc(aliases, func(a alias) bool { return !was[a.link] })
	}
	if len(aliases) == 0 {
		return walk, via, nil
	}
	walk, via = aliasWalk(chain, aliases)
	more, err := inTree(ctx, top, rev, walk)
	if err != nil {
		return nil, nil, err
	}
	for p := range more {
		have[p] = true
	}
	return walk, via, nil
}

// renamed is the base's file that configured what the pull request's new
// file rel configures, with its warning; "" when rel is no move of one.
// First, when folders, the folder: a base folder whose files the pull
// request moved into rel's folder (dir/X is new and D/X gone, whatever
// their contents) and that has a dbguard.yaml. When two such folders lost
// files of dir's names, the one dir has a file of unchanged (the same
// blob, as git mv leaves it) that no other of them had is it: a service
// moved while another with files of the same names is deleted
// (ci_pr_move_and_delete_service.txtar). Two that each have such a file,
// or none, or one that git's pairing of rel names another of them, stop
// ci (MovesError). Else the file git's
// rename detection pairs with rel. The folder comes first because the
// file's pairing is the pull request's to choose: an exact copy of the
// base's api/dbguard.yaml added in decoy/ is what git pairs api's file
// with, and api2/, where the pull request moved api/ and weakened its
// file, was judged with the defaults (ci_attack_pr_rename_decoy.txtar).
func (b *Base) renamed(ctx context.Context, top, rev, rel, mine string, folders bool) (string, []config.TrustChange, error) {
	paired, err := b.renamedTo(ctx, top, rev, rel)
	if err != nil {
		return "", nil, err
	}
	var pairs []rename
	if folders {
		if pairs, err = b.renames(ctx, top, rev); err != nil {
			return "", nil, err
		}
	}
	at := func(p string) string { return filepath.Join(top, filepath.FromSlash(p)) }
	dir := pathpkg.Dir(rel)
	from := map[string]bool{}     // the base folders files moved from
	gone := map[string][]rename{} // the base's files the work tree has not, by name
	for _, r := range pairs {
		if r.from != "" {
			gone[pathpkg.Base(r.from)] = append(gone[pathpkg.Base(r.from)], r)
		}
	}
	same := map[string][]string{} // a file of dir: the base folders that had it unchanged
	// A file of dir the base has not, and a file of the base the work
	// tree has not, at the same path below their folders, whatever their
	// contents: git's pairing by content is the pull request's to choose
	// (exact copies of all of api/'s files in decoy/ take every pairing,
	// and api2/ keeps none).
	for _, r := range pairs {
		if r.to == "" {
			continue
		}
		x, ok := strings.CutPrefix(r.to, dir+"/")
		if dir == "." {
			x, ok = r.to, true
		}
		if !ok || x == config.FileName {
			continue // the file itself: git's pairing, or the walk's
		}
		for _, g := range gone[pathpkg.Base(x)] {
			d := ""
			switch p := g.from; {
			case p == x:
				d = "."
			case strings.HasSuffix(p, "/"+x):
				d = strings.TrimSuffix(p, "/"+x)
			default:
				continue
			}
			from[d] = true
			if r.id != "" && r.id == g.id {
				same[r.to] = append(same[r.to], d)
			}
		}
	}
	delete(from, dir)
	var moved []string
	if len(from) > 0 {
		var files []string
		for d := range from {
			files = append(files, pathpkg.Join(d, config.FileName))
		}
		sort.Strings(files)
		have, err := inTree(ctx, top, rev, files)
		if err != nil {
			return "", nil, err
		}
		for _, f := range files {
			if have[f] {
				moved = append(moved, f)
			}
		}
	}
	all := moved // before the unchanged files single one out
	if len(moved) > 1 {
		moved = unchangedFrom(moved, same)
		if len(moved) == 1 && paired != moved[0] && slices.Contains(all, paired) {
			// git pairs rel with the other folder's file: a folder whose
			// files were all edited but one copied unchanged from a
			// deleted service is no move of that service's.
			moved = []string{moved[0], paired}
		}
	}
	switch {
	case len(moved) > 1:
		return "", nil, &MovesError{Dir: dir, Files: [2]string{moved[0], moved[1]}}
	case len(moved) == 1 && moved[0] != paired:
		f := moved[0]
		return at(f), []config.TrustChange{{Key: config.FileName, File: mine,
			Note: fmt.Sprintf("this pull request moves the files of %s/ to %s/; ci judges %s with the trust-bearing settings of the base branch's %s until it is merged",
				output.Escape(pathpkg.Dir(f)), output.Escape(dir), output.Escape(rel), output.Escape(f))}}, nil
	case paired != "":
		// The other base folders whose files came here too are said: a
		// pull request that moves api/ to api2/, edits its files and
		// makes api2/dbguard.yaml the deleted worker/'s, read from
		// api2/, said only "renames worker/dbguard.yaml".
		also := ""
		for _, f := range all {
			if f != paired {
				also += ", " + output.Escape(pathpkg.Dir(f)) + "/"
			}
		}
		if also != "" {
			also = " (it also moves files of " + also[2:] + " there)"
		}
		return at(paired), []config.TrustChange{{Key: config.FileName, File: mine,
			Note: fmt.Sprintf("this pull request renames %s to %s%s; ci judges with the trust-bearing settings of the base branch's %s until it is merged",
				output.Escape(paired), output.Escape(rel), also, output.Escape(paired))}}, nil
	}
	return "", nil, nil
}

// unchangedFrom narrows moved (the base's dbguard.yaml files of the
// folders that lost files of dir's names) to the folders a file of dir
// is unchanged from, and from no other of them: same is, for each file
// of dir, the folders whose file of its name had its blob. moved as it
// is when no file singles one out. A file of the pull request's can make
// a folder one of them only by being that folder's file byte for byte.
func unchangedFrom(moved []string, same map[string][]string) []string {
	of := map[string]bool{}
	for _, f := range moved {
		of[pathpkg.Dir(f)] = true
	}
	kept := map[string]bool{}
	for _, ds := range same {
		var in []string
		for _, d := range ds {
			if of[d] && !slices.Contains(in, d) {
				in = append(in, d)
			}
		}
		if len(in) == 1 {
			kept[in[0]] = true
		}
	}
	if len(kept) == 0 {
		return moved
	}
	var out []string
	for _, f := range moved {
		if kept[pathpkg.Dir(f)] {
			out = append(out, f)
		}
	}
	return out
}

// MovesError is a new dbguard.yaml in a folder the pull request moved the
// files of two base folders into, each with its own dbguard.yaml: which
// one configured it cannot be told (exit 2).
type MovesError struct {
	Dir   string
	Files [2]string
}

func (e *MovesError) Error() string {
	return fmt.Sprintf("this pull request moves files of two folders into %s/, and the base branch has %s and %s: ci cannot tell which configured %s/",
		output.Escape(e.Dir), output.Escape(e.Files[0]), output.Escape(e.Files[1]), output.Escape(e.Dir))
}

// ExitCode is 2: the gate could not be configured.
func (e *MovesError) ExitCode() int { return exitcode.Usage }

// Hint is what makes the base's file one.
func (e *MovesError) Hint() string {
	return "move the files of one base folder into " + output.Escape(e.Dir) + "/ in this pull request and the others in a pull request of their own, then run dbguard ci again"
}

// walkedFile is the first file of the walk the base has, with the warning
// when it is not the pull request's own (rel, at path); path when the
// base has none.
func walkedFile(top, path, rel, mine, from string, walk []string, via map[string]string, have map[string]bool) (string, []config.TrustChange, error) {
	at := func(p string) string { return filepath.Join(top, filepath.FromSlash(p)) }
	for _, p := range walk {
		if !have[p] {
			continue
		}
		if p == rel {
			return path, nil, nil
		}
		now, where := "no "+config.FileName+" (the defaults)", mine
		if mine != "" {
			now = output.Escape(rel)
		} else {
			where = at(p) // the file the pull request deletes, not the gate's .env
		}
		runs := output.Escape(from) + "/"
		if link, ok := via[p]; ok {
			for _, q := range walk {
				if other, ok := via[q]; ok && other != link && have[q] {
					return "", nil, &LinksError{Dir: from, Links: [2]string{link, other}, Files: [2]string{p, q}}
				}
			}
			runs += ", which this pull request's link " + output.Escape(link) + " leads to"
		}
		return at(p), []config.TrustChange{{Key: config.FileName, File: where,
			Note: fmt.Sprintf("this pull request moves the configuration ci judges with from %s to %s (ci runs in %s); ci judges with the trust-bearing settings of the base branch's %s until it is merged",
				output.Escape(p), now, runs, output.Escape(p))}}, nil
	}
	return path, nil, nil
}

// aliasWalk is the walk for the folder whose chain (it, its parents, up
// to the top) is chain, with the names aliases give it (baseFile says in
// which order), and for each path found through a link, the link.
func aliasWalk(chain []string, aliases []alias) ([]string, map[string]string) {
	var walk []string
	via := map[string]string{}
	upTo := 0 // the chain's part at and below every link's target
	for _, a := range aliases {
		if i := slices.Index(chain, a.to); i > upTo {
			upTo = i
		}
	}
	add := func(d, link string) {
		p := pathpkg.Join(d, config.FileName)
		if !slices.Contains(walk, p) {
			walk = append(walk, p)
			if link != "" {
				via[p] = link
			}
		}
	}
	for _, d := range chain[:upTo+1] {
		add(d, "")
	}
	for _, a := range aliases {
		for d := a.path; ; d = pathpkg.Dir(d) {
			add(d, a.link)
			if d == a.link || d == "." {
				break
			}
		}
	}
	for _, d := range chain[upTo+1:] {
		add(d, "")
	}
	for _, a := range aliases {
		for d := pathpkg.Dir(a.link); ; d = pathpkg.Dir(d) {
			add(d, "")
			if d == "." {
				break
			}
		}
	}
	return walk, via
}

// LinksError is two links a pull request adds, where the base had
// folders with a dbguard.yaml each, both leading to the folder ci runs in,
// which the pull request moved: which of the base's files configured the
// job's folder cannot be told, and the order of the names would choose.
type LinksError struct {
	Dir   string
	Links [2]string
	Files [2]string
}

func (e *LinksError) Error() string {
	return fmt.Sprintf("this pull request's links %s and %s both lead to %s/, where ci runs, and the base branch has %s and %s: ci cannot tell which configured the job's folder",
		output.Escape(e.Links[0]), output.Escape(e.Links[1]), output.Escape(e.Dir), output.Escape(e.Files[0]), output.Escape(e.Files[1]))
}

// ExitCode is 2: the gate could not be configured.
func (e *LinksError) ExitCode() int { return exitcode.Usage }

// Hint is what makes the base's file one.
func (e *LinksError) Hint() string {
	return "keep one link to the moved folder in the pull request (or run dbguard ci with --config naming the file to judge with), then run it again"
}

// alias is the folder ci runs in as a link the pull request adds names
// it: path, below link, which leads to the folder to.
type alias struct{ link, to, path string }

// linkedTo is each name the folder from (slashed, from the top) has
// through a symbolic link the pull request adds (in HEAD's tree, not
// rev's) that leads, inside the repository, to from or a folder above
// it. A tree-to-tree diff: no work tree file is read through git.
func linkedTo(ctx context.Context, top, rev, from string) ([]alias, error) {
	out, err := gitIn(ctx, top, "diff-tree", "-r", "-z", "--no-renames", "--diff-filter=A", "--end-of-options", rev, "HEAD", "--")
	if err != nil {
		return nil, fmt.Errorf("git diff-tree %s HEAD: %w", output.Escape(rev), err)
	}
	var found []alias
	f := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	for i := 0; i+1 < len(f); i += 2 {
		meta, name := strings.Fields(f[i]), f[i+1]
		if len(meta) < 2 || meta[1] != "120000" {
			continue
		}
		// Where it leads on the disk, through every link on the way
		// (backend -> x, x -> other), inside the repository only.
		real, err := filepath.EvalSymlinks(filepath.Join(top, filepath.FromSlash(name)))
		if err != nil {
			continue
		}
		to, err := filepath.Rel(top, real)
		if err != nil || to != "." && !filepath.IsLocal(to) {
			continue
		}
		to = filepath.ToSlash(to)
		switch {
		case from == to:
			found = append(found, alias{name, to, name})
		case to == ".":
			found = append(found, alias{name, to, pathpkg.Join(name, from)})
		case strings.HasPrefix(from, to+"/"):
			found = append(found, alias{name, to, name + from[len(to):]})
		}
	}
	return found, nil
}

// inTree says which of paths (slashed, from the top) the tree of rev
// has: one git ls-tree for them all.
func inTree(ctx context.Context, top, rev string, paths []string) (map[string]bool, error) {
	out, err := gitIn(ctx, top, append([]string{"--literal-pathspecs", "ls-tree", "-z", "--name-only", "--full-tree", rev, "--"}, paths...)...)
	if err != nil {
		return nil, fmt.Errorf("git ls-tree %s: %w", output.Escape(rev), err)
	}
	have := map[string]bool{}
	for _, name := range strings.Split(string(out), "\x00") {
		have[name] = true
	}
	return have, nil
}

// rename is a file of the base (from) the work tree has not, or one of
// the work tree (to) the base has not (slashed paths from the top), with
// its blob id ("" when git does not say: a work tree file that is not
// the index's).
type rename struct{ from, to, id string }

// renames are the base's files the work tree has not and the work tree's
// files the base has not, each its own entry: git diff --no-renames, so
// that neither git's pairing by content (the pull request's to choose)
// nor diff.renameLimit (past it, git pairs only exact copies; the
// configuration's to raise, at a cost that grows with the square of the
// files) says what moved. A folder moved (services/api to services/api2)
// with its files, edited or not, is its files gone and added.
func (b *Base) renames(ctx context.Context, top, rev string) ([]rename, error) {
	// --raw: ":MODE MODE SRC DST STATUS\0PATH\0", the ids whole.
	out, err := b.gitDiff(ctx, top, "--no-ext-diff", "--no-textconv", "--no-relative",
		"--raw", "--no-abbrev", "-z", "--no-renames", "--diff-filter=AD", "--end-of-options", rev, "--")
	if err != nil {
		return nil, err
	}
	var rs []rename
	f := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	for i := 0; i+1 < len(f); i += 2 {
		meta := strings.Fields(f[i])
		if len(meta) != 5 {
			return nil, fmt.Errorf("git diff --raw: unexpected %q", f[i])
		}
		switch meta[4] {
		case "A":
			rs = append(rs, rename{"", f[i+1], realID(meta[3])})
		case "D":
			rs = append(rs, rename{f[i+1], "", realID(meta[2])})
		default:
			return nil, fmt.Errorf("git diff --raw: unexpected %q", f[i])
		}
	}
	return rs, nil
}

// realID is id, "" when it is git's all-zero id (no id told).
func realID(id string) string {
	if strings.Trim(id, "0") == "" {
		return ""
	}
	return id
}

// renamedTo is the dbguard.yaml of rev that the work tree has renamed to
// rel (slashed, from the top), as git diff's rename detection pairs
// them among the dbguard.yaml files alone, under git's default
// diff.renameLimit whatever the configuration says (a large pull request
// stays under it): a folder moved with its file, edited or not; "" when
// rel is no rename of one.
func (b *Base) renamedTo(ctx context.Context, top, rev, rel string) (string, error) {
	out, err := b.gitDiff(ctx, top, "--no-ext-diff", "--no-textconv", "--no-relative",
		"--name-status", "-z", "-M", "--diff-filter=R", "--end-of-options", rev, "--", ":(glob)**/"+config.FileName)
	if err != nil {
		return "", err
	}
	f := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	for i := 0; i+2 < len(f); i += 3 {
		if strings.HasPrefix(f[i], "R") && f[i+2] == rel && pathpkg.Base(f[i+1]) == config.FileName {
			return f[i+1], nil
		}
	}
	return "", nil
}
