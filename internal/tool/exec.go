package tool

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
)

// KindOf is the migration tool a dbguard exec command line runs, "" for
// another command: alembic (or python -m alembic), prisma (also through
// npx, pnpm, yarn, bunx), goose, dbmate.
func KindOf(args []string) Kind {
	if len(args) == 0 {
		return ""
	}
	name := filepath.Base(args[0])
	switch {
	case name == "alembic":
		return Alembic
	case name == "goose":
		return Goose
	case name == "dbmate":
		return Dbmate
	case name == "prisma":
		return Prisma
	case slices.Contains([]string{"npx", "pnpm", "yarn", "bunx", "pnpx", "npm", "bun"}, name):
		// npm exec (and its x) is npx, bun x is bunx: npm's and bun's
		// other commands run no package's binary.
		sub := name != "npm" && name != "bun"
		for _, a := range args[1:] {
			if a == "exec" && name != "bun" || a == "dlx" && name != "npm" && name != "bun" || a == "x" && !sub || strings.HasPrefix(a, "-") {
				sub = sub || !strings.HasPrefix(a, "-")
				continue
			}
			if !sub {
				break
			}
			if a == "prisma" || strings.HasPrefix(a, "prisma@") {
				return Prisma
			}
			if a == "dbmate" || strings.HasPrefix(a, "dbmate@") {
				return Dbmate // npm's dbmate package: npx dbmate up
			}
			break
		}
	case strings.HasPrefix(name, "python"):
		if pythonModule(args) == "alembic" {
			return Alembic
		}
		if inner := innerCommand(args); inner != nil {
			return KindOf(inner) // python -m pdm run alembic
		}
	case slices.Contains(pythonRunners, name):
		// A project's runner: uv run alembic ..., poetry run python -m
		// alembic ...; the command comes after run and the runner's own
		// options (uv run --python 3.12 alembic), and those before run
		// (pdm -v run, poetry -q run, uv --quiet run: innerCommand). Any
		// tool, not only Alembic: uv run --env-file F npx prisma migrate
		// deploy was no tool's to exec, which ran it without Prisma's
		// checks and without the variables it reads (DIRECT_URL).
		if inner := innerCommand(args); inner != nil {
			return KindOf(inner)
		}
	}
	return ""
}

// ToolLine is the migration tool's own command line in a dbguard exec
// command line: the command a Python runner runs (uv run, poetry run,
// python -m pdm run ...), down to the tool (npx prisma ..., goose ...,
// python -m alembic ...); args itself when no runner is in front. The
// tool's flags are read from it (dbmate --url, --schema), and a hint
// puts the runner's words, args[:len(args)-len(line)], back in front.
func ToolLine(args []string) []string {
	for len(args) > 0 {
		name := filepath.Base(args[0])
		if !slices.Contains(pythonRunners, name) && !strings.HasPrefix(name, "python") {
			return args
		}
		inner := innerCommand(args)
		if inner == nil {
			return args
		}
		args = inner
	}
	return args
}

// pythonRunners run a project's command in its Python environment.
var pythonRunners = []string{"uv", "poetry", "pipenv", "pdm", "hatch", "rye"}

// runnerValueFlags are the options of a runner's run that take a value
// as the next word (uv 0.9's uv run, poetry 2's, pdm's, rye's); the
// others are flags alone, and a value written with = is one word.
var runnerValueFlags = []string{
	"--python", "-p", "--with", "--with-editable", "--with-requirements", "--env-file",
	"--package", "--extra", "--no-extra", "--group", "--only-group", "--no-group",
	"--index", "--default-index", "--index-url", "-i", "--extra-index-url", "--find-links", "-f",
	"--directory", "-C", "--project", "-P", "--config-file", "--cache-dir", "--python-platform",
	"--color", "--index-strategy", "--keyring-provider", "--resolution", "--prerelease",
	"--exclude-newer", "--link-mode", "--config-setting", "--no-binary-package", "--no-build-package",
	"--reinstall-package", "--upgrade-package", "--refresh-package", "--allow-insecure-host",
	"--venv", "--pyproject",
}

// runnerCommand is where the command starts in a runner's command line
// (uv run [OPTIONS] COMMAND ...), 0 for none: after run, its options and
// their values, and a "--".
func runnerCommand(args []string) int {
	// The runner's global options before run: uv --quiet run, uv
	// --directory D run, hatch -e ENV run.
	r := 1
	for ; r < len(args) && strings.HasPrefix(args[r], "-") && args[r] != "-" && args[r] != "--"; r++ {
		if !strings.Contains(args[r], "=") && (slices.Contains(runnerValueFlags, args[r]) || args[r] == "-e" || args[r] == "--env") {
			r++ // its value
		}
	}
	if r+1 >= len(args) || args[r] != "run" {
		return 0
	}
	for i := r + 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			if i+1 < len(args) {
				return i + 1
			}
			return 0
		case !strings.HasPrefix(a, "-") || a == "-":
			return i
		case !strings.Contains(a, "=") && slices.Contains(runnerValueFlags, a):
			i++ // its value
		}
	}
	return 0
}

// pythonModule is the module a Python command line runs with -m, as
// CPython reads its options: -m alone or glued (-malembic), after other
// flags in one word (-Im alembic, -Imalembic), after -W and -X with their
// values; "" for a script, -c or none.
func pythonModule(args []string) string {
	m, _ := pythonModuleRest(args)
	return m
}

// pythonModuleRest is pythonModule and the words after the module's
// name: the module's own command line.
func pythonModuleRest(args []string) (string, []string) {
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--check-hash-based-pycs":
			i++ // its value
			continue
		case strings.HasPrefix(a, "--") && a != "--":
			continue // --version, --help: run no module
		case a == "-" || a == "--" || !strings.HasPrefix(a, "-"):
			return "", nil // a script (or stdin): no -m
		}
		for j := 1; j < len(a); j++ {
			switch a[j] {
			case 'm':
				if j+1 < len(a) {
					return a[j+1:], args[i+1:]
				}
				if i+1 < len(args) {
					return args[i+1], args[i+2:]
				}
				return "", nil
			case 'c':
				return "", nil
			case 'W', 'X':
				if j+1 == len(a) {
					i++ // the value is the next word
				}
				j = len(a) // else the rest of this one
			}
		}
	}
	return "", nil
}

// gooseDrivers are the driver names goose takes as its first argument,
// followed by a connection string.
var gooseDrivers = []string{"postgres", "pgx", "redshift", "mysql", "sqlite3", "sqlite", "mssql", "sqlserver", "clickhouse", "vertica", "ydb", "turso", "starrocks"}

// gooseValueFlags are goose's flags that take a value (goose 3.30's
// cmd/goose/main.go); its others are booleans.
var gooseValueFlags = []string{"dir", "table", "env", "timeout", "certfile", "ssl-cert", "ssl-key"}

// CheckArgs refuses a command line that hands the tool its own database
// (dbmate --url, goose postgres DSN, prisma --url): dbguard would set the
// guarded URL and the tool would connect to the one on its command line.
func (p *Project) CheckArgs(args []string) error {
	// The tool's own words, behind a runner (uv run goose postgres DSN
	// up); the hints keep the runner in front.
	line := ToolLine(args)
	head := args[:len(args)-len(line)]
	args = line
	own, at, n := "", 0, 0 // the words args[at:at+n] name the database
	switch p.Kind {
	case Dbmate:
		for i, a := range args[1:] {
			flag, _, hasValue := strings.Cut(a, "=")
			if slices.Contains([]string{"--url", "-u", "--env", "-e"}, flag) {
				own, at, n = flag, i+1, 2
				if hasValue {
					n = 1
				}
				break
			}
		}
	case Goose:
		value := false // the word is the value of the flag before it
		for i, a := range args[1:] {
			if value {
				value = false
				continue
			}
			if strings.HasPrefix(a, "-") {
				// goose's flags (Go's flag package: -dir x, --dir x,
				// -dir=x): the value of one that takes it is no driver,
				// and the driver and DSN come after it (goose -dir
				// migrations postgres DSN up was let through).
				name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
				value = !hasValue && slices.Contains(gooseValueFlags, name)
				continue
			}
			if slices.Contains(gooseDrivers, a) {
				own, at, n = a+" DSN", i+1, 2
			}
			break
		}
	case Prisma:
		for i, a := range args[1:] {
			flag, _, hasValue := strings.Cut(a, "=")
			if flag == "--config" {
				// Another config file names its own datasource url, read
				// from a variable dbguard neither judged nor set.
				rest := append(slices.Clone(head), args[:i+1]...)
				if end := i + 2 + boolInt(!hasValue); end <= len(args) {
					rest = append(rest, args[end:]...)
				}
				for j := range rest {
					rest[j] = output.ShellWord(rest[j])
				}
				return &exitcode.Advice{Code: exitcode.Usage,
					Msg:  "--config on prisma's command line makes Prisma read another config file, whose datasource dbguard did not read: the database it names is not the one guarded",
					Next: "move that config to prisma.config.ts in the folder Prisma runs in (dbguard reads it there) and run: dbguard exec -- " + strings.Join(rest, " ")}
			}
			if strings.HasSuffix(flag, "-url") && strings.HasPrefix(flag, "--") || flag == "--url" {
				own, at, n = flag, i+1, 2
				if hasValue {
					n = 1
				}
				break
			}
		}
	}
	if own == "" {
		if p.Kind == Prisma {
			return p.checkPrismaFetch(head, args)
		}
		return nil
	}
	// The command as typed without those words: it runs as printed, and
	// the URL they held is never shown.
	rest := shellWords(head)
	for i, a := range args {
		if i < at || i >= at+n {
			rest = append(rest, output.ShellWord(a))
		}
	}
	return &exitcode.Advice{Code: exitcode.Usage,
		Msg:  fmt.Sprintf("%s on %s's command line names its own database; exec hands it the guarded one in its environment", own, p.Kind),
		Next: fmt.Sprintf("drop %s (dbguard sets %s) and run: dbguard exec -- %s", own, strings.Join(p.urlVarsFor(), ", "), strings.Join(rest, " "))}
}

// urlVarsFor names the variables the tool reads its URL from, for a hint.
func (p *Project) urlVarsFor() []string {
	switch p.Kind {
	case Goose:
		return []string{"GOOSE_DBSTRING", "GOOSE_DRIVER"}
	case Dbmate:
		return []string{"DATABASE_URL"}
	}
	return append([]string{"DATABASE_URL"}, p.Vars...)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// PrismaDeploys reports whether a command line KindOf calls Prisma's runs
// prisma migrate deploy: the words migrate and deploy, flags between them
// passed over, with the value of those prisma migrate takes one for
// (--config, --telemetry-information: MigrateCommand's arg spec; the value
// was taken for the subcommand, and deploy ran unchecked). dbguard exec
// checks the applied migrations before it, as migrate up does (a
// resolve, which is how a failed one is fixed, runs).
func PrismaDeploys(args []string) bool {
	args = ToolLine(args) // uv run npx prisma migrate deploy
	migrate, value := false, false
	for _, a := range args[1:] {
		switch {
		case value:
			value = false
		case strings.HasPrefix(a, "-"):
			value = migrate && (a == "--config" || a == "--telemetry-information")
		case migrate:
			return a == "deploy"
		case a == "migrate":
			migrate = true
		}
	}
	return false
}

// PrismaExecProject is the Prisma project a dbguard exec command line
// (args, KindOf Prisma) runs prisma migrate deploy on, from the folder wd:
// the schema its --schema flag names, else the one Prisma's CLI finds in
// wd (the config there, package.json up the tree, wd's default places),
// and the project of the folder whose schema that is. The configured or
// detected project is used only when it is that schema's: before, a
// monorepo's deploy run from the top with --schema apps/api/... was
// checked against the top's (nothing), and an edited migration passed. A
// schema dbguard cannot place, or none at all, is exit 2 saying why.
func PrismaExecProject(cfg *config.Config, wd string, args []string) (*Project, error) {
	schema, flagged := prismaSchemaFlag(args)
	shown := strings.Join(shellWords(args), " ")
	if flagged {
		if schema == "" {
			return nil, &exitcode.Advice{Code: exitcode.Usage, Msg: "--schema on prisma's command line has no value",
				Next: prismaSchemaDropped(cfg, wd, args)}
		}
		if !filepath.IsAbs(schema) {
			schema = filepath.Join(wd, schema)
		}
		if !inside(cfg.Root, schema) {
			return nil, &exitcode.Advice{Code: exitcode.Usage,
				Msg:  fmt.Sprintf("--schema names %s, outside the project: Prisma would migrate what is there, and dbguard reads nothing outside the project", output.Escape(schema)),
				Next: prismaSchemaDropped(cfg, wd, args)}
		}
	} else {
		schema = SchemaPath(cfg.Root, wd)
	}
	if schema == "" {
		next := "run it in the folder of the Prisma project, where Prisma finds its schema (prisma/schema.prisma, a prisma.config.ts, package.json's \"prisma\": {\"schema\"})"
		if p, err := Resolve(cfg); err == nil && p.Kind == Prisma && p.Workdir != wd {
			next = "run it where the project's Prisma schema is: " + InWorkdir(p.Workdir) + "dbguard exec -- " + shown
		}
		return nil, &exitcode.Advice{Code: exitcode.Usage,
			Msg:  fmt.Sprintf("prisma migrate deploy would find no Prisma schema in %s (Prisma looks only in the folder it runs in, and up the tree for package.json), so dbguard cannot check the migrations it would apply", output.Escape(output.RelPath(wd))),
			Next: next}
	}
	same := func(dir string) bool { return filepath.Clean(SchemaPath(cfg.Root, dir)) == filepath.Clean(schema) }
	if p, err := Resolve(cfg); err == nil && p.Kind == Prisma && p.Workdir == wd && same(wd) {
		return p, nil
	}
	if same(wd) {
		return project(cfg, Prisma, wd, ""), nil
	}
	// --schema names another folder's schema: the project there (the
	// folder above prisma/ first), when
	// Prisma run here reads nothing else of this folder's or that
	// folder's (a Prisma config's migrations.path, schema or datasource).
	for _, d := range []string{filepath.Dir(filepath.Dir(schema)), filepath.Dir(schema)} {
		if !inside(cfg.Root, d) || !same(d) {
			continue
		}
		if prismaConfigIn(wd) != "" || prismaConfigIn(d) != "" {
			break
		}
		if p, err := Resolve(cfg); err == nil && p.Kind == Prisma && p.Workdir == d {
			return p, nil
		}
		return project(cfg, Prisma, d, ""), nil
	}
	// The Prisma project's folder: the one above prisma/, else the
	// schema's own.
	dir := filepath.Dir(schema)
	if filepath.Base(dir) == "prisma" {
		dir = filepath.Dir(dir)
	}
	return nil, &exitcode.Advice{Code: exitcode.Usage,
		Msg:  fmt.Sprintf("--schema names %s, which is not the schema Prisma finds in its own folder or the folder above, or a Prisma config is involved: dbguard cannot tell which migrations folder Prisma would read", output.Escape(output.RelPath(schema))),
		Next: "run the command in the Prisma project's folder without --schema: " + InWorkdir(dir) + "dbguard exec -- " + strings.Join(shellWords(withoutSchemaFlag(args)), " ")}
}

// prismaSchemaDropped is the advice for a --schema dbguard refuses
// outright (no value, outside the project): the command without it, run
// where Prisma finds the project's schema itself: here when it finds one
// here, else in the configured or detected Prisma project's folder.
// Before, it said "name a schema inside the project and run the command
// again", with no command.
func prismaSchemaDropped(cfg *config.Config, wd string, args []string) string {
	cmd := "dbguard exec -- " + strings.Join(shellWords(withoutSchemaFlag(args)), " ")
	if SchemaPath(cfg.Root, wd) == "" {
		if p, err := Resolve(cfg); err == nil && p.Kind == Prisma && p.Workdir != wd {
			cmd = InWorkdir(p.Workdir) + cmd
		}
	}
	return "drop --schema (Prisma finds the project's schema itself, in the folder it runs in) and run: " + cmd
}

// withoutSchemaFlag is a prisma command line without its --schema and
// the flag's value (prismaSchemaFlag's reading).
func withoutSchemaFlag(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if i > 0 && strings.HasPrefix(a, "--schema=") {
			continue
		}
		if i > 0 && a == "--schema" {
			i++ // and its value
			continue
		}
		out = append(out, a)
	}
	return out
}

// prismaSchemaFlag is the value of --schema on a prisma command line, and
// whether the flag is there.
func prismaSchemaFlag(args []string) (string, bool) {
	args = ToolLine(args) // a runner's own options are not Prisma's
	for i, a := range args {
		if i == 0 {
			continue
		}
		if v, ok := strings.CutPrefix(a, "--schema="); ok {
			return v, true
		}
		if a == "--schema" {
			if i+1 < len(args) {
				return args[i+1], true
			}
			return "", true
		}
	}
	return "", false
}

func shellWords(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = output.ShellWord(a)
	}
	return out
}

// alembicConfigEnv refuses an ALEMBIC_CONFIG in dbguard's environment
// naming another file than the project's alembic.ini: Alembic reads it
// when no -c is given (its default), so its script_location, which
// dbguard never checked, would choose the env.py and revisions run.
// Before, ALEMBIC_CONFIG=other.ini dbguard migrate up ran other.ini's
// outside folder. next is the command to run again without it.
func (p *Project) alembicConfigEnv(next string) error {
	v, ok := os.LookupEnv("ALEMBIC_CONFIG")
	if !ok {
		return nil
	}
	// migrate up and down run Alembic in the workdir (exec's command
	// line is CheckAlembicConfig's).
	file := v
	if !filepath.IsAbs(file) {
		file = filepath.Join(p.Workdir, file)
	}
	ini := filepath.Join(p.Workdir, "alembic.ini")
	if v != "" && filepath.Clean(file) == ini {
		return nil
	}
	return &exitcode.Advice{Code: exitcode.Usage,
		Msg: fmt.Sprintf("ALEMBIC_CONFIG in the environment names %s: Alembic would read that file, not %s, whose script_location and version_locations dbguard checked, and run the env.py and revisions it names, wherever they are",
			output.Escape(output.ShellWord(v)), output.Escape(output.RelPath(ini))),
		Next: "put those settings in [alembic] of " + output.Escape(output.RelPath(ini)) + " (dbguard checks them there), then run without the variable: env -u ALEMBIC_CONFIG " + next}
}

// checkPrismaFetch refuses a Prisma command line that would download and
// run a Prisma from the registry (which a repository's .npmrc may name)
// instead of the project's: pnpm dlx, pnpx and yarn dlx always do,
// prisma@VERSION does for any version but the installed one, and npx and
// bunx do when no project Prisma is installed where they look
// (node_modules/.bin from here up). migrate up never runs npx (prismaBin); exec ran whatever
// the user typed, the command --help shows among them.
func (p *Project) checkPrismaFetch(head, args []string) error {
	name := filepath.Base(args[0])
	if name == "prisma" {
		return nil
	}
	var rest []string // the command after the runner's words: prisma ...
	dlx, versioned := false, false
	for i, a := range args[1:] {
		if a == "dlx" {
			dlx = true
		}
		if a == "prisma" || strings.HasPrefix(a, "prisma@") {
			versioned = a != "prisma"
			rest = append([]string{"prisma"}, args[i+2:]...)
			break
		}
	}
	if name == "pnpx" {
		dlx = true // pnpm dlx's old name
	}
	if rest == nil || (name == "pnpm" || name == "yarn") && !dlx {
		return nil // pnpm exec, yarn prisma: the installed one or an error
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	_, binErr := prismaBin(p.root, wd)
	if !dlx && !versioned && binErr == nil {
		return nil // npx prisma runs the installed one
	}
	shown := make([]string, len(rest))
	for i, a := range rest {
		shown[i] = output.ShellWord(a)
	}
	runner := "npx"
	if name == "pnpm" || name == "pnpx" {
		runner = "pnpm exec"
	} else if name == "yarn" {
		runner = "yarn"
	} else if name == "bunx" || name == "bun" {
		runner = "bunx"
	}
	var why string
	switch {
	case dlx:
		how := output.Escape(name) + " dlx"
		if name == "pnpx" {
			how = "pnpx"
		}
		why = how + " downloads and runs a Prisma from the registry, not the project's"
	case versioned:
		why = fmt.Sprintf("%s names a Prisma version: %s would download and run that version from the registry, not the project's installed one", output.Escape(args[len(args)-len(rest)]), output.Escape(name))
	default:
		why = fmt.Sprintf("no Prisma CLI is installed here (node_modules/.bin/prisma in this folder or one above it in the project): %s would download and run whatever Prisma the registry has", output.Escape(name))
	}
	next := "dbguard exec -- " + runner + " " + strings.Join(shown, " ")
	if len(head) > 0 {
		next = "dbguard exec -- " + strings.Join(shellWords(head), " ") + " " + runner + " " + strings.Join(shown, " ")
	}
	if binErr != nil {
		next = prismaInstall(p.root, wd) + " && " + next
	}
	return &exitcode.Advice{Code: exitcode.Usage, Msg: why, Next: "run the project's own Prisma: " + next}
}
