// Package config finds, decodes and validates dbguard.yaml.
//
// The file is optional: every key has a default, so a project can start with
// none. When present it is decoded strictly (unknown keys are errors) and every
// error names the file and line, so it can be pasted into an editor.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// FileName is the configuration file dbguard looks for.
const FileName = "dbguard.yaml"

// modelAttrRE is a Python module path, a colon and an attribute path.
var modelAttrRE = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// Defaults for keys that are absent.
const (
	DefaultURLVar = "DATABASE_URL"
	DefaultMode   = "development"
)

// DefaultDirectURLVars are the variables that conventionally hold the direct
// (unpooled) URL: Neon's Vercel integration, Prisma's directUrl, Vercel
// Postgres, and Neon's own naming.
var DefaultDirectURLVars = []string{"DATABASE_URL_UNPOOLED", "DIRECT_URL", "POSTGRES_URL_NON_POOLING", "DATABASE_UNPOOLED_URL"}

// Config is a decoded dbguard.yaml with defaults filled in.
type Config struct {
	Version    int        `yaml:"version"`
	Database   Database   `yaml:"database"`
	Env        Env        `yaml:"env"`
	Poolers    []Pooler   `yaml:"poolers"`
	Migrations Migrations `yaml:"migrations"`
	Schema     Schema     `yaml:"schema"`
	Hook       Hook       `yaml:"hook"`
	Plan       Plan       `yaml:"plan"`
	Models     Models     `yaml:"models"`
	// Services are the monorepo's applications, each with its own
	// dbguard.yaml and database (internal/services); folders below the
	// root with a dbguard.yaml of their own are found without a listing.
	Services []ServiceEntry `yaml:"services"`
	// Expect is the raw expect: mapping; Expectations is it parsed.
	Expect       yaml.Node     `yaml:"expect"`
	Expectations []ExpectTable `yaml:"-"`
	Path         string        `yaml:"-"` // the file it came from; "" when defaults only
	DirGiven     bool          `yaml:"-"` // migrations.dir was set (a tool's own default applies otherwise)
	URLVarGiven  bool          `yaml:"-"` // database.url_var was set (a Prisma schema's url variable applies otherwise)
	Root         string        `yaml:"-"` // the project root: the file's directory, else the git root
	nodes        *yaml.Node
	// asWritten is the trust-bearing settings as the file and the
	// defaults gave them (trust.go), before a Prisma schema's variables
	// were adopted into Database.
	asWritten *Config
}

// Migrations configures dbguard migrate.
type Migrations struct {
	// Tool runs the migrations: golang-migrate (built in), alembic,
	// prisma, dbmate, goose or command; detected when empty.
	Tool string `yaml:"tool"`
	// Workdir is where the tool runs, relative to the project root.
	Workdir string `yaml:"workdir"`
	// Command is tool: command's own command lines.
	Command          Commands `yaml:"command"`
	Dir              string   `yaml:"dir"`               // relative to the project root
	Table            string   `yaml:"table"`             // golang-migrate's version table
	Ledger           string   `yaml:"ledger"`            // dbguard's history table beside it
	LockTimeout      Duration `yaml:"lock_timeout"`      // how long to wait for another migration
	StatementTimeout Duration `yaml:"statement_timeout"` // 0: none
	ConnectTimeout   Duration `yaml:"connect_timeout"`   // 0: the URL's connect_timeout, else 10s
}

// Commands are shell command lines (run with sh -c in migrations.workdir,
// the guarded URL in the URL variables) for tool: command.
type Commands struct {
	Up     string `yaml:"up"`
	Down   string `yaml:"down"`   // run once per migration to roll back
	Status string `yaml:"status"` // exit 0 when nothing is pending
}

// Tools are the migration tools migrations.tool names.
var Tools = []string{"golang-migrate", "alembic", "prisma", "dbmate", "goose", "command"}

// Schema configures introspection and the expectation sources.
type Schema struct {
	Schemas  []string `yaml:"schemas"`  // default [public]
	Snapshot string   `yaml:"snapshot"` // default dbguard.schema.yaml, relative to the root
	// ShadowURL names a dedicated server for every shadow database, as
	// ${NAME}: a variable of the process environment, never a connection
	// string (dbguard.yaml is the repository's, and a pull request could
	// point previews at any server the CI's credentials reach). Unset or
	// empty in the environment, or "": a throwaway sandbox (plan.shadow).
	ShadowURL string `yaml:"shadow_url"`
	Shadow    bool   `yaml:"shadow"` // verify against a shadow database after every migrate
}

// ServiceEntry is one item of services: a folder below the root that is
// an application of its own, with its own dbguard.yaml (or the defaults).
type ServiceEntry struct {
	Name string `yaml:"name"` // default: the folder's name
	Path string `yaml:"path"` // relative to the root, inside it
	// DependsOn are services whose migrations run first
	// (migrate up --all-services).
	DependsOn []string `yaml:"depends_on"`
	// SharesDatabaseWith are services that use the same database on
	// purpose; any other two naming one database is reported.
	SharesDatabaseWith []string `yaml:"shares_database_with"`
}

// Models says where the application's models are, the columns the code
// expects. Each source is found by its stack's convention when unset, and
// "off" switches it off.
type Models struct {
	// SQLAlchemy is "module:attribute" naming a MetaData, a declarative
	// base or SQLModel; default: target_metadata in Alembic's env.py.
	SQLAlchemy string `yaml:"sqlalchemy"`
	// Prisma is the schema.prisma file (or prismaSchemaFolder folder),
	// relative to the root; default: prisma/schema.prisma where Prisma runs.
	Prisma string `yaml:"prisma"`
	// Django is the project's manage.py, relative to the root, whose
	// DJANGO_SETTINGS_MODULE names INSTALLED_APPS; default: manage.py in
	// the migrations' working folder or the root.
	Django string `yaml:"django"`
	// Drizzle is the Drizzle schema file or folder (pgTable definitions,
	// read as text), relative to the root; default: drizzle.config.*'s
	// schema.
	Drizzle string `yaml:"drizzle"`
	// Timeout bounds reading the SQLAlchemy and Django models; default 30s.
	Timeout Duration `yaml:"timeout"`
}

// ModelsOff switches a models source off.
const ModelsOff = "off"

// DefaultModelsTimeout bounds importing the models.
const DefaultModelsTimeout = 30 * time.Second

// Hook configures the pre-commit hook.
type Hook struct {
	// Allow lists globs of files whose database URLs are never reported
	// as credentials (fixtures, docs with fake passwords).
	Allow []string `yaml:"allow"`
}

// Plan configures dbguard migrate plan.
type Plan struct {
	// Severity changes a rule's severity: rule id -> danger, warning,
	// info or off. The ids are the plan package's; it checks them.
	Severity map[string]string `yaml:"severity"`
	// Shadow is where every preview (plan, up --plan, the ci plan check,
	// verify --shadow) runs the migration files: sandbox, a throwaway
	// server dbguard starts and deletes (the default), or live, a database
	// on the live server, allowed only for files with no statement that
	// can act beyond that database. schema.shadow_url, when set, wins.
	Shadow string `yaml:"shadow"`
	// MaxFileSize caps one migration file a preview reads (the pending
	// files it traces, the applied ones its shadow replays), and
	// MaxTotalSize all of them together: a preview scans every file
	// statement by statement, at up to seconds of CPU per MiB, and a pull
	// request writes the files. Trust-bearing (trust.go).
	MaxFileSize  ByteSize `yaml:"max_file_size"`
	MaxTotalSize ByteSize `yaml:"max_total_size"`
}

// The default caps of a preview's migration files (plan.max_file_size,
// plan.max_total_size).
const (
	DefaultMaxFileSize  ByteSize = 4 << 20
	DefaultMaxTotalSize ByteSize = 64 << 20
)

// ByteSize is a size in bytes, written in dbguard.yaml as a number of
// bytes or with a unit: 512KiB, 4MiB, 1GiB.
type ByteSize int64

var byteSizeRE = lazyre.New(`^([0-9]{1,15})\s*(B|KiB|MiB|GiB)?$`)

// UnmarshalYAML reads a size.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	m := byteSizeRE.FindStringSubmatch(strings.TrimSpace(n.Value))
	if n.Kind != yaml.ScalarNode || m == nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want a size such as 4MiB, 512KiB or a number of bytes, got %q", n.Line, output.Clip(output.Escape(n.Value), 40))}}
	}
	v, _ := strconv.ParseInt(m[1], 10, 64)
	shift := map[string]int{"": 0, "B": 0, "KiB": 10, "MiB": 20, "GiB": 30}[m[2]]
	if v > 1<<(62-shift) {
		v = 0 // past what a file can be
	}
	v <<= shift
	if v <= 0 {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want a size above 0 and below 4 EiB, got %q", n.Line, n.Value)}}
	}
	*b = ByteSize(v)
	return nil
}

// String writes the size as dbguard.yaml takes it: 4MiB, 1536KiB, 100B.
func (b ByteSize) String() string {
	for _, u := range []struct {
		shift int
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if b > 0 && b%(1<<u.shift) == 0 {
			return strconv.FormatInt(int64(b>>u.shift), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}

// ShadowVar is the process environment variable schema.shadow_url names
// (${NAME}); "" when shadow_url is unset.
func (s Schema) ShadowVar() string {
	if m := shadowRefRE.FindStringSubmatch(s.ShadowURL); m != nil {
		return m[1]
	}
	return ""
}

// ShadowServer is the dedicated shadow server's connection string: the
// value of ShadowVar in the process environment, never an env file's (those
// are the repository's); "" when there is none, and previews use plan.shadow.
func (s Schema) ShadowServer() string {
	if v := s.ShadowVar(); v != "" {
		return os.Getenv(v)
	}
	return ""
}

// DefaultShadowVar is the variable the hints propose for schema.shadow_url,
// the name Prisma's shadowDatabaseUrl conventionally reads.
const DefaultShadowVar = "SHADOW_DATABASE_URL"

// Shadow places (plan.shadow). ShadowLive is refused by every preview
// (PreviewError): it named a shadow database on the live server.
const (
	ShadowSandbox = "sandbox"
	ShadowLive    = "live"
)

// Severities are the values plan.severity takes.
var Severities = []string{"danger", "warning", "info", "off"}

// Default schema settings.
const DefaultSnapshot = "dbguard.schema.yaml"

// SnapshotPath is the absolute snapshot file path.
func (c *Config) SnapshotPath() string {
	if filepath.IsAbs(c.Schema.Snapshot) {
		return c.Schema.Snapshot
	}
	return filepath.Join(c.Root, c.Schema.Snapshot)
}

// Duration is a time.Duration written as "15s" or "2m" in YAML.
type Duration time.Duration

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want a duration such as 15s or 2m, got %q", n.Line, n.Value)}}
	}
	*d = Duration(v)
	return nil
}

// LedgerTableFor is the default ledger beside golang-migrate's version
// table: dbguard_migrations beside schema_migrations, dbguard_<table>
// beside any other. Services sharing a database each keep their own
// version table; one ledger for all of them would hold the others'
// migrations as this folder's (edited files, late merges) and hand out
// the same ids under different locks. The name is cut to PostgreSQL's 63
// bytes, as the server would cut it.
func LedgerTableFor(table string) string {
	if table == "" || table == DefaultMigrationsTable {
		return DefaultLedgerTable
	}
	name := "dbguard_" + table
	for len(name) > 63 || !utf8.ValidString(name) {
		name = name[:len(name)-1]
	}
	return name
}

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// DefaultExclude is env.exclude when the configuration does not set it:
// test fixtures (testdata folders) are not env files any loader reads.
var DefaultExclude = []string{"**/testdata/**"}

// Default migration settings.
const (
	DefaultMigrationsDir   = "migrations"
	DefaultMigrationsTable = "schema_migrations"
	DefaultLedgerTable     = "dbguard_migrations"
	DefaultLockTimeout     = 15 * time.Second
	DefaultConnectTimeout  = 10 * time.Second
)

// Database says which variables hold connection strings.
type Database struct {
	URLVar        string   `yaml:"url_var"`
	DirectURLVars []string `yaml:"direct_url_vars"`
}

// Env says which env files count and which loaders read them.
type Env struct {
	Files   []string `yaml:"files"`
	Exclude []string `yaml:"exclude"`
	Mode    string   `yaml:"mode"`
	// Loaders, when set, replaces detection: each entry is one loader the
	// project runs and the folder it runs from.
	Loaders []LoaderRun `yaml:"loaders"`
	// Prefer says which wins when the process environment and the env
	// files name different databases: PreferRefuse, PreferEnv or
	// PreferFiles.
	Prefer string `yaml:"prefer"`
}

// The values of env.prefer (and --prefer).
const (
	// PreferRefuse: commands that change a database refuse; the others
	// go by the environment, with a warning. The default.
	PreferRefuse = "refuse"
	// PreferEnv: the process environment wins, as most loaders decide.
	PreferEnv = "env"
	// PreferFiles: the env files win, as if the variable were unset.
	PreferFiles = "files"
)

// Prefers are the values env.prefer takes.
var Prefers = []string{PreferRefuse, PreferEnv, PreferFiles}

// LoaderRun is one loader a project runs: its name (see envload.Loaders),
// the folder it starts in, and for python-dotenv the folder of the script
// that calls load_dotenv().
type LoaderRun struct {
	Loader string `yaml:"loader"`
	Dir    string `yaml:"dir"`
	Caller string `yaml:"caller"`
}

// Pooler is a user rule: a connection to Match goes to Direct instead.
type Pooler struct {
	Name   string   `yaml:"name"`
	Match  Endpoint `yaml:"match"`
	Direct Endpoint `yaml:"direct"`
}

// Endpoint is a host and/or port; either may be empty.
type Endpoint struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
}

// Error is a problem in a configuration file, with its line when known.
type Error struct {
	File string
	Line int
	Msg  string
	Fix  string // the next step, when more precise than fixing the file
}

func (e *Error) Error() string {
	// Never the absolute path inside the repository (docs/ci.md): what a
	// person pastes into an editor, the same on every machine.
	if e.File == "" {
		return e.Msg // a setting from the environment, not a file
	}
	loc := output.FilePath(e.File)
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	return loc + ": " + e.Msg
}

// Hint names the next step.
func (e *Error) Hint() string {
	if e.Fix != "" {
		return e.Fix
	}
	return "fix " + filepath.Base(e.File) + " (every key is documented in the example dbguard.yaml and the README), then run the command again"
}

// Default returns the configuration used when there is no file.
func Default(root string) *Config {
	c := &Config{Root: root}
	c.fillDefaults()
	c.asWritten = c.snapshot()
	return c
}

func (c *Config) fillDefaults() {
	if c.Version == 0 {
		c.Version = 1
	}
	c.URLVarGiven = c.URLVarGiven || c.Database.URLVar != ""
	if c.Database.URLVar == "" {
		c.Database.URLVar = DefaultURLVar
	}
	if c.Database.DirectURLVars == nil {
		c.Database.DirectURLVars = append([]string(nil), DefaultDirectURLVars...)
	}
	if c.Env.Mode == "" {
		c.Env.Mode = DefaultMode
	}
	// Unset (not an explicit empty list): leave test fixtures out, as
	// docs/configuration.md and the annotated dbguard.yaml show.
	if c.Env.Exclude == nil {
		c.Env.Exclude = append([]string(nil), DefaultExclude...)
	}
	if c.Plan.Shadow == "" {
		c.Plan.Shadow = ShadowSandbox
	}
	if c.Plan.MaxFileSize == 0 {
		c.Plan.MaxFileSize = DefaultMaxFileSize
	}
	if c.Plan.MaxTotalSize == 0 {
		c.Plan.MaxTotalSize = DefaultMaxTotalSize
	}
	if c.Env.Prefer == "" {
		c.Env.Prefer = PreferRefuse
	}
	c.DirGiven = c.Migrations.Dir != ""
	if c.Migrations.Dir == "" {
		c.Migrations.Dir = DefaultMigrationsDir
	}
	if c.Migrations.Table == "" {
		c.Migrations.Table = DefaultMigrationsTable
	}
	if c.Migrations.Ledger == "" {
		c.Migrations.Ledger = LedgerTableFor(c.Migrations.Table)
	}
	if c.Migrations.LockTimeout == 0 {
		c.Migrations.LockTimeout = Duration(DefaultLockTimeout)
	}
	if c.Models.Timeout == 0 {
		c.Models.Timeout = Duration(DefaultModelsTimeout)
	}
	if len(c.Schema.Schemas) == 0 {
		c.Schema.Schemas = []string{"public"}
	}
	if c.Schema.Snapshot == "" {
		c.Schema.Snapshot = DefaultSnapshot
	}
}

// Workdir is the absolute folder migrations.workdir names (the root when
// unset).
func (c *Config) Workdir() string {
	return filepath.Join(c.Root, filepath.FromSlash(c.Migrations.Workdir))
}

// MigrationsDir is the absolute migrations directory.
func (c *Config) MigrationsDir() string {
	if filepath.IsAbs(c.Migrations.Dir) {
		return c.Migrations.Dir
	}
	return filepath.Join(c.Root, c.Migrations.Dir)
}

// Find looks for dbguard.yaml in dir and its parents, stopping at the git
// root (the first directory holding .git). It returns the path found, or ""
// and the git root ("" if none) when there is no file, or a *MisnamedError
// when a directory it looks in has dbguard.yml or .dbguard.yaml instead.
func Find(dir string) (file, gitRoot string, err error) {
	dir, err = filepath.Abs(dir)
	if err != nil {
		return "", "", err
	}
	for {
		p := filepath.Join(dir, FileName)
		if _, err := os.Stat(p); err == nil {
			return p, "", nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", "", err
		}
		for _, name := range misnamed {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				return "", "", &MisnamedError{File: filepath.Join(dir, name)}
			}
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return "", dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", "", nil
		}
		dir = parent
	}
}

// misnamed are the names other tools would accept (sqlc reads sqlc.yml,
// many read a dotfile) and dbguard does not: rather than ignore one
// silently and run on defaults, Find refuses.
var misnamed = []string{"dbguard.yml", ".dbguard.yaml", ".dbguard.yml"}

// MisnamedError is a configuration file under a name dbguard does not read.
type MisnamedError struct{ File string }

func (e *MisnamedError) Error() string {
	return fmt.Sprintf("%s: dbguard reads only %s; this file would be ignored", output.FilePath(e.File), FileName)
}

// Hint names the rename.
func (e *MisnamedError) Hint() string {
	f := output.FilePath(e.File)
	return fmt.Sprintf("rename it to %s: mv %s %s", FileName, f, filepath.Join(filepath.Dir(f), FileName))
}

// Discover finds the configuration for work in dir: the file named by
// explicit if set, else the nearest dbguard.yaml, else defaults rooted at the
// git root (or dir itself outside git).
func Discover(dir, explicit string) (*Config, error) {
	if explicit != "" {
		c, err := load(explicit, false, "") // the user's: <(...) is a pipe
		if err != nil {
			return nil, err
		}
		if st, err := os.Stat(explicit); err == nil && !st.Mode().IsRegular() {
			// A pipe (--config <(...)) lives in /dev/fd, no project's
			// folder: the project is where the command runs, as without
			// a file.
			if c.Root, err = projectRoot(dir); err != nil {
				return nil, err
			}
		}
		return c, nil
	}
	file, gitRoot, err := Find(dir)
	if err != nil {
		return nil, err
	}
	if file != "" {
		// A link that leads out of the repository (its git root, else
		// the file's folder) is not followed: the repository's word
		// reads nothing outside it.
		return load(file, true, repoTop(filepath.Dir(file)))
	}
	if gitRoot == "" {
		gitRoot, err = filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
	}
	return Default(gitRoot), nil
}

// projectRoot is the root a configuration without a folder of its own
// gets: the git root above dir, else dir.
func projectRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return repoTop(abs), nil
}

// Load reads and validates one configuration file found in a repository:
// it is opened without blocking and must be a regular file, so a FIFO
// named dbguard.yaml (in the root or a service's folder) cannot make every
// command wait for a writer.
func Load(file string) (*Config, error) { return load(file, true, "") }

// load reads file; inside, when set, is a folder the file must not leave,
// through a link either.
func load(file string, regular bool, inside string) (*Config, error) {
	data, err := readConfig(file, regular, inside)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{File: file, Msg: "no such configuration file"}
		}
		return nil, &Error{File: file, Msg: err.Error()}
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	c, err := Parse(abs, data)
	if err != nil {
		return nil, err
	}
	c.Root = filepath.Dir(abs)
	return c, nil
}

// readConfig reads file without blocking on a FIFO; unless regular is
// false (a file the user named), it must be a regular file. With inside
// set, it is opened through an os.Root at that folder: a dbguard.yaml
// linked out of the project (to ~/.pgpass, a CI secret file) is refused
// rather than read and quoted in a YAML error.
//
// A repository's file is read up to MaxFileSize: a sparse dbguard.yaml of
// 1 GiB (a few KB in git) took 12 s and 4 GiB of memory from every
// command, and a runner of 7 GiB was stopped by a larger one.
func readConfig(file string, regular bool, inside string) ([]byte, error) {
	switch {
	case !regular:
		return os.ReadFile(file)
	case inside == "":
		return safefile.ReadFile(file, MaxFileSize)
	}
	rel, err := filepath.Rel(inside, file)
	if err != nil {
		return nil, err
	}
	f, err := openInside(inside, rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return safefile.Read(f, MaxFileSize)
}

// MaxFileSize is the largest dbguard.yaml a repository's may be (1 MiB);
// a file the user names (--config) has no cap.
const MaxFileSize = 1 << 20

// repoTop is the git root dir is in (the first folder up holding .git),
// or dir itself outside git.
func repoTop(dir string) string {
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// openInside opens rel in the folder dir (as safefile.OpenIn: a regular
// file only, without waiting), refusing a path or link that leaves it.
func openInside(dir, rel string) (*os.File, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := safefile.OpenIn(root, rel)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, safefile.ErrNotRegular) {
		if _, lerr := root.Lstat(rel); lerr == nil {
			if t, lerr := os.Lstat(filepath.Join(dir, rel)); lerr == nil && t.Mode()&fs.ModeSymlink != 0 {
				return nil, errors.New("a symbolic link out of the repository: dbguard reads nothing outside it for the repository's configuration")
			}
		}
	}
	return f, err
}

// LinkError is a folder the repository names (migrations.dir, workdir, or
// the default migrations folder) that a symbolic link takes out of the
// project root: a pull request can commit "migrations -> /elsewhere", and
// dbguard would read and run what is there.
type LinkError struct {
	Key    string // migrations.dir or migrations.workdir
	Folder string // as configured, relative to the root
	Target string // where the link leads
	Root   string
	File   string // dbguard.yaml, when the key is set there
	Line   int
}

func (e *LinkError) Error() string {
	loc := e.Folder
	if e.File != "" {
		loc = output.FilePath(e.File)
		if e.Line > 0 {
			loc += ":" + strconv.Itoa(e.Line)
		}
		loc += ": " + e.Key + " " + strconv.Quote(e.Folder)
	}
	return fmt.Sprintf("%s: a symbolic link to %s, outside the project root %s; dbguard reads and runs migrations only inside the project", loc, strconv.Quote(e.Target), e.Root)
}

// Hint names the next step.
func (e *LinkError) Hint() string {
	if e.Key == "migrations.dir" || e.Key == "--dir" {
		return "replace the link with the folder itself, or name the folder on the command line: --dir " + e.Target
	}
	return "replace the link with the folder itself, or set " + e.Key + " to a folder inside " + e.Root
}

// CheckDirFlag checks a migrations folder typed on the command line
// (--dir). The user's word is trusted: a folder named outside the project
// is used as named. But one named inside it must stay inside once its
// links are resolved: the link is the repository's (db -> /elsewhere).
func (c *Config) CheckDirFlag(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	if rel, err := filepath.Rel(c.Root, abs); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil // outside as typed: the user's choice
	}
	root, err1 := filepath.EvalSymlinks(c.Root)
	real, err2 := filepath.EvalSymlinks(abs)
	if err1 != nil || err2 != nil {
		return nil // missing: the reader says so
	}
	if rel, err := filepath.Rel(root, real); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil
	}
	return &LinkError{Key: "--dir", Folder: dir, Target: real, Root: c.Root}
}

// CheckLinks refuses a migrations folder or workdir that resolves, through
// symbolic links, outside the project root. A link that stays inside (a
// monorepo's shared folder below the root) is fine. It is checked where
// migrations are read and run (tool.Resolve), not on load: env and the
// hook read no migrations, and a commit is not blocked by one.
func (c *Config) CheckLinks() error {
	root, err := filepath.EvalSymlinks(c.Root)
	if err != nil {
		return nil // no root: the commands say so
	}
	for _, k := range []struct {
		key, name, rel string
		set            bool // in dbguard.yaml, not a default
	}{
		{"migrations.workdir", "workdir", c.Migrations.Workdir, c.Migrations.Workdir != ""},
		{"migrations.dir", "dir", c.Migrations.Dir, c.DirGiven},
	} {
		if k.rel == "" {
			continue
		}
		p := filepath.Join(c.Root, filepath.FromSlash(k.rel))
		if filepath.IsAbs(k.rel) {
			p = k.rel
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			continue // missing: the reader says so, and reads nothing
		}
		if rel, err := filepath.Rel(root, real); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		e := &LinkError{Key: k.key, Folder: k.rel, Target: real, Root: c.Root}
		if k.set && c.Path != "" {
			e.File, e.Line = c.Path, c.Line("migrations", k.name)
		}
		return e
	}
	return nil
}

// Parse decodes and validates configuration text; file is used in errors.
func Parse(file string, data []byte) (*Config, error) {
	c := &Config{Path: file}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(file, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// io.EOF: an empty file, or one of comments only, means all defaults.
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(file, err)
	}
	c.nodes = &root
	if err := c.validate(); err != nil {
		return nil, err
	}
	c.fillDefaults()
	c.asWritten = c.snapshot()
	return c, nil
}

var (
	lineRE     = lazyre.New(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownRE  = lazyre.New(`^field (\S+) not found in type (\S+)$`)
	mismatchRE = lazyre.New("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")
)

// yamlError turns yaml.v3's messages, which name Go types, into ones that
// name keys and what they want.
func yamlError(file string, err error) error {
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	m := lineRE.FindStringSubmatch(strings.TrimPrefix(msgs[0], "yaml: "))
	if m == nil {
		return &Error{File: file, Msg: strings.TrimPrefix(msgs[0], "yaml: ")}
	}
	line, _ := strconv.Atoi(m[1])
	msg := m[2]
	if u := unknownRE.FindStringSubmatch(msg); u != nil {
		known := knownKeys()[u[2]]
		msg = fmt.Sprintf("unknown key %q", u[1])
		if s := closest(u[1], known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else if len(known) > 0 {
			msg += " (known keys here: " + strings.Join(known, ", ") + ")"
		}
	} else if u := mismatchRE.FindStringSubmatch(msg); u != nil {
		got := map[string]string{"str": "a string", "int": "a number", "map": "a mapping", "seq": "a list", "bool": "true/false", "float": "a number", "null": "nothing"}[u[1]]
		if got == "" {
			got = u[1]
		}
		if u[2] != "" {
			got += " " + strconv.Quote(u[2])
		}
		msg = "want " + describeType(u[3]) + ", got " + got
	}
	if len(msgs) > 1 {
		msg += fmt.Sprintf(" (and %d more problems)", len(msgs)-1)
	}
	return &Error{File: file, Line: line, Msg: msg}
}

func describeType(t string) string {
	switch {
	case t == "int":
		return "a whole number"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	default:
		return "a mapping"
	}
}

// knownKeys maps yaml.v3's type names ("config.Env") to their keys. Built
// on first use (an unknown key), not at every start.
var knownKeys = sync.OnceValue(func() map[string][]string {
	m := map[string][]string{}
	for _, v := range []any{Config{}, Database{}, Env{}, LoaderRun{}, Pooler{}, Endpoint{}, Migrations{}, Schema{}, Hook{}, Plan{}, ServiceEntry{}} {
		t := reflect.TypeOf(v)
		var keys []string
		for i := 0; i < t.NumField(); i++ {
			if tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]; tag != "" && tag != "-" {
				keys = append(keys, tag)
			}
		}
		m[t.String()] = keys
	}
	return m
})

// closest returns the known key nearest to s, if it is a plausible typo.
func closest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(s), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

var (
	envNameRE = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*$`)
	modeRE    = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	identRE   = lazyre.New(`^[A-Za-z_][A-Za-z0-9_$]{0,62}$`)
	// shadowRefRE is schema.shadow_url's one form: ${NAME}.
	shadowRefRE = lazyre.New(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)
	// shadowNameRE finds what was meant as a variable name: $NAME, ${NAME.
	shadowNameRE = lazyre.New(`^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$`)
)

// PreviewError is the configuration error a preview (migrate plan, up
// --plan, ci's plan check, verify --shadow) stops at before it connects,
// nil when there is none. plan.shadow: live built the shadow as a database
// on the live server and ran the branch's files there, with a statement
// classifier the only thing between a pull request (dbguard.yaml is the
// repository's word) and production: a preview never runs migration SQL
// on the live server. Only previews refuse it: it changes nothing else.
func (c *Config) PreviewError() error {
	if c == nil || c.Plan.Shadow != ShadowLive {
		return nil
	}
	line := c.Line("plan", "shadow")
	at := output.FilePath(c.Path)
	if line > 0 {
		at += ":" + strconv.Itoa(line)
	}
	return &Error{File: c.Path, Line: line,
		Msg: "plan.shadow: live is no longer accepted: it ran the branch's migration files in a database on the live server, and a preview never runs migration SQL there (dbguard.yaml is the repository's word: a pull request could choose it)",
		Fix: fmt.Sprintf("delete the  shadow: live  line at %s; previews then run in a throwaway sandbox server (the PostgreSQL server package where dbguard runs), or on a separate shadow server named from the environment (schema.shadow_url: ${%s}); then run the command again", at, DefaultShadowVar)}
}

// validateShadowURL checks schema.shadow_url: only ${NAME}, a variable of
// the process environment with SHADOW in its name, whose value, when set, must be a PostgreSQL
// connection string. Neither the written text nor the value is quoted: either
// may hold a password.
func (c *Config) validateShadowURL() error {
	u := c.Schema.ShadowURL
	if u == "" {
		return nil
	}
	line := c.Line("schema", "shadow_url")
	at := output.FilePath(c.Path)
	if line > 0 {
		at += ":" + strconv.Itoa(line)
	}
	name := c.Schema.ShadowVar()
	if name == "" {
		want := DefaultShadowVar
		msg := "shadow_url must name a variable of the environment that runs dbguard, as ${" + want + "}: a connection string written in dbguard.yaml is the repository's word, and a pull request could point previews at any server the CI's credentials reach"
		if m := shadowNameRE.FindStringSubmatch(strings.TrimSpace(u)); m != nil {
			want = m[1]
			msg = "shadow_url: write the variable as ${" + want + "}, the only form it takes"
		}
		return &Error{File: c.Path, Line: line, Msg: msg,
			Fix: fmt.Sprintf("write  shadow_url: ${%s}  at %s, set %s to the shadow server's connection string in the environment that runs dbguard (a CI secret, not a file of the repository), then run the command again", want, at, want)}
	}
	if !strings.Contains(strings.ToUpper(name), "SHADOW") {
		// The name is the repository's word too: ${DATABASE_URL} would be
		// the server the CI migrates, production in a deploy job.
		return &Error{File: c.Path, Line: line, Msg: "shadow_url names " + name + ", which does not say it is a shadow server (SHADOW in its name): the name is the repository's word, and a pull request could name the database the CI migrates",
			Fix: fmt.Sprintf("write  shadow_url: ${%s}  at %s, set %s to the shadow server's connection string in the environment that runs dbguard (a CI secret, not a file of the repository), then run the command again", DefaultShadowVar, at, DefaultShadowVar)}
	}
	if v := os.Getenv(name); v != "" {
		if _, err := dburl.Parse(v); err != nil {
			return &Error{File: c.Path, Line: line, Msg: fmt.Sprintf("shadow_url: %s in the environment is not a PostgreSQL connection string: %v", name, err),
				Fix: fmt.Sprintf("set %s to a postgres:// connection string of a server where dbguard may create databases, or unset it for a throwaway sandbox, then run the command again", name)}
		}
	}
	return nil
}

func (c *Config) validate() error {
	bad := func(msg string, keyPath ...any) error {
		return &Error{File: c.Path, Line: c.Line(keyPath...), Msg: msg}
	}
	if c.Version != 0 && c.Version != 1 {
		return bad(fmt.Sprintf("version %d is not supported (this dbguard reads version: 1)", c.Version), "version")
	}
	if v := c.Database.URLVar; v != "" && !envNameRE.MatchString(v) {
		return bad(fmt.Sprintf("url_var %q is not an environment variable name", v), "database", "url_var")
	}
	for i, v := range c.Database.DirectURLVars {
		if !envNameRE.MatchString(v) {
			return bad(fmt.Sprintf("direct_url_vars entry %q is not an environment variable name", v), "database", "direct_url_vars", i)
		}
		if v == c.Database.URLVar || (c.Database.URLVar == "" && v == DefaultURLVar) {
			return bad(fmt.Sprintf("%s is the url_var; it cannot also be a direct URL variable", v), "database", "direct_url_vars", i)
		}
	}
	if m := c.Env.Mode; m != "" && !modeRE.MatchString(m) {
		return bad(fmt.Sprintf("mode %q: use letters, digits, '-' and '_'", m), "env", "mode")
	}
	if p := c.Env.Prefer; p != "" && !slices.Contains(Prefers, p) {
		return bad(fmt.Sprintf("prefer %q: use %s", p, strings.Join(Prefers, ", ")), "env", "prefer")
	}
	for i, f := range c.Env.Files {
		if f == "" {
			return bad("empty file name", "env", "files", i)
		}
	}
	for i, l := range c.Env.Loaders {
		if envload.LoaderNamed(l.Loader) == nil {
			var names []string
			for _, k := range envload.Loaders {
				names = append(names, k.Name)
			}
			return bad(fmt.Sprintf("unknown loader %q (known: %s)", l.Loader, strings.Join(names, ", ")), "env", "loaders", i, "loader")
		}
		for _, d := range []string{l.Dir, l.Caller} {
			if notInside(d) {
				return bad(fmt.Sprintf("loader folder %q must be relative to the project root, inside it", d), "env", "loaders", i)
			}
		}
	}
	for i, p := range c.Hook.Allow {
		if _, err := path.Match(p, ""); err != nil {
			return bad(fmt.Sprintf("hook.allow pattern %q is not a valid glob", p), "hook", "allow", i)
		}
	}
	for i, p := range c.Env.Exclude {
		if _, err := path.Match(p, ""); err != nil {
			return bad(fmt.Sprintf("exclude pattern %q is not a valid glob", p), "env", "exclude", i)
		}
	}
	if t := c.Migrations.Tool; t != "" && !slices.Contains(Tools, t) {
		return bad(fmt.Sprintf("unknown migration tool %q (known: %s)", t, strings.Join(Tools, ", ")), "migrations", "tool")
	}
	if t := c.Migrations.Tool; t == "command" && strings.TrimSpace(c.Migrations.Command.Up) == "" {
		return bad("tool: command needs command.up, the command line that applies the migrations", "migrations", "tool")
	}
	if t := c.Migrations.Tool; t != "command" && t != "" && c.Migrations.Command != (Commands{}) {
		return bad(fmt.Sprintf("command: is for tool: command, not %s", t), "migrations", "command")
	}
	if d := c.Migrations.Workdir; notInside(d) {
		return bad(fmt.Sprintf("workdir %q must be relative to the project root, inside it", d), "migrations", "workdir")
	}
	if f := c.Schema.Snapshot; notInside(f) {
		return bad(fmt.Sprintf("snapshot %q must be relative to the project root, inside it (a file elsewhere: schema snapshot -o FILE)", f), "schema", "snapshot")
	}
	if d := c.Migrations.Dir; notInside(d) {
		return bad(fmt.Sprintf("dir %q must be relative to the project root, inside it (a folder elsewhere: --dir)", d), "migrations", "dir")
	}
	if t := c.Migrations.Table; t != "" && (strings.ContainsAny(t, "\x00\"") || len(t) > 63) {
		return bad(fmt.Sprintf("migrations table %q: use a plain identifier of at most 63 characters", t), "migrations", "table")
	}
	// Checked here, not only when verify --shadow or plan builds a shadow:
	// env and ci passed a shadow_url that plan would then fail on.
	if err := c.validateShadowURL(); err != nil {
		return err
	}
	for i, n := range c.Schema.Schemas {
		if !identRE.MatchString(n) {
			return bad(fmt.Sprintf("schema name %q: use a plain identifier", n), "schema", "schemas", i)
		}
	}
	switch c.Plan.Shadow {
	case "", ShadowSandbox:
	case ShadowLive:
		// Refused by the previews that would use it (PreviewError); the
		// other commands, a deploy's migrate up among them, read on.
	default:
		return bad(fmt.Sprintf("plan.shadow: %q is not a place for the shadow database (want %s)", c.Plan.Shadow, ShadowSandbox), "plan", "shadow")
	}
	for id, sev := range c.Plan.Severity {
		if !slices.Contains(Severities, sev) {
			return bad(fmt.Sprintf("plan.severity of %s: %q is not a severity (want %s)", id, sev, strings.Join(Severities, ", ")), "plan", "severity", id)
		}
	}
	if m := c.Models.SQLAlchemy; m != "" && m != ModelsOff && !modelAttrRE.MatchString(m) {
		return bad(fmt.Sprintf("models.sqlalchemy: %q is not module:attribute (e.g. app.models:SQLModel) or off", m), "models", "sqlalchemy")
	}
	if f := c.Models.Prisma; f != ModelsOff && notInside(f) {
		return bad(fmt.Sprintf("models.prisma: %q must be relative to the project root, inside it", f), "models", "prisma")
	}
	if f := c.Models.Drizzle; f != ModelsOff && notInside(f) {
		return bad(fmt.Sprintf("models.drizzle: %q must be relative to the project root, inside it", f), "models", "drizzle")
	}
	if f := c.Models.Django; f != ModelsOff && notInside(f) {
		return bad(fmt.Sprintf("models.django: %q must be relative to the project root, inside it", f), "models", "django")
	}
	if c.Models.Timeout < 0 {
		return bad("models.timeout must be positive", "models", "timeout")
	}
	exp, err := parseExpect(c.Path, &c.Expect)
	if err != nil {
		return err
	}
	c.Expectations = exp
	names := map[string]bool{}
	for i, p := range c.Poolers {
		switch {
		case p.Name == "":
			return bad("pooler rule needs a name", "poolers", i)
		case names[p.Name]:
			return bad(fmt.Sprintf("pooler rule name %q is used twice", p.Name), "poolers", i, "name")
		case p.Match.Host == "" && p.Match.Port == 0:
			return bad(fmt.Sprintf("pooler rule %q: match needs a host, a port or both", p.Name), "poolers", i)
		case p.Direct.Host == "" && p.Direct.Port == 0:
			return bad(fmt.Sprintf("pooler rule %q: direct needs a host, a port or both", p.Name), "poolers", i)
		}
		names[p.Name] = true
		if _, err := path.Match(p.Match.Host, ""); err != nil {
			return bad(fmt.Sprintf("pooler rule %q: host pattern %q is not a valid glob", p.Name, p.Match.Host), "poolers", i, "match", "host")
		}
		for _, e := range []struct {
			key  string
			port int
		}{{"match", p.Match.Port}, {"direct", p.Direct.Port}} {
			if e.port < 0 || e.port > 65535 {
				return bad(fmt.Sprintf("pooler rule %q: port %d is out of range 1-65535", p.Name, e.port), "poolers", i, e.key, "port")
			}
		}
		if strings.ContainsAny(p.Direct.Host, "*?[") {
			return bad(fmt.Sprintf("pooler rule %q: direct host %q must be a host name, not a pattern", p.Name, p.Direct.Host), "poolers", i, "direct", "host")
		}
	}
	return nil
}

// Line finds the line of a key path (map keys and list indexes) in the
// file, or of the deepest part of it that exists; 0 without a file.
func (c *Config) Line(keyPath ...any) int {
	if c.nodes == nil || len(c.nodes.Content) == 0 {
		return 0
	}
	n := c.nodes.Content[0]
	line := n.Line
	for _, k := range keyPath {
		var next *yaml.Node
		switch k := k.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						line = n.Content[i].Line
						next = n.Content[i+1]
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && k < len(n.Content) {
				next = n.Content[k]
				line = next.Line
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	return line
}

// Rules returns the pooler rules in the form the URL package applies.
func (c *Config) Rules() []dburl.Rule {
	rules := make([]dburl.Rule, 0, len(c.Poolers))
	for _, p := range c.Poolers {
		r := dburl.Rule{Name: p.Name, Host: p.Match.Host, DirectHost: p.Direct.Host}
		if p.Match.Port != 0 {
			r.Port = strconv.Itoa(p.Match.Port)
		}
		if p.Direct.Port != 0 {
			r.DirectPort = strconv.Itoa(p.Direct.Port)
		}
		rules = append(rules, r)
	}
	return rules
}

// URLVars returns the URL variable followed by the direct-URL variables.
func (c *Config) URLVars() []string {
	return append([]string{c.Database.URLVar}, c.Database.DirectURLVars...)
}

// Keys lists every documented key path, for tests that keep the example
// file and the README complete.
func Keys() []string {
	var out []string
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			ft := t.Field(i).Type
			if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
				ft = ft.Elem()
			}
			out = append(out, prefix+tag)
			if ft.Kind() == reflect.Struct {
				walk(prefix+tag+".", ft)
			}
		}
	}
	walk("", reflect.TypeOf(Config{}))
	sort.Strings(out)
	return out
}

// notInside reports whether a folder or file a dbguard.yaml names, to be
// taken relative to the project's root, is absolute or leads out of it,
// in either separator: a repository's file is read on Windows too, where
// `..\evil.sql` and `C:evil.sql` lead out though the slash form's test
// passes them (review7c). Empty is the default, inside.
func notInside(f string) bool {
	if f == "" {
		return false
	}
	escapes := func(c string) bool { return c == ".." || strings.HasPrefix(c, "../") }
	return path.IsAbs(f) || filepath.IsAbs(f) || filepath.VolumeName(f) != "" ||
		escapes(path.Clean(f)) || escapes(filepath.ToSlash(filepath.Clean(f)))
}
