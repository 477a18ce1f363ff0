package envcheck

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// composeRuns reads the compose file docker compose picks in each folder
// that has one (at the root, the files COMPOSE_FILE names, if set), and
// returns each service that receives a URL variable as
// a run (the app of its build context) with its reading, and the folders
// whose "compose" run (the interpolation environment alone) the services
// replace: a container receives its resolved environment, not the shell's
// or the .env's, so those are no longer said to reach it.
func (r *Report) composeRuns(o Options, manifests []string, env map[string]string, vars []string) ([]run, []*envload.Reading, map[string]bool, error) {
	byDir := map[string][]string{}
	for _, m := range manifests {
		if slices.Contains(envload.ComposeFileNames, path.Base(m)) {
			byDir[path.Dir(m)] = append(byDir[path.Dir(m)], path.Base(m))
		}
	}
	read, closeRoot, err := o.composeReader(manifests)
	if err != nil {
		return nil, nil, nil, err
	}
	defer closeRoot()
	// docker compose started at the root reads the files COMPOSE_FILE
	// names there (the shell's, else the root .env's) instead of the
	// default one: deploy/compose.prod.yml's services are what it starts.
	rootFiles, err := envload.ComposeFileSetting(read, env, ".", o.Root)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, f := range rootFiles {
		if _, ok := o.Contents[f]; o.Contents != nil && !ok {
			// The hook reads the index's env files and manifests only.
			r.warn("compose-file", "COMPOSE_FILE", fmt.Sprintf("names %s, which the pre-commit hook does not read: the root's compose services are judged by dbguard env", output.Escape(f)))
			rootFiles = nil
			break
		}
	}
	if rootFiles != nil {
		byDir["."] = nil
	}
	if len(byDir) == 0 {
		return nil, nil, nil, nil
	}
	// docker compose started in a folder below, where its compose file
	// is, reads COMPOSE_FILE from that folder's .env as at the root
	// (compose-go's WithEnvFiles takes the working folder's .env), its
	// entries from that folder: apps/api/.env's
	// COMPOSE_FILE=compose.yaml:compose.prod.yml merges the second over
	// the first. The shell's COMPOSE_FILE is modelled at the root only.
	setFiles := map[string][]string{}
	if rootFiles != nil {
		setFiles["."] = rootFiles
	}
	if _, shell := env["COMPOSE_FILE"]; !shell {
		for dir := range byDir {
			if dir == "." {
				continue
			}
			named, err := envload.ComposeFileSetting(read, env, dir, o.Root)
			if err != nil {
				return nil, nil, nil, err
			}
			for _, f := range named {
				if _, ok := o.Contents[f]; o.Contents != nil && !ok {
					r.warn("compose-file", output.Escape(dir)+"/.env: COMPOSE_FILE", fmt.Sprintf("names %s, which the pre-commit hook does not read: the compose services of %s/ are judged by dbguard env", output.Escape(f), output.Escape(dir)))
					named = nil
					break
				}
			}
			if named != nil {
				setFiles[dir] = named
			}
		}
	}
	// Each folder's compose project is read on its own, a few at once:
	// in a monorepo of compose files the opening of files is the work.
	dirs := sortedKeys(byDir)
	files := make([]string, len(dirs))
	type loaded struct {
		svcs []*envload.ComposeService
		err  error
	}
	results := make([]loaded, len(dirs))
	for i, dir := range dirs {
		if named := setFiles[dir]; named != nil {
			files[i] = named[0]
			continue
		}
		for _, n := range envload.ComposeFileNames {
			if slices.Contains(byDir[dir], n) {
				files[i] = path.Join(dir, n)
				break
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), 4)
	if len(dirs) < 8 {
		workers = 1
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				if named := setFiles[dirs[i]]; named != nil {
					results[i].svcs, results[i].err = envload.ComposeProjectKeeping(read, env, dirs[i], named, vars)
					continue
				}
				results[i].svcs, results[i].err = envload.ComposeServicesKeeping(read, env, files[i], vars)
			}
		})
	}
	for i := range dirs {
		next <- i
	}
	close(next)
	wg.Wait()

	var runs []run
	var readings []*envload.Reading
	replaced := map[string]bool{}
	for i, dir := range dirs {
		file := files[i]
		svcs, err := results[i].svcs, results[i].err
		var ce *envload.ComposeError
		if errors.As(err, &ce) && ce.Unset() {
			r.warn("compose-unset", fmt.Sprintf("%s:%d", output.Escape(ce.File), ce.Line), fmt.Sprintf("%s; its services are not judged in this environment", ce.Msg))
			replaced[dir] = true
			continue
		}
		if err != nil {
			return nil, nil, nil, err
		}
		replaced[dir] = true
		for _, s := range svcs {
			if s.Err != nil && s.Profiles != nil {
				continue // not started by default either
			}
			if s.Err != nil {
				var ce *envload.ComposeError
				loc := output.Escape(file)
				if errors.As(s.Err, &ce) {
					loc = fmt.Sprintf("%s:%d", output.Escape(ce.File), ce.Line)
				}
				msg := s.Err.Error()
				if ce != nil {
					msg = ce.Msg
				}
				r.warn("compose-service", loc, s.Label()+" is not judged: "+msg)
				continue
			}
			maskSecrets(s.Reading)
			if !receivesAny(s.Reading, vars) {
				continue
			}
			if s.Profiles != nil {
				// docker compose up leaves it out; --profile starts it
				// (a migrate service often is one): say how to judge it.
				msg := fmt.Sprintf("%s receives %s but runs only with its profile (%s), which COMPOSE_PROFILES does not turn on: not judged",
					s.Label(), strings.Join(receives(s.Reading, vars), ", "), output.Escape(strings.Join(s.Profiles, ", ")))
				if profileName.MatchString(s.Profiles[0]) {
					// A name the compose spec allows: safe to paste in a shell.
					msg += "; to judge it run: COMPOSE_PROFILES=" + s.Profiles[0] + " dbguard env"
				}
				r.warn("compose-profile", fmt.Sprintf("%s:%d", output.Escape(s.File), s.Line), msg)
				continue
			}
			runs = append(runs, run{loader: envload.ComposeServiceLoader, dir: s.Dir, inUse: true, container: true,
				why: "docker compose passes it the variable", label: s.Label(), published: s.Published})
			readings = append(readings, s.Reading)
		}
	}
	return runs, readings, replaced, nil
}

// maskSecrets masks every *PASSWORD* variable (and token, secret or key:
// dburl.EnvironSecretVar) a service receives or its
// compose file is interpolated from (POSTGRES_PASSWORD in the .env), as
// the loaders' readings do: no other loader may read that file.
func maskSecrets(r *envload.Reading) {
	for k, v := range r.Variables() {
		if v.Def != nil && dburl.EnvironSecret(k, v.Value) {
			dburl.AddSecret(v.Value)
		}
	}
	for k, v := range r.Interpolated() {
		if v.Def != nil && dburl.EnvironSecret(k, v.Value) {
			dburl.AddSecret(v.Value)
		}
	}
}

// profileName is a profile name as the compose specification allows it.
var profileName = lazyre.New(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// receives are the URL variables a container gets.
func receives(r *envload.Reading, vars []string) []string {
	var out []string
	for _, v := range vars {
		if _, ok := r.Var(v); ok {
			out = append(out, v)
		}
	}
	return out
}

// receivesAny reports whether a container gets one of the URL variables.
func receivesAny(r *envload.Reading, vars []string) bool {
	for _, v := range vars {
		if _, ok := r.Var(v); ok {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if dirLess(a, b) {
			return -1
		}
		if dirLess(b, a) {
			return 1
		}
		return 0
	})
	return keys
}

// composeReader serves a compose project's files (compose files, the .env
// beside them, env_file entries): the hook's index contents, else the
// disk through an os.Root at the project, so that a link out of the
// project is refused rather than followed. Each file is bounded like an
// env file.
func (o Options) composeReader(manifests []string) (envload.Files, func(), error) {
	// Discovery lists the override files there are (they are manifests):
	// the others need not be looked for, four per compose file.
	found := map[string]bool{}
	for _, m := range manifests {
		found[m] = true
	}
	if o.Contents != nil {
		return func(rel string) ([]byte, bool, error) {
			data, ok := o.Contents[rel]
			if ok && len(data) > MaxEnvFileSize {
				return nil, false, &TooLargeError{Path: rel, Size: int64(len(data))}
			}
			return data, ok, nil
		}, func() {}, nil
	}
	root, err := os.OpenRoot(o.Root)
	if err != nil {
		return nil, nil, err
	}
	return func(rel string) ([]byte, bool, error) {
		if slices.Contains(envload.ComposeOverrideNames, path.Base(rel)) && !found[rel] {
			return nil, false, nil
		}
		// Without blocking: a FIFO would wait for a writer forever; it is
		// refused as not a regular file.
		data, err := safefile.ReadIn(root, filepath.FromSlash(rel), MaxEnvFileSize)
		if err != nil {
			var tl *safefile.TooLargeError
			switch {
			case errors.Is(err, fs.ErrNotExist):
				return nil, false, nil
			case errors.Is(err, safefile.ErrNotRegular):
				return nil, false, fmt.Errorf("%s is not a regular file", rel)
			case errors.As(err, &tl):
				return nil, false, &TooLargeError{Path: rel, Size: tl.Size}
			case strings.Contains(err.Error(), "escapes"):
				return nil, false, envload.ErrOutsideProject
			}
			return nil, false, err
		}
		return data, true, nil
	}, func() { root.Close() }, nil
}

// withoutComposeRuns replaces the compose interpolation runs a compose
// file put in use (each folder with one had it read: the services stand
// for it) and returns the services that receive a URL variable, to be
// judged beside the runs. A folder left with no loader a manifest names
// gets the application loaders assumed, as a folder without a manifest
// does: the compose file says what containers receive, not what a process
// started there on the host reads.
func (r *Report) withoutComposeRuns(o Options, runs []run, manifests []string, env map[string]string, vars []string) ([]run, []run, []*envload.Reading, error) {
	if len(o.Loaders) > 0 {
		return runs, nil, nil, nil // env.loaders in dbguard.yaml say what runs
	}
	sruns, sreadings, replaced, err := r.composeRuns(o, manifests, env, vars)
	if err != nil || len(replaced) == 0 {
		return runs, nil, nil, err
	}
	var kept []run
	hosted := map[string]bool{} // folders with a detected loader besides compose
	var dropped []string
	for _, rn := range runs {
		if rn.loader.Name == "compose" && rn.inUse {
			dropped = append(dropped, rn.dir)
			continue
		}
		if rn.inUse {
			hosted[rn.dir] = true
		}
		kept = append(kept, rn)
	}
	for _, dir := range dropped {
		if hosted[dir] {
			continue
		}
		hosted[dir] = true
		for _, l := range envload.Loaders {
			if l.Application && l.Name != "compose" && l.Applies(o.Mode) {
				kept = append(kept, run{loader: l, dir: dir, caller: dir, why: "assumed: only a compose file here, its services judged on their own"})
			}
		}
	}
	slices.SortStableFunc(kept, func(a, b run) int {
		switch {
		case dirLess(a.dir, b.dir):
			return -1
		case dirLess(b.dir, a.dir):
			return 1
		}
		return 0
	})
	return kept, sruns, sreadings, nil
}

// isYAML reports whether a definition is in a compose (YAML) file.
func isYAML(file string) bool {
	return strings.HasSuffix(file, ".yaml") || strings.HasSuffix(file, ".yml")
}

// composeHost names the database a container reaches through another
// service of its project (postgres://db:5432) as the host reaches it
// (localhost:5433 when db publishes 5432 there), so that the host's own
// .env naming localhost:5433 is the same database, not a conflict.
func composeHost(s *Source, lr *LoaderReading) {
	if !lr.container || s.ID.HostAddr != "" {
		return
	}
	port := s.ID.Port
	if port == "" {
		port = "5432"
	}
	hp, ok := lr.published[s.ID.Host+":"+port]
	if !ok {
		return
	}
	host, p, _ := strings.Cut(hp, ":")
	s.Via = append(s.Via, fmt.Sprintf("%s:%s: compose service %s, published on %s", s.ID.Host, port, s.ID.Host, hp))
	s.ID.Host, s.ID.Port = host, p
}

// containerDiffers reports whether a value read in a container names its
// database otherwise than on the host: the shell's PG* variables do not
// reach the container, and a host that is a service publishing its port
// is localhost there. Otherwise the container shares the host's source
// of the same line (one definition, not two).
func (j *judging) containerDiffers(value string, lr *LoaderReading) bool {
	for _, kv := range j.driver.Vars {
		if strings.HasPrefix(kv, "PG") {
			return true
		}
	}
	u, err := dburl.Parse(value)
	if err != nil {
		return false
	}
	for _, h := range u.Hosts() {
		port := h.Port
		if port == "" {
			port = "5432"
		}
		if _, ok := lr.published[h.Name+":"+port]; ok {
			return true
		}
	}
	return false
}
