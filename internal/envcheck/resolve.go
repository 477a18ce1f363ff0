// Package envcheck proves that exactly one database is in effect: it reads
// the project as each loader in use reads it (internal/envload: its syntax,
// expansion, files and order), from every folder a process may start in,
// with the process environment, completes each URL as the driver will, and
// judges the databases they name. Two loaders, or two folders, reading two
// databases is a conflict: the incident dbguard exists to prevent.
package envcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/exitcode"
)

// Options says where to look and what for.
type Options struct {
	Root       string
	Mode       string
	URLVar     string
	DirectVars []string
	Files      []string // explicit env files, replacing discovery
	Exclude    []string // globs left out of discovery
	Environ    []string // the process environment, as os.Environ returns it
	Rules      []dburl.Rule
	// Contents, when set, replaces the disk: these env files and manifests
	// (slash paths relative to Root) with these contents are all there is.
	// The pre-commit hook passes the index's.
	Contents map[string][]byte
	// Loaders, when set, are the loaders the project runs (env.loaders);
	// else they are detected from manifests.
	Loaders []config.LoaderRun
	// DriverDefaults lets the driver's completion use this machine's
	// defaults (the OS user, the Unix-socket directory), as connecting
	// would; off, they are unknown (the hook, tests).
	DriverDefaults bool
	// Scope, when set, is the folder (a slash path relative to Root) of
	// one service judged on its own; Files, Exclude and Loaders are then
	// relative to it (see scope.go).
	Scope string
}

// driverEnvironment is what the driver reads besides the URL.
func (o Options) driverEnvironment() dburl.Environment {
	e := dburl.Environment{Vars: o.Environ}
	if o.DriverDefaults {
		p := dburl.ProcessEnvironment()
		e.OSUser, e.Exists = p.OSUser, p.Exists
	}
	return e
}

// Source is one value of a URL variable, judged: where it is defined, what
// the loaders that read it make of it, the database it names.
type Source struct {
	Var      string
	Def      Definition // Value is what the loaders read, expanded
	Dir      string     // the folder of the loaders that read it
	URL      *dburl.URL
	Endpoint dburl.Endpoint // pooled or direct, and the direct URL
	// ID is the database it names, after de-pooling, as the driver
	// completes it (PGHOST, PGDATABASE, a service file, libpq's defaults).
	ID       dburl.Identity
	InEffect bool // some loader reads it
	// Readers are the loaders that read it: "vite in backend/".
	Readers []string
	// Via are the variables its value was expanded from, with where each
	// came from: "POSTGRES_HOST from backend/.env:2".
	Via []string
	// Completed are the parts the driver fills in; CompletedFrom the host,
	// port and database among them, for people.
	Completed     []dburl.Completion
	CompletedFrom []string
}

// FromEnvironment reports whether the source is the process environment.
func (s *Source) FromEnvironment() bool { return s.Def.File == "" }

// Database is one distinct database among the definitions in effect.
type Database struct {
	ID      dburl.Identity
	Sources []*Source
	// Readers says which loaders, started where, read this database.
	Readers []string
}

// Warning is something that does not make the databases disagree but that a
// person should know. Under --strict every warning fails the check.
type Warning struct {
	Code     string `json:"code"`
	Location string `json:"location,omitempty"`
	Message  string `json:"message"`
}

// Report is everything Resolve found.
type Report struct {
	Root       string
	Mode       string
	URLVar     string
	DirectVars []string
	Files      []EnvFile
	Sources    []*Source // every URL-variable definition: environment first, then files
	// Databases are the distinct databases named by the env files in effect;
	// more than one is a conflict. EnvDatabases are those named by the
	// process environment's URL variables; more than one is a conflict too.
	Databases    []Database
	EnvDatabases []Database
	// Effective is the URL variable's definition in effect, nil if none.
	Effective *Source
	// Readings are what each loader, in each folder, reads.
	Readings []*LoaderReading
	// Migrate is the definition migrations use; MigrateURL its direct URL,
	// nil when the endpoint is pooled and no direct form is known.
	Migrate    *Source
	MigrateURL *dburl.URL
	Warnings   []Warning
	// Scope is the service folder judged (Options.Scope), "" for all.
	Scope string
}

// Conflict reports whether more than one database is in effect.
func (r *Report) Conflict() bool { return len(r.Databases) > 1 || len(r.EnvDatabases) > 1 }

// ConflictError is returned by [Report.Err] when the databases disagree.
type ConflictError struct {
	Var   string
	Count int
	// Who says, per database, where it is defined and which loaders read
	// it: "backend/.env:1 (python-dotenv in backend/)".
	Who []string
	// Files are two env files naming different databases, for schema diff.
	Files []string
}

// ExitCode is 1: more than one database is in effect.
func (e *ConflictError) ExitCode() int { return exitcode.CheckFailed }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("conflict: %s names %d different databases", e.Var, e.Count)
}

// Hint names the next step.
func (e *ConflictError) Hint() string {
	h := ""
	if len(e.Who) > 0 {
		h = strings.Join(e.Who, "; ") + "; "
	}
	if len(e.Files) == 2 {
		h += "see how their schemas differ with: dbguard schema diff " + e.Files[0] + " " + e.Files[1] + "; "
	}
	return h + "make every env file name one database (or delete the stale ones); then run: dbguard env"
}

// conflictReaders says, per database in conflict, where the programs that
// read it start and its first definition: which file the migration tool
// reads and which the app, as "what runs in backend/ reads backend/.env:1".
func (r *Report) conflictReaders() []string {
	dbs := r.Databases
	if len(r.EnvDatabases) > len(dbs) {
		dbs = r.EnvDatabases
	}
	var out []string
	for _, d := range dbs {
		if len(d.Sources) == 0 {
			continue
		}
		var places, services, scripts []string
		for _, rd := range d.Readers {
			i := strings.LastIndex(rd, " in ")
			switch {
			case strings.HasPrefix(rd, "npm run ") || strings.HasPrefix(rd, "load_dotenv() at "):
				scripts = append(scripts, rd) // a script or a call in the code: name it
			case i >= 0 && strings.HasPrefix(rd, "compose service "):
				services = append(services, rd[:i]) // a container, not a folder
			case i >= 0 && !slices.Contains(places, rd[i+4:]):
				places = append(places, rd[i+4:])
			}
		}
		w := d.Sources[0].Def.Location()
		if len(places) > 3 {
			places = append(places[:2], fmt.Sprintf("%d more folders", len(places)-2))
		}
		if len(places) > 0 {
			scripts = append([]string{"what runs in " + strings.Join(places, " or ")}, scripts...)
		}
		switch {
		case len(scripts) > 0:
			w = strings.Join(scripts, " or ") + " reads " + w
		case len(services) > 0:
			w = strings.Join(services, " and ") + " reads " + w
		}
		out = append(out, w)
	}
	return out
}

// conflictFiles names two env files that define different databases, when
// the conflict is between files (schema diff reads each file's URL).
func (r *Report) conflictFiles() []string {
	var out []string
	for _, d := range r.Databases {
		for _, s := range d.Sources {
			// A compose file's environment: entry is no env file schema diff reads.
			if s.Def.File != "" && !strings.ContainsAny(s.Def.File, " \t'\"$`;&|<>()*?[]{}") && !isYAML(s.Def.File) {
				out = append(out, s.Def.File)
				break
			}
		}
		if len(out) == 2 {
			return out
		}
	}
	return nil
}

// NoURLError means no loader reads a value for the URL variable.
type NoURLError struct {
	Var, Root, Mode string
	// Empty is where it is set, but empty, when it is.
	Empty string
	// Container names the compose service that receives it when only
	// containers do: dbguard connects from the host.
	Container string
}

func (e *NoURLError) Error() string {
	if e.Empty != "" {
		return fmt.Sprintf("%s is set but empty (%s), and no loader reads another value for it (mode %s)", e.Var, e.Empty, e.Mode)
	}
	if e.Container != "" {
		return fmt.Sprintf("no env file under %s nor the environment sets %s (mode %s); only %s receives it, inside its container, and dbguard connects from the host", fromHere(e.Root), e.Var, e.Mode, e.Container)
	}
	return fmt.Sprintf("no env file under %s nor the environment sets %s (mode %s)", fromHere(e.Root), e.Var, e.Mode)
}

// fromHere is the folder dir as a person here would type it: relative to
// the working directory ("." for it), absolute only when no relative path
// leads there. A CI log then shows no runner's checkout path.
func fromHere(dir string) string {
	if wd, err := os.Getwd(); err == nil && filepath.IsAbs(dir) {
		if rel, err := filepath.Rel(wd, dir); err == nil {
			return rel
		}
	}
	return dir
}

// Hint names the next step.
func (e *NoURLError) Hint() string {
	if e.Empty != "" {
		return fmt.Sprintf("give %s a value there (or unset it: an empty variable still hides the env files from most loaders), then run: dbguard env", e.Var)
	}
	return fmt.Sprintf("add %s=postgres://... to %s; or check --mode, env.files and env.loaders in dbguard.yaml", e.Var, filepath.Join(fromHere(e.Root), ".env"))
}

// StrictError means warnings were found under --strict.
type StrictError struct{ Count int }

// ExitCode is 1: warnings under --strict.
func (e *StrictError) ExitCode() int { return exitcode.CheckFailed }

func (e *StrictError) Error() string {
	return fmt.Sprintf("%d warning(s) and --strict is set", e.Count)
}

// Hint names the next step.
func (e *StrictError) Hint() string {
	return "resolve the warnings above, or drop --strict"
}

// Err returns the verdict as an error: nil when exactly one database is in
// effect (and, under strict, nothing was worth a warning).
func (r *Report) Err(strict bool) error {
	if r.Conflict() {
		n := len(r.Databases)
		if len(r.EnvDatabases) > n {
			n = len(r.EnvDatabases)
		}
		return &ConflictError{Var: r.URLVar, Count: n, Who: r.conflictReaders(), Files: r.scopedFiles(r.conflictFiles())}
	}
	if r.Effective == nil {
		e := &NoURLError{Var: r.URLVar, Root: filepath.Join(r.Root, filepath.FromSlash(scopeDir(r.Scope))), Mode: r.Mode}
		for _, lr := range r.Readings {
			if loc := lr.Empty[r.URLVar]; loc != "" && e.Empty == "" {
				e.Empty = loc
			}
			if lr.container && lr.Reads[r.URLVar] != nil && e.Container == "" {
				e.Container = lr.Label()
			}
		}
		return e
	}
	if strict && len(r.Warnings) > 0 {
		return &StrictError{Count: len(r.Warnings)}
	}
	return nil
}

// ValueError is a URL variable whose value is not a PostgreSQL connection
// string. It never includes the value.
type ValueError struct {
	Location, Var string
	Err           error
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("%s: %s is not a usable PostgreSQL connection string: %v", e.Location, e.Var, e.Err)
}

func (e *ValueError) Unwrap() error { return e.Err }

// Hint names the next step.
func (e *ValueError) Hint() string {
	return "write it as postgres://user:password@host:port/dbname (percent-encode special characters in the password), then run: dbguard env"
}

// Resolve reads the project as every loader in use reads it (see
// planRuns), and the process environment, and judges each value of the URL
// variables. Only unreadable or malformed input is an error; disagreement
// is in the report (see [Report.Err]).
func Resolve(ctx context.Context, o Options) (*Report, error) {
	r := &Report{Root: o.Root, Mode: o.Mode, URLVar: o.URLVar, DirectVars: o.DirectVars, Scope: o.Scope}
	files, manifestPaths, err := r.findFiles(ctx, o)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for _, kv := range o.Environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	manifests := readManifests(o, manifestPaths)
	runs := planRuns(o, files, manifests)
	runs, files = r.pythonCallRuns(ctx, o, manifests, runs, files)
	scripts, files := r.scriptRuns(o, manifestPaths, files)
	runs = append(runs, scripts...)
	vars := append([]string{o.URLVar}, o.DirectVars...)
	runs, svcRuns, svcReadings, err := r.withoutComposeRuns(o, runs, manifestPaths, env, vars)
	if err != nil {
		return nil, err
	}
	readings, err := readAll(ctx, runs, o.fileReader(files), env, o.Mode, vars)
	if err != nil {
		return nil, err
	}
	runs, readings = append(runs, svcRuns...), append(readings, svcReadings...)
	j := &judging{o: o, r: r, sources: map[sourceKey]*Source{}, driver: o.driverEnvironment()}
	readBy, err := j.judgeReadings(runs, readings, vars)
	if err != nil {
		return nil, err
	}
	if err := j.failures(vars); err != nil {
		return nil, err
	}
	r.Files = markRead(files, readBy)
	j.shadowed(vars)
	r.Sources = j.ordered()
	r.groupDatabases(vars)
	r.Effective = r.effective()
	r.readingWarnings(vars)
	r.chooseMigrate()
	return r, nil
}

// findFiles lists the env files and manifests: the hook's index contents,
// else discovery on disk (an unreadable folder is a warning).
func (r *Report) findFiles(ctx context.Context, o Options) ([]EnvFile, []string, error) {
	if o.Contents != nil && o.Scope != "" {
		files, manifests := classifyScope(o.Contents, o)
		return files, manifests, nil
	}
	if o.Contents != nil {
		files, manifests := classifyAll(o.Contents, o.Mode, o.Files, o.Exclude)
		return files, manifests, nil
	}
	var files []EnvFile
	var manifests []string
	var unreadable []*UnreadableError
	var err error
	if o.Scope != "" {
		files, manifests, unreadable, err = discoverScope(ctx, o)
	} else {
		files, manifests, unreadable, err = discover(ctx, o.Root, o.Mode, o.Files, o.Exclude)
	}
	for _, u := range unreadable {
		r.warn("unreadable", u.Path+"/", u.Error())
	}
	return files, manifests, err
}

// judgeReadings turns every loader's reading into the report's readings
// and their sources, and returns which loaders read each file. A file too
// large for anyone, or one a loader in use cannot read, is an error; one
// an assumed loader cannot read is a warning.
func (j *judging) judgeReadings(runs []run, readings []*envload.Reading, vars []string) (map[string][]string, error) {
	r := j.r
	for _, rd := range readings {
		var big *TooLargeError
		if errors.As(rd.Err, &big) {
			return nil, big // whoever reads it: refused for all
		}
	}
	readBy := map[string][]string{}
	done := map[*envload.Reading]*LoaderReading{}
	for i, run := range runs {
		rd := readings[i]
		name := run.loader.Name
		if run.label != "" {
			name = run.label // "compose service backend (compose.yaml:12)"
		}
		lr := &LoaderReading{Loader: name, Call: run.loader.Call, Dir: run.dir, Caller: rd.Caller, InUse: run.inUse, Why: run.why,
			Files: rd.Files, Err: rd.Err, reading: rd, configured: len(j.o.Loaders) > 0, container: run.container, published: run.published}
		if rd.Err != nil {
			if run.inUse {
				return nil, rd.Err
			}
			r.warn("loader-error", errLocation(rd.Err), fmt.Sprintf("%s (assumed: no manifest names it) cannot read this file: %v", lr.Label(), errMessage(rd.Err)))
		}
		for _, f := range rd.Files {
			if !slices.Contains(readBy[f], lr.Loader) {
				readBy[f] = append(readBy[f], lr.Loader)
			}
		}
		r.Readings = append(r.Readings, lr)
		// A loader that only returns a map shares no sources with one that
		// set the file's PG* variables in the environment: their drivers
		// complete the URL differently.
		if prev := done[rd.Same]; rd.Same != nil && prev != nil && (prev.reading.Loader.SetsEnviron() == rd.Loader.SetsEnviron() || prev.pgSig() == lr.pgSig()) {
			j.share(lr, prev)
			continue
		}
		done[rd] = lr
		if err := j.judgeReading(lr, vars); err != nil {
			return nil, err
		}
	}
	return readBy, nil
}

// share gives a reading the sources of the earlier one it equals (same
// plain files, same order); the maps are that reading's, never written
// again.
func (j *judging) share(lr, prev *LoaderReading) {
	lr.Reads, lr.Empty, lr.unusable, lr.badKeys = prev.Reads, prev.Empty, prev.unusable, prev.badKeys
	for _, k := range lr.badKeys {
		j.badBy[k] = append(j.badBy[k], lr)
	}
	for _, s := range prev.Reads {
		s.addReader(lr)
	}
}

// judgeReading judges what one loader reads for each URL variable.
func (j *judging) judgeReading(lr *LoaderReading, vars []string) error {
	for _, v := range vars {
		val, ok := lr.reading.Lookup(v)
		switch {
		case !ok:
		case strings.TrimSpace(val.Value) == "":
			if lr.Empty == nil {
				lr.Empty = map[string]string{}
			}
			lr.Empty[v] = val.Location()
		default:
			s, err := j.source(v, val, lr)
			if err != nil {
				return err
			}
			if s != nil {
				if lr.Reads == nil {
					lr.Reads = map[string]*Source{}
				}
				lr.Reads[v] = s
			}
		}
	}
	return nil
}

// groupDatabases sorts the sources in effect into databases and names,
// for each, the loaders that read it.
func (r *Report) groupDatabases(vars []string) {
	var inEffect, envSources []*Source
	for _, s := range r.Sources {
		if s.InEffect {
			inEffect = append(inEffect, s)
			if s.FromEnvironment() {
				envSources = append(envSources, s)
			}
		}
	}
	r.Databases = r.group(inEffect)
	r.EnvDatabases = r.group(envSources)
	dbOf := map[*Source]int{}
	for i, db := range r.Databases {
		for _, s := range db.Sources {
			dbOf[s] = i
		}
	}
	readersOf := make([][]*LoaderReading, len(r.Databases))
	for _, lr := range r.Readings {
		seen := -1
		for _, v := range vars {
			if i, ok := dbOf[lr.Reads[v]]; ok && i != seen {
				readersOf[i], seen = append(readersOf[i], lr), i
			}
		}
	}
	for i := range r.Databases {
		r.Databases[i].Readers = strings.Split(labels(readersOf[i]), "; ")
	}
}

// readAll runs every loader, the folders shared out among the cores: in a
// monorepo that is most of the work. Each worker has its own Input (its
// own caches); the files are read-only.
func readAll(ctx context.Context, runs []run, files envload.Files, env map[string]string, mode string, keep []string) ([]*envload.Reading, error) {
	out := make([]*envload.Reading, len(runs))
	workers := min(runtime.GOMAXPROCS(0), 4)
	if len(runs) < 64 {
		workers = 1
	}
	// One folder's loaders stay on one worker, so that those reading the
	// same plain files share one reading (envload.Input's memo).
	worker := make([]int, len(runs))
	dirs := map[string]int{}
	for i, run := range runs {
		n, ok := dirs[run.dir]
		if !ok {
			n = len(dirs)
			dirs[run.dir] = n
		}
		worker[i] = n % workers
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Keep: a reading holds the URL variables, not every variable
			// of every file once per loader.
			in := &envload.Input{Files: files, Environ: env, Mode: mode, Keep: keep}
			for i, run := range runs {
				if worker[i] != w {
					continue
				}
				if ctx.Err() != nil {
					return
				}
				out[i] = envload.Read(run.loader, in, run.dir, run.caller)
			}
		}()
	}
	wg.Wait()
	return out, ctx.Err()
}

// fileReader serves the loaders the env files discovery found (or the
// explicit ones), from Contents or the disk; nothing else. An explicit
// file with another name (deploy/prod.env) is what loaders in its folder
// read as .env.
func (o Options) fileReader(files []EnvFile) envload.Files {
	served := map[string]string{}
	byScript := map[string]bool{}
	for _, f := range files {
		served[f.Path] = f.Path
		byScript[f.Path] = f.byScript
	}
	for _, f := range files {
		if _, ok := classify(path.Base(f.Path), ""); !ok && !f.byScript {
			if alias := path.Join(f.Dir(), ".env"); served[alias] == "" {
				served[alias] = f.Path
			}
		}
	}
	contents := o.Contents
	if contents == nil {
		contents = prefetch(o.Root, files)
	}
	return func(rel string) ([]byte, bool, error) {
		p, ok := served[rel]
		if !ok {
			return nil, false, nil
		}
		if data, ok := contents[p]; ok {
			if len(data) > MaxEnvFileSize {
				return nil, false, &TooLargeError{Path: p, Size: int64(len(data))}
			}
			return data, true, nil
		}
		var data []byte
		var err error
		if byScript[p] {
			if data, err = readInRoot(o.Root, p, MaxEnvFileSize); errors.Is(err, errTooLarge) {
				err = &TooLargeError{Path: p, Size: MaxEnvFileSize + 1}
			}
		} else {
			data, err = readLimited(filepath.Join(o.Root, filepath.FromSlash(p)), p)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		return data, true, nil
	}
}

// MaxEnvFileSize bounds what dbguard reads as an env file: real ones are a
// few kilobytes, and every loader's parser is linear, but a generated or
// mistaken file of gigabytes would still hold the guard up.
const MaxEnvFileSize = 1 << 20

// TooLargeError is an env file over [MaxEnvFileSize].
type TooLargeError struct {
	Path string
	Size int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is %.1f MiB; env files over %d MiB are refused (no loader is meant to read that)", e.Path, float64(e.Size)/(1<<20), MaxEnvFileSize>>20)
}

// Hint names the next step.
func (e *TooLargeError) Hint() string {
	return fmt.Sprintf("if %s is not an env file, leave it out with env.exclude in dbguard.yaml; then run: dbguard env", e.Path)
}

// readLimited reads a file, refusing it past MaxEnvFileSize without
// reading it all.
func readLimited(name, rel string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > MaxEnvFileSize {
		return nil, &TooLargeError{Path: rel, Size: st.Size()}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxEnvFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", rel, err)
	}
	if len(data) > MaxEnvFileSize {
		return nil, &TooLargeError{Path: rel, Size: int64(len(data))}
	}
	return data, nil
}

// prefetch reads, a few at a time, the env files some loader may read in
// this mode (the rest is read on demand): in a monorepo of a thousand
// folders the reading is most of the work, and it waits on the disk.
func prefetch(root string, files []EnvFile) map[string][]byte {
	var paths []string
	for _, f := range files {
		if f.Status == InEffect || f.Status == TestLocal || path.Base(f.Path) == ".env.defaults" {
			paths = append(paths, f.Path)
		}
	}
	out := make(map[string][]byte, len(paths))
	if len(paths) < 16 {
		return out
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan string)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				if data, err := readLimited(filepath.Join(root, filepath.FromSlash(p)), p); err == nil {
					mu.Lock()
					out[p] = data
					mu.Unlock()
				}
			}
		}()
	}
	for _, p := range paths {
		next <- p
	}
	close(next)
	wg.Wait()
	return out
}

// markRead records which loaders read each file; a loadable file that no
// loader in this project reads says so.
func markRead(files []EnvFile, readBy map[string][]string) []EnvFile {
	for i := range files {
		f := &files[i]
		f.ReadBy = readBy[f.Path]
		switch {
		case len(f.ReadBy) > 0:
			f.Status = InEffect
		case f.Status == InEffect || f.Status == TestLocal:
			f.Status = NotRead
		}
	}
	return files
}

// judging collects sources across readings: one per variable, location
// and value.
type judging struct {
	o           Options
	r           *Report
	driver      dburl.Environment
	sources     map[sourceKey]*Source
	order       []*Source
	completions map[string]completed
	// bad are values that are not connection strings as some loaders read
	// them, by key, and who reads them so.
	bad   map[sourceKey]*ValueError
	badBy map[sourceKey][]*LoaderReading
}

// sourceKey is one value of one variable at one place ("" and 0 for the
// process environment), with the PG* variables the loader set beside it:
// the driver completes the URL from them.
type sourceKey struct {
	v, file, value, pg string
	line               int
}

func (j *judging) source(v string, val envload.Value, lr *LoaderReading) (*Source, error) {
	key := sourceKey{v: v, value: val.Value, pg: lr.pgSig()}
	if lr.container && j.containerDiffers(val.Value, lr) {
		// A container completes and reaches hosts otherwise (composeHost).
		key.pg += "\x00container"
	}
	if val.Def != nil {
		key.file, key.line = val.Def.File, val.Def.Line
	}
	if s, ok := j.sources[key]; ok {
		s.addReader(lr)
		return s, nil
	}
	if val.Command {
		j.r.warn("command", val.Location(), fmt.Sprintf("%s: %s runs the $(...) in this value as a shell command; dbguard never runs what an env file says, so it cannot tell which database this names", v, lr.Label()))
		return nil, nil
	}
	d := Definition{Key: v, Value: val.Value}
	if val.Def != nil {
		d.File, d.Line, d.Quote = val.Def.File, val.Def.Line, val.Def.Quote
	}
	s, err := judge(v, d, lr.Dir, j.o.Rules)
	if err == nil && unexpanded(val) && (strings.Contains(s.ID.String(), "$") || strings.Contains(s.URL.User(), "$")) {
		// A literal ${...} in the host, port, database or user names no
		// database; in the password it is a wrong password, which
		// password-differs reports.
		err = &ValueError{Location: d.Location(), Var: v, Err: fmt.Errorf("%s does not expand $VAR or ${VAR}: the application gets the text as written", lr.Loader)}
	}
	if err != nil {
		var ve *ValueError
		if errors.As(err, &ve) {
			if j.bad == nil {
				j.bad = map[sourceKey]*ValueError{}
				j.badBy = map[sourceKey][]*LoaderReading{}
			}
			j.bad[key] = ve
			j.badBy[key] = append(j.badBy[key], lr)
			lr.unusable = append(lr.unusable, v)
			lr.badKeys = append(lr.badKeys, key)
			return nil, nil
		}
		return nil, err
	}
	if !s.FromEnvironment() || val.Def == nil {
		s.Dir = lr.Dir
	}
	for _, ref := range val.Refs {
		from := "unset"
		if rv, ok := lr.reading.RefLookup(ref); ok {
			from = rv.Location()
		}
		s.Via = append(s.Via, ref+" from "+from)
	}
	j.complete(s, lr)
	composeHost(s, lr)
	for _, msg := range s.URL.Lint() {
		j.r.warn("lint", s.Def.Location(), s.Var+": "+msg)
	}
	s.InEffect = true
	s.addReader(lr)
	j.sources[key] = s
	j.order = append(j.order, s)
	return s, nil
}

// unexpanded reports whether a value still holds the variable references
// it was written with: the loader handed them over as text.
func unexpanded(val envload.Value) bool {
	for _, ref := range val.Refs {
		if strings.Contains(val.Value, "${"+ref) || strings.Contains(val.Value, "$"+ref) {
			return true
		}
	}
	return false
}

// complete fills in what the driver takes from PG* variables, a service
// file and libpq's defaults, and identifies the database by it.
//
// The driver reads the environment the application has after loading: a
// PGHOST an env file sets beside a URL without a host counts (lr, when
// known).
func (j *judging) complete(s *Source, lr *LoaderReading) {
	driver, pg := j.driver, ""
	if lr != nil && lr.container {
		// A container's driver sees what compose passed, not the shell.
		driver.Vars, pg = nil, "\x00container"
	}
	if lr != nil && len(lr.pgEnv()) > 0 {
		driver.Vars = append(append([]string{}, driver.Vars...), lr.pgEnv()...)
		pg += "\x00" + lr.pgSig()
	}
	c := j.completion(s.URL, s.Def.Value+pg, driver)
	if c.err != nil {
		j.r.warn("driver", s.Def.Location(), fmt.Sprintf("%s: the driver cannot complete this connection string: %v", s.Var, c.err))
		return
	}
	done := c.done
	s.Completed = done
	target := c.id
	if s.Endpoint.Direct != nil {
		if dc := j.completion(s.Endpoint.Direct, "direct\x00"+s.Def.Value+pg, driver); dc.err == nil {
			target = dc.id
		}
	}
	s.ID = target
	for _, c := range done {
		if c.FromDefault() {
			continue // port 5432, the OS user: they surprise nobody
		}
		if c.Part == "host" || c.Part == "port" || c.Part == "database" || c.Part == "user" {
			s.CompletedFrom = append(s.CompletedFrom, c.String())
		}
	}
}

// completed is what the driver makes of one connection string.
type completed struct {
	id   dburl.Identity
	done []dburl.Completion
	err  error
}

// completion completes a URL once per spelling (key: the text it was
// parsed from): a monorepo writes the same one in a thousand files, and
// the environment does not change.
func (j *judging) completion(u *dburl.URL, key string, driver dburl.Environment) completed {
	if c, ok := j.completions[key]; ok {
		return c
	}
	var c completed
	var full *dburl.URL
	if full, c.done, c.err = u.Complete(driver); c.err == nil {
		c.id = full.Identity()
		dburl.AddURLSecrets(full) // PGPASSWORD, a service file's password
	}
	if j.completions == nil {
		j.completions = map[string]completed{}
	}
	j.completions[key] = c
	return c
}

// failures returns an error when no loader reads a usable connection
// string from a definition some loader reads as a broken one, or when
// nothing usable is read at all and some loader cannot read its files: the
// file is wrong for everyone. Otherwise each broken reading is a warning
// naming the loaders that read it so.
func (j *judging) failures(vars []string) error {
	keys := make([]sourceKey, 0, len(j.bad))
	for k := range j.bad {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		x, y := keys[a], keys[b]
		if x.file != y.file {
			return x.file < y.file
		}
		if x.line != y.line {
			return x.line < y.line
		}
		return x.v+x.value < y.v+y.value
	})
	for _, k := range keys {
		ve := j.bad[k]
		fine := false
		for _, s := range j.order {
			if s.Var == ve.Var && s.Def.Location() == ve.Location {
				fine = true
			}
		}
		if !fine {
			// A loader that refuses the line says best what is wrong.
			for _, lr := range j.r.Readings {
				if lr.Err != nil && errLocation(lr.Err) == ve.Location {
					return lr.Err
				}
			}
			return ve
		}
	}
	for _, k := range keys {
		ve := j.bad[k]
		j.r.warn("unusable", ve.Location, fmt.Sprintf("%s reads %s here as a value that is not a usable PostgreSQL connection string (%v), while other loaders read it whole",
			labels(j.badBy[k]), ve.Var, ve.Err))
	}
	if len(j.order) == 0 {
		for _, lr := range j.r.Readings {
			if lr.Err != nil {
				return lr.Err
			}
		}
	}
	return nil
}

// labels names loaders for people, grouped by folder: "dotenv, vite in
// the project root; godotenv in backend/".
func labels(lrs []*LoaderReading) string {
	var dirs []string
	by := map[string][]string{}
	for _, lr := range lrs {
		if _, ok := by[lr.Dir]; !ok {
			dirs = append(dirs, lr.Dir)
		}
		if !slices.Contains(by[lr.Dir], lr.Loader) {
			by[lr.Dir] = append(by[lr.Dir], lr.Loader)
		}
	}
	var parts []string
	for _, d := range dirs {
		parts = append(parts, strings.Join(by[d], ", ")+" in "+where(d))
	}
	return strings.Join(parts, "; ")
}

// shadowed adds the definitions of URL variables that loaders read past
// (a later file, the environment) and that name another database.
func (j *judging) shadowed(vars []string) {
	type at struct {
		v, file string
		line    int
	}
	used := map[at]bool{}
	for _, s := range j.order {
		used[at{s.Var, s.Def.File, s.Def.Line}] = true
	}
	readers := map[string][]*LoaderReading{} // by file
	for _, lr := range j.r.Readings {
		for _, f := range lr.Files {
			readers[f] = append(readers[f], lr)
		}
	}
	seen := map[at]bool{}
	for _, lr := range j.r.Readings {
		if lr.reading.Same != nil {
			continue // the same definitions as the reading it shares
		}
		for _, d := range lr.reading.Defs {
			if !slices.Contains(vars, d.Key) || strings.TrimSpace(d.Value) == "" || !d.Expanded && strings.Contains(d.Value, "$") {
				continue // unexpanded: what it names depends on a loader none uses here
			}
			k := at{d.Key, d.File, d.Line}
			if used[k] || seen[k] {
				continue
			}
			seen[k] = true
			s, err := judge(d.Key, Definition{Key: d.Key, Value: d.Value, File: d.File, Line: d.Line, Quote: d.Quote}, lr.Dir, j.o.Rules)
			if err != nil {
				continue // not in effect anywhere: nothing connects with it
			}
			j.complete(s, nil)
			j.order = append(j.order, s)
			for _, lr2 := range readers[d.File] {
				if w, ok := lr2.Reads[d.Key]; ok && !sameDatabase(s, w) {
					j.r.warn("shadowed", d.Location(), fmt.Sprintf("%s here names %s, but %s reads %s from %s; a tool that reads only this file would still use this line",
						d.Key, s.ID, lr2.Label(), w.ID, w.Def.Location()))
					break
				}
			}
		}
	}
}

// ordered lists the environment's sources first, then the files' by path
// and line.
func (j *judging) ordered() []*Source {
	out := append([]*Source{}, j.order...)
	sort.SliceStable(out, func(a, b int) bool {
		x, y := out[a], out[b]
		if x.FromEnvironment() != y.FromEnvironment() {
			return x.FromEnvironment()
		}
		if x.Def.File != y.Def.File {
			return fileLess(x.Def.File, y.Def.File)
		}
		return x.Def.Line < y.Def.Line
	})
	return out
}

func fileLess(a, b string) bool {
	if da, db := path.Dir(a), path.Dir(b); da != db {
		return dirLess(da, db)
	}
	return a < b
}

func (s *Source) addReader(lr *LoaderReading) {
	if l := lr.Label(); len(s.Readers) == 0 || s.Readers[len(s.Readers)-1] != l {
		s.Readers = append(s.Readers, l)
	}
}

// judge parses a definition and works out the database it names.
func judge(v string, d Definition, dir string, rules []dburl.Rule) (*Source, error) {
	u, err := dburl.Parse(d.Value)
	if err != nil {
		return nil, &ValueError{Location: d.Location(), Var: v, Err: err}
	}
	s := &Source{Var: v, Def: d, Dir: dir, URL: u, Endpoint: dburl.Classify(u, rules)}
	// Every password dbguard reads is masked as literal text from here on
	// (output's safety net), wherever it would be printed.
	dburl.AddURLSecrets(u)
	dburl.AddURLSecrets(s.Endpoint.Direct)
	if s.Endpoint.Direct != nil {
		s.ID = s.Endpoint.Direct.Identity()
	} else {
		s.ID = u.Identity()
	}
	return s, nil
}

func (r *Report) warn(code, loc, msg string) {
	for _, w := range r.Warnings {
		if w.Code == code && w.Location == loc && w.Message == msg {
			return
		}
	}
	r.Warnings = append(r.Warnings, Warning{Code: code, Location: loc, Message: msg})
}

func errLocation(err error) string {
	var pe *envload.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%s:%d", pe.File, pe.Line)
	}
	return ""
}

func errMessage(err error) string {
	var pe *envload.ParseError
	if errors.As(err, &pe) {
		if pe.Key != "" {
			return pe.Key + ": " + pe.Msg
		}
		return pe.Msg
	}
	return err.Error()
}

// effective is the URL variable's value dbguard itself goes by: the
// process environment's, else the first loader in use at the root, else
// any loader's.
func (r *Report) effective() *Source {
	var best *Source
	score := -1
	for _, lr := range r.Readings {
		s := lr.Reads[r.URLVar]
		if s == nil {
			continue
		}
		sc := 0
		switch {
		case s.FromEnvironment():
			sc = 3
		case lr.container:
			continue // the app's URL inside a container, not dbguard's on the host
		case lr.Dir == scopeDir(r.Scope) && lr.InUse:
			sc = 2
		case lr.Dir == scopeDir(r.Scope):
			sc = 1
		}
		if sc > score {
			best, score = s, sc
		}
	}
	return best
}

// inEffect are the sources some loader reads.
func (r *Report) inEffect() []*Source {
	var out []*Source
	for _, s := range r.Sources {
		if s.InEffect {
			out = append(out, s)
		}
	}
	return out
}

// readingWarnings: the loaders that read nothing usable where others read
// a URL (grouped by cause), the same database read with other passwords,
// a process environment that hides what the files say, and parts of the
// URL the driver takes from the environment.
func (r *Report) readingWarnings(vars []string) {
	r.readsNothingWarnings(vars)
	r.passwordWarnings()
	r.environmentWarnings()
}

// readsNothingWarnings: the loaders that read nothing usable where others
// read a URL, grouped by cause.
func (r *Report) readsNothingWarnings(vars []string) {
	for _, v := range vars {
		var reader *LoaderReading
		for _, lr := range r.Readings {
			if lr.Reads[v] != nil {
				reader = lr
				break
			}
		}
		if reader == nil {
			continue
		}
		causes, byCause := []string{}, map[string][]*LoaderReading{}
		locs := map[string]string{}
		for _, lr := range r.Readings {
			if lr.Reads[v] != nil || slices.Contains(lr.unusable, v) || v != r.URLVar && lr.Empty[v] == "" {
				continue
			}
			if len(lr.Files) == 0 && lr.Err == nil && !lr.configured {
				continue // nothing here for it to read: no app starts here
			}
			loc, cause := lr.explainMissing(v)
			k := loc + "\x00" + cause
			if _, ok := byCause[k]; !ok {
				causes = append(causes, k)
				locs[k] = loc
			}
			byCause[k] = append(byCause[k], lr)
		}
		for _, k := range causes {
			_, cause, _ := strings.Cut(k, "\x00")
			r.warn("reads-nothing", locs[k], fmt.Sprintf("%s %s, while %s reads %s from %s", labels(byCause[k]), cause, reader.Label(), v, reader.Reads[v].Def.Location()))
		}
	}
}

// passwordWarnings: one database and user, another password: one of them
// fails to log in.
func (r *Report) passwordWarnings() {
	inEffect := r.inEffect()
	// One database and user, another password: one of them fails to log in.
	// (Grouped by database and user first: a monorepo has a thousand.)
	type login struct {
		db   dburl.Identity
		user string
	}
	first := map[login]*Source{}
	for _, s := range inEffect {
		k := login{s.ID, s.URL.User()}
		if s.Endpoint.Kind == dburl.PooledUnknown {
			k.db = dburl.Identity{Database: s.ID.Database}
		}
		a, seen := first[k]
		if !seen {
			first[k] = s
			continue
		}
		if a.URL.Password() != s.URL.Password() {
			r.warn("password-differs", s.Def.Location(), fmt.Sprintf("%s (%s) and %s (%s) name the same database %s as user %q with different passwords: one of them fails to log in",
				a.Def.Location(), strings.Join(a.Readers, ", "), s.Def.Location(), strings.Join(s.Readers, ", "), a.ID, k.user))
		}
	}
}

// environmentWarnings: a process environment that hides what the files
// say, and parts of a URL the driver takes from the environment.
func (r *Report) environmentWarnings() {
	inEffect := r.inEffect()
	if r.Effective != nil && r.Effective.FromEnvironment() {
		for _, s := range r.Sources {
			if !s.FromEnvironment() && s.Var == r.URLVar && !sameDatabase(s, r.Effective) {
				r.warn("env-override", "environment", fmt.Sprintf("%s in the process environment names %s, but %s names %s; loaders that do not override the environment (dotenv, python-dotenv, Vite, godotenv.Load) use the environment's",
					r.URLVar, r.Effective.ID, s.Def.Location(), s.ID))
				break
			}
		}
	}
	for _, s := range inEffect {
		if len(s.CompletedFrom) > 0 {
			r.warn("driver-completes", s.Def.Location(), fmt.Sprintf("%s leaves out what the driver then takes from the environment: %s", s.Var, strings.Join(s.CompletedFrom, ", ")))
		}
	}
}

// sameDatabase compares two definitions. When one goes through a pooler
// whose direct endpoint is unknown, only the database names can be compared.
func sameDatabase(a, b *Source) bool {
	if a.Endpoint.Kind == dburl.PooledUnknown || b.Endpoint.Kind == dburl.PooledUnknown {
		return a.ID.Database == b.ID.Database
	}
	return a.ID == b.ID
}

// group sorts definitions into distinct databases, in order of appearance.
// Those whose database is known are grouped by it first; one behind a
// pooler whose direct endpoint is unknown (known only by its database name)
// then joins a group of that name. Grouping it first would let it join two
// hosts into one database.
func (r *Report) group(sources []*Source) []Database {
	var dbs []Database
	place := func(s *Source, same func(a, b *Source) bool) {
		for i := range dbs {
			if same(s, dbs[i].Sources[0]) {
				dbs[i].Sources = append(dbs[i].Sources, s)
				return
			}
		}
		dbs = append(dbs, Database{ID: s.ID, Sources: []*Source{s}})
	}
	for _, s := range sources {
		if s.Endpoint.Kind != dburl.PooledUnknown {
			place(s, func(a, b *Source) bool { return a.ID == b.ID })
		}
	}
	for _, s := range sources {
		if s.Endpoint.Kind == dburl.PooledUnknown {
			place(s, sameDatabase)
		}
	}
	for _, db := range dbs {
		for _, s := range db.Sources {
			if s.Endpoint.Kind == dburl.PooledUnknown && len(db.Sources) > 1 {
				r.warn("unverified-pooler", s.Def.Location(), fmt.Sprintf("%s goes through a pooler (%s) whose direct endpoint dbguard does not know, so only its database name %q could be compared; add a poolers rule to dbguard.yaml",
					s.Var, s.Endpoint.Reason, s.ID.Database))
			}
		}
	}
	return dbs
}

// chooseMigrate picks the URL migrations use: a direct-URL variable naming
// the database in effect, read by the same loaders, else the database URL
// itself, rewritten to its direct endpoint.
func (r *Report) chooseMigrate() {
	if r.Effective == nil {
		return
	}
	var from *LoaderReading
	for _, lr := range r.Readings {
		if lr.Reads[r.URLVar] == r.Effective {
			from = lr
			break
		}
	}
	for _, v := range r.DirectVars {
		s := from.Reads[v]
		if s == nil || !sameDatabase(s, r.Effective) {
			continue // a conflict: reported already
		}
		if s.Endpoint.Direct == nil {
			r.warn("pooled-direct-var", s.Def.Location(), fmt.Sprintf("%s should hold the direct URL, but it looks pooled (%s)", v, s.Endpoint.Reason))
			continue
		}
		r.Migrate, r.MigrateURL = s, s.Endpoint.Direct
		return
	}
	r.Migrate, r.MigrateURL = r.Effective, r.Effective.Endpoint.Direct
	if r.MigrateURL == nil {
		r.warn("pooled-no-direct", r.Effective.Def.Location(), fmt.Sprintf("%s is pooled (%s) and no direct URL is known; migrations need one: set %s or add a poolers rule to dbguard.yaml",
			r.URLVar, r.Effective.Endpoint.Reason, firstOr(r.DirectVars, "DIRECT_URL")))
	}
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}

// OptionsFor builds Options from a configuration. An empty mode means the
// configured one.
func OptionsFor(cfg *config.Config, mode string, environ []string) Options {
	if mode == "" {
		mode = cfg.Env.Mode
	}
	return Options{
		Root:       cfg.Root,
		Mode:       mode,
		URLVar:     cfg.Database.URLVar,
		DirectVars: cfg.Database.DirectURLVars,
		Files:      cfg.Env.Files,
		Exclude:    cfg.Env.Exclude,
		Environ:    environ,
		Rules:      cfg.Rules(),
		Loaders:    cfg.Env.Loaders,
		// The process environment means a real connection follows.
		DriverDefaults: environ != nil,
	}
}

// MigrateURLIn is the direct URL as the loaders in dir (relative to the
// root) write it: the scheme, driver suffix (postgresql+asyncpg) and
// parameters of that folder's own definition, with only the endpoint made
// direct. A tool run in backend/ then gets backend/.env's URL, not the root
// one that differs by driver. It is MigrateURL when dir's loaders read no
// definition of the same database, or no direct form of it is known.
func (r *Report) MigrateURLIn(dir string) *dburl.URL {
	if r.MigrateURL == nil || r.Migrate == nil || r.Migrate.FromEnvironment() {
		return r.MigrateURL
	}
	dir = filepath.ToSlash(filepath.Clean(dir))
	var found *dburl.URL
	for _, lr := range r.Readings {
		if lr.Dir != dir || lr.container {
			continue
		}
		s := lr.Reads[r.URLVar]
		if s == nil || s == r.Migrate || s.FromEnvironment() || !sameDatabase(s, r.Migrate) || s.Endpoint.Direct == nil {
			continue
		}
		if lr.InUse {
			return s.Endpoint.Direct // the loader a manifest names there
		}
		if found == nil {
			found = s.Endpoint.Direct // the loaders assumed there
		}
	}
	if found != nil {
		return found
	}
	return r.MigrateURL
}
