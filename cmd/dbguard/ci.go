package main

import (
	"bytes"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/gate"
	"github.com/dbguard/dbguard/internal/guard"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
)

// Formats of dbguard ci beyond text and json.
const (
	formatGitHub output.Format = "github"
	formatJUnit  output.Format = "junit"
	formatSARIF  output.Format = "sarif"
)

func ciCommand() *cli.Command {
	return &cli.Command{
		Name:  "ci",
		Usage: "the CI gate: env guard, committed credentials, connection, migration state and schema in one run",
		Description: `Runs every check and reports them all: exit 0 when all pass, 1 when a check
fails, 2 on a configuration or input problem, 3 when the database cannot be
reached. --offline runs only the checks that need no database (env guard,
credentials), for pull requests without database access.

Formats: text; json (stable, documented); github (workflow commands that
annotate the pull request; the default when GITHUB_ACTIONS=true); junit (XML,
one test case per check); sarif (SARIF 2.1.0 for code scanning).

Examples:
   dbguard ci --wait 60s
   dbguard ci --offline
   dbguard ci --format junit --output dbguard-junit.xml
   dbguard ci --format sarif --output dbguard.sarif`,
		Flags: withFlags(guardFlags, connectFlags, []cli.Flag{
			&cli.StringFlag{Name: "format", Usage: "output `FORMAT`: text, json, github, junit or sarif", DefaultText: "github on GitHub Actions, else text"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the report to `FILE` instead of stdout"},
			&cli.BoolFlag{Name: "offline", Usage: "only the checks that need no database"},
			&cli.BoolFlag{Name: "allow-pending", Usage: "pending migrations do not fail the gate"},
			&cli.BoolFlag{Name: "shadow", Usage: "also compare with a shadow database built from the migrations"},
		}),
		Action: func(c *cli.Context) error {
			if !c.IsSet("format") {
				def := "text"
				if os.Getenv("GITHUB_ACTIONS") == "true" {
					def = "github"
				}
				if err := c.Set("format", def); err != nil {
					return err
				}
			}
			f, err := format(c, output.Text, output.JSON, formatGitHub, formatJUnit, formatSARIF)
			if err != nil {
				return err
			}
			cfg, err := loadConfig(c)
			if err != nil {
				return err
			}
			repo, err := os.Getwd()
			if err != nil {
				return err
			}
			rep := gate.Run(c.Context, gate.Options{
				Config:       cfg,
				Guard:        guard.Options{Env: envcheck.OptionsFor(cfg, c.String("mode"), os.Environ()), Strict: c.Bool("strict"), AllowPooler: c.Bool("allow-pooler")},
				Connect:      func(t *guard.Target) pg.ConnectOptions { return connectOptions(c, cfg, t) },
				Repo:         repo,
				Offline:      c.Bool("offline"),
				AllowPending: c.Bool("allow-pending"),
				Shadow:       c.Bool("shadow"),
			})
			var buf bytes.Buffer
			switch f {
			case output.JSON:
				err = output.WriteJSON(&buf, rep)
			case formatGitHub:
				err = rep.WriteGitHub(&buf)
			case formatJUnit:
				err = rep.WriteJUnit(&buf)
			case formatSARIF:
				err = rep.WriteSARIF(&buf)
			default:
				err = rep.WriteText(&buf)
			}
			if err != nil {
				return err
			}
			if dest := c.String("output"); dest != "" {
				// A file does not pass through the redacting writers: the
				// same redaction, applied here.
				if err := os.WriteFile(dest, []byte(dburl.RedactText(buf.String())), 0o644); err != nil {
					return err
				}
				output.Talk{W: c.App.ErrWriter}.Infof("wrote %s (%s): CI gate %s", dest, f, rep.Status)
			} else if _, err := c.App.Writer.Write(buf.Bytes()); err != nil {
				return err
			}
			return rep.Err()
		},
	}
}
