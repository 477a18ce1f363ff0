package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/guard"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
)

func migrateCommand(stdin io.Reader) *cli.Command {
	return &cli.Command{
		Name:  "migrate",
		Usage: "run golang-migrate migrations behind the guard, on the direct endpoint",
		Description: `Every subcommand first proves one database is in effect (as dbguard env),
rewrites a pooled URL to its direct endpoint, and says on stderr which
database it will touch. Migration files are golang-migrate's:
VERSION_name.up.sql and VERSION_name.down.sql in migrations.dir.

Examples:
   dbguard migrate create add_password_hash
   dbguard migrate up
   dbguard migrate status --format json
   dbguard migrate down 1
   dbguard migrate force 3            after fixing a failed migration by hand`,
		Subcommands: []*cli.Command{
			{
				Name: "up", Usage: "apply all pending migrations, or the next N, then verify the schema", ArgsUsage: "[N]",
				Flags: withFlags(runnerFlags, []cli.Flag{flagNoVerify}),
				Action: func(c *cli.Context) error {
					n, err := optionalCount(c)
					if err != nil {
						return err
					}
					return withRunner(c, func(r *migrate.Runner) error { return r.Up(c.Context, n) }, afterVerify)
				},
			},
			{
				Name: "down", Usage: "roll back N migrations, or all with --all (asks first), then verify the schema", ArgsUsage: "N | --all",
				Flags: withFlags(runnerFlags, []cli.Flag{
					flagNoVerify,
					&cli.BoolFlag{Name: "all", Usage: "roll back every migration"},
					&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"},
				}),
				Action: func(c *cli.Context) error {
					all := c.Bool("all")
					n, err := optionalCount(c)
					if err != nil {
						return err
					}
					if all == (n > 0) {
						return usageError{errors.New("down needs a number of migrations to roll back, or --all")}
					}
					return withRunner(c, func(r *migrate.Runner) error {
						if all {
							if err := confirm(c, stdin, "roll back EVERY migration on", r); err != nil {
								return err
							}
						}
						return r.Down(c.Context, n, all)
					}, afterVerify)
				},
			},
			{
				Name: "goto", Usage: "migrate up or down to version V, then verify the schema", ArgsUsage: "V",
				Flags: withFlags(runnerFlags, []cli.Flag{flagNoVerify}),
				Action: func(c *cli.Context) error {
					v, err := versionArg(c, false)
					if err != nil {
						return err
					}
					return withRunner(c, func(r *migrate.Runner) error { return r.Goto(c.Context, uint(v)) }, afterVerify)
				},
			},
			{
				Name: "force", Usage: "record version V (-1: none) as clean without running anything", ArgsUsage: "V",
				Flags: runnerFlags,
				Action: func(c *cli.Context) error {
					v, err := versionArg(c, true)
					if err != nil {
						return err
					}
					return withRunner(c, func(r *migrate.Runner) error { return r.Force(v) }, afterReport)
				},
			},
			{
				Name: "version", Usage: "print the recorded version (exit 1 when dirty)",
				Flags: runnerFlags,
				Action: func(c *cli.Context) error {
					return withRunner(c, func(r *migrate.Runner) error {
						st, err := r.Status()
						if err != nil {
							return err
						}
						if st.Version < 0 {
							fmt.Fprintln(c.App.Writer, "none")
						} else {
							fmt.Fprintln(c.App.Writer, st.Version)
						}
						return st.Err(true, r.Source())
					}, afterNothing)
				},
			},
			{
				Name: "status", Usage: "list applied and pending migrations (exit 1 when pending, dirty or a file is missing)",
				Flags: withFlags(runnerFlags, []cli.Flag{
					flagFormat,
					&cli.BoolFlag{Name: "allow-pending", Usage: "exit 0 when migrations are pending"},
				}),
				Action: func(c *cli.Context) error {
					f, err := format(c, output.Text, output.JSON)
					if err != nil {
						return err
					}
					return withRunner(c, func(r *migrate.Runner) error {
						st, err := r.Status()
						if err != nil {
							return err
						}
						if f == output.JSON {
							err = output.WriteJSON(c.App.Writer, st)
						} else {
							err = st.WriteText(c.App.Writer)
						}
						if err != nil {
							return err
						}
						return st.Err(c.Bool("allow-pending"), r.Source())
					}, afterNothing)
				},
			},
			{
				Name: "create", Usage: "write an empty up and down migration", ArgsUsage: "NAME",
				Flags: []cli.Flag{
					flagConfig,
					flagDir,
					&cli.BoolFlag{Name: "seq", Usage: "number with a sequence (000001) instead of a UTC timestamp; kept automatically when the folder already does"},
					&cli.IntFlag{Name: "digits", Value: 6, Usage: "width `N` of a sequence number"},
				},
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usageError{errors.New("create needs exactly one NAME, e.g. dbguard migrate create add_users")}
					}
					cfg, err := loadConfig(c)
					if err != nil {
						return err
					}
					paths, err := migrate.Create(migrate.CreateOptions{Dir: migrationsDir(c, cfg), Name: c.Args().First(), Seq: c.Bool("seq"), Digits: c.Int("digits")})
					for _, p := range paths {
						fmt.Fprintln(c.App.Writer, p)
					}
					return err
				},
			},
		},
	}
}

// reportVersion says where a successful run left the database.
func reportVersion(c *cli.Context, r *migrate.Runner) (int, error) {
	v, _, err := r.Version()
	if err != nil {
		return 0, err
	}
	at := "no migration applied"
	if v >= 0 {
		at = fmt.Sprintf("at version %d", v)
	}
	output.Talk{W: c.App.ErrWriter}.Infof("done: the database is %s", at)
	return v, nil
}

// migrationsDir is --dir, else the configured folder, shown relative to the
// working directory when it is below it (messages name files by it).
func migrationsDir(c *cli.Context, cfg *config.Config) string {
	if d := c.String("dir"); d != "" {
		return d
	}
	return output.RelPath(cfg.MigrationsDir())
}

func optionalCount(c *cli.Context) (int, error) {
	switch c.NArg() {
	case 0:
		return 0, nil
	case 1:
		n, err := strconv.Atoi(c.Args().First())
		if err != nil || n <= 0 {
			return 0, usageError{fmt.Errorf("%q is not a positive number of migrations", c.Args().First())}
		}
		return n, nil
	}
	return 0, usageError{errors.New("too many arguments")}
}

func versionArg(c *cli.Context, allowNone bool) (int, error) {
	if c.NArg() != 1 {
		return 0, usageError{fmt.Errorf("%s needs exactly one version", c.Command.Name)}
	}
	v, err := strconv.Atoi(c.Args().First())
	if err != nil || v < -1 || (v == -1 && !allowNone) {
		return 0, usageError{fmt.Errorf("%q is not a migration version", c.Args().First())}
	}
	return v, nil
}

// guardTarget runs the guard and prints its warnings and the target line.
func guardTarget(c *cli.Context) (*guard.Target, *config.Config, error) {
	cfg, err := loadConfig(c)
	if err != nil {
		return nil, nil, err
	}
	t, err := guard.Resolve(c.Context, guard.Options{
		Env:         envcheck.OptionsFor(cfg, c.String("mode"), os.Environ()),
		Strict:      c.Bool("strict"),
		AllowPooler: c.Bool("allow-pooler"),
	})
	talk := output.Talk{W: c.App.ErrWriter}
	if t != nil {
		for _, w := range t.Report.Warnings {
			talk.Warnf("%s: %s", w.Location, w.Message)
		}
	}
	if err != nil {
		var conflict *envcheck.ConflictError
		if errors.As(err, &conflict) && t != nil {
			// The whole picture, as dbguard env shows it, on stderr.
			_ = t.Report.WriteText(c.App.ErrWriter, err)
		}
		return nil, nil, err
	}
	talk.Infof("%s", t.Describe())
	return t, cfg, nil
}

func connectOptions(c *cli.Context, cfg *config.Config, t *guard.Target) pg.ConnectOptions {
	ct := cfg.Migrations.ConnectTimeout.D()
	if c.IsSet("connect-timeout") {
		ct = c.Duration("connect-timeout")
	}
	return pg.ConnectOptions{URL: t.URL, ConnectTimeout: ct, Wait: c.Duration("wait"), SimpleProtocol: t.ThroughPooler, Log: c.App.ErrWriter}
}

// after says what withRunner does once f has succeeded.
type after int

const (
	afterNothing after = iota
	afterReport        // say which version the database is at
	afterVerify        // that, then dbguard verify unless --no-verify
)

// withRunner guards, opens a migration session and runs f in it.
func withRunner(c *cli.Context, f func(*migrate.Runner) error, then after) error {
	t, cfg, err := guardTarget(c)
	if err != nil {
		return err
	}
	lt := cfg.Migrations.LockTimeout.D()
	if c.IsSet("lock-timeout") {
		lt = c.Duration("lock-timeout")
	}
	r, err := migrate.Open(c.Context, migrate.Options{
		Connect:          connectOptions(c, cfg, t),
		Dir:              migrationsDir(c, cfg),
		Table:            cfg.Migrations.Table,
		LockTimeout:      lt,
		StatementTimeout: cfg.Migrations.StatementTimeout.D(),
		Log:              c.App.ErrWriter,
	})
	if err != nil {
		return err
	}
	err = f(r)
	v := -1
	if err == nil && then >= afterReport {
		v, err = reportVersion(c, r)
	}
	last := r.Source().Last()
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil || then < afterVerify || c.Bool("no-verify") {
		return err
	}
	return runVerify(c, cfg, t, output.Text, cfg.Schema.Shadow, v != last, false)
}

// declinedError means the person did not confirm a destructive action.
type declinedError struct{}

func (declinedError) Error() string { return "not confirmed; nothing was changed" }

// ExitCode is 1: a check (the confirmation) failed.
func (declinedError) ExitCode() int { return exitcode.CheckFailed }

// confirm asks for the database name before a destructive action; without
// a terminal it refuses unless --yes.
func confirm(c *cli.Context, stdin io.Reader, action string, r *migrate.Runner) error {
	if c.Bool("yes") {
		return nil
	}
	st, err := r.Status()
	if err != nil {
		return err
	}
	if f, ok := stdin.(*os.File); !ok || !isTerminal(f) {
		return usageError{fmt.Errorf("refusing to %s %s without a terminal to confirm on; pass --yes", action, st.Database)}
	}
	name := st.Database[strings.LastIndexByte(st.Database, '/')+1:]
	fmt.Fprintf(c.App.ErrWriter, "dbguard: about to %s %s (at version %d)\ndbguard: type the database name (%s) to go on: ", action, st.Database, st.Version, name)
	line, _ := bufio.NewReader(stdin).ReadString('\n')
	if strings.TrimSpace(line) != name {
		return declinedError{}
	}
	return nil
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func waitCommand() *cli.Command {
	return &cli.Command{
		Name:  "wait",
		Usage: "wait until the guarded database accepts connections (exit 3 if it never does)",
		Description: `Examples:
   dbguard wait                      one attempt, with the connect timeout
   dbguard wait --wait 60s           retry with backoff for up to a minute (CI, docker compose)`,
		Flags: withFlags(guardFlags, []cli.Flag{
			flagAllowPooler,
			flagConnectTimeout,
			&cli.DurationFlag{Name: "wait", Value: 30 * time.Second, Usage: "keep retrying for up to `DURATION`"},
			// --timeout was wait's name for --wait before every command
			// agreed on one; it still works, unlisted.
			&cli.DurationFlag{Name: "timeout", Hidden: true, Usage: "deprecated: use --wait"},
		}),
		Action: func(c *cli.Context) error {
			t, cfg, err := guardTarget(c)
			if err != nil {
				return err
			}
			o := connectOptions(c, cfg, t)
			if c.IsSet("timeout") && !c.IsSet("wait") {
				output.Talk{W: c.App.ErrWriter}.Warnf("--timeout is deprecated; use --wait")
				o.Wait = c.Duration("timeout")
			}
			if err := pg.Wait(c.Context, o); err != nil {
				return err
			}
			output.Talk{W: c.App.ErrWriter}.Infof("%s accepts connections", pg.Target(t.URL))
			return nil
		},
	}
}
