package envcheck

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/output"
)

// viteConfigRuns makes each Vite run read where its folder's vite.config
// points loadEnv: envDir (from the config's root), root, or envDir: false.
// A SvelteKit or monorepo app often keeps its env files at the repository
// root with envDir: '../../'; judging its own folder would name a stale
// file or none. A config that computes them is a warning, and the run
// reads its folder as before. A folder that leaves the project is a
// warning, not read.
func (r *Report) viteConfigRuns(o Options, runs []run) []run {
	if o.Contents != nil || len(o.Loaders) > 0 {
		// The hook reads no code; env.loaders is the user's word.
		return runs
	}
	if !slices.ContainsFunc(runs, func(rn run) bool { return rn.loader.Name == "vite" && rn.inUse }) {
		return runs
	}
	read, done := o.projectReader()
	defer done()
	type found struct {
		loader *envload.Loader
		ok     bool
	}
	byDir := map[string]found{}
	for i, rn := range runs {
		if rn.loader.Name != "vite" || !rn.inUse || rn.container {
			// Only where a manifest names Vite: a folder with no
			// package.json has no vite.config to install, and looking
			// for six names in every folder of a large tree is not free.
			continue
		}
		f, seen := byDir[rn.dir]
		if !seen {
			for _, name := range envload.ViteConfigNames {
				cfg := path.Join(rn.dir, name)
				data, ok := read(cfg)
				if !ok {
					continue
				}
				envDir, off, problem := envload.ViteEnvDir(rn.dir, data)
				at := output.Escape(cfg)
				switch {
				case problem != "":
					r.warn("vite", at, problem+"; name the loader and its folders in env.loaders")
				case off:
					f = found{envload.ViteIn("", true), true}
				case envDir == "" || envDir == rn.dir:
				case envDir == ".." || strings.HasPrefix(envDir, "../"):
					r.warn("vite", at, fmt.Sprintf("vite.config's envDir leaves the project (%s): dbguard reads nothing outside it, so what this app connects to is not judged", output.Escape(envDir)))
				default:
					// Its env files are discovered like any other
					// (a folder inside the project), whose walk enters
					// no link: Vite follows one, out of the project too.
					if link := linkOnPath(o.Root, envDir); link != "" {
						r.warn("vite", at, fmt.Sprintf("vite.config's envDir %s is reached through the link %s: Vite reads the env files where it leads, dbguard follows no link, so what this app connects to is not judged", output.Escape(envDir), output.Escape(link)))
					}
					f = found{envload.ViteIn(envDir, false), true}
				}
				break // Vite loads the first config it finds
			}
			byDir[rn.dir] = f
		}
		if f.ok {
			runs[i].loader = f.loader
			runs[i].why += " (vite.config: envDir)"
		}
	}
	return runs
}

// linkOnPath is the first folder of the slash path rel under root that is
// a symbolic link ("" when none is, or rel cannot be looked at).
func linkOnPath(root, rel string) string {
	rt, err := os.OpenRoot(root)
	if err != nil {
		return ""
	}
	defer rt.Close()
	at := ""
	for _, part := range strings.Split(rel, "/") {
		at = path.Join(at, part)
		info, err := rt.Lstat(at)
		if err != nil {
			return ""
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return at
		}
	}
	return ""
}
