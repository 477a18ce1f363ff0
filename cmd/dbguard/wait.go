package main

import (
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/guarded"
	"github.com/dbguard/dbguard/internal/output"
)

func waitCommand() *cli.Command {
	return &cli.Command{
		Name:  "wait",
		Usage: "wait until the guarded database accepts connections (exit 3 if it never does)",
		Description: `Examples:
   dbguard wait                      retry with backoff for up to 30s
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
			o, err := guardedOptions(c)
			if err != nil {
				return err
			}
			if c.IsSet("timeout") && !c.IsSet("wait") {
				output.Talk{W: c.App.ErrWriter}.Warnf("--timeout is deprecated; use --wait")
				o.Connect.Wait = c.Duration("timeout")
			}
			return guarded.Wait(c.Context, o)
		},
	}
}
