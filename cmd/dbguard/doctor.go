package main

import (
	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/doctor"
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
		Flags: withFlags(judgeFlags, retryFlags, []cli.Flag{flagReadModels}),
		Action: func(c *cli.Context) error {
			if all, err := doctorAllServices(c); all || err != nil {
				return err
			}
			return exitWith(diagnose(c))
		},
	}
}

// diagnose runs the doctor on the unit the command acts on.
func diagnose(c *cli.Context) (int, error) {
	cfg, err := loadConfig(c)
	if err != nil {
		return 0, err
	}
	o := doctor.Options{Config: cfg, Env: envOptions(c, cfg), Strict: c.Bool("strict"), Connect: connectOptions(c, cfg), ReadModels: c.Bool("read-models")}
	return doctor.Diagnose(c.Context, o, c.App.Writer, colour(c))
}
