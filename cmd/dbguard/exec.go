package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
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
			t, cfg, err := guardTarget(c)
			if err != nil {
				return err
			}
			path, err := exec.LookPath(args[0])
			if err != nil {
				return usageError{fmt.Errorf("cannot run %s: %w", args[0], err)}
			}
			vars := cfg.URLVars()
			env := []string{}
			for _, kv := range os.Environ() {
				k, _, _ := strings.Cut(kv, "=")
				if !contains(vars, k) {
					env = append(env, kv)
				}
			}
			for _, v := range vars {
				env = append(env, v+"="+t.URL.String())
			}
			cmd := exec.Command(path, args[1:]...)
			cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, c.App.Reader, c.App.Writer, c.App.ErrWriter
			// The terminal sends Ctrl-C to the child itself; a SIGTERM or
			// SIGHUP sent to dbguard alone is passed on.
			sigs := make(chan os.Signal, 2)
			signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP)
			defer signal.Stop(sigs)
			if err := cmd.Start(); err != nil {
				return usageError{fmt.Errorf("cannot run %s: %w", args[0], err)}
			}
			done := make(chan struct{})
			go func() {
				for {
					select {
					case s := <-sigs:
						_ = cmd.Process.Signal(s)
					case <-done:
						return
					}
				}
			}()
			err = cmd.Wait()
			close(done)
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code := ee.ExitCode()
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					code = 128 + int(ws.Signal())
				}
				return exitStatus(code)
			}
			return err
		},
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
