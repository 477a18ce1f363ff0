package tool

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// CheckPipenv refuses a dbguard exec command line that runs pipenv
// (pipenv run, pipenv shell) where the repository, not dbguard, would
// choose what the child gets, checked with pipenv 2022.12.19:
//   - pipenv loads the project's .env over the environment it was given
//     (python-dotenv's load_dotenv with override=True): a PYTHONPATH there
//     drops the connection guard dbguard puts first on it, an
//     ALEMBIC_CONFIG or a DATABASE_URL there wins over the one dbguard
//     checked and set. PIPENV_DONT_LOAD_ENV set to what pipenv reads as
//     true (anything but "", 0, false, no, off) stops it;
//   - pipenv run NAME runs the Pipfile's [scripts] NAME when it has one,
//     not the command named: an "alembic" script is any command line.
//
// root is the project's top, wd where pipenv runs; the Pipfiles read are
// those in wd and the folders above it up to root, as pipenv looks for
// one upward.
func CheckPipenv(root, wd string, args []string) error { return checkPipenv(root, wd, runners{}, args) }

// checkPipenv is CheckPipenv for the command a runner runs, outer the
// runner's words (see execHint).
func checkPipenv(root, wd string, outer runners, args []string) error {
	words := pipenvWords(args)
	sub := pipenvNext(words, 0) // pipenv's subcommand, after its own options
	if sub >= len(words) || words[sub] != "run" && words[sub] != "shell" {
		return nil
	}
	if !pipenvTrue(os.Getenv("PIPENV_DONT_LOAD_ENV")) {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  "pipenv " + words[sub] + " loads the project's .env over the environment dbguard gives it (python-dotenv, override): a PYTHONPATH, ALEMBIC_CONFIG or DATABASE_URL there would win over what dbguard checked and set, and its connection guard",
			Next: execHint("let dbguard give the environment and run: PIPENV_DONT_LOAD_ENV=1 ", outer, args)}
	}
	if words[sub] != "run" {
		return nil
	}
	cmd := pipenvNext(words, sub+1) // the command, after run's options and a --
	if cmd >= len(words) {
		return nil
	}
	name := words[cmd]
	// pipenv reads the nearest Pipfile, from the working folder up: the
	// first one found decides, defining the script or not.
	data, dir, ok := nearestUnder(root, wd, "Pipfile", 1<<20)
	if !ok {
		return nil
	}
	line := tomlDefines(data, []string{"scripts"}, name)
	if line == 0 {
		return nil
	}
	// As typed where exec runs (../Pipfile from a subfolder), to paste.
	at := output.Escape(output.FromHere(filepath.Join(dir, "Pipfile")))
	next := execHint("rename the script in "+at+", then run: PIPENV_DONT_LOAD_ENV=1 ", outer, args)
	if name == "alembic" {
		next = execHint("run Alembic without the script: PIPENV_DONT_LOAD_ENV=1 ", outer, append([]string{"pipenv", "run", "python", "-m"}, words[cmd:]...))
	}
	return &exitcode.Advice{Code: exitcode.Usage,
		Msg:  fmt.Sprintf("%s:%d: the Pipfile's [scripts] defines %s, so pipenv run %s runs that script's command line, not %s: dbguard checks the command it is given, and would not know what runs", at, line, output.Escape(name), output.Escape(name), output.Escape(name)),
		Next: next}
}

// nearestUnder is the nearest file called name from wd up to root (both
// absolute), read within root (safefile.ReadUnder, at most max bytes),
// and its folder; ok false when there is none that reads.
func nearestUnder(root, wd, name string, max int64) (data []byte, dir string, ok bool) {
	for dir := wd; ; dir = filepath.Dir(dir) {
		rel, err := filepath.Rel(root, dir)
		if err != nil || !filepath.IsLocal(rel) && rel != "." {
			return nil, "", false
		}
		if data, err := safefile.ReadUnder(root, filepath.Join(rel, name), max); err == nil {
			return data, dir, true
		}
		if dir == root || filepath.Dir(dir) == dir {
			return nil, "", false
		}
	}
}

// CheckRunnerScripts refuses a dbguard exec command line whose runner
// would run something the project's pyproject.toml names in place of the
// command, or with an environment of its choosing (checked with pdm
// 2.2.1 and poetry 1.3.2):
//   - pdm run NAME runs [tool.pdm.scripts] NAME when there is one, and
//     [tool.pdm.scripts]'s shared options (_: env, env_file with
//     override) apply to every command pdm runs: a DATABASE_URL or
//     PYTHONPATH there replaced the guarded URL and the connection guard;
//   - poetry run NAME runs [tool.poetry.scripts] NAME's entry point.
//
// The pyproject.toml read is the nearest one from wd up to root, the
// project the runner works on.
func CheckRunnerScripts(root, wd string, args []string) error {
	return checkRunnerScripts(root, wd, runners{}, args)
}

// checkRunnerScripts is CheckRunnerScripts for the command a runner runs,
// outer the runner's words (see execHint).
func checkRunnerScripts(root, wd string, outer runners, args []string) error {
	runner, project, i := runnerScriptsLine(args)
	if i == 0 {
		return nil
	}
	if project != "" {
		// pdm run -p DIR, poetry -C DIR: that project's pyproject.toml.
		wd = filepath.Join(wd, project)
		if filepath.IsAbs(project) {
			wd = filepath.Clean(project)
		}
	}
	words := runnerWordsOf(args)
	name := words[i]
	data, dir, ok := nearestUnder(root, wd, "pyproject.toml", 4<<20)
	if !ok {
		return nil
	}
	rel, _ := filepath.Rel(root, dir)
	at := output.Escape(output.FromHere(filepath.Join(dir, "pyproject.toml")))
	next := execHint("drop it from "+at+" (dbguard gives the command its environment), then run the command again: ", outer, args)
	table := []string{"tool", runner, "scripts"}
	if runner == "hatch" {
		if line := hatchScripts(data, []string{"tool", "hatch"}, name); line > 0 {
			return hatchAdvice(at, line, name, next)
		}
		if hdata, err := safefile.ReadUnder(root, filepath.Join(rel, "hatch.toml"), 4<<20); err == nil {
			if line := hatchScripts(hdata, nil, name); line > 0 {
				return hatchAdvice(output.Escape(output.FromHere(filepath.Join(dir, "hatch.toml"))), line, name, next)
			}
		}
		return nil
	}
	if line := tomlDefines(data, table, name); line > 0 {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  fmt.Sprintf("%s:%d: [tool.%s.scripts] defines %s, so %s run %s runs that script, not %s: dbguard checks the command it is given, and would not know what runs", at, line, runner, output.Escape(name), runner, output.Escape(name), output.Escape(name)),
			Next: next}
	}
	if line := tomlDefines(data, table, "_"); runner == "pdm" && line > 0 {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  fmt.Sprintf("%s:%d: [tool.pdm.scripts]'s shared options (_) apply to every command pdm runs: an env or env_file there would replace the environment dbguard gives %s (its URL, the connection guard's PYTHONPATH)", at, line, output.Escape(name)),
			Next: next}
	}
	return nil
}

// pipenvWords is pipenv's own command line: the words after pipenv, or
// after python -m pipenv (in CPython's spellings of -m); nil for another
// command.
func pipenvWords(args []string) []string {
	if len(args) == 0 {
		return nil
	}
	if filepath.Base(args[0]) == "pipenv" {
		return args[1:]
	}
	if strings.HasPrefix(filepath.Base(args[0]), "python") {
		if m, rest := pythonModuleRest(args); m == "pipenv" {
			return rest
		}
	}
	return nil
}

// pipenvValueOptions are pipenv 2022.12.19's options that take the next
// word as their value, on the group and on run and shell (click: the
// value is the next word whatever it is); its others are flags.
var pipenvValueOptions = []string{"--python", "--pypi-mirror"}

// pipenvNext is the index of the first of words from i that is neither
// one of pipenv's options nor an option's value, as click reads them
// (pipenv --python 3.11 run, pipenv run -v --pypi-mirror URL -- NAME);
// len(words) for none.
func pipenvNext(words []string, i int) int {
	for ; i < len(words); i++ {
		a := words[i]
		switch {
		case a == "--":
			return i + 1
		case !strings.HasPrefix(a, "-") || a == "-":
			return i
		case slices.Contains(pipenvValueOptions, a):
			i++ // its value
		}
	}
	return len(words)
}

// runnerWordsOf is a pdm or poetry command line's own words, after the
// runner's name or python -m NAME; nil for another command.
func runnerWordsOf(args []string) []string {
	if len(args) == 0 {
		return nil
	}
	if n := filepath.Base(args[0]); n == "pdm" || n == "poetry" || n == "hatch" || n == "rye" {
		return args[1:]
	}
	if strings.HasPrefix(filepath.Base(args[0]), "python") {
		if m, rest := pythonModuleRest(args); m == "pdm" || m == "poetry" || m == "hatch" {
			return rest
		}
	}
	return nil
}

// runnerScriptOptions are the options of pdm 2.2.1 and poetry 1.3.2 (and
// 2's -P) that take a value, before run and after it: pdm's -c/--config,
// run's -p/--project and -k/--skip, poetry's -C/--directory and
// -P/--project. Their others are flags.
var runnerScriptOptions = map[string][]string{
	"pdm":    {"-c", "--config", "-p", "--project", "-k", "--skip"},
	"poetry": {"-C", "--directory", "-P", "--project"},
	"hatch":  {"-e", "--env", "-p", "--project", "--data-dir", "--cache-dir", "--config"},
	"rye":    {"--pyproject"},
}

// pdmLongOptions are pdm 2.2.1's long options, before run and after it
// (pdm --help, pdm run --help).
var pdmLongOptions = []string{"--help", "--version", "--config", "--verbose", "--ignore-python", "--pep582",
	"--global", "--project", "--skip", "--list", "--site-packages"}

// pdmLongOption is the option pdm reads opt as: argparse takes a unique
// prefix of a long option for it (pdm run --proj sub NAME runs sub's
// script); opt itself otherwise (a prefix of two is argparse's error).
func pdmLongOption(opt string) string {
	found := ""
	for _, o := range pdmLongOptions {
		if o == opt {
			return opt
		}
		if len(opt) > 2 && strings.HasPrefix(o, opt) {
			if found != "" {
				return opt
			}
			found = o
		}
	}
	if found == "" {
		return opt
	}
	return found
}

// runnerScriptsLine reads a pdm or poetry command line as the runner
// does (pdm [OPTIONS] run [OPTIONS] NAME ..., poetry's likewise, python
// -m pdm): the runner, the project folder its -p/--project (pdm) or
// -C/--directory/-P/--project (poetry) names ("" for none), and the
// index of NAME in runnerWordsOf(args), 0 for no run. A value is the next
// word, or glued (--project=DIR, -pDIR, -vp DIR); -- ends the options.
func runnerScriptsLine(args []string) (runner, project string, name int) {
	words := runnerWordsOf(args)
	if words == nil {
		return "", "", 0
	}
	if runner = filepath.Base(args[0]); runner != "pdm" && runner != "poetry" && runner != "hatch" && runner != "rye" {
		runner, _ = pythonModuleRest(args) // python -m pdm
	}
	valued := runnerScriptOptions[runner]
	run := false
	for i := 0; i < len(words); i++ {
		a := words[i]
		opt, value, glued := "", "", false
		switch {
		case a == "--":
			if run && i+1 < len(words) {
				return runner, project, i + 1
			}
			return "", "", 0
		case !strings.HasPrefix(a, "-") || a == "-":
			if run {
				return runner, project, i
			}
			if a != "run" {
				return "", "", 0 // another subcommand
			}
			run = true
			continue
		case strings.HasPrefix(a, "--"):
			opt, value, glued = strings.Cut(a, "=")
			if runner == "pdm" {
				opt = pdmLongOption(opt)
			}
		default: // -vp DIR, -pDIR: flags, then a valued one's value
			for j := 1; j < len(a); j++ {
				if slices.Contains(valued, "-"+a[j:j+1]) {
					opt, value, glued = "-"+a[j:j+1], a[j+1:], j+1 < len(a)
					break
				}
			}
		}
		if !slices.Contains(valued, opt) {
			continue
		}
		if !glued {
			if i+1 >= len(words) {
				return "", "", 0
			}
			i++
			value = words[i]
		}
		if opt == "-p" && runner != "hatch" || opt == "--project" && runner != "hatch" || opt == "-C" || opt == "--directory" || opt == "-P" {
			project = value
		}
		if opt == "--pyproject" {
			project = filepath.Dir(value)
		}
	}
	return "", "", 0
}

// pipenvTrue is whether pipenv reads a PIPENV_DONT_LOAD_ENV value as set
// (get_from_env and env_to_bool): a boolean word is itself, any other
// non-empty text true, "" false.
func pipenvTrue(v string) bool {
	return v != "" && !slices.Contains([]string{"0", "false", "no", "off"}, strings.ToLower(v))
}

// hatchScripts is the first line where a hatch config (pyproject.toml's
// [tool.hatch], prefix tool.hatch; hatch.toml, no prefix) defines, in any
// environment, a script named name (envs.ENV.scripts.NAME; hatch run
// ENV:NAME names one env's) or environment variables (envs.ENV.env-vars,
// which hatch sets over the environment for every command it runs there);
// 0 for none. Read from hatch's documentation: hatch is not installed
// here.
func hatchScripts(data []byte, prefix []string, name string) int {
	if _, n, ok := strings.Cut(name, ":"); ok {
		name = n
	}
	return tomlFind(data, func(p []string) bool {
		if len(p) < len(prefix)+3 || !slices.Equal(p[:len(prefix)], prefix) || p[len(prefix)] != "envs" {
			return false
		}
		p = p[len(prefix)+2:] // after envs.ENV
		return p[0] == "env-vars" || p[0] == "scripts" && len(p) > 1 && p[1] == name
	})
}

// hatchAdvice refuses hatch run NAME over a hatch config's line that
// defines a script of that name or an environment's env-vars.
func hatchAdvice(at string, line int, name, next string) error {
	return &exitcode.Advice{Code: exitcode.Usage,
		Msg:  fmt.Sprintf("%s:%d: a hatch environment's scripts define %s, or its env-vars set variables over the environment dbguard gives the command (its URL, the connection guard's PYTHONPATH): hatch run would run what the project chose", at, line, output.Escape(name)),
		Next: next}
}
