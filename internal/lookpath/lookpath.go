// Package lookpath finds the programs dbguard runs by name (git,
// pg_config, initdb) on PATH outside the repository it judges. A PATH can
// hold a repository's folders without the user naming them: npm run and
// npx put every node_modules/.bin from the package up to the workspace's
// root first, and a virtual environment's bin may be committed. dbguard
// runs on pull requests and fresh clones, so a program found there would
// be the repository's, run by dbguard.
package lookpath

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
)

// Outside is exec.LookPath for name, passing over every PATH entry that
// is inside one of the projects, the git work tree around one, or the
// working folder (RepositoryFolders), and every relative entry (the
// working folder's, which Go's LookPath refuses too): the first such
// program outside them. The error says when the only ones are inside.
func Outside(name string, projects ...string) (string, error) {
	inside := RepositoryFolders(projects)
	skipped := ""
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		st, err := os.Stat(p)
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			continue
		}
		if Within(p, inside) {
			if skipped == "" {
				skipped = p
			}
			continue
		}
		return p, nil
	}
	if skipped != "" {
		return "", &InsideError{Name: name, Path: skipped}
	}
	return "", fmt.Errorf("%s: %w", name, errNotFound)
}

var errNotFound = errors.New("executable file not found in $PATH")

// InsideError is a program found on PATH only inside the repository.
type InsideError struct{ Name, Path string }

func (e *InsideError) Error() string {
	return fmt.Sprintf("%s is on PATH only inside the repository (%s), and dbguard does not run the repository's programs", e.Name, output.Escape(e.Path))
}

// ExitCode is 2: the environment must change.
func (e *InsideError) ExitCode() int { return exitcode.Usage }

// Hint names the fix.
func (e *InsideError) Hint() string {
	return "install " + e.Name + " on this machine (outside the repository), then run the command again"
}

// RepositoryFolders are the folders Outside keeps PATH's programs out of:
// each project, the git work tree around it (the nearest folder above
// holding .git), and the working folder, each with its links resolved.
func RepositoryFolders(projects []string) []string {
	var out []string
	add := func(d string) {
		if abs, err := filepath.Abs(d); err == nil {
			out = append(out, abs)
			if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
				out = append(out, real)
			}
		}
	}
	for _, p := range projects {
		if p == "" {
			continue
		}
		add(p)
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		for d := abs; ; {
			if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
				add(d)
				break
			}
			up := filepath.Dir(d)
			if up == d {
				break
			}
			d = up
		}
	}
	if len(out) > 0 {
		if wd, err := os.Getwd(); err == nil {
			add(wd)
		}
	}
	return out
}

// Within reports whether the program at path, or the file it leads to,
// is inside one of the folders.
func Within(path string, folders []string) bool {
	paths := []string{path}
	if abs, err := filepath.Abs(path); err == nil {
		paths = append(paths, abs)
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		paths = append(paths, real)
	}
	for _, p := range paths {
		for _, f := range folders {
			if rel, err := filepath.Rel(f, p); err == nil && filepath.IsLocal(rel) {
				return true
			}
		}
	}
	return false
}
