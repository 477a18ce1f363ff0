package tool

import (
	"bufio"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// Step is one command line a tool runs, in its working folder.
type Step struct {
	// Args[0] is the program: a name looked up on PATH, or a path with a
	// separator relative to the working folder (Prisma's
	// node_modules/.bin/prisma); for command: sh -c LINE.
	Args []string
}

func (s Step) String() string { return strings.Join(s.Args, " ") }

// UpSteps are the commands that apply the pending migrations.
func (p *Project) UpSteps() ([]Step, error) {
	if err := p.refused(); err != nil {
		return nil, err
	}
	switch p.Kind {
	case Alembic:
		if err := p.alembicConfigEnv("dbguard migrate up"); err != nil {
			return nil, err
		}
		return []Step{{[]string{"alembic", "upgrade", "head"}}}, nil
	case Prisma:
		// The project's installed CLI, never npx: Installed finds it.
		return []Step{{[]string{"prisma", "migrate", "deploy"}}}, nil
	case Dbmate:
		return []Step{{[]string{"dbmate", "--no-dump-schema", "--migrations-dir", p.Dir, "up"}}}, nil
	case Goose:
		return []Step{{[]string{"goose", "up"}}}, nil
	case Command:
		if err := p.CheckCommand("up", p.Commands.Up, "dbguard migrate up"); err != nil {
			return nil, err
		}
		return []Step{{[]string{"sh", "-c", p.Commands.Up}}}, nil
	}
	return nil, fmt.Errorf("%s has no up command", p.Kind)
}

// Installed is steps as they run: Prisma's CLI is the project's installed
// one (prismaBin), a path relative to the workdir, where the step runs;
// an error with the install command when there is none. Asked just
// before they run, after the checks of what the database applied.
func (p *Project) Installed(steps []Step) ([]Step, error) {
	if p.Kind != Prisma {
		return steps, nil
	}
	out := make([]Step, len(steps))
	for i, s := range steps {
		out[i] = s
		if len(s.Args) > 0 && s.Args[0] == "prisma" {
			bin, err := prismaBin(p.root, p.Workdir)
			if err != nil {
				return nil, err
			}
			out[i].Args = append([]string{bin}, s.Args[1:]...)
		}
	}
	return out, nil
}

// DownSteps are the commands that roll back n migrations.
func (p *Project) DownSteps(n int) ([]Step, error) {
	if err := p.refused(); err != nil {
		return nil, err
	}
	repeat := func(s Step) []Step {
		out := make([]Step, n)
		for i := range out {
			out[i] = s
		}
		return out
	}
	switch p.Kind {
	case Alembic:
		if err := p.alembicConfigEnv("dbguard migrate down " + strconv.Itoa(n)); err != nil {
			return nil, err
		}
		return []Step{{[]string{"alembic", "downgrade", "-" + strconv.Itoa(n)}}}, nil
	case Dbmate:
		return repeat(Step{[]string{"dbmate", "--no-dump-schema", "--migrations-dir", p.Dir, "rollback"}}), nil
	case Goose:
		return repeat(Step{[]string{"goose", "down"}}), nil
	case Command:
		if strings.TrimSpace(p.Commands.Down) == "" {
			return nil, &UnsupportedError{Kind: p.Kind, Command: "down", Instead: "set migrations.command.down in dbguard.yaml (run once per migration to roll back)"}
		}
		if err := p.CheckCommand("down", p.Commands.Down, "dbguard migrate down "+strconv.Itoa(n)); err != nil {
			return nil, err
		}
		return repeat(Step{[]string{"sh", "-c", p.Commands.Down}}), nil
	case Prisma:
		return nil, &UnsupportedError{Kind: p.Kind, Command: "down", Instead: "Prisma has no down migrations: write a new migration that undoes the change (" + p.prismaDev() + " migrate dev --create-only), then run: dbguard migrate up"}
	}
	return nil, fmt.Errorf("%s has no down command", p.Kind)
}

// Env is what the tool finds set in its environment: the URL variables
// (vars, plus the tool's own) set to url, and the tool's settings.
func (p *Project) Env(vars []string, url string) map[string]string {
	set := map[string]string{}
	for _, v := range append(slices.Clone(vars), p.Vars...) {
		set[v] = url
	}
	switch p.Kind {
	case Goose:
		set["GOOSE_DRIVER"] = "postgres"
		set["GOOSE_MIGRATION_DIR"] = p.Dir
		if p.Table != "" {
			set[gooseTableVar] = p.Table // the table dbguard reads
		}
	case Dbmate:
		set["DATABASE_URL"] = url // dbmate's own variable, whatever url_var says
		// dbmate's --driver, which its .env may set: sqlite with the
		// guarded URL creates and migrates a file the URL's host and path
		// name (/app for postgres:///app?host=...), outside the project.
		set["DBMATE_DRIVER"] = "postgres"
		set["DBMATE_MIGRATIONS_DIR"] = p.Dir
		if p.Table != "" {
			// The table dbguard reads, so that both agree whatever an env
			// file dbmate loads says.
			set[dbmateTableVar] = p.Table
		}
	}
	return set
}

// Trap is something in the project that would make the tool connect
// somewhere other than the URL dbguard hands it.
type Trap struct {
	File string // file:line
	What string
	Fix  string
}

var (
	overrideTrue = lazyre.New(`load_dotenv\([^)]*override\s*=\s*True`)
	readsEnv     = lazyre.New(`os\.environ|os\.getenv|getenv\(|environ\.get|settings\.|\bconfig\(`) // decouple's config(), not engine_from_config(
)

// Traps reads the tool's own configuration for what would send it
// elsewhere. For Alembic: env.py loading .env with override=True (it
// replaces the URL dbguard set), and a literal URL in alembic.ini that
// env.py never replaces. For Prisma: a datasource url or directUrl
// written in the schema as a connection string (Prisma's docs allow it),
// which prisma migrate and the client connect to whatever the environment
// says; the value (a URL, often with its password) is never quoted.
func (p *Project) Traps() []Trap {
	if ds := p.Datasource; p.Kind == Prisma && ds != nil && ds.Config != nil && ds.Config.OverrideLine > 0 {
		return []Trap{{File: fmt.Sprintf("%s:%d", output.Escape(ds.Config.File), ds.Config.OverrideLine),
			What: "dotenv.config({ override: true }) in the Prisma config replaces the URL dbguard gives Prisma with whatever the env file says (a pooled URL, another database)",
			Fix:  fmt.Sprintf("drop override: true on line %d of %s (the variables dbguard sets then win), then run the command again", ds.Config.OverrideLine, output.Escape(ds.Config.File))}}
	}
	if ds := p.Datasource; p.Kind == Prisma && ds != nil && ds.Literal != "" && ds.Config != nil && ds.File == ds.Config.File {
		return []Trap{{File: fmt.Sprintf("%s:%d", output.Escape(ds.File), ds.LiteralLine),
			What: "the datasource's url is a connection string written in the Prisma config, so Prisma connects to and migrates that database whatever dbguard says",
			Fix:  fmt.Sprintf(`write url: env('DATABASE_URL') on line %d of %s and put the URL in an ignored .env file, then run the command again`, ds.LiteralLine, output.Escape(ds.File))}}
	}
	if ds := p.Datasource; p.Kind == Prisma && ds != nil && ds.Literal != "" {
		return []Trap{{File: fmt.Sprintf("%s:%d", output.Escape(ds.File), ds.LiteralLine),
			What: fmt.Sprintf("the datasource's %s is a connection string written in the schema, so Prisma connects to and migrates that database whatever dbguard says", ds.Literal),
			Fix:  fmt.Sprintf(`write %s = env("DATABASE_URL") on line %d of %s and put the URL in an ignored .env file, then run the command again`, ds.Literal, ds.LiteralLine, output.Escape(ds.File))}}
	}
	if p.Kind != Alembic || p.outside != nil {
		return nil
	}
	var traps []Trap
	envPy := filepath.Join(filepath.Dir(p.Dir), "env.py")
	envReads := false
	scanLines(envPy, func(n int, line string) {
		code, _, _ := strings.Cut(line, "#")
		if overrideTrue.MatchString(code) {
			traps = append(traps, Trap{File: fmt.Sprintf("%s:%d", output.RelTo(p.Workdir, envPy), n),
				What: "load_dotenv(override=True) replaces the URL dbguard gives Alembic with whatever the .env file says (a pooled URL, another database)",
				Fix:  "drop override=True (the variables dbguard sets then win), then run the command again"})
		}
		if readsEnv.MatchString(code) {
			envReads = true
		}
	})
	// sqlalchemy.url as Alembic's ConfigParser reads it: in [alembic] or
	// [DEFAULT], the key in any case, after '=' or ':', %(name)s of
	// another option interpolated (a regular expression over the lines
	// missed each, and Alembic connected elsewhere).
	ini := filepath.Join(p.Workdir, "alembic.ini")
	if data, err := readSmall(ini); err == nil && !envReads {
		vals, at := alembicOptions(p.Workdir, data)
		if raw, ok := vals["sqlalchemy.url"]; ok {
			url, err := iniInterpolate(raw, vals, len(data))
			if err == nil && !strings.HasPrefix(url, "driver://") && strings.Contains(url, "://") {
				traps = append(traps, Trap{File: fmt.Sprintf("%s:%d", output.RelTo(p.Workdir, ini), at["sqlalchemy.url"]),
					What: "sqlalchemy.url is a literal URL and env.py never reads the environment, so Alembic connects there whatever dbguard says",
					Fix:  "make env.py read it: config.set_main_option(\"sqlalchemy.url\", os.environ[\"DATABASE_URL\"]), then run the command again"})
			}
		}
	}
	return traps
}

func scanLines(path string, f func(int, string)) {
	fh, err := safefile.Open(path) // a FIFO never blocks
	if err != nil {
		return
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for n := 1; sc.Scan(); n++ {
		f(n, sc.Text())
	}
}

// TrapError refuses to run a tool that would connect elsewhere.
type TrapError struct {
	Kind  Kind
	Traps []Trap
}

// ExitCode is 1: a check failed before anything ran.
func (e *TrapError) ExitCode() int { return exitcode.CheckFailed }

func (e *TrapError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s would not use the database dbguard guarded; nothing was run:", e.Kind)
	for _, t := range e.Traps {
		fmt.Fprintf(&b, "\n    %s: %s", t.File, t.What)
	}
	return b.String()
}

// Hint names the next step.
func (e *TrapError) Hint() string { return e.Traps[0].Fix }

// NotLandedError is a tool that said it applied migrations while the
// guarded database's version table did not move: it connected elsewhere.
type NotLandedError struct {
	Kind     Kind
	Database string
	Table    string
	Pending  int
}

// ExitCode is 1: the migration did not land where it was guarded.
func (e *NotLandedError) ExitCode() int { return exitcode.CheckFailed }

func (e *NotLandedError) Error() string {
	return fmt.Sprintf("%s exited 0, but %s on %s did not move (%d migration(s) still pending there): it migrated another database",
		e.Kind, e.Table, e.Database, e.Pending)
}

// Hint names the next step.
func (e *NotLandedError) Hint() string {
	return "find where the tool takes its URL (a hard-coded URL, an env file loaded with override, its own config), make it read the environment, then run: dbguard migrate up"
}

// prismaDev is the start of a command line that runs the project's Prisma
// CLI unguarded (prisma migrate dev, against a development database), as
// it runs from the current folder: State.prismaRun's for a Project.
func (p *Project) prismaDev() string {
	run := prismaCLI(p.root, p.Workdir)
	return installThen(prismaInstallFirst(p.root, p.Workdir, run), p.Workdir) + run
}

// GuardedPrisma is the start of a command line that runs the project's
// Prisma CLI behind dbguard exec, as it runs from the current folder:
// "cd backend && dbguard exec -- pnpm exec prisma", the install first
// when npx or bunx would download one. Bare "prisma" is found on PATH,
// where node_modules/.bin is not.
func (p *Project) GuardedPrisma() string {
	run := prismaCLI(p.root, p.Workdir)
	return installThen(prismaInstallFirst(p.root, p.Workdir, run), p.Workdir) + "dbguard exec -- " + run
}
