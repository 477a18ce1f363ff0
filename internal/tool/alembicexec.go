package tool

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
)

// alembicArgs is Alembic's own command line in a command line KindOf
// calls Alembic's: the words after alembic, python -m alembic, or a
// runner's run word and those.
func alembicArgs(args []string) []string {
	if len(args) == 0 {
		return nil
	}
	name := filepath.Base(args[0])
	switch {
	case name == "alembic":
		return args[1:]
	case strings.HasPrefix(name, "python"):
		if m, rest := pythonModuleRest(args); m == "alembic" {
			return rest
		}
		if inner := innerCommand(args); inner != nil {
			return alembicArgs(inner) // python -m pdm run alembic
		}
	case slices.Contains(pythonRunners, name):
		if inner := innerCommand(args); inner != nil {
			return alembicArgs(inner) // as KindOf reads the runner
		}
	}
	return nil
}

// runnerProjectOptions are the options of a Python runner, before run or
// after it and before the command, that move the command to another
// project: uv's --directory (uv changes to it), poetry's -C/--directory
// and -P/--project (poetry 2's documentation; poetry 1.3.2 here has
// neither), pdm's run -p/--project (pdm 2.2.1 here: that project's
// pyproject.toml and environment, the command still in this folder)
// and hatch's -p/--project (a project by name or path).
var runnerProjectOptions = map[string][]string{
	"uv":     {"--directory"},
	"poetry": {"-C", "--directory", "-P", "--project"},
	"pdm":    {"-p", "--project"},
	"hatch":  {"-p", "--project"},
}

// uvDirectory is the folder a runner's project option names in a
// runner command line (uv --directory D, poetry -C D, pdm run -p D,
// hatch -p D; the last one given), the option as written, and the line
// without it; "" for none.
func uvDirectory(args []string) (dir, opt string, without []string) {
	if len(args) == 0 {
		return "", "", nil
	}
	if runner, project, _ := runnerScriptsLine(args); project != "" && (runner == "pdm" || runner == "poetry") {
		return runnerProject(args, project)
	}
	if m, rest := pythonModuleRest(args); strings.HasPrefix(filepath.Base(args[0]), "python") && (m == "uv" || m == "hatch") {
		d, o, w := uvDirectory(append([]string{m}, rest...))
		if d == "" {
			return "", "", nil
		}
		return d, o, append(slices.Clone(args[:len(args)-len(rest)]), w[1:]...) // python3 -m uv ...
	}
	opts := runnerProjectOptions[filepath.Base(args[0])]
	if opts == nil {
		return "", "", nil
	}
	end := runnerCommand(args)
	if end == 0 {
		return "", "", nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, glued := strings.Cut(a, "=")
		if filepath.Base(args[0]) == "pdm" && strings.HasPrefix(name, "--") {
			name = pdmLongOption(name) // argparse: --proj is --project
		}
		if !glued && len(a) > 2 && a[1] != '-' && slices.Contains(opts, a[:2]) {
			name, value, glued = a[:2], a[2:], true // -Csub, -psub
		}
		switch {
		case i >= end || i == 0 || !slices.Contains(opts, name):
			without = append(without, a)
		case glued:
			dir, opt = value, name
		case i+1 < end:
			dir, opt = args[i+1], name
			i++
		default:
			without = append(without, a)
		}
	}
	return dir, opt, without
}

// runnerProject is uvDirectory for pdm and poetry (python -m too), whose
// command lines runnerScriptsLine reads in every spelling (-psub,
// --proj sub, -vp sub, run's options and those before it): the project
// it names, the option as written and the line with each such option
// dropped, found by dropping a word or two that leaves the command the
// same and the project another, until none is named.
func runnerProject(args []string, project string) (dir, opt string, without []string) {
	words := runnerWordsOf(args)
	_, _, n := runnerScriptsLine(args)
	cmd := words[n:]
	cur := args
	for p := project; p != ""; {
		h := len(cur) - len(runnerWordsOf(cur))
		_, _, k := runnerScriptsLine(cur)
		next := []string(nil)
		for i := h; i < h+k && next == nil; i++ {
			for l := 1; l <= 2 && i+l <= h+k; l++ {
				try := slices.Concat(cur[:i], cur[i+l:])
				_, p2, k2 := runnerScriptsLine(try)
				if k2 > 0 && p2 != p && slices.Equal(runnerWordsOf(try)[k2:], cmd) {
					next, p = try, p2
					if opt == "" {
						opt, _, _ = strings.Cut(strings.TrimSuffix(cur[i], project), "=")
					}
					break
				}
			}
		}
		if next == nil {
			return project, opt, args // not found: the hint keeps the line
		}
		cur = next
	}
	return project, opt, cur
}

// alembicConfigFlags reads the options Alembic's CommandLine takes before
// its command (argparse: -c FILE, -cFILE, --config FILE, --config=FILE and
// any unambiguous prefix of --config such as --conf; likewise -n/--name):
// the config files (every -c: Alembic 1.16 and later take it twice, an
// alembic.ini and a pyproject.toml, where 1.8 keeps the last) and the
// section Alembic reads, none or "" where not given, and the words with
// those options dropped.
func alembicConfigFlags(words []string) (files []string, section string, rest []string) {
	long := func(a, full string) bool { return len(a) > 2 && strings.HasPrefix(full, a) }
	for i := 0; i < len(words); i++ {
		a := words[i]
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			rest = append(rest, words[i:]...)
			return files, section, rest // the command: its own options follow
		}
		name, val, glued := strings.Cut(a, "=")
		var into *string
		var file string
		switch {
		case strings.HasPrefix(a, "--") && long(name, "--config"):
			into = &file
		case strings.HasPrefix(a, "--") && long(name, "--name"):
			into = &section
		case !strings.HasPrefix(a, "--") && shortConfigFlag(a) > 0 && a[shortConfigFlag(a)] != 'x':
			// -cFILE, -qc FILE (argparse joins flags: Alembic 1.15
			// and later have -q); argparse reads -c=FILE as -c FILE
			j := shortConfigFlag(a)
			into = &file
			if a[j] == 'n' {
				into = &section
			}
			val, glued = strings.TrimPrefix(a[j+1:], "="), len(a) > j+1
		case !strings.HasPrefix(a, "--") && a[shortConfigFlag(a)] == 'x':
			rest = append(rest, a) // env.py's own (-x, -qx), with its value
			if j := shortConfigFlag(a); j+1 == len(a) && i+1 < len(words) {
				i++
				rest = append(rest, words[i])
			}
			continue
		default:
			rest = append(rest, a) // -xVALUE, --raiseerr, --help, --version
			continue
		}
		if !glued {
			if i+1 < len(words) {
				i++
				val = words[i]
			}
		}
		*into = val
		if into == &file {
			files = append(files, val)
		}
	}
	return files, section, rest
}

// shortConfigFlag is where -c, -n or -x sits in a word of joined short
// options (-c, -qc, -qqn, -qx), 0 for none: argparse reads the flags that
// take no value (Alembic's -q) and then the one that takes the rest.
func shortConfigFlag(a string) int {
	for j := 1; j < len(a); j++ {
		switch a[j] {
		case 'c', 'n', 'x':
			return j
		case 'q':
			continue
		}
		return 0
	}
	return 0
}

// CheckAlembicConfig refuses a dbguard exec Alembic command line (args,
// KindOf Alembic, run in wd) that makes Alembic read a config dbguard did
// not check for p: another file (-c other.ini, ALEMBIC_CONFIG) or another
// section of it (-n other). dbguard read p's alembic.ini's [alembic]
// (script_location, version_locations, sqlalchemy.url); Alembic would run
// the env.py and revisions another one names, out of the project or not.
// -c naming p's own alembic.ini is that file, run in p's workdir; from
// another folder (a monorepo's top) it is refused with the cd that runs it
// there, as Alembic reads a relative script_location from where it runs.
func CheckAlembicConfig(p *Project, wd string, args []string) error {
	if err := CheckUvDirectory(Alembic, wd, args); err != nil {
		return err
	}
	files, section, rest := alembicConfigFlags(alembicArgs(args))
	head := args[:len(args)-len(alembicArgs(args))]
	shown := shellWords(append(append([]string{}, head...), rest...))
	if section != "" && section != "alembic" {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  fmt.Sprintf("-n %s on alembic's command line makes Alembic read the [%s] section, whose script_location and sqlalchemy.url dbguard did not read (it checks [alembic])", output.Escape(section), output.Escape(section)),
			Next: "put those settings in [alembic] of " + output.Escape(output.FromHere(filepath.Join(p.Workdir, "alembic.ini"))) + " and run: " + InWorkdir(p.Workdir) + "dbguard exec -- " + strings.Join(shown, " ")}
	}
	if err := checkAlembicToml(p, wd, files, shown); err != nil {
		return err
	}
	file := ""
	for _, f := range files {
		if filepath.Base(f) != "pyproject.toml" {
			file = f // the ini: Alembic 1.8 keeps the last -c
		}
	}
	from, unset := "-c "+output.Escape(file)+" on alembic's command line", ""
	if env, set := os.LookupEnv("ALEMBIC_CONFIG"); set && filepath.Base(env) != "pyproject.toml" && file != "" {
		// The command printed drops -c: Alembic would then read the
		// variable, which this check refuses in turn.
		unset = "env -u ALEMBIC_CONFIG "
	}
	if file == "" {
		file, from, unset = os.Getenv("ALEMBIC_CONFIG"), "ALEMBIC_CONFIG in the environment", "env -u ALEMBIC_CONFIG "
		if filepath.Base(file) == "pyproject.toml" {
			file = "" // Alembic 1.16's toml (checked above), its ini the default
		}
		if file == "" {
			file, from, unset = "alembic.ini", "the folder it runs in", ""
		}
	}
	named := file // as the user wrote it (outside the project, not made absolute)
	if !filepath.IsAbs(file) {
		file = filepath.Join(wd, file)
	}
	if unset == "" && from == "the folder it runs in" {
		// Named from the project's top, as the checked one is below:
		// from a subfolder, the path helper writes no "..".
		from, named = "Alembic run in "+output.Escape(output.RelTo(p.root, wd)), output.RelTo(p.root, file)
	}
	checked := filepath.Join(p.Workdir, "alembic.ini")
	if filepath.Clean(file) == filepath.Clean(checked) {
		if filepath.Clean(wd) == filepath.Clean(p.Workdir) {
			return nil
		}
		// Alembic takes a relative script_location from the folder it
		// runs in, dbguard took it from alembic.ini's (where migrate up
		// runs Alembic): another folder's revisions and env.py.
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  fmt.Sprintf("Alembic run in %s reads the relative paths of %s (script_location) from there, while dbguard read them from %s, where migrate up runs it", output.Escape(output.RelPath(wd)), output.Escape(output.RelPath(checked)), output.Escape(output.RelPath(p.Workdir))),
			Next: "run it there: " + InWorkdir(p.Workdir) + unset + "dbguard exec -- " + strings.Join(shown, " ")}
	}
	if _, err := os.Lstat(file); err != nil && file == filepath.Join(wd, "alembic.ini") {
		return nil // none here: Alembic stops, reading nothing
	}
	return &exitcode.Advice{Code: exitcode.Usage,
		Msg:  fmt.Sprintf("%s makes Alembic read %s, not the project's %s, which dbguard checked: Alembic would run the env.py and revisions that file names, which dbguard did not read", from, output.Escape(named), output.Escape(output.RelTo(p.root, checked))),
		Next: "put those settings in the project's " + output.Escape(output.FromHere(checked)) + " and run: " + InWorkdir(p.Workdir) + unset + "dbguard exec -- " + strings.Join(shown, " ")}
}

// checkAlembicToml refuses a pyproject.toml Alembic 1.16 and later would
// read [tool.alembic] from (script_location, version_locations,
// prepend_sys_path) other than the project's, the one dbguard checked
// beside alembic.ini: a -c naming a file called pyproject.toml (Alembic
// takes -c twice, the ini and the toml, whichever comes first), else
// ALEMBIC_CONFIG naming one (Alembic 1.16 reads it as the toml even when
// -c names the ini). files are the -c values; shown the command line
// without them.
func checkAlembicToml(p *Project, wd string, files, shown []string) error {
	checked := filepath.Join(p.Workdir, "pyproject.toml")
	from, name, unset := "", "", ""
	env, set := os.LookupEnv("ALEMBIC_CONFIG")
	for _, f := range files {
		if filepath.Base(f) == "pyproject.toml" {
			from, name = "-c "+output.Escape(f)+" on alembic's command line", f
			if set {
				// The command printed drops -c: Alembic would then
				// read the variable, checked in turn.
				unset = "env -u ALEMBIC_CONFIG "
			}
		}
	}
	if from == "" && filepath.Base(env) == "pyproject.toml" {
		from, name, unset = "ALEMBIC_CONFIG in the environment", env, "env -u ALEMBIC_CONFIG "
	}
	if name == "" {
		return nil
	}
	file := name
	if !filepath.IsAbs(file) {
		file = filepath.Join(wd, file)
	}
	if filepath.Clean(file) == filepath.Clean(checked) && filepath.Clean(wd) == filepath.Clean(p.Workdir) {
		return nil
	}
	return &exitcode.Advice{Code: exitcode.Usage,
		Msg:  fmt.Sprintf("%s makes Alembic 1.16 and later read [tool.alembic] of %s, not the project's %s, which dbguard checked: its script_location or version_locations would run an env.py and revisions dbguard did not read", from, output.Escape(name), output.Escape(output.RelTo(p.root, checked))),
		Next: "put those settings in the project's " + output.Escape(output.FromHere(filepath.Join(p.Workdir, "alembic.ini"))) + " and run: " + InWorkdir(p.Workdir) + unset + "dbguard exec -- " + strings.Join(shown, " ")}
}

// CheckUvDirectory refuses a dbguard exec command line (args, KindOf
// kind, run in wd) whose uv --directory D moves the tool to another
// folder: uv changes to D before it runs the command, where the tool
// reads that folder's files (Alembic's alembic.ini, Prisma's schema and
// config, goose's and dbmate's migrations and .env) and relative paths,
// not the ones checked here for the folder exec runs in.
func CheckUvDirectory(kind Kind, wd string, args []string) error {
	dir, opt, without := uvDirectory(args)
	if dir == "" || filepath.Clean(filepath.Join(wd, dir)) == filepath.Clean(wd) {
		return nil
	}
	to := dir
	if !filepath.IsAbs(dir) {
		to = filepath.Join(wd, dir)
	}
	name, reads := string(kind), "migrations folder"
	switch kind {
	case Alembic:
		name, reads = "Alembic", "alembic.ini"
	case Prisma:
		name, reads = "Prisma", "Prisma schema and config"
	}
	msg := fmt.Sprintf("%s %s %s runs %s in %s, where it reads that folder's %s and relative paths, while dbguard checked the folder exec runs in", output.Escape(filepath.Base(args[0])), opt, output.Escape(dir), name, output.Escape(output.RelPath(to)), reads)
	if opt != "--directory" && opt != "-C" {
		// pdm -p, hatch -p, poetry -P: the command stays here, run with
		// another project's pyproject.toml, environment and scripts.
		msg = fmt.Sprintf("%s %s %s runs %s with the project in %s (its pyproject.toml, environment and scripts), which dbguard did not check", output.Escape(filepath.Base(args[0])), opt, output.Escape(dir), name, output.Escape(output.RelPath(to)))
	}
	return &exitcode.Advice{Code: exitcode.Usage,
		Msg:  msg,
		Next: "run it from there: " + InWorkdir(to) + "dbguard exec -- " + strings.Join(shellWords(without), " ")}
}
