package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/guard"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/schema"
	"github.com/dbguard/dbguard/internal/verify"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "check the live schema against expect:, the snapshot and (--shadow) the migrations",
		Description: `Reads the live catalog once and compares it with every expectation source
the project has: expect: in dbguard.yaml (the columns the code relies on), the
snapshot file (exactly), and with --shadow a throwaway database built from
the migrations up to the live version (drift). One line per difference;
exit 1 when there is any. With no source at all it says so and exits 0.

Examples:
   dbguard verify
   dbguard verify --shadow
   dbguard verify --format json`,
		Flags: withFlags(guardFlags, connectFlags, []cli.Flag{
			&cli.BoolFlag{Name: "shadow", Usage: "also build a shadow database from the migrations and compare"},
			flagFormat,
			&cli.StringFlag{Name: "dir", Usage: "migrations folder `DIR` for --shadow", DefaultText: "migrations.dir, else migrations"},
		}),
		Action: func(c *cli.Context) error {
			f, err := format(c, output.Text, output.JSON)
			if err != nil {
				return err
			}
			t, cfg, err := guardTarget(c)
			if err != nil {
				return err
			}
			return runVerify(c, cfg, t, f, c.Bool("shadow") || cfg.Schema.Shadow, false, true)
		},
	}
}

// runVerify verifies and prints. explicit is false for verify after a
// migration, where a project with no expectation source hears nothing.
func runVerify(c *cli.Context, cfg *config.Config, t *guard.Target, f output.Format, shadow, partial, explicit bool) error {
	talk := output.Talk{W: c.App.ErrWriter}
	rep, err := verify.Run(c.Context, verify.Options{
		Connect:       connectOptions(c, cfg, t),
		Config:        cfg,
		MigrationsDir: migrationsDir(c, cfg),
		SnapshotPath:  output.RelPath(cfg.SnapshotPath()),
		Shadow:        shadow,
		Partial:       partial,
		Log:           c.App.ErrWriter,
	})
	if err != nil {
		return err
	}
	for _, n := range rep.Notes {
		talk.Infof("%s", n)
	}
	if f == output.JSON {
		if err := output.WriteJSON(c.App.Writer, rep); err != nil {
			return err
		}
	} else {
		for _, d := range rep.Differences {
			fmt.Fprintln(c.App.Writer, d.Message)
		}
	}
	if !rep.HasSources() {
		if explicit {
			talk.Infof("nothing to verify: no expect: in dbguard.yaml, no %s, no --shadow", output.RelPath(cfg.SnapshotPath()))
		}
		return nil
	}
	if err := rep.Err(); err != nil {
		return err
	}
	talk.Infof("schema matches %s", strings.Join(rep.Sources, ", "))
	return nil
}

func schemaCommand() *cli.Command {
	return &cli.Command{
		Name:  "schema",
		Usage: "take a schema snapshot, or compare two databases",
		Subcommands: []*cli.Command{
			{
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
				Action: func(c *cli.Context) error {
					t, cfg, err := guardTarget(c)
					if err != nil {
						return err
					}
					return writeSnapshot(c, cfg, t)
				},
			},
			{
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
					if c.NArg() != 2 {
						return usageError{errors.New("schema diff needs two databases: A B (URLs or env files)")}
					}
					cfg, err := loadConfig(c)
					if err != nil {
						return err
					}
					return schemaDiff(c, cfg, c.Args().Get(0), c.Args().Get(1))
				},
			},
		},
	}
}

func writeSnapshot(c *cli.Context, cfg *config.Config, t *guard.Target) error {
	s, version, _, err := verify.Load(c.Context, connectOptions(c, cfg, t), cfg)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := schema.WriteSnapshot(&buf, s, version, pg.Target(t.URL)); err != nil {
		return err
	}
	dest := c.String("output")
	if dest == "-" {
		_, err := c.App.Writer.Write(buf.Bytes())
		return err
	}
	if dest == "" {
		dest = cfg.SnapshotPath()
	}
	if err := os.WriteFile(dest, buf.Bytes(), 0o644); err != nil {
		return err
	}
	output.Talk{W: c.App.ErrWriter}.Infof("wrote %s: %d tables at migration version %d", output.RelPath(dest), len(s.Tables), version)
	return nil
}

// diffSide resolves one argument of schema diff to a URL and a label.
func diffSide(cfg *config.Config, arg string) (*dburl.URL, string, error) {
	if strings.Contains(arg, "://") || (strings.Contains(arg, "=") && !fileExists(arg)) {
		u, err := dburl.Parse(arg)
		if err != nil {
			return nil, "", usageError{fmt.Errorf("%s is not a usable connection string: %w", dburl.Redact(arg), err)}
		}
		return u, u.Identity().String(), nil
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		if strings.ContainsAny(arg, ":@=") {
			// A mistyped URL (postgres:/...) is no file name: it may
			// hold a password, so neither it nor the open error is shown.
			return nil, "", usageError{fmt.Errorf("%s is neither a connection string nor a readable env file (write postgres://user:password@host/db, or name an env file)", dburl.Redact(arg))}
		}
		return nil, "", usageError{fmt.Errorf("%s is neither a connection string nor a readable env file: %v", arg, err)}
	}
	defs, err := envcheck.ParseFile(arg, data)
	if err != nil {
		return nil, "", err
	}
	var last *envcheck.Definition
	for i := range defs {
		if defs[i].Key == cfg.Database.URLVar {
			last = &defs[i]
		}
	}
	if last == nil {
		return nil, "", usageError{fmt.Errorf("%s does not define %s", arg, cfg.Database.URLVar)}
	}
	u, err := dburl.Parse(last.Value)
	if err != nil {
		return nil, "", &envcheck.ValueError{Location: last.Location(), Var: last.Key, Err: err}
	}
	return u, last.Location(), nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func schemaDiff(c *cli.Context, cfg *config.Config, a, b string) error {
	talk := output.Talk{W: c.App.ErrWriter}
	var sides [2]schema.Side
	var ids [2]dburl.Identity
	for i, arg := range []string{a, b} {
		u, label, err := diffSide(cfg, arg)
		if err != nil {
			return err
		}
		ep := dburl.Classify(u, cfg.Rules())
		pooled := ep.Direct == nil
		if !pooled {
			u = ep.Direct
		}
		ids[i] = u.Identity()
		talk.Infof("%s: %s: %s", string(rune('A'+i)), label, u.Redacted())
		co := connectOptions(c, cfg, &guard.Target{URL: u, ThroughPooler: pooled})
		s, _, _, err := verify.Load(c.Context, co, cfg)
		sides[i] = schema.Side{Name: label, Schema: s}
		if err != nil {
			return err
		}
	}
	if ids[0] == ids[1] {
		talk.Infof("A and B name the same database (%s)", ids[0])
	}
	diffs := schema.Compare(sides[0], sides[1])
	for _, d := range diffs {
		fmt.Fprintln(c.App.Writer, d.Message)
	}
	if len(diffs) > 0 {
		return &schema.DiffError{Count: len(diffs), A: sides[0].Name, B: sides[1].Name}
	}
	talk.Infof("the schemas match (%d tables)", len(sides[0].Schema.Tables))
	return nil
}
