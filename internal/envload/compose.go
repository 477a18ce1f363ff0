package envload

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/composetpl"
	"gopkg.in/yaml.v3"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
)

// What a container receives from docker compose, read the way compose-go's
// loader resolves a service's environment (types.resolveEnvironment):
//
//   - the interpolation environment is the shell's, then the .env beside
//     the compose file (the shell wins);
//   - environment: entries (map or list) are interpolated from it; a KEY
//     with no value takes the interpolation environment's, if any;
//   - env_file: files (relative to the file that names them) are parsed in
//     order into one map, ${...} looked up in the interpolation
//     environment, then the service's environment, then the values read so
//     far; the shell does not override them;
//   - environment: beats env_file:, and nothing else reaches the container:
//     a PGHOST in the shell or the .env is not the container's;
//   - profiles: (COMPOSE_PROFILES), extends: and include: as compose does.
//
// The YAML is read here rather than by compose-go's loader, which opens
// files with the os package wherever a path points (an env_file of
// ../../x, a link out of the project, an include from a URL): every file
// goes through the caller's Files, which keeps to the project. Values are
// interpolated with compose-go's own template package. docs/env.md says so.

// ComposeFileNames are the files docker compose looks for in a folder, in
// its order of preference (compose-go cli.DefaultFileNames): it reads the
// first that exists.
var ComposeFileNames = []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}

// ComposeOverrideNames are the override files docker compose merges over
// a compose file it found by its default name, in its order of preference.
var ComposeOverrideNames = []string{"compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml"}

// ComposeServiceLoader stands for what docker compose hands a container:
// its environment is the process environment there, so PG* variables it
// receives reach the driver and nothing else does.
var ComposeServiceLoader = &Loader{Name: "compose-service", Call: "docker compose (a service's environment)", Files: only(), dialect: dialectCompose, setenv: setNode}

// Bounds on what one compose project may make dbguard read.
const (
	maxComposeFiles = 64 // compose files, included and extended ones too
	maxComposeDepth = 16 // include and extends chains, YAML merge keys
	// maxComposeSteps bounds the mappings looked at through merge keys in
	// one load: a real compose file needs a few per key.
	maxComposeSteps = 1_000_000
)

// ComposeService is one service docker compose would start, with what it
// receives.
type ComposeService struct {
	Name string
	File string // the compose file that defines it (slash path from the root)
	Line int
	// Dir is the folder it is the application of: its build context, or the
	// compose file's folder when it builds nothing in the project.
	Dir string
	// Reading is what the container receives (Vars; NoEnv: nothing else).
	Reading *Reading
	// Err is why docker compose would not start it (a required env_file
	// that is missing); Reading is nil then.
	Err error
	// Profiles, when set, are the service's profiles, none of them on
	// (COMPOSE_PROFILES): docker compose up does not start it; --profile
	// or COMPOSE_PROFILES does. Its Reading is what it would receive.
	Profiles []string
	// Published maps "service:port", as a container of the project reaches
	// another (postgres://db:5432), to "localhost:port" where the host
	// reaches it (ports: "5433:5432"): the same database, seen from outside.
	Published map[string]string
}

// Label is how reports name the service: "compose service backend (compose.yaml:12)".
func (s *ComposeService) Label() string {
	return fmt.Sprintf("compose service %s (%s:%d)", output.Escape(s.Name), output.Escape(s.File), s.Line)
}

// ComposeError is a compose file dbguard refuses to read on: it cannot
// say what the containers receive. It never holds a value.
type ComposeError struct {
	File string
	Line int
	Msg  string
	// missing: a required env_file is not there; docker compose would
	// not start that one service (ComposeService.Err), the rest stands.
	missing bool
	// unset: a ${VAR:?...} this environment does not set (see Unset).
	unset bool
}

// Unset reports whether the file cannot be resolved only because a
// variable it requires (${VAR:?...}) is not set here: docker compose stops
// too, but in another shell (CI, a deploy) it would run, so the caller
// may pass over the file with a word rather than refuse the project.
func (e *ComposeError) Unset() bool { return e.unset }

func (e *ComposeError) Error() string {
	return fmt.Sprintf("%s:%d: %s", output.Escape(e.File), e.Line, e.Msg)
}

// Hint names the next step.
func (e *ComposeError) Hint() string {
	return fmt.Sprintf("fix line %d of %s, or leave the compose file out with env.exclude in dbguard.yaml; then run: dbguard env", e.Line, output.Escape(e.File))
}

// ErrOutsideProject is what a Files reader returns for a path that leads
// out of the project (a link whose target is outside).
var ErrOutsideProject = errors.New("leads out of the project")

// RefLookup is where a variable a value referred to came from: for a
// compose service the interpolation environment (shell, .env), else what
// the loader hands the application.
func (r *Reading) RefLookup(k string) (Value, bool) {
	if r.interp != nil {
		v, ok := r.interp[k]
		return v, ok
	}
	return r.Lookup(k)
}

// Interpolated is, for a compose service, its interpolation environment
// (the shell and the .env beside the compose file), else nil: a password
// there is masked even when no container receives it.
func (r *Reading) Interpolated() map[string]Value { return r.interp }

type composeLoad struct {
	steps      int
	tooComplex bool
	files      Files
	shell      map[string]string
	docs       map[string]*yaml.Node
	read       []string // compose and env files read, in order
	// budget is what interpolating the whole load's values may cost,
	// charged before each value is built: a value of many references to
	// a long variable, or an anchor repeated over many services, would
	// otherwise build gigabytes. It grows with each file read.
	budget *budget
	// keep, when set, are the variables a service's reading keeps (see
	// ComposeServicesKeeping); nil keeps them all.
	keep map[string]bool
	// base maps a COMPOSE_FILE override in another folder than the first
	// file to that file's folder, which its relative paths are from.
	base map[string]string
}

// dirOf is the folder file's relative paths are from.
func (c *composeLoad) dirOf(file string) string {
	if d, ok := c.base[file]; ok {
		return d
	}
	return path.Dir(file)
}

// ComposeServices reads a compose file (slash path from the project root)
// and every file it includes or extends, and returns each service that
// docker compose started in that folder would run, with the environment
// it receives. environ is the shell's environment.
// Each service's reading keeps every variable it receives: what the
// conformance suite compares with compose-go's.
func ComposeServices(files Files, environ map[string]string, composeFile string) ([]*ComposeService, error) {
	return ComposeServicesKeeping(files, environ, composeFile, nil)
}

// ComposeServicesKeeping is ComposeServices for a caller that looks only at
// the variables keep names (the URL variables): a service's reading keeps
// those, the variables their values refer to, the PG* variables (they
// reach the driver) and the *PASSWORD* ones (masked in all output), as
// Input.Keep does for the loaders. A service's env_file of many variables
// is otherwise held once per service that names it. nil keeps them all.
func ComposeServicesKeeping(files Files, environ map[string]string, composeFile string, keep []string) ([]*ComposeService, error) {
	c := newComposeLoad(files, environ, keep)
	env, err := c.projectEnv(path.Dir(composeFile), nil, nil)
	if err != nil {
		return nil, err
	}
	var overrides []string
	if slices.Contains(ComposeFileNames, path.Base(composeFile)) {
		// docker compose reads the first override file beside the one it
		// found by its default name (compose-go DefaultOverrideFileNames).
		for _, n := range ComposeOverrideNames {
			p := path.Join(path.Dir(composeFile), n)
			if _, ok, err := c.files(p); err != nil {
				return nil, &ComposeError{File: p, Line: 1, Msg: "not read: " + readMessage(err)}
			} else if ok {
				overrides = []string{p}
				break
			}
		}
	}
	return c.load(composeFile, overrides, env)
}

// ComposeProjectKeeping is ComposeServicesKeeping for the files COMPOSE_FILE
// names (see ComposeFileSetting) when docker compose is started in dir: the
// interpolation environment is the shell's and dir's .env, the first file
// is the project and the others are merged over it in order (no default
// override file is looked for), and, as docker compose documents for
// several files, every relative path in them is from the first file's
// folder.
func ComposeProjectKeeping(files Files, environ map[string]string, dir string, composeFiles []string, keep []string) ([]*ComposeService, error) {
	c := newComposeLoad(files, environ, keep)
	env, err := c.projectEnv(dir, nil, nil)
	if err != nil {
		return nil, err
	}
	first := composeFiles[0]
	for _, f := range composeFiles[1:] {
		if path.Dir(f) != path.Dir(first) {
			c.base[f] = path.Dir(first)
		}
	}
	return c.load(first, composeFiles[1:], env)
}

func newComposeLoad(files Files, environ map[string]string, keep []string) *composeLoad {
	c := &composeLoad{files: files, shell: environ, docs: map[string]*yaml.Node{}, budget: expandBudget(0), base: map[string]string{}}
	if keep != nil {
		c.keep = map[string]bool{}
		for _, k := range keep {
			c.keep[k], c.keep["\uFEFF"+k] = true, true
		}
	}
	return c
}

// load reads the project of file with its overrides, bounded.
func (c *composeLoad) load(file string, overrides []string, env map[string]Value) ([]*ComposeService, error) {
	svcs, err := c.project(file, overrides, env, 0)
	if err == nil && c.tooComplex {
		err = &ComposeError{File: file, Line: 1, Msg: fmt.Sprintf("its YAML merge keys (<<) lead to more than %d mappings: not read further", maxComposeSteps)}
	}
	return svcs, err
}

// ComposeFileSetting reads COMPOSE_FILE (and COMPOSE_PATH_SEPARATOR, else
// ":" as on unix) where docker compose started in dir reads them
// (compose-go cli.WithConfigFileEnv): the shell, then dir's .env, the shell
// winning. It returns the files it names (slash paths from the project
// root; relative ones from dir, as docker compose takes them from its
// working folder), or none when it is not set. root is the project's
// absolute path: an absolute entry inside it is taken, one outside it (or
// a relative one leading out, or a remote one) is refused before anything
// is read.
func ComposeFileSetting(files Files, environ map[string]string, dir, root string) ([]string, error) {
	if _, ok := environ["COMPOSE_FILE"]; !ok {
		// Most projects have none: the .env is parsed only if it can set it.
		data, ok, err := files(path.Join(dir, ".env"))
		if err != nil || !ok || !bytes.Contains(data, []byte("COMPOSE_FILE")) {
			return nil, nil
		}
	}
	c := newComposeLoad(files, environ, nil)
	env, err := c.projectEnv(dir, nil, nil)
	if err != nil {
		// A .env that cannot be read or parsed is the loaders' to report,
		// at its line; docker compose would stop there too.
		return nil, nil
	}
	v, ok := env["COMPOSE_FILE"]
	if !ok {
		return nil, nil
	}
	sep := env["COMPOSE_PATH_SEPARATOR"].Value
	if sep == "" {
		sep = ":"
	}
	where := &ComposeFileError{Line: 0}
	if v.Def != nil {
		where.File, where.Line = v.Def.File, v.Def.Line
	}
	var out []string
	for _, entry := range strings.Split(v.Value, sep) {
		e := *where
		e.Entry = entry
		p := strings.ReplaceAll(entry, `\`, "/")
		switch {
		case entry == "" || entry == "-":
			e.Msg = "names no file docker compose can read here (an empty entry, or - for standard input)"
			return nil, &e
		case strings.Contains(p, "://") || strings.HasPrefix(p, "git@"):
			e.Msg = "is remote: dbguard reads nothing outside the project"
			return nil, &e
		case path.IsAbs(p) || filepath.IsAbs(entry):
			rel, err := filepath.Rel(root, filepath.Clean(entry))
			if err != nil || !filepath.IsLocal(rel) {
				e.Msg = "is outside the project: dbguard reads nothing outside it, so it cannot tell what the containers receive"
				return nil, &e
			}
			p = filepath.ToSlash(rel)
		default:
			p = path.Clean(path.Join(dir, p))
			if p == ".." || strings.HasPrefix(p, "../") || strings.HasPrefix(entry, "~") {
				e.Msg = "is outside the project: dbguard reads nothing outside it, so it cannot tell what the containers receive"
				return nil, &e
			}
		}
		// A name inside the project may still be a link out of it: said
		// here, at the setting's line, not at the file, which is no fault
		// of its own.
		if _, _, err := files(p); errors.Is(err, ErrOutsideProject) {
			e.Msg = "leads out of the project (a link): dbguard reads nothing outside it, so it cannot tell what the containers receive"
			return nil, &e
		}
		out = append(out, p)
	}
	return out, nil
}

// ComposeFileError is a COMPOSE_FILE entry dbguard does not read: File and
// Line say where it is set (none: the shell's environment).
type ComposeFileError struct {
	File  string
	Line  int
	Entry string
	Msg   string
}

func (e *ComposeFileError) Error() string {
	where := "COMPOSE_FILE in the environment"
	if e.File != "" {
		where = fmt.Sprintf("%s:%d: COMPOSE_FILE", output.Escape(e.File), e.Line)
	}
	if e.Entry == "" {
		return fmt.Sprintf("%s: an empty entry %s", where, e.Msg)
	}
	// The entry is the repository's text: a remote one may carry a
	// password in its userinfo.
	return fmt.Sprintf("%s: compose file %s %s", where, output.Escape(dburl.RedactText(e.Entry)), e.Msg)
}

// Hint names the next step.
func (e *ComposeFileError) Hint() string {
	if e.File == "" {
		return "name compose files inside the project in COMPOSE_FILE, or unset it; then run: dbguard env"
	}
	return fmt.Sprintf("fix COMPOSE_FILE on line %d of %s to name compose files inside the project; then run: dbguard env", e.Line, output.Escape(e.File))
}

// projectEnv is the interpolation environment of a project in dir: the
// parent's (an including project's) or the shell's, then the project's env
// files (dir/.env when files is nil; an include's env_file: list), which
// do not override them; a later file overrides an earlier one.
func (c *composeLoad) projectEnv(dir string, parent map[string]Value, files []string) (map[string]Value, error) {
	env := map[string]Value{}
	if parent != nil {
		for k, v := range parent {
			env[k] = v
		}
	} else {
		for k, v := range c.shell {
			env[k] = Value{Value: v}
		}
	}
	fixed := map[string]bool{} // what the parent or the shell sets wins
	for k := range env {
		fixed[k] = true
	}
	required := files != nil
	if files == nil {
		files = []string{path.Join(dir, ".env")}
	}
	for _, file := range files {
		data, ok, err := c.files(file)
		if err != nil {
			return nil, &ComposeError{File: file, Line: 1, Msg: "not read: " + readMessage(err)}
		}
		if !ok {
			if required {
				return nil, &ComposeError{File: file, Line: 1, Msg: "does not exist: docker compose stops (an include's env_file)"}
			}
			continue
		}
		if !slices.Contains(c.read, file) {
			c.read = append(c.read, file)
			c.budget.left += budgetPerByte * len(data)
		}
		defs, err := parseCompose(file, data, func(k string) (string, bool) {
			v, ok := env[k]
			return v.Value, ok
		})
		if err != nil {
			return nil, composeParseError(err)
		}
		for i := range defs {
			if !fixed[defs[i].Key] {
				env[defs[i].Key] = Value{Value: defs[i].Value, Def: &defs[i]}
			}
		}
	}
	return env, nil
}

// composeParseError names docker compose as the reader of a file it
// cannot parse.
func composeParseError(err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		cp := *pe
		cp.Loader = "docker compose"
		return &cp
	}
	return err
}

func readMessage(err error) string {
	if errors.Is(err, ErrOutsideProject) {
		return "it leads out of the project (a link), and dbguard reads nothing outside it"
	}
	return err.Error()
}

// doc parses a compose file once; from names the line that led to it.
func (c *composeLoad) doc(file, from string, line int) (*yaml.Node, error) {
	if d, ok := c.docs[file]; ok {
		return d, nil
	}
	if len(c.docs) >= maxComposeFiles {
		return nil, &ComposeError{File: from, Line: line, Msg: fmt.Sprintf("more than %d compose files included or extended: not read further", maxComposeFiles)}
	}
	data, ok, err := c.files(file)
	if err != nil {
		return nil, &ComposeError{File: from, Line: line, Msg: fmt.Sprintf("%s not read: %s", output.Escape(file), readMessage(err))}
	}
	if !ok {
		return nil, &ComposeError{File: from, Line: line, Msg: fmt.Sprintf("%s does not exist: docker compose stops", output.Escape(file))}
	}
	c.read = append(c.read, file)
	c.budget.left += budgetPerByte * len(data)
	var d yaml.Node
	if err := yaml.Unmarshal(data, &d); err != nil {
		l := 1
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			fmt.Sscan(m[1], &l)
		}
		return nil, &ComposeError{File: file, Line: l, Msg: "not YAML docker compose can read"}
	}
	root := &d
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		root = &yaml.Node{Kind: yaml.MappingNode, Line: 1}
	}
	c.docs[file] = root
	return root, nil
}

var yamlLine = lazyre.New(`line (\d+)`)

// project returns the services of one compose file and of those it
// includes.
func (c *composeLoad) project(file string, overrides []string, env map[string]Value, depth int) ([]*ComposeService, error) {
	root, err := c.doc(file, file, 1)
	if err != nil {
		return nil, err
	}
	overs := make([]*yaml.Node, len(overrides)) // each override file's services
	for i, o := range overrides {
		d, err := c.doc(o, o, 1)
		if err != nil {
			return nil, err
		}
		overs[i] = mapping(c.get(d, "services", 0))
	}
	var out []*ComposeService
	if inc := c.get(root, "include", 0); inc != nil {
		for _, item := range items(inc) {
			paths, err := c.includePaths(file, item, env)
			if err != nil {
				return nil, err
			}
			if len(paths) == 0 {
				continue
			}
			if depth >= maxComposeDepth {
				return nil, &ComposeError{File: file, Line: item.Line, Msg: "includes nest too deep: not read further"}
			}
			// env_file: replaces the included folder's .env (paths from
			// the including file's folder).
			var envFiles []string
			if ef := c.get(item, "env_file", 0); ef != nil && item.Kind == yaml.MappingNode {
				envFiles = []string{}
				for _, n := range items(ef) {
					if n.Value == "/dev/null" {
						continue // compose skips it: no env file at all
					}
					p, err := c.inProject(file, n, env, "include env_file")
					if err != nil {
						return nil, err
					}
					envFiles = append(envFiles, p)
				}
			}
			ienv, err := c.projectEnv(path.Dir(paths[0]), env, envFiles)
			if err != nil {
				return nil, err
			}
			// The first path is the included project, a second one its
			// override (more are not read).
			svcs, err := c.project(paths[0], paths[1:min(len(paths), 2)], ienv, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, svcs...)
		}
	}
	services := mapping(c.get(root, "services", 0))
	if services == nil && !slices.ContainsFunc(overs, func(o *yaml.Node) bool { return o != nil }) {
		return out, nil
	}
	active := profilesOf(env)
	published := c.published(file, services, env)
	type layer struct {
		file     string
		services *yaml.Node
	}
	layers := []layer{{file, services}}
	for i, o := range overrides {
		for k, v := range c.published(o, overs[i], env) {
			published[k] = v
		}
		layers = append(layers, layer{o, overs[i]})
	}
	type entry struct {
		file string
		key  *yaml.Node
	}
	var names []string
	at := map[string]entry{}
	for _, layer := range layers {
		for i := 0; layer.services != nil && i+1 < len(layer.services.Content); i += 2 {
			k := layer.services.Content[i]
			if _, ok := at[k.Value]; !ok {
				names = append(names, k.Value)
				at[k.Value] = entry{layer.file, k}
			}
		}
	}
	for _, name := range names {
		def := &serviceDef{dir: path.Dir(file)}
		if at[name].file == file {
			if def, err = c.service(file, name, env, 0); err != nil {
				return nil, err
			}
		}
		for i, over := range overs {
			if node := serviceNode(over, name); node != nil && node.Kind == yaml.MappingNode {
				def.skip = false
				if err := c.apply(def, overrides[i], node, env); err != nil {
					return nil, err
				}
			}
		}
		if def.skip {
			continue
		}
		svc := &ComposeService{Name: name, File: at[name].file, Line: at[name].key.Line, Dir: def.dir, Published: published}
		if !enabled(def.profiles, active) {
			svc.Profiles = def.profiles
		}
		svc.Reading, err = c.environment(def, env)
		if ce, ok := err.(*ComposeError); ok && (ce.missing || svc.Profiles != nil) {
			svc.Reading, svc.Err = nil, err
		} else if err != nil {
			return nil, err
		}
		out = append(out, svc)
	}
	return out, nil
}

// includePaths are the files an include: entry names, inside the project.
func (c *composeLoad) includePaths(file string, item *yaml.Node, env map[string]Value) ([]string, error) {
	var nodes []*yaml.Node
	if item.Kind == yaml.ScalarNode {
		nodes = []*yaml.Node{item}
	} else if p := c.get(item, "path", 0); p != nil {
		nodes = items(p)
	}
	var out []string
	for _, n := range nodes {
		p, err := c.inProject(file, n, env, "include")
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// inProject interpolates a path and resolves it against the folder of
// the file that names it; a path out of the project or a remote one is
// refused before anything is read.
func (c *composeLoad) inProject(file string, n *yaml.Node, env map[string]Value, what string) (string, error) {
	p, err := c.interpolate(file, n, env)
	if err != nil {
		return "", err
	}
	if strings.Contains(p, "://") || strings.HasPrefix(p, "git@") {
		return "", &ComposeError{File: file, Line: n.Line, Msg: fmt.Sprintf("%s %s is remote: dbguard reads nothing outside the project", what, output.Escape(dburl.RedactText(p)))}
	}
	q := path.Clean(path.Join(c.dirOf(file), strings.ReplaceAll(p, `\`, "/")))
	if path.IsAbs(p) || strings.HasPrefix(p, "~") || q == ".." || strings.HasPrefix(q, "../") {
		return "", &ComposeError{File: file, Line: n.Line, Msg: fmt.Sprintf("%s %s is outside the project: dbguard reads nothing outside it, so it cannot tell what the container receives", what, output.Escape(p))}
	}
	return q, nil
}

// serviceDef is a service's environment as written, extends applied.
type serviceDef struct {
	files    []string   // the compose files that define it
	env      []envEntry // in order, one per key
	envFiles []envFile
	dir      string
	dirSet   bool
	profiles []string
	skip     bool // not a mapping: nothing to run
}

type envEntry struct {
	key   string
	value *string // nil: KEY alone, taken from the interpolation environment
	def   Def
	refs  []string
}

type envFile struct {
	path     string
	required bool
	file     string // the compose file naming it
	line     int
}

// service reads one service of a file, with what it extends.
func (c *composeLoad) service(file, name string, env map[string]Value, depth int) (*serviceDef, error) {
	root, err := c.doc(file, file, 1)
	if err != nil {
		return nil, err
	}
	node := serviceNode(mapping(c.get(root, "services", 0)), name)
	if node == nil {
		return nil, &ComposeError{File: file, Line: 1, Msg: fmt.Sprintf("no service %s to extend", output.Escape(name))}
	}
	d := &serviceDef{dir: path.Dir(file)}
	if node.Kind != yaml.MappingNode {
		d.skip = node.Kind != yaml.ScalarNode || node.Tag != "!!null"
		return d, nil
	}
	if ext := c.get(node, "extends", 0); ext != nil {
		if depth >= maxComposeDepth {
			return nil, &ComposeError{File: file, Line: ext.Line, Msg: "extends nests too deep (a loop?): docker compose stops"}
		}
		baseFile, baseName := file, ""
		if ext.Kind == yaml.ScalarNode {
			if baseName, err = c.interpolate(file, ext, env); err != nil {
				return nil, err
			}
		} else {
			if s := c.get(ext, "service", 0); s != nil {
				if baseName, err = c.interpolate(file, s, env); err != nil {
					return nil, err
				}
			}
			if f := c.get(ext, "file", 0); f != nil {
				if baseFile, err = c.inProject(file, f, env, "extends file"); err != nil {
					return nil, err
				}
				if _, err := c.doc(baseFile, file, f.Line); err != nil {
					return nil, err
				}
			}
		}
		if baseFile == file && baseName == name {
			return nil, &ComposeError{File: file, Line: ext.Line, Msg: fmt.Sprintf("service %s extends itself: docker compose stops", output.Escape(name))}
		}
		base, err := c.service(baseFile, baseName, env, depth+1)
		if err != nil {
			return nil, err
		}
		d.files = slices.Clone(base.files)
		d.env = slices.Clone(base.env)
		d.envFiles = slices.Clone(base.envFiles)
		d.dir, d.dirSet = base.dir, base.dirSet
		if !base.dirSet {
			d.dir = path.Dir(file)
		}
	}
	return d, c.apply(d, file, node, env)
}

// apply reads a service's own keys over what it extends (or, for an
// override file, over the main file's service): profiles and build
// replace, env_file appends, environment merges by key.
func (c *composeLoad) apply(d *serviceDef, file string, node *yaml.Node, env map[string]Value) error {
	var err error
	if !slices.Contains(d.files, file) {
		d.files = append(d.files, file)
	}
	if p := c.get(node, "profiles", 0); p != nil {
		d.profiles = nil
		for _, n := range items(p) {
			v, err := c.interpolate(file, n, env)
			if err != nil {
				return err
			}
			d.profiles = append(d.profiles, v)
		}
	}
	if b := c.get(node, "build", 0); b != nil {
		ctxNode := b
		if b.Kind == yaml.MappingNode {
			ctxNode = c.get(b, "context", 0)
		}
		d.dir, d.dirSet = c.dirOf(file), true
		if ctxNode != nil && ctxNode.Kind == yaml.ScalarNode {
			if p, err := c.inProject(file, ctxNode, env, "build context"); err == nil {
				d.dir = p
			}
		}
	}
	if f := c.get(node, "env_file", 0); f != nil {
		for _, n := range items(f) {
			ef := envFile{required: true, file: file, line: n.Line}
			pn := n
			if n.Kind == yaml.MappingNode {
				pn = c.get(n, "path", 0)
				if r := c.get(n, "required", 0); r != nil {
					rv, err := c.interpolate(file, r, env)
					if err != nil {
						return err
					}
					ef.required = !(rv == "false" || rv == "False" || rv == "FALSE" || rv == "no")
				}
			}
			if pn == nil || pn.Kind != yaml.ScalarNode {
				return &ComposeError{File: file, Line: n.Line, Msg: "an env_file entry without a path: docker compose stops"}
			}
			if ef.path, err = c.inProject(file, pn, env, "env_file"); err != nil {
				return err
			}
			if !slices.ContainsFunc(d.envFiles, func(o envFile) bool { return o.path == ef.path && o.required == ef.required }) {
				d.envFiles = append(d.envFiles, ef)
			}
		}
	}
	if e := c.get(node, "environment", 0); e != nil {
		entries, err := c.envEntries(file, e, env)
		if err != nil {
			return err
		}
		for _, en := range entries {
			if i := slices.IndexFunc(d.env, func(o envEntry) bool { return o.key == en.key }); i >= 0 {
				d.env[i] = en
			} else {
				d.env = append(d.env, en)
			}
		}
	}
	return nil
}

// envEntries reads an environment: block, map or list form.
func (c *composeLoad) envEntries(file string, e *yaml.Node, env map[string]Value) ([]envEntry, error) {
	var out []envEntry
	add := func(key string, value *string, n *yaml.Node, raw string) {
		en := envEntry{key: key, value: value, def: Def{Key: key, File: file, Line: n.Line, Expanded: true}, refs: refsIn(raw)}
		if value != nil {
			en.def.Value = *value
		}
		out = append(out, en)
	}
	switch e.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(e.Content); i += 2 {
			k, v := e.Content[i], deref(e.Content[i+1])
			if k.Value == "<<" {
				continue // merge keys are read by c.get(); environment maps rarely use them
			}
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				add(k.Value, nil, k, "")
				continue
			}
			if v.Kind != yaml.ScalarNode {
				return nil, &ComposeError{File: file, Line: v.Line, Msg: fmt.Sprintf("environment %s is not a string, number or boolean: docker compose stops", nameOnly(k.Value))}
			}
			val, err := c.interpolate(file, v, env)
			if err != nil {
				return nil, err
			}
			add(k.Value, &val, k, v.Value)
		}
	case yaml.SequenceNode:
		for _, n := range e.Content {
			n = deref(n)
			if n.Kind != yaml.ScalarNode {
				return nil, &ComposeError{File: file, Line: n.Line, Msg: "an environment entry that is not KEY=value: docker compose stops"}
			}
			item, err := c.interpolate(file, n, env)
			if err != nil {
				return nil, err
			}
			k, v, ok := strings.Cut(item, "=")
			if k != "" && strings.TrimRight(k, " \t") != k {
				return nil, &ComposeError{File: file, Line: n.Line, Msg: fmt.Sprintf("environment variable %s is declared with a trailing space: docker compose stops", nameOnly(strings.TrimSpace(k)))}
			}
			if !ok {
				add(k, nil, n, "")
				continue
			}
			_, raw, _ := strings.Cut(n.Value, "=")
			add(k, &v, n, raw)
		}
	case yaml.ScalarNode:
		if e.Tag != "!!null" {
			return nil, &ComposeError{File: file, Line: e.Line, Msg: "environment is neither a map nor a list: docker compose stops"}
		}
	}
	return out, nil
}

// environment resolves what the container receives, as compose-go's
// resolveEnvironment does.
func (c *composeLoad) environment(d *serviceDef, env map[string]Value) (*Reading, error) {
	r := &Reading{Loader: ComposeServiceLoader, Dir: d.dir, NoEnv: true, vars: map[string]Value{}, interp: env}
	// Its files: the compose files that define it, the .env files its
	// project is interpolated from, then its env_file entries.
	r.Files = slices.Clone(d.files)
	for _, f := range c.read {
		if path.Base(f) == ".env" && !slices.Contains(r.Files, f) && slices.ContainsFunc(slices.Collect(maps.Values(env)), func(v Value) bool { return v.Def != nil && v.Def.File == f }) {
			r.Files = append(r.Files, f)
		}
	}
	spec := map[string]*Value{}
	for _, en := range d.env {
		if en.value == nil {
			if v, ok := env[en.key]; ok {
				spec[en.key] = &Value{Value: v.Value, Def: v.Def}
			} else {
				spec[en.key] = nil
			}
			continue
		}
		def := en.def
		spec[en.key] = &Value{Value: *en.value, Def: &def, Refs: en.refs}
	}
	vars := map[string]string{}
	for k, v := range spec {
		if v != nil {
			vars[k] = v.Value
			r.vars[k] = *v
		}
	}
	lookup := func(k string) (string, bool) {
		if v, ok := env[k]; ok {
			return v.Value, true
		}
		if v, ok := spec[k]; ok && v != nil {
			return v.Value, true
		}
		return "", false
	}
	for _, ef := range d.envFiles {
		data, ok, err := c.files(ef.path)
		if err != nil {
			return nil, &ComposeError{File: ef.file, Line: ef.line, Msg: fmt.Sprintf("env_file %s not read: %s", output.Escape(ef.path), readMessage(err))}
		}
		if !ok {
			if ef.required {
				return nil, &ComposeError{File: ef.file, Line: ef.line, Msg: fmt.Sprintf("env_file %s does not exist: docker compose refuses to start the service (required: false makes it optional)", output.Escape(ef.path)), missing: true}
			}
			continue
		}
		if !slices.Contains(r.Files, ef.path) {
			r.Files = append(r.Files, ef.path)
		}
		defs, err := parseComposeInto(ef.path, data, lookup, vars)
		if err != nil {
			return nil, composeParseError(err)
		}
		for i := range defs {
			r.vars[defs[i].Key] = Value{Value: defs[i].Value, Def: &defs[i]}
			r.Defs = append(r.Defs, defs[i])
		}
	}
	for k, v := range spec {
		if v == nil {
			delete(r.vars, k)
		} else {
			r.vars[k] = *v
		}
	}
	c.prune(r)
	return r, nil
}

// prune leaves in a service's reading what the caller keeps (see
// ComposeServicesKeeping).
func (c *composeLoad) prune(r *Reading) {
	if c.keep == nil {
		return
	}
	keeps := func(k string) bool {
		return c.keep[k] || strings.HasPrefix(k, "PG") || dburl.SecretVar(k)
	}
	want := map[string]bool{}
	for k, v := range r.vars {
		if keeps(k) {
			want[k] = true
			for _, ref := range v.Refs {
				want[ref] = true
			}
			for _, ref := range refs(v.Def.valueOr(v.Value)) {
				want[ref] = true
			}
		}
	}
	// New map and slice, and the definitions copied: a kept value's Def
	// points into its file's slice of every definition, which it would
	// otherwise hold.
	vars := make(map[string]Value, len(want))
	for k, v := range r.vars {
		if want[k] {
			if v.Def != nil {
				d := v.Def.detached()
				v.Def = &d
			}
			vars[k] = v
		}
	}
	r.vars = vars
	var defs []Def
	for _, d := range r.Defs {
		if want[d.Key] {
			defs = append(defs, d.detached())
		}
	}
	r.Defs = defs
}

// interpolate is compose's interpolation of one scalar, with its error
// said without the value. What it may build is charged to the load's
// budget first, so that a value past it is never built.
func (c *composeLoad) interpolate(file string, n *yaml.Node, env map[string]Value) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", &ComposeError{File: file, Line: n.Line, Msg: "a string was expected here: docker compose stops"}
	}
	if !c.budget.spend(interpolatedSize(n.Value, env)) {
		return "", &ComposeError{File: file, Line: n.Line, Msg: overBudgetMsg("docker compose")}
	}
	v, err := composetpl.SubstituteWithOptions(n.Value, func(k string) (string, bool) {
		v, ok := env[k]
		return v.Value, ok
	})
	if err != nil {
		var missing *composetpl.MissingRequiredError
		return "", &ComposeError{File: file, Line: n.Line, Msg: composeMessage(err), unset: errors.As(err, &missing)}
	}
	return v, nil
}

// interpolatedSize bounds the length of s interpolated from env: its own
// bytes and, for each reference, the referenced value's (a default's text
// is part of s; a reference to a variable env lacks may still be counted
// for its default, an overestimate).
func interpolatedSize(s string, env map[string]Value) int {
	n := len(s)
	for rest := s; ; {
		i := strings.IndexByte(rest, '$')
		if i < 0 || i+1 >= len(rest) {
			return n
		}
		rest = rest[i+1:]
		if rest[0] == '$' {
			rest = rest[1:] // $$ is a literal $
			continue
		}
		name := strings.TrimPrefix(rest, "{")
		j := 0
		for j < len(name) && (name[j] == '_' || isLetter(name[j]) || j > 0 && isWord(name[j])) {
			j++
		}
		if j > 0 {
			n += len(env[name[:j]].Value)
		}
	}
}

var composeRef = lazyre.New(`\$\$|\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// refsIn are the variables a value's text interpolates.
func refsIn(s string) []string {
	var out []string
	for _, m := range composeRef.FindAllStringSubmatch(s, -1) {
		if m[1] != "" && !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// profilesOf are the profiles COMPOSE_PROFILES turns on.
func profilesOf(env map[string]Value) []string {
	var out []string
	for _, p := range strings.Split(env["COMPOSE_PROFILES"].Value, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// enabled: a service without profiles always runs; one with profiles when
// one of them is on ("*": all).
func enabled(profiles, active []string) bool {
	if len(profiles) == 0 || slices.Contains(active, "*") {
		return true
	}
	for _, p := range profiles {
		if slices.Contains(active, p) {
			return true
		}
	}
	return false
}

// deref follows a YAML alias.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxComposeDepth; i++ {
		n = n.Alias
	}
	if n == nil || n.Kind == yaml.AliasNode {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	return n
}

// get is a mapping's value for key, following aliases and merge keys
// (<<: *base), or nil. Each mapping is looked at once per lookup, however
// many merge keys lead to it (merges of merges are a YAML bomb), and the
// whole load has a budget of mappings looked at.
func (c *composeLoad) get(m *yaml.Node, key string, depth int) *yaml.Node {
	var seen map[*yaml.Node]bool
	var walk func(m *yaml.Node, depth int) *yaml.Node
	walk = func(m *yaml.Node, depth int) *yaml.Node {
		m = deref(m)
		if m.Kind != yaml.MappingNode || depth > maxComposeDepth || seen[m] {
			return nil
		}
		if c.steps++; c.steps > maxComposeSteps {
			c.tooComplex = true
			return nil
		}
		var merges []*yaml.Node
		for i := 0; i+1 < len(m.Content); i += 2 {
			switch m.Content[i].Value {
			case key:
				return deref(m.Content[i+1])
			case "<<":
				merges = append(merges, m.Content[i+1])
			}
		}
		if len(merges) == 0 {
			return nil
		}
		if seen == nil {
			seen = map[*yaml.Node]bool{}
		}
		seen[m] = true
		for _, mg := range merges {
			for _, b := range items(deref(mg)) {
				if v := walk(b, depth+1); v != nil {
					return v
				}
			}
		}
		return nil
	}
	return walk(m, depth)
}

// items are a sequence's elements, or the node alone.
func items(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n.Kind == yaml.SequenceNode {
		out := make([]*yaml.Node, len(n.Content))
		for i, c := range n.Content {
			out[i] = deref(c)
		}
		return out
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	return []*yaml.Node{n}
}

// mapping is n when it is a YAML mapping, else nil (services: [] or a
// string is no services at all to this reading).
func mapping(n *yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	return n
}

// serviceNode is a services: mapping's entry for name, or nil.
func serviceNode(services *yaml.Node, name string) *yaml.Node {
	var node *yaml.Node
	for i := 0; services != nil && i+1 < len(services.Content); i += 2 {
		if services.Content[i].Value == name {
			node = deref(services.Content[i+1])
		}
	}
	return node
}

// published maps each service's published ports (ports: "5433:5432",
// "127.0.0.1:5433:5432", the long form's target/published/host_ip) from
// "service:5432" to "localhost:5433" (or the host IP it is bound to). A
// port published at random, a range or one that does not interpolate is
// left out: where the host reaches it is not written down.
func (c *composeLoad) published(file string, services *yaml.Node, env map[string]Value) map[string]string {
	out := map[string]string{}
	for i := 0; services != nil && i+1 < len(services.Content); i += 2 {
		name, svc := services.Content[i].Value, deref(services.Content[i+1])
		ports := c.get(svc, "ports", 0)
		if ports == nil {
			continue
		}
		for _, p := range items(ports) {
			var hostIP, published, target string
			if p.Kind == yaml.MappingNode {
				for key, dst := range map[string]*string{"host_ip": &hostIP, "published": &published, "target": &target} {
					if n := c.get(p, key, 0); n != nil && n.Kind == yaml.ScalarNode {
						*dst, _ = c.interpolate(file, n, env)
					}
				}
			} else if p.Kind == yaml.ScalarNode {
				v, err := c.interpolate(file, p, env)
				if err != nil {
					continue
				}
				v, _, _ = strings.Cut(v, "/") // 5432/tcp
				parts := strings.Split(v, ":")
				switch len(parts) {
				case 2:
					published, target = parts[0], parts[1]
				case 3:
					hostIP, published, target = parts[0], parts[1], parts[2]
				}
			}
			if !allDigits(published) || !allDigits(target) {
				continue
			}
			if hostIP == "" || hostIP == "0.0.0.0" || hostIP == "::" {
				hostIP = "localhost"
			}
			out[name+":"+target] = hostIP + ":" + published
		}
	}
	return out
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
