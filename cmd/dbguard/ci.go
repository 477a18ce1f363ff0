package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/gate"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pullrequest"
	"github.com/dbguard/dbguard/internal/safefile"
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
one test case per check); sarif (SARIF 2.1.0 for code scanning). With
--output the report goes to the file and stdout still gets the log: github
annotations on GitHub Actions, else text. Files are named from the
repository root.

Examples:
   dbguard ci --wait 60s
   dbguard ci --offline
   dbguard ci --strict    # warnings fail too, a plan that could not run among them
   dbguard ci --format junit --output dbguard-junit.xml
   dbguard ci --format sarif --output dbguard.sarif
   dbguard ci --base origin/main    # a pull request: url_var, env.prefer, poolers, ... from main

On a pull request (--base, or detected: GitHub Actions pull_request events,
GitLab merge requests) the settings of dbguard.yaml that decide which
database is judged and what can fail come from the base revision's
dbguard.yaml; a change to one is a warning at its line (docs/ci.md).`,
		Flags: withFlags(guardFlags, connectFlags, []cli.Flag{
			flagCIFormat,
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the report to `FILE`; stdout still gets the log (annotations on GitHub Actions)"},
			&cli.BoolFlag{Name: "offline", Usage: "only the checks that need no database"},
			&cli.BoolFlag{Name: "allow-pending", Usage: "pending migrations do not fail the gate"},
			&cli.BoolFlag{Name: "shadow", Usage: "also compare with a shadow database built from the migrations"},
			flagReadModels,
			&cli.StringFlag{Name: "base", Usage: "judge a pull request against the base revision `REV` (origin/main): dbguard.yaml's trust-bearing settings come from it", DefaultText: "detected on GitHub Actions and GitLab merge requests"},
		}),
		Action: func(c *cli.Context) error {
			o, ro, err := ciOptions(c)
			if err != nil {
				return err
			}
			if all, err := ciAllServices(c, ro); all || err != nil {
				return err
			}
			return gate.Enforce(c.Context, o, ro)
		},
	}
}

// ciOptions reads the flags of dbguard ci.
func ciOptions(c *cli.Context) (gate.Options, gate.ReportOptions, error) {
	log := "text"
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		log = "github"
	}
	name := c.String("format")
	if !c.IsSet("format") {
		name = log
	}
	f, err := parseFormat(name, gate.Formats...)
	if err != nil {
		return gate.Options{}, gate.ReportOptions{}, err
	}
	cfg, err := loadConfig(c)
	if err != nil {
		return gate.Options{}, gate.ReportOptions{}, err
	}
	repo, err := os.Getwd()
	if err != nil {
		return gate.Options{}, gate.ReportOptions{}, err
	}
	// Before anything reads cfg: on a pull request its trust-bearing
	// settings are the base branch's.
	pr, trust, base, err := judgePullRequest(c, cfg, repo)
	if err != nil {
		return gate.Options{}, gate.ReportOptions{}, err
	}
	g, err := guardOptions(c, cfg)
	if err != nil {
		return gate.Options{}, gate.ReportOptions{}, err
	}
	service := ""
	if u, err := loadUnit(c); err == nil {
		service = u.Name() // every finding names the service
	}
	return gate.Options{
			Config:       cfg,
			Guard:        g,
			Connect:      connectOptions(c, cfg),
			Repo:         repo,
			Offline:      c.Bool("offline"),
			AllowPending: c.Bool("allow-pending"),
			Shadow:       c.Bool("shadow"),
			ReadModels:   c.Bool("read-models"),
			Strict:       c.Bool("strict"),
			Version:      version,
			Service:      service,
			PullRequest:  pr,
			Trust:        trust,
			Base:         base,
		},
		gate.ReportOptions{Format: f, File: c.String("output"), Log: output.Format(log), Stdout: c.App.Writer, Stderr: c.App.ErrWriter},
		nil
}

// trustKey is where judgePullRequest keeps what it found for each
// configuration: ciOptions runs more than once for one (the root of a
// monorepo), and the second time the configuration already holds the
// base's values.
const trustKey = "dbguard.trust"

type trusted struct {
	source  string
	changes []config.TrustChange
	base    *pullrequest.Base
}

// judgePullRequest takes cfg's trust-bearing settings from the base
// revision when ci judges a pull request (--base, else the CI system's
// variables): the source that says so, and the settings the pull request
// changes. A push build ("", nil) runs the branch's own configuration.
func judgePullRequest(c *cli.Context, cfg *config.Config, repo string) (string, []config.TrustChange, *pullrequest.Base, error) {
	if c.App.Metadata == nil {
		c.App.Metadata = map[string]any{}
	}
	done, _ := c.App.Metadata[trustKey].(map[*config.Config]trusted)
	if t, ok := done[cfg]; ok {
		return t.source, t.changes, t.base, nil
	}
	base := pullrequest.Detect(c.String("base"), os.Getenv)
	if base == nil {
		return "", nil, nil, nil
	}
	if file, name := unitFlags(c); file == "" && name == "" && safefile.Within(cfg.Root, repo) {
		// ci found cfg from the folder it runs in (config.Find): the
		// base's is what the same walk finds in the base's tree. A
		// service's below it, or a file the user named, is read at its
		// own path.
		base.From = repo
	}
	changes, err := base.Judge(c.Context, repo, cfg)
	if err != nil {
		return "", nil, nil, err
	}
	if u, err := loadUnit(c); err == nil && u.Service == nil && u.Config() == cfg {
		// The root: a service the base has and the pull request drops
		// leaves the gate; said as the root's warning.
		var now []string
		for _, s := range u.Project.Services {
			now = append(now, s.Path)
		}
		gone, err := base.RemovedServices(c.Context, repo, cfg, now)
		if err != nil {
			return "", nil, nil, err
		}
		changes = append(changes, gone...)
	}
	if done == nil {
		done = map[*config.Config]trusted{}
		c.App.Metadata[trustKey] = done
	}
	done[cfg] = trusted{base.Source, changes, base}
	return base.Source, changes, base, nil
}
