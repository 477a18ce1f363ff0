package tool

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// CheckExecLine refuses a dbguard exec command line run in wd below root
// that CheckLauncher refuses, or whose package.json script (npm run
// NAME, yarn NAME, ...; through a runner or behind an env launcher) holds
// a command it refuses, runs a migration tool, or sets one of set (the
// variables dbguard gives the command) itself.
func CheckExecLine(root, wd string, set, args []string) error {
	lc := &lineCheck{root: root, set: set, budget: 1024}
	return lc.checkArgs(wd, args, nil, 0, false, true)
}

// CheckCommand refuses a migrations.command line (which: up, down,
// status) whose commands exec would refuse as its command line (an env
// file loaded over the guarded URL: env-cmd, dotenv -o, pipenv run, pdm's
// shared env, ...), that sets a variable dbguard sets, or that dbguard
// cannot read (command substitution, control flow); the error names the
// line in dbguard.yaml and again is the dbguard command to run after the
// fix. sh runs the line: it is read as sh splits it (readShellLine), and
// a script it runs (./migrate.sh, make) is not read.
func (p *Project) CheckCommand(which, line, again string) error {
	if p.Kind != Command || strings.TrimSpace(line) == "" {
		return nil
	}
	lc := &lineCheck{root: p.root, budget: 1024}
	for v := range p.Env(p.urlVars, "") {
		lc.set = append(lc.set, v)
	}
	err := lc.checkShellLine(p.Workdir, line, 0, false, false)
	if err == nil {
		return nil
	}
	where := fmt.Sprintf("%s:%d", output.Escape(p.config), p.commandLines[which])
	var u *shellUnread
	if errors.As(err, &u) {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  fmt.Sprintf("%s: migrations.command.%s holds %s, which dbguard cannot read: it would not know whether a launcher there loads another env file over the guarded URL", where, which, u.why),
			Next: "move the line to a script in the project (scripts/migrate-" + which + ".sh) and set migrations.command." + which + ": sh scripts/migrate-" + which + ".sh in " + output.Escape(p.config) + ", then run: " + again}
	}
	var a *exitcode.Advice
	if !errors.As(err, &a) {
		return err
	}
	next := "edit migrations.command." + which + " in " + where + " (" + a.Next + "), then run: " + again
	if before, cmd, ok := strings.Cut(a.Next, "dbguard exec -- "); ok && !strings.HasPrefix(a.Next, "change the script in ") {
		next = "edit migrations.command." + which + " in " + where + " (write that command as " + envPrefix(before) + cmd + "), then run: " + again
	} else if strings.HasPrefix(a.Next, "change the script in ") {
		next = a.Next + ", then run: " + again
	}
	return &exitcode.Advice{Code: exitcode.Usage,
		Msg:  fmt.Sprintf("%s: migrations.command.%s: %s", where, which, a.Msg),
		Next: next}
}

// envPrefix is the assignments a hint puts in front of dbguard exec
// (PIPENV_DONT_LOAD_ENV=1 ), which a sh line or script keeps: the words
// after the hint's last ": ".
func envPrefix(before string) string {
	if i := strings.LastIndex(before, ": "); i >= 0 {
		before = before[i+2:]
	}
	if isAssign(before) {
		return before
	}
	return ""
}

// lineCheck is what one reading of command lines (exec's argv, a
// migrations.command line) shares: the project root, the variables
// dbguard sets that a line may not set itself, and a budget of commands
// read through sh -c and package scripts.
type lineCheck struct {
	root   string
	set    []string
	budget int
	// inLauncher is set while the commands behind an env launcher are
	// read (checkLauncherCommand), which reads every one itself.
	inLauncher int
}

// checkLauncherCommand reads the command an env launcher runs (dotenv -e
// F -- CMD, env-cmd --no-override CMD, dotenvx run -- CMD) as a command
// of its own: each word from which a command dbguard reads further may
// start (another launcher, sh -c, env, a prefix, a runner) is checked
// from there, since the launchers' own options are not all known; with
// env-cmd's --use-shell a word holding blanks is a sh line. Before,
// only a package script there was read: `dotenv -e .env.local --
// env-cmd -f .env.prod ./m` and `dotenvx run -- sh -c 'env-cmd -f
// .env.prod ./m'` passed, the inner env-cmd's file over the guarded URL.
func (lc *lineCheck) checkLauncherCommand(wd string, args []string, depth int, direct, scripts bool) error {
	lc.inLauncher++
	defer func() { lc.inLauncher-- }()
	useShell := filepath.Base(args[0]) == "env-cmd" && slices.Contains(args, "--use-shell")
	heads := 0
	for i := 1; i < len(args); i++ {
		if useShell && strings.ContainsAny(args[i], " \t\n;&|") {
			if err := lc.checkShellLine(wd, args[i], depth+1, scripts, scripts); err != nil {
				return err
			}
			continue
		}
		if !launcherHead(args[i:]) {
			continue
		}
		if heads++; heads > 64 {
			return &shellUnread{"more commands behind an env launcher than dbguard reads"}
		}
		if err := lc.checkArgs(wd, args[i:], nil, depth, direct, scripts); err != nil {
			return err
		}
	}
	return nil
}

// launcherHead is whether args starts a command dbguard reads further
// than CheckLauncher: an env launcher, a prefix, env, a shell, a runner.
func launcherHead(args []string) bool {
	return isEnvLauncher(args) || prefixEnd(args) > 0 || innerCommand(args) != nil ||
		slices.Contains([]string{"env", "exec", "command", "sh", "bash", "dash", "zsh", "ash", "ksh"}, filepath.Base(args[0]))
}

// checkShellLine runs exec's launcher checks on every simple command of a
// sh line run in wd (a migrations.command line, a package.json script):
// a cd moves wd (inside the project), sh -c's line is read in turn, an
// npm/yarn/pnpm/bun script is read from package.json, and a command
// assigning a variable dbguard sets (DATABASE_URL=x cmd) is refused: the
// command would connect where that names. direct and scripts are
// checkArgs'. A line dbguard cannot read is a *shellUnread.
func (lc *lineCheck) checkShellLine(wd, line string, depth int, direct, scripts bool) error {
	if depth > shellLineDepth {
		return &shellUnread{"sh -c and package scripts nested deeper than dbguard follows"}
	}
	cmds, err := readShellLine(line)
	if err != nil {
		return err
	}
	// A line of its own (sh -c's): its launchers' commands are read.
	defer func(n int) { lc.inLauncher = n }(lc.inLauncher)
	lc.inLauncher = 0
	cdpath := false // the line has set CDPATH
	for _, c := range cmds {
		if lc.budget--; lc.budget < 0 {
			return &shellUnread{"more commands than dbguard reads"}
		}
		if err := lc.checkVars(c); err != nil {
			return err
		}
		if slices.Contains(c.Assigns, "CDPATH") {
			cdpath = true
		}
		w := c.Words
		if len(w) == 0 {
			continue
		}
		if w[0] == "cd" {
			// cd's options (-P, -L, --) before the folder; a folder
			// not spelled from here (./db, ../x, /abs) goes through
			// CDPATH when the line or the environment sets it:
			// `CDPATH=..; cd db` enters ../db even where ./db exists.
			dirs := w[1:]
			for len(dirs) > 0 && strings.HasPrefix(dirs[0], "-") && dirs[0] != "-" {
				if dirs = dirs[1:]; w[len(w)-len(dirs)-1] == "--" {
					break
				}
			}
			if len(dirs) != 1 {
				return &shellUnread{"a cd to a folder dbguard cannot place in the project"}
			}
			d := dirs[0]
			to := filepath.Join(wd, d)
			if filepath.IsAbs(d) {
				to = filepath.Clean(d)
			}
			viaCDPATH := (cdpath || os.Getenv("CDPATH") != "") && !filepath.IsAbs(d) && d != "." && d != ".." && !strings.HasPrefix(d, "./") && !strings.HasPrefix(d, "../")
			if strings.ContainsAny(d, "$~*?[") || d == "-" || viaCDPATH || !inside(lc.root, to) {
				return &shellUnread{"a cd to a folder dbguard cannot place in the project"}
			}
			wd = to
			continue
		}
		if err := lc.checkArgs(wd, w, c.Expands, depth, direct, scripts); err != nil {
			return err
		}
	}
	return nil
}

// checkVars refuses a command that sets or takes away a variable
// dbguard sets: the command would connect where the new value names, or
// where its own env file does.
func (lc *lineCheck) checkVars(c shellCommand) error {
	for _, name := range c.Assigns {
		if slices.Contains(lc.set, name) {
			return &exitcode.Advice{Code: exitcode.Usage,
				Msg:  fmt.Sprintf("the line sets %s itself, which dbguard sets to the guarded URL: the command would connect where that names", name),
				Next: "drop " + name + "=... from it (dbguard gives the command the guarded URL)"}
		}
	}
	for _, name := range c.Unsets {
		if slices.Contains(lc.set, name) {
			return &exitcode.Advice{Code: exitcode.Usage,
				Msg:  fmt.Sprintf("the line unsets %s, which dbguard sets to the guarded URL: the command would connect where its own configuration (an env file) names", name),
				Next: "drop the unset of " + name + " from it (dbguard gives the command the guarded URL)"}
		}
	}
	return nil
}

// shellDashC is the line a sh, bash, dash, ... command line runs with -c
// (its options read as sh reads them: -c anywhere among them, `sh -c -e
// LINE`, `sh +e -c LINE`, `sh -o errexit -c LINE`, bash's long options),
// and whether it has -c.
func shellDashC(args []string) (line string, dashC bool) {
	i := 1
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" || a == "-" {
			i++
			break
		}
		if strings.HasPrefix(a, "--") {
			if a == "--rcfile" || a == "--init-file" {
				i++ // its value
			}
			continue
		}
		if len(a) < 2 || a[0] != '-' && a[0] != '+' {
			break
		}
		for _, f := range a[1:] {
			switch f {
			case 'c':
				dashC = dashC || a[0] == '-'
			case 'o', 'O':
				i++ // -o NAME, bash's -O NAME
			}
		}
	}
	if !dashC {
		return "", false // sh script.sh, or its stdin: not read
	}
	if i >= len(args) {
		return "", true // sh -c with no line runs nothing
	}
	return args[i], true
}

// checkArgs is CheckLauncher for one command line run in wd, with the
// package.json scripts it runs read too (npm run NAME, and behind a
// runner: uv run npm run NAME). direct refuses the line when it runs a
// migration tool itself; scripts refuses a script that does (exec: it
// would not know it runs the tool). A launcher in front of a script
// (env-cmd --no-override -f .env.prod npm run migrate) makes the
// script's tool refused in any case: the launcher gives it variables of
// its own (DIRECT_URL, where dbguard set DATABASE_URL only).
//
// exp is which of args sh would expand (nil for exec's own argv): a
// command name that expands is refused wherever it stands, behind a
// prefix or env too (`env $X ...`, `nice $X ...` ran whatever $X held).
// sh -c's line is read, and env's, exec's and command's assignments and
// command, behind a prefix too: `nohup sh -c 'env-cmd -f .env.prod ...'`
// and `nice env DATABASE_URL=... ./m` were read as nohup's and nice's
// command, sh and env, which dbguard did not follow.
func (lc *lineCheck) checkArgs(wd string, args []string, exp []bool, depth int, direct, scripts bool) error {
	if len(args) == 0 {
		return nil
	}
	if len(exp) > 0 && exp[0] {
		return &shellUnread{"a command name that expands (" + args[0] + ")"}
	}
	if i := prefixEnd(args); i > 0 {
		// nice, timeout, sudo ... in front: the command they run, the
		// hint keeping them (timeout 600 env-cmd --no-override ...).
		if k := KindOf(args[i:]); k != "" && !direct && depth == 0 && scripts {
			// exec's own line: exec would run timeout, not knowing it
			// runs the tool; in front of dbguard it times the same run.
			return &exitcode.Advice{Code: exitcode.Usage,
				Msg:  filepath.Base(args[0]) + " runs " + string(k) + ", and exec would not know it runs " + string(k) + ": none of its checks, nor the variables dbguard sets for it",
				Next: "put it in front of dbguard: " + strings.Join(shellWords(args[:i]), " ") + " dbguard exec -- " + strings.Join(shellWords(args[i:]), " ")}
		}
		err := lc.checkArgs(wd, args[i:], after(exp, i), depth, direct, scripts)
		var a *exitcode.Advice
		if errors.As(err, &a) {
			if before, cmd, ok := strings.Cut(a.Next, "dbguard exec -- "); ok {
				if KindOf(strings.Fields(cmd)) != "" {
					// A tool's command: exec refuses a prefix in front of
					// it, so the prefix goes in front of dbguard, as exec's
					// own line is told (timeout 5 dbguard exec -- npx prisma ...).
					a.Next = before + strings.Join(shellWords(args[:i]), " ") + " dbguard exec -- " + cmd
				} else {
					a.Next = before + "dbguard exec -- " + strings.Join(shellWords(args[:i]), " ") + " " + cmd
				}
			}
		}
		return err
	}
	if inner, loads, unread, ok := genericRun(args); ok {
		return lc.checkGenericRun(wd, args, exp, inner, loads, unread, depth, direct, scripts)
	}
	switch name := filepath.Base(args[0]); {
	case slices.Contains([]string{"env", "exec", "command", "builtin"}, name):
		e := exp
		if len(e) != len(args) {
			e = make([]bool, len(args))
		}
		c, err := simpleCommand(args, e)
		if err != nil {
			return err
		}
		if err := lc.checkVars(c); err != nil {
			return err
		}
		if k := KindOf(c.Words); k != "" && !direct && depth == 0 && scripts {
			// exec's own line, as a prefix's above: exec would not
			// know it runs the tool.
			return &exitcode.Advice{Code: exitcode.Usage,
				Msg:  name + " runs " + string(k) + ", and exec would not know it runs " + string(k) + ": none of its checks, nor the variables dbguard sets for it",
				Next: "put it in front of dbguard: " + strings.Join(shellWords(args[:len(args)-len(c.Words)]), " ") + " dbguard exec -- " + strings.Join(shellWords(c.Words), " ")}
		}
		return lc.checkArgs(wd, c.Words, c.Expands, depth, direct, scripts)
	case slices.Contains([]string{"sh", "bash", "dash", "zsh", "ash", "ksh"}, name):
		line, dashC := shellDashC(args)
		if !dashC {
			return nil // sh script.sh: a script dbguard does not read
		}
		err := lc.checkShellLine(wd, line, depth+1, scripts, scripts)
		var u *shellUnread
		if depth == 0 && !direct && scripts && errors.As(err, &u) {
			// exec's own command line, as the user typed it (sh -c
			// 'case ... esac'): what sh -c runs is read where it can
			// be, and a line that cannot runs as it did before.
			return nil
		}
		return err
	}
	if err := CheckLauncher(lc.root, wd, args); err != nil {
		return err
	}
	if k := KindOf(args); direct && k != "" {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  "exec would not know it runs " + string(k) + ": none of its checks, nor the variables dbguard sets for it (Prisma's directUrl, ALEMBIC_CONFIG)",
			Next: "run the tool itself: dbguard exec -- " + strings.Join(shellWords(npxFor(args)), " ")}
	}
	if isEnvLauncher(args) {
		if lc.inLauncher == 0 {
			if err := lc.checkLauncherCommand(wd, args, depth, direct, scripts); err != nil {
				return err
			}
		}
		for i := 1; i < len(args); i++ {
			if name, _, _ := scriptRun(args[i:]); name == "" {
				if alt := optionValuesDropped(args[i:]); alt == nil {
					continue
				} else if name, _, _ := scriptRun(alt); name == "" {
					continue
				}
			}
			err := lc.checkScript(wd, args[i:], depth, true)
			var a *exitcode.Advice
			if errors.As(err, &a) {
				a.Msg = filepath.Base(args[0]) + " runs " + strings.Join(shellWords(args[i:]), " ") + ", and " + a.Msg
			}
			return err
		}
		return nil
	}
	if err := lc.checkScript(wd, args, depth, scripts); err != nil {
		return err
	}
	if inner := innerCommand(args); inner != nil {
		return lc.checkArgs(wd, inner, nil, depth, direct, scripts) // uv run npm run migrate
	}
	return nil
}

// after is exp from i on, nil for none.
func after(exp []bool, i int) []bool {
	if i >= len(exp) {
		return nil
	}
	return exp[i:]
}

// isEnvLauncher is whether args runs its command with variables of a
// file's or a secrets manager's: dotenv (either CLI), python -m dotenv,
// and envLaunchers.
func isEnvLauncher(args []string) bool {
	if len(args) == 0 {
		return false
	}
	name := filepath.Base(args[0])
	if strings.HasPrefix(name, "python") && name != "python-dotenv" {
		return pythonModule(args) == "dotenv"
	}
	return name == "dotenv" || name == "python-dotenv" || slices.Contains(envLaunchers, name)
}

// npxFor is a package script's command as exec runs it: a bare prisma or
// dbmate (node_modules/.bin on the script's PATH) through npx.
func npxFor(args []string) []string {
	if len(args) > 0 && (args[0] == "prisma" || args[0] == "dbmate") {
		return append([]string{"npx"}, args...)
	}
	return args
}

// yarnCommands are yarn's (1 and berry) and pnpm's own commands: yarn
// NAME and pnpm NAME run the script NAME only when NAME is none of them.
var yarnCommands = []string{"add", "audit", "autoclean", "bin", "cache", "check", "config", "create", "dedupe", "dlx", "exec",
	"explain", "generate-lock-entry", "global", "help", "import", "info", "init", "install", "i", "licenses", "link", "list", "ls", "login",
	"logout", "node", "outdated", "owner", "pack", "patch", "patch-commit", "plugin", "policies", "publish", "rebuild", "remove", "rm", "root", "search",
	"set", "store", "tag", "team", "unlink", "unplug", "up", "update", "upgrade", "upgrade-interactive", "version", "versions", "why",
	"workspace", "workspaces", "env", "fetch", "import", "prune", "server", "setup", "deploy", "doctor", "approve-builds", "dlx"}

// scriptRun is the package.json script a JavaScript package manager's
// command line runs: npm run|run-script|rum|urn NAME (and npm start,
// test, stop, restart), yarn [run] NAME, pnpm [run] NAME, bun run NAME;
// "" for none. dir is the folder a --prefix, -C, --dir or --cwd option
// names; multi is set for options that run other packages' scripts
// (--workspace, --filter, --recursive).
func scriptRun(args []string) (name, dir string, multi bool) {
	if len(args) < 2 {
		return "", "", false
	}
	pm := filepath.Base(args[0])
	if !slices.Contains([]string{"npm", "yarn", "pnpm", "bun"}, pm) {
		return "", "", false
	}
	i := 1
	for ; i < len(args) && strings.HasPrefix(args[i], "-"); i++ {
		flag, val, glued := strings.Cut(args[i], "=")
		switch flag {
		case "--prefix", "-C", "--dir", "--cwd":
			if !glued && i+1 < len(args) {
				i++
				val = args[i]
			}
			dir = val
		case "-w", "--workspace", "-ws", "--workspaces", "-F", "--filter", "-r", "--recursive", "--include-workspace-root":
			multi = true
			if !glued && (flag == "-w" && pm == "npm" || flag == "--workspace" || flag == "-F" || flag == "--filter") && i+1 < len(args) {
				i++
			}
		}
	}
	if i >= len(args) {
		return "", "", false
	}
	sub := args[i]
	switch {
	case pm == "yarn" && (sub == "workspace" || sub == "workspaces") && i+2 < len(args):
		return args[len(args)-1], dir, true // yarn workspace api migrate: api's script
	case slices.Contains([]string{"run", "run-script", "rum", "urn"}, sub) && pm != "bun" || pm == "bun" && sub == "run":
		for i++; i < len(args) && strings.HasPrefix(args[i], "-"); i++ {
			if args[i] == "--" {
				continue
			}
			if slices.Contains([]string{"-w", "--workspace", "-F", "--filter", "--if-present"}, args[i]) {
				multi = multi || args[i] != "--if-present"
				if args[i] != "--if-present" {
					i++
				}
			}
		}
		if i < len(args) {
			return args[i], dir, multi
		}
	case slices.Contains([]string{"start", "test", "t", "tst", "stop", "restart"}, sub) && pm != "bun":
		if sub == "t" || sub == "tst" {
			sub = "test"
		}
		return sub, dir, multi
	case (pm == "yarn" || pm == "pnpm") && !slices.Contains(yarnCommands, sub) && !slices.Contains([]string{"run", "run-script"}, sub):
		return sub, dir, multi
	}
	return "", "", false
}

// checkScript refuses a package-manager command line whose package.json
// script (and its pre and post scripts) holds a command exec would
// refuse, or (tools) runs a migration tool; package.json is the nearest
// from the folder the manager runs in up to the project root. Nothing
// for a command line that runs no script.
//
// An option before the command may take the next word as its value
// (npm's `--loglevel silent run migrate` runs migrate, read as the
// command silent before) or not (yarn's `--silent migrate`): both
// readings are checked.
func (lc *lineCheck) checkScript(wd string, args []string, depth int, tools bool) error {
	if err := lc.checkScriptOnce(wd, args, depth, tools); err != nil {
		return err
	}
	if alt := optionValuesDropped(args); alt != nil {
		return lc.checkScriptOnce(wd, alt, depth, tools)
	}
	return nil
}

// optionValuesDropped is a package manager's command line with the word
// after each of its leading options that has no =VALUE taken off (the
// option's value, as npm reads --loglevel silent), nil when none is.
// The options scriptRun reads a value of (--prefix, --workspace, ...)
// keep theirs.
func optionValuesDropped(args []string) []string {
	if len(args) < 3 || !slices.Contains([]string{"npm", "yarn", "pnpm", "bun"}, filepath.Base(args[0])) {
		return nil
	}
	out, dropped := []string{args[0]}, false
	i := 1
	for ; i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "--"; i++ {
		out = append(out, args[i])
		if strings.Contains(args[i], "=") || i+1 >= len(args) || strings.HasPrefix(args[i+1], "-") {
			continue
		}
		i++
		if slices.Contains([]string{"--prefix", "-C", "--dir", "--cwd", "-w", "--workspace", "-F", "--filter"}, args[i-1]) {
			out = append(out, args[i])
			continue
		}
		dropped = true // the value: --loglevel silent
	}
	if !dropped {
		return nil
	}
	return append(out, args[i:]...)
}

func (lc *lineCheck) checkScriptOnce(wd string, args []string, depth int, tools bool) error {
	name, dir, multi := scriptRun(args)
	if name == "" {
		return nil
	}
	if depth >= shellLineDepth {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  "package scripts run package scripts deeper than dbguard reads (" + fmt.Sprint(shellLineDepth) + "): it would not know what runs with the guarded URL",
			Next: "run the script's command itself: dbguard exec -- COMMAND"}
	}
	if multi {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  strings.Join(shellWords(args), " ") + " runs the scripts of other packages of the workspace, which dbguard does not read",
			Next: "from that package's own folder, whose package.json dbguard reads, run it without the workspace option: dbguard exec -- " + filepath.Base(args[0]) + " run " + output.ShellWord(name)}
	}
	if dir != "" {
		if filepath.IsAbs(dir) {
			wd = filepath.Clean(dir)
		} else {
			wd = filepath.Join(wd, dir)
		}
	}
	data, pdir, err := lc.packageJSON(wd)
	if err != nil || data == nil {
		return err
	}
	at := output.Escape(output.RelTo(lc.root, filepath.Join(pdir, "package.json")))
	var pkg struct {
		Scripts map[string]any `json:"scripts"`
	}
	// npm strips a byte order mark and reads JSON nested deeper than Go
	// does: a package.json Go cannot read is refused, not passed over.
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &pkg); err != nil {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  fmt.Sprintf("%s: dbguard cannot read it as JSON (%s), and %s may still run its script %s: it would not know what the script runs with the guarded URL", at, jsonWhy(err), filepath.Base(args[0]), output.Escape(name)),
			Next: "fix " + at + " (npm's own check: npm pkg get scripts), then run the command again"}
	}
	for _, n := range []string{"pre" + name, name, "post" + name} {
		line, isText := pkg.Scripts[n].(string)
		if !isText {
			continue
		}
		err := lc.checkShellLine(pdir, line, depth+1, tools, tools)
		if err == nil {
			continue
		}
		where := fmt.Sprintf("%s:%d", at, jsonKeyLine(data, n))
		var u *shellUnread
		if errors.As(err, &u) {
			return &exitcode.Advice{Code: exitcode.Usage,
				Msg:  fmt.Sprintf("%s: the script %s holds %s, which dbguard cannot read: it would not know what the script runs with the guarded URL", where, output.Escape(n), u.why),
				Next: "move that part to a script file (scripts/" + output.Escape(n) + ".sh) the package script runs, then run the command again"}
		}
		var a *exitcode.Advice
		if errors.As(err, &a) {
			// The script as written, its passwords masked (a URL in
			// DATABASE_URL=... is why it is refused).
			a.Msg = fmt.Sprintf("%s: the script %s runs %s; %s", where, output.Escape(n), output.Escape(dburl.RedactText(strings.TrimSpace(line))), a.Msg)
			switch before, cmd, ok := strings.Cut(a.Next, "dbguard exec -- "); {
			case strings.HasPrefix(a.Next, "run the tool itself: ") || strings.HasPrefix(a.Next, "change the script in "):
				// a tool the script runs: run it so; or a script it runs
			case ok && tools && KindOf(strings.Fields(cmd)) != "":
				// The script without its launcher is still a tool's.
				a.Next = "run the tool itself: dbguard exec -- " + strings.Join(npxFor(strings.Fields(cmd)), " ")
			case ok:
				a.Next = "change the script in " + where + " to: " + envPrefix(before) + cmd
			default:
				a.Next = "change the script in " + where + ": " + a.Next
			}
			return a
		}
		return err
	}
	return nil
}

// packageJSON is the package.json npm reads for a script run in wd: the
// nearest from wd up to the project root (nil when none is). One that is
// there but cannot be read (a link out of the project, over 4 MiB, not a
// file) is refused: npm reads it, and a package.json above it, which
// dbguard read instead, runs nothing.
func (lc *lineCheck) packageJSON(wd string) (data []byte, dir string, err error) {
	for dir := wd; ; dir = filepath.Dir(dir) {
		rel, err := filepath.Rel(lc.root, dir)
		if err != nil || !filepath.IsLocal(rel) && rel != "." {
			return nil, "", nil
		}
		name := filepath.Join(rel, "package.json")
		if _, err := os.Lstat(filepath.Join(dir, "package.json")); err == nil {
			data, err := safefile.ReadUnder(lc.root, name, 4<<20)
			if err != nil {
				at := output.Escape(filepath.ToSlash(name))
				return nil, "", &exitcode.Advice{Code: exitcode.Usage,
					Msg:  fmt.Sprintf("%s cannot be read inside the project (a link out of it, a file over 4 MiB, or no file), and the package manager would run its scripts: dbguard would not know what they run with the guarded URL", at),
					Next: "make " + at + " a file of the project, then run the command again"}
			}
			return data, dir, nil
		}
		if dir == lc.root || filepath.Dir(dir) == dir {
			return nil, "", nil
		}
	}
}

// jsonWhy is a JSON error without the text it quotes (a value of the
// file's).
func jsonWhy(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("a syntax error at byte %d", se.Offset)
	}
	return "not the shape npm reads"
}

// jsonKeyLine is the line of the key "name" in package.json's scripts
// object (the first after "scripts"), 1 when it is not found.
func jsonKeyLine(data []byte, name string) int {
	quoted, _ := json.Marshal(name)
	from := bytes.Index(data, []byte(`"scripts"`))
	if from < 0 {
		return 1
	}
	at := bytes.Index(data[from:], quoted)
	if at < 0 {
		return 1
	}
	return 1 + bytes.Count(data[:from+at], []byte("\n"))
}

// checkGenericRun checks a generic runner's line (genericRun): one that
// loads an env file or folder is refused as env-cmd is; one whose
// command dbguard cannot read is unread (refused with the reason on
// exec's own line); the command a readable one runs is checked as the
// line's, exec's own line refused where it is the tool, as behind nice.
func (lc *lineCheck) checkGenericRun(wd string, args []string, exp []bool, inner []string, loads, unread string, depth int, direct, scripts bool) error {
	name := filepath.Base(args[0])
	script := "put the commands in a script in the project (scripts/migrate.sh) and run: dbguard exec -- sh scripts/migrate.sh"
	switch {
	case loads != "":
		next := script
		if len(inner) > 0 {
			next = "drop " + name + " and run: dbguard exec -- " + strings.Join(shellWords(inner), " ")
		}
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  name + " runs its command under " + loads + ": a DATABASE_URL there would replace the guarded URL",
			Next: next}
	case unread != "" && depth == 0 && !direct && scripts && slices.Contains([]string{"sh", "bash", "dash", "zsh", "ash", "ksh"}, name):
		// exec's own line, `dbguard exec -- bash`: the shell reads
		// what the user types, as an unread sh -c line there runs.
		return nil
	case unread != "" && depth == 0 && !direct && scripts:
		next := script
		if len(inner) > 0 && KindOf(inner) != "" {
			next = "run the tool itself: dbguard exec -- " + strings.Join(shellWords(inner), " ")
		}
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  "dbguard cannot read what runs behind " + unread + ": it would not know whether a launcher there loads another env file over the guarded URL, nor run the checks of the tool it runs",
			Next: next}
	case unread != "":
		return &shellUnread{unread}
	case len(inner) == 0:
		return nil
	}
	if k := KindOf(inner); k != "" && !direct && depth == 0 && scripts {
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  name + " runs " + string(k) + ", and exec would not know it runs " + string(k) + ": none of its checks, nor the variables dbguard sets for it",
			Next: "run the tool itself: dbguard exec -- " + strings.Join(shellWords(inner), " ")}
	}
	var e []bool
	if n := len(args) - len(inner); n > 0 && len(inner) > 0 && &inner[0] == &args[n] {
		e = after(exp, n) // a tail of args, not a line built from them
	}
	return lc.checkArgs(wd, inner, e, depth, direct, scripts)
}
