package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/doctor"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/guard"
	"github.com/dbguard/dbguard/internal/pg"
)

func doctorCommand() *cli.Command {
	return &cli.Command{
		Name:  "doctor",
		Usage: "diagnose the whole chain: env sources, pooled and direct endpoints, migrations, schema",
		Description: `For a person at a terminal: every DATABASE_URL source and which one wins,
both endpoints of a pooled URL with latency, server version and whether they
reach the same database (current_database(), its oid, the server's
system_identifier where readable, Neon's timeline), the migration state and
the schema, and a fix per problem. Colour only on a terminal, never with
NO_COLOR. Exit 0 with no problem, else the worst problem's exit code.

Example:
   dbguard doctor`,
		Flags: withFlags(guardFlags, retryFlags),
		Action: func(c *cli.Context) error {
			cfg, err := loadConfig(c)
			if err != nil {
				return err
			}
			rep := doctor.Run(c.Context, doctor.Options{
				Config: cfg,
				Env:    envcheck.OptionsFor(cfg, c.String("mode"), os.Environ()),
				Strict: c.Bool("strict"),
				Connect: func(u *dburl.URL, pooled bool) pg.ConnectOptions {
					return connectOptions(c, cfg, &guard.Target{URL: u, ThroughPooler: pooled})
				},
			})
			tty, _ := c.App.Metadata["tty"].(bool)
			colour := tty && os.Getenv("NO_COLOR") == ""
			if err := rep.WriteText(c.App.Writer, colour); err != nil {
				return err
			}
			if code := rep.ExitCode(); code != 0 {
				return exitStatus(code)
			}
			return nil
		},
	}
}
