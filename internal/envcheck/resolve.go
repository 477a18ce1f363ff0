// Package envcheck finds every place a database URL is defined (the process
// environment and every env file under the project root) and proves that
// they name one database.
//
// Within one directory the files cascade as dotenv-flow and Vite load them:
// .env, .env.<mode>, .env.local (not in mode test), .env.<mode>.local, the
// later winning. Across directories nothing cascades: each directory is what
// a process started there reads, so two directories naming two databases is
// a conflict, the incident dbguard exists to prevent.
package envcheck

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
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
	// Contents, when set, replaces the disk: these env files (slash paths
	// relative to Root) with these contents are all there is. The
	// pre-commit hook passes the index's.
	Contents map[string][]byte
}

// Source is one definition of a URL variable, judged.
type Source struct {
	Var      string
	Def      Definition
	Dir      string         // directory relative to the root; "" for the environment
	URL      *dburl.URL     // nil when the value is empty
	Endpoint dburl.Endpoint // pooled or direct, and the direct URL
	ID       dburl.Identity // the database it names, after de-pooling
	InEffect bool           // not shadowed by a later file or line
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
	// Migrate is the definition migrations use; MigrateURL its direct URL,
	// nil when the endpoint is pooled and no direct form is known.
	Migrate    *Source
	MigrateURL *dburl.URL
	Warnings   []Warning
}

// Conflict reports whether more than one database is in effect.
func (r *Report) Conflict() bool { return len(r.Databases) > 1 || len(r.EnvDatabases) > 1 }

// ConflictError is returned by [Report.Err] when the databases disagree.
type ConflictError struct {
	Var   string
	Count int
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("conflict: %s names %d different databases", e.Var, e.Count)
}

// Hint names the next step.
func (e *ConflictError) Hint() string {
	return "make every env file name the same database (or delete the stale ones), then run: dbguard env"
}

// NoURLError means the URL variable is defined nowhere.
type NoURLError struct {
	Var, Root, Mode string
}

func (e *NoURLError) Error() string {
	return fmt.Sprintf("%s is not set in the environment nor in any env file in effect under %s (mode %s)", e.Var, e.Root, e.Mode)
}

// Hint names the next step.
func (e *NoURLError) Hint() string {
	return fmt.Sprintf("add %s=postgres://... to %s/.env, or check --mode and env.files in dbguard.yaml", e.Var, e.Root)
}

// StrictError means warnings were found under --strict.
type StrictError struct{ Count int }

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
		return &ConflictError{Var: r.URLVar, Count: n}
	}
	if r.Effective == nil {
		return &NoURLError{Var: r.URLVar, Root: r.Root, Mode: r.Mode}
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

// Resolve reads every env file in effect and the process environment and
// judges each definition of the URL variables. Only unreadable or malformed
// input is an error; disagreement is in the report (see [Report.Err]).
func Resolve(ctx context.Context, o Options) (*Report, error) {
	r := &Report{Root: o.Root, Mode: o.Mode, URLVar: o.URLVar, DirectVars: o.DirectVars}
	var files []EnvFile
	var err error
	if o.Contents != nil {
		files = classifyAll(o.Contents, o.Mode, o.Files, o.Exclude)
	} else if files, err = discover(ctx, o.Root, o.Mode, o.Files, o.Exclude); err != nil {
		return nil, err
	}
	r.Files = files
	vars := append([]string{o.URLVar}, o.DirectVars...)
	isVar := map[string]bool{}
	for _, v := range vars {
		isVar[v] = true
	}

	// The process environment.
	env := map[string]string{}
	for _, kv := range o.Environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	var envSources []*Source
	for _, v := range vars {
		val, ok := env[v]
		if !ok {
			continue
		}
		if strings.TrimSpace(val) == "" {
			r.warn("empty-env", "environment", fmt.Sprintf("%s is set but empty in the process environment; dotenv and most loaders then keep it empty instead of reading the env files", v))
			continue
		}
		s, err := judge(v, Definition{Key: v, Value: val}, "", o.Rules)
		if err != nil {
			return nil, err
		}
		s.InEffect = true
		envSources = append(envSources, s)
	}

	// The env files in effect, one directory at a time.
	var fileSources []*Source
	byDir := map[string][]*Source{}
	var dirs []string
	for _, f := range files {
		if f.Status != InEffect {
			continue
		}
		data, ok := o.Contents[f.Path]
		if !ok {
			if data, err = os.ReadFile(filepath.Join(o.Root, filepath.FromSlash(f.Path))); err != nil {
				return nil, fmt.Errorf("reading %s: %w", f.Path, err)
			}
		}
		defs, err := ParseFile(f.Path, data)
		if err != nil {
			return nil, err
		}
		dir := f.Dir()
		if _, seen := byDir[dir]; !seen {
			dirs = append(dirs, dir)
			byDir[dir] = nil
		}
		for _, d := range defs {
			if !isVar[d.Key] {
				continue
			}
			for _, msg := range d.lint() {
				r.warn("lint", d.Location(), d.Key+": "+msg)
			}
			if strings.TrimSpace(d.fullValue()) == "" {
				continue
			}
			s, err := judge(d.Key, d, dir, o.Rules)
			if err != nil {
				return nil, err
			}
			for _, msg := range s.URL.Lint() {
				r.warn("lint", d.Location(), d.Key+": "+msg)
			}
			byDir[dir] = append(byDir[dir], s)
			fileSources = append(fileSources, s)
		}
	}
	r.Sources = append(append([]*Source{}, envSources...), fileSources...)

	// Within a directory the last definition of a variable wins.
	var inEffect []*Source
	for _, dir := range dirs {
		for _, v := range vars {
			var winner *Source
			for _, s := range byDir[dir] {
				if s.Var == v {
					winner = s
				}
			}
			if winner == nil {
				continue
			}
			winner.InEffect = true
			inEffect = append(inEffect, winner)
			for _, s := range byDir[dir] {
				if s.Var == v && s != winner && !sameDatabase(s, winner) {
					r.warn("shadowed", s.Def.Location(), fmt.Sprintf("%s here names %s, but %s (loaded later in mode %s) names %s; loaders that read only .env still use this one",
						v, s.ID, winner.Def.Location(), o.Mode, winner.ID))
				}
			}
		}
	}

	r.Databases = r.group(inEffect)
	r.EnvDatabases = r.group(envSources)
	r.explainReaders(byDir, dirs)

	// What is in effect: the environment wins over every file.
	r.Effective = firstOf(envSources, o.URLVar)
	if r.Effective != nil {
		for _, db := range r.Databases {
			if !sameDatabase(r.Effective, db.Sources[0]) {
				r.warn("env-override", "environment", fmt.Sprintf("%s in the process environment names %s, but %s names %s; loaders that do not override the environment (dotenv, python-dotenv, Vite, godotenv.Load) use the environment's",
					o.URLVar, r.Effective.ID, db.Sources[0].Def.Location(), db.ID))
			}
		}
	} else {
		r.Effective = firstOf(inEffect, o.URLVar)
	}
	r.chooseMigrate(envSources, inEffect)
	return r, nil
}

// judge parses a definition and works out the database it names.
func judge(v string, d Definition, dir string, rules []dburl.Rule) (*Source, error) {
	u, err := dburl.Parse(d.fullValue())
	if err != nil {
		return nil, &ValueError{Location: d.Location(), Var: v, Err: err}
	}
	s := &Source{Var: v, Def: d, Dir: dir, URL: u, Endpoint: dburl.Classify(u, rules)}
	if s.Endpoint.Direct != nil {
		s.ID = s.Endpoint.Direct.Identity()
	} else {
		s.ID = u.Identity()
	}
	return s, nil
}

func (r *Report) warn(code, loc, msg string) {
	r.Warnings = append(r.Warnings, Warning{Code: code, Location: loc, Message: msg})
}

func firstOf(sources []*Source, v string) *Source {
	for _, s := range sources {
		if s.Var == v {
			return s
		}
	}
	return nil
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
func (r *Report) group(sources []*Source) []Database {
	var dbs []Database
	for _, s := range sources {
		placed := false
		for i := range dbs {
			if sameDatabase(s, dbs[i].Sources[0]) {
				dbs[i].Sources = append(dbs[i].Sources, s)
				placed = true
				break
			}
		}
		if !placed {
			dbs = append(dbs, Database{ID: s.ID, Sources: []*Source{s}})
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

// explainReaders records, for each database, which loaders started in which
// directory read it: the cascade (dotenv-flow, Vite, Next.js), .env alone
// (dotenv, godotenv, docker compose), and the nearest .env upwards
// (python-dotenv's find_dotenv).
func (r *Report) explainReaders(byDir map[string][]*Source, dirs []string) {
	dotenvOnly := func(dir string) *Source {
		var last *Source
		for _, s := range byDir[dir] {
			if s.Var == r.URLVar && path.Base(s.Def.File) == ".env" {
				last = s
			}
		}
		return last
	}
	for _, dir := range dirs {
		picks := []struct {
			who string
			s   *Source
		}{
			{"dotenv-flow/Vite/Next.js (mode " + r.Mode + ")", nil},
			{"dotenv/godotenv/docker compose", dotenvOnly(dir)},
			{"python-dotenv", nil},
		}
		for _, s := range byDir[dir] {
			if s.Var == r.URLVar && s.InEffect {
				picks[0].s = s
			}
		}
		for d := dir; ; d = path.Dir(d) {
			if s := dotenvOnly(d); s != nil {
				picks[2].s = s
				break
			}
			if d == "." {
				break
			}
		}
		where := "the project root"
		if dir != "." {
			where = dir + "/"
		}
		// One line per database a directory's loaders read, naming them all.
		for i := range r.Databases {
			var who []string
			for _, p := range picks {
				for _, s := range r.Databases[i].Sources {
					if p.s == s {
						who = append(who, p.who)
					}
				}
			}
			if len(who) > 0 {
				r.Databases[i].Readers = append(r.Databases[i].Readers, fmt.Sprintf("%s run in %s", strings.Join(who, ", "), where))
			}
		}
	}
}

// chooseMigrate picks the URL migrations use: a direct-URL variable naming
// the database in effect (the environment's first), else the database URL
// itself, rewritten to its direct endpoint.
func (r *Report) chooseMigrate(envSources, fileSources []*Source) {
	if r.Effective == nil {
		return
	}
	candidates := envSources
	if !r.Effective.FromEnvironment() {
		candidates = fileSources
	}
	for _, v := range r.DirectVars {
		for _, s := range candidates {
			if s.Var != v || !s.InEffect {
				continue
			}
			if !sameDatabase(s, r.Effective) {
				continue // a conflict, or an env override: reported already
			}
			if s.Endpoint.Direct == nil {
				r.warn("pooled-direct-var", s.Def.Location(), fmt.Sprintf("%s should hold the direct URL, but it looks pooled (%s)", v, s.Endpoint.Reason))
				continue
			}
			r.Migrate, r.MigrateURL = s, s.Endpoint.Direct
			return
		}
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
	}
}
