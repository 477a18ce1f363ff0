package envcheck

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
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
