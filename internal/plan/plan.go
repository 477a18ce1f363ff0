// Package plan is dbguard migrate plan: it runs the pending migrations of a
// database in a shadow database built at the live version, statement by
// statement inside each file's transaction, and reads what PostgreSQL
// actually did (pg_locks of its own session, relfilenode changes, the
// server's debug messages for rewrites and scans), then judges that against
// rules, the live table sizes and the expect: contract. The live database
// is only read; the shadow is always removed.
package plan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/models"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/schema"
	"github.com/dbguard/dbguard/internal/sqlscan"
	"github.com/dbguard/dbguard/internal/verify"
)

// Options says which database to plan for.
type Options struct {
	Connect pg.ConnectOptions // the live database, only read
	Config  *config.Config
	Dir     string    // the migrations folder, as messages show it
	Log     io.Writer // talk: the shadow being built; nil for none
	Limit   int       // plan only the next Limit pending migrations (up N); 0: all
	// ReadModels allows importing the application's SQLAlchemy and Django
	// models (repository code), on the user's word: see
	// models.Options.RunPython. Prisma's schema is read regardless.
	ReadModels bool
	// NewLine tells a line a pull request adds (file as Dir names it,
	// 1-based): a -- dbguard:allow comment there is not honoured, the
	// finding stands with AllowNew set (dbguard ci on a pull request; nil
	// elsewhere, where the author is the one who commits).
	NewLine func(file string, line int) bool
	// Timeout bounds the pending files' run in the shadow; 0:
	// verify.PreviewTimeout.
	Timeout time.Duration
	// Command is the command a hint says to run again ("": dbguard
	// migrate plan).
	Command string
	// NoCache (--no-cache) replays the applied files into the sandbox's
	// shadow even when the replay cache holds them, and saves nothing
	// (so does DBGUARD_NO_CACHE in the environment).
	NoCache bool
}

// Report is the plan. Its JSON shape is documented in docs/plan.md.
type Report struct {
	Database      string    `json:"database"`
	Version       int       `json:"version"`        // the live version (-1: none)
	TargetVersion int       `json:"target_version"` // after the pending migrations
	Status        string    `json:"status"`         // pass, or fail on a danger finding
	Files         []File    `json:"files"`
	Findings      []Finding `json:"findings"`
	Danger        int       `json:"danger"`
	Warnings      int       `json:"warnings"`
	Notes         []string  `json:"notes"`
}

// File is one pending migration as the plan ran it.
type File struct {
	Version uint   `json:"version"`
	File    string `json:"file"`
	// Traced: run statement by statement, in one transaction or block by
	// block between the file's own BEGIN and COMMIT, pg_locks read after
	// each. A file that cannot run in a transaction runs whole, as
	// golang-migrate sends it, and only its rewrites are seen.
	Traced     bool        `json:"traced"`
	Statements []Statement `json:"statements"`
	// Locks are the strongest lock per pre-existing table the file holds
	// until it commits.
	Locks []Lock `json:"locks"`
}

// Statement is one statement of a traced file.
type Statement struct {
	Line  int    `json:"line"`
	SQL   string `json:"sql"`   // its first line
	Locks []Lock `json:"locks"` // taken by it on tables that existed before the file
}

// Lock is one lock on a table that existed before the file.
type Lock struct {
	Relation string `json:"relation"`
	Mode     string `json:"mode"`   // AccessExclusiveLock, ShareLock, ...
	Blocks   string `json:"blocks"` // reads and writes, writes, nothing
	Size
}

// Size is the live table's row estimate and size, when it exists there.
type Size struct {
	Rows  *int64 `json:"rows,omitempty"`  // pg_class.reltuples; absent when never analyzed
	Bytes *int64 `json:"bytes,omitempty"` // pg_total_relation_size
}

// Finding is a rule's verdict on a statement.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Relation string   `json:"relation,omitempty"`
	Message  string   `json:"message"`
	Why      string   `json:"why"`
	Fix      string   `json:"fix"`
	Size
	// Allowed is the reason of the -- dbguard:allow comment that accepted
	// it; an accepted finding does not count.
	Allowed string `json:"allowed,omitempty"`
	// AllowNew: a -- dbguard:allow comment would accept it, but it is on
	// a line the pull request adds (Options.NewLine), so it does not.
	AllowNew bool `json:"-"`
}

// Where is the finding's file:line.
func (f Finding) Where() string { return fmt.Sprintf("%s:%d", f.File, f.Line) }

// DangerError means the plan has danger findings (exit 1).
type DangerError struct{ Count int }

func (e *DangerError) Error() string {
	return fmt.Sprintf("the plan has %d danger finding(s)", e.Count)
}

// ExitCode is 1: a check failed.
func (e *DangerError) ExitCode() int { return exitcode.CheckFailed }

// Hint names the next step.
func (e *DangerError) Hint() string {
	return "rewrite the migration the safer way each finding names, or accept one with a comment above the statement: -- dbguard:allow RULE reason; then run: dbguard migrate plan"
}

// Err is the verdict: a danger finding fails the plan.
func (r *Report) Err() error {
	if r.Danger > 0 {
		return &DangerError{Count: r.Danger}
	}
	return nil
}

// FailedError is a pending migration that fails in the shadow: migrate up
// would fail there too (exit 1).
type FailedError struct {
	File string
	Line int
	Err  error
	// Fix, when set, is what to change in the file: the plan refused it
	// (migrate up would not fail, but what it does is unknown).
	Fix string
	// Command is what the hint says to run again: the command the user
	// ran (Options.Command; "": dbguard migrate plan).
	Command string
}

// Error quotes the server's message escaped to one line: a RAISE with
// "\n::error" in it must not start a line of its own in a CI log.
func (e *FailedError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, output.Clip(e.Err.Error(), maxMessage))
}

// maxMessage bounds a server's message quoted in an error, as migrate's.
const maxMessage = 300

func (e *FailedError) Unwrap() error { return e.Err }

// ExitCode is 1: the migration would fail.
func (e *FailedError) ExitCode() int { return exitcode.CheckFailed }

// Hint names the next step.
func (e *FailedError) Hint() string {
	again := cmp.Or(e.Command, "dbguard migrate plan")
	if e.Fix != "" {
		return e.Fix + ", then run: " + again
	}
	return "migrate up would fail here too; fix the file, then run: " + again
}

// pendingFile is a pending migration read for planning.
type pendingFile struct {
	version uint
	path    string
	text    string
	shape   sqlscan.Shape
}

// Run plans the pending migrations of the database o.Connect names.
func Run(ctx context.Context, o Options) (*Report, error) {
	rep, err := run(ctx, o)
	if fe := (*FailedError)(nil); errors.As(err, &fe) {
		// Its hint names the command that was run: under ci, "run:
		// dbguard migrate plan" was another command than the user's.
		fe.Command = cmp.Or(o.Command, "dbguard migrate plan")
	}
	return rep, err
}

func run(ctx context.Context, o Options) (*Report, error) {
	if err := o.Config.PreviewError(); err != nil {
		return nil, err
	}
	limit := o.Timeout
	if limit <= 0 {
		var err error
		if limit, err = verify.PreviewTimeout(); err != nil {
			return nil, err
		}
	}
	var failed *FailedError
	sev, err := severities(o.Config)
	if err != nil {
		return nil, err
	}
	// The live server is only read: every session to it is read-only, and
	// no statement of a migration file is sent to it (the shadow is a
	// sandbox unless configured otherwise; see verify.WithShadow).
	o.Connect.ReadOnly = true
	r, err := migrate.Open(ctx, migrate.Options{Connect: o.Connect, Dir: o.Dir, Table: o.Config.Migrations.Table, Ledger: o.Config.Migrations.Ledger})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	// Its connection is the plan's one to the live server: the sandbox's
	// start reads the live roles and the trace the live sizes and schema
	// on it, not on connections of their own.
	o.Connect = o.Connect.Sharing(r.Session(o.Connect))
	st, err := r.Status()
	if err == nil {
		err = st.Err(true, r.Source())
	}
	src := r.Source()
	if err != nil {
		return nil, err
	}
	rep := &Report{Database: st.Database, Version: st.Version, TargetVersion: st.Version, Status: "pass", Files: []File{}, Findings: []Finding{}, Notes: []string{}}
	var pending []pendingFile
	// The pending files and, in the shadow's replay, the applied ones,
	// held to plan.max_file_size and plan.max_total_size before any is
	// scanned: a pull request's 100 MiB file cost minutes of CPU.
	budget := verify.NewBudget(o.Config, cmp.Or(o.Command, "dbguard migrate plan"))
	for _, m := range st.Migrations {
		if m.State != migrate.Pending || o.Limit > 0 && len(pending) == o.Limit {
			continue
		}
		p := src.Path(m.Up)
		data, err := budget.Read(src, m.Up)
		if se := (*verify.SizeError)(nil); errors.As(err, &se) {
			return nil, se
		}
		if err != nil {
			return nil, &migrate.SourceError{Path: p, Msg: fmt.Sprintf("cannot read it: %v", err), Fix: "check the file and its permissions"}
		}
		pending = append(pending, pendingFile{version: m.Version, path: p, text: string(data)})
		rep.TargetVersion = int(m.Version)
	}
	if len(pending) == 0 {
		rep.Notes = append(rep.Notes, "nothing pending: the database is at the newest version")
		return rep, nil
	}
	// The sandbox may start from the replay cache's shadow at the live
	// version, when the applied files and all else the replay depends on
	// are those of a replay saved before (docs/plan.md, "The replay
	// cache"): the replay is skipped, and the report is the same.
	vo := verify.Options{Connect: o.Connect, Config: o.Config, MigrationsDir: o.Dir, Log: o.Log, Budget: budget, ReplayCache: true, ReplayVersion: st.Version, NoCache: o.NoCache}
	if o.Config.Schema.ShadowServer() == "" && o.Config.Plan.Shadow == config.ShadowSandbox {
		// The sandbox starts as soon as something is pending and its
		// files could be read: starting a server is the longest step,
		// and it needs nothing done after this (the files' statements,
		// the models, the live sizes and schema, the replay's batches).
		// Not before the status: a plan with nothing pending (every pull
		// request without a migration) would pay for it.
		vo.Sandbox = verify.StartSandbox(ctx, vo)
		defer vo.Sandbox.Close()
	}
	for i := range pending {
		pending[i].shape = sqlscan.Analyze(pending[i].text)
	}
	// What can act beyond one database is found in the text, before
	// anything runs, whatever the shadow later makes of it.
	for _, f := range pending {
		for _, a := range sqlscan.Reach(f.text) {
			if a.Dynamic {
				continue
			}
			rep.Findings = append(rep.Findings, Finding{Rule: "beyond-database", File: f.path, Line: a.Line,
				Message: fmt.Sprintf("%s %s: migrate up would do that on the live server", a.What, a.Why)})
		}
	}
	beyond := len(rep.Findings)
	// The models, compared with the shadow after the pending migrations.
	mr, err := models.Read(ctx, models.Options{Config: o.Config, RunPython: o.ReadModels, URL: o.Connect.URL, Log: o.Log})
	if err != nil {
		return nil, err
	}
	rep.Notes = append(rep.Notes, mr.Notes...)
	// The live side, read once: sizes, the lock_timeout a migration session
	// starts with, and the schema the shadow must match.
	var live liveInfo
	var liveSchema *schema.Schema
	err = pg.WithConn(ctx, o.Connect, func(conn *pgx.Conn) error {
		var err error
		if live, err = readLive(ctx, conn); err != nil {
			return err
		}
		liveSchema, _, _, err = verify.Introspect(ctx, conn, o.Config)
		return err
	})
	if err != nil {
		return nil, err
	}
	t := &tracer{cfg: o.Config, live: live, report: rep, models: mr.Expect()}
	// The pending files' trace under a time limit (DefaultTimeout says
	// why): pgx cancels the statement and drops the session when it
	// passes. Not the sandbox's start nor the replay of the applied
	// files, which ran on the live database already (an edited one stops
	// the plan at the status above).
	var sctx context.Context
	err = verify.WithShadowSession(ctx, vo, st.Version, t.notice, func(conn *pgx.Conn) error {
		t.conn = conn
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
		return t.run(sctx, pending, liveSchema)
	})
	var replay *verify.TimeoutError
	if errors.As(err, &replay) {
		// The applied files' replay ran out: run again as this plan ran.
		replay.Command = cmp.Or(o.Command, "dbguard migrate plan")
	}
	if err != nil && ctx.Err() == nil && sctx != nil && errors.Is(sctx.Err(), context.DeadlineExceeded) {
		te := &verify.TimeoutError{Limit: limit, Version: -1, Command: cmp.Or(o.Command, "dbguard migrate plan")}
		switch {
		case errors.As(err, &failed):
			te.File, te.Line = failed.File, failed.Line
		case t.at != nil:
			// Between its statements (the trace's own reads).
			te.File, te.Line = t.at.path, firstLine(t.at.shape)
		}
		return nil, te
	}
	if err != nil && beyond > 0 && errors.As(err, &failed) {
		// The sandbox refused what the text already shows acts beyond the
		// database (CREATE ROLE without the right to): the findings are
		// the verdict, the failure a note.
		rep.Notes = append(rep.Notes, fmt.Sprintf("the shadow stopped at %s:%d: %s", failed.File, failed.Line, output.Clip(failed.Err.Error(), 300)))
		err = nil
	}
	if err != nil {
		return nil, err
	}
	rep.judge(sev, pending, o.NewLine)
	return rep, nil
}

// liveInfo is what the plan reads from the live database.
type liveInfo struct {
	sizes       map[string]Size // by schema.Key
	lockTimeout string
}

func readLive(ctx context.Context, conn *pgx.Conn) (liveInfo, error) {
	li := liveInfo{sizes: map[string]Size{}}
	// An applied migration may have set this database's search_path
	// (ALTER DATABASE/ROLE ... SET search_path = public, pg_catalog) with a
	// public.pg_class of its own: every name here is pg_catalog's, as in
	// the trace's reads.
	if err := conn.QueryRow(ctx, "SELECT pg_catalog.current_setting('lock_timeout')").Scan(&li.lockTimeout); err != nil {
		return li, fmt.Errorf("reading the live database: %w", err)
	}
	rows, err := conn.Query(ctx, `SELECT n.nspname, c.relname, c.reltuples::pg_catalog.int8, pg_catalog.pg_total_relation_size(c.oid)
		FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
		WHERE c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,m}'::pg_catalog."char"[]) AND n.nspname OPERATOR(pg_catalog.<>) ALL ('{pg_catalog,information_schema}'::pg_catalog.name[])
		AND NOT pg_catalog.starts_with(n.nspname::pg_catalog.text, 'pg_')`)
	if err != nil {
		return li, fmt.Errorf("reading the live table sizes: %w", err)
	}
	for rows.Next() {
		var ns, name string
		var tuples, bytes int64
		if err := rows.Scan(&ns, &name, &tuples, &bytes); err != nil {
			rows.Close()
			return li, err
		}
		s := Size{Bytes: &bytes}
		if tuples >= 0 { // -1: never vacuumed or analyzed (PostgreSQL 14+)
			s.Rows = &tuples
		}
		li.sizes[schema.Key(ns, name)] = s
	}
	return li, rows.Err()
}

// judge applies severities and dbguard:allow comments, and counts.
func (r *Report) judge(sev map[string]Severity, files []pendingFile, newLine func(string, int) bool) {
	lines := map[string][]string{}
	stmts := map[string][]sqlscan.Statement{}
	ends := map[string][]int{}
	for _, f := range files {
		lines[f.path] = strings.Split(f.text, "\n")
		stmts[f.path] = f.shape.Statements
		ends[f.path] = statementEnds(f.shape.Statements)
	}
	// The comments above a statement, read once for all its findings: a
	// file can hold thousands of findings (each CREATE FUNCTION in C is
	// one), and reading them per finding, with the statements before it
	// counted anew each time, cost time in findings times the file's size.
	type span struct {
		file     string
		from, to int
	}
	above := map[span][]allow{}
	out := r.Findings[:0]
	for _, f := range r.Findings {
		f.Severity = sev[f.Rule]
		if f.Severity == Off {
			continue
		}
		from, to := allowRange(stmts[f.File], ends[f.File], f.Line)
		k := span{f.File, from, to}
		allows, ok := above[k]
		if !ok {
			allows = allowsAbove(lines[f.File], from, to)
			above[k] = allows
		}
		for _, a := range allows {
			switch {
			case a.rule != f.Rule:
			case a.reason == "":
				r.Notes = append(r.Notes, fmt.Sprintf("%s:%d: dbguard:allow %s needs a reason after the rule; not accepted", f.File, a.line, a.rule))
			case newLine != nil && newLine(f.File, a.line):
				f.AllowNew = true
			default:
				f.Allowed = a.reason
			}
		}
		for _, a := range allows {
			if _, ok := RuleByID(a.rule); !ok {
				r.Notes = append(r.Notes, fmt.Sprintf("%s:%d: dbguard:allow names no rule %q (rules: %s)", f.File, a.line, a.rule, ruleIDs()))
			}
		}
		if f.Allowed == "" {
			switch f.Severity {
			case Danger:
				r.Danger++
			case Warning:
				r.Warnings++
			}
		}
		out = append(out, f)
	}
	r.Findings = out
	r.Notes = dedupe(r.Notes)
	if r.Danger > 0 {
		r.Status = "fail"
	}
}

// statementEnds is, for each statement, the line after its last.
func statementEnds(stmts []sqlscan.Statement) []int {
	ends := make([]int, len(stmts))
	for i, s := range stmts {
		ends[i] = s.Line + strings.Count(s.Text, "\n") + 1
	}
	return ends
}

// allowRange is the lines where a dbguard:allow for the statement at line
// may stand: after the previous statement's last line (ends:
// statementEnds), through its first. The statements are in line order.
func allowRange(stmts []sqlscan.Statement, ends []int, line int) (int, int) {
	i, _ := slices.BinarySearchFunc(stmts, line, func(s sqlscan.Statement, line int) int { return cmp.Compare(s.Line, line) })
	if i == 0 {
		return 1, line
	}
	return ends[i-1], line
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
