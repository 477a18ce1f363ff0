package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/hooks"
	"github.com/dbguard/dbguard/internal/output"
)

func hookCommand() *cli.Command {
	return &cli.Command{
		Name:  "hook",
		Usage: "the git pre-commit hook: run it, install it, remove it",
		Subcommands: []*cli.Command{
			hookPreCommitCommand(),
			hookInstallCommand(),
			hookUninstallCommand(),
		},
	}
}

func hookPreCommitCommand() *cli.Command {
	return &cli.Command{
		Name:  "pre-commit",
		Usage: "check what is staged: env files naming different databases, real database passwords",
		Description: `Reads the index through git (GIT_INDEX_FILE is honoured, so commit -a and
commit <path> are judged by what they commit) and blocks (exit 1) when the
staged env files name more than one database, when an added line carries a
real database password, or when a non-template env file with credentials is
being added. Warns about templates missing keys and about uncommitted env
files in effect locally. Never connects to a database.

Skip once: git commit --no-verify, or DBGUARD_SKIP=1 git commit.`,
		Flags: []cli.Flag{flagConfig, &cli.StringFlag{Name: "mode", Usage: "judge the env files of `MODE`", DefaultText: "env.mode, else development"}},
		Action: func(c *cli.Context) error {
			if os.Getenv("DBGUARD_SKIP") == "1" {
				output.Talk{W: c.App.ErrWriter}.Infof("DBGUARD_SKIP=1: pre-commit checks skipped (the CI gate still runs them)")
				return nil
			}
			cfg, err := loadConfig(c)
			if err != nil {
				return err
			}
			repo, err := os.Getwd()
			if err != nil {
				return err
			}
			return hooks.Check(c.Context, hooks.Options{Repo: repo, Config: cfg, Mode: c.String("mode")}, c.App.ErrWriter)
		},
	}
}

func hookInstallCommand() *cli.Command {
	return &cli.Command{
		Name:  "install",
		Usage: "install the pre-commit hook where git runs hooks (core.hooksPath honoured); an existing hook keeps running",
		Action: func(c *cli.Context) error {
			repo, err := os.Getwd()
			if err != nil {
				return err
			}
			path, chained, err := hooks.Install(c.Context, repo)
			if err != nil {
				return err
			}
			talk := output.Talk{W: c.App.ErrWriter}
			talk.Infof("installed %s", path)
			if chained {
				talk.Infof("the hook that was there now runs first, from %s.dbguard-chained", path)
			}
			return nil
		},
	}
}

func hookUninstallCommand() *cli.Command {
	return &cli.Command{
		Name:  "uninstall",
		Usage: "remove the pre-commit hook, restoring a hook it had chained",
		Action: func(c *cli.Context) error {
			repo, err := os.Getwd()
			if err != nil {
				return err
			}
			path, restored, err := hooks.Uninstall(c.Context, repo)
			if err != nil {
				return err
			}
			msg := fmt.Sprintf("removed %s", path)
			if restored {
				msg += ", and put back the hook it had chained"
			}
			output.Talk{W: c.App.ErrWriter}.Infof("%s", msg)
			return nil
		},
	}
}
