// Package tool runs the migration tools other than golang-migrate behind
// the guard (Alembic, Prisma, dbmate, goose, or a project's own commands),
// and reads each tool's own version table directly, so status, version, ci
// and doctor work without the tool installed and a project whose
// migrations another tool runs never gets golang-migrate's advice.
package tool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"weak"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pyini"
	"github.com/dbguard/dbguard/internal/safefile"
)

// Kind names a migration tool, as migrations.tool does.
type Kind string

// The tools.
const (
	GolangMigrate Kind = "golang-migrate"
	Alembic       Kind = "alembic"
	Prisma        Kind = "prisma"
	Dbmate        Kind = "dbmate"
	Goose         Kind = "goose"
	Command       Kind = "command"
)

// Project is the migration tool of a project and where it works.
type Project struct {
	Kind     Kind
	Workdir  string // absolute: where the tool runs
	Dir      string // absolute: its migrations folder ("" for command)
	Table    string // its version table ("" for command)
	Commands config.Commands
	// Vars are the variables the tool reads its URL from, beyond the
	// project's URL variables (Prisma's directUrl, goose's GOOSE_DBSTRING).
	Vars []string
	// Datasource is where a Prisma schema reads its URLs from.
	Datasource *Datasource
	// Detected says how the tool was found, for messages ("" when
	// configured).
	Detected string
	// outside, when set, is why the migrations folder is not read nor the
	// tool run: alembic.ini's script_location leads out of the project.
	outside error
	// dirOutside is why the migrations folder is not read nor the tool
	// run when the folder alone leads out (a link): the URL judged does
	// not depend on it, so env and the hook go on.
	dirOutside error
	// root is the project root (cfg.Root), where a lockfile search stops.
	root string
	// For tool: command, the configuration file (relative to the root),
	// the line of each migrations.command key, and the project's URL
	// variables: CheckCommand's.
	config       string
	commandLines map[string]int
	urlVars      []string
}

// refused is why the migrations folder is not read nor the tool run.
func (p *Project) refused() error {
	if p.outside != nil {
		return p.outside
	}
	return p.dirOutside
}

// Resolve returns the project's migration tool: migrations.tool, else the
// one tool whose marks the root (or migrations.workdir) holds, else
// golang-migrate. While a command Remembers cfg, the first answer is
// given again (a copy) as long as cfg's root and migrations settings are
// those it was found for.
func Resolve(cfg *config.Config) (*Project, error) {
	v, ok := remembered.Load(cfg)
	if !ok {
		p, err := resolve(cfg)
		if err == nil {
			keepRecent(cfg, p)
		}
		return p, err
	}
	r, _ := v.(*resolution)
	if r == nil || r.root != cfg.Root || r.dirGiven != cfg.DirGiven || r.migrations != cfg.Migrations {
		p, err := resolve(cfg)
		r = &resolution{root: cfg.Root, dirGiven: cfg.DirGiven, migrations: cfg.Migrations, p: p, err: err}
		remembered.Store(cfg, r)
	}
	if r.err != nil {
		return nil, r.err
	}
	p := *r.p
	p.Vars = slices.Clone(p.Vars)
	return &p, nil
}

// remembered holds Resolve's answer for each configuration a command
// Remembers (*config.Config to *resolution, nil until the first answer).
// Detection lists the migrations folder, and a no-op migrate up resolved
// the tool four times (its options, the Prisma URL variables of the guard,
// the models' SQLAlchemy and Prisma sources): four listings of 300 names.
var remembered sync.Map

// resolution is one answer of Resolve and the settings it was found for.
type resolution struct {
	root       string
	dirGiven   bool
	migrations config.Migrations
	p          *Project
	err        error
}

// Remember makes Resolve answer cfg from its first answer until Forget:
// for the run of one command that writes no file detection reads (the
// migrate commands but create), so every part of the command sees the same
// tool. p, when not nil, is that answer: what Resolve(cfg) just returned.
func Remember(cfg *config.Config, p *Project) {
	var r *resolution
	if p != nil {
		c := *p
		c.Vars = slices.Clone(c.Vars)
		r = &resolution{root: cfg.Root, dirGiven: cfg.DirGiven, migrations: cfg.Migrations, p: &c}
	}
	remembered.Store(cfg, r)
}

// Forget ends Remember.
func Forget(cfg *config.Config) { remembered.Delete(cfg) }

// Recall is Resolve answered from the last answer Resolve found for cfg
// (a copy), while cfg's root and migrations settings are those it was
// found for; else Resolve. For the migrate commands' options: the
// project's search (services.Find) has just resolved the same
// configuration to adopt a Prisma schema's URL variables, and nothing
// the command does in between writes a file detection reads. Detection
// lists the migrations folder: a second one was ~3% of a no-op
// migrate up's CPU.
func Recall(cfg *config.Config) (*Project, error) {
	if v, ok := recent.Load(weak.Make(cfg)); ok {
		if r := v.(*resolution); r.root == cfg.Root && r.dirGiven == cfg.DirGiven && r.migrations == cfg.Migrations {
			p := *r.p
			p.Vars = slices.Clone(p.Vars)
			return &p, nil
		}
	}
	return Resolve(cfg)
}

// recent holds the last answer Resolve found for each configuration
// still in use (weak.Pointer[config.Config] to *resolution): Recall's.
// An entry goes with its configuration.
var recent sync.Map

// keepRecent records p as Resolve's answer for cfg, for Recall.
func keepRecent(cfg *config.Config, p *Project) {
	c := *p
	c.Vars = slices.Clone(c.Vars)
	key := weak.Make(cfg)
	if _, loaded := recent.Swap(key, &resolution{root: cfg.Root, dirGiven: cfg.DirGiven, migrations: cfg.Migrations, p: &c}); !loaded {
		runtime.AddCleanup(cfg, func(k weak.Pointer[config.Config]) { recent.Delete(k) }, key)
	}
}

// resolve is Resolve without the memory.
func resolve(cfg *config.Config) (*Project, error) {
	if err := cfg.CheckLinks(); err != nil {
		return nil, err // the folders lead out of the project
	}
	kind := Kind(cfg.Migrations.Tool)
	workdir := cfg.Workdir()
	detected := ""
	if kind == "" {
		found, err := detect(cfg)
		if err != nil {
			return nil, err
		}
		if found == nil {
			return &Project{Kind: GolangMigrate, Workdir: workdir, Dir: cfg.MigrationsDir(), Table: cfg.Migrations.Table}, nil
		}
		kind, workdir, detected = found.kind, found.dir, found.why
	}
	return project(cfg, kind, workdir, detected), nil
}

// ResolveKind is the project of a tool dbguard exec runs in workdir: the
// configured or detected one when it is that tool, else that tool with its
// defaults there.
func ResolveKind(cfg *config.Config, kind Kind, workdir string) (*Project, error) {
	if p, err := Resolve(cfg); err == nil && p.Kind == kind {
		return p, nil
	}
	return project(cfg, kind, workdir, ""), nil
}

// project is kind's project in workdir.
func project(cfg *config.Config, kind Kind, workdir, detected string) *Project {
	p := &Project{Kind: kind, Workdir: workdir, Detected: detected, Commands: cfg.Migrations.Command, root: cfg.Root}
	if kind == Command {
		p.config, p.urlVars = output.RelTo(cfg.Root, cfg.Path), cfg.URLVars()
		p.commandLines = map[string]int{}
		for _, k := range []string{"up", "down", "status"} {
			p.commandLines[k] = cfg.Line("migrations", "command", k)
		}
	}
	dir := func(def string) string {
		if cfg.DirGiven {
			return cfg.MigrationsDir()
		}
		return filepath.Join(workdir, def)
	}
	switch kind {
	case GolangMigrate:
		p.Dir, p.Table = cfg.MigrationsDir(), cfg.Migrations.Table
	case Alembic:
		var unread error
		p.Table = "alembic_version"
		if ini := filepath.Join(workdir, "alembic.ini"); !inside(cfg.Root, ini) {
			// A link out of the project: Alembic reads it, and dbguard
			// reads nothing outside.
			p.Dir = filepath.Join(workdir, "alembic", "versions")
			p.outside = &exitcode.Advice{Code: exitcode.Usage,
				Msg:  fmt.Sprintf("%s is a link that leads outside the project: Alembic reads its settings there (script_location, sqlalchemy.url), and dbguard reads nothing outside the project, nor runs Alembic with it", output.Escape(output.RelTo(cfg.Root, ini))),
				Next: fmt.Sprintf("replace the link %s with the file itself, then run the command again", output.Escape(output.RelTo(cfg.Root, ini)))}
		} else if p.Dir, unread = alembicVersions(workdir); unread != nil {
			p.outside = &exitcode.Advice{Code: exitcode.Usage,
				Msg:  fmt.Sprintf("alembic.ini's script_location: %v, so where Alembic would run is not known; dbguard reads nothing outside the project, nor runs Alembic there", unread),
				Next: "set script_location in [alembic] of alembic.ini to a folder inside the project (script_location = %(here)s/alembic), then run the command again"}
		} else if !inside(cfg.Root, p.Dir) {
			// alembic.ini is the repository's: its script_location (an
			// absolute path, %(here)s/.., a link) cannot take dbguard,
			// nor the Alembic it runs, out of the project.
			p.outside = &exitcode.Advice{Code: exitcode.Usage,
				Msg:  fmt.Sprintf("alembic.ini's script_location leads to %s, outside the project: dbguard reads nothing outside it, nor runs Alembic there", output.Escape(p.Dir)),
				Next: "set script_location in alembic.ini to a folder inside the project (%(here)s/alembic), then run the command again"}
		} else if loc, line, err := alembicVersionLocationOutside(cfg.Root, workdir); err != nil || loc != "" {
			// version_locations are folders Alembic imports revisions
			// from besides script_location's: held to the same.
			why := fmt.Sprintf("leads to %s, outside the project", output.Escape(loc))
			if err != nil {
				why = err.Error()
			}
			p.outside = &exitcode.Advice{Code: exitcode.Usage,
				Msg:  fmt.Sprintf("%s:%d: alembic.ini's version_locations %s: Alembic would run the revisions there, and dbguard reads nothing outside the project, nor runs Alembic there", output.Escape(output.RelTo(cfg.Root, filepath.Join(workdir, "alembic.ini"))), line, why),
				Next: "make every version_locations entry in alembic.ini a folder inside the project (%(here)s/alembic/versions), then run the command again"}
		} else if key, line := alembicPyprojectPaths(cfg.Root, workdir); key != "" {
			// Alembic 1.16 and later read these from pyproject.toml's
			// [tool.alembic] too, where dbguard reads no paths: a
			// version_locations there ran revisions from outside the
			// project, unseen by migrate status.
			py := output.Escape(output.RelTo(cfg.Root, filepath.Join(workdir, "pyproject.toml")))
			p.outside = &exitcode.Advice{Code: exitcode.Usage,
				Msg:  fmt.Sprintf("%s:%d: %s is set in pyproject.toml, where Alembic 1.16 and later read it ([tool.alembic]) and dbguard reads no paths, so it cannot hold where Alembic would run inside the project", py, line, key),
				Next: fmt.Sprintf("move %s from pyproject.toml's [tool.alembic] into [alembic] of alembic.ini (a folder inside the project), then run the command again", key)}
		}
	case Prisma:
		p.Dir, p.Table = filepath.Join(workdir, "prisma", "migrations"), "_prisma_migrations"
		p.Datasource, p.outside = readDatasource(cfg.Root, workdir)
		var pc *PrismaConfig
		if p.Datasource != nil {
			p.Vars = p.Datasource.vars()
			pc = p.Datasource.Config
		}
		switch {
		case p.outside != nil:
		case pc != nil && pc.Migrations != "":
			// migrations: { path } in prisma.config.ts is where
			// prisma migrate deploy reads its folders.
			if dir, err := pc.migrationsPath(cfg.Root); err != nil {
				p.outside = err
			} else {
				p.Dir = dir
				p.dirOutside = configMigrationsOnly(cfg.Root, workdir, pc, dir)
			}
		default:
			// Beside the schema Prisma reads: a stale prisma/migrations
			// beside a root schema.prisma's ./migrations is not checked.
			if dir, err := prismaMigrationsDir(cfg.Root, workdir, pc); err != nil {
				p.dirOutside = err
			} else {
				p.Dir = dir
			}
		}
	case Dbmate:
		p.Dir, p.Table = dir(filepath.Join("db", "migrations")), dbmateTable(workdir, environMap())
	case Goose:
		p.Dir, p.Table = dir("migrations"), envTable(workdir, environMap(), gooseTableVar, "goose_db_version")
		p.Vars = []string{"GOOSE_DBSTRING"}
	}
	if (kind == Prisma || kind == Dbmate || kind == Goose) && p.outside == nil && p.Dir != "" && !inside(cfg.Root, p.Dir) {
		// Not p.outside: the folder decides no URL, so env goes on.
		// prisma/migrations, db/migrations or migrations a link out of the
		// project: the tool would run what is there, and dbguard reads
		// nothing outside (golang-migrate's folder is held to the same by
		// the configuration).
		p.dirOutside = &exitcode.Advice{Code: exitcode.Usage,
			Msg:  fmt.Sprintf("%s's migrations folder %s leads outside the project (a link): %s would run what is there, and dbguard reads nothing outside the project", kind, output.Escape(output.RelTo(cfg.Root, p.Dir)), kind),
			Next: fmt.Sprintf("replace the link %s with the folder itself, then run the command again", output.Escape(output.RelTo(cfg.Root, p.Dir)))}
	}
	return p
}

// found is a tool detected in a folder.
type found struct {
	kind Kind
	dir  string
	why  string
}

// detect looks for each tool's marks in migrations.workdir (or the root),
// and in the root's direct subfolders when no workdir is set (a backend/
// beside a frontend/). More than one tool is an error: the user says which.
//
// Marks in the root win over the subfolders', and so do golang-migrate's
// own files (*.up.sql in the migrations folder): an alembic.ini in docs/
// or a Prisma schema in examples/ of a golang-migrate project is not the
// tool that runs its migrations.
func detect(cfg *config.Config) (*found, error) {
	all := marks(cfg.Workdir(), cfg)
	if len(all) == 0 && cfg.Migrations.Workdir == "" && !anyName(cfg.MigrationsDir(), ".up.sql") {
		entries, _ := os.ReadDir(cfg.Root)
		for _, e := range entries {
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && e.Name() != "node_modules" && e.Name() != "vendor" {
				all = append(all, marks(filepath.Join(cfg.Root, e.Name()), cfg)...)
			}
		}
	}
	if len(all) == 0 {
		return nil, nil
	}
	if len(all) > 1 {
		var names []string
		for _, f := range all {
			names = append(names, fmt.Sprintf("%s (%s)", f.kind, f.why))
		}
		sort.Strings(names)
		return nil, &AmbiguousError{Found: names}
	}
	return &all[0], nil
}

var (
	dbmateMark = lazyre.New(`(?m)^--\s*migrate:up`)
	gooseMark  = lazyre.New(`(?m)^--\s*\+goose\s+Up`)
)

// marks lists the tools whose marks dir holds.
func marks(dir string, cfg *config.Config) []found {
	var out []found
	rel := func(p string) string { return filepath.ToSlash(output.RelTo(cfg.Root, p)) }
	if p := filepath.Join(dir, "alembic.ini"); exists(p) {
		out = append(out, found{Alembic, dir, rel(p)})
	}
	// Where Prisma's CLI finds its schema (readDatasource reads it):
	// package.json's "prisma": {"schema": ...} first, then its default
	// places; a schema only there was no Prisma project to dbguard, which
	// judged DATABASE_URL while Prisma Client read the schema's variable.
	if c := prismaConfigIn(dir); c != "" {
		out = append(out, found{Prisma, dir, rel(c)})
	} else if _, pkg, ok := packageSchemaFrom(cfg.Root, dir); ok {
		out = append(out, found{Prisma, dir, rel(pkg) + " (prisma.schema)"})
	} else if p := defaultSchema(dir); p != "" {
		out = append(out, found{Prisma, dir, rel(p)})
	}
	if p := filepath.Join(dir, "db", "migrations"); anyFile(p, dbmateMark) {
		out = append(out, found{Dbmate, dir, rel(p) + " with -- migrate:up"})
	}
	gooseDir := filepath.Join(dir, "migrations")
	if cfg.DirGiven {
		gooseDir = cfg.MigrationsDir()
	}
	if anyFile(gooseDir, gooseMark) {
		out = append(out, found{Goose, dir, rel(gooseDir) + " with -- +goose Up"})
	}
	return out
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// anyName reports whether dir holds a file whose name ends in suffix.
// It reads the folder in listing order, unsorted, and stops at the first
// match: every command detects the tool, and a golang-migrate folder of
// hundreds of files matches ".up.sql" in the first few.
func anyName(dir, suffix string) bool {
	f, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_NONBLOCK, 0) // a FIFO there waits on nothing
	if err != nil {
		return false
	}
	defer f.Close()
	for {
		entries, err := f.ReadDir(64)
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), suffix) {
				return true
			}
		}
		if err != nil {
			return false
		}
	}
}

// anyFile reports whether a .sql file in dir matches re (read up to 4 KiB).
// golang-migrate's files (*.up.sql, *.down.sql) are neither tool's, so a
// golang-migrate folder of hundreds of files costs no reads.
// The names are read unsorted and without their types; a file is read
// through the folder's root, without waiting (a FIFO), and only when it
// is a regular file: a repository is input, and a link out of the folder
// or a FIFO named *.sql must not take the read elsewhere or hang every
// command.
func anyFile(dir string, re *lazyre.Regexp) bool {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return false
	}
	defer root.Close()
	d, err := root.Open(".")
	if err != nil {
		return false
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	for _, name := range names {
		if !strings.HasSuffix(name, ".sql") || strings.HasSuffix(name, ".up.sql") || strings.HasSuffix(name, ".down.sql") {
			continue
		}
		if firstBytesMatch(root, name, re) {
			return true
		}
	}
	return false
}

// firstBytesMatch reports whether the first 4 KiB of a regular file match re.
func firstBytesMatch(root *os.Root, name string, re *lazyre.Regexp) bool {
	f, err := safefile.OpenIn(root, name)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, _ := f.Read(buf)
	return re.Match(buf[:n])
}

// AmbiguousError is more than one migration tool found in a project.
type AmbiguousError struct{ Found []string }

// ExitCode is 2: the configuration must say which.
func (e *AmbiguousError) ExitCode() int { return exitcode.Usage }

func (e *AmbiguousError) Error() string {
	return "more than one migration tool here: " + strings.Join(e.Found, ", ")
}

// Hint names the next step.
func (e *AmbiguousError) Hint() string {
	return "say which runs the migrations in dbguard.yaml: migrations: {tool: NAME, workdir: FOLDER}"
}

// UnsupportedError is a migrate subcommand a tool has no equivalent for.
type UnsupportedError struct {
	Kind    Kind
	Command string
	Instead string
}

// ExitCode is 2: a usage error.
func (e *UnsupportedError) ExitCode() int { return exitcode.Usage }

func (e *UnsupportedError) Error() string {
	if e.Command == "" {
		return fmt.Sprintf("this migrate subcommand works with golang-migrate only; this project's migrations run with %s", e.Kind)
	}
	return fmt.Sprintf("dbguard migrate %s is not available with %s", e.Command, e.Kind)
}

// Hint names the next step.
func (e *UnsupportedError) Hint() string { return e.Instead }

// alembicVersions is the versions folder of the Alembic project in
// workdir: script_location from alembic.ini (%(here)s is workdir), then
// versions/. It reads script_location as Alembic's ConfigParser does: in
// the [alembic] section (else [DEFAULT]), the key in any case, after '='
// or ':', continuation lines joined, %(name)s taken from the section, its
// defaults and Alembic's here, %% for a '%'. An error says
// why the folder is not known (a name that is not set, a package
// resource "pkg:path" Alembic finds through Python's import path).
func alembicVersions(workdir string) (string, error) {
	loc := "alembic"
	if data, err := readSmall(filepath.Join(workdir, "alembic.ini")); err == nil {
		vals, _ := alembicOptions(workdir, data)
		if raw, ok := vals["script_location"]; ok {
			if loc, err = iniInterpolate(raw, vals, len(data)); err != nil {
				return filepath.Join(workdir, "alembic", "versions"), err
			}
		}
	}
	if !filepath.IsAbs(loc) && strings.Contains(loc, ":") {
		return filepath.Join(workdir, "alembic", "versions"), fmt.Errorf("%s names a package resource, found through Python's import path", output.Escape(loc))
	}
	if !filepath.IsAbs(loc) {
		loc = filepath.Join(workdir, loc)
	}
	return filepath.Join(loc, "versions"), nil
}

// alembicVersionLocationOutside is the first of alembic.ini's
// version_locations (split as Alembic splits them: path_separator or
// version_path_separator "space", "newline", "os", ":" or ";", each entry
// stripped, else at commas and spaces) that leads outside
// root, with the line it is set on; an error for one that cannot be
// placed (a package resource "pkg:path", an interpolation Alembic would
// refuse). "" and nil when none is set or all are inside.
// alembicPyprojectPaths is the first key of Alembic's that names paths
// (script_location, version_locations, prepend_sys_path) set in workdir's
// pyproject.toml, and its line; "" when none is. Any line that assigns
// one counts, in whatever table: a key of that name in a pyproject.toml is
// Alembic's, and a TOML reader that missed a form ([tool.alembic], a
// dotted key, an inline table) would let it through.
func alembicPyprojectPaths(root, workdir string) (string, int) {
	rel, err := filepath.Rel(root, filepath.Join(workdir, "pyproject.toml"))
	if err != nil {
		return "", 0
	}
	// Inside the project only (a link out is not read), bounded as the
	// manifests are.
	data, err := safefile.ReadUnder(root, rel, 4<<20)
	if err != nil {
		return "", 0
	}
	// As TOML reads the keys too: a quoted key's escapes decoded
	// ("script\u005flocation"), which the text search below misses.
	names := []string{"script_location", "version_locations", "prepend_sys_path"}
	found, at := "", 0
	tomlStatements(string(data), func(line int, header bool, path []string, value string) bool {
		check := func(path []string) {
			for _, part := range path {
				if found == "" && slices.Contains(names, part) {
					found, at = part, line
				}
			}
		}
		check(path)
		if !header {
			tomlInlineKeys(value, path, check)
		}
		return found == ""
	})
	for i, l := range strings.Split(string(data), "\n") {
		if found != "" && i+1 >= at {
			return found, at
		}
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' {
			continue
		}
		for _, key := range []string{"script_location", "version_locations", "prepend_sys_path"} {
			for rest := l; ; {
				j := strings.Index(rest, key)
				if j < 0 {
					break
				}
				after := strings.TrimLeft(rest[j+len(key):], "\"' \t")
				if strings.HasPrefix(after, "=") && (j == 0 || !isKeyChar(rest[j-1])) {
					return key, i + 1
				}
				rest = rest[j+len(key):]
			}
		}
	}
	return found, at
}

// isKeyChar is a byte a bare TOML key holds.
func isKeyChar(c byte) bool {
	return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func alembicVersionLocationOutside(root, workdir string) (string, int, error) {
	data, err := readSmall(filepath.Join(workdir, "alembic.ini"))
	if err != nil {
		return "", 0, nil
	}
	vals, at := alembicOptions(workdir, data)
	raw, ok := vals["version_locations"]
	if !ok {
		return "", 0, nil
	}
	line := at["version_locations"]
	v, err := iniInterpolate(raw, vals, len(data))
	if err != nil {
		return "", line, err
	}
	var locs []string
	// Alembic 1.16 reads path_separator first, then the deprecated
	// version_path_separator; it knows "newline" too, and strips each
	// entry of white space. Stripping and newline are taken here for
	// every release: an older Alembic refuses newline (it runs nothing)
	// and reads an entry with a leading space as a folder of the project
	// whose name starts with one, which stripped is a path at least as
	// far out.
	sep, sepSet := "", false
	for _, name := range []string{"path_separator", "version_path_separator"} {
		if rawSep, ok := vals[name]; ok {
			sep, _ = iniInterpolate(rawSep, vals, len(data))
			sepSet = true
			break
		}
	}
	switch sep {
	case "space":
		locs = strings.Split(v, " ")
	case "newline":
		locs = strings.Split(v, "\n")
	case "os":
		locs = strings.Split(v, string(os.PathListSeparator))
	case ":", ";":
		locs = strings.Split(v, sep)
	default:
		if sepSet {
			return "", 0, nil // Alembic refuses the separator: it runs nothing
		}
		// Alembic's legacy split: re.compile(r", *|(?: +)")
		locs = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
	}
	for _, loc := range locs {
		loc = strings.TrimSpace(loc)
		if loc == "" {
			continue
		}
		if !filepath.IsAbs(loc) && strings.Contains(loc, ":") {
			return "", line, fmt.Errorf("%s names a package resource, found through Python's import path", output.Escape(loc))
		}
		if !filepath.IsAbs(loc) {
			loc = filepath.Join(workdir, loc) // Alembic runs in workdir
		}
		if !inside(root, loc) {
			return loc, line, nil
		}
	}
	return "", 0, nil
}

// readINI reads an INI file's sections as Python's ConfigParser does with
// its defaults: option names lower-cased, '=' or ':' between name and
// value, full-line comments (# ;), an indented line continuing the value
// before it; the last setting of an option wins. lines holds the line
// (1-based) each option was last set on, by section.
func readINI(text string) (sections map[string]map[string]string, lines map[string]map[string]int) {
	sections, lines = map[string]map[string]string{}, map[string]map[string]int{}
	var cur map[string]string
	var curLines map[string]int
	key := ""
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';':
			continue
		case cur != nil && key != "" && (line[0] == ' ' || line[0] == '\t'):
			cur[key] += "\n" + trimmed
			continue
		case trimmed[0] == '[' && strings.LastIndexByte(trimmed, ']') > 1:
			name := trimmed[1:strings.LastIndexByte(trimmed, ']')]
			if sections[name] == nil {
				sections[name], lines[name] = map[string]string{}, map[string]int{}
			}
			cur, curLines, key = sections[name], lines[name], ""
			continue
		}
		if cur == nil {
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i < 0 {
			key = ""
			continue
		}
		key = strings.ToLower(strings.TrimSpace(line[:i]))
		cur[key] = strings.TrimSpace(line[i+1:])
		curLines[key] = n + 1
	}
	return sections, lines
}

// alembicOptions are the options of alembic.ini's [alembic] section as
// Alembic reads them: [DEFAULT]'s, Alembic's here (set again by the file
// if it says so; a '%' in it literal), then the section's own; and the
// line each was set on (0: not in the file).
func alembicOptions(workdir string, data []byte) (map[string]string, map[string]int) {
	sections, lines := readINI(string(data))
	vals := map[string]string{"here": strings.ReplaceAll(workdir, "%", "%%")}
	at := map[string]int{}
	for _, sec := range []string{"DEFAULT", "alembic"} {
		for k, v := range sections[sec] {
			vals[k], at[k] = v, lines[sec][k]
		}
	}
	return vals, at
}

// iniInterpolate is ConfigParser's BasicInterpolation of v (pyini),
// bounded by the bytes of the alembic.ini it came from; the error says
// what Alembic's ConfigParser would refuse.
func iniInterpolate(v string, vals map[string]string, fileSize int) (string, error) {
	left := pyini.Budget(fileSize)
	s, err := pyini.Interpolate(vals, v, &left)
	var e *pyini.Error
	if !errors.As(err, &e) {
		return s, err
	}
	switch e.Kind {
	case pyini.Missing:
		return "", fmt.Errorf("%%(%s)s is not set", output.Escape(e.Name))
	case pyini.BadReference:
		return "", fmt.Errorf("%s is not an interpolation Alembic reads", output.Escape(e.Rest))
	case pyini.LonePercent:
		return "", fmt.Errorf("a lone %% in %s", output.Escape(e.Rest))
	}
	return "", err
}

// inside reports whether p, its links resolved (those of the part that
// exists), is inside root: safefile.WithinResolved, as the hooks folder's
// check. A folder the tool would make (prisma/migrations not there yet)
// is where its parent leads.
func inside(root, p string) bool { return safefile.WithinResolved(root, p) }

// Detected is what detection finds for a project's settings.
type Detected struct {
	Kind Kind
	// Workdir is the folder the tool was found in, relative to the
	// project root, slash-separated ("." the root).
	Workdir string
	// Mark is the file or folder that decided it, relative to the root
	// ("" for golang-migrate with no migration file).
	Mark string
}

// DetectAt is the tool detection finds for cfg's migrations settings in
// the project whose files are at root: cfg's own root, or a copy of
// another revision's files that detection reads (internal/pullrequest
// judges a pull request with the base revision's tool). Neither tool is
// detected (golang-migrate) when no tool's marks are there.
func DetectAt(cfg *config.Config, root string) (*Detected, error) {
	c := *cfg
	c.Root = root
	if filepath.IsAbs(c.Migrations.Dir) {
		// An absolute folder of cfg's: the same folder below root.
		rel, err := filepath.Rel(cfg.Root, c.Migrations.Dir)
		if err != nil || !filepath.IsLocal(rel) {
			return nil, fmt.Errorf("migrations.dir %s is outside the project", output.Escape(c.Migrations.Dir))
		}
		c.Migrations.Dir = rel
	}
	f, err := detect(&c)
	if err != nil {
		return nil, err
	}
	rel := func(p string) string { return filepath.ToSlash(output.RelTo(root, p)) }
	if f == nil {
		d := &Detected{Kind: GolangMigrate, Workdir: rel(c.Workdir())}
		if name := firstName(c.MigrationsDir(), ".up.sql"); name != "" {
			d.Mark = rel(filepath.Join(c.MigrationsDir(), name))
		}
		return d, nil
	}
	mark, _, _ := strings.Cut(f.why, " ")
	return &Detected{Kind: f.kind, Workdir: rel(f.dir), Mark: mark}, nil
}

// firstName is the first name in dir (sorted) ending in suffix, "" when
// none does: where a warning about the folder points.
func firstName(dir, suffix string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), suffix) {
			return e.Name()
		}
	}
	return ""
}

// Below is the project of the one tool whose marks the folder from, or
// the nearest folder above it below the root, holds: a Prisma project in
// apps/api, deeper than the root's direct subfolders detection looks in.
// nil when from is not below the root, no such folder holds a mark, or
// the nearest one holds more than one tool's. For advice only: the
// command that found golang-migrate there keeps it (migrations.workdir
// is how the user says where the tool runs).
func Below(cfg *config.Config, from string) *Project {
	if cfg.Migrations.Tool != "" || cfg.Migrations.Workdir != "" || cfg.DirGiven {
		return nil // the user's own settings: nothing was left to detect
	}
	from, err := filepath.Abs(from)
	if err != nil || from == cfg.Root || !safefile.Within(cfg.Root, from) {
		return nil
	}
	for dir := from; !lastUp(cfg.Root, dir); dir = filepath.Dir(dir) {
		switch all := marks(dir, cfg); len(all) {
		case 0:
			continue
		case 1:
			return project(cfg, all[0].kind, dir, all[0].why)
		}
		return nil
	}
	return nil
}
