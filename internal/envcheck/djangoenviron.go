package envcheck

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// djangoProject is a folder whose Python manifest names django-environ,
// and the release it pins (-1: none, or one whose source was not read).
type djangoProject struct {
	dir     string
	release int
	pinned  string // the version as the manifest or lock file gives it
}

var (
	// django-environ==0.11.2, "django-environ==0.11.2", django-environ =
	// "0.11.2" and "==0.11.2" (Poetry, Pipfile): an exact version.
	djangoPin = lazyre.New(`(?im)(?:^|[^a-z0-9_-])django[-_]environ\s*(?:\[[^\]\n]*\])?\s*(?:===?\s*|=\s*["']\s*(?:==\s*)?)v?(\d+(?:\.\d+){1,2})(?:["'\s;#,]|$)`)
	// poetry.lock and uv.lock: name = "django-environ" then its version.
	djangoLock = lazyre.New(`(?m)^name = "django[-_]environ"\r?\nversion = "([^"\n]+)"`)
	// Pipfile.lock: "django-environ": {... "version": "==0.11.2"}.
	djangoPipLock = lazyre.New(`"django[-_]environ":\s*\{[^}]*"version":\s*"==([^"\n]+)"`)
)

// djangoLockFiles are the lock files read for django-environ's version
// beside the manifests.
var djangoLockFiles = []string{"poetry.lock", "uv.lock", "Pipfile.lock"}

// maxLockSize bounds a lock file read for django-environ's version: a big
// project's poetry.lock is a few MiB.
const maxLockSize = 64 << 20

// djangoProjects are the manifest folders naming django-environ, with the
// version they pin (read once, for the runs and the line warnings).
func djangoProjects(o Options, manifestPaths []string) []djangoProject {
	read := func(p string, limit int64) ([]byte, bool) {
		if data, ok := o.Contents[p]; ok {
			return data, true
		}
		// Not staged (the hook): the work tree's, inside the root, as the
		// line warnings always read the manifests. Bounded: a sparse
		// requirements.txt of 512 MiB held dbguard env for 28 s and 1 GiB.
		data, err := safefile.ReadUnder(o.Root, filepath.FromSlash(p), limit)
		return data, err == nil
	}
	byDir := map[string]*djangoProject{}
	versions := map[string][]string{}
	var dirs []string
	for _, p := range manifestPaths {
		if !pyManifest(path.Base(p)) {
			continue
		}
		data, ok := read(p, MaxManifestSize)
		if !ok || !envload.NamesDjangoEnviron(p, data) {
			continue
		}
		d := path.Dir(p)
		if byDir[d] == nil {
			byDir[d] = &djangoProject{dir: d, release: -1}
			dirs = append(dirs, d)
			for _, lock := range djangoLockFiles {
				if ld, ok := read(path.Join(d, lock), maxLockSize); ok {
					for _, m := range djangoLock.FindAllSubmatch(ld, -1) {
						versions[d] = append(versions[d], string(m[1]))
					}
					for _, m := range djangoPipLock.FindAllSubmatch(ld, -1) {
						versions[d] = append(versions[d], string(m[1]))
					}
				}
			}
		}
		for _, m := range djangoPin.FindAllSubmatch(data, -1) {
			versions[d] = append(versions[d], string(m[1]))
		}
	}
	out := make([]djangoProject, 0, len(dirs))
	slices.Sort(dirs)
	for _, d := range dirs {
		p := byDir[d]
		if vs := slices.Compact(slices.Sorted(slices.Values(versions[d]))); len(vs) == 1 {
			p.pinned, p.release = vs[0], envload.DjangoRelease(vs[0])
		}
		out = append(out, *p)
	}
	return out
}

// djangoEnvironRuns reads django-environ's read_env calls from the Python
// code of the projects whose manifest names it, one run per call (the
// file it reads, as the release the project pins reads it), and warns
// where env.db() reads another variable than those judged. The calls of a
// project replace the loaders assumed in its folder (no manifest there
// names one): the app reads what read_env reads. A call dbguard cannot
// read is a warning at its line, never a guess.
func (r *Report) djangoEnvironRuns(ctx context.Context, o Options, all []djangoProject, manifests map[string][]string, runs []run, files []EnvFile) ([]run, []EnvFile) {
	if o.Contents != nil || len(o.Loaders) > 0 {
		return runs, files
	}
	// In a service, only its own code (as for the other code readers).
	var projects []djangoProject
	var roots []string
	for _, p := range all {
		if inScope(o.Scope, p.dir) {
			projects = append(projects, p)
			roots = append(roots, p.dir)
		}
	}
	if len(projects) == 0 {
		return runs, files
	}
	project := func(file string) *djangoProject {
		var best *djangoProject
		for i := range projects {
			if inScope(projects[i].dir, path.Dir(file)) && (best == nil || depth(projects[i].dir) > depth(best.dir)) {
				best = &projects[i]
			}
		}
		return best
	}
	urlVars := append([]string{o.URLVar}, o.DirectVars...)
	var calls []*envload.DjangoCall
	seen := 0
	ok := walkCode(ctx, o, roots, func(name, _ string) bool { return strings.HasSuffix(name, ".py") }, func(top, rel string, read func(int64) ([]byte, error)) error {
		if seen++; seen > maxPyFiles {
			r.warn("django-environ", where(top), fmt.Sprintf("more than %d Python files: the read_env calls of the rest are not read", maxPyFiles))
			return fs.SkipAll
		}
		data, err := read(maxPyFileSize)
		if err != nil || !bytes.Contains(data, []byte("read_env")) && !bytes.Contains(data, []byte(".db")) {
			return nil
		}
		found, dbs, problems := envload.DjangoEnvironCalls(rel, data)
		for _, pr := range problems {
			r.warn("django-environ", pr.At, pr.Msg)
		}
		for _, db := range dbs {
			if !slices.Contains(urlVars, db.Var) {
				r.warn("django-environ", db.At, fmt.Sprintf("env.db() here reads %s, which dbguard does not judge (it judges %s): set database.url_var: %s in dbguard.yaml, then run: dbguard env", output.Escape(db.Var), strings.Join(urlVars, ", "), output.Escape(db.Var)))
			}
		}
		calls = append(calls, found...)
		return nil
	})
	if !ok || len(calls) == 0 {
		return runs, files
	}
	listed := map[string]bool{}
	for _, f := range files {
		listed[f.Path] = true
	}
	replaced := map[string]bool{}
	var out []run
	for _, c := range calls {
		p := project(c.File)
		if p == nil {
			continue
		}
		c.Release = p.release
		c.NoPathlib = p.pinned != "" && !envload.DjangoOpensPathlib(p.pinned)
		if c.PathObject && c.NoPathlib {
			r.warn("django-environ", c.At(), fmt.Sprintf("django-environ %s's read_env takes a str or an open file, not a pathlib.Path: it raises AttributeError and reads no file; pass str(...) of the path, or upgrade to django-environ 0.6 or later", output.Escape(p.pinned)))
		}
		if c.Overwrite && p.release >= 0 && p.release <= 1 {
			// 0.4.4 to 0.7 take overwrite into **overrides: os.environ
			// refuses the bool (Debian's 0.4.4 run: TypeError).
			r.warn("django-environ", c.At(), fmt.Sprintf("django-environ %s has no overwrite: read_env sets a variable named overwrite to True, which os.environ refuses, so read_env raises TypeError after reading the file (the environment still wins over it); drop overwrite=True or upgrade to django-environ 0.8 or later", output.Escape(p.pinned)))
		}
		rel := c.Path
		if rel == "" {
			rel = path.Clean(path.Join(p.dir, c.Name))
			if rel == ".." || strings.HasPrefix(rel, "../") {
				r.warn("django-environ", c.At(), fmt.Sprintf("read_env names the env file %s, which is outside the project: dbguard reads nothing outside it, so what this code connects to is not judged", output.Escape(c.Name)))
				continue
			}
		}
		if modes := modesOf(rel); len(modes) > 0 && !slices.Contains(modes, o.Mode) {
			continue
		}
		files = r.addNamedFile(o, files, listed, rel, "django-environ", c.At(), "read_env names "+output.Escape(rel))
		replaced[p.dir] = true
		out = append(out, run{loader: c.Loader(rel), dir: p.dir, caller: path.Dir(c.File), inUse: true,
			why: "django-environ: the call read from the code"})
	}
	kept := runs[:0:0]
	for _, rn := range runs {
		if !rn.inUse {
			if _, from := detectedFrom(rn.dir, manifests); replaced[from] {
				continue // assumed: the code says what the app reads
			}
		}
		kept = append(kept, rn)
	}
	return append(kept, out...), files
}

// modesOf is the mode a file is named for (.env.test: test), if any.
func modesOf(rel string) []string {
	if m := ModeOf(rel); m != "" {
		return []string{m}
	}
	return nil
}
