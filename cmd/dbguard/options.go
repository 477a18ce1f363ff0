package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/guard"
	"github.com/dbguard/dbguard/internal/guarded"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/services"
	"github.com/dbguard/dbguard/internal/tool"
)

// Each command reads its flags once, here, into the options of the one
// function it calls; nothing below an action sees a *cli.Context.

// loadConfig finds the configuration from the working directory: that of
// the unit the command acts on (loadUnit).
func loadConfig(c *cli.Context) (*config.Config, error) {
	u, err := loadUnit(c)
	if err != nil {
		return nil, err
	}
	return u.Config(), nil
}

// format reads --format, allowing only what the command supports.
func format(c *cli.Context, supported ...output.Format) (output.Format, error) {
	return parseFormat(c.String("format"), supported...)
}

func parseFormat(name string, supported ...output.Format) (output.Format, error) {
	f, err := output.ParseFormat(strings.ToLower(name), supported...)
	if err != nil {
		return "", usageError{err}
	}
	return f, nil
}

// envOptions reads --mode: which env files to judge.
func envOptions(c *cli.Context, cfg *config.Config) envcheck.Options {
	if u, ok := c.App.Metadata[unitKey].(*services.Unit); ok && u.Config() == cfg {
		return u.EnvOptions(c.String("mode"), os.Environ())
	}
	return envcheck.OptionsFor(cfg, c.String("mode"), os.Environ())
}

// guardOptions reads guardFlags and --allow-pooler.
func guardOptions(c *cli.Context, cfg *config.Config) (guard.Options, error) {
	prefer := cfg.Env.Prefer
	if c.IsSet("prefer") {
		prefer = c.String("prefer")
		if !slices.Contains(config.Prefers, prefer) {
			return guard.Options{}, usageError{fmt.Errorf("--prefer %q: use %s", prefer, strings.Join(config.Prefers, ", "))}
		}
	}
	return guard.Options{Env: envOptions(c, cfg), Strict: c.Bool("strict"), AllowPooler: c.Bool("allow-pooler"), Prefer: prefer}, nil
}

// connectOptions reads retryFlags: how to connect, wherever to.
func connectOptions(c *cli.Context, cfg *config.Config) pg.ConnectOptions {
	// The URL's and dbguard.yaml's timeouts are the repository's word:
	// capped, unless the user's --connect-timeout says otherwise.
	ct, limit := cfg.Migrations.ConnectTimeout.D(), pg.RepositoryConnectTimeout
	if c.IsSet("connect-timeout") {
		ct, limit = c.Duration("connect-timeout"), 0
	}
	return pg.ConnectOptions{ConnectTimeout: ct, MaxConnectTimeout: limit, Wait: c.Duration("wait"), Log: c.App.ErrWriter, Root: cfg.Root}
}

// guardedOptions reads the flags of a command that connects to the
// guarded database.
// configWithArgs checks the command got n arguments (else a usage error
// saying usage), then loads the configuration.
func configWithArgs(c *cli.Context, n int, usage string) (*config.Config, error) {
	if c.NArg() != n {
		return nil, usageError{errors.New(usage)}
	}
	return loadConfig(c)
}

func guardedOptions(c *cli.Context) (guarded.Options, error) {
	cfg, err := loadConfig(c)
	if err != nil {
		return guarded.Options{}, err
	}
	if err := needService(c); err != nil {
		return guarded.Options{}, err
	}
	g, err := guardOptions(c, cfg)
	if err != nil {
		return guarded.Options{}, err
	}
	return guarded.Options{Config: cfg, Guard: g, Connect: connectOptions(c, cfg), ReadModels: c.Bool("read-models"), Stdout: c.App.Writer, Stderr: c.App.ErrWriter}, nil
}

// migrateOptions reads runnerFlags and those of down and up.
func migrateOptions(c *cli.Context) (guarded.MigrateOptions, error) {
	o, err := guardedOptions(c)
	if err != nil {
		return guarded.MigrateOptions{}, err
	}
	lt := o.Config.Migrations.LockTimeout.D()
	if c.IsSet("lock-timeout") {
		lt = c.Duration("lock-timeout")
	}
	// The project's search has just resolved the tool (loadUnit).
	proj, err := tool.Recall(o.Config)
	if err != nil {
		return guarded.MigrateOptions{}, err
	}
	// --dir is golang-migrate's folder; another tool reads its own, so a
	// --dir it would silently ignore is refused.
	if c.IsSet("dir") && proj.Kind != tool.GolangMigrate {
		where := "its own configuration"
		if proj.Dir != "" {
			where = output.RelPath(proj.Dir)
		}
		return guarded.MigrateOptions{}, usageError{fmt.Errorf("--dir names golang-migrate's migrations folder, but the migrations here run with %s, which reads %s; drop --dir (or set migrations.tool in dbguard.yaml)", proj.Kind, where)}
	}
	dir, err := migrationsDir(c, o.Config)
	if err != nil {
		return guarded.MigrateOptions{}, err
	}
	return guarded.MigrateOptions{Options: o, Dir: dir, LockTimeout: lt,
		NoVerify: c.Bool("no-verify"), Yes: c.Bool("yes"), Stdin: c.App.Reader, Terminal: isTerminal(c.App.Reader),
		AllowOutOfOrder: c.Bool("allow-out-of-order"), Version: c.App.Version, Tool: proj, Plan: c.Bool("plan")}, nil
}

// isTerminal reports whether v is a terminal a person types on. /dev/null
// is a character device but no terminal: down --all </dev/null asked, read
// nothing and exited 1 instead of refusing with exit 2.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// migrationsDir is --dir, else the configured folder, as typed from the
// working directory (output.FromHere: "../migrations" from a folder beside
// it, not this machine's absolute path), since messages name files by it.
// A --dir inside the project that a link takes out of it is refused.
func migrationsDir(c *cli.Context, cfg *config.Config) (string, error) {
	if d := c.String("dir"); d != "" {
		return d, cfg.CheckDirFlag(d)
	}
	return output.FromHere(cfg.MigrationsDir()), cfg.CheckLinks()
}

// colour is whether talk to a person may be coloured: on a terminal,
// without NO_COLOR.
func colour(c *cli.Context) bool {
	tty, _ := c.App.Metadata["tty"].(bool)
	return tty && os.Getenv("NO_COLOR") == ""
}
