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

// hooksDir is the directory git really runs hooks from (core.hooksPath
// honoured), and the manager that owns it, if any.
func hooksDir(ctx context.Context, repo string) (string, *ManagerError, error) {
	g := Git{Dir: repo}
	dir, err := g.Output(ctx, "rev-parse", "--git-path", "hooks")
	if err != nil {
		return "", nil, err
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(repo, dir)
	}
	hooksPath, _ := g.Output(ctx, "config", "core.hooksPath")
	switch {
	case strings.Contains(hooksPath, ".husky"):
		return dir, &ManagerError{Manager: "husky", Dir: hooksPath,
			How: "add a line to .husky/pre-commit: dbguard hook pre-commit"}, nil
	case fileExists(filepath.Join(repo, "lefthook.yml")) || fileExists(filepath.Join(repo, ".lefthook.yml")):
		return dir, &ManagerError{Manager: "lefthook", Dir: "lefthook.yml",
			How: "add to lefthook.yml under pre-commit: commands: { dbguard: { run: dbguard hook pre-commit } }, then run: lefthook install"}, nil
	}
	return dir, nil, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Install writes the hook. A foreign hook already there is kept: renamed
// to pre-commit.dbguard-chained, which the script runs first. Installing
// again only refreshes the script. It returns the hook's path and whether
// a foreign hook was chained.
func Install(ctx context.Context, repo string) (string, bool, error) {
	dir, mgr, err := hooksDir(ctx, repo)
	if err != nil {
		return "", false, err
	}
	if mgr != nil {
		return "", false, mgr
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, err
	}
	hook := filepath.Join(dir, "pre-commit")
	chained := false
	existing, err := os.ReadFile(hook)
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
	if err := os.WriteFile(hook, Script, 0o755); err != nil {
		return "", false, err
	}
	return hook, chained, os.Chmod(hook, 0o755)
}

// Uninstall removes dbguard's hook and puts back a hook it had chained. A
// pre-commit hook dbguard did not write is left alone.
func Uninstall(ctx context.Context, repo string) (string, bool, error) {
	dir, _, err := hooksDir(ctx, repo)
	if err != nil {
		return "", false, err
	}
	hook := filepath.Join(dir, "pre-commit")
	existing, err := os.ReadFile(hook)
	if errors.Is(err, fs.ErrNotExist) {
		return hook, false, nil
	}
	if err != nil {
		return "", false, err
	}
	if !bytes.Contains(existing, []byte(marker)) {
		return "", false, fmt.Errorf("%s was not installed by dbguard; leaving it alone", hook)
	}
	if err := os.Remove(hook); err != nil {
		return "", false, err
	}
	chained := filepath.Join(dir, chainedName)
	if fileExists(chained) {
		return hook, true, os.Rename(chained, hook)
	}
	return hook, false, nil
}
