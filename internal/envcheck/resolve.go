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
	"io/fs"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/safefile"
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
	// DecoupleUnused (the hook, with Contents): the caller found that no
	// Python file names decouple, so a manifest's python-decouple is not
	// assumed, as env decides when it reads the code itself.
	DecoupleUnused bool
	// Listing, when set, stands for the walk of the disk: discovery
	// visits the listed files (the hook's, from the index and one walk) instead of
	// reading every folder; each is still read from the disk.
	Listing *Listing
	// Dirs, when set, are folders the caller has just read (the services'
	// walk): discovery uses each listing there instead of reading the
	// folder again. Listing, when set, comes first.
	Dirs *Dirs
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
	// Found, when set, is told how many env files discovery found, before
	// any is read (dbguard env prepares its heap for a large tree).
	Found func(n int)
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
	if o.Found != nil {
		o.Found(len(files))
	}
	env := map[string]string{}
	for _, kv := range o.Environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	manifests := r.readManifests(o, manifestPaths)
	runs := planRuns(o, files, manifests)
	// The code and the scripts start processes where their manifest is: in
	// a service, only its own (the root's scripts are the root's).
	codeManifests, codePaths := manifests, manifestPaths
	if o.Scope != "" {
		codeManifests, codePaths = map[string][]string{}, nil
		for d, names := range manifests {
			if inScope(o.Scope, d) {
				codeManifests[d] = names
			}
		}
		for _, p := range manifestPaths {
			if inScope(o.Scope, path.Dir(p)) {
				codePaths = append(codePaths, p)
			}
		}
	}
	runs, files = r.pythonCallRuns(ctx, o, codeManifests, runs, files)
	djangos := djangoProjects(o, manifestPaths)
	runs, files = r.djangoEnvironRuns(ctx, o, djangos, codeManifests, runs, files)
	runs, files = r.nodeCallRuns(ctx, o, codeManifests, runs, files)
	scripts, files := r.scriptRuns(o, codePaths, files)
	runs = append(runs, scripts...)
	runs = r.viteConfigRuns(o, runs)
	files = r.decoupleFiles(o, runs, files)
	vars := append([]string{o.URLVar}, o.DirectVars...)
	runs, svcRuns, svcReadings, err := r.withoutComposeRuns(o, runs, manifestPaths, env, vars)
	if err != nil {
		return nil, err
	}
	read, aliases := o.fileReader(files)
	rs := readAll(ctx, runs, svcReadings, read, len(files), env, o.Mode, vars)
	if len(aliases) > 0 || !rs.streamed() {
		// unalias rewrites names the workers' memos share: it waits for
		// every reading, and so does the judging of a few.
		if err := rs.wait(); err != nil {
			return nil, err
		}
		unalias(rs.out[:len(runs)], aliases)
	}
	runs = append(runs, svcRuns...)
	j := &judging{o: o, r: r, sources: make(map[sourceKey]*Source, len(files)), driver: o.driverEnvironment(), secretNames: secretNames{}}
	readBy, err := j.judgeReadings(runs, rs, vars, len(files))
	if err != nil {
		return nil, err
	}
	if err := j.failures(vars); err != nil {
		return nil, err
	}
	r.Files = markRead(files, readBy)
	j.shadowed(vars)
	r.Sources = j.ordered()
	r.groupDatabases()
	r.Effective = r.effective()
	r.readingWarnings(vars)
	r.modeVarWarnings(read, env, vars)
	r.djangoEnvironWarnings(o, djangos, vars)
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
		files, manifests, unreadable, err = discover(ctx, o.walker(), o.Root, o.Mode, o.Files, o.Exclude)
	}
	for _, u := range unreadable {
		r.warn("unreadable", u.Path+"/", u.Error())
	}
	if err == nil && len(o.Files) > 0 {
		// env.files is the repository's word (dbguard.yaml): a file it
		// lists that is above the project root, absolute outside it, or
		// behind a link leading out of it is not read.
		for _, f := range files {
			if f.Path == ".." || strings.HasPrefix(f.Path, "../") || !insideRoot(o.Root, f.Path) {
				return nil, nil, &MissingFileError{Path: f.Path, Err: errOutside}
			}
		}
	}
	return files, manifests, err
}

// errOutside is an env.files entry outside the project.
var errOutside = errors.New("it is outside the project (or a link takes it out), and dbguard reads nothing outside it")

// insideRoot reports whether rel below root, its links resolved, is
// still inside root: safefile.WithinExisting, which wants the whole path
// to resolve, unlike the tool's and the hooks folder's check
// (WithinResolved): an env file is about to be read, and one behind a
// dangling link, or a loop, is not proven inside.
func insideRoot(root, rel string) bool {
	return safefile.WithinExisting(root, filepath.Join(root, filepath.FromSlash(rel)))
}

// readAll runs every loader, the folders shared out among the cores: in a
// monorepo that is most of the work. Each worker has its own Input (its
// own caches); the files are read-only. The readings are the runs' in
// order, then extra (read already); with more than one worker the judging
// takes each as it is read (readings.get), while the rest are read.
func readAll(ctx context.Context, runs []run, extra []*envload.Reading, files envload.Files, nfiles int, env map[string]string, mode string, keep []string) *readings {
	workers := min(runtime.GOMAXPROCS(0), 4)
	if len(runs) < 64 {
		workers = 1
	}
	rs := &readings{
		out:    make([]*envload.Reading, len(runs), len(runs)+len(extra)),
		worker: make([]int, len(runs)),
		done:   make([]atomic.Int64, workers),
		wake:   make([]chan struct{}, workers),
		ctx:    ctx,
	}
	rs.out = append(rs.out, extra...)
	// One folder's loaders stay on one worker, so that those reading the
	// same plain files share one reading (envload.Input's memo).
	dirs := map[string]int{}
	for i, run := range runs {
		n, ok := dirs[run.dir]
		if !ok {
			n = len(dirs)
			dirs[run.dir] = n
		}
		rs.worker[i] = n % workers
	}
	for w := range workers {
		rs.wake[w] = make(chan struct{}, 1)
		rs.wg.Go(func() {
			// However it ends, get no longer waits on this worker: a
			// reading left unread (the context ended) is nil.
			defer rs.finished(w, len(runs))
			// Keep: a reading holds the URL variables, not every variable
			// of every file once per loader.
			// Expect: the folders, and so the files, are shared out evenly.
			in := &envload.Input{Files: files, Environ: env, Mode: mode, Keep: keep, Expect: nfiles / workers}
			last := ""
			for i, run := range runs {
				if rs.worker[i] != w {
					continue
				}
				if ctx.Err() != nil {
					return
				}
				if run.dir != last {
					// The folder before is read: its parses go, past a
					// budget (planRuns lists a folder's loaders together).
					in.Trim()
					last = run.dir
				}
				rs.out[i] = envload.Read(run.loader, in, run.dir, run.caller)
				rs.finished(w, i+1)
			}
		})
	}
	return rs
}

// readings are the loaders' readings as readAll's workers finish them.
// Each worker reads its runs in order, so how far it has come is one
// number.
type readings struct {
	out    []*envload.Reading
	worker []int           // which worker reads each run
	done   []atomic.Int64  // per worker: its runs before this index are read
	wake   []chan struct{} // per worker: told when done moves
	ctx    context.Context
	wg     sync.WaitGroup
}

func (rs *readings) finished(w, upTo int) {
	rs.done[w].Store(int64(upTo))
	select {
	case rs.wake[w] <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// streamed says whether the readings come from more than one worker, so
// that judging one while the others are read gains time.
func (rs *readings) streamed() bool { return len(rs.done) > 1 }

// get waits for reading i; false if it will never come (the context
// ended: wait says so).
func (rs *readings) get(i int) (*envload.Reading, bool) {
	if i < len(rs.worker) {
		w := rs.worker[i]
		for rs.done[w].Load() <= int64(i) {
			<-rs.wake[w]
		}
	}
	return rs.out[i], rs.out[i] != nil
}

// wait waits for every worker, and says whether the context ended first.
func (rs *readings) wait() error {
	rs.wg.Wait()
	return rs.ctx.Err()
}

// fileReader serves the loaders the env files discovery found (or the
// explicit ones), from Contents or the disk; nothing else. An explicit
// file with another name (deploy/prod.env) is what loaders in its folder
// read as .env; aliases maps that .env to the file's own name, for
// unalias.
func (o Options) fileReader(files []EnvFile) (read envload.Files, aliases map[string]string) {
	served := make(map[string]string, len(files))
	byScript := make(map[string]bool, len(files))
	for _, f := range files {
		served[f.Path] = f.Path
		byScript[f.Path] = f.byScript
	}
	for _, f := range files {
		if _, ok := classify(path.Base(f.Path), ""); !ok && !f.byScript {
			if alias := path.Join(f.Dir(), ".env"); served[alias] == "" {
				served[alias] = f.Path
				if aliases == nil {
					aliases = map[string]string{}
				}
				aliases[alias] = f.Path
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
			data, err = readLimited(o.Root, p)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		return data, true, nil
	}, aliases
}

// unalias gives back their own names to the explicit files the loaders
// read as .env (fileReader): a definition, a skipped line, a parse error
// and the files read name config/db.env:1, the file there is, not
// config/.env:1. Readings may share their slices and definitions (Same, the
// memo), so each name is rewritten in place, once whoever reaches it.
func unalias(readings []*envload.Reading, aliases map[string]string) {
	if len(aliases) == 0 {
		return
	}
	name := func(p *string) {
		if real, ok := aliases[*p]; ok {
			*p = real
		}
	}
	for _, r := range readings {
		if r == nil {
			continue
		}
		for i := range r.Files {
			name(&r.Files[i])
		}
		for i := range r.Defs {
			name(&r.Defs[i].File)
		}
		for _, v := range r.Variables() {
			if v.Def != nil {
				name(&v.Def.File)
			}
		}
		for i := range r.Skipped {
			name(&r.Skipped[i].File)
		}
		var pe *envload.ParseError
		if errors.As(r.Err, &pe) {
			name(&pe.File)
		}
	}
}

// MaxEnvFileSize bounds what dbguard reads as an env file: real ones are a
// few kilobytes, and every loader's parser is linear, but a generated or
// mistaken file of gigabytes would still hold the guard up.
const MaxEnvFileSize = 1 << 20

// MaxManifestSize bounds a manifest read for the loaders it names
// (package.json, requirements.txt, pyproject.toml, ...): a sparse
// requirements.txt of 512 MiB, a few KB in git, held dbguard env for 116 s
// and 1.7 GiB; real ones are kilobytes, a hashed requirements file a few
// hundred.
const MaxManifestSize = 4 << 20

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

// OutsideError is a discovered env file that is a link leading out of the
// project. The app's loader would follow it; dbguard reads nothing outside
// the project for a repository, so it cannot judge what that file holds.
type OutsideError struct {
	Path string
}

func (e *OutsideError) Error() string {
	// The loaders' reading names the file ("reading backend/.env: ...").
	return "it is a link that leads out of the project, and dbguard reads nothing outside it (the app's loader would follow it, so the database it names cannot be judged)"
}

// Hint names the next step.
func (e *OutsideError) Hint() string {
	return fmt.Sprintf("put the file itself at %s (or a link that stays inside the project), or set the variables in the environment instead; then run: dbguard env", e.Path)
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
	// Each reader takes a contiguous share of the paths, so that nothing
	// is handed from one goroutine to another per file: with the files in
	// the page cache a read costs less than that hand-off (dbguard env on
	// 1,000 files made 4,000 futex and 4,000 nanosleep calls).
	const readers = 8
	type read struct {
		data []byte
		ok   bool
	}
	data := make([]read, len(paths))
	// Each file opened from the root folder: the kernel walks only the
	// path below it.
	dir := openRootDir(root)
	defer dir.close()
	var wg sync.WaitGroup
	for w := range readers {
		lo, hi := w*len(paths)/readers, (w+1)*len(paths)/readers
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				if d, err := readLimitedIn(dir, root, paths[i]); err == nil {
					data[i] = read{d, true}
				}
			}
		})
	}
	wg.Wait()
	for i, p := range paths {
		if data[i].ok {
			out[p] = data[i].data
		}
	}
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
