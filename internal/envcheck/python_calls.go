package envcheck

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/envload"
)

// Bounds on the Python code read for load_dotenv calls.
const (
	maxPyFiles    = 5000
	maxPyFileSize = 1 << 20
)

// pyManifests are the manifests that make a folder a Python project.
func pyManifest(name string) bool {
	return name == "pyproject.toml" || name == "Pipfile" || name == "setup.cfg" ||
		strings.HasPrefix(name, "requirements") && strings.HasSuffix(name, ".txt")
}

// pythonCallRuns finds the load_dotenv calls in the Python code of the
// projects whose manifest names python-dotenv, and returns one run per
// call: started in the manifest's folder (where the app is started from),
// the call's file deciding where find_dotenv searches. Where calls are
// found they replace the manifest's assumption (load_dotenv() called from
// the manifest's folder); where none are, it stays. A call dbguard cannot
// read (a path computed at run time) is a warning.
func (r *Report) pythonCallRuns(ctx context.Context, o Options, manifests map[string][]string, runs []run) []run {
	if o.Contents != nil {
		return runs // the hook: only staged env files and manifests
	}
	var roots []string
	for d, names := range manifests {
		if slices.Contains(names, "python-dotenv") {
			roots = append(roots, d)
		}
	}
	if len(roots) == 0 {
		return runs
	}
	slices.SortFunc(roots, func(a, b string) int { return depth(a) - depth(b) })
	var outer []string
	for _, d := range roots {
		if !slices.ContainsFunc(outer, func(o string) bool { return o == "." || strings.HasPrefix(d+"/", o+"/") }) {
			outer = append(outer, d)
		}
	}
	var calls []*envload.PyCall
	seen := 0
	for _, top := range outer {
		base := filepath.Join(o.Root, filepath.FromSlash(top))
		err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if d != nil && d.IsDir() && p != base {
					return filepath.SkipDir
				}
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			rel, _ := filepath.Rel(o.Root, p)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if p != base && (skipDirs[d.Name()] || isVirtualenv(p) || excluded(o.Exclude, rel)) {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(d.Name(), ".py") || !d.Type().IsRegular() || excluded(o.Exclude, rel) {
				return nil
			}
			if seen++; seen > maxPyFiles {
				r.warn("load-dotenv", where(top), fmt.Sprintf("more than %d Python files: the load_dotenv calls of the rest are not read", maxPyFiles))
				return fs.SkipAll
			}
			if info, err := d.Info(); err != nil || info.Size() > maxPyFileSize {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil || !bytes.Contains(data, []byte("load_dotenv")) {
				return nil
			}
			found, problems := envload.PythonCalls(rel, data)
			for _, pr := range problems {
				r.warn("load-dotenv", pr.At, pr.Msg)
			}
			calls = append(calls, found...)
			return nil
		})
		if err != nil {
			return runs
		}
	}
	if len(calls) == 0 {
		return runs
	}
	// The calls replace what the manifest made dbguard assume.
	replaced := map[string]bool{}
	var out []run
	for _, c := range calls {
		if modes := c.Modes(); len(modes) > 0 && !slices.Contains(modes, o.Mode) {
			continue
		}
		start := pyStart(c.File, manifests)
		replaced[start] = true
		out = append(out, run{loader: c.Loader(), dir: start, caller: c.Dir(), inUse: true,
			why: "load_dotenv call at " + c.At()})
	}
	kept := runs[:0:0]
	for _, rn := range runs {
		if rn.loader.Name == "python-dotenv" && rn.inUse && len(o.Loaders) == 0 {
			if _, from := detectedFrom(rn.dir, manifests); replaced[from] {
				continue
			}
		}
		kept = append(kept, rn)
	}
	return append(kept, out...)
}

// pyStart is the folder a Python file's app is started from: the nearest
// folder at or above it with a manifest naming python-dotenv, else the
// root.
func pyStart(file string, manifests map[string][]string) string {
	for d := path.Dir(file); ; d = path.Dir(d) {
		if slices.Contains(manifests[d], "python-dotenv") {
			return d
		}
		if d == "." || d == "/" {
			return "."
		}
	}
}

// detectedFrom is detectedFor's folder as a path ("." for the root).
func detectedFrom(dir string, manifests map[string][]string) ([]string, string) {
	for d := dir; ; d = path.Dir(d) {
		if names, ok := manifests[d]; ok {
			return names, d
		}
		if d == "." || d == "/" {
			return nil, ""
		}
	}
}
