package hooks

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// Script is the pre-commit hook dbguard installs (hooks/pre-commit in the
// repository is the same file).
//
//go:embed pre-commit.sh
var Script []byte

// marker identifies a hook dbguard wrote.
const marker = "# dbguard pre-commit hook"

// chainedName is where an existing hook goes; the script runs it first.
const chainedName = "pre-commit.dbguard-chained"

// ManagerError means another hook manager owns the hooks directory: dbguard
// explains how to add itself there instead of overwriting it.
type ManagerError struct {
	Manager, Dir, How string
}

func (e *ManagerError) Error() string {
	return fmt.Sprintf("git hooks here are managed by %s (%s); not installing over it", e.Manager, e.Dir)
}

// Hint names the next step.
func (e *ManagerError) Hint() string { return e.How }

// lefthookConfigs are every file lefthook reads its configuration from, in
// the repository's top level: lefthook.yml and its siblings, their
// -local variants, with any of the four extensions lefthook parses (as
// lefthook 1.13's internal/config/load.go lists them).
var lefthookConfigs = func() []string {
	var names []string
	for _, ext := range []string{".yml", ".yaml", ".json", ".toml"} {
		for _, base := range []string{"lefthook", ".lefthook", ".config/lefthook", "lefthook-local", ".lefthook-local", ".config/lefthook-local"} {
			names = append(names, base+ext)
		}
	}
	return names
}()

// runsDbguard matches a line, not a comment, that runs the hook.
var runsDbguard = lazyre.New(`(?m)^[^#\n]*\bdbguard\s+hook\s+pre-commit\b`)

// manager is a hook manager that owns the repository's hooks: dbguard
// joins it rather than writing over what it installed.
type manager struct {
	Name    string
	File    string // the file where dbguard's line goes
	Shown   string // File as a person finds it: from the top level
	Present bool   // that file already runs dbguard hook pre-commit
	How     string // how to add dbguard
}

// hooksDir is the directory git really runs hooks from (core.hooksPath
// honoured), and the manager that owns it, if any.
func hooksDir(ctx context.Context, repo string) (string, *manager, error) {
	g := Git{Dir: repo}
	dir, err := g.Output(ctx, "rev-parse", "--git-path", "hooks")
	if err != nil {
		return "", nil, err
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(repo, dir)
	}
	top, err := g.Output(ctx, "rev-parse", "--show-toplevel")
	if err != nil {
		return "", nil, err
	}
	if err := hooksPathInside(ctx, g, repo, top, dir); err != nil {
		return "", nil, err
	}
	hooksPath, _ := g.Output(ctx, "config", "core.hooksPath")
	if strings.Contains(hooksPath, ".husky") {
		// husky 9 sets core.hooksPath to .husky/_ and runs .husky/pre-commit
		// from there; husky 4 to 8 ran .husky itself.
		userDir := strings.TrimSuffix(strings.TrimSuffix(filepath.ToSlash(hooksPath), "/"), "/_")
		if !filepath.IsAbs(userDir) {
			userDir = filepath.Join(top, userDir)
		}
		file := filepath.Join(userDir, "pre-commit")
		return dir, &manager{Name: "husky", File: file, Shown: output.RelTo(top, file), Present: mentions(file),
			How: "add a line to " + output.RelTo(top, file) + ": dbguard hook pre-commit"}, nil
	}
	for _, name := range lefthookConfigs {
		file := filepath.Join(top, filepath.FromSlash(name))
		if fileExists(file) {
			return dir, &manager{Name: "lefthook", File: file, Shown: name, Present: lefthookRuns(top),
				How: "add to " + name + " under pre-commit: commands: { dbguard: { run: dbguard hook pre-commit } }, then run: lefthook install"}, nil
		}
	}
	return dir, nil, nil
}

// HooksPathError is a core.hooksPath that the repository's own git config
// (.git/config, which an archive or a copied folder carries) sets to a
// folder outside the repository: dbguard writes nothing outside the
// project for a repository's word.
type HooksPathError struct {
	Dir    string // the folder git would run hooks from
	Origin string // the config file that sets it, as git names it; "" or .git/config
}

// fromConfig reports whether the setting is in .git/config itself, which
// git config --local changes (not a file it includes, nor a worktree's).
func (e *HooksPathError) fromConfig() bool {
	return e.Origin == "" || filepath.Clean(e.Origin) == filepath.Join(".git", "config")
}

func (e *HooksPathError) Error() string {
	where := ".git/config"
	if !e.fromConfig() {
		where = output.Escape(e.Origin)
	}
	return fmt.Sprintf("core.hooksPath in the repository's git config (%s) names %s, outside the repository; not installing there", where, output.Escape(e.Dir))
}

// Hint names the next step: the file that sets it, when .git/config
// only includes it (include.path), which --local would not change.
func (e *HooksPathError) Hint() string {
	if !e.fromConfig() {
		return "run: git config --file " + output.ShellWord(e.Origin) + " --unset core.hooksPath, then run: dbguard hook install"
	}
	return "run: git config --local --unset core.hooksPath, then run: dbguard hook install"
}

// hooksPathInside refuses a hooks folder outside the top level and the git
// folder when the repository's own config (local or worktree scope) puts
// it there; the user's global or system config, or -c, is the user's word.
func hooksPathInside(ctx context.Context, g Git, repo, top, dir string) error {
	scoped, err := g.Output(ctx, "config", "--show-scope", "--show-origin", "--get", "core.hooksPath")
	set := err == nil // else not set (exit 1): git's own folder, hooks
	scope, rest, _ := strings.Cut(scoped, "\t")
	if set && scope != "local" && scope != "worktree" {
		return nil
	}
	origin, _, _ := strings.Cut(rest, "\t")
	origin = strings.TrimPrefix(origin, "file:")
	common, err := g.Output(ctx, "rev-parse", "--git-common-dir")
	if err != nil {
		return err
	}
	if !filepath.IsAbs(common) {
		common = filepath.Join(repo, common)
	}
	for _, root := range []string{top, common} {
		if within(root, dir) {
			return nil
		}
	}
	if !set {
		// The git folder's hooks is a link out (a copied .git carries it).
		target, _ := filepath.EvalSymlinks(dir)
		return &HooksLinkError{Dir: output.RelTo(top, dir), Target: target}
	}
	return &HooksPathError{Dir: dir, Origin: origin}
}

// HooksLinkError is the git folder's hooks folder (no core.hooksPath set)
// that a symbolic link in the repository's .git takes outside the
// repository: as with core.hooksPath, dbguard writes nothing outside the
// project for a repository's word.
type HooksLinkError struct {
	Dir    string // the hooks folder, from the top level
	Target string // where the link leads
}

func (e *HooksLinkError) Error() string {
	return fmt.Sprintf("the hooks folder %s is a link to %s, outside the repository; not installing there", output.Escape(e.Dir), output.Escape(e.Target))
}

// Hint names the next step: the link goes, git's own folder is made.
func (e *HooksLinkError) Hint() string {
	return "run: rm " + output.ShellWord(e.Dir) + ", then run: dbguard hook install"
}

// within reports whether path is root or below it, links resolved as far
// as they exist (a hooks folder not created yet resolves through its
// parent): safefile.WithinResolved.
func within(root, path string) bool { return safefile.WithinResolved(root, path) }

// lefthookRuns reports whether any of lefthook's configuration files runs
// dbguard (the main file or a -local one: lefthook merges them).
func lefthookRuns(top string) bool {
	for _, name := range lefthookConfigs {
		if mentions(filepath.Join(top, filepath.FromSlash(name))) {
			return true
		}
	}
	return false
}

// mentions reads a repository's file (a hook manager's configuration)
// as safefile does: a FIFO there is not waited on.
//
// Up to 1 MiB: a sparse lefthook.yml of 1 GiB took 49 s and 2 GiB of
// memory; a larger one is no configuration of a person's.
func mentions(file string) bool {
	data, err := safefile.ReadFile(file, 1<<20)
	return err == nil && runsDbguard.Match(data)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Installed says what Install did.
type Installed struct {
	Path    string // the hook file dbguard wrote, or the manager's file that runs it
	Chained bool   // a foreign hook was kept, to run first
	Manager string // husky or lefthook when their configuration already runs dbguard
}

// Install writes the hook. A foreign hook already there is kept: renamed
// to pre-commit.dbguard-chained, which the script runs first. Installing
// again only refreshes the script. When husky or lefthook owns the hooks,
// it writes nothing: their configuration already running dbguard is the
// hook installed, else a ManagerError says how to add it.
func Install(ctx context.Context, repo string) (Installed, error) {
	dir, mgr, err := hooksDir(ctx, repo)
	if err != nil {
		return Installed{}, err
	}
	if mgr != nil {
		if mgr.Present {
			return Installed{Path: mgr.Shown, Manager: mgr.Name}, nil
		}
		return Installed{}, &ManagerError{Manager: mgr.Name, Dir: mgr.Shown, How: mgr.How}
	}
	path, chained, err := writeHook(dir)
	return Installed{Path: path, Chained: chained}, err
}

// maxHook is the largest pre-commit hook read: dbguard's script is a few
// KB, and a person's hook a page; a copied .git's sparse 1 GiB hook was
// read whole by install and uninstall.
const maxHook = 1 << 20

// readHook reads a pre-commit hook without waiting: a copied .git can
// hold a FIFO there, which a plain open waits on for a writer forever.
// One over maxHook is refused, exit 2, naming it.
func readHook(hook string) ([]byte, error) {
	data, err := safefile.ReadFile(hook, maxHook)
	if errors.Is(err, safefile.ErrNotRegular) {
		return nil, fmt.Errorf("%s is not a regular file; remove it, then run dbguard hook install again", output.Escape(hook))
	}
	var big *safefile.TooLargeError
	if errors.As(err, &big) {
		return nil, &exitcode.Advice{Code: exitcode.Usage,
			Msg:  fmt.Sprintf("%s is larger than %d MiB (%d bytes), which no pre-commit hook is; dbguard did not read it", output.Escape(hook), maxHook>>20, big.Size),
			Next: "move it away (mv " + output.ShellWord(hook) + " " + output.ShellWord(hook+".large") + "), then run dbguard hook install again"}
	}
	return data, err
}

// writeHook writes the script as dir/pre-commit, chaining a foreign hook.
func writeHook(dir string) (string, bool, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, err
	}
	hook := filepath.Join(dir, "pre-commit")
	chained := false
	existing, err := readHook(hook)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return "", false, err
	case !bytes.Contains(existing, []byte(marker)):
		dest := filepath.Join(dir, chainedName)
		if fileExists(dest) {
			return "", false, fmt.Errorf("%s and %s both exist; remove one by hand, then run dbguard hook install again", hook, dest)
		}
		if err := os.Rename(hook, dest); err != nil {
			return "", false, err
		}
		chained = true
	}
	// Not through a link: a hooks folder can be a committed one
	// (core.hooksPath), its pre-commit a link to any file.
	if err := output.WriteFile("", hook, Script, 0o755); err != nil {
		return "", false, err
	}
	return hook, chained, nil
}

// Uninstall removes dbguard's hook and puts back a hook it had chained. A
// pre-commit hook dbguard did not write is left alone; with none there,
// Uninstall says so (removed false), rather than claim a removal.
func Uninstall(ctx context.Context, repo string) (hook string, removed, restored bool, err error) {
	dir, _, err := hooksDir(ctx, repo)
	if err != nil {
		return "", false, false, err
	}
	hook = filepath.Join(dir, "pre-commit")
	existing, err := readHook(hook)
	if errors.Is(err, fs.ErrNotExist) {
		return hook, false, false, nil
	}
	if err != nil {
		return "", false, false, err
	}
	if !bytes.Contains(existing, []byte(marker)) {
		return "", false, false, fmt.Errorf("%s was not installed by dbguard; leaving it alone", output.FilePath(hook))
	}
	if err := os.Remove(hook); err != nil {
		return "", false, false, err
	}
	chained := filepath.Join(dir, chainedName)
	if fileExists(chained) {
		return hook, true, true, os.Rename(chained, hook)
	}
	return hook, true, false, nil
}
