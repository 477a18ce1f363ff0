// Package verify checks a live database against every expectation source a
// project has (expect: entries, the snapshot file, a shadow database built
// from the migrations) and builds the shadow database when asked.
package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/models"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pyshim"
	"github.com/dbguard/dbguard/internal/safefile"
	"github.com/dbguard/dbguard/internal/schema"
)

// Options says what to verify.
type Options struct {
	Connect       pg.ConnectOptions // the live database
	Config        *config.Config
	MigrationsDir string
	SnapshotPath  string // shown in messages as given
	Shadow        bool   // also build and compare a shadow database
	// Partial is set when verify runs after a migration that did not end
	// at the newest version (down, goto, up N): a snapshot of another
	// version is then skipped with a note rather than a difference.
	Partial bool
	// ReadModels allows importing the application's SQLAlchemy models
	// (repository code): see models.Options.RunPython.
	ReadModels bool
	// ReadAlembicModels allows importing only the SQLAlchemy models of
	// Alembic's target_metadata: migrate up sets it after Alembic ran.
	ReadAlembicModels bool
	// AlembicRead is the reading Alembic's process did after its run
	// (models.AlembicAfter); nil: the models are read on their own.
	AlembicRead *pyshim.After
	Log         io.Writer
	// Sandbox, when set, is a sandbox started ahead (StartSandbox) for
	// WithShadow to use and close.
	Sandbox *Sandbox
	// Budget counts the migration files the preview reads against
	// plan.max_file_size and plan.max_total_size (nil: a budget of its
	// own, for verify --shadow).
	Budget *Budget
	// ReplayCache (migrate plan; off with --no-cache or
	// DBGUARD_NO_CACHE) lets StartSandbox start from the replay cache's
	// entry for the applied files through ReplayVersion, skipping their
	// replay, and save one after a replay (sandbox.ReplayKey says what
	// the key holds).
	ReplayCache   bool
	ReplayVersion int
	// NoCache (--no-cache) turns the replay cache off, saying so.
	NoCache bool
}

// Report is the outcome; its JSON shape is documented in the README.
type Report struct {
	Database         string              `json:"database"`
	MigrationVersion int                 `json:"migration_version"`
	Sources          []string            `json:"sources"`
	Differences      []schema.Difference `json:"differences"`
	Notes            []string            `json:"notes"`
}

// DiffError means the schema differs from what was expected (exit 1).
type DiffError struct {
	Count   int
	Sources []string
}

// ExitCode is 1: the schema drifted.
func (e *DiffError) ExitCode() int { return exitcode.CheckFailed }

func (e *DiffError) Error() string {
	return fmt.Sprintf("%d schema difference(s) against %s", e.Count, strings.Join(e.Sources, ", "))
}

// Hint names the next step.
func (e *DiffError) Hint() string {
	for _, s := range e.Sources {
		if strings.Contains(s, " models (") {
			return "write the migration the models need (Alembic: alembic revision --autogenerate; Prisma: prisma migrate dev --create-only; Drizzle: drizzle-kit generate; Django: python manage.py makemigrations, then sqlmigrate); then run: dbguard migrate up; or fix the model it names"
		}
	}
	return "apply the missing migration (listed by dbguard migrate status); or, if the change is intended, update expect: in dbguard.yaml or take the snapshot again: dbguard schema snapshot"
}

// Err is the verdict.
func (r *Report) Err() error {
	if len(r.Differences) > 0 {
		return &DiffError{Count: len(r.Differences), Sources: r.Sources}
	}
	return nil
}

// HasSources reports whether there was anything to compare with.
func (r *Report) HasSources() bool { return len(r.Sources) > 0 }

// Run connects to the live database, introspects it once and compares it
// with each expectation source.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Shadow {
		// A preview: the live server is only read (see WithShadow).
		o.Connect.ReadOnly = true
	}
	r := &Report{Database: pg.Target(o.Connect.URL), Differences: []schema.Difference{}, Sources: []string{}, Notes: []string{}}
	mr, err := models.Read(ctx, models.Options{Config: o.Config, RunPython: o.ReadModels, RunAlembic: o.ReadAlembicModels, AlembicRead: o.AlembicRead, URL: o.Connect.URL, Log: o.Log})
	if err != nil {
		return nil, err
	}
	r.Notes = append(r.Notes, mr.Notes...)
	modelTables := mr.Expect()
	// Nothing to compare with: say so without connecting (verify runs after
	// every migration, and most projects start with no source at all).
	if _, err := os.Stat(o.Config.SnapshotPath()); len(o.Config.Expectations) == 0 && len(mr.Sets) == 0 && !o.Shadow && errors.Is(err, fs.ErrNotExist) {
		r.MigrationVersion = -1
		return r, nil
	}
	// The snapshot (3.3 MB for 5,000 tables) is read while the server
	// works; its errors still come after the connection's.
	type read struct {
		snap *schema.Snapshot
		data []byte
		err  error
	}
	snapshot := make(chan read, 1)
	go func() {
		var r read
		r.snap, r.data, r.err = readSnapshot(o.Config.Root, o.Config.SnapshotPath())
		snapshot <- r
	}()
	if o.Shadow && !o.Connect.Shares() {
		// The sandbox's start reads the live roles: on this connection.
		s, err := pg.Open(ctx, o.Connect)
		if err != nil {
			return nil, err
		}
		defer s.Close()
		o.Connect = o.Connect.Sharing(s)
	}
	var live *schema.Schema
	var dirty bool
	err = pg.WithConn(ctx, o.Connect, func(conn *pgx.Conn) error {
		var err error
		live, r.MigrationVersion, dirty, err = Introspect(ctx, conn, o.Config)
		if err != nil {
			return err
		}
		if len(o.Config.Expectations) > 0 {
			types, err := schema.Canonicalize(ctx, conn, configFile(o.Config), o.Config.Expectations)
			if err != nil {
				return err
			}
			r.Sources = append(r.Sources, "expect")
			r.Differences = append(r.Differences, schema.CheckExpect(configFile(o.Config), o.Config.Expectations, types, o.Config.Schema.Schemas[0], live)...)
		}
		if len(mr.Sets) > 0 {
			types, err := schema.CanonicalizeModels(ctx, conn, modelTables)
			if err != nil {
				return err
			}
			r.Sources = append(r.Sources, mr.Sources()...)
			r.Differences = append(r.Differences, schema.CheckModels(modelTables, types, o.Config.Schema.Schemas[0], live)...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sr := <-snapshot
	snap, data, err := sr.snap, sr.data, sr.err
	if err != nil {
		return nil, err
	}
	if snap != nil {
		switch {
		case snap.MigrationVersion == r.MigrationVersion:
			r.Sources = append(r.Sources, "snapshot")
			if !schema.SnapshotMatches(data, live, r.MigrationVersion) {
				full, err := schema.ParseSnapshot(o.SnapshotPath, data)
				if err != nil {
					return nil, err
				}
				r.Differences = append(r.Differences, schema.Compare(schema.Side{Name: "snapshot", Schema: full.Schema}, schema.Side{Name: "live database", Schema: live})...)
			}
		case o.Partial:
			r.Notes = append(r.Notes, fmt.Sprintf("%s is of migration version %d and the database is now at %d: not compared", o.SnapshotPath, snap.MigrationVersion, r.MigrationVersion))
		default:
			r.Sources = append(r.Sources, "snapshot")
			r.Differences = append(r.Differences, schema.Difference{Source: "snapshot", Object: o.SnapshotPath, Kind: "changed",
				Expected: fmt.Sprint(snap.MigrationVersion), Actual: fmt.Sprint(r.MigrationVersion), File: o.SnapshotPath,
				Message: fmt.Sprintf("%s: snapshot of migration version %d, but the database is at %d: take it again with dbguard schema snapshot", o.SnapshotPath, snap.MigrationVersion, r.MigrationVersion)})
		}
	}
	if o.Shadow {
		if dirty {
			return nil, liveDirty(ctx, o, r.MigrationVersion)
		}
		shadow, err := BuildShadow(ctx, o, r.MigrationVersion)
		if err != nil {
			return nil, err
		}
		r.Sources = append(r.Sources, "shadow")
		r.Differences = append(r.Differences, schema.Compare(schema.Side{Name: "shadow", Schema: shadow}, schema.Side{Name: "live database", Schema: live})...)
	}
	return r, nil
}

// liveDirty explains a dirty live database as migrate status does, from
// the ledger's record of the migration in flight: a shadow built "up to
// the live version" would build the failed migration too.
func liveDirty(ctx context.Context, o Options, v int) error {
	fallback := &migrate.DirtyError{Version: v, Prev: -1}
	run, err := migrate.Open(ctx, migrate.Options{Connect: o.Connect, Dir: o.MigrationsDir, Table: o.Config.Migrations.Table, Ledger: o.Config.Migrations.Ledger})
	if err != nil {
		return fallback
	}
	defer run.Close()
	st, err := run.Status()
	if err != nil {
		return fallback
	}
	if err := st.DirtyErr(run.Source()); err != nil {
		return err
	}
	return fallback
}

// snapshotVersionRE reads the version line without decoding the file.
var snapshotVersionRE = lazyre.New(`(?m)^migration_version: (-?\d+)$`)

// readSnapshot reads the snapshot file's bytes and its migration version;
// the YAML itself is decoded only when the fast comparison fails. A
// missing file is nil, nil, nil.
//
// It is opened without blocking and read only when it is a regular file
// inside root: schema.snapshot names it in the repository's dbguard.yaml,
// a FIFO there would make verify and ci wait for a writer, and a link out
// of the project would have them read (and quote) a file outside it.
func readSnapshot(root, path string) (*schema.Snapshot, []byte, error) {
	data, err := readRegular(root, path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, &schema.SnapshotError{File: output.RelPath(path), Msg: err.Error()}
	}
	m := snapshotVersionRE.FindSubmatch(data)
	if m == nil {
		snap, err := schema.ParseSnapshot(output.RelPath(path), data)
		return snap, data, err
	}
	v, _ := strconv.Atoi(string(m[1]))
	return &schema.Snapshot{MigrationVersion: v}, data, nil
}

// readRegular reads the file at path, through an os.Root at root, if it
// is a regular file, never waiting on a FIFO.
func readRegular(root, path string) ([]byte, error) {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return nil, err
	}
	return safefile.ReadUnder(root, rel, MaxSnapshotSize)
}

// MaxSnapshotSize bounds the snapshot file read: a schema of thousands of
// tables is a few MiB, and a sparse file of gigabytes (a few KB in git)
// would otherwise be read whole by verify and ci.
const MaxSnapshotSize = 64 << 20

func configFile(c *config.Config) string {
	if c.Path == "" {
		return config.FileName
	}
	return output.RelPath(c.Path)
}

// toolTables are the version tables of the migration tools dbguard runs
// (Alembic, Prisma, goose; dbmate's is schema_migrations): bookkeeping, not
// the application's schema.
var toolTables = []string{"alembic_version", "_prisma_migrations", "goose_db_version"}

// Introspect reads the schema of the configured schemas, leaving out the
// migration tools' tables, and the recorded migration version (-1: none).
func Introspect(ctx context.Context, conn *pgx.Conn, cfg *config.Config) (*schema.Schema, int, bool, error) {
	var current string
	version, dirty := -1, false
	var table *string
	if err := conn.QueryRow(ctx, "SELECT pg_catalog.current_schema(), pg_catalog.to_regclass(pg_catalog.quote_ident(pg_catalog.current_schema()) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident($1::pg_catalog.text))::pg_catalog.text",
		cfg.Migrations.Table).Scan(&current, &table); err != nil {
		return nil, 0, false, fmt.Errorf("reading the catalog: %w", err)
	}
	if table != nil {
		err := conn.QueryRow(ctx, "SELECT version, dirty FROM "+pgx.Identifier{current, cfg.Migrations.Table}.Sanitize()+" LIMIT 1").Scan(&version, &dirty)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "42703" || pgErr.Code == "22P02") {
			// dbmate's schema_migrations: a table of the same name, its
			// own columns. Its version is not golang-migrate's.
			err = nil
		}
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, 0, false, fmt.Errorf("reading the migration version: %w", err)
		}
	}
	o := schema.Options{Schemas: schemas(cfg), ExcludeSchema: current, ExcludeTables: append([]string{cfg.Migrations.Table, cfg.Migrations.Ledger}, toolTables...)}
	s, err := schema.Introspect(ctx, conn, o)
	return s, version, dirty, err
}

// Load connects with co and reads the schema and the migration version, as
// Introspect does.
func Load(ctx context.Context, co pg.ConnectOptions, cfg *config.Config) (s *schema.Schema, version int, dirty bool, err error) {
	err = pg.WithConn(ctx, co, func(conn *pgx.Conn) error {
		s, version, dirty, err = Introspect(ctx, conn, cfg)
		return err
	})
	return s, version, dirty, err
}

// schemas are the configured schemas plus any an expect: table names.
func schemas(cfg *config.Config) []string {
	out := append([]string(nil), cfg.Schema.Schemas...)
	for _, t := range cfg.Expectations {
		if t.Schema != "" && !slices.Contains(out, t.Schema) {
			out = append(out, t.Schema)
		}
	}
	return out
}

// BuildShadow applies the migrations up to version into a new database (in
// the sandbox, on the server schema.shadow_url names, or with plan.shadow:
// live on the live server), introspects it and drops it, whatever happens
// in between (a failing migration, Ctrl-C).
func BuildShadow(ctx context.Context, o Options, version int) (*schema.Schema, error) {
	var s *schema.Schema
	err := WithShadow(ctx, o, version, func(co pg.ConnectOptions) error {
		var err error
		s, _, _, err = Load(ctx, co, o.Config)
		return err
	})
	return s, err
}

// shadowSuffix is a database name cut to fit a shadow's name (63 bytes),
// letters, digits and _ only.
func shadowSuffix(db string) string {
	var b strings.Builder
	for _, c := range db {
		if b.Len() >= 34 {
			break
		}
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// ShadowBuildError means the migrations do not rebuild the live version
// from an empty database (exit 1 through the wrapped migration error).
type ShadowBuildError struct{ Err error }

func (e *ShadowBuildError) Error() string { return "shadow database: " + e.Err.Error() }
func (e *ShadowBuildError) Unwrap() error { return e.Err }

// Hint names the next step.
func (e *ShadowBuildError) Hint() string {
	return "the migrations no longer build the schema from an empty database (was an applied migration edited?); fix the file, then run: dbguard verify --shadow"
}

// ShadowUnreachableError is the shadow server schema.shadow_url names
// (through the variable Var) that cannot be reached: not the live
// database, so dbguard ci's plan check is skipped with a warning (failed
// under --strict), as for a plan that cannot run. Standalone previews
// (migrate plan, verify --shadow) still exit 3 through Err.
type ShadowUnreachableError struct {
	Var string
	Err *pg.UnreachableError
}

func (e *ShadowUnreachableError) Error() string {
	return "the shadow server schema.shadow_url names (" + e.Var + ") cannot be reached: " + e.Err.Error()
}

func (e *ShadowUnreachableError) Unwrap() error { return e.Err }

// Hint names the next step.
func (e *ShadowUnreachableError) Hint() string {
	return "check that " + e.Var + " names a server that is running and reachable from here, then run the command again"
}

// ShadowError means the shadow database could not be created.
type ShadowError struct{ Err error }

func (e *ShadowError) Error() string { return "cannot create the shadow database: " + e.Err.Error() }
func (e *ShadowError) Unwrap() error { return e.Err }

// Hint names the next step.
func (e *ShadowError) Hint() string {
	return "give the role CREATEDB, or write schema.shadow_url: ${SHADOW_DATABASE_URL} in dbguard.yaml and set SHADOW_DATABASE_URL in the environment to a server where it may create databases"
}
