// Package guard is what runs before dbguard lets anything touch a database:
// the env check (exactly one database in effect), the pooled-to-direct
// rewrite, and the one line that says which database will be touched. It
// also builds the environment of a child handed the guarded URL (dbguard
// exec, a migration tool) and runs it.
package guard

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
)

// Options for Resolve.
type Options struct {
	Env    envcheck.Options
	Strict bool // warnings fail too
	// AllowPooler connects through a pooler whose direct endpoint is
	// unknown, without prepared statements.
	AllowPooler bool
	// Mutating is set by the commands that change a database (migrate
	// up, down, goto, force, recover, accept; exec): they refuse a process
	// environment that names another database than the env files, unless
	// Prefer says which wins.
	Mutating bool
	// Prefer is config.PreferEnv, PreferFiles or PreferRefuse ("" too).
	Prefer string
}

// Target is the database a command may touch.
type Target struct {
	URL    *dburl.URL // the URL to connect with
	Report *envcheck.Report
	// ThroughPooler is set when AllowPooler let a pooled URL through: the
	// connection must not use prepared statements, and session advisory
	// locks do not protect anything.
	ThroughPooler bool
	// AllowPooler: --allow-pooler was given, so a URL the server's answers
	// show is pooled is connected to as one (pg.ConnectOptions.AllowPooler).
	AllowPooler bool
	// Overruled is the process environment's URL variable that Prefer
	// files set aside.
	Overruled string
}

// PoolerError refuses a pooled URL whose direct endpoint is unknown.
type PoolerError struct {
	Location, Var, Reason string
	DirectVar             string
}

func (e *PoolerError) Error() string {
	return fmt.Sprintf("%s %s goes through a connection pooler (%s) and its direct endpoint is unknown; migrating through a transaction pooler loses the migration lock and breaks prepared statements (SQLSTATE 42P05)",
		e.Location, e.Var, e.Reason)
}

// Hint names the next step.
func (e *PoolerError) Hint() string {
	return fmt.Sprintf("set %s=postgres://... (the direct endpoint) next to it, or add a poolers rule to dbguard.yaml; --allow-pooler connects anyway", e.DirectVar)
}

// Resolve runs the env check and picks the URL to connect with. A conflict,
// a warning under Strict, or a pooled URL with no direct form is an error
// before any connection is made.
func Resolve(ctx context.Context, o Options) (*Target, error) {
	rep, err := envcheck.Resolve(ctx, o.Env)
	if err != nil {
		return nil, err
	}
	t := &Target{Report: rep, AllowPooler: o.AllowPooler}
	if err := rep.Err(o.Strict); err != nil {
		return t, err
	}
	if o.Prefer != config.PreferEnv && (o.Mutating || o.Prefer == config.PreferFiles) {
		files, disagree, err := rep.FilesAlone(ctx, o.Env)
		switch {
		case err != nil:
			return t, err
		case o.Prefer == config.PreferFiles && files != nil:
			// The files' own report, as if the variable were unset.
			if disagree != nil {
				t.Overruled = disagree.Var
			}
			rep = files
			t.Report = rep
			if err := rep.Err(o.Strict); err != nil {
				return t, err
			}
		case disagree != nil:
			return t, disagree
		}
	}
	if rep.MigrateURL != nil {
		t.URL = rep.MigrateURL
		return t, reachesJudged(rep.Migrate, t.URL)
	}
	if !o.AllowPooler {
		dv := "DIRECT_URL"
		if len(o.Env.DirectVars) > 0 {
			dv = o.Env.DirectVars[0]
		}
		return t, &PoolerError{Location: rep.Effective.Def.Location(), Var: rep.Effective.Var, Reason: rep.Effective.Endpoint.Reason, DirectVar: dv}
	}
	t.URL, t.ThroughPooler = rep.Effective.URL, true
	return t, reachesJudged(rep.Effective, t.URL)
}

// ElsewhereError refuses a URL the env check judged as the application's
// driver completes it (a PGHOST or PGPORT an env file puts in the
// application's environment, a container's environment) while dbguard's
// own connection, completed from this process's environment, would reach
// another database: the one judged would not be the one touched.
type ElsewhereError struct {
	Location, Var string
	Judged        dburl.Identity
	Reached       string   // the database dbguard would reach
	From          []string // what the application's driver completes the URL with
}

func (e *ElsewhereError) Error() string {
	from := ""
	if len(e.From) > 0 {
		from = " (its driver adds " + strings.Join(e.From, ", ") + ")"
	}
	return fmt.Sprintf("%s %s reaches %s for the application%s, but dbguard's own connection completes it from this shell's environment and would reach %s; nothing was run",
		e.Location, e.Var, e.Judged, from, e.Reached)
}

// Hint names the next step.
func (e *ElsewhereError) Hint() string {
	return fmt.Sprintf("write the host, port and database in %s itself (%s), or set the same PG* variables in the environment that runs dbguard; then run: dbguard env", e.Var, e.Location)
}

// ExitCode is 1: two databases would be in effect, as for a conflict.
func (e *ElsewhereError) ExitCode() int { return exitcode.CheckFailed }

// reachesJudged refuses u when the database dbguard's connection reaches
// with it is not the one the env check judged for src (src.ID, completed
// as the application's driver completes it). A source the check could not
// complete has no identity and is left to the driver's own error.
func reachesJudged(src *envcheck.Source, u *dburl.URL) error {
	if src == nil || u == nil || src.ID == (dburl.Identity{}) {
		return nil
	}
	reached := pg.Resolve(u).Identity()
	if reached == src.ID {
		return nil
	}
	return &ElsewhereError{Location: src.Def.Location(), Var: src.Var, Judged: src.ID, Reached: reached.String(), From: src.CompletedFrom}
}

// Where says where u, the target's URL or another form of it (URLIn), was
// written (envcheck.Report.Where); "" when not known.
func (t *Target) Where(u *dburl.URL) string {
	if t == nil || t.Report == nil {
		return ""
	}
	return t.Report.Where(u)
}

// Connect is o pointed at the target, saying where its URL was written
// (pg.ConnectOptions.From).
func (t *Target) Connect(o pg.ConnectOptions) pg.ConnectOptions {
	o = o.To(t.URL, t.ThroughPooler)
	o.From, o.AllowPooler = t.Where(t.URL), t.AllowPooler
	return o
}

// Describe is the line shown before touching the database: which one, and
// how dbguard got to its URL, the URL on a line of its own when the line
// would not fit a terminal. It never shows the password.
func (t *Target) Describe() string {
	src := t.Report.Migrate
	if t.ThroughPooler || src == nil {
		src = t.Report.Effective
	}
	how := "direct"
	switch {
	case t.ThroughPooler:
		how = "through the pooler, --allow-pooler: no prepared statements, no reliable lock"
	case src.Endpoint.Rewritten():
		how = "direct, rewritten from pooled (" + src.Endpoint.Provider + ")"
	}
	line := fmt.Sprintf("database %s [%s] from %s %s: %s", pg.Target(t.URL), how, src.Def.Location(), src.Var, t.URL.Redacted())
	if !output.Fits("dbguard: " + line) {
		// The URL on a line of its own, so both fit a terminal.
		line = fmt.Sprintf("database %s [%s] from %s %s:", pg.Target(t.URL), how, src.Def.Location(), src.Var)
		if !output.Fits("dbguard: " + line) {
			line = fmt.Sprintf("database %s [%s]\n    from %s %s:", pg.Target(t.URL), how, src.Def.Location(), src.Var)
		}
		line += "\n    " + t.URL.Redacted()
	}
	return line
}
