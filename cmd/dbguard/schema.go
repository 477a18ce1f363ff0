package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/guarded"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/verify"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "check the live schema against expect:, the snapshot and (--shadow) the migrations",
		Description: `Reads the live catalog once and compares it with every expectation source
the project has: expect: in dbguard.yaml (the columns the code relies on), the
snapshot file (exactly), and with --shadow a throwaway database built from
the migrations up to the live version (drift), and the application's models
(schema.prisma; SQLAlchemy/SQLModel and Django with --read-models). One line per
difference; exit 1 when there is any. With no source at all it says so and exits 0.

Examples:
   dbguard verify
   dbguard verify --shadow
   dbguard verify --format json`,
		Flags: withFlags(guardFlags, connectFlags, []cli.Flag{
			&cli.BoolFlag{Name: "shadow", Usage: "also build a shadow database from the migrations and compare"},
			flagReadModels,
			flagFormat,
			&cli.StringFlag{Name: "dir", Usage: "migrations folder `DIR` for --shadow", DefaultText: "migrations.dir, else migrations"},
		}),
		Action: formatted(func(c *cli.Context, f output.Format) error {
			return withOptions(guardedOptions, func(c *cli.Context, o guarded.Options) error {
				dir, err := migrationsDir(c, o.Config)
				if err != nil {
					return err
				}
				if fi, err := os.Lstat(o.Config.SnapshotPath()); err == nil && fi.Mode().IsRegular() && fi.Size() >= hugeHeapSnapshot {
					hugePageHeap() // a large catalog to read and compare: fewer page faults
				}
				return guarded.Verify(c.Context, guarded.VerifyOptions{Options: o, Dir: dir, Format: f, Shadow: c.Bool("shadow")})
			})(c)
		}),
	}
}

func schemaCommand() *cli.Command {
	return withExamples(group("schema", "take a schema snapshot, or compare two databases", schemaSnapshotCommand(), schemaDiffCommand()),
		"dbguard schema snapshot", "dbguard schema diff .env backend/.env")
}

func schemaSnapshotCommand() *cli.Command {
	return &cli.Command{
		Name:  "snapshot",
		Usage: "write the live schema to the snapshot file (schema.snapshot, default dbguard.schema.yaml)",
		Description: `Writes every table, view, column, constraint and index of the configured
schemas, sorted, one column per line, with the migration version it was taken
at. Commit it with the migration that changed the schema; dbguard verify
then requires the live schema to match it exactly.

Example:
   dbguard migrate up && dbguard schema snapshot && git add dbguard.schema.yaml`,
		Flags: withFlags(guardFlags, connectFlags, []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` (- for stdout)", DefaultText: "schema.snapshot, else dbguard.schema.yaml"},
		}),
		Action: withOptions(guardedOptions, func(c *cli.Context, o guarded.Options) error {
			return guarded.Snapshot(c.Context, o, c.String("output"))
		}),
	}
}

func schemaDiffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "compare the schemas of two databases, each given as a URL or an env file",
		ArgsUsage: "A B",
		Description: `Each of A and B is a connection string, or an env file whose
DATABASE_URL (url_var) names the database. A pooled URL is compared through
its direct endpoint. Exit 0 when the schemas match, 1 when they differ.

Examples:
   dbguard schema diff .env backend/.env
   dbguard schema diff "$STAGING_URL" "$PROD_URL"`,
		Flags: withFlags([]cli.Flag{flagConfig}, retryFlags),
		Action: func(c *cli.Context) error {
			cfg, err := configWithArgs(c, 2, "schema diff needs two databases: A B (URLs or env files)")
			if err != nil {
				return err
			}
			return verify.Diff(c.Context, verify.DiffOptions{Config: cfg, A: c.Args().Get(0), B: c.Args().Get(1),
				Connect: connectOptions(c, cfg), Stdout: c.App.Writer, Stderr: c.App.ErrWriter})
		},
	}
}
