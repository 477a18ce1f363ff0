package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/gate"
	"github.com/dbguard/dbguard/internal/guarded"
	"github.com/dbguard/dbguard/internal/hooks"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/services"
)

// A monorepo's services (internal/services): inside a service's folder a
// command acts on that service; from the root --service NAME selects one;
// env, doctor, ci and the hook at the root judge every service.

var flagService = &cli.StringFlag{Name: "service", Usage: "act on the monorepo service `NAME` (its name, or its folder)", DefaultText: "the service whose folder you are in, else the project root"}

// unitKey is where loadUnit keeps the unit a command acts on.
const unitKey = "dbguard.unit"

// loadUnit finds the unit the command acts on: --service's, else the
// service whose folder the command runs in, else the project root.
func loadUnit(c *cli.Context) (*services.Unit, error) {
	if u, ok := c.App.Metadata[unitKey].(*services.Unit); ok {
		return u, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	file, name := unitFlags(c)
	find := services.Find
	if c.Command.Name == "pre-commit" && name == "" {
		find = services.FindLazy // the hook's fast path walks no tree
	}
	u, err := find(wd, file)
	if err != nil {
		return nil, err
	}
	if name != "" {
		s, err := u.Project.Named(name, wd)
		if err != nil {
			return nil, usageError{err}
		}
		u = &services.Unit{Project: u.Project, Service: s}
	}
	if c.App.Metadata == nil {
		c.App.Metadata = map[string]any{}
	}
	c.App.Metadata[unitKey] = u
	return u, nil
}

// unitFlags reads --config and --service. Either may come before the
// command or after it; urfave/cli reads only the innermost definition of
// a flag, so look at each level.
func unitFlags(c *cli.Context) (file, name string) {
	for _, ctx := range c.Lineage() {
		if file == "" && ctx.IsSet("config") {
			file = ctx.String("config")
		}
		if name == "" && ctx.IsSet("service") {
			name = ctx.String("service")
		}
	}
	return file, name
}

// everyUnit is the project's units when the command runs at the root of a
// project with services and no --service: each is judged on its own.
func everyUnit(c *cli.Context) ([]*services.Unit, error) {
	u, err := loadUnit(c)
	if err != nil {
		return nil, err
	}
	if u.Service != nil || len(u.Project.Services) == 0 {
		return nil, nil
	}
	return u.Project.Units(), nil
}

// envAllServices is dbguard env at the root of a monorepo.
func envAllServices(c *cli.Context, f output.Format) (bool, error) {
	units, err := everyUnit(c)
	if err != nil || units == nil {
		return false, err
	}
	return true, services.Show(c.Context, units[0].Project, services.ShowOptions{Mode: c.String("mode"), Environ: os.Environ(),
		Strict: c.Bool("strict"), Format: f, Stdout: c.App.Writer, Stderr: c.App.ErrWriter})
}

// ciAllServices is dbguard ci at the root of a monorepo: each unit's
// checks, one report; the credential scan once, for the whole repository.
func ciAllServices(c *cli.Context, ro gate.ReportOptions) (bool, error) {
	units, err := everyUnit(c)
	if err != nil || units == nil {
		return false, err
	}
	var runs []gate.Options
	for i, u := range units {
		c.App.Metadata[unitKey] = u
		o, _, err := ciOptions(c)
		if err != nil {
			return true, err
		}
		o.Service, o.NoCredentials, o.Outside = u.Name(), i > 0, i == 0
		runs = append(runs, o)
	}
	for _, u := range units[1:] {
		runs[0].Services = append(runs[0].Services, u.Name())
	}
	c.App.Metadata[unitKey] = units[0]
	err = gate.EnforceAll(c.Context, runs, units[0].Project.Root, ro)
	var ge *gate.GateError
	if errors.As(err, &ge) {
		for _, name := range ge.Checks {
			if service, _, ok := strings.Cut(name, "/"); ok {
				return true, &serviceGateError{GateError: ge, service: service}
			}
		}
	}
	return true, err
}

// serviceGateError is a failed gate at a monorepo's root: its hint names
// the commands for the first service that failed.
type serviceGateError struct {
	*gate.GateError
	service string
}

func (e *serviceGateError) Unwrap() error { return e.GateError }

// Hint runs the failing service's checks on their own.
func (e *serviceGateError) Hint() string {
	s := " --service " + e.service
	return "run the failing checks locally for details: dbguard env" + s + ", dbguard migrate status" + s + ", dbguard verify" + s
}

// hookScopes are the units the hook judges at the root of a monorepo,
// nil for a project of one; the services are found in the hook's listing
// of the work tree (nil: on the disk).
func hookScopes(c *cli.Context, l *envcheck.Listing) ([]hooks.Scope, error) {
	u, err := loadUnit(c)
	if err != nil {
		return nil, err
	}
	return unitScopes(u, l)
}

// hookIndexLoad loads the unit as loadUnit does, from top: a copy of the
// index's configuration files standing for the repository at repo, where
// the hook runs (hooks.Options.Load). A --config file inside the
// repository is read from the copy when the copy holds it (a dbguard.yaml).
func hookIndexLoad(c *cli.Context, repo, top string) (*config.Config, func(*envcheck.Listing) ([]hooks.Scope, error), error) {
	file, name := unitFlags(c)
	if file != "" {
		abs := file
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(repo, abs)
		}
		// The copy holds the index's dbguard.yaml files; a --config of
		// another name is read where it is.
		if rel, err := filepath.Rel(repo, abs); err == nil && filepath.IsLocal(rel) {
			if _, err := os.Lstat(filepath.Join(top, rel)); err == nil {
				file = filepath.Join(top, rel)
			}
		}
	}
	u, err := services.FindLazy(top, file)
	if err != nil {
		return nil, nil, err
	}
	if name != "" {
		s, err := u.Project.Named(name, top)
		if err != nil {
			return nil, nil, usageError{err}
		}
		u = &services.Unit{Project: u.Project, Service: s}
	}
	return u.Config(), func(l *envcheck.Listing) ([]hooks.Scope, error) { return unitScopes(u, l) }, nil
}

// unitScopes completes u's project (l: the hook's listing, nil to walk
// the disk) and gives each of its units' env options, when the hook runs
// at the root of a project with services; none otherwise.
func unitScopes(u *services.Unit, l *envcheck.Listing) ([]hooks.Scope, error) {
	if err := u.Project.CompleteListed(l); err != nil {
		return nil, err
	}
	if u.Service != nil || len(u.Project.Services) == 0 {
		return nil, nil
	}
	var out []hooks.Scope
	for _, u := range u.Project.Units() {
		label := ""
		if u.Service != nil {
			label = u.Label()
		}
		out = append(out, hooks.Scope{Label: label, Options: func(mode string) envcheck.Options { return u.EnvOptions(mode, nil) }})
	}
	return out, nil
}

// upAllServices is migrate up --all-services: every service in dependency
// order, each with its own guard, lock and ledger, stopping at the first
// that fails.
func upAllServices(c *cli.Context) error {
	u, err := loadUnit(c)
	if err != nil {
		return err
	}
	if u.Service != nil {
		return usageError{fmt.Errorf("--all-services runs every service from the project root; here it would run %s only: drop --all-services (or --service)", u.Label())}
	}
	if c.NArg() > 0 {
		return usageError{errors.New("--all-services applies every pending migration of each service: drop the count")}
	}
	if c.IsSet("dir") {
		return usageError{errors.New("--all-services runs each service's own migrations folder: drop --dir")}
	}
	ordered, err := u.Project.Ordered()
	if err != nil {
		return err
	}
	if len(ordered) == 0 {
		return usageError{&services.UnknownError{Name: "(--all-services)"}}
	}
	talk := output.Talk{W: c.App.ErrWriter}
	for i, s := range ordered {
		unit := &services.Unit{Project: u.Project, Service: s}
		c.App.Metadata[unitKey] = unit
		talk.Infof("%s: migrate up (%d of %d)", unit.Label(), i+1, len(ordered))
		o, err := migrateOptions(c)
		if err == nil {
			err = guarded.Up(c.Context, o, 0)
		}
		if err != nil {
			var rest []string
			for _, r := range ordered[i+1:] {
				rest = append(rest, r.Name)
			}
			return &serviceError{Service: s.Name, Path: s.Path, Rest: rest, Err: err}
		}
	}
	return nil
}

// serviceError is a failure of one service in --all-services: it names
// the service, the ones not run after it, and the next step for that
// service as it runs from the root.
type serviceError struct {
	Service, Path string
	Rest          []string
	Err           error
}

func (e *serviceError) Error() string {
	msg := fmt.Sprintf("service %s: %v", output.Escape(e.Service), e.Err)
	if len(e.Rest) > 0 {
		msg += fmt.Sprintf(" (stopped: %s not migrated)", strings.Join(e.Rest, ", "))
	}
	return msg
}

func (e *serviceError) Unwrap() error { return e.Err }

// Hint is the service's own next step, run in its folder.
func (e *serviceError) Hint() string {
	var h interface{ Hint() string }
	if errors.As(e.Err, &h) {
		return fmt.Sprintf("in %s/: %s", output.Escape(e.Path), h.Hint())
	}
	return fmt.Sprintf("cd %s && dbguard migrate status", output.Escape(output.ShellPath(e.Path)))
}

func servicesCommand() *cli.Command {
	return &cli.Command{
		Name:  "services",
		Usage: "list the monorepo's services: folders with their own dbguard.yaml, or listed under services:",
		Description: `A service is a folder below the project root with its own dbguard.yaml, or
one listed under services: in the root's dbguard.yaml. Each is judged on its
own: exactly one database within it. Printed in dependency order (each after
those it depends_on). --format json is a GitHub Actions matrix:
{"include":[{"service":"web","path":"apps/web"},...]}, for one CI job per
service (dbguard ci --service NAME).

Examples:
   dbguard services
   dbguard services --format json
   dbguard ci --service web`,
		Flags: []cli.Flag{flagConfig, flagFormat},
		Action: formatted(func(c *cli.Context, f output.Format) error {
			u, err := loadUnit(c)
			if err != nil {
				return err
			}
			ordered, err := u.Project.Ordered()
			if err != nil {
				return err
			}
			return writeServices(c, ordered, f)
		}),
	}
}

// matrixEntry is one service as a GitHub Actions matrix entry.
type matrixEntry struct {
	Service   string   `json:"service"`
	Path      string   `json:"path"`
	DependsOn []string `json:"depends_on,omitempty"`
}

func writeServices(c *cli.Context, ordered []*services.Service, f output.Format) error {
	if f == output.JSON {
		m := struct {
			Include []matrixEntry `json:"include"`
		}{Include: []matrixEntry{}}
		for _, s := range ordered {
			m.Include = append(m.Include, matrixEntry{Service: s.Name, Path: s.Path, DependsOn: s.DependsOn})
		}
		// One line: GitHub's fromJSON reads it from $GITHUB_OUTPUT.
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(c.App.Writer, "%s\n", output.NoCommandsJSON(b))
		return err
	}
	if len(ordered) == 0 {
		output.Talk{W: c.App.ErrWriter}.Infof("no services: a service is a folder below the project root with its own dbguard.yaml, or one listed under services: there")
		return nil
	}
	for _, s := range ordered {
		line := fmt.Sprintf("%s\t%s/", output.Escape(s.Name), output.Escape(s.Path))
		if len(s.DependsOn) > 0 {
			line += "\tafter " + strings.Join(s.DependsOn, ", ")
		}
		fmt.Fprintln(c.App.Writer, line)
	}
	return nil
}

// doctorAllServices is dbguard doctor at the root of a monorepo: each
// unit's diagnosis under its name; the exit code is the worst one's.
func doctorAllServices(c *cli.Context) (bool, error) {
	units, err := everyUnit(c)
	if err != nil || units == nil {
		return false, err
	}
	worst := 0
	for i, u := range units {
		c.App.Metadata[unitKey] = u
		if i > 0 {
			fmt.Fprintln(c.App.Writer)
		}
		fmt.Fprintf(c.App.Writer, "== %s\n", u.Label())
		if u.Service == nil && services.Judge(c.Context, []*services.Unit{u}, c.String("mode"), os.Environ(), false)[0].Empty {
			fmt.Fprintln(c.App.Writer, "no database outside the services (each service is diagnosed on its own)")
			continue
		}
		code, err := diagnose(c)
		if err != nil {
			return true, fmt.Errorf("%s: %w", u.Label(), err)
		}
		worst = max(worst, code)
	}
	c.App.Metadata[unitKey] = units[0]
	return true, exitWith(worst, nil)
}

// needService refuses, at the root of a monorepo whose root names no
// database of its own, a command that acts on one database: it would only
// say DATABASE_URL is not set, where the user meant a service.
func needService(c *cli.Context) error {
	u, err := loadUnit(c)
	if err != nil || u.Service != nil || len(u.Project.Services) == 0 {
		return nil
	}
	j := services.Judge(c.Context, []*services.Unit{u}, c.String("mode"), os.Environ(), false)[0]
	if !j.Empty {
		return nil
	}
	var names []string
	for _, s := range u.Project.Services {
		names = append(names, s.Name)
	}
	first := u.Project.Services[0]
	hint := fmt.Sprintf("name the service: %s --service %s (or run it in %s/)", commandPath(c), first.Name, output.Escape(first.Path))
	if c.Command.Name == "up" {
		hint += "; every service in dependency order: dbguard migrate up --all-services"
	}
	return usageError{&exitcode.Advice{Code: exitcode.Usage,
		Msg:  fmt.Sprintf("no database is named outside the services of this monorepo (%s), and %s acts on one database", strings.Join(names, ", "), commandPath(c)),
		Next: hint}}
}

// serviceHints makes the hints of a command run with --service say so:
// a hint names the next dbguard command as it runs inside the service's
// folder, and from the root it needs --service too.
func serviceHints(cmds []*cli.Command) {
	for _, cmd := range cmds {
		serviceHints(cmd.Subcommands)
		action := cmd.Action
		if action == nil || !hasFlag(cmd, "service") {
			continue
		}
		cmd.Action = func(c *cli.Context) error {
			err := action(c)
			u, ok := c.App.Metadata[unitKey].(*services.Unit)
			var h interface{ Hint() string }
			if err == nil || !ok || u.Service == nil || !c.IsSet("service") || !errors.As(err, &h) || !strings.Contains(h.Hint(), "dbguard ") {
				return err
			}
			return &serviceHint{err: err, unit: u}
		}
	}
}

// serviceHint is an error of a command run with --service.
type serviceHint struct {
	err  error
	unit *services.Unit
}

func (e *serviceHint) Error() string { return e.err.Error() }
func (e *serviceHint) Unwrap() error { return e.err }

// Hint is the command's hint, and how its commands reach the service.
func (e *serviceHint) Hint() string {
	var h interface{ Hint() string }
	errors.As(e.err, &h)
	return fmt.Sprintf("%s (for %s: add --service %s to those commands, or run them in %s/)", h.Hint(), e.unit.Label(), e.unit.Service.Name, output.Escape(e.unit.Service.Path))
}
