// Package gate is dbguard's CI gate: every check in one run (the env
// guard, the committed credentials, the connection, the migration state,
// the schema), reported in formats CI systems read.
package gate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/guard"
	"github.com/dbguard/dbguard/internal/hooks"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/plan"
	"github.com/dbguard/dbguard/internal/pullrequest"
	"github.com/dbguard/dbguard/internal/safefile"
	"github.com/dbguard/dbguard/internal/sandbox"
	"github.com/dbguard/dbguard/internal/tool"
	"github.com/dbguard/dbguard/internal/verify"
)

// Status of one check, or of the whole run.
type Status string

const (
	Pass        Status = "pass"
	Fail        Status = "fail"
	Skip        Status = "skip"
	Error       Status = "error"       // configuration or input problem (exit 2)
	Unreachable Status = "unreachable" // the database could not be reached (exit 3)
)

// Finding is one problem a check found. File is relative to the
// repository root (git's top level), and always set: a problem with no
// file of its own is placed where a person would fix it (see locate).
type Finding struct {
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Severity string `json:"severity"` // error or warning
	Message  string `json:"message"`
	// Service is the monorepo service the finding is about, "" for the
	// project root (internal/services).
	Service string `json:"service,omitempty"`
}

// Check is the outcome of one check. Its JSON shape is documented in the
// README.
type Check struct {
	Name     string    `json:"name"`
	Title    string    `json:"title"`
	Status   Status    `json:"status"`
	Summary  string    `json:"summary"`
	Findings []Finding `json:"findings"`
	// Service is the monorepo service checked, "" for the project root.
	Service string `json:"service,omitempty"`
	// home is where a finding of this check with no file of its own is
	// placed (absolute): the newest pending migration, the snapshot, the
	// definition in effect.
	home string
}

// Report is the whole run.
type Report struct {
	Version int     `json:"version"`
	Status  Status  `json:"status"`
	Checks  []Check `json:"checks"`

	// For the report formats: who ran, where and when.
	tool     string // dbguard's version
	started  time.Time
	elapsed  time.Duration
	hostname string
}

// Options for Run.
type Options struct {
	Config       *config.Config
	Guard        guard.Options
	Connect      pg.ConnectOptions // how to connect; the guard's target says where
	Repo         string            // for the credential scan (git)
	Offline      bool              // static checks only: no connection
	AllowPending bool
	Shadow       bool
	ReadModels   bool // import the SQLAlchemy models (--read-models)
	// Strict (--strict, which also makes the guard fail on warnings)
	// fails a check that should have run but could not (a plan
	// with no sandbox server and no shadow_url): without it, such a check
	// is skipped with a warning finding, never silently.
	Strict  bool
	Version string // dbguard's version, for the SARIF and JUnit reports
	// Service names the monorepo service checked (internal/services):
	// every check and finding carries it. NoCredentials leaves out the
	// credential scan, which covers the whole repository once.
	Service       string
	NoCredentials bool
	// Outside is the root of a monorepo, judged outside its services:
	// there no URL at all is no failure, the services hold theirs.
	Outside bool
	// Services are the monorepo's services, named in the root's advice.
	Services []string
	// PullRequest says how the run knows it judges a pull request
	// (internal/pullrequest: "--base", "GitHub Actions pull_request"), ""
	// for a push build. Then Config holds the base branch's trust-bearing
	// settings, and Trust the ones the pull request changes, each
	// reported as a warning of the config check.
	PullRequest string
	Trust       []config.TrustChange
	// Base is the pull request's base (nil on a push build): a
	// dbguard:allow comment on a line the pull request adds is not
	// honoured.
	Base *pullrequest.Base

	// lines are the lines the pull request adds, read when a
	// dbguard:allow comment first decides a finding (nil: no pull request).
	lines *prLines
}

// prLines are the lines a pull request adds (pullrequest.Base.AddedLines),
// whose dbguard:allow comments the credentials and plan checks do not
// honour. The diff runs only when an allow comment decides a finding, and
// only for the files that hold one: a repository with none pays nothing
// for it, and a partial clone needs the base's contents of those files
// alone (scripts/action/base.sh fetches no other).
type prLines struct {
	base    *pullrequest.Base
	repo    string
	rev     string // the base's commit, once resolved
	asked   bool   // rev and unread are known
	added   hooks.NewLines
	done    map[string]bool // the files whose lines are in added
	unread  string          // why the base could not be read
	partial bool            // unread: a partial clone lacks the base's files
	err     error           // the diff's error
}

// ask reads the added lines of files not read yet, in one diff.
func (p *prLines) ask(ctx context.Context, files ...string) {
	if !p.asked {
		p.asked = true
		p.rev, p.unread = p.base.Resolve(ctx, p.repo)
		if p.rev == "" && p.unread == "" {
			p.unread = "no base revision to compare with" // never a diff against ""
		}
		p.added, p.done = hooks.NewLines{}, map[string]bool{}
	}
	if p.unread != "" || p.err != nil {
		return
	}
	var want []string
	for _, f := range files {
		f = p.name(f)
		if !p.done[f] && !slices.Contains(want, f) {
			want = append(want, f)
		}
	}
	if len(want) == 0 {
		return
	}
	added, err := p.base.AddedLines(ctx, p.repo, p.rev, want)
	if err != nil && strings.Contains(err.Error(), "promisor remote") {
		// A partial clone without the base's contents of these files
		// (dbguard's git reads fetch nothing): the base is unread, with
		// the fetch that brings them, as for its dbguard.yaml.
		p.unread, p.partial = "the base's contents of "+output.Escape(want[0])+" are not in this partial clone (a --filter clone), and dbguard's git reads fetch nothing", true
		return
	}
	if err != nil {
		p.err = err
		return
	}
	// Only the files asked: the diff may hold others (the candidates
	// of a rename), and a file the diff has not is unchanged.
	for _, f := range want {
		p.done[f] = true
		if lines, ok := added[f]; ok {
			p.added[f] = lines
		}
	}
}

// fresh reports whether line of file (a slash path from the repository
// as git grep names it) is new in the pull request; true when that
// cannot be told (unread, err).
func (p *prLines) fresh(ctx context.Context, file string, line int) bool {
	p.ask(ctx, file)
	if p.unread != "" || p.err != nil {
		return true
	}
	return p.added.Fresh(p.name(file), line)
}

// name is file as AddedLines names it: a slash path from the folder ci
// runs in (../migrations/x.sql above it). The plan names a migration
// above that folder by its absolute path, which no key of the diff is:
// its comment counted as the base's (ci_attack_pr_allow_above_folder.txtar).
func (p *prLines) name(file string) string {
	if filepath.IsAbs(file) {
		if rel, err := filepath.Rel(p.repo, file); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(file)
}

// unreadMessage is the message of a finding whose exemption may be the pull request's
// own, when the base that would tell cannot be read.
func (o Options) unreadMessage(what string) string {
	hint := (&pullrequest.BaseError{Base: o.Base, Why: o.lines.unread, Partial: o.lines.partial}).Hint()
	return fmt.Sprintf("%s; whether the comment is new in this pull request (%s), which ci does not honour, cannot be told: the base revision cannot be read: %s (%s)", what, o.Base.Source, o.lines.unread, hint)
}

// Run runs every check. A check that cannot run because an earlier one
// failed (no database in effect, unreachable) is skipped, saying why.
func Run(ctx context.Context, o Options) *Report {
	r := &Report{Version: 1, tool: o.Version, started: time.Now()}
	r.hostname, _ = os.Hostname()
	defer func() {
		r.elapsed = time.Since(r.started)
		r.locate(ctx, o)
		r.mark(o.Service)
	}()
	if o.PullRequest != "" {
		r.Checks = append(r.Checks, checkTrust(o))
	}
	if o.Base != nil {
		o.lines = &prLines{base: o.Base, repo: o.Repo}
	}
	target, envCheck := checkEnv(ctx, o)
	r.Checks = append(r.Checks, envCheck)
	if !o.NoCredentials {
		r.Checks = append(r.Checks, checkCredentials(ctx, o))
	}
	if o.Offline {
		for _, name := range []string{"connection", "migrations", "schema", "plan"} {
			r.Checks = append(r.Checks, Check{Name: name, Title: titles[name], Status: Skip, Summary: "--offline", Findings: []Finding{}})
		}
		r.Status = overall(r.Checks)
		return r
	}
	conn := Check{Name: "connection", Title: titles["connection"], Findings: []Finding{}}
	var runner *migrate.Runner
	proj, perr := tool.Resolve(o.Config)
	switch {
	case target == nil:
		conn.Status, conn.Summary = Skip, "no single database in effect (see the env check)"
	case perr != nil:
		conn.fail(perr)
	case proj.Kind != tool.GolangMigrate:
		// Another tool runs the migrations: its own table says where they
		// stand, read directly.
		co := o.readOnly(target)
		db, _, err := pg.Connect(ctx, co)
		if err != nil {
			conn.fail(err)
			break
		}
		defer db.Close()
		o.Connect = co.Sharing(pg.Share(db, co))
		conn.Status, conn.Summary = Pass, "connected to "+pg.Target(target.URL)
		r.Checks = append(r.Checks, conn, checkToolMigrations(ctx, db, proj, o), checkSchema(ctx, o, target),
			Check{Name: "plan", Title: titles["plan"], Status: Skip, Summary: "plan traces golang-migrate files; migrations run with " + string(proj.Kind), Findings: []Finding{}})
		r.Status = overall(r.Checks)
		return r
	default:
		var err error
		co := o.readOnly(target)
		// No LockTimeout: the gate takes no lock, and the plan reads the
		// lock_timeout a migration's session starts with on this
		// connection.
		runner, err = migrate.Open(ctx, migrate.Options{Connect: co, Dir: output.RelTo(o.Repo, o.Config.MigrationsDir()),
			Table: o.Config.Migrations.Table, Ledger: o.Config.Migrations.Ledger})
		var missing *migrate.SourceError
		if errors.As(err, &missing) && missing.Missing {
			// The folder as typed from here (../../migrations from a
			// subfolder), not this machine's absolute path.
			e := *missing
			e.Path = output.FromHere(e.Path)
			err, missing = &e, &e
		}
		if o.Outside && missing != nil && missing.Missing {
			// The root of a monorepo whose job sets DATABASE_URL for every
			// step: the root is judged as a project of its own, and
			// "create the first migration" was no advice for it.
			v, from := o.Config.Database.URLVar, "the environment"
			if e := target.Report.Effective; e != nil {
				v = e.Var
				if !e.FromEnvironment() {
					from = fmt.Sprintf("%s:%d", e.Def.File, e.Def.Line)
				}
			}
			var each []string
			for _, name := range o.Services {
				each = append(each, "dbguard ci --service "+output.ShellWord(name))
			}
			if len(each) == 0 {
				each = []string{"dbguard ci --service NAME"}
			}
			err = &exitcode.Advice{Code: exitcode.Usage,
				Msg:  output.Escape(fmt.Sprintf("%s: the root of this monorepo has none, and %s (%s) names a database for the root too, so ci judges the root as a project of its own beside its services", missing.Error(), v, from)),
				Next: output.Escape("to judge only the services, run one job per service (dbguard services --format json is a matrix of them): " + strings.Join(each, ", ") + "; or set " + v + " only in each service's step; if the root has migrations of its own, set migrations.dir in dbguard.yaml")}
		} else if missing != nil && missing.Missing {
			// ci run in a tool's project deeper than detection looks:
			// that tool's command, as migrate status gives it.
			if fix := tool.BelowFix(o.Config, "status"); fix != "" {
				missing.Fix = fix
			}
		}
		if err != nil {
			conn.fail(err)
		} else {
			defer runner.Close()
			o.Connect = co.Sharing(runner.Session(co))
			conn.Status, conn.Summary = Pass, "connected to "+pg.Target(target.URL)
		}
		if e := target.Report.Effective; e != nil && !e.FromEnvironment() {
			conn.home = filepath.Join(envRoot(o), e.Def.File)
		}
	}
	r.Checks = append(r.Checks, conn)
	if runner == nil {
		for _, name := range []string{"migrations", "schema", "plan"} {
			r.Checks = append(r.Checks, Check{Name: name, Title: titles[name], Status: Skip, Summary: "no connection", Findings: []Finding{}})
		}
		r.Status = overall(r.Checks)
		return r
	}
	migrations := checkMigrations(runner, o)
	r.Checks = append(r.Checks, migrations, checkSchema(ctx, o, target), checkPlan(ctx, o, target, migrations))
	r.Status = overall(r.Checks)
	return r
}

// readOnly is how every check reaches the guarded database: one
// connection, shared by the checks after it (the gate only reads, and the
// plan's live side must be read-only), so that each costs no handshake
// and no server backend of its own.
func (o Options) readOnly(t *guard.Target) pg.ConnectOptions {
	co := t.Connect(o.Connect)
	co.ReadOnly = true
	return co
}

var titles = map[string]string{
	"config":      "the pull request changes no trust-bearing setting of dbguard.yaml (judged with the base branch's)",
	"env":         "one database in effect across the environment and the env files",
	"credentials": "no real database password in tracked files",
	"connection":  "the database is reachable on its direct endpoint",
	"migrations":  "migrations applied, none dirty or missing",
	"schema":      "the live schema matches what the project expects",
	"plan":        "the pending migrations take no dangerous lock, rewrite or contract break (dbguard migrate plan)",
}

// fail records an error as the check's outcome, choosing the status the
// exit code follows.
func (c *Check) fail(err error) {
	// The first line: the rest of a long explanation is in the finding.
	c.Summary, _, _ = strings.Cut(err.Error(), "\n")
	switch exitcode.Of(err) {
	case exitcode.Unreachable:
		c.Status = Unreachable
	case exitcode.CheckFailed:
		c.Status = Fail
	default:
		c.Status = Error
	}
	if !c.hasErrors() {
		f := Finding{Severity: "error", Message: err.Error()}
		var h interface{ Hint() string }
		var none *envcheck.NoURLError
		switch {
		case errors.As(err, &none) && none.Empty == "":
			// A CI job gets its URL from the job's settings, never from a
			// .env file written into the checkout.
			f.Message += " (set " + none.Var + " in the CI job's environment from a secret or variable, e.g. GitHub Actions: env: " + none.Var + ": ${{ secrets." + none.Var + " }}; then run: dbguard ci)"
		case errors.As(err, &none) && none.Empty == "environment":
			// Set but empty in a CI job: a secret the job did not get, as
			// on a pull request from a fork, where GitHub Actions gives a
			// pull_request workflow no secrets ("then run: dbguard env"
			// was no step for a job).
			f.Message += " (in a CI job, an empty variable is a secret the job did not get: GitHub Actions gives none to a pull_request workflow run from a fork; give the job " + none.Var + " from a secret or variable it gets, e.g. env: " + none.Var + ": ${{ secrets." + none.Var + " }}; then run: dbguard ci)"
		case errors.As(err, &h):
			f.Message += " (" + h.Hint() + ")"
		}
		c.Findings = append(c.Findings, f)
	}
}

func (c *Check) hasErrors() bool {
	for _, f := range c.Findings {
		if f.Severity == "error" {
			return true
		}
	}
	return false
}

// checkTrust reports each trust-bearing setting the pull request's
// dbguard.yaml changes: the gate judged with the base branch's value, so
// the change is a warning (an error under --strict), at its line.
func checkTrust(o Options) Check {
	c := Check{Name: "config", Title: titles["config"], Findings: []Finding{}}
	for _, t := range o.Trust {
		f := Finding{File: t.File, Line: t.Line, Severity: "warning", Message: t.Message()}
		if o.Strict {
			f.Severity = "error"
		}
		c.Findings = append(c.Findings, f)
	}
	switch {
	case len(o.Trust) == 0:
		c.Status, c.Summary = Pass, "pull request ("+o.PullRequest+"): no trust-bearing setting changed"
	case o.Strict:
		c.Status, c.Summary = Fail, fmt.Sprintf("pull request (%s): %d setting(s) changed (--strict)", o.PullRequest, len(o.Trust))
	default:
		c.Status, c.Summary = Pass, fmt.Sprintf("pull request (%s): %d setting(s) from the base branch", o.PullRequest, len(o.Trust))
	}
	return c
}

func checkEnv(ctx context.Context, o Options) (*guard.Target, Check) {
	c := Check{Name: "env", Title: titles["env"], Findings: []Finding{}}
	t, err := guard.Resolve(ctx, o.Guard)
	if t != nil {
		for _, w := range t.Report.Warnings {
			file, line := splitLocation(w.Location)
			if file == "environment" {
				file = ""
			}
			c.Findings = append(c.Findings, Finding{File: file, Line: line, Severity: "warning", Message: w.Message})
		}
		for i, db := range t.Report.Databases {
			if len(t.Report.Databases) < 2 {
				break
			}
			for _, s := range db.Sources {
				c.Findings = append(c.Findings, Finding{File: s.Def.File, Line: s.Def.Line, Severity: "error",
					Message: fmt.Sprintf("%s names database %d of %d: %s", s.Var, i+1, len(t.Report.Databases), db.ID)})
			}
		}
	}
	var none *envcheck.NoURLError
	if o.Outside && errors.As(err, &none) && none.Empty == "" {
		c.Status, c.Summary = Skip, "no database outside the services (each service is checked on its own)"
		return nil, c
	}
	if err != nil {
		// A malformed env file is placed at its line.
		var pe *envcheck.ParseError
		var le *envload.ParseError
		switch {
		case errors.As(err, &pe):
			c.home = filepath.Join(envRoot(o), pe.File)
		case errors.As(err, &le):
			c.home = filepath.Join(envRoot(o), le.File)
		}
		c.fail(err)
		return nil, c
	}
	c.Status, c.Summary = Pass, "one database in effect: "+pg.Target(t.URL)
	return t, c
}

func splitLocation(loc string) (string, int) {
	i := strings.LastIndexByte(loc, ':')
	if i < 0 {
		return loc, 0
	}
	var n int
	if _, err := fmt.Sscanf(loc[i+1:], "%d", &n); err != nil {
		return loc, 0
	}
	return loc[:i], n
}

func checkCredentials(ctx context.Context, o Options) Check {
	c := Check{Name: "credentials", Title: titles["credentials"], Findings: []Finding{}}
	var every hooks.NewLines // every allow comment found, judged below
	if o.lines != nil {
		every = hooks.NewLines{hooks.AllNew: nil}
	}
	dir, up := credentialRoot(o), ""
	if dir != o.Repo {
		if rel, err := filepath.Rel(o.Repo, dir); err == nil {
			up = filepath.ToSlash(rel)
		}
	}
	found, err := hooks.ScanPullRequestFrom(ctx, dir, up, o.Config.Hook.Allow, every)
	if err == nil && dir != o.Repo {
		// Named from the folder scanned: absolute, as the plan names a
		// migration above ci's folder (prLines.name, locate).
		for i := range found {
			found[i].File = filepath.Join(dir, filepath.FromSlash(found[i].File))
		}
	}
	if err != nil {
		// A planted .git file is where the user fixes it (its rm), not
		// the project's .env or dbguard.yaml.
		var wte *hooks.WorkTreeError
		if errors.As(err, &wte) && wte.Where() != "" {
			c.home = wte.Where()
		}
		c.fail(err)
		return c
	}
	var allowed []string // the files whose allow comments decide a finding: one diff
	for _, f := range found {
		if f.AllowNew {
			allowed = append(allowed, f.File)
		}
	}
	if len(allowed) > 0 {
		o.lines.ask(ctx, allowed...)
	}
	kept := found[:0]
	for _, f := range found {
		if f.AllowNew && !o.lines.fresh(ctx, f.File, f.Line) {
			continue // the base's comment: honoured
		}
		kept = append(kept, f)
	}
	found = kept
	if o.lines != nil && o.lines.err != nil {
		c.fail(o.lines.err)
		return c
	}
	for _, f := range found {
		if f.AllowNew && o.lines.unread != "" {
			// Whether the comment is the pull request's cannot be told
			// without the base: the base-fetch error, as for a
			// trust-bearing setting (exit 2).
			c.Findings = append(c.Findings, Finding{File: f.File, Line: f.Line, Severity: "error", Message: o.unreadMessage("a real database password with a dbguard:allow comment")})
			c.Status, c.Summary = Error, "a dbguard:allow comment cannot be judged without the base revision"
			return c
		}
		c.Findings = append(c.Findings, Finding{File: f.File, Line: f.Line, Severity: "error", Message: f.Message})
	}
	if len(found) > 0 {
		c.Status, c.Summary = Fail, fmt.Sprintf("%d real database password(s) in tracked files", len(found))
		return c
	}
	c.Status, c.Summary = Pass, "no real database password in tracked files"
	return c
}

// credentialRoot is the folder the credential scan reads: the project's
// root (dbguard.yaml's folder, the git root without one) when ci runs in a
// folder below it, so a password committed in backend/config.py fails the
// gate run from backend/src as from backend/, as the hook refuses it
// whatever folder commits it (ci_attack_credentials_project_root.txtar). Never
// above the work tree the folder ci runs in belongs to (a --config above
// the repository), and never a project ci does not run in (--config
// naming another folder): there the folder ci runs in.
func credentialRoot(o Options) string {
	root := o.Config.Root
	if root == "" || !safefile.Within(root, o.Repo) {
		return o.Repo
	}
	if top := hooks.WorkTreeTop(o.Repo); safefile.Within(root, top) {
		return top // the deeper of the two: the work tree's top
	}
	return root
}

func checkMigrations(r *migrate.Runner, o Options) Check {
	c := Check{Name: "migrations", Title: titles["migrations"], Findings: []Finding{}}
	// A finding of no file of its own is the folder's, not the env
	// file's (the default place).
	c.home = o.Config.MigrationsDir()
	st, err := r.Status()
	if err != nil {
		c.fail(err)
		return c
	}
	// Pending migrations are placed at the newest pending file, which is
	// the newest file; a problem of the folder there too.
	if n := len(st.Migrations); n > 0 {
		c.home, _ = filepath.Abs(r.Source().Path(st.Migrations[n-1].Up))
	}
	if err := st.Err(o.AllowPending, r.Source()); err != nil {
		// Dirty, edited, late or failed: the file it is about.
		var at interface {
			Where() string
			Hint() string
		}
		if errors.As(err, &at) && at.Where() != "" {
			c.Findings = append(c.Findings, Finding{File: at.Where(), Severity: "error", Message: err.Error() + " (" + at.Hint() + ")"})
		}
		c.fail(err)
		return c
	}
	c.Status = Pass
	c.Summary = fmt.Sprintf("at version %d, %d pending", st.Version, st.Pending)
	if st.Version < 0 {
		// golang-migrate's -1: said as migrate up says it.
		c.Summary = fmt.Sprintf("no migration applied, %d pending", st.Pending)
	}
	return c
}

// checkToolMigrations reads the version table of the tool that runs the
// migrations (Alembic, Prisma, dbmate, goose).
func checkToolMigrations(ctx context.Context, db *sql.DB, p *tool.Project, o Options) Check {
	c := Check{Name: "migrations", Title: titles["migrations"], Findings: []Finding{}}
	if p.Kind == tool.Command {
		c.Status, c.Summary = Skip, "migrations run by your own commands (migrations.command); dbguard cannot read their state"
		return c
	}
	// A finding of no file of its own is the migrations folder's (an
	// applied migration the folder lacks), or, when that folder is not
	// the project's (alembic.ini's script_location out of it), the
	// tool's folder's: never the env file the URL came from, which the
	// default place was.
	c.home = p.Dir
	if rel, err := filepath.Rel(o.Config.Root, p.Dir); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		c.home = p.Workdir
		if p.Kind == tool.Alembic {
			c.home = filepath.Join(p.Workdir, "alembic.ini")
		}
	}
	// The URL the tool is given (Prisma's ?schema= is where its table is).
	st, err := tool.Read(ctx, db, p, o.Connect.URL)
	if err != nil {
		c.fail(err)
		return c
	}
	st.RelPaths(func(f string) string { return output.RelTo(o.Repo, f) })
	if err := st.Err(o.AllowPending); err != nil {
		// An edited migration: the file it is about.
		var at interface {
			Where() string
			Hint() string
		}
		if errors.As(err, &at) && at.Where() != "" {
			c.Findings = append(c.Findings, Finding{File: at.Where(), Severity: "error", Message: err.Error() + " (" + at.Hint() + ")"})
		}
		c.fail(err)
		return c
	}
	v := st.Version
	if v == "" {
		v = "none"
	}
	c.Status, c.Summary = Pass, fmt.Sprintf("%s at %s, %d pending", p.Kind, v, len(st.Pending))
	return c
}

func checkSchema(ctx context.Context, o Options, t *guard.Target) Check {
	c := Check{Name: "schema", Title: titles["schema"], Findings: []Finding{}}
	snapshot := o.Config.SnapshotPath()
	rep, err := verify.Run(ctx, verify.Options{Connect: t.Connect(o.Connect), Config: o.Config, MigrationsDir: output.RelTo(o.Repo, o.Config.MigrationsDir()),
		SnapshotPath: output.RelTo(o.Repo, snapshot), Shadow: o.Shadow || o.Config.Schema.Shadow, ReadModels: o.ReadModels})
	if err != nil {
		c.fail(err)
		return c
	}
	c.home = snapshot
	if !rep.HasSources() {
		c.Status, c.Summary = Skip, "nothing to verify: no expect:, no snapshot, no --shadow"
		return c
	}
	for _, d := range rep.Differences {
		f := Finding{File: d.File, Line: d.Line, Severity: "error", Message: d.Message}
		if f.File == "" && d.Source != "snapshot" {
			// A drift from the migrations: placed at the newest one.
			f.File = newestMigration(o.Config.MigrationsDir())
		}
		c.Findings = append(c.Findings, f)
	}
	if err := rep.Err(); err != nil {
		c.Status, c.Summary = Fail, err.Error()
		return c
	}
	c.Status, c.Summary = Pass, "matches "+strings.Join(rep.Sources, ", ")
	return c
}

// checkPlan runs dbguard migrate plan on the pending migrations: its
// findings at the migration's file:line, danger as errors. Nothing pending
// costs no shadow database.
func checkPlan(ctx context.Context, o Options, t *guard.Target, migrations Check) Check {
	c := Check{Name: "plan", Title: titles["plan"], Findings: []Finding{}}
	po := plan.Options{Connect: t.Connect(o.Connect), Config: o.Config, Dir: output.RelTo(o.Repo, o.Config.MigrationsDir()), ReadModels: o.ReadModels, Command: "dbguard ci"}
	if o.lines != nil {
		po.NewLine = func(file string, line int) bool {
			return o.lines.fresh(ctx, filepath.ToSlash(file), line)
		}
	}
	rep, err := plan.Run(ctx, po)
	if err == nil && o.lines != nil && o.lines.err != nil {
		err = o.lines.err
	}
	if err != nil {
		var away *verify.ShadowUnreachableError
		if migrations.Status != Pass && (exitcode.Of(err) != exitcode.Unreachable || errors.As(err, &away)) {
			// Dirty, edited, late: the migrations check says so.
			c.Status, c.Summary = Skip, "see the migrations check"
			return c
		}
		if why, ok := planCannotRun(err); ok {
			// No sandbox server and no shadow_url (or a shadow_url role
			// without CREATEDB): the plan cannot run, which is not the
			// migrations' fault. Skipped, with a warning every format
			// shows; under --strict, failed.
			msg := "the plan could not run, so the pending migrations were not previewed: " + why
			f := Finding{Severity: "warning", Message: msg}
			if errors.As(err, &away) {
				// At the setting that names the server.
				f.File, f.Line = o.Config.Path, o.Config.Line("schema", "shadow_url")
			}
			c.Findings = append(c.Findings, f)
			c.Status, c.Summary = Skip, msg
			if o.Strict {
				c.Findings[len(c.Findings)-1].Severity = "error"
				c.Status, c.Summary = Fail, msg+" (--strict)"
			}
			return c
		}
		var fe *plan.FailedError
		var te *verify.TimeoutError
		switch {
		case errors.As(err, &te) && te.File != "":
			c.Findings = append(c.Findings, Finding{File: te.File, Line: te.Line, Severity: "error", Message: err.Error() + " (" + te.Hint() + ")"})
		case errors.As(err, &fe):
			c.Findings = append(c.Findings, Finding{File: fe.File, Line: fe.Line, Severity: "error", Message: err.Error() + " (" + fe.Hint() + ")"})
		}
		var se *verify.SizeError
		if errors.As(err, &se) {
			// At the file past the cap.
			hint := se.Hint()
			for _, t := range o.Trust {
				if t.Key == "plan."+se.Key && t.Note == "" {
					// The pull request raised the cap itself: "set it,
					// then run dbguard ci" again would fail the same way.
					where := output.FilePath(t.File)
					if t.Line > 0 {
						where += ":" + strconv.Itoa(t.Line)
					}
					hint = fmt.Sprintf("this pull request sets plan.%s (%s), but ci judges with the base branch's value (%s) until that is merged: merge the raised cap first, in a pull request of its own, then run: dbguard ci", se.Key, output.Escape(where), se.Cap)
				}
			}
			c.Findings = append(c.Findings, Finding{File: se.File, Line: 1, Severity: "error", Message: err.Error() + " (" + hint + ")"})
		}
		c.fail(err)
		return c
	}
	if len(rep.Files) == 0 {
		c.Status, c.Summary = Pass, "nothing pending"
		return c
	}
	for _, f := range rep.Findings {
		sev := map[plan.Severity]string{plan.Danger: "error", plan.Warning: "warning"}[f.Severity]
		if sev == "" || f.Allowed != "" {
			continue
		}
		msg := f.Rule + ": " + f.Message + " (fix: " + f.Fix + ")"
		if f.AllowNew {
			if o.lines.unread != "" {
				c.Findings = append(c.Findings, Finding{File: f.File, Line: f.Line, Severity: "error", Message: o.unreadMessage(f.Rule + " with a -- dbguard:allow comment above it")})
				c.Status, c.Summary = Error, "a -- dbguard:allow comment cannot be judged without the base revision"
				return c
			}
			msg += "; the -- dbguard:allow " + f.Rule + " comment above it is new in this pull request and counts once merged"
		}
		c.Findings = append(c.Findings, Finding{File: f.File, Line: f.Line, Severity: sev, Message: msg})
	}
	if v := o.Config.Schema.ShadowVar(); v != "" && o.Config.Schema.ShadowServer() == "" {
		// The gate's talk has no log: the warning WithShadow prints for
		// migrate plan is a finding here, in every format.
		place := o.Config.Plan.Shadow
		if place == "" {
			place = config.ShadowSandbox
		}
		c.Findings = append(c.Findings, Finding{File: o.Config.Path, Line: o.Config.Line("schema", "shadow_url"), Severity: "warning", Message: fmt.Sprintf("schema.shadow_url: %s is not set in this environment; the plan ran as without shadow_url (plan.shadow: %s)", v, place)})
	}
	summary := fmt.Sprintf("%d pending migration(s): %d danger, %d warning(s)", len(rep.Files), rep.Danger, rep.Warnings)
	if rep.Err() != nil {
		c.Status, c.Summary = Fail, summary
		return c
	}
	c.Status, c.Summary = Pass, summary
	return c
}

// planCannotRun tells an error that keeps the plan from running at all
// (the machine or the shadow server, not the migrations) and says why.
func planCannotRun(err error) (string, bool) {
	var (
		shadow  *verify.ShadowError
		away    *verify.ShadowUnreachableError
		missing *sandbox.MissingError
		start   *sandbox.StartError
	)
	switch {
	case errors.As(err, &missing):
		return "no PostgreSQL server binaries for the sandbox; " + missing.Hint(), true
	case errors.As(err, &start):
		return output.Clip(start.Error(), 300) + "; " + start.Hint(), true
	case errors.As(err, &away):
		return output.Clip(away.Error(), 300) + "; " + away.Hint(), true
	case errors.As(err, &shadow):
		return "no shadow database could be created: " + shadow.Hint(), true
	}
	return "", false
}

// overall is the run's status: the worst of its checks.
func overall(checks []Check) Status {
	rank := map[Status]int{Pass: 0, Skip: 0, Fail: 1, Error: 2, Unreachable: 3}
	s := Pass
	for _, c := range checks {
		if rank[c.Status] > rank[s] {
			s = c.Status
		}
	}
	return s
}

// Err is the run's verdict as an error carrying the exit code's meaning.
func (r *Report) Err() error {
	if r.Status == Pass {
		return nil
	}
	var failed []string
	trusted := false
	for _, c := range r.Checks {
		if c.Status != Pass && c.Status != Skip {
			failed = append(failed, c.label())
		}
		trusted = trusted || c.Name == "config" && len(c.Findings) > 0
	}
	return &GateError{Status: r.Status, Checks: failed, Trusted: trusted}
}

// GateError is a failed gate; Status says which exit code it means.
type GateError struct {
	Status Status
	Checks []string
	// Trusted: the gate judged a pull request with trust-bearing settings
	// of the base branch's that its own dbguard.yaml changes, which the
	// local commands the hint names read instead.
	Trusted bool
}

func (e *GateError) Error() string {
	return fmt.Sprintf("CI gate %s: %s", e.Status, strings.Join(e.Checks, ", "))
}

// ExitCode is the worst check's.
func (e *GateError) ExitCode() int {
	return map[Status]int{Fail: exitcode.CheckFailed, Error: exitcode.Usage, Unreachable: exitcode.Unreachable}[e.Status]
}

// Hint names the next step.
func (e *GateError) Hint() string {
	// Only the commands of the checks that failed: each runs in the state
	// that failed them (migrate status would be a usage error in a project
	// with no migrations folder, whose gate failed on credentials).
	local := map[string]string{"env": "dbguard env", "connection": "dbguard doctor", "migrations": "dbguard migrate status",
		"schema": "dbguard verify", "plan": "dbguard migrate plan"}
	var cmds []string
	for _, c := range e.Checks {
		if cmd := local[c]; cmd != "" && !slices.Contains(cmds, cmd) {
			cmds = append(cmds, cmd)
		}
	}
	if len(cmds) == 0 {
		return "fix what the findings above name at file:line, then run the gate again"
	}
	if e.Trusted {
		return "for details run: " + strings.Join(cmds, ", ") + " (it reads this pull request's own dbguard.yaml, whose trust-bearing settings ci took from the base branch: see the config check)"
	}
	return "for details run: " + strings.Join(cmds, ", ")
}

// locate makes every finding's file relative to the repository root (git's
// top level, else the project root), never absolute, and places a finding
// with no file of its own at its check's home, else at dbguard.yaml, else
// at the root .env: where a person fixes it, and where code scanning and
// annotations can show it.
func (r *Report) locate(ctx context.Context, o Options) {
	root := o.Config.Root
	// The work tree as the credentials check verifies it (hooks.WorkTree:
	// git's own safety settings, no process for a plain clone): not one
	// the git configuration puts elsewhere (core.worktree), which that
	// check refuses, so its finding stands at a path inside the project,
	// nor a bare repository committed in the working folder, which
	// would name its own top.
	if top, err := hooks.WorkTree(ctx, o.Repo); err == nil && top != "" {
		root = top
	}
	project := filepath.Join(o.Config.Root, ".env")
	if o.Config.Path != "" {
		project = o.Config.Path
	}
	for i := range r.Checks {
		c := &r.Checks[i]
		// The env guard names files from the project root, the other
		// checks from the working directory.
		base := o.Repo
		if c.Name == "env" {
			base = envRoot(o)
		}
		for j := range c.Findings {
			f := &c.Findings[j]
			switch {
			case f.File == "" && c.home != "":
				f.File = c.home
			case f.File == "":
				f.File = project
			case !filepath.IsAbs(f.File):
				f.File = filepath.Join(base, f.File)
			}
			f.File = repoPath(root, f.File)
		}
	}
}

// repoPath is p (absolute) relative to root, with forward slashes.
func repoPath(root, p string) string {
	rel, err := filepath.Rel(root, p)
	if err != nil || !safefile.Within(root, p) {
		// The root as git reports it has its symbolic links resolved.
		if real, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
			if r2, err := filepath.Rel(root, filepath.Join(real, filepath.Base(p))); err == nil {
				rel = r2
			}
		}
	}
	if rel == "" {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(rel)
}

// newestMigration is the newest migration's up file in dir, or "".
func newestMigration(dir string) string {
	src, err := migrate.Scan(dir)
	if err != nil || src.Last() < 0 {
		return ""
	}
	m, _ := src.Get(uint(src.Last()))
	return src.Path(m.Up)
}

// envRoot is the folder the env guard names files from: the project root
// (a service's env files are named from it too, internal/services).
func envRoot(o Options) string {
	if o.Guard.Env.Root != "" {
		return o.Guard.Env.Root
	}
	return o.Config.Root
}

// mark names the service on every check and finding.
func (r *Report) mark(service string) {
	if service == "" {
		return
	}
	for i := range r.Checks {
		r.Checks[i].Service = service
		for j := range r.Checks[i].Findings {
			r.Checks[i].Findings[j].Service = service
		}
	}
}

// Combine is one report of several runs (the project root and each
// service): their checks in order, the worst status, the first run's
// start and the time they took together.
func Combine(reps []*Report) *Report {
	if len(reps) == 0 {
		return &Report{Version: 1, Status: Pass, Checks: []Check{}}
	}
	out := &Report{Version: 1, tool: reps[0].tool, started: reps[0].started, hostname: reps[0].hostname, Checks: []Check{}}
	for _, r := range reps {
		out.Checks = append(out.Checks, r.Checks...)
		out.elapsed += r.elapsed
	}
	out.Status = overall(out.Checks)
	return out
}
