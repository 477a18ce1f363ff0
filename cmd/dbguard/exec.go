package main

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/guarded"
	"github.com/dbguard/dbguard/internal/pg"
)

func execCommand() *cli.Command {
	return &cli.Command{
		Name:      "exec",
		Usage:     "run another migration tool behind the guard, with the direct URL in its environment",
		ArgsUsage: "[--] COMMAND [ARGS...]",
		Description: `Runs the guard (one database in effect, pooled URL rewritten to direct),
then COMMAND with DATABASE_URL and the direct-URL variables set to the
guarded URL in its environment only, never on its command line. Exits with
COMMAND's exit code. Its output passes through dbguard's password redaction.

Examples:
   dbguard exec -- alembic upgrade head
   dbguard exec -- npx prisma migrate deploy
   dbguard exec -- dbmate up`,
		Flags: withFlags(guardFlags, []cli.Flag{flagAllowPooler}),
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) > 0 && args[0] == "--" {
				args = args[1:]
			}
			if len(args) == 0 {
				return usageError{errors.New("exec needs a command to run, e.g. dbguard exec -- alembic upgrade head")}
			}
			cfg, err := loadConfig(c)
			if err != nil {
				return err
			}
			g, err := guardOptions(c, cfg)
			if err != nil {
				return err
			}
			return exitWith(guarded.Exec(c.Context, guarded.ExecOptions{Config: cfg, Guard: g, Args: args,
				Connect: pg.ConnectOptions{ConnectTimeout: cfg.Migrations.ConnectTimeout.D(), MaxConnectTimeout: pg.RepositoryConnectTimeout, Log: c.App.ErrWriter, Root: cfg.Root},
				Stdin:   c.App.Reader, Stdout: c.App.Writer, Stderr: c.App.ErrWriter, StdoutTerminal: stdoutTerminal(c)}))
		},
	}
}

// stdoutTerminal reports whether dbguard's own stdout is a terminal (run
// knows it; the app's writer is a redactor).
func stdoutTerminal(c *cli.Context) bool {
	tty, _ := c.App.Metadata["tty"].(bool)
	return tty
}
