package envcheck

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envload"
)

// composeRuns reads the compose file docker compose picks in each folder
// that has one, and returns each service that receives a URL variable as
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
	if len(byDir) == 0 {
		return nil, nil, nil, nil
	}
	read, closeRoot, err := o.composeReader()
	if err != nil {
		return nil, nil, nil, err
	}
	defer closeRoot()
	var runs []run
	var readings []*envload.Reading
	replaced := map[string]bool{}
	for _, dir := range sortedKeys(byDir) {
		names := byDir[dir]
		file := ""
		for _, n := range envload.ComposeFileNames {
			if slices.Contains(names, n) {
				file = path.Join(dir, n)
				break
			}
		}
		svcs, err := envload.ComposeServices(read, env, file)
		if err != nil {
			return nil, nil, nil, err
		}
		replaced[dir] = true
		for _, s := range svcs {
			if s.Err != nil {
				var ce *envload.ComposeError
				loc := file
				if errors.As(s.Err, &ce) {
					loc = fmt.Sprintf("%s:%d", ce.File, ce.Line)
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
			runs = append(runs, run{loader: envload.ComposeServiceLoader, dir: s.Dir, inUse: true, container: true,
				why: "docker compose passes it the variable", label: s.Label()})
			readings = append(readings, s.Reading)
		}
	}
	return runs, readings, replaced, nil
}

// maskSecrets masks every *PASSWORD* variable a service receives or its
// compose file is interpolated from (POSTGRES_PASSWORD in the .env), as
// the loaders' readings do: no other loader may read that file.
func maskSecrets(r *envload.Reading) {
	for _, m := range []map[string]envload.Value{r.Vars, r.Interpolated()} {
		for k, v := range m {
			if v.Def != nil && dburl.SecretVar(k) {
				dburl.AddSecret(v.Value)
			}
		}
	}
}

// receivesAny reports whether a container gets one of the URL variables.
func receivesAny(r *envload.Reading, vars []string) bool {
	for _, v := range vars {
		if _, ok := r.Vars[v]; ok {
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
func (o Options) composeReader() (envload.Files, func(), error) {
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
		f, err := root.Open(filepath.FromSlash(rel))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			if strings.Contains(err.Error(), "escapes") {
				return nil, false, envload.ErrOutsideProject
			}
			return nil, false, err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return nil, false, err
		}
		if !st.Mode().IsRegular() {
			return nil, false, fmt.Errorf("%s is not a regular file", rel)
		}
		if st.Size() > MaxEnvFileSize {
			return nil, false, &TooLargeError{Path: rel, Size: st.Size()}
		}
		data, err := io.ReadAll(io.LimitReader(f, MaxEnvFileSize+1))
		if err != nil {
			return nil, false, err
		}
		if len(data) > MaxEnvFileSize {
			return nil, false, &TooLargeError{Path: rel, Size: int64(len(data))}
		}
		return data, true, nil
	}, func() { root.Close() }, nil
}

// withComposeServices adds the compose services that receive a URL
// variable to the runs and their readings, in place of the compose
// interpolation runs of the folders whose compose file was read.
func (r *Report) withComposeServices(o Options, runs []run, readings []*envload.Reading, manifests []string, env map[string]string, vars []string) ([]run, []*envload.Reading, error) {
	if len(o.Loaders) > 0 {
		return runs, readings, nil // env.loaders in dbguard.yaml say what runs
	}
	sruns, sreadings, replaced, err := r.composeRuns(o, manifests, env, vars)
	if err != nil || len(replaced) == 0 {
		return runs, readings, err
	}
	var keptRuns []run
	var kept []*envload.Reading
	for i, rn := range runs {
		if rn.loader.Name == "compose" && rn.inUse {
			continue
		}
		keptRuns, kept = append(keptRuns, rn), append(kept, readings[i])
	}
	return append(keptRuns, sruns...), append(kept, sreadings...), nil
}

// isYAML reports whether a definition is in a compose (YAML) file.
func isYAML(file string) bool {
	return strings.HasSuffix(file, ".yaml") || strings.HasSuffix(file, ".yml")
}
