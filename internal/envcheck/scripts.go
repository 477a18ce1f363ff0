package envcheck

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// scriptRuns reads the scripts of every package.json (see
// envload.Scripts): each script that starts the app with env files of
// its choosing is one more way the app starts, judged like a loader in
// its folder. A script whose files are named for another mode
// (.env.production) counts in that mode only. It returns the runs, the
// env files the scripts name that discovery did not list (config/app.env),
// and warns about scripts it cannot model (a file name the shell builds,
// a file outside the project).
func (r *Report) scriptRuns(o Options, manifests []string, files []EnvFile) ([]run, []EnvFile) {
	if len(o.Loaders) > 0 {
		return nil, files // env.loaders: the user's word replaces the scripts'
	}
	var runs []run
	listed := map[string]bool{}
	for _, f := range files {
		listed[f.Path] = true
	}
	read, done := o.projectReader()
	defer done()
	for _, m := range manifests {
		if path.Base(m) != "package.json" {
			continue
		}
		data, ok := o.Contents[m]
		if o.Contents == nil {
			// As readManifests reads it: discovery listed it.
			var err error
			data, err = safefile.ReadUnder(o.Root, filepath.FromSlash(m), maxProjectFile)
			ok = err == nil
		}
		if !ok {
			continue
		}
		scripts, problems := envload.Scripts(m, data, read)
		for _, p := range problems {
			r.warn("script", p.At, p.Msg)
		}
		for _, s := range scripts {
			if modes := s.Modes(); len(modes) > 0 && !slices.Contains(modes, o.Mode) {
				continue
			}
			for _, f := range s.Files {
				files = r.addNamedFile(o, files, listed, f.Path, "script", f.At, fmt.Sprintf("script %q names %s", s.Name, output.Escape(f.Given)))
			}
			for _, k := range s.Unknown {
				if k == o.URLVar || slices.Contains(o.DirectVars, k) {
					r.warn("script", s.At(), fmt.Sprintf("script %q sets %s to a value the shell computes when it runs, which beats its env files: what it connects to is not judged", s.Name, k))
				}
			}
			runs = append(runs, run{loader: s.Loader(), dir: s.Dir, caller: s.Dir, inUse: true,
				why: fmt.Sprintf("script %q in %s", s.Name, s.At())})
		}
	}
	return runs, files
}

// addNamedFile adds to files one that the code or a script names
// (config/app.env) and discovery did not list, to be read inside the root
// only: a link out of the project, a folder or a device is not read (it
// reads as missing) and is a warning (code, at: who names it).
func (r *Report) addNamedFile(o Options, files []EnvFile, listed map[string]bool, rel, code, at, who string) []EnvFile {
	if listed[rel] {
		return files
	}
	listed[rel] = true
	if o.Contents != nil {
		if _, staged := o.Contents[rel]; !staged {
			return files // the hook judges what is given, not the work tree
		}
	} else {
		if _, err := readInRoot(o.Root, rel, MaxEnvFileSize); err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, errTooLarge) {
			r.warn(code, at, fmt.Sprintf("%s, which dbguard does not read (%v); what it connects to is not judged", who, errors.Unwrap(err)))
			return files
		}
	}
	return append(files, EnvFile{Path: rel, Status: InEffect, Mode: ModeOf(rel), byScript: true})
}

// maxProjectFile bounds a package.json or an entry file read for scripts.
const maxProjectFile = 1 << 20

// projectReader reads a project file for the scripts (a package.json, the
// entry file of `node app.js`): from Contents when set (the hook's index),
// else from the disk inside the root (os.Root: a link out of the project
// is not followed), at most maxProjectFile bytes.
// done releases the root.
func (o Options) projectReader() (read func(rel string) ([]byte, bool), done func()) {
	if o.Contents != nil {
		return func(rel string) ([]byte, bool) {
			data, ok := o.Contents[rel]
			return data, ok && len(data) <= maxProjectFile
		}, func() {}
	}
	rt, err := os.OpenRoot(o.Root)
	if err != nil {
		return func(string) ([]byte, bool) { return nil, false }, func() {}
	}
	return func(rel string) ([]byte, bool) {
		data, err := readFromRoot(rt, rel, maxProjectFile)
		return data, err == nil
	}, func() { rt.Close() }
}

// errTooLarge is a file past the limit readInRoot was given.
var errTooLarge = errors.New("too large")

// readInRoot reads a slash path inside root without leaving it: os.Root
// refuses ".." and a symbolic link that points out of the root.
func readInRoot(root, rel string, limit int64) ([]byte, error) {
	rt, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	defer rt.Close()
	return readFromRoot(rt, rel, limit)
}

func readFromRoot(rt *os.Root, rel string, limit int64) ([]byte, error) {
	// Opened without blocking: a FIFO would otherwise wait for a writer
	// forever; it is then refused as not a regular file.
	data, err := safefile.ReadIn(rt, filepath.FromSlash(rel), limit)
	if err != nil {
		var tl *safefile.TooLargeError
		switch {
		case errors.Is(err, safefile.ErrNotRegular):
			return nil, fmt.Errorf("%s is not a regular file", rel)
		case errors.As(err, &tl):
			return nil, errTooLarge
		}
		return nil, err
	}
	return data, nil
}
