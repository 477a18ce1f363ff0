package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/guarded"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/plan"
	"github.com/dbguard/dbguard/internal/tool"
)

func migrateCommand() *cli.Command {
	return &cli.Command{
		Name:  "migrate",
		Usage: "run the project's migrations behind the guard, on the direct endpoint",
		Description: `Every subcommand first proves one database is in effect (as dbguard env),
rewrites a pooled URL to its direct endpoint, and says on stderr which
database it will touch. The migrations are the project's: golang-migrate's
files (VERSION_name.up.sql and .down.sql in migrations.dir) by default, or
Alembic, Prisma, dbmate or goose, detected from the project or named by
migrations.tool in dbguard.yaml; up and down run that tool, status and
version read its table (docs/tools.md).

For golang-migrate dbguard keeps a ledger (migrations.ledger, default
dbguard_migrations) beside its version table: the checksum of every file
applied, and the migration in flight, so an edited or late-merged file is
caught and a failed one is explained exactly.

Examples:
   dbguard migrate up                 golang-migrate, Alembic, Prisma, dbmate or goose
   dbguard migrate status --format json
   dbguard migrate create add_password_hash
   dbguard migrate plan               what the pending migrations will lock, rewrite and break
   dbguard migrate down 1
   dbguard migrate recover            after a migration failed: put the version back
   dbguard migrate history            what ran when, by whom, with which checksum`,
		Subcommands: []*cli.Command{
			withExamples(migrateUpCommand(), "dbguard migrate up", "dbguard migrate up 1", "dbguard migrate up --plan", "dbguard migrate up --all-services"),
			withExamples(migrateDownCommand(), "dbguard migrate down 1", "dbguard migrate down --all --yes"),
			withExamples(migrateGotoCommand(), "dbguard migrate goto 3"),
			withExamples(migrateForceCommand(), "dbguard migrate force 1", "dbguard migrate force -1"),
			withExamples(migrateVersionCommand(), "dbguard migrate version"),
			withExamples(migrateStatusCommand(), "dbguard migrate status", "dbguard migrate status --allow-pending", "dbguard migrate status --format json"),
			migratePlanCommand(),
			withExamples(migrateHistoryCommand(), "dbguard migrate history", "dbguard migrate history --format json"),
			withExamples(migrateRecoverCommand(), "dbguard migrate recover", "dbguard migrate recover --yes"),
			withExamples(migrateAcceptCommand(), "dbguard migrate accept 3"),
			withExamples(migrateCreateCommand(), "dbguard migrate create add_users", "dbguard migrate create --seq add_users"),
		},
	}
}

func migrateUpCommand() *cli.Command {
	return &cli.Command{
		Name: "up", Usage: "apply all pending migrations, or the next N, then verify the schema", ArgsUsage: "[N]",
		Flags: withFlags(runnerFlags, []cli.Flag{flagNoVerify,
			&cli.BoolFlag{Name: "allow-out-of-order", Usage: "first apply migrations merged below the database's version (recorded as out of order)"},
			&cli.BoolFlag{Name: "plan", Usage: "first run dbguard migrate plan; stop on a danger finding"},
			&cli.BoolFlag{Name: "all-services", Usage: "migrate every monorepo service in dependency order, each behind its own guard, lock and ledger; stop at the first failure"}}),
		Action: func(c *cli.Context) error {
			if c.Bool("all-services") {
				return upAllServices(c)
			}
			return migrateAction(func(c *cli.Context, o guarded.MigrateOptions) error {
				n, err := optionalCount(c)
				if err != nil {
					return err
				}
				return guarded.Up(c.Context, o, n)
			})(c)
		},
	}
}

func migrateDownCommand() *cli.Command {
	return &cli.Command{
		Name: "down", Usage: "roll back N migrations, or all with --all (asks first), then verify the schema", ArgsUsage: "N | --all",
		Flags: withFlags(runnerFlags, []cli.Flag{
			flagNoVerify,
			&cli.BoolFlag{Name: "all", Usage: "roll back every migration"},
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"},
		}),
		Action: migrateAction(func(c *cli.Context, o guarded.MigrateOptions) error {
			n, err := optionalCount(c)
			if err != nil {
				return err
			}
			if c.Bool("all") == (n > 0) {
				return usageError{errors.New("down needs a number of migrations to roll back, or --all")}
			}
			return guarded.Down(c.Context, o, n, c.Bool("all"))
		}),
	}
}

func migrateGotoCommand() *cli.Command {
	return &cli.Command{
		Name: "goto", Usage: "migrate up or down to version V, then verify the schema", ArgsUsage: "V",
		Flags:  withFlags(runnerFlags, []cli.Flag{flagNoVerify}),
		Action: versionAction(false, guarded.Goto),
	}
}

func migrateForceCommand() *cli.Command {
	return &cli.Command{
		Name: "force", Usage: "record version V (-1 or none: no version) as clean without running anything", ArgsUsage: "V",
		Flags:  runnerFlags,
		Action: versionAction(true, guarded.Force),
	}
}

// migrateAction reads the migrate options, then runs the action with them.
// The tool found for the options is the command's answer whenever a part
// of it (the guard, the models) resolves the tool again: each detection
// lists the migrations folder.
func migrateAction(run func(*cli.Context, guarded.MigrateOptions) error) cli.ActionFunc {
	return withOptions(migrateOptions, func(c *cli.Context, o guarded.MigrateOptions) error {
		tool.Remember(o.Config, o.Tool)
		defer tool.Forget(o.Config)
		return run(c, o)
	})
}

// formatAction is migrateAction for a command with --format (text or
// json, unless formats says which).
func formatAction(run func(*cli.Context, guarded.MigrateOptions, output.Format) error, formats ...output.Format) cli.ActionFunc {
	return formatted(func(c *cli.Context, f output.Format) error {
		return migrateAction(func(c *cli.Context, o guarded.MigrateOptions) error { return run(c, o, f) })(c)
	}, formats...)
}

// versionAction is goto's and force's action: a version V (-1 for none
// when allowNone) and the migrate options, handed to run.
func versionAction(allowNone bool, run func(context.Context, guarded.MigrateOptions, int) error) cli.ActionFunc {
	return migrateAction(func(c *cli.Context, o guarded.MigrateOptions) error {
		v, err := versionArg(c, allowNone)
		if err != nil {
			return err
		}
		return run(c.Context, o, v)
	})
}

func migrateVersionCommand() *cli.Command {
	return &cli.Command{
		Name: "version", Usage: "print the recorded version (exit 1 when dirty)",
		Flags:  runnerFlags,
		Action: migrateAction(func(c *cli.Context, o guarded.MigrateOptions) error { return guarded.Version(c.Context, o) }),
	}
}

func migrateStatusCommand() *cli.Command {
	return &cli.Command{
		Name: "status", Usage: "list applied and pending migrations (exit 1 when pending, dirty or a file is missing)",
		Flags: withFlags(runnerFlags, []cli.Flag{
			flagFormat,
			&cli.BoolFlag{Name: "allow-pending", Usage: "exit 0 when migrations are pending"},
		}),
		Action: formatAction(func(c *cli.Context, o guarded.MigrateOptions, f output.Format) error {
			return guarded.Status(c.Context, o, f, c.Bool("allow-pending"))
		}),
	}
}

func migratePlanCommand() *cli.Command {
	return &cli.Command{
		Name: "plan", Usage: "trace the pending migrations in a shadow database: what they lock, rewrite and break (exit 1 on danger)",
		Description: `Builds a shadow database at the live version from the migration files (no
data is copied; the live database is only read; the shadow is always
dropped), runs each pending migration there statement by statement inside
its transaction, and reads what PostgreSQL did: the locks it took on tables
that exist in the live database (and what they block), rewrites, index
builds without CONCURRENTLY, constraints validated in place, SET NOT NULL
scans, type changes, strong locks with no lock_timeout, expect: columns
dropped, renamed or retyped, and model columns the schema lacks after them
(models ahead of migrations; SQLAlchemy and Django models with
--read-models). Sizes come from the live pg_class. Rules and
their fixes: docs/plan.md. plan.severity in dbguard.yaml changes a rule's
severity; a comment "-- dbguard:allow RULE reason" above a statement accepts
it. With --format markdown (a pull-request comment), and on GitHub Actions,
the markdown report is also appended to $GITHUB_STEP_SUMMARY.

Examples:
   dbguard migrate plan
   dbguard migrate plan --format markdown > plan.md
   dbguard migrate up --plan          plan first, migrate only without danger`,
		Flags: withFlags(guardFlags, connectFlags, []cli.Flag{flagDir, flagReadModels,
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: text, json or markdown"},
			&cli.BoolFlag{Name: "no-cache", Usage: "replay the applied migrations into the shadow even when the replay cache holds them, and save none (also: DBGUARD_NO_CACHE=1)"}}),
		Action: formatAction(func(c *cli.Context, o guarded.MigrateOptions, f output.Format) error {
			return guarded.Plan(c.Context, guarded.PlanOptions{MigrateOptions: o, Format: f, Summary: os.Getenv("GITHUB_STEP_SUMMARY"), NoCache: c.Bool("no-cache")})
		}, plan.Formats...),
	}
}

func migrateHistoryCommand() *cli.Command {
	return &cli.Command{
		Name: "history", Usage: "list the ledger: what ran when, by whom, how long, with which checksum",
		Flags: withFlags(guardFlags, connectFlags, []cli.Flag{flagDir, flagFormat}),
		Action: formatAction(func(c *cli.Context, o guarded.MigrateOptions, f output.Format) error {
			return guarded.History(c.Context, o, f)
		}),
	}
}

func migrateRecoverCommand() *cli.Command {
	return &cli.Command{
		Name: "recover", Usage: "after a failed migration, put the version back to where it was before it (as the ledger recorded)",
		Description: `Under the migration lock, reads the ledger's record of the migration in
flight and checks it still describes the dirty version. A file that ran as
one transaction was rolled back by PostgreSQL: the version goes back to where
it was before it. A file that did not (its own COMMIT, CREATE INDEX
CONCURRENTLY) may have left work behind: recover shows which statements and
goes on only with --yes. A file whose transaction had committed before its
client died is recorded as applied.`,
		Flags: withFlags(runnerFlags, []cli.Flag{
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "go on for a file that did not run as one transaction, after checking what it left"},
		}),
		Action: migrateAction(func(c *cli.Context, o guarded.MigrateOptions) error { return guarded.Recover(c.Context, o) }),
	}
}

func migrateAcceptCommand() *cli.Command {
	return &cli.Command{
		Name: "accept", Usage: "record an applied migration's edited file as what was applied (an edit that needs no re-run); shows the file first, runs nothing", ArgsUsage: "V",
		Flags: withFlags(runnerFlags, []cli.Flag{
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "record it after reading what the file now holds (none of it is run)"},
		}),
		Action: versionAction(false, guarded.Accept),
	}
}

func migrateCreateCommand() *cli.Command {
	return &cli.Command{
		Name: "create", Usage: "write an empty up and down migration", ArgsUsage: "NAME",
		Flags: []cli.Flag{
			flagConfig,
			flagService,
			flagDir,
			&cli.BoolFlag{Name: "seq", Usage: "number with a sequence (000001) instead of a UTC timestamp; kept automatically when the folder already does"},
			&cli.IntFlag{Name: "digits", Value: 6, Usage: "width `N` of a sequence number"},
		},
		Action: func(c *cli.Context) error {
			cfg, err := configWithArgs(c, 1, "create needs exactly one NAME, e.g. dbguard migrate create add_users")
			if err != nil {
				return err
			}
			if proj, err := tool.Resolve(cfg); err != nil || proj.Kind != tool.GolangMigrate {
				if err == nil {
					err = &tool.UnsupportedError{Kind: proj.Kind, Command: "create", Instead: fmt.Sprintf("create it with %s itself", proj.Kind)}
				}
				return err
			}
			dir, err := migrationsDir(c, cfg)
			if err != nil {
				return err
			}
			paths, err := migrate.Create(migrate.CreateOptions{Dir: dir, Name: c.Args().First(), Seq: c.Bool("seq"), Digits: c.Int("digits")})
			for _, p := range paths {
				fmt.Fprintln(c.App.Writer, p)
			}
			return err
		},
	}
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
	arg := c.Args().First()
	if arg == "none" && allowNone {
		arg = "-1"
	}
	v, err := strconv.Atoi(arg)
	if err != nil || v < -1 || (v == -1 && !allowNone) {
		return 0, usageError{fmt.Errorf("%q is not a migration version", c.Args().First())}
	}
	return v, nil
}
