package tool

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
)

// CheckDotenvRun refuses a dbguard exec command line that runs its
// command through python-dotenv's CLI (dotenv run, python-dotenv run;
// checked with python-dotenv 0.21.0): run sets the env file's variables
// over the environment it was given (--override is its default), so a
// DATABASE_URL or PYTHONPATH there replaced the guarded URL and dropped
// the connection guard. --no-override keeps what dbguard set; a
// migration tool run so is refused whatever the flag, since exec would
// not know it runs the tool (the env file's ALEMBIC_CONFIG, none of the
// tool's checks), and dbguard gives the tool its variables itself.
func CheckDotenvRun(args []string) error { return checkDotenvRun(runners{}, args) }

// checkDotenvRun is CheckDotenvRun for the command a runner runs, outer
// the runner's words (see execHint).
func checkDotenvRun(outer runners, args []string) error {
	if len(args) < 2 {
		return nil
	}
	lead := args[:1] // the words that run the CLI, for the hint
	if strings.HasPrefix(filepath.Base(args[0]), "python") && filepath.Base(args[0]) != "python-dotenv" {
		// python -m dotenv: the same CLI, its words after the module.
		m, rest := pythonModuleRest(args)
		if m != "dotenv" {
			return nil
		}
		lead = args[:len(args)-len(rest)]
		args = append([]string{"python-dotenv"}, rest...)
	}
	if name := filepath.Base(args[0]); name != "dotenv" && name != "python-dotenv" {
		return nil
	}
	i := 1
	for ; i < len(args) && args[i] != "run"; i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "--" {
			if filepath.Base(args[0]) == "dotenv" {
				return checkDotenvCLI(outer, args) // npm's dotenv-cli: dotenv [-e F] -- CMD
			}
			return nil // another subcommand: list, get, set
		}
		if slices.Contains([]string{"-f", "--file", "-q", "--quote", "-e", "--export"}, a) {
			i++ // its value
		}
	}
	if i >= len(args) {
		return nil
	}
	run, override := i, true
	for i++; i < len(args); i++ {
		switch args[i] {
		case "--override":
			override = true
			continue
		case "--no-override":
			override = false
			continue
		}
		break
	}
	if i < len(args) && args[i] == "--" {
		i++ // click: the command after it (run --no-override -- alembic)
	}
	rest := args[i:]
	if k := KindOf(rest); k != "" {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  "dotenv run gives " + string(k) + " the env file's variables, and exec would not know it runs " + string(k) + ": none of its checks, and the file's own settings for it (ALEMBIC_CONFIG, its URL variables) where dbguard sets the ones it checked",
			Next: execHint("let dbguard give it the environment and run: ", outer, rest)}
	}
	if override && len(rest) > 0 {
		fixed := append(append(append(slices.Clone(lead), args[1:run+1]...), "--no-override"), rest...)
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  "dotenv run sets the env file's variables over the environment dbguard gives the command (--override is its default): a DATABASE_URL or PYTHONPATH there would replace the guarded URL and the connection guard",
			Next: execHint("keep what dbguard sets and run: ", outer, fixed)}
	}
	return nil
}

// checkDotenvCLI is CheckDotenvRun for npm's dotenv-cli (8.0.0, checked
// for real), whose binary is dotenv too: dotenv [-e FILE] [-c [ENV]]
// [-o] [--] COMMAND. It sets the file's variables the environment lacks,
// and with -o/--override all of them: in front of a migration tool the
// file filled what exec sets only for a tool it knows (Prisma's
// DIRECT_URL, which migrate deploy uses), so that is refused whatever the
// flags, as is -o in front of anything. Its options are read as minimist
// reads them: a flag takes the next word as its value unless that starts
// with "-"; words after "--", and the first word that is no option or
// value, are the command.
func checkDotenvCLI(outer runners, args []string) error {
	var rest []string
	override := false
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			rest = append(rest, a)
			continue
		}
		name, _, glued := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "--") {
			if strings.HasPrefix(name, "no-") {
				continue // false
			}
		} else {
			for _, c := range name[:max(len(name)-1, 0)] {
				if c == 'o' {
					override = true
				}
			}
			if len(name) > 1 && !isLetters(name) {
				name, glued = name[:1], true // -e.env: e's value glued
			} else {
				name = name[len(name)-1:]
			}
		}
		if name == "o" || name == "override" {
			override = true
		}
		if !glued && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			i++ // its value (minimist: -o prisma takes prisma)
		}
	}
	if k := KindOf(rest); k != "" {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  "dotenv gives " + string(k) + " the env file's variables that dbguard does not set (and with -o all of them), and exec would not know it runs " + string(k) + ": none of its checks, nor the variables dbguard sets for it (Prisma's directUrl)",
			Next: execHint("let dbguard give it the environment and run: ", outer, rest)}
	}
	if override && len(rest) > 0 {
		// -o dropped as minimist reads it: alone, --override[=V], or a
		// letter of a cluster (-oe .env is -e .env); after --, the
		// command's own words stay.
		var fixed []string
		for i, a := range args {
			switch {
			case a == "--":
				fixed = append(fixed, args[i:]...)
			case a == "--override" || strings.HasPrefix(a, "--override="):
				continue
			case i > 0 && len(a) > 1 && a[0] == '-' && a[1] != '-' && isLetters(a[1:]):
				if a = strings.ReplaceAll(a, "o", ""); a != "-" {
					fixed = append(fixed, a)
				}
				continue
			default:
				fixed = append(fixed, a)
				continue
			}
			break
		}
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  "dotenv -o sets the env file's variables over the environment dbguard gives the command: a DATABASE_URL there would replace the guarded URL",
			Next: execHint("keep what dbguard sets and run: ", outer, fixed)}
	}
	return nil
}

// isLetters is whether s is ASCII letters only.
func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// envLaunchers run a command with variables of their own (an env file,
// a secrets manager's): dotenvx run, env-cmd, doppler run, infisical run,
// 1Password's op run. In front of a migration tool they give it its own
// variables (Prisma's DIRECT_URL, ALEMBIC_CONFIG) where dbguard sets
// those only for a tool it sees, and exec skips the tool's checks.
var envLaunchers = []string{"dotenvx", "env-cmd", "doppler", "infisical", "op"}

// CheckEnvLauncher refuses an envLaunchers command line whose command is
// a migration tool (KindOf, anywhere after the launcher's own words),
// with the tool's own command line, which exec gives its environment.
func CheckEnvLauncher(args []string) error { return checkEnvLauncher(runners{}, args) }

func checkEnvLauncher(outer runners, args []string) error {
	if len(args) < 2 || !slices.Contains(envLaunchers, filepath.Base(args[0])) {
		return nil
	}
	for i := 1; i < len(args); i++ {
		if k := KindOf(args[i:]); k != "" {
			return &exitcode.Advice{Code: exitcode.Usage,
				Msg:  filepath.Base(args[0]) + " gives " + string(k) + " variables of its own, and exec would not know it runs " + string(k) + ": none of its checks, nor the variables dbguard sets for it",
				Next: execHint("let dbguard give it the environment and run: ", outer, args[i:])}
		}
	}
	switch filepath.Base(args[0]) {
	case "env-cmd":
		return checkEnvCmd(outer, args)
	case "dotenvx":
		return checkDotenvxOverload(outer, args)
	}
	return nil
}

// checkEnvCmd refuses env-cmd in front of any command unless
// --no-override comes before it: env-cmd sets the env file's variables
// (-f FILE, else .env or .env-cmdrc) over the environment it was given,
// so a DATABASE_URL there replaced the guarded URL (checked with env-cmd
// 11.0.0: testdata/launchers, scripts/launcher-goldens.sh). Its options
// are read as commander reads them: -f and -e take the next word that is
// no option; "--" or the first other word starts the command.
func checkEnvCmd(outer runners, args []string) error {
	i := 1
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			break
		}
		if a == "--no-override" {
			return nil
		}
		if slices.Contains([]string{"-f", "--file", "-e", "--environments"}, a) && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			i++ // its value
		}
	}
	if i >= len(args) {
		return nil // no command: --help, --version
	}
	fixed := append([]string{args[0], "--no-override"}, args[1:]...)
	return &exitcode.Advice{Code: exitcode.Usage,
		Msg:  "env-cmd sets its env file's variables over the environment dbguard gives the command (unless --no-override comes first): a DATABASE_URL there would replace the guarded URL",
		Next: execHint("keep what dbguard sets and run: ", outer, fixed)}
}

// checkDotenvxOverload refuses dotenvx run with -o/--overload (alone or
// in a cluster of short flags, -of FILE), which sets the env files'
// variables over the environment dbguard gives the command; without it
// dotenvx keeps what is set (checked with dotenvx 2.38.2, as env-cmd).
func checkDotenvxOverload(outer runners, args []string) error {
	run := slices.Index(args, "run")
	if run < 0 {
		return nil
	}
	fixed, overload := slices.Clone(args[:run+1]), false
	for i := run + 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			fixed = append(fixed, args[i:]...)
			i = len(args)
		case a == "--overload" || strings.HasPrefix(a, "--overload="):
			overload = true
		case len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.Contains(a, "o") && isLetters(a[1:]):
			overload = true
			if a = strings.ReplaceAll(a, "o", ""); a != "-" {
				fixed = append(fixed, a) // -of FILE: -f FILE
			}
		default:
			fixed = append(fixed, a)
		}
	}
	if !overload {
		return nil
	}
	return &exitcode.Advice{Code: exitcode.Usage,
		Msg:  "dotenvx run -o (--overload) sets the env files' variables over the environment dbguard gives the command: a DATABASE_URL there would replace the guarded URL",
		Next: execHint("keep what dbguard sets and run: ", outer, fixed)}
}

// CheckLauncher is every check of exec's command line's launcher, run in
// wd below root: pipenv's .env and scripts, pdm's and poetry's scripts,
// dotenv run and dotenv-cli, and an env or secrets launcher in front of a
// migration tool; and the same for the command a runner runs (uv run
// dotenv run ..., npx dotenv -- prisma ...), whose refusal's hint keeps
// the runner's words in front.
func CheckLauncher(root, wd string, args []string) error {
	var outer runners // the runners in front of args
	for len(args) > 0 {
		if err := checkLauncherOnce(root, wd, outer, args); err != nil {
			return err
		}
		inner := innerCommand(args)
		if inner == nil {
			return nil
		}
		outer.pkg, outer.bin = "", ""
		if w := args[len(args)-len(inner)]; w != inner[0] {
			outer.pkg, outer.bin = w, inner[0] // dotenv-cli@7, @dotenvx/dotenvx
		}
		outer.words = append(outer.words, args[:len(args)-len(inner)]...)
		args = inner
	}
	return nil
}

// runners are the runners in front of the command a check refuses: their
// words (uv run in uv run dotenv run alembic ...), and, when the last ran
// it by a package word that is not its binary's name (npx
// @dotenvx/dotenvx, npx dotenv-cli@7), that word and the binary's.
type runners struct {
	words    []string
	pkg, bin string
}

// execHint is a refusal's hint that ends in a command line to run: lead,
// then dbguard exec -- and words, each quoted (output.ShellWord). The hint
// keeps the runners of outer in front, unless its command is a runner's
// already (npx prisma ..., pipenv run ...); a command that starts with the
// binary a runner ran by its package word is run by that word again (npx
// @dotenvx/dotenvx run -o ..., not npx dotenvx, which is another package
// of the registry). The hint is built here from words, never by editing a
// finished one: a lead that names a file could hold "dbguard exec -- "
// itself.
func execHint(lead string, outer runners, words []string) string {
	if len(outer.words) > 0 {
		if outer.pkg != "" && len(words) > 0 && words[0] == outer.bin {
			words = append([]string{outer.pkg}, words[1:]...)
		}
		first := ""
		if len(words) > 0 {
			first = output.ShellWord(words[0])
		}
		if !slices.Contains(jsRunners, first) && !slices.Contains(pythonRunners, first) {
			words = append(slices.Clip(outer.words), words...)
		}
	}
	return lead + "dbguard exec -- " + strings.Join(shellWords(words), " ")
}

func checkLauncherOnce(root, wd string, outer runners, args []string) error {
	if err := checkPipenv(root, wd, outer, args); err != nil {
		return err
	}
	if err := checkRunnerScripts(root, wd, outer, args); err != nil {
		return err
	}
	if err := checkDotenvRun(outer, args); err != nil {
		return err
	}
	return checkEnvLauncher(outer, args)
}

// jsRunners run a package's binary: npx NAME, pnpm [exec|dlx] NAME, yarn
// NAME, bunx NAME, pnpx NAME, npm exec NAME.
var jsRunners = []string{"npx", "pnpm", "yarn", "bunx", "pnpx", "npm"}

// jsLauncherPackages are the npm packages whose binary is an env
// launcher, by that binary's name (npx dotenv-cli runs dotenv).
var jsLauncherPackages = map[string]string{"dotenv-cli": "dotenv", "@dotenvx/dotenvx": "dotenvx"}

// innerCommand is the command line a runner in front runs: a Python
// runner's (uv, poetry, pdm, hatch, rye, pipenv run [OPTIONS] COMMAND,
// also after python -m), and a JavaScript runner's when it is an env
// launcher (npx [OPTIONS] dotenv ..., its package name read as its
// binary's: npx dotenv-cli is dotenv); nil for none, and for a command
// whose own checks are KindOf's (npx prisma).
func innerCommand(args []string) []string {
	name := filepath.Base(args[0])
	if strings.HasPrefix(name, "python") {
		if m, rest := pythonModuleRest(args); slices.Contains(pythonRunners, m) {
			return innerCommand(append([]string{m}, rest...))
		}
		return nil
	}
	if slices.Contains(pythonRunners, name) {
		if name == "pipenv" {
			words := pipenvWords(args)
			if sub := pipenvNext(words, 0); sub < len(words) && words[sub] == "run" {
				if cmd := pipenvNext(words, sub+1); cmd < len(words) {
					return words[cmd:]
				}
			}
			return nil
		}
		if name == "pdm" || name == "poetry" {
			if _, _, i := runnerScriptsLine(args); i > 0 {
				return runnerWordsOf(args)[i:]
			}
			return nil
		}
		if i := runnerCommand(args); i > 0 {
			return args[i:]
		}
		return nil
	}
	if !slices.Contains(jsRunners, name) || name == "npm" && (len(args) < 2 || args[1] != "exec" && args[1] != "x") {
		return nil
	}
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "exec" || a == "x" || a == "dlx" || a == "--":
			continue
		case slices.Contains([]string{"-p", "--package", "-C", "--dir", "--cwd", "-F", "--filter"}, a):
			i++ // its value
			continue
		case strings.HasPrefix(a, "-"):
			continue
		}
		bin := a
		if at := strings.LastIndexByte(a, '@'); at > 0 {
			bin = a[:at] // dotenv-cli@7
		}
		if b, ok := jsLauncherPackages[bin]; ok {
			bin = b
		}
		if bin == "dotenv" || slices.Contains(envLaunchers, bin) {
			return append([]string{bin}, args[i+1:]...)
		}
		return nil
	}
	return nil
}
