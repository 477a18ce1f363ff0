package envcheck

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/output"
)

// Bounds on the JavaScript and TypeScript code read for dotenv calls, as
// for Python's.
const (
	maxJSFiles    = 5000
	maxJSFileSize = 1 << 20
)

// maxJSSearched bounds the bytes of the files naming dotenv searched for
// calls in one command: the search runs at about 7 MB/s on code dense with
// import and require statements, so 5,000 such files of 1 MiB kept every
// command busy for ten minutes.
var maxJSSearched = 16 << 20

// jsSource reports whether a file name is JavaScript or TypeScript an app
// runs (not a type declaration).
func jsSource(name string) bool {
	switch path.Ext(name) {
	case ".js", ".cjs", ".mjs", ".jsx", ".ts", ".cts", ".mts", ".tsx":
		return !strings.HasSuffix(name, ".d.ts") && !strings.HasSuffix(name, ".d.mts") && !strings.HasSuffix(name, ".d.cts")
	}
	return false
}

// nodeCallRuns finds the dotenv config calls (and NestJS's
// ConfigModule.forRoot) in the JavaScript and TypeScript code of the
// packages whose manifest names dotenv (or @nestjs/config), and returns
// one run per file that makes them, started in the manifest's folder (where
// npm starts the app): dotenv.config({ path: '../../.env' }) reads the
// root's .env, not the package's. Where calls are found they replace the
// manifest's assumption (config() from the manifest's folder); where none
// are, it stays. A call dbguard cannot read (a path computed at run time)
// is a warning.
//
// It also returns files with those the calls name that discovery did not
// list, read inside the root only (see addNamedFile).
func (r *Report) nodeCallRuns(ctx context.Context, o Options, manifests map[string][]string, runs []run, files []EnvFile) ([]run, []EnvFile) {
	if o.Contents != nil || len(o.Loaders) > 0 {
		// The hook: only staged env files and manifests. env.loaders:
		// the user's word replaces what the code suggests.
		return runs, files
	}
	// The packages whose code is read: those naming dotenv, and those
	// naming @nestjs/config or @dotenvx/dotenvx (which name no loader:
	// every loader stays assumed there unless a ConfigModule.forRoot or
	// dotenvx config call is found; nest holds them).
	var roots []string
	nest := map[string]bool{}
	var read func(string) ([]byte, bool)
	for d, names := range manifests {
		if slices.Contains(names, "dotenv") {
			roots = append(roots, d)
			continue
		}
		if len(names) > 0 && !slices.Equal(names, []string{"dotenv-expand"}) {
			// A Nest API names @nestjs/config alone or beside Prisma
			// (dotenv-expand, the Prisma CLI's own reading, which stays).
			continue
		}
		if read == nil {
			var done func()
			read, done = o.projectReader()
			defer done()
		}
		data, ok := read(path.Join(d, "package.json"))
		if ok && (bytes.Contains(data, []byte("@nestjs/config")) && envload.NamesNestConfig(data) ||
			bytes.Contains(data, []byte("@dotenvx/dotenvx")) && envload.NamesDotenvx(data)) {
			roots = append(roots, d)
			nest[d] = true
		}
	}
	if len(roots) == 0 {
		return runs, files
	}
	var calls []*envload.NodeCalls
	seen, searched := 0, 0
	ok := walkCode(ctx, o, roots, func(name, rel string) bool { return jsSource(name) && !prismaConfigFile(rel) }, func(top, rel string, read func(int64) ([]byte, error)) error {
		if seen++; seen > maxJSFiles {
			r.warn("dotenv-config", where(top), fmt.Sprintf("more than %d JavaScript and TypeScript files: the dotenv calls of the rest are not read", maxJSFiles))
			return fs.SkipAll
		}
		data, err := read(maxJSFileSize)
		if err != nil || !bytes.Contains(data, []byte("dotenv")) && !bytes.Contains(data, []byte("@nestjs/config")) {
			return nil
		}
		if searched += len(data); searched > maxJSSearched {
			r.warn("dotenv-config", output.Escape(rel), fmt.Sprintf("the JavaScript and TypeScript files naming dotenv hold more than %d MiB: the dotenv calls of this file and those after it are not read", maxJSSearched>>20))
			return fs.SkipAll
		}
		found, problems := envload.DotenvCalls(rel, data)
		for _, pr := range problems {
			r.warn("dotenv-config", pr.At, pr.Msg)
		}
		if found != nil {
			calls = append(calls, found)
		}
		return nil
	})
	if !ok {
		return runs, files
	}
	if len(calls) == 0 {
		return runs, files
	}
	listed := map[string]bool{}
	for _, f := range files {
		listed[f.Path] = true
	}
	replaced := map[string]bool{}
	var out []run
	for _, c := range calls {
		if modes := c.Modes(); len(modes) > 0 && !slices.Contains(modes, o.Mode) {
			continue
		}
		start := nodeStart(c.File, manifests, nest)
		replaced[start] = true
		for _, n := range c.Named(start) {
			if !n.Inside {
				// As for a script's file: node reads it, dbguard does not.
				r.warn("dotenv-config", n.At, fmt.Sprintf("%s names the env file %s, which is outside the project: dbguard reads nothing outside it, so what this code connects to is not judged", n.Via, output.Escape(n.Name)))
				continue
			}
			files = r.addNamedFile(o, files, listed, n.Path, "dotenv-config", n.At, n.Via+" names "+output.Escape(n.Path))
		}
		why := "dotenv: the calls read from the code"
		if strings.HasPrefix(c.Label(), "dotenvx.") {
			why = "dotenvx: the calls read from the code"
		}
		out = append(out, run{loader: c.Loader(start), dir: start, caller: start, inUse: true, why: why})
	}
	kept := runs[:0:0]
	for _, rn := range runs {
		// The calls replace the dotenv the manifest names, and in a Nest
		// package the loaders assumed because it names none.
		if rn.loader.Name == "dotenv" && rn.inUse || !rn.inUse && !rn.container {
			if _, from := detectedFrom(rn.dir, manifests); replaced[from] && (rn.inUse || nest[from]) {
				continue
			}
		}
		kept = append(kept, rn)
	}
	return append(kept, out...), files
}

// prismaConfigFile reports whether a file is at one of the places Prisma
// looks for its config (prisma.config.ts, .config/prisma.ts, ...): Prisma
// loads it and its dotenv calls, which the Prisma config reader models
// (envload.DetectIn, internal/tool).
func prismaConfigFile(rel string) bool {
	dir, name := path.Split(rel)
	return strings.HasPrefix(name, "prisma.config.") || strings.HasPrefix(name, "prisma7.config.") ||
		path.Base(dir) == ".config" || path.Base(dir) == "prisma.config" || strings.HasSuffix(dir, ".config/prisma/")
}

// nodeStart is the folder a JavaScript file's app is started from: the
// nearest folder at or above it with a manifest naming dotenv,
// @nestjs/config or @dotenvx/dotenvx.
func nodeStart(file string, manifests map[string][]string, nest map[string]bool) string {
	for d := path.Dir(file); ; d = path.Dir(d) {
		if slices.Contains(manifests[d], "dotenv") || nest[d] {
			return d
		}
		if d == "." || d == "/" {
			return "."
		}
	}
}
