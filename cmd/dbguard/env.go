package main

import (
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
		Flags: withFlags([]cli.Flag{flagFormat}, judgeFlags),
		// A large tree: the heap in huge pages before the services' walk
		// (which runs before the action, learnFirst) allocates its listings
		// in 4 KiB pages. The action's Found is the same for a tree read
		// another way.
		Before: func(*cli.Context) error {
			envcheck.OnManyEnvFiles(hugeHeapFiles, hugePageHeap)
			return nil
		},
		After: func(*cli.Context) error {
			envcheck.OnManyEnvFiles(0, nil) // a process running more commands (the tests)
			return nil
		},
		Action: formatted(func(c *cli.Context, f output.Format) error {
			if all, err := envAllServices(c, f); all || err != nil {
				return err
			}
			cfg, err := loadConfig(c)
			if err != nil {
				return err
			}
			o := envOptions(c, cfg)
			o.Found = func(n int) {
				if n >= hugeHeapFiles {
					hugePageHeap() // a large tree: fewer page faults
				}
			}
			return envcheck.Show(c.Context, o, envcheck.ShowOptions{Strict: c.Bool("strict"), Format: f, Stdout: c.App.Writer, Stderr: c.App.ErrWriter})
		}),
	}
}
