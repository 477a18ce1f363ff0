package envcheck

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/output"
)

// modeVarWarnings: dotenv-flow takes its mode from NODE_ENV, which the
// files cannot tell. dbguard judges it in the mode checked (--mode, as
// if the app were started with NODE_ENV set to it); started without
// NODE_ENV it reads no mode file at all (.env.defaults, .env, .env.local).
// Where that start reads another database for a URL variable, the
// judgement rests on the assumption, so it is said, at the definition
// that start would take.
func (r *Report) modeVarWarnings(read envload.Files, env map[string]string, vars []string) {
	seen := map[*envload.Reading]bool{}
	for _, lr := range r.Readings {
		rd := lr.reading
		if rd == nil || !lr.InUse || lr.Err != nil || seen[rd] || rd.Loader.ModeVar() == "" || rd.Mode == "" {
			continue
		}
		seen[rd] = true
		unset := envload.ReadUnset(rd.Loader, &envload.Input{Files: read, Environ: env, Keep: vars}, rd.Dir)
		if unset == nil || unset.Err != nil {
			continue
		}
		for _, v := range vars {
			judged, jok := rd.Lookup(v)
			plain, pok := unset.Lookup(v)
			if !pok || jok && sameURL(judged.Value, plain.Value) {
				continue
			}
			was := "nothing"
			if jok {
				was = judged.Location()
			}
			r.warn(rd.Loader.Name, plain.Location(), fmt.Sprintf(
				"%s in %s: %s is not set here, so dbguard judged it as started with %s=%s (the mode checked), where %s comes from %s; an app started without %s reads only %s, and takes %s from here, which names another database; set %s where the app starts, or name the same database in both files",
				rd.Loader.Name, where(rd.Dir), rd.Loader.ModeVar(), rd.Loader.ModeVar(), output.Escape(rd.Mode), v, was,
				rd.Loader.ModeVar(), strings.Join(rd.Loader.Files(""), ", "), v, rd.Loader.ModeVar()))
		}
	}
}

// sameURL reports whether two values name the same database as written
// (the same text, or two connection strings of one host, port and
// database); a value that is no connection string is the same only as
// the same text.
func sameURL(a, b string) bool {
	if a == b {
		return true
	}
	ua, errA := dburl.Parse(a)
	ub, errB := dburl.Parse(b)
	if errA != nil || errB != nil {
		return false
	}
	return ua.Identity() == ub.Identity()
}

// decoupleFiles adds the settings.ini files python-decouple's runs may
// find (from each run's caller folder up to the root: AutoConfig reads
// settings.ini before .env in each folder) to the files the loaders are
// served; discovery lists env files only. A settings.ini that is a link
// out of the project, a folder or a device is not read, with a warning.
func (r *Report) decoupleFiles(o Options, runs []run, files []EnvFile) []EnvFile {
	listed := map[string]bool{}
	for _, f := range files {
		listed[f.Path] = true
	}
	looked := map[string]bool{}
	for _, run := range runs {
		if run.loader.Name != "python-decouple" {
			continue
		}
		for d := run.caller; !looked[d]; d = path.Dir(d) {
			looked[d] = true
			rel := path.Join(d, "settings.ini")
			if o.Contents == nil {
				if _, err := readInRoot(o.Root, rel, MaxEnvFileSize); errors.Is(err, fs.ErrNotExist) {
					if d == "." {
						break
					}
					continue
				}
			}
			files = r.addNamedFile(o, files, listed, rel, "python-decouple", rel, "python-decouple reads "+output.Escape(rel)+" before any .env beside or above it")
			if d == "." {
				break
			}
		}
	}
	return files
}

// djangoEnvironWarnings: django-environ's read_env is not a loader dbguard
// judges with, but where a manifest names it, a URL variable's line that
// it reads otherwise than the loaders judged (an unquoted value keeps its
// " # comment", a line it skips) is said at that line: the database the
// app connects to through it is not the one judged.
func (r *Report) djangoEnvironWarnings(o Options, projects []djangoProject, vars []string) {
	if len(projects) == 0 {
		return
	}
	// The release a file's project pins, -1 when none is pinned.
	release := func(dir string) int {
		best, at := -1, -1
		for _, p := range projects {
			if inScope(p.dir, dir) && depth(p.dir) > at {
				best, at = p.release, depth(p.dir)
			}
		}
		return best
	}
	var dirs []string
	for _, p := range projects {
		dirs = append(dirs, p.dir)
	}
	lines := map[string][]string{}
	for _, s := range r.Sources {
		if s.FromEnvironment() || !slices.Contains(vars, s.Var) || !slices.ContainsFunc(dirs, func(d string) bool { return inScope(d, path.Dir(s.Def.File)) }) {
			continue
		}
		ls, ok := lines[s.Def.File]
		if !ok {
			data, found := o.Contents[s.Def.File]
			if !found {
				data, _ = readLimited(o.Root, s.Def.File)
			}
			ls = strings.Split(string(data), "\n")
			lines[s.Def.File] = ls
		}
		if s.Def.Line < 1 || s.Def.Line > len(ls) {
			continue
		}
		var skip, differ []string
		pinned := release(path.Dir(s.Def.File))
		for i, rd := range envload.DjangoEnvironValues(strings.TrimSuffix(ls[s.Def.Line-1], "\r"), s.Var) {
			if pinned >= 0 && i != pinned {
				continue // the project pins another release
			}
			if !rd.OK {
				skip = append(skip, rd.Versions)
			} else if rd.Value != s.Def.Value {
				differ = append(differ, rd.Versions)
			}
		}
		switch {
		case len(differ) == 0 && len(skip) == 4, pinned >= 0 && len(skip) == 1 && envload.DjangoReleases[pinned] != "0.4.4":
			r.warn("django-environ", s.Def.Location(), fmt.Sprintf("django-environ's read_env skips this line (it reads NAME=value with nothing before the name and no space around '='), so an app that loads this file with it does not get %s from here; write it as %s=value", s.Var, s.Var))
		case len(differ) == 0 && len(skip) > 0:
			r.warn("django-environ", s.Def.Location(), fmt.Sprintf("django-environ's read_env (%s) skips this line (0.4.4 takes no 'export '), so an app that loads this file with it does not get %s from here; write it as %s=value", strings.Join(skip, ", "), s.Var, s.Var))
		case len(differ) > 0:
			r.warn("django-environ", s.Def.Location(), fmt.Sprintf("django-environ's read_env (%s) reads %s here as another value than the loaders dbguard judges%s (0.4 to 0.10 keep a ' # comment' and trailing blanks in the value, and take off only quotes around all of it; 0.11 cuts a value that is not in single quotes at its first '#', a password's too; 0.4.4 takes no 'export '), so the database an app that loads this file with it connects to is not judged: put the comment on a line of its own, quote nothing but the whole value, and write a '#' in the URL as %%23", strings.Join(differ, ", "), s.Var, skipped(skip)))
		}
	}
}

// skipped says which django-environ releases skip a line, or "".
func skipped(versions []string) string {
	if len(versions) == 0 {
		return ""
	}
	return ", and " + strings.Join(versions, ", ") + " skip the line"
}
