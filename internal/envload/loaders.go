package envload

import (
	"path"
	"strings"
)

// dialect is one loader family's line syntax.
type dialect struct {
	name  string
	parse func(in *Input, file string, data []byte) ([]Def, []Skip, error)
	// plainRefs, for a dialect that expands while it parses, reads a file
	// plain but for ${NAME} references from parsePlain's definitions of
	// it (see plainRefsFile); nil for one that reads them as written.
	plainRefs func(in *Input, file string, data []byte, defs []Def) ([]Def, error)
	// own, when set, names the files the dialect reads in a syntax of its
	// own (python-decouple's settings.ini): no plain file's shortcut.
	own func(file string) bool
}

func plain(name string, f func(string, []byte) ([]Def, []Skip, error)) *dialect {
	return &dialect{name: name, parse: func(_ *Input, file string, data []byte) ([]Def, []Skip, error) { return f(file, data) }}
}

var (
	dialectDotenv   = plain("dotenv", parseDotenvJS)
	dialectNode     = plain("node", parseNodeNative)
	dialectPython   = plain("python-dotenv", parsePython)
	dialectGodotenv = &dialect{name: "godotenv", parse: plain("godotenv", parseGodotenv).parse,
		plainRefs: func(_ *Input, file string, data []byte, defs []Def) ([]Def, error) {
			return expandPlainRefs("godotenv", file, data, defs, nil)
		}}
	dialectEnvparse = plain("go-envparse", parseEnvparse)
	dialectDecouple = &dialect{name: "python-decouple", parse: plain("python-decouple", parseDecouple).parse,
		own: func(file string) bool { return path.Base(file) == "settings.ini" }}
	dialectCompose = &dialect{name: "compose", parse: func(in *Input, file string, data []byte) ([]Def, []Skip, error) {
		defs, err := parseCompose(file, data, func(k string) (string, bool) { v, ok := in.Environ[k]; return v, ok })
		return defs, nil, err
	}, plainRefs: func(in *Input, file string, data []byte, defs []Def) ([]Def, error) {
		return expandPlainRefs("docker compose", file, data, defs, in.Environ)
	}}
)

// Loader is one real loader as an application calls it.
type Loader struct {
	Name string
	// Call is how the application calls it, for people.
	Call string
	// Application loaders are assumed when a project names none; the
	// others (go-envparse, the overriding variants) only when configured.
	Application bool
	// Modes reports whether the loader has a meaning for a mode (Next.js
	// knows only development, production and test); nil means every mode.
	Modes func(mode string) bool
	// Files lists the file names it may read for a mode, for reports.
	Files func(mode string) []string

	dialect  *dialect
	read     func(c *readCtx)
	setenv   setenvKind
	commands bool // runs $(...) as a command
	decrypts bool // decrypts encrypted:... values (dotenvx)
	// For plain files (see Input.plainSignature): the files in ascending
	// precedence, whether they beat the environment, and where they are
	// looked for. ascending nil: no shortcut.
	ascending func(mode string) []string
	overrides bool
	where     Where
	// rooted: ascending and Files are paths from the project root, not
	// names in the run folder (a script's ../../.env).
	rooted bool
	// modeVar names the environment variable that sets the loader's mode
	// when the application sets none (dotenv-flow's config() reads
	// NODE_ENV); "" for loaders whose mode only the command gives.
	modeVar string
	// refuse says why the loader refuses a mode outright, or "".
	refuse func(mode string) string
}

// DotenvxEncrypted starts a value dotenvx encrypted (dotenvx encrypt):
// dotenvx decrypts it as it loads, with the private key in
// DOTENV_PRIVATE_KEY or .env.keys (decryptKeyValue.js's PREFIX); every
// other loader hands the text over as written.
const DotenvxEncrypted = "encrypted:"

// mode is the mode the loader runs in: its mode variable's value when the
// environment sets one, else the input's.
func (l *Loader) mode(in *Input) string {
	if v := in.Environ[l.modeVar]; l.modeVar != "" && v != "" {
		return v
	}
	return in.Mode
}

// ModeVar is the environment variable that sets the loader's mode when
// the application sets none (dotenv-flow: NODE_ENV), or "".
func (l *Loader) ModeVar() string { return l.modeVar }

// ReadUnset is what a loader with a mode variable (dotenv-flow) hands an
// application started without that variable: no mode at all, where Read
// takes the input's mode for it. It is nil for a loader without one, or
// when the environment sets the variable (Read then read that mode).
func ReadUnset(l *Loader, in *Input, dir string) *Reading {
	if l.modeVar == "" || in.Environ[l.modeVar] != "" {
		return nil
	}
	// A fresh input: the caches of in hold its mode's file lists.
	return Read(l, &Input{Files: in.Files, Environ: in.Environ, Keep: in.Keep}, dir, "")
}

// Applies reports whether the loader has a meaning in a mode.
func (l *Loader) Applies(mode string) bool { return l.Modes == nil || l.Modes(mode) }

func only(names ...string) func(string) []string {
	return func(string) []string { return names }
}

// Loaders are every loader dbguard models, in the order reports list them.
var Loaders = []*Loader{
	{Name: "dotenv", ascending: only(".env"), setenv: setNode, Call: "require('dotenv').config()", Application: true, Files: only(".env"),
		dialect: dialectDotenv, read: readDotenv(false)},
	{Name: "dotenv-expand", ascending: only(".env"), setenv: setNode, Call: "dotenvExpand.expand(dotenv.config())", Application: true, Files: only(".env"),
		dialect: dialectDotenv, read: readDotenv(true), commands: true},
	{Name: "dotenv-flow", ascending: flowFiles, modeVar: "NODE_ENV", setenv: setNode, Call: "require('dotenv-flow').config()", Application: true, Files: flowFiles,
		dialect: dialectDotenv, read: readFlow},
	{Name: "next", ascending: func(m string) []string { return reversed(nextFiles(m)) }, setenv: setNode, Call: "@next/env loadEnvConfig (Next.js)", Application: true, Files: nextFiles,
		Modes:   func(m string) bool { return m == "development" || m == "production" || m == "test" },
		dialect: dialectDotenv, read: readNext},
	{Name: "vite", ascending: viteFiles, refuse: viteRefuses, Call: "vite loadEnv(mode, root, '')", Application: true, Files: viteFiles,
		dialect: dialectNode, read: readVite},
	{Name: "python-dotenv", ascending: only(".env"), where: Upward, setenv: setPython, Call: "load_dotenv() (python-dotenv)", Application: true, Files: only(".env"),
		dialect: dialectPython, read: readPython(false)},
	{Name: "python-dotenv-values", Call: "dotenv_values() (python-dotenv)", Files: only(".env"),
		dialect: dialectPython, read: readPython(true)},
	{Name: "pydantic-settings", Call: "BaseSettings with env_file='.env' (pydantic-settings 2)", Files: only(".env"),
		dialect: dialectPython, read: readPydantic},
	{Name: "python-decouple", Call: "config('DATABASE_URL') (python-decouple)", Files: func(string) []string { return decoupleFiles },
		dialect: dialectDecouple, read: readDecouple},
	{Name: "godotenv", ascending: only(".env"), setenv: setGo, Call: "godotenv.Load()", Application: true, Files: only(".env"),
		dialect: dialectGodotenv, read: readGoFile(false)},
	{Name: "godotenv-overload", ascending: only(".env"), overrides: true, setenv: setGo, Call: "godotenv.Overload()", Files: only(".env"),
		dialect: dialectGodotenv, read: readGoFile(true)},
	{Name: "compose", ascending: only(".env"), Call: "docker compose (project .env)", Application: true, Files: only(".env"),
		dialect: dialectCompose, read: readGoFile(false)},
	{Name: "go-envparse", ascending: only(".env"), overrides: true, Call: "envparse.Parse(.env) (HashiCorp go-envparse)", Files: only(".env"),
		dialect: dialectEnvparse, read: readGoFile(true)},
}

// LoaderNamed returns the loader of that name, or nil.
func LoaderNamed(name string) *Loader {
	for _, l := range Loaders {
		if l.Name == name {
			return l
		}
	}
	return nil
}

func readDotenv(expand bool) func(c *readCtx) {
	return func(c *readCtx) {
		defs, ok := c.file(".env")
		if !ok {
			return
		}
		keys, by := c.lastWins(defs)
		for _, k := range keys {
			if _, set := c.env(k); !set {
				c.set(by[k], by[k].Value)
			}
		}
		if !expand {
			return
		}
		processEnv := c.values()
		parsed := make(map[string]string, len(keys))
		for _, k := range keys {
			parsed[k] = by[k].Value
		}
		if k, over := expandV12Parsed(keys, parsed, processEnv, false, true, c.budget()); k != "" {
			d := by[k]
			c.r.Err = &ParseError{Loader: c.l.Name, File: d.File, Line: d.Line, Key: nameOnly(k), Msg: "dotenv-expand never finishes expanding this value (it refers to itself): the application hangs at start"}
			if over {
				c.r.Err = overBudget(c.l.Name, d)
			}
			return
		}
		c.grow(len(keys)) // each variable is set again
		for _, k := range keys {
			if ev, set := c.env(k); set && ev != "" && ev != by[k].Value {
				continue
			}
			c.set(by[k], parsed[k])
		}
	}
}

// values is the reading so far as a plain map: the environment (unless
// the application sees the file's map alone) and what loading set.
func (c *readCtx) values() map[string]string {
	m := make(map[string]string, len(c.r.env)+len(c.r.vars)+len(c.others))
	if !c.r.NoEnv {
		for k, v := range c.r.env {
			m[k] = v
		}
	}
	for k, v := range c.r.vars {
		m[k] = v.Value
	}
	for _, o := range c.others {
		m[o.def.Key] = o.value
	}
	return m
}

// flowFiles are dotenv-flow 4's files for NODE_ENV mode (listFiles); with
// no mode (NODE_ENV unset or empty, and no node_env option) it reads no
// mode file at all.
func flowFiles(mode string) []string {
	files := []string{".env.defaults", ".env"}
	if mode != "test" {
		files = append(files, ".env.local")
	}
	if mode == "" {
		return files
	}
	return append(files, ".env."+mode, ".env."+mode+".local")
}

// merged reads files in order into one set of definitions, the later
// winning (Object.assign over each file's parse).
//
// The definitions are the parsed files' own (read-only), not a copy of
// all of them: that copy, per loader, was most of what a run held.
func (c *readCtx) merged(names []string) ([]string, map[string]*Def) {
	var all [][]Def
	n := 0
	for _, name := range names {
		defs, _ := c.file(name)
		all, n = append(all, defs), n+len(defs)
	}
	keys := make([]string, 0, n)
	byKey := make(map[string]*Def, n)
	for _, defs := range all {
		for i := range defs {
			d := &defs[i]
			if _, seen := byKey[d.Key]; !seen {
				keys = append(keys, d.Key)
			}
			byKey[d.Key] = d
		}
	}
	return keys, byKey
}

// readFlow is dotenv-flow 4: the files merged in order, the later winning,
// then set where the environment has nothing. No expansion.
func readFlow(c *readCtx) {
	keys, by := c.merged(flowFiles(c.r.Mode))
	for _, k := range keys {
		if _, set := c.env(k); !set {
			c.set(by[k], by[k].Value)
		}
	}
}

func nextFiles(mode string) []string {
	files := []string{".env." + mode + ".local"}
	if mode != "test" {
		files = append(files, ".env.local")
	}
	return append(files, ".env."+mode, ".env")
}

// readNext is @next/env's loadEnvConfig: the files from the highest
// priority down, each parsed and expanded on its own against the
// environment (which by then holds the files before it); a key keeps the
// first file's value and never replaces the initial environment's.
func readNext(c *readCtx) {
	environment := c.values()
	taken := map[string]bool{}
	for _, name := range nextFiles(c.r.Mode) {
		defs, ok := c.file(name)
		if !ok {
			continue
		}
		keys, by := c.lastWins(defs)
		parsed := make(map[string]string, len(keys))
		for _, k := range keys {
			parsed[k] = by[k].Value
		}
		ok, over := expandNext(keys, parsed, environment, expandBudget(c.size(join(c.r.Dir, name))))
		if over != "" {
			c.r.Err = overBudget(c.l.Name, by[over])
			return
		}
		if !ok {
			c.r.Skipped = append(c.r.Skipped, Skip{File: by[keys[0]].File, Line: 1, Reason: "Next.js fails to load this file (a variable that refers to itself) and skips all of it"})
			continue
		}
		for _, k := range keys {
			if _, set := c.env(k); set || taken[k] {
				continue
			}
			taken[k] = true
			c.set(by[k], parsed[k])
		}
	}
}

func viteFiles(mode string) []string {
	return []string{".env", ".env.local", ".env." + mode, ".env." + mode + ".local"}
}

// readVite is Vite's loadEnv(mode, dir, ”): the four files merged in
// order (the mode file beats .env.local, and .env.local counts in mode test
// too), read with Node's own parser, expanded by the dotenv-expand it
// bundles, then every variable of the process environment on top.
func viteRefuses(mode string) string {
	if mode == "local" {
		return `vite refuses the mode "local": it conflicts with the .local suffix of env files`
	}
	return ""
}

func readVite(c *readCtx) {
	keys, by := c.merged(viteFiles(c.r.Mode))
	parsed := make(map[string]string, len(keys))
	for _, k := range keys {
		parsed[k] = by[k].Value
	}
	if k, over := expandV12Parsed(keys, parsed, c.values(), true, false, c.budget()); k != "" {
		d := by[k]
		c.r.Err = &ParseError{Loader: c.l.Name, File: d.File, Line: d.Line, Key: nameOnly(k), Msg: "Vite never finishes expanding this value"}
		if over {
			c.r.Err = overBudget(c.l.Name, d)
		}
		return
	}
	for _, k := range keys {
		if _, set := c.env(k); !set {
			c.set(by[k], parsed[k])
		}
	}
}

// readPython is python-dotenv: the first .env from the caller's folder
// upwards; ${VAR} interpolation in file order; load_dotenv leaves what the
// environment sets, dotenv_values returns the file alone.
func readPython(values bool) func(c *readCtx) {
	return func(c *readCtx) {
		if values {
			c.r.NoEnv = true
		}
		var defs []Def
		for d := c.r.Caller; ; d = path.Dir(d) {
			c.r.Dir = d // python reads from where it finds the file
			if found, ok := c.file(".env"); ok {
				defs = found
				break
			}
			if d == "." || d == "/" || d == "" {
				c.r.Dir = c.r.Caller
				return
			}
		}
		if c.r.Err != nil {
			return
		}
		// dotenv_values looks a name up in the file first, as override does.
		setPythonDefs(c, defs, values)
	}
}

// dotenvValues is python-dotenv's dotenv_values of one file: each value
// interpolated in file order, a name looked up in the file first, then the
// environment. It reports false, with c.r.Err set, when the expansion
// budget runs out.
func dotenvValues(c *readCtx, defs []Def) (map[string]string, bool) {
	values := make(map[string]string, len(defs))
	lookup := func(k string) (string, bool) {
		if v, ok := values[k]; ok {
			return v, true
		}
		return c.env(k)
	}
	b := c.budget()
	for i := range defs {
		if !defs[i].NoValue {
			v, ok := interpolatePython(defs[i].Value, lookup, b)
			if !ok {
				c.r.Err = overBudget(c.l.Name, &defs[i])
				return nil, false
			}
			values[defs[i].Key] = v
		}
	}
	return values, true
}

// readPydantic is a pydantic-settings 2 class with env_file=".env" and its
// default case_sensitive=False: the file in the working directory read
// with dotenv_values (interpolated, the file winning), its names folded to
// one case (database_url in the file is the field DATABASE_URL; of two
// spellings the later key wins), then the environment over it, matched
// case-insensitively too. The values land in the settings object only,
// never in os.environ (the Loader's setenv is setMap).
func readPydantic(c *readCtx) {
	defs, ok := c.file(".env")
	if !ok || c.r.Err != nil {
		return
	}
	values, ok := dotenvValues(c, defs)
	if !ok {
		return
	}
	keys, by := c.lastWins(defs)
	var fields []string
	byField := map[string]*Def{}
	for _, k := range keys {
		// A settings class has a field only for a Python name: a key
		// with a dash, a dot or a byte-order mark reaches no field.
		f := strings.ToUpper(k)
		if by[k].NoValue || nameOnly(k) == "" || k[0] == '_' || strings.HasPrefix(f, "MODEL_") {
			continue
		}
		if _, seen := byField[f]; !seen {
			fields = append(fields, f)
		}
		byField[f] = by[k]
	}
	if len(fields) == 0 {
		return
	}
	envFolded := make(map[string]string, len(c.in.Environ))
	for k, v := range c.in.Environ {
		envFolded[strings.ToUpper(k)] = v
	}
	for _, f := range fields {
		if ev, set := envFolded[f]; set {
			if _, exact := c.env(f); !exact {
				c.r.vars[f] = Value{Value: ev} // database_url in the environment
			}
			continue
		}
		d := byField[f]
		val := values[d.Key]
		if d.Key != f {
			cp := *d
			cp.Key = f
			d = &cp
		}
		c.set(d, val)
	}
}

// readGoFile is the Go loaders' way (godotenv, compose, go-envparse): ./.env
// parsed whole, any line it cannot read failing the file so that nothing is
// set, each value set unless the environment has it and the loader does not
// override.
func readGoFile(override bool) func(c *readCtx) {
	return func(c *readCtx) {
		defs, ok := c.file(".env")
		if !ok || c.r.Err != nil {
			return
		}
		keys, by := c.lastWins(defs)
		for _, k := range keys {
			if _, set := c.env(k); !set || override {
				c.set(by[k], by[k].Value)
			}
		}
	}
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}
