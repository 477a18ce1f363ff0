package guarded

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/tool"
)

// MigrateOptions says how the migrate subcommands run.
type MigrateOptions struct {
	Options
	Dir         string // the migrations folder, as messages show it
	LockTimeout time.Duration
	NoVerify    bool      // up, down, goto: no dbguard verify afterwards
	Yes         bool      // down --all: do not ask first; recover: go on for a file that was not one transaction
	Stdin       io.Reader // where down --all reads the confirmation
	// AllowOutOfOrder: up applies migrations merged below the version.
	AllowOutOfOrder bool
	Version         string        // dbguard's version, for the ledger
	Tool            *tool.Project // the tool that runs the migrations
	// Plan: up first runs dbguard migrate plan and stops on a danger
	// finding, before taking the migration lock.
	Plan     bool
	Terminal bool // Stdin is a terminal a person answers on (not /dev/null, a pipe, a file)
}

// Up applies every pending migration, or the next n, then verifies.
func Up(ctx context.Context, o MigrateOptions, n int) error {
	o.Guard.Mutating = true
	if o.Plan {
		// A hint names the command the user ran (a size cap's "then run").
		again := "dbguard migrate up --plan"
		if n > 0 {
			again += " " + strconv.Itoa(n)
		}
		if err := Plan(ctx, PlanOptions{MigrateOptions: o, Format: output.Text, Summary: os.Getenv("GITHUB_STEP_SUMMARY"), Limit: n, Command: again}); err != nil {
			return err
		}
	}
	if o.other() {
		if n > 0 {
			return &tool.UnsupportedError{Kind: o.Tool.Kind, Command: "up N", Instead: "run all pending migrations: dbguard migrate up"}
		}
		steps, err := o.Tool.UpSteps()
		if err != nil {
			return err
		}
		return o.toolRun(ctx, "up", steps)
	}
	return o.undetected(o.run(ctx, func(r *migrate.Runner) error { return r.Up(ctx, n) }, afterVerify), "up")
}

// Down rolls back n migrations, or every one when all is set (after
// asking, unless o.Yes), then verifies.
func Down(ctx context.Context, o MigrateOptions, n int, all bool) error {
	o.Guard.Mutating = true
	if o.other() {
		if all {
			return &tool.UnsupportedError{Kind: o.Tool.Kind, Command: "down --all", Instead: "roll back a number of migrations: dbguard migrate down N"}
		}
		steps, err := o.Tool.DownSteps(n)
		if err != nil {
			return err
		}
		return o.toolRun(ctx, "down", steps)
	}
	return o.run(ctx, func(r *migrate.Runner) error {
		if all {
			if err := o.confirm("roll back EVERY migration on", r); err != nil {
				return err
			}
		}
		return r.Down(ctx, n, all)
	}, afterVerify)
}

// Goto migrates up or down to version v, then verifies.
func Goto(ctx context.Context, o MigrateOptions, v int) error {
	o.Guard.Mutating = true
	return o.run(ctx, func(r *migrate.Runner) error { return r.Goto(ctx, uint(v)) }, afterVerify)
}

// Force records version v (-1: none) as clean without running anything.
func Force(ctx context.Context, o MigrateOptions, v int) error {
	o.Guard.Mutating = true
	return o.run(ctx, func(r *migrate.Runner) error { return r.Force(v) }, afterReport)
}

// Version prints the recorded version ("none" for none); a dirty one is an
// error.
func Version(ctx context.Context, o MigrateOptions) error {
	if o.other() {
		return o.toolStatus(ctx, output.Text, true, true)
	}
	return o.run(ctx, func(r *migrate.Runner) error {
		st, err := r.Status()
		if err != nil {
			return err
		}
		if st.Version < 0 {
			fmt.Fprintln(o.Stdout, "none")
		} else {
			fmt.Fprintln(o.Stdout, st.Version)
		}
		return st.DirtyErr(r.Source())
	}, afterNothing)
}

// Recover puts a dirty database back where it was before the migration
// that failed, as the ledger recorded it.
func Recover(ctx context.Context, o MigrateOptions) error {
	o.Guard.Mutating = true
	return o.run(ctx, func(r *migrate.Runner) error {
		rec, err := r.Recover(ctx, o.Yes)
		if err != nil {
			return err
		}
		talk := output.Talk{W: o.Stderr}
		switch {
		case rec.Nothing:
			talk.Infof("nothing to recover: the database is clean at version %s", versionText(rec.Version))
		case rec.Completed:
			talk.Infof("recovered: %s had committed on the server; recorded it as applied (version %s)", rec.File, versionText(rec.Version))
		default:
			next := "dbguard migrate up"
			if rec.Entry.Direction == migrate.DirDown {
				next = "dbguard migrate down 1"
			}
			if rec.Entry.Error == "" {
				// kill -9, a lost connection: no statement failed.
				talk.Infof("recovered: %s was cut going %s (its client died before it was recorded); the database is clean at version %s again", rec.File, rec.Entry.Direction, versionText(rec.Version))
				talk.Infof("next: nothing says the file is wrong; run it again: %s", next)
				return nil
			}
			talk.Infof("recovered: %s had failed going %s; the database is clean at version %s again", rec.File, rec.Entry.Direction, versionText(rec.Version))
			talk.Infof("next: fix the file, then run: %s", next)
		}
		return nil
	}, afterNothing)
}

// Accept records an applied migration's edited file as what was applied.
func Accept(ctx context.Context, o MigrateOptions, v int) error {
	o.Guard.Mutating = true
	return o.run(ctx, func(r *migrate.Runner) error {
		old, err := r.Accept(ctx, v, o.Yes)
		if err != nil {
			return err
		}
		m, _ := r.Source().Get(uint(v))
		output.Talk{W: o.Stderr}.Infof("accepted %s as applied (sha256 was %.12s); nothing was run on the database", r.Source().Path(m.Up), old)
		return nil
	}, afterNothing)
}

// History prints the ledger in format f.
func History(ctx context.Context, o MigrateOptions, f output.Format) error {
	return o.run(ctx, func(r *migrate.Runner) error {
		entries, exists, err := r.History(ctx)
		if err != nil {
			return err
		}
		if f == output.JSON {
			return output.WriteJSON(o.Stdout, struct {
				Ledger  bool            `json:"ledger"`
				Entries []migrate.Entry `json:"entries"`
			}{exists, entries})
		}
		if !exists {
			output.Talk{W: o.Stderr}.Infof("no ledger yet: the next dbguard migrate up starts it")
		}
		return migrate.WriteHistory(o.Stdout, entries)
	}, afterNothing)
}

func versionText(v int) string {
	if v < 0 {
		return "none (-1)"
	}
	return fmt.Sprint(v)
}

// Status lists applied and pending migrations in format f; pending ones
// are an error unless allowPending.
func Status(ctx context.Context, o MigrateOptions, f output.Format, allowPending bool) error {
	if o.other() {
		return o.toolStatus(ctx, f, allowPending, false)
	}
	return o.undetected(o.run(ctx, func(r *migrate.Runner) error {
		st, err := r.Status()
		if err != nil {
			return err
		}
		// From beside or below the folder, as typed from here
		// (../migrations), not this machine's absolute path.
		st.Dir = output.FromHere(st.Dir)
		if f == output.JSON {
			err = output.WriteJSON(o.Stdout, st)
		} else {
			err = st.WriteText(o.Stdout)
		}
		if err != nil {
			return err
		}
		return st.Err(allowPending, r.Source())
	}, afterNothing), "status")
}

// undetected is err, but when it is golang-migrate's missing folder and
// the folder the command runs in is inside a tool's project that
// detection did not look at (a Prisma project in apps/api: it looks in
// the root and its direct subfolders), its hint is that tool's own
// command for what the user asked (what: "status" or "up"): BelowFix.
// The folder is named as typed from here.
func (o MigrateOptions) undetected(err error, what string) error {
	var missing *migrate.SourceError
	if !errors.As(err, &missing) || !missing.Missing {
		return err
	}
	e := *missing
	e.Path = output.FromHere(e.Path) // ../migrations from beside it, not this machine's path
	if fix := tool.BelowFix(o.Config, what); fix != "" {
		e.Fix = fix
	}
	if e == *missing {
		return err
	}
	return &e
}

// after says what run does once its work has succeeded.
type after int

const (
	afterNothing after = iota
	afterReport        // say which version the database is at
	afterVerify        // that, then dbguard verify unless NoVerify
)

// run guards, opens a migration session and runs f in it.
func (o MigrateOptions) run(ctx context.Context, f func(*migrate.Runner) error, then after) error {
	if o.other() {
		// A command that runs as printed: the tool's own status, behind
		// the guard (dbguard exec sets its URL and folder).
		status := map[tool.Kind]string{tool.Alembic: "alembic current", tool.Prisma: "prisma migrate status", tool.Dbmate: "dbmate status", tool.Goose: "goose status"}[o.Tool.Kind]
		instead := fmt.Sprintf("use %s's own commands behind the guard, as: dbguard exec -- %s", o.Tool.Kind, status)
		if o.Tool.Kind == tool.Prisma {
			// The project's CLI, where it runs: prisma is not on PATH.
			instead = fmt.Sprintf("use prisma's own commands behind the guard, as: %s migrate status", o.Tool.GuardedPrisma())
		}
		if status == "" {
			instead = "migrations.command in dbguard.yaml runs this project's migrations: dbguard migrate up; dbguard migrate status"
		}
		return &tool.UnsupportedError{Kind: o.Tool.Kind, Instead: instead}
	}
	co, err := o.connect(ctx)
	if err != nil {
		return err
	}
	r, err := migrate.Open(ctx, migrate.Options{
		Connect:          co,
		Dir:              o.Dir,
		Table:            o.Config.Migrations.Table,
		LockTimeout:      o.LockTimeout,
		StatementTimeout: o.Config.Migrations.StatementTimeout.D(),
		Log:              o.Stderr,
		Ledger:           o.Config.Migrations.Ledger,
		Tool:             o.Version,
		AllowOutOfOrder:  o.AllowOutOfOrder,
	})
	if err != nil {
		return err
	}
	for _, w := range r.Source().Warnings {
		output.Talk{W: o.Stderr}.Warnf("%s", w)
	}
	err = f(r)
	v := -1
	if err == nil && then >= afterReport {
		v, err = o.reportVersion(r)
	}
	if err == nil && then >= afterVerify && !o.NoVerify {
		// On the migration's connection, reset as new (Runner.Session):
		// no second handshake and backend for the check.
		err = check(ctx, co.Sharing(r.Session(co)), VerifyOptions{Options: o.Options, Dir: o.Dir, Format: output.Text, Shadow: o.Config.Schema.Shadow}, v != r.Source().Last(), false)
	}
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	return err
}

// reportVersion says where a successful run left the database.
func (o MigrateOptions) reportVersion(r *migrate.Runner) (int, error) {
	v, _, err := r.Version()
	if err != nil {
		return 0, err
	}
	at := "no migration applied"
	if v >= 0 {
		at = fmt.Sprintf("at version %d", v)
	}
	output.Talk{W: o.Stderr}.Infof("done: the database is %s", at)
	return v, nil
}

// declinedError means the person did not confirm a destructive action.
type declinedError struct{}

func (declinedError) Error() string { return "not confirmed; nothing was changed" }

// ExitCode is 1: a check (the confirmation) failed.
func (declinedError) ExitCode() int { return exitcode.CheckFailed }

// confirm asks for the database name before a destructive action; without
// a terminal it refuses unless o.Yes.
func (o MigrateOptions) confirm(action string, r *migrate.Runner) error {
	if o.Yes {
		return nil
	}
	st, err := r.Status()
	if err != nil {
		return err
	}
	if !o.Terminal {
		return fmt.Errorf("refusing to %s %s without a terminal to confirm on; pass --yes", action, st.Database)
	}
	name := st.Database[strings.LastIndexByte(st.Database, '/')+1:]
	fmt.Fprintf(o.Stderr, "dbguard: about to %s %s (at version %d)\ndbguard: type the database name (%s) to go on: ", action, st.Database, st.Version, name)
	line, _ := bufio.NewReader(o.Stdin).ReadString('\n')
	if strings.TrimSpace(line) != name {
		return declinedError{}
	}
	return nil
}
