package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/output"
)

func envCommand() *cli.Command {
	return &cli.Command{
		Name:  "env",
		Usage: "show every DATABASE_URL definition and prove they name one database",
		Description: `Reads the process environment and every .env, .env.local, .env.MODE and
.env.MODE.local under the project root, and exits 0 only when they name
exactly one database. Prints each definition with its file:line and redacted
URL, the database in effect and the direct URL migrations would use.

Exit codes: 0 one database, 1 conflict (or warnings under --strict),
2 malformed or unreadable input.

Examples:
   dbguard env
   dbguard env --format json | jq .verdict
   dbguard env --mode production --strict`,
		Flags: withFlags([]cli.Flag{flagFormat}, guardFlags),
		Action: func(c *cli.Context) error {
			f, err := format(c, output.Text, output.JSON)
			if err != nil {
				return err
			}
			cfg, err := loadConfig(c)
			if err != nil {
				return err
			}
			rep, err := envcheck.Resolve(c.Context, envcheck.OptionsFor(cfg, c.String("mode"), os.Environ()))
			if err != nil {
				return err
			}
			return writeEnvReport(c, f, rep)
		},
	}
}

// writeEnvReport prints the report (data on stdout, warnings on stderr) and
// returns its verdict.
func writeEnvReport(c *cli.Context, f output.Format, rep *envcheck.Report) error {
	verdict := rep.Err(c.Bool("strict"))
	talk := output.Talk{W: c.App.ErrWriter}
	for _, w := range rep.Warnings {
		talk.Warnf("%s: %s", w.Location, w.Message)
	}
	var err error
	if f == output.JSON {
		err = output.WriteJSON(c.App.Writer, rep.JSON(verdict))
	} else {
		err = rep.WriteText(c.App.Writer, verdict)
	}
	if err != nil {
		return err
	}
	return verdict
}
