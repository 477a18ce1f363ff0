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
	// GitFile is the work tree's .git when it is a file naming a
	// repository that does not name the work tree back (see namesBack).
	GitFile string
}

func (e *WorkTreeError) Error() string {
	if e.Top == "" {
		return fmt.Sprintf("git run in %s finds the repository %s with no work tree (core.bare is true in its configuration): dbguard reads no file through it",
			shownPath(e.Dir), shownPath(e.GitDir))
	}
	if e.GitFile != "" {
		return fmt.Sprintf("git run in %s reads the work tree %s through its .git file, whose repository %s does not name that folder as its work tree: dbguard reads no file through it",
			shownPath(e.Dir), shownPath(e.Top), shownPath(e.GitDir))
	}
	return fmt.Sprintf("git run in %s reads the work tree %s, which is not the folder whose .git is the repository %s (core.worktree or GIT_WORK_TREE names it): dbguard reads no file through it",
		shownPath(e.Dir), shownPath(e.Top), shownPath(e.GitDir))
}

// Where is the planted .git file, where a report files the error ("" when
// the configuration or the environment chose the work tree: no file of
// the project's is to blame).
func (e *WorkTreeError) Where() string { return e.GitFile }

// ExitCode is 2: what dbguard should read cannot be told.
func (e *WorkTreeError) ExitCode() int { return exitcode.Usage }

// Hint is the command that gives git the project's work tree back.
func (e *WorkTreeError) Hint() string {
	switch {
	case e.Env != "":
		return "run dbguard without " + e.Env + " in the environment, from the project's folder: unset " + e.Env
	case e.GitFile != "":
		return "the file " + shownPath(e.GitFile) + " names the repository " + shownPath(e.GitDir) +
			", which does not name this folder as its work tree (a worktree's or a submodule's would; a copied tree can bring such a file): remove it, then run dbguard again: rm " +
			output.ShellWord(shownPath(e.GitFile))
	case e.Unset != "":
		return "the repository's git configuration sets " + e.Unset + " (a .git copied from elsewhere): remove it, then run dbguard again: git config --file " +
			output.ShellWord(shownPath(filepath.Join(e.GitDir, "config"))) + " --unset " + e.Unset
	}
	key := "core.worktree"
	if e.Top == "" {
		key = "core.bare"
	}
	return "look at where git's configuration sets " + key + ", remove it, then run dbguard again: git config --show-origin --get-all " + key
}

// shownPath is an absolute path as a message shows it to the person who
// ran dbguard: relative to the working directory when it is inside a
// repository above it (a planted sub/.git's "../.git" is the enclosing
// repository's, beyond the planted file that output.FilePath stops at),
// else as it is (a folder core.worktree names elsewhere), escaped. git
// reports folders with their links resolved, so the working directory
// is tried by its real name too.
func shownPath(p string) string {
	return output.Escape(relToWork(p))
}

func relToWork(p string) string {
	if !filepath.IsAbs(p) {
		return p
	}
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	bases := []string{wd}
	if real, err := filepath.EvalSymlinks(wd); err == nil && real != wd {
		bases = append(bases, real)
	}
	for _, base := range bases {
		for top := base; ; {
			if _, err := os.Lstat(filepath.Join(top, ".git")); err == nil && safefile.Within(top, p) {
				if rel, err := filepath.Rel(base, p); err == nil {
					return rel
				}
			}
			up := filepath.Dir(top)
			if up == top {
				break
			}
			top = up
		}
	}
	return p
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
	// The work tree's .git file is to blame only when the folder dbguard
	// runs in is inside that work tree: git found the file walking up.
	// A work tree elsewhere (core.worktree naming a real worktree, whose
	// .git is a file too) was chosen by the configuration, and removing
	// its .git would cut that worktree off its repository.
	if f := filepath.Join(e.Top, ".git"); e.Env == "" && safefile.Within(e.Top, dir) {
		if st, err := os.Lstat(f); err == nil && st.Mode().IsRegular() {
			e.GitFile = f
			return "", e
		}
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
		if err != nil || !os.SameFile(got, want) || committable(to, top) {
			return false
		}
		return namesBack(to, top) || separateGitDir(to, top)
	}
	return false
}

// committable says whether gitDir is a folder a commit could have put
// there: inside top, or inside the work tree of the nearest folder above
// top holding a .git, by a path with no ".git" in it (git refuses that
// name in a tree, in any case). A repository a pull request commits
// (proj/fake) can write whatever names top back; the repositories git
// makes for a submodule (proj/.git/modules/mod) or a worktree
// (proj/.git/worktrees/wt) are below a .git, or outside both.
func committable(gitDir, top string) bool {
	real := func(p string) string {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return r
		}
		return filepath.Clean(p)
	}
	gitDir, top = real(gitDir), real(top)
	roots := []string{top}
	for d := filepath.Dir(top); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			roots = append(roots, d)
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	for _, root := range roots {
		rel, err := filepath.Rel(root, gitDir)
		if err != nil || !filepath.IsLocal(rel) {
			continue
		}
		for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
			if strings.EqualFold(part, ".git") {
				return false
			}
		}
		return true
	}
	return false
}

// separateGitDir says whether gitDir is a repository made for top with
// git clone --separate-git-dir or git init --separate-git-dir: top's
// .git file names it and it names nothing back (no gitdir file, no
// core.worktree). It is no other folder's .git (a sibling's "../.git",
// another checkout's "../../other/.git", through a link or not), and
// committable has ruled out a folder of the project's own tree.
func separateGitDir(gitDir, top string) bool {
	// By its real name: a link the project holds (lnk -> .git) is the
	// folder it leads to.
	real, err := filepath.EvalSymlinks(gitDir)
	if err != nil || strings.EqualFold(filepath.Base(real), ".git") {
		return false
	}
	gitDir = real
	if _, err := os.Lstat(filepath.Join(gitDir, "gitdir")); err == nil {
		return false
	}
	data, err := safefile.ReadFile(filepath.Join(gitDir, "config"), maxGitConfig)
	return err == nil && coreWorktree(data) == ""
}

// namesBack says whether the repository gitDir, which top's .git file
// names, names top back as its work tree, as git writes a worktree's
// (gitDir/gitdir: the path of top's .git file) and a submodule's
// (core.worktree in gitDir/config: top). A .git file is no file a clone
// or a pull request brings (git refuses the name in a tree), but a copied
// tree, an archive or a build context can hold one: "gitdir: ../.git" in
// a subfolder made ci there read the parent's index against the
// subfolder, and "gitdir: ../fake" a repository committed in the project
// (its index, its objects for the base's settings, its configuration).
func namesBack(gitDir, top string) bool {
	self, err := os.Stat(top)
	if err != nil {
		return false
	}
	same := func(p string) bool {
		if p == "" {
			return false
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(gitDir, p)
		}
		st, err := os.Stat(p)
		return err == nil && os.SameFile(st, self)
	}
	if data, err := safefile.ReadFile(filepath.Join(gitDir, "gitdir"), 4096); err == nil {
		if p := strings.TrimRight(string(data), "\r\n"); p != "" {
			if !filepath.IsAbs(p) {
				p = filepath.Join(gitDir, p)
			}
			if same(filepath.Dir(p)) && filepath.Base(p) == ".git" {
				return true
			}
		}
	}
	data, err := safefile.ReadFile(filepath.Join(gitDir, "config"), maxGitConfig)
	return err == nil && same(coreWorktree(data))
}

// coreWorktree is core.worktree as git writes it in a submodule's config
// (a [core] section's "worktree = PATH", the last one, PATH plain or in
// double quotes without escapes); "" for none or any other form, which
// then names nothing back.
func coreWorktree(config []byte) string {
	var value string
	core := false
	for _, line := range strings.Split(string(config), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			core = strings.EqualFold(line, "[core]")
			continue
		}
		key, v, ok := strings.Cut(line, "=")
		if !core || !ok || !strings.EqualFold(strings.TrimSpace(key), "worktree") {
			continue
		}
		v = strings.TrimSpace(v)
		if uq, ok := strings.CutPrefix(v, `"`); ok {
			if uq, ok = strings.CutSuffix(uq, `"`); !ok || strings.ContainsAny(uq, `"\`) {
				return ""
			}
			v = uq
		} else if strings.ContainsAny(v, `"\;#`) {
			return ""
		}
		value = v
	}
	return value
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
