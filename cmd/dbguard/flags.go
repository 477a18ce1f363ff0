package main

import (
	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/output"
)

// The flags more than one command takes, each defined once. The help shows
// a default that is not a literal value (it comes from dbguard.yaml, or the
// URL) through DefaultText, so it is shown once and true.
var (
	flagConfig = &cli.StringFlag{
		Name:    "config",
		Usage:   "read `FILE` instead of the nearest dbguard.yaml",
		EnvVars: []string{"DBGUARD_CONFIG"},
	}
	flagMode           = &cli.StringFlag{Name: "mode", Usage: "judge the env files of `MODE` (.env.MODE, .env.MODE.local)", DefaultText: "env.mode, else development"}
	flagReadModels     = &cli.BoolFlag{Name: "read-models", EnvVars: []string{"DBGUARD_READ_MODELS"}, Usage: "import the application's SQLAlchemy/SQLModel or Django models with the project's Python (runs the repository's code, no database connection) and compare the live schema with them"}
	flagStrict         = &cli.BoolFlag{Name: "strict", Usage: "fail on warnings too (shadowed definitions, loader differences, environment overrides)"}
	flagPrefer         = &cli.StringFlag{Name: "prefer", Usage: "when the process environment and the env files name different databases, `WHICH` wins: env or files (refuse: commands that change a database refuse)", DefaultText: "env.prefer, else refuse"}
	flagAllowPooler    = &cli.BoolFlag{Name: "allow-pooler", Usage: "connect through a pooler whose direct endpoint is unknown (no prepared statements, no reliable lock)"}
	flagWait           = &cli.DurationFlag{Name: "wait", Usage: "retry connection errors for up to `DURATION` (a server still starting)", DefaultText: "one attempt"}
	flagConnectTimeout = &cli.DurationFlag{Name: "connect-timeout", Usage: "give up one connection attempt after `DURATION`", DefaultText: "migrations.connect_timeout, the URL's connect_timeout (at most 60s), else 10s"}
	flagDir            = &cli.StringFlag{Name: "dir", Usage: "migrations folder `DIR`", DefaultText: "migrations.dir, else migrations"}
	flagLockTimeout    = &cli.DurationFlag{Name: "lock-timeout", Usage: "fail when another migration holds the lock longer than `DURATION`", DefaultText: "migrations.lock_timeout, else 15s"}
	flagNoVerify       = &cli.BoolFlag{Name: "no-verify", Usage: "do not run dbguard verify afterwards"}
	flagFormat         = &cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: text or json"}
	flagCIFormat       = &cli.StringFlag{Name: "format", Usage: "output `FORMAT`: text, json, github, junit or sarif", DefaultText: "github on GitHub Actions, else text"}
)

var (
	// judgeFlags: every command that resolves the database URL.
	judgeFlags = []cli.Flag{flagConfig, flagMode, flagStrict, flagService}
	// guardFlags: every command that resolves it to connect.
	guardFlags = withFlags(judgeFlags, []cli.Flag{flagPrefer})
	// retryFlags: how long to try to reach a server.
	retryFlags = []cli.Flag{flagWait, flagConnectTimeout}
	// connectFlags: every command that connects to the guarded database.
	connectFlags = withFlags([]cli.Flag{flagAllowPooler}, retryFlags)
	// lockFlags: the migrate subcommands that take the migration lock.
	lockFlags = []cli.Flag{flagDir, flagLockTimeout}
	// runnerFlags: every migrate subcommand that opens a migration session.
	runnerFlags = withFlags(guardFlags, connectFlags, lockFlags)
)

// formatted reads --format (text or json, unless formats says which), then
// runs the action with it.
func formatted(run func(*cli.Context, output.Format) error, formats ...output.Format) cli.ActionFunc {
	if len(formats) == 0 {
		formats = []output.Format{output.Text, output.JSON}
	}
	return func(c *cli.Context) error {
		f, err := format(c, formats...)
		if err != nil {
			return err
		}
		return run(c, f)
	}
}

// withOptions reads a command's options with read, then runs the action
// with them: each action reads its flags once.
func withOptions[O any](read func(*cli.Context) (O, error), run func(*cli.Context, O) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		o, err := read(c)
		if err != nil {
			return err
		}
		return run(c, o)
	}
}

// group is a command that only holds subcommands.
func group(name, usage string, subs ...*cli.Command) *cli.Command {
	return &cli.Command{Name: name, Usage: usage, Subcommands: subs}
}

func withFlags(groups ...[]cli.Flag) []cli.Flag {
	var out []cli.Flag
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}
