package guarded

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/guard"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pyshim"
	"github.com/dbguard/dbguard/internal/tool"
)

// ExecOptions says what dbguard exec runs behind the guard.
type ExecOptions struct {
	Config *config.Config
	Guard  guard.Options
	Args   []string // the command and its arguments
	// Connect is how to connect to read a tool's table before it runs
	// (prisma migrate deploy: the applied migrations are checked first).
	Connect pg.ConnectOptions
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer // also the guard's talk
	// StdoutTerminal says dbguard's stdout is a terminal: the command's
	// stdout is then escaped as its stderr is (output.ChildText).
	StdoutTerminal bool
}

// Exec runs the guard, then the command with the guarded URL in its
// environment only, never on its command line. A migration tool it
// recognises (alembic, prisma, goose, dbmate) gets what migrate up gives
// it: the same checks and every variable it reads its database from. Any
// Python child's connections are checked at connect time (pyshim). It
// returns the command's exit code, 128+N when signal N ended it.
func Exec(ctx context.Context, o ExecOptions) (int, error) {
	o.Guard.Mutating = true // a migration tool, or anything else given the URL
	wd, err := os.Getwd()
	if err != nil {
		return 0, err
	}
	// pipenv run would load the project's .env over the environment
	// given below, or run a Pipfile script in place of the command; pdm
	// and poetry run a pyproject.toml script, pdm with its shared env;
	// dotenv run sets an env file's variables over it.
	if err := tool.CheckExecLine(o.Config.Root, wd, o.Config.URLVars(), o.Args); err != nil {
		return 0, err
	}
	var p *tool.Project
	kind := tool.KindOf(o.Args)
	if err := tool.CheckUvDirectory(kind, wd, o.Args); kind != "" && err != nil {
		return 0, err // uv --directory D: the tool reads D's files, not these
	}
	if kind == tool.Prisma && tool.PrismaDeploys(o.Args) {
		// The project whose schema Prisma will read (--schema, or the
		// one it finds here), checked below before Prisma runs.
		if p, err = tool.PrismaExecProject(o.Config, wd, o.Args); err != nil {
			return 0, err
		}
	} else if kind != "" {
		if p, err = tool.ResolveKind(o.Config, kind, wd); err != nil {
			return 0, err
		}
		if kind == tool.Alembic {
			// The config Alembic reads (-c, -n, ALEMBIC_CONFIG, the
			// folder's alembic.ini) is the one checked below.
			if err := tool.CheckAlembicConfig(p, wd, o.Args); err != nil {
				return 0, err
			}
		}
	}
	if p != nil {
		if err := p.CheckArgs(o.Args); err != nil {
			return 0, err
		}
		if err := p.CheckFiles(); err != nil {
			return 0, err
		}
		if traps := p.Traps(); len(traps) > 0 {
			return 0, &tool.TrapError{Kind: p.Kind, Traps: traps}
		}
	}
	t, err := guard.Check(ctx, o.Guard, o.Stderr)
	if err != nil {
		return 0, err
	}
	if p != nil && p.Kind == tool.Prisma && tool.PrismaDeploys(o.Args) {
		// What migrate up checks before it runs the same command: an
		// applied migration edited or missing, or a failed one.
		if err := checkApplied(ctx, t.Connect(o.Connect), p, t.URLIn(wd)); err != nil {
			return 0, err
		}
	}
	path, err := exec.LookPath(o.Args[0])
	if err != nil {
		return 0, fmt.Errorf("cannot run %s: %w", o.Args[0], err)
	}
	// The URL as this folder's own env files write it (driver suffix
	// included), only the endpoint made direct.
	u := t.URLIn(wd)
	set := map[string]string{}
	for _, v := range o.Config.URLVars() {
		set[v] = u.String()
	}
	if p != nil {
		set = p.Env(o.Config.URLVars(), u.String())
		if p.Kind == tool.Alembic {
			// The alembic.ini checked above, as migrate up sets it: uv
			// run --env-file F (or UV_ENV_FILE) sets what the
			// environment lacks from F, and an ALEMBIC_CONFIG there
			// named another config Alembic read instead. Run elsewhere
			// (let through above only where no alembic.ini is, Alembic
			// reading none), the one Alembic reads there without it:
			// none, so that F cannot name one either.
			ini := filepath.Join(p.Workdir, "alembic.ini")
			if filepath.Clean(wd) != filepath.Clean(p.Workdir) {
				ini = filepath.Join(wd, "alembic.ini")
			}
			set["ALEMBIC_CONFIG"] = ini
		}
	}
	cmd := exec.Command(path, o.Args[1:]...)
	// Its stderr is talk, escaped as a migration tool's is, and so is its
	// stdout when it is a migration tool's (dbmate prints the file names
	// it applies there) or reaches a terminal; another command's stdout
	// to a file or a pipe is its data (pg_dump's archive), passed as it is.
	talk := output.NewChildText(o.Stderr)
	defer talk.Close()
	var stdout io.Writer = o.Stdout
	if p != nil || o.StdoutTerminal {
		escaped := output.NewChildText(o.Stdout)
		defer escaped.Close()
		stdout = escaped
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, stdout, talk
	return runChild(ctx, cmd, o.Args[0], u, t.Where(u), set, o.Config.Root, o.Stderr, nil, 0)
}

// runChild runs a child handed the guarded URL u (set: its variables)
// with nothing in its environment that points elsewhere, and Python's
// connections checked at connect time. A connection the shim refused is
// the error, whatever the child's exit code. A file u names outside root
// (a passfile, a client certificate), or the operator's secret in u's
// startup fields for a host the repository chose, stops it before it
// starts, as it stops dbguard's own connections; from says where u was
// written. after,
// when not nil, is a reading the guard does once the child has exited 0
// (the Alembic models): its result is after's, the code returned is the
// child's own. unstop, when not zero, is how long a process of the
// child's may stay stopped by a signal before the run fails
// (guard.RunOptions.Unstop).
func runChild(ctx context.Context, cmd *exec.Cmd, name string, u *dburl.URL, from string, set map[string]string, root string, log io.Writer, after *pyshim.After, unstop time.Duration) (int, error) {
	dir := cmd.Dir
	if dir == "" {
		dir, _ = os.Getwd()
	}
	if err := pg.CheckChildFiles(u, root, dir, from); err != nil {
		return 0, err
	}
	if err := pg.CheckChildStartup(u); err != nil {
		return 0, err
	}
	shim, err := pyshim.New(pyshim.TargetOf(u))
	if err != nil {
		return 0, err
	}
	defer shim.Close()
	env := guard.ChildEnv(os.Environ(), set, u)
	cmd.Env = guard.SetEnv(env, shim.Env(env))
	var started func(*os.Process)
	if after != nil {
		then, err := after.Prepare(cmd)
		if err != nil {
			return 0, err
		}
		cmd.Env = guard.SetEnv(cmd.Env, then)
		started = func(p *os.Process) { after.Started(ctx, p) }
	}
	code, err := guard.RunWith(cmd, name, guard.RunOptions{Started: started, Unstop: unstop})
	if after != nil {
		// The zygote exits with the tool's status; it says it first, in
		// case the reading's time limit killed it.
		if r := after.Finish(); r.HasToolCode && err == nil {
			code = r.ToolCode
		}
	}
	// The child has exited and its output is copied: what its escaping
	// writers still hold (a rune or a command's start cut at its end) is
	// its, and comes before any line of dbguard's (the warning below, the
	// caller's error). Before, the writers were closed once runChild had
	// returned, and a held "#" followed dbguard's warning.
	midLine := closeChildText(cmd)
	if rerr := shim.Err(name); rerr != nil {
		return code, rerr
	}
	if err == nil && code == 0 && isPython(name) {
		if r, rerr := shim.Result(); rerr == nil && !r.Loaded {
			if midLine {
				io.WriteString(log, "\n") // the child's last line was not ended
			}
			output.Talk{W: log}.Warnf("%s ran without dbguard's Python connection guard (python -I or -E ignores PYTHONPATH): where it connected is not proven", name)
		}
	}
	return code, err
}

// closeChildText writes what cmd's escaping writers (output.ChildText)
// hold, and says whether its stderr, dbguard's talk, was left mid-line.
// A writer of another type (exec's stdout passed as it is) is not closed.
func closeChildText(cmd *exec.Cmd) (midLine bool) {
	if c, ok := cmd.Stdout.(*output.ChildText); ok {
		c.Close()
	}
	if c, ok := cmd.Stderr.(*output.ChildText); ok {
		c.Close()
		midLine = c.MidLine()
	}
	return midLine
}

// isPython reports whether a child is a Python tool dbguard knows.
func isPython(name string) bool {
	name = filepath.Base(name)
	return name == "alembic" || strings.HasPrefix(name, "python")
}

// errRefused reports whether err is a connection the shim refused.
func errRefused(err error) bool {
	var re *pyshim.RefusedError
	return errors.As(err, &re)
}

// checkApplied reads the tool's table on the guarded database and fails
// on what migrate up refuses before running the tool.
// u is the URL Prisma is given (its ?schema= is where its table is).
func checkApplied(ctx context.Context, co pg.ConnectOptions, p *tool.Project, u *dburl.URL) error {
	db, _, err := pg.Connect(ctx, co)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := tool.Read(ctx, db, p, u)
	if err != nil {
		return err
	}
	st.RelPaths(output.FromHere) // as typed from here, ".." included
	return st.Err(true)
}
