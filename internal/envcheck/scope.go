package envcheck

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/dbguard/dbguard/internal/envload"
)

// A scope is one service of a monorepo judged on its own (internal/services):
// Options.Scope names its folder below Root. Its env files and manifests are
// those below that folder (env.files, env.exclude and env.loaders are the
// service's, relative to its folder), plus those directly in each folder
// above it up to Root: python-dotenv's find_dotenv reads upward, and a
// manifest above says which loaders run. Processes start in the service's
// folders, never above it, so a file above counts only when a loader that
// starts inside reads it. Paths stay relative to Root, so every finding is
// named from the repository root.

// scopeDir is the folder the judgement starts in: the scope, else the root.
func scopeDir(scope string) string {
	if scope == "" {
		return "."
	}
	return path.Clean(filepath.ToSlash(scope))
}

// inScope reports whether dir (a slash folder relative to the root) is the
// scope or below it.
func inScope(scope, dir string) bool {
	s := scopeDir(scope)
	return s == "." || dir == s || strings.HasPrefix(dir, s+"/")
}

// scoped makes a path relative to the scope relative to the root.
func scoped(scope, rel string) string {
	s := scopeDir(scope)
	if s == "." {
		return rel
	}
	return path.Join(s, rel)
}

// ancestors are the folders above the scope, nearest first, ending at ".".
func ancestors(scope string) []string {
	var out []string
	s := scopeDir(scope)
	for s != "." {
		s = path.Dir(s)
		out = append(out, s)
	}
	return out
}

// discoverScope is discover for a scope: below it, as discover finds files
// below a root, and directly in the folders above it.
func discoverScope(ctx context.Context, o Options) ([]EnvFile, []string, []*UnreadableError, error) {
	s := scopeDir(o.Scope)
	files, manifests, unreadable, err := discover(ctx, o.walker(), filepath.Join(o.Root, filepath.FromSlash(s)), o.Mode, o.Files, o.Exclude)
	if err != nil {
		return nil, nil, nil, err
	}
	for i := range files {
		files[i].Path = scoped(s, files[i].Path)
	}
	for i := range manifests {
		manifests[i] = scoped(s, manifests[i])
	}
	for _, u := range unreadable {
		u.Path = scoped(s, u.Path)
	}
	if len(o.Files) == 0 {
		for _, d := range ancestors(s) {
			entries, err := os.ReadDir(filepath.Join(o.Root, filepath.FromSlash(d)))
			if err != nil {
				continue // above the service: nothing of it to judge
			}
			for _, e := range entries {
				rel := path.Join(d, e.Name())
				if !e.Type().IsRegular() {
					continue // a link above the service is not followed
				}
				if envload.IsManifest(e.Name()) {
					manifests = append(manifests, rel)
				} else if f, ok := classify(e.Name(), o.Mode); ok {
					f.Path = rel
					files = append(files, f)
				}
			}
		}
	}
	sortFiles(files)
	return files, manifests, unreadable, nil
}

// classifyScope is classifyAll for a scope: the contents below it (the
// service's exclude patterns read relative to its folder) and directly in
// the folders above it.
func classifyScope(contents map[string][]byte, o Options) ([]EnvFile, []string) {
	s := scopeDir(o.Scope)
	below := map[string][]byte{}
	var files []EnvFile
	var manifests []string
	above := map[string]bool{}
	for _, d := range ancestors(s) {
		above[d] = true
	}
	// The service's env.files outside its folder (../../shared/db.env),
	// named from the root: its env files too (planRuns reads them).
	outside := map[string]bool{}
	for _, f := range o.Files {
		if !filepath.IsAbs(f) {
			if p := path.Join(s, filepath.ToSlash(f)); !inScope(s, p) {
				outside[p] = true
			}
		}
	}
	for p, data := range contents {
		if rel, ok := strings.CutPrefix(p, s+"/"); ok {
			below[rel] = data
			continue
		}
		if outside[p] {
			if f, ok := classify(path.Base(p), o.Mode); ok {
				f.Path = p
				files = append(files, f)
			} else {
				files = append(files, EnvFile{Path: p, Status: InEffect})
			}
			continue
		}
		if !above[path.Dir(p)] || len(o.Files) > 0 {
			continue
		}
		if envload.IsManifest(path.Base(p)) {
			manifests = append(manifests, p)
		} else if f, ok := classify(path.Base(p), o.Mode); ok {
			f.Path = p
			files = append(files, f)
		}
	}
	bf, bm := classifyAll(below, o.Mode, o.Files, o.Exclude)
	for _, f := range bf {
		f.Path = scoped(s, f.Path)
		files = append(files, f)
	}
	for _, m := range bm {
		manifests = append(manifests, scoped(s, m))
	}
	sortFiles(files)
	return files, manifests
}

// SkippedDir reports whether env discovery skips folders of this name
// (version control, dependencies, virtualenvs, build output).
func SkippedDir(name string) bool { return skipDirs[name] }

// scopedFiles makes the files a hint hands to a command (schema diff)
// relative to the working directory when a service is judged: its files
// are named from the root, but the command may run in the service's
// folder, where they would not be found as named.
func (r *Report) scopedFiles(files []string) []string {
	if r.Scope == "" || len(files) == 0 {
		return files
	}
	wd, err := os.Getwd()
	if err != nil {
		return files
	}
	out := make([]string, len(files))
	for i, f := range files {
		rel, err := filepath.Rel(wd, filepath.Join(r.Root, filepath.FromSlash(f)))
		if err != nil {
			return files
		}
		out[i] = filepath.ToSlash(rel)
	}
	return out
}
