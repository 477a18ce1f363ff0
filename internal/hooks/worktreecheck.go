package hooks

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// A repository's git configuration chooses the work tree git reads:
// core.worktree (in .git/config, which a repository copied with its .git
// brings, or a file it includes) names any folder, and core.bare = true
// names none. git grep, git diff and git ls-files then read the files of
// that folder, for the paths the index holds, and print them relative to
// the folder dbguard runs in: the credential scan of dbguard ci read
// /elsewhere/x/notes.py and reported it as ../x/notes.py, and what the
// project's own files hold went unread. checkWorkTree refuses that before
// the hook or the scan reads a file through git.

// WorkTreeError is a work tree git would read that is not the project's:
// the folder core.worktree or GIT_WORK_TREE names, or none (core.bare).
type WorkTreeError struct {
	Dir    string // the folder dbguard runs in
	Top    string // the work tree git reads ("" for none)
	GitDir string // the repository git found
	// Unset is the git config key the repository's .git/config sets
	// (core.worktree, core.bare), or "" when it is set elsewhere.
	Unset string
	// Env is GIT_WORK_TREE or GIT_DIR when the environment sets it.
	Env string
}

func (e *WorkTreeError) Error() string {
	if e.Top == "" {
		return fmt.Sprintf("git run in %s finds the repository %s with no work tree (core.bare is true in its configuration): dbguard reads no file through it",
			output.Escape(e.Dir), output.Escape(e.GitDir))
	}
	return fmt.Sprintf("git run in %s reads the work tree %s, which is not the folder whose .git is the repository %s (core.worktree or GIT_WORK_TREE names it): dbguard reads no file through it",
		output.Escape(e.Dir), output.Escape(e.Top), output.Escape(e.GitDir))
}

// ExitCode is 2: what dbguard should read cannot be told.
func (e *WorkTreeError) ExitCode() int { return exitcode.Usage }

// Hint is the command that gives git the project's work tree back.
func (e *WorkTreeError) Hint() string {
	switch {
	case e.Env != "":
		return "run dbguard without " + e.Env + " in the environment, from the project's folder: unset " + e.Env
	case e.Unset != "":
		return "the repository's git configuration sets " + e.Unset + " (a .git copied from elsewhere): remove it, then run dbguard again: git config --file " +
			output.ShellWord(output.Escape(filepath.Join(e.GitDir, "config"))) + " --unset " + e.Unset
	}
	key := "core.worktree"
	if e.Top == "" {
		key = "core.bare"
	}
	return "look at where git's configuration sets " + key + ", remove it, then run dbguard again: git config --show-origin --get-all " + key
}

// checkWorkTree refuses a work tree git would read that is not the
// project's (see workTree).
func (g Git) checkWorkTree(ctx context.Context) error {
	_, err := g.workTree(ctx)
	return err
}

// WorkTree is the top of the work tree git reads from dir, checked as the
// hook and the credential scan check it before they read a file through
// git: "" when dir is in no repository (or git fails: the reads that
// follow say so), a *WorkTreeError when that work tree is not the
// project's. The gate names its findings' files from it.
func WorkTree(ctx context.Context, dir string) (string, error) {
	return Git{Dir: dir}.workTree(ctx)
}

// workTree is the work tree git reads from g.Dir, refused when it is not
// the project's: the folder dbguard runs in must be inside the work tree
// git reports, and (unless GIT_DIR or GIT_WORK_TREE in the environment,
// the user's own choice, says otherwise) that work tree's .git must be
// the repository git found, as it is for a clone, a worktree or a
// submodule. One git rev-parse, which reads the configuration and no
// file, unless plainWorkTree answers without it.
func (g Git) workTree(ctx context.Context) (string, error) {
	if d := g.dotGit(); d.plainWorkTree() {
		return d.top, nil
	}
	cmd, err := g.command(ctx, "rev-parse", "--is-bare-repository", "--absolute-git-dir", "--show-toplevel")
	if err != nil {
		return "", err
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	runErr := cmd.Run()
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if len(lines) < 2 || lines[1] == "" {
		return "", nil // no repository, or git fails: the reads that follow say so
	}
	e := &WorkTreeError{Dir: g.Dir, GitDir: lines[1]}
	for _, v := range []string{"GIT_WORK_TREE", "GIT_DIR"} {
		if os.Getenv(v) != "" {
			e.Env = v
			break
		}
	}
	if runErr != nil || len(lines) != 3 || lines[2] == "" {
		if lines[0] != "true" {
			return "", nil // another failure: the reads that follow say it
		}
		e.Unset = g.ownKey(ctx, e.GitDir, "core.bare")
		return "", e
	}
	e.Top = lines[2]
	dir := g.Dir
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	if safefile.Within(e.Top, dir) && (e.Env != "" || OwnGitDir(e.Top, e.GitDir)) {
		return e.Top, nil
	}
	e.Unset = g.ownKey(ctx, e.GitDir, "core.worktree")
	return "", e
}

// ownKey is key when the repository's own config file (gitDir/config)
// sets it, else "".
func (g Git) ownKey(ctx context.Context, gitDir, key string) string {
	if _, err := g.run(ctx, nil, "config", "--file", filepath.Join(gitDir, "config"), "--get", key); err == nil {
		return key
	}
	return ""
}

// OwnGitDir says whether gitDir is top's .git: that folder itself, or
// the folder a .git file there names (a worktree's, a submodule's).
func OwnGitDir(top, gitDir string) bool {
	if top == "" || gitDir == "" {
		return false
	}
	want, err := os.Stat(gitDir)
	if err != nil {
		return false
	}
	dotgit := filepath.Join(top, ".git")
	fi, err := os.Lstat(dotgit)
	switch {
	case err != nil:
		return false
	case fi.IsDir():
		return os.SameFile(fi, want)
	case fi.Mode().IsRegular() && fi.Size() < 4096:
		data, err := os.ReadFile(dotgit)
		if err != nil {
			return false
		}
		to, ok := strings.CutPrefix(strings.TrimRight(string(data), "\r\n"), "gitdir: ")
		if !ok {
			return false
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(top, to)
		}
		got, err := os.Stat(to)
		return err == nil && os.SameFile(got, want)
	}
	return false
}

// plainWorkTree says, without starting git, that the work tree git finds
// from dir is the folder whose .git it finds: no GIT_* variable in the
// environment that moves the repository or its configuration, the
// nearest .git above dir a repository's folder, and its
// config (the one file git reads core.worktree and core.bare from, with
// config.worktree when extensions.worktreeConfig names it) with no line
// naming a worktree and none for bare but "bare = false". Anything else
// (a .git file, an include, a quoted value) is git's to answer: false. A
// git process costs about 1.5 ms of CPU, on every commit.
func plainWorkTree(dir string) bool {
	return findDotGit(dir).plainWorkTree()
}

// plainWorkTree is plainWorkTree with the .git found already.
func (d *dotGit) plainWorkTree() bool {
	for _, v := range []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_CEILING_DIRECTORIES",
		"GIT_DISCOVERY_ACROSS_FILESYSTEM", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_CONFIG"} {
		if _, ok := os.LookupEnv(v); ok {
			return false
		}
	}
	if d.dir == "" || d.configErr != nil {
		return false
	}
	for _, line := range strings.Split(strings.ToLower(string(d.config)), "\n") {
		line = strings.TrimSpace(line)
		if strings.Contains(line, "worktree") || strings.Contains(line, "bare") && line != "bare = false" {
			return false
		}
	}
	return true
}
