package envcheck

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/output"
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

// pythonCallRuns finds the load_dotenv calls and the pydantic-settings
// classes in the Python code of the projects whose manifest names
// python-dotenv or pydantic-settings, and returns one run per call and per
// class that declares a URL variable as a field: started in the manifest's
// folder (where the app is started from), a call's file deciding where
// find_dotenv searches. Where calls (classes) are found they replace the
// manifest's assumption (load_dotenv() called from the manifest's folder, a
// class with env_file=".env"); where none are, it stays. A call or class
// dbguard cannot read (a path computed at run time) is a warning.
//
// It also returns files with those the calls and classes name by path
// (load_dotenv("config/app.env"), env_file="settings.env") that discovery
// did not list, read inside the root only (see addNamedFile).
func (r *Report) pythonCallRuns(ctx context.Context, o Options, manifests map[string][]string, runs []run, files []EnvFile) ([]run, []EnvFile) {
	if len(o.Loaders) > 0 {
		// env.loaders: the user's word replaces what the code suggests.
		return runs, files
	}
	if o.Contents != nil {
		// The hook: only staged env files and manifests, and the caller's
		// word that no Python code names decouple (see unusedDecouple).
		if !o.DecoupleUnused {
			return runs, files
		}
		kept := runs[:0:0]
		for _, rn := range runs {
			// As unusedDecouple below: a run a manifest naming
			// python-decouple made dbguard assume.
			if names, _ := detectedFrom(rn.dir, manifests); rn.loader.Name == "python-decouple" && rn.inUse && slices.Contains(names, "python-decouple") {
				continue
			}
			kept = append(kept, rn)
		}
		return kept, files
	}
	var roots []string
	for d, names := range manifests {
		if slices.Contains(names, "python-dotenv") || slices.Contains(names, "pydantic-settings") || slices.Contains(names, "python-decouple") {
			roots = append(roots, d)
		}
	}
	if len(roots) == 0 {
		return runs, files
	}
	var calls []*envload.PyCall
	var classes []*envload.Settings
	var decouples []string // the files that import decouple's config
	// Whether any Python file read names decouple, and whether every one
	// was read (see unusedDecouple below).
	decoupleNamed, unread, pyRead := false, false, 0
	urlVars := append([]string{o.URLVar}, o.DirectVars...)
	seen := 0
	ok := walkCode(ctx, o, roots, func(name, _ string) bool { return strings.HasSuffix(name, ".py") }, func(top, rel string, read func(int64) ([]byte, error)) error {
		if seen++; seen > maxPyFiles {
			r.warn("load-dotenv", where(top), fmt.Sprintf("more than %d Python files: the load_dotenv calls of the rest are not read", maxPyFiles))
			return fs.SkipAll
		}
		data, err := read(maxPyFileSize)
		if err != nil {
			unread = true
			return nil
		}
		pyRead++
		if bytes.Contains(data, []byte("load_dotenv")) {
			found, problems := envload.PythonCalls(rel, data)
			for _, pr := range problems {
				r.warn("load-dotenv", pr.At, pr.Msg)
			}
			calls = append(calls, found...)
		}
		if bytes.Contains(data, []byte("decouple")) {
			decoupleNamed = true
			if at, explicit := envload.DecoupleImport(data); explicit != 0 && (at != 0 || bytes.Contains(data, []byte("from decouple"))) {
				r.warn("python-decouple", fmt.Sprintf("%s:%d", output.Escape(rel), explicit), "python-decouple's AutoConfig(search_path=...), Config(...) or a Repository named here reads files dbguard does not model, so this file is not judged as a caller of config() (decouple stays assumed from each folder): name the loader and its caller folder in env.loaders, or the files in env.files")
			} else if at != 0 {
				decouples = append(decouples, rel)
			}
		}
		if bytes.Contains(data, []byte("BaseSettings")) {
			found, problems := envload.PydanticSettings(rel, data)
			for _, pr := range problems {
				r.warn("pydantic-settings", pr.At, pr.Msg)
			}
			for _, s := range found {
				if slices.ContainsFunc(s.Fields, func(f envload.SettingsField) bool {
					return slices.Contains(urlVars, strings.ToUpper(f.Name))
				}) {
					classes = append(classes, s)
				}
			}
		}
		return nil
	})
	if !ok {
		return runs, files
	}
	// python-decouple is used only through its import (config, AutoConfig,
	// a Repository): where the walk read Python code, all of it, and no
	// file names decouple, the manifest's python-decouple is not what the
	// code loads with (a leftover, a dependency of another tool), and is
	// not assumed: its reading of .env (an inline comment kept in the
	// value) and its settings.ini would otherwise be judged as the app's.
	// With no Python code read at all, the assumption stays.
	unusedDecouple := pyRead > 0 && !unread && seen <= maxPyFiles && !decoupleNamed
	if len(calls) == 0 && len(classes) == 0 && len(decouples) == 0 && !unusedDecouple {
		return runs, files
	}
	listed := map[string]bool{}
	for _, f := range files {
		listed[f.Path] = true
	}
	named := func(start, name, code, at, who string) {
		p := path.Clean(path.Join(start, name))
		if path.IsAbs(name) || p == ".." || strings.HasPrefix(p, "../") {
			// As for a script's file: Python reads it, dbguard does not.
			r.warn(code, at, fmt.Sprintf("%s names the env file %s, which is outside the project: dbguard reads nothing outside it, so what this code connects to is not judged", who, output.Escape(name)))
			return
		}
		files = r.addNamedFile(o, files, listed, p, code, at, who+" names "+output.Escape(name))
	}
	// The calls and classes replace what the manifest made dbguard assume.
	replaced := map[string]map[string]bool{"python-dotenv": {}, "pydantic-settings": {}, "python-decouple": {}}
	if unusedDecouple {
		for d, names := range manifests {
			if slices.Contains(names, "python-decouple") {
				replaced["python-decouple"][d] = true
			}
		}
	}
	var out []run
	for _, f := range decouples {
		// config() searches from the folder of the module that calls it.
		start := pyStart(f, manifests)
		if !slices.Contains(detectedNames(start, manifests), "python-decouple") {
			continue
		}
		replaced["python-decouple"][start] = true
		out = append(out, run{loader: envload.LoaderNamed("python-decouple"), dir: start, caller: path.Dir(f), inUse: true,
			why: "python-decouple: config imported in " + output.Escape(f)})
	}
	for _, c := range calls {
		if modes := c.Modes(); len(modes) > 0 && !slices.Contains(modes, o.Mode) {
			continue
		}
		start := pyStart(c.File, manifests)
		replaced["python-dotenv"][start] = true
		if !c.Upward {
			named(start, c.Name, "load-dotenv", c.At(), "load_dotenv")
		}
		out = append(out, run{loader: c.Loader(), dir: start, caller: c.Dir(), inUse: true,
			why: "python-dotenv: the call read from the code"})
	}
	for _, s := range classes {
		if modes := s.Modes(); len(modes) > 0 && !slices.Contains(modes, o.Mode) {
			continue
		}
		start := pyStart(s.File, manifests)
		replaced["pydantic-settings"][start] = true
		for _, name := range s.EnvFiles {
			named(start, name, "pydantic-settings", fmt.Sprintf("%s:%d", output.Escape(s.File), s.Line), "class "+s.Class)
		}
		out = append(out, run{loader: s.Loader(), dir: start, caller: start, inUse: true,
			why: "pydantic-settings: model_config read from the code"})
	}
	kept := runs[:0:0]
	for _, rn := range runs {
		if by := replaced[rn.loader.Name]; by != nil && rn.inUse {
			if _, from := detectedFrom(rn.dir, manifests); by[from] {
				continue
			}
		}
		kept = append(kept, rn)
	}
	return append(kept, out...), files
}

// afterCodeListed, when set (by tests), runs between the walk's listing of
// a file and its read.
var afterCodeListed func(rel string)

// pyStart is the folder a Python file's app is started from: the nearest
// folder at or above it with a manifest naming python-dotenv,
// pydantic-settings or python-decouple, else the root.
func pyStart(file string, manifests map[string][]string) string {
	for d := path.Dir(file); ; d = path.Dir(d) {
		if slices.Contains(manifests[d], "python-dotenv") || slices.Contains(manifests[d], "pydantic-settings") || slices.Contains(manifests[d], "python-decouple") {
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

// walkCode walks the source folders at roots (slash paths from o.Root; one
// inside another is walked once, as part of the outer) as the code
// readers read them: skipDirs, virtualenvs and excluded folders left out,
// and of the files only the regular ones that are not excluded and whose
// name and slash path from the root source accepts, handed to visit with
// the folder walked (top) and how to read the file (codeFiles: the file
// walked, inside the project). visit's fs.SkipAll ends that folder's walk (a
// reader's cap, already passed, ends the next one's at its first file);
// false when a walk ended on an error (ctx's included).
func walkCode(ctx context.Context, o Options, roots []string, source func(name, rel string) bool, visit func(top, rel string, read func(limit int64) ([]byte, error)) error) bool {
	// By depth (an outer folder before the folders in it), then by name:
	// roots come from a map, and the order decides the calls' order and,
	// past maxPyFiles, which files are read at all.
	slices.SortFunc(roots, func(a, b string) int { return cmp.Or(depth(a)-depth(b), strings.Compare(a, b)) })
	root, err := os.OpenRoot(o.Root)
	if err != nil {
		return false
	}
	defer root.Close()
	files := &codeFiles{root: root}
	defer files.close()
	var outer []string
	for _, d := range roots {
		if !slices.ContainsFunc(outer, func(o string) bool { return o == "." || strings.HasPrefix(d+"/", o+"/") }) {
			outer = append(outer, d)
		}
	}
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
				if p != base && (skipDirs[d.Name()] || isVirtualenv(p, d) || excluded(o.Exclude, rel)) {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() || excluded(o.Exclude, rel) || !source(d.Name(), rel) {
				return nil
			}
			if afterCodeListed != nil {
				afterCodeListed(rel)
			}
			return visit(top, rel, func(limit int64) ([]byte, error) { return files.read(rel, limit) })
		})
		if err != nil {
			return false
		}
	}
	return true
}

// detectedNames are the loaders the manifest of folder d names.
func detectedNames(d string, manifests map[string][]string) []string {
	names, _ := detectedFrom(d, manifests)
	return names
}
