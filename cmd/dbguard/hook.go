package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/hooks"
	"github.com/dbguard/dbguard/internal/output"
)

func hookCommand() *cli.Command {
	return withExamples(group("hook", "the git pre-commit hook: run it, install it, remove it",
		hookPreCommitCommand(), withExamples(hookInstallCommand(), "dbguard hook install"), withExamples(hookUninstallCommand(), "dbguard hook uninstall")),
		"dbguard hook install", "dbguard hook pre-commit", "dbguard hook uninstall")
}

func hookPreCommitCommand() *cli.Command {
	return &cli.Command{
		Name:      "pre-commit",
		Usage:     "check what is staged: env files naming different databases, real database passwords",
		ArgsUsage: "[FILE...]",
		Description: `Reads the index through git (GIT_INDEX_FILE is honoured, so commit -a and
commit <path> are judged by what they commit) and blocks (exit 1) when the
staged env files name more than one database, when an added line carries a
real database password, or when a non-template env file with credentials is
being added. Warns about templates missing keys and about uncommitted env
files in effect locally. Never connects to a database.

Given FILE names (pre-commit passes them, every tracked file under
--all-files; lefthook's {staged_files} or {all_files}), it judges each
named file whole as the index holds it, not only the lines the commit adds:
every line for passwords, a tracked env file with credentials, and the
tracked env files for a conflict. A name the index lacks is not judged.

Skip once: git commit --no-verify, or DBGUARD_SKIP=1 git commit.

Examples:
   dbguard hook pre-commit
   git ls-files -z | xargs -0 dbguard hook pre-commit`,
		Flags: []cli.Flag{flagConfig, &cli.StringFlag{Name: "mode", Usage: "judge the env files of `MODE`", DefaultText: "env.mode, else development"}},
		Action: func(c *cli.Context) error {
			if os.Getenv("DBGUARD_SKIP") == "1" {
				output.Talk{W: c.App.ErrWriter}.Infof("DBGUARD_SKIP=1: pre-commit checks skipped (the CI gate still runs them)")
				return nil
			}
			files, err := hookFromTop(c)
			if err != nil {
				return err
			}
			// A configuration that does not load from the disk is no
			// verdict yet: the commit holds the index's (hooks.Options).
			cfg, cfgErr := loadConfig(c)
			repo, err := os.Getwd()
			if err != nil {
				return err
			}
			scopes := func(l *envcheck.Listing) ([]hooks.Scope, error) { return hookScopes(c, l) }
			load := func(top string) (*config.Config, func(*envcheck.Listing) ([]hooks.Scope, error), error) {
				return hookIndexLoad(c, repo, top)
			}
			return hooks.Check(c.Context, hooks.Options{Repo: repo, Config: cfg, ConfigErr: cfgErr, Mode: c.String("mode"), Files: files, Scopes: scopes, Load: load}, c.App.ErrWriter)
		},
	}
}

func hookInstallCommand() *cli.Command {
	return &cli.Command{
		Name:  "install",
		Usage: "install the pre-commit hook where git runs hooks (core.hooksPath honoured); an existing hook keeps running",
		Description: `Writes hooks/pre-commit where git runs hooks. When husky or lefthook owns
the hooks it writes nothing: if .husky/pre-commit or a lefthook config file
(lefthook.yml, .lefthook.yml, lefthook.yaml, .lefthook.yaml, .config/,
-local, .json and .toml variants) already runs dbguard hook pre-commit, the
hook is installed; otherwise it says what line to add (exit 2).`,
		Action: func(c *cli.Context) error {
			repo, err := os.Getwd()
			if err != nil {
				return err
			}
			in, err := hooks.Install(c.Context, repo)
			if err != nil {
				return err
			}
			talk := output.Talk{W: c.App.ErrWriter}
			switch {
			case in.Manager != "":
				talk.Infof("installed: %s runs dbguard hook pre-commit (%s); nothing to write", in.Manager, output.FilePath(in.Path))
			default:
				talk.Infof("installed %s", output.FilePath(in.Path))
			}
			if in.Chained {
				talk.Infof("the hook that was there now runs first, from %s.dbguard-chained", output.FilePath(in.Path))
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
			path, removed, restored, err := hooks.Uninstall(c.Context, repo)
			if err != nil {
				return err
			}
			if !removed {
				output.Talk{W: c.App.ErrWriter}.Infof("no pre-commit hook at %s: nothing to remove", output.FilePath(path))
				return nil
			}
			msg := fmt.Sprintf("removed %s", output.FilePath(path))
			if restored {
				msg += ", and put back the hook it had chained"
			}
			output.Talk{W: c.App.ErrWriter}.Infof("%s", msg)
			return nil
		},
	}
}

// hookFromTop moves to the top of the work tree, where git runs hooks, when
// the hook was started below it (a hook manager's subfolder: lefthook's
// root:), and returns the named files relative to the top. Run from a
// subfolder, the hook took it for the top: git's answers, whose paths are
// the top's, were read against it, and a staged dbguard.yaml at the top
// that differed from the disk's went unseen, so an unstaged hook.allow
// exempted a staged password. A --config relative to the folder started
// in keeps naming the same file.
func hookFromTop(c *cli.Context) ([]string, error) {
	files := c.Args().Slice()
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	top := hooks.WorkTreeTop(wd)
	if top == wd {
		return files, nil
	}
	prefix, err := filepath.Rel(top, wd)
	if err != nil {
		return files, nil
	}
	for i, f := range files {
		if !filepath.IsAbs(f) {
			files[i] = filepath.ToSlash(filepath.Join(prefix, f))
		}
	}
	if p := c.String("config"); p != "" && !filepath.IsAbs(p) {
		if err := c.Set("config", filepath.Join(wd, p)); err != nil {
			return nil, err
		}
	}
	if err := os.Chdir(top); err != nil {
		return nil, err
	}
	// The unit is found again from the top, as when git runs the hook.
	delete(c.App.Metadata, unitKey)
	return files, nil
}
