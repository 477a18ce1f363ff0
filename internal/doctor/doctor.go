// Package doctor is the incident's whole diagnosis in one command, for a
// person at a terminal: where every DATABASE_URL comes from and which one
// wins, the pooled and the direct endpoint side by side (and whether they
// are really one database), the migration state and the schema, with a
// hint per problem.
package doctor

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/tool"
	"github.com/dbguard/dbguard/internal/verify"
)

// Options for Run.
type Options struct {
	Config *config.Config
	Env    envcheck.Options
	// Connect says how to connect; doctor points it at each endpoint.
	Connect pg.ConnectOptions
	// Strict makes every env warning a problem (exit 1), as in env and ci.
	Strict bool
	// ReadModels allows importing the SQLAlchemy models (--read-models).
	ReadModels bool
}

// Endpoint is what one connection found.
type Endpoint struct {
	Label     string // "pooled" or "direct"
	URL       string // redacted
	Err       error
	Latency   time.Duration
	Version   string
	Database  string
	OID       uint32
	SystemID  string // pg_control_system().system_identifier, "" when not readable
	Timeline  string // Neon's neon.timeline_id, "" elsewhere
	connected bool
	// db is the direct endpoint's connection, kept for the migration and
	// schema checks after the probe; Run closes it.
	db *sql.DB
}

// Problem is one thing to fix, with its hint.
type Problem struct {
	Text string
	Hint string
	Code int // the exit code it would mean: 1 check failed, 2 config, 3 unreachable
}

// Report is the diagnosis.
type Report struct {
	Env       *envcheck.Report
	EnvErr    error
	Endpoints []*Endpoint
	Same      string // verdict on pooled vs direct: "", "same database", "DIFFERENT databases", "cannot tell"
	Migration *migrate.Status
	ToolState *tool.State // when another tool runs the migrations
	MigErr    error
	Schema    *verify.Report
	SchemaErr error
	Problems  []Problem
}

func (r *Report) problem(code int, text, hint string) {
	r.Problems = append(r.Problems, Problem{Text: text, Hint: hint, Code: code})
}

func (r *Report) problemFrom(err error) {
	code := exitcode.Of(err) // as the command that checks it alone would exit
	hint := ""
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		hint = h.Hint()
	}
	r.problem(code, err.Error(), hint)
}

// Run diagnoses; it returns an error only for input it cannot read at all.
func Run(ctx context.Context, o Options) *Report {
	r := &Report{}
	rep, err := envcheck.Resolve(ctx, o.Env)
	r.Env, r.EnvErr = rep, err
	if err != nil {
		r.problemFrom(err)
		return r
	}
	if verdict := rep.Err(o.Strict); verdict != nil {
		r.problemFrom(verdict)
	}
	code := 0 // a warning is no problem unless --strict says it is
	if o.Strict {
		code = 1
	}
	for _, w := range rep.Warnings {
		r.problem(code, w.Location+": "+w.Message, "")
	}
	eff := rep.Effective
	if eff == nil || rep.Conflict() {
		return r
	}
	if eff.Endpoint.Kind != dburl.Direct {
		r.Endpoints = append(r.Endpoints, probe(ctx, "pooled", eff.URL, from(o.Connect.To(eff.URL, true), rep)))
	}
	if rep.MigrateURL != nil {
		direct := probe(ctx, "direct", rep.MigrateURL, from(o.Connect.To(rep.MigrateURL, false), rep))
		if direct.db != nil {
			defer direct.db.Close()
		}
		r.Endpoints = append(r.Endpoints, direct)
	}
	for _, e := range r.Endpoints {
		if e.Err != nil {
			r.problemFrom(e.Err)
		}
	}
	if len(r.Endpoints) == 2 {
		r.Same = sameDatabase(r.Endpoints[0], r.Endpoints[1])
		if strings.HasPrefix(r.Same, "DIFFERENT") {
			r.problem(1, "the pooled and the direct endpoint reach different databases: "+r.Same,
				"fix the direct URL ("+strings.Join(o.Env.DirectVars, ", ")+") or the poolers rule in dbguard.yaml so both name one database")
		}
	}
	if rep.MigrateURL == nil {
		r.problem(2, "no direct URL is known for the pooled "+rep.URLVar, "set "+firstOr(o.Env.DirectVars, "DIRECT_URL")+" or add a poolers rule to dbguard.yaml")
		return r
	}
	direct := r.Endpoints[len(r.Endpoints)-1]
	if !direct.connected {
		return r
	}
	// The checks share the probe's connection: no handshake and no
	// server backend more for each.
	co := from(o.Connect.To(rep.MigrateURL, false), rep)
	co = co.Sharing(pg.Share(direct.db, co))
	if proj, err := tool.Resolve(o.Config); err != nil {
		r.problemFrom(err)
	} else if proj.Kind != tool.GolangMigrate {
		r.toolMigrations(ctx, co, proj)
		r.schema(ctx, o, co)
		return r
	}
	runner, err := migrate.Open(ctx, migrate.Options{Connect: co, Dir: output.FromHere(o.Config.MigrationsDir()), Table: o.Config.Migrations.Table, Ledger: o.Config.Migrations.Ledger, LockTimeout: o.Config.Migrations.LockTimeout.D()})
	var missing *migrate.SourceError
	if errors.As(err, &missing) && missing.Missing {
		// Run inside a tool's project deeper than detection looks:
		// that tool's command, as migrate status and ci give it (ci's
		// hint sends the user here).
		if fix := tool.BelowFix(o.Config, "status"); fix != "" {
			e := *missing
			e.Fix = fix
			err = &e
		}
	}
	if err != nil {
		r.MigErr = err
		r.problemFrom(err)
	} else {
		st, err := runner.Status()
		runner.Close()
		r.Migration, r.MigErr = st, err
		if err != nil {
			r.problemFrom(err)
		} else if err := st.Err(false, runner.Source()); err != nil {
			r.problemFrom(err)
		}
	}
	r.schema(ctx, o, co)
	return r
}

// schema compares the live schema with what the project expects.
func (r *Report) schema(ctx context.Context, o Options, co pg.ConnectOptions) {
	sr, err := verify.Run(ctx, verify.Options{Connect: co, Config: o.Config, MigrationsDir: o.Config.MigrationsDir(), SnapshotPath: o.Config.Schema.Snapshot, ReadModels: o.ReadModels})
	r.Schema, r.SchemaErr = sr, err
	switch {
	case err != nil:
		r.problemFrom(err)
	case sr.Err() != nil:
		r.problemFrom(sr.Err())
	}
}

// toolMigrations reads the version table of the tool that runs the
// migrations (Alembic, Prisma, dbmate, goose).
func (r *Report) toolMigrations(ctx context.Context, co pg.ConnectOptions, p *tool.Project) {
	if p.Kind == tool.Command {
		return
	}
	db := co.SharedDB()
	if db == nil {
		var err error
		if db, _, err = pg.Connect(ctx, co); err != nil {
			r.MigErr = err
			r.problemFrom(err)
			return
		}
		defer db.Close()
	}
	st, err := tool.Read(ctx, db, p, co.URL) // Prisma's ?schema= is where its table is
	if err == nil {
		st.RelPaths(output.FromHere) // as typed from here, ".." included
		err = st.Err(false)
		r.ToolState = st
	}
	if err != nil {
		r.MigErr = err
		r.problemFrom(err)
	}
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}

// probe connects to one endpoint and reads who it is, from pg_catalog's
// functions and relations only: a migration may have put its own
// current_database() or pg_database ahead of them (ALTER DATABASE ... SET
// search_path), which would make two databases look like one.
func probe(ctx context.Context, label string, u *dburl.URL, co pg.ConnectOptions) *Endpoint {
	e := &Endpoint{Label: label, URL: u.Redacted()}
	start := time.Now()
	db, _, err := pg.Connect(ctx, co)
	if err != nil {
		e.Err = err
		return e
	}
	e.Latency = time.Since(start)
	e.Err = pg.WithPgx(ctx, db, func(conn *pgx.Conn) error {
		if err := conn.QueryRow(ctx, `SELECT pg_catalog.current_setting('server_version'), pg_catalog.current_database(),
			(SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()),
			coalesce(pg_catalog.current_setting('neon.timeline_id', true), '')`,
			pgx.QueryExecModeSimpleProtocol).Scan(&e.Version, &e.Database, &e.OID, &e.Timeline); err != nil {
			return err
		}
		// Readable only with the right grants; a failure says nothing.
		var sysid string
		if conn.QueryRow(ctx, "SELECT system_identifier::pg_catalog.text FROM pg_catalog.pg_control_system()", pgx.QueryExecModeSimpleProtocol).Scan(&sysid) == nil {
			e.SystemID = sysid
		}
		return nil
	})
	e.connected = e.Err == nil
	if e.connected && label == "direct" {
		e.db = db // Run's checks use it, and close it
	} else {
		db.Close()
	}
	return e
}

// sameDatabase compares what two endpoints reported: the server's system
// identifier and Neon's timeline where both have them, then the database
// name and oid.
func sameDatabase(a, b *Endpoint) string {
	if !a.connected || !b.connected {
		return "cannot tell (an endpoint did not answer)"
	}
	var evidence []string
	switch {
	case a.SystemID != "" && b.SystemID != "" && a.SystemID != b.SystemID:
		return "DIFFERENT databases (different servers: system_identifier " + a.SystemID + " vs " + b.SystemID + ")"
	case a.SystemID != "" && b.SystemID != "":
		evidence = append(evidence, "system_identifier")
	}
	switch {
	case a.Timeline != "" && b.Timeline != "" && a.Timeline != b.Timeline:
		return "DIFFERENT databases (different Neon timelines " + a.Timeline + " vs " + b.Timeline + ")"
	case a.Timeline != "" && b.Timeline != "":
		evidence = append(evidence, "neon.timeline_id")
	}
	if a.Database != b.Database || a.OID != b.OID {
		return fmt.Sprintf("DIFFERENT databases (%s oid %d vs %s oid %d)", a.Database, a.OID, b.Database, b.OID)
	}
	evidence = append(evidence, "current_database()", "database oid")
	return "same database (" + strings.Join(evidence, ", ") + " agree)"
}

// ExitCode is the worst problem's exit code (0 when there is none that
// fails: warnings do not).
func (r *Report) ExitCode() int {
	code := 0
	for _, p := range r.Problems {
		if p.Code > code {
			code = p.Code
		}
	}
	return code
}

// from is co saying where its URL was written in rep (pg.ConnectOptions.From).
func from(co pg.ConnectOptions, rep *envcheck.Report) pg.ConnectOptions {
	co.From = rep.Where(co.URL)
	return co
}
