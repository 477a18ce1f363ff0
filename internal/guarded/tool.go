package guarded

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/guard"
	"github.com/dbguard/dbguard/internal/models"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pyshim"
	"github.com/dbguard/dbguard/internal/tool"
)

// other reports whether another tool than golang-migrate runs the
// migrations.
func (o MigrateOptions) other() bool { return o.Tool != nil && o.Tool.Kind != tool.GolangMigrate }

// toolRun guards, runs the tool's steps with the guarded URL in its
// environment, then proves the migrations landed in the guarded database
// (its version table moved when something was pending) and verifies.
func (o MigrateOptions) toolRun(ctx context.Context, direction string, steps []tool.Step) error {
	p := o.Tool
	if traps := p.Traps(); len(traps) > 0 {
		return &tool.TrapError{Kind: p.Kind, Traps: traps}
	}
	t, err := guard.Check(ctx, o.Guard, o.Stderr)
	if err != nil {
		return err
	}
	co := t.Connect(o.Connect)
	db, _, err := pg.Connect(ctx, co)
	if err != nil {
		return err
	}
	defer db.Close()
	// The settings a new session would start with, for the check after
	// on this connection (pg.Renew): the tool's migrations may change
	// them (ALTER DATABASE ... SET search_path).
	var settings *string
	if !o.NoVerify {
		if err := db.QueryRowContext(ctx, pg.SettingsSQL, pgx.QueryExecModeSimpleProtocol).Scan(&settings); err != nil {
			return err
		}
	}
	// The URL Prisma is given (its ?schema= is where its table is).
	toolURL := t.URLIn(p.Workdir)
	before, err := o.readState(ctx, db, toolURL)
	if err != nil {
		return err
	}
	if p.Kind == tool.Prisma && direction == "up" {
		// An applied migration edited since, one the folder lacks, or one
		// that failed: the folder no longer says what the database ran
		// (prisma migrate deploy checks only the last), as golang-migrate's
		// ledger refuses an edited file. Nothing is run.
		before.RelPaths(output.FromHere) // as typed from here, ".." included
		if err := before.Err(true); err != nil {
			return err
		}
	}
	if direction == "down" && (p.Kind == tool.Dbmate || p.Kind == tool.Goose) && len(steps) > len(before.Applied) {
		// One rollback a migration: dbmate and goose would roll back
		// those applied, then fail on the next, the command half done.
		// Refused before anything runs, as Alembic's downgrade -N is.
		next := "nothing to roll back: check where the database stands: dbguard migrate status"
		if n := len(before.Applied); n > 0 {
			next = fmt.Sprintf("roll back the %d applied: dbguard migrate down %d", n, n)
		}
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  fmt.Sprintf("down %d asks for %d %s migrations rolled back, but the database has %d applied: nothing was rolled back", len(steps), len(steps), p.Kind, len(before.Applied)),
			Next: next}
	}
	if steps, err = p.Installed(steps); err != nil {
		return err
	}
	talk := output.Talk{W: o.Stderr}
	if p.Detected != "" {
		talk.Infof("the migrations run with %s (found %s; to choose another, set migrations.tool in dbguard.yaml)", p.Kind, p.Detected)
	}
	u := t.URLIn(p.Workdir)
	set := p.Env(o.Config.URLVars(), u.String())
	if p.Kind == tool.Alembic {
		// The alembic.ini dbguard checked, whatever ALEMBIC_CONFIG the
		// caller's environment names (Alembic's default for -c): another
		// file's script_location ran its env.py and revisions.
		set["ALEMBIC_CONFIG"] = filepath.Join(p.Workdir, "alembic.ini")
	}
	// Alembic's models are read in a process forked from Alembic's before
	// env.py ran, once it has exited 0 (models.AlembicAfter): one
	// interpreter start and SQLAlchemy import fewer.
	var reading *pyshim.After
	if p.Kind == tool.Alembic && !o.NoVerify && len(steps) == 1 {
		if reading, err = models.AlembicAfter(o.Config); err != nil {
			return err
		}
		defer reading.Close()
	}
	for _, s := range steps {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		talk.Infof("running %s in %s with %s=%s", s, output.RelPath(p.Workdir), o.Config.Database.URLVar, u.Redacted())
		if err := runStep(ctx, s, p.Workdir, u, t.Where(u), set, o, o.Stderr, reading); err != nil {
			return err
		}
	}
	after, err := o.readState(ctx, db, toolURL)
	if err != nil {
		return err
	}
	if before != nil && after != nil {
		moved := !slices.Equal(before.Applied, after.Applied)
		if direction == "up" && len(before.Pending) > 0 && !moved {
			return &tool.NotLandedError{Kind: p.Kind, Database: pg.Target(t.URL), Table: p.Table, Pending: len(after.Pending)}
		}
		v := after.Version
		if v == "" {
			v = "none"
		}
		talk.Infof("done: %s records %s at %s, %d pending", pg.Target(t.URL), p.Kind, v, len(after.Pending))
	}
	if o.NoVerify {
		return nil
	}
	vo := VerifyOptions{Options: o.Options, Dir: o.Dir, Format: output.Text}
	// Alembic has just run the repository's env.py: importing the models
	// it names runs no code the migration did not.
	vo.ReadAlembicModels = p.Kind == tool.Alembic
	vo.AlembicRead = reading
	// On the connection that read the state: only dbguard's reads ran on
	// it, but the tool ran beside it, so it is checked as new first (no
	// file ran on it: no library can have been loaded into it).
	shared := pg.ShareConn(co, func(ctx context.Context, f func(*pgx.Conn) error) error { return pg.WithPgx(ctx, db, f) },
		func(ctx context.Context, conn *pgx.Conn) (bool, error) { return pg.Renew(ctx, conn, settings, -1) })
	return check(ctx, co.Sharing(shared), vo, true, false)
}

// readState reads the tool's table; nil for tool: command, which has none.
// u is the URL the tool is given.
func (o MigrateOptions) readState(ctx context.Context, db *sql.DB, u *dburl.URL) (*tool.State, error) {
	if o.Tool.Kind == tool.Command {
		return nil, nil
	}
	return tool.Read(ctx, db, o.Tool, u)
}

// toolUnstop is how long a migration tool's process may stay stopped by a
// signal while dbguard runs (nothing would resume it: a run that waited
// would wait without end) before dbguard kills the tool and fails.
const toolUnstop = 2 * time.Second

// runStep runs one of the tool's commands, its output to out (stderr: talk,
// for a migration run); a non-zero exit is the tool's failure, reported
// with its exit code (its own output said why).
func runStep(ctx context.Context, s tool.Step, dir string, u *dburl.URL, from string, set map[string]string, o MigrateOptions, out io.Writer, after *pyshim.After) error {
	name := s.Args[0]
	if strings.ContainsRune(name, filepath.Separator) && !filepath.IsAbs(name) {
		// A program of the project's (node_modules/.bin/prisma), relative
		// to the folder the step runs in, not to dbguard's.
		name = filepath.Join(dir, name)
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return &exitcode.Advice{Code: exitcode.Usage, Msg: fmt.Sprintf("cannot run %s: %v", s.Args[0], err),
			Next: fmt.Sprintf("install %s (or activate the environment that has it); dbguard migrate status reads its table without it", s.Args[0])}
	}
	// Not CommandContext: Ctrl-C reaches the tool from the terminal (and
	// guard.Run passes on a SIGTERM), and killing a migration tool
	// mid-file is the one thing not to do.
	cmd := exec.Command(path, s.Args[1:]...)
	cmd.Dir = dir
	// The tool's output is talk, names the repository chose in it:
	// escaped (output.ChildText), one writer when both go to one place.
	talk, talkErr := output.NewChildText(out), output.NewChildText(o.Stderr)
	if out == o.Stderr {
		talkErr = talk
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, talk, talkErr
	code, err := runChild(ctx, cmd, s.Args[0], u, from, set, o.Config.Root, o.Stderr, after, toolUnstop)
	talk.Close()
	talkErr.Close()
	switch {
	case errRefused(err):
		return err
	case err != nil:
		return err
	case ctx.Err() != nil:
		// A SIGINT sent to dbguard alone (not the terminal's Ctrl-C, which
		// reaches the tool too) let the tool run to its end: whatever it
		// exited with, the run was interrupted and stops here, exit 130.
		if after != nil {
			if r := after.Finish(); r.Read && r.HasToolCode && r.ToolCode == 0 {
				// The tool had finished: the interrupt cut the models'
				// reading after it, not the migration.
				return &exitcode.Advice{Code: exitcode.Interrupted,
					Msg:  fmt.Sprintf("interrupted while the models were read after %s (which had exited with status 0: what it migrated stands); the check after it was not run", s),
					Next: "check where the database stands: dbguard migrate status; then run the same command again"}
			}
		}
		return &exitcode.Advice{Code: exitcode.Interrupted,
			Msg:  fmt.Sprintf("interrupted while %s ran (it exited with status %d); nothing after it was run", s, code),
			Next: "check where the database stands: dbguard migrate status; then run the same command again"}
	case code != 0:
		return &exitcode.Advice{Code: exitcode.CheckFailed, Msg: fmt.Sprintf("%s failed: exit status %d", s, code),
			Next: "its own output above says what went wrong; then check where the database stands: dbguard migrate status"}
	}
	return nil
}

// toolStatus prints the tool's state read from its own table.
func (o MigrateOptions) toolStatus(ctx context.Context, f output.Format, allowPending, versionOnly bool) error {
	if versionOnly && o.Tool.Kind == tool.Command {
		// dbguard cannot read such a tool's version, and version is a
		// reading: it runs nothing of the repository's (status does, on
		// the user's word).
		return &tool.UnsupportedError{Kind: tool.Command, Command: "version",
			Instead: "dbguard cannot read a command tool's version; its status command says whether anything is pending: dbguard migrate status"}
	}
	// A status line a launcher would run with another env file is
	// refused before any connection, as up's and down's are.
	if err := o.Tool.CheckCommand("status", o.Tool.Commands.Status, "dbguard migrate status"); err != nil {
		return err
	}
	t, err := guard.Check(ctx, o.Guard, o.Stderr)
	if err != nil {
		return err
	}
	if o.Tool.Kind == tool.Command {
		if strings.TrimSpace(o.Tool.Commands.Status) == "" {
			return &tool.UnsupportedError{Kind: tool.Command, Command: "status", Instead: "set migrations.command.status in dbguard.yaml (exit 0 when nothing is pending)"}
		}
		u := t.URLIn(o.Tool.Workdir)
		return runStep(ctx, tool.Step{Args: []string{"sh", "-c", o.Tool.Commands.Status}}, o.Tool.Workdir, u, t.Where(u), o.Tool.Env(o.Config.URLVars(), u.String()), o, o.Stdout, nil)
	}
	db, _, err := pg.Connect(ctx, t.Connect(o.Connect))
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := tool.Read(ctx, db, o.Tool, t.URLIn(o.Tool.Workdir))
	if err != nil {
		return err
	}
	st.Database = pg.Target(t.URL)
	st.RelPaths(output.FromHere) // as typed from here, ".." included
	switch {
	case versionOnly:
		v := st.Version
		if v == "" {
			v = "none"
		}
		fmt.Fprintln(o.Stdout, v)
		if len(st.Failed) > 0 || len(st.Unknown) > 0 {
			return st.Err(true)
		}
		return nil
	case f == output.JSON:
		err = output.WriteJSON(o.Stdout, st)
	default:
		err = st.WriteText(o.Stdout)
	}
	if err != nil {
		return err
	}
	return st.Err(allowPending)
}
