package tool

import (
	"path/filepath"
	"slices"
	"strings"
)

// genericRun is what a generic command runner in front of a command
// does with it (review9a): the command it runs where dbguard can read it
// (flock FILE CMD, flock FILE -c LINE, watch -x CMD, watch CMD as sh -c
// of its words joined, chpst's options then CMD), or why dbguard refuses
// it: a runner that loads an env file or folder over the environment
// dbguard gives (direnv exec, envdir, chpst -e, foreman run, honcho run),
// or one whose command dbguard cannot read (xargs adds words read from
// its input, find -exec runs it per file found, systemd-run in a service
// manager's unit with that environment, sh -s or a bare sh reading
// commands from its input). known is false for a word that is none.
func genericRun(args []string) (inner []string, loads, unread string, known bool) {
	if len(args) == 0 {
		return nil, "", "", false
	}
	name := filepath.Base(args[0])
	// opts reads options (value-taking ones in valued) and returns the
	// index of the first operand; -- ends them.
	opts := func(valued []string) int {
		i := 1
		for ; i < len(args); i++ {
			a := args[i]
			if a == "--" {
				return i + 1
			}
			if !strings.HasPrefix(a, "-") || a == "-" {
				return i
			}
			if !strings.Contains(a, "=") && slices.Contains(valued, a) {
				i++
			}
		}
		return i
	}
	switch name {
	case "flock":
		// flock [options] FILE CMD ARGS, flock [options] FILE -c LINE
		// (util-linux 2.39; flock FD with no command runs nothing).
		i := opts([]string{"-w", "--wait", "--timeout", "-E", "--conflict-exit-code"})
		if i+1 >= len(args) {
			return nil, "", "", true
		}
		rest := args[i+1:]
		if rest[0] == "-c" || rest[0] == "--command" {
			if len(rest) < 2 {
				return nil, "", "", true
			}
			return []string{"sh", "-c", rest[1]}, "", "", true
		}
		return rest, "", "", true
	case "watch":
		// procps watch: the words joined with spaces run by sh -c,
		// or as argv with -x/--exec.
		exec := false
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
			if a == "-x" || a == "--exec" {
				exec = true
			}
			if slices.Contains([]string{"-n", "--interval", "-q", "--equexit"}, a) {
				i++
			}
		}
		if i >= len(args) {
			return nil, "", "", true
		}
		if exec {
			return args[i:], "", "", true
		}
		return []string{"sh", "-c", strings.Join(args[i:], " ")}, "", "", true
	case "chpst":
		// runit's chpst: every option but -v -P -0 -1 -2 takes a value;
		// -e DIR sets a variable per file in DIR.
		valued := []string{"-u", "-U", "-e", "-/", "-n", "-l", "-L", "-m", "-d", "-o", "-p", "-f", "-c", "-r", "-t"}
		i := opts(valued)
		for j := 1; j < i; j++ {
			if strings.HasPrefix(args[j], "-e") {
				return args[i:], "chpst -e, which sets a variable for each file in a folder", "", true
			}
		}
		if i >= len(args) {
			return nil, "", "", true
		}
		return args[i:], "", "", true
	case "envdir":
		var rest []string
		if len(args) > 2 {
			rest = args[2:] // envdir DIR CMD
		}
		return rest, "envdir, which sets a variable for each file in a folder", "", true
	case "direnv":
		if len(args) > 1 && args[1] == "exec" {
			var rest []string
			if len(args) > 3 {
				rest = args[3:] // direnv exec DIR CMD
			}
			return rest, "direnv exec, which runs the folder's .envrc (a shell script) and exports what it sets", "", true
		}
	case "foreman", "honcho":
		if len(args) > 1 && args[1] == "run" {
			args = args[1:]
			i := opts([]string{"-e", "--env", "-d", "--root", "-f", "--procfile", "-a", "--app-root"})
			return args[i:], name + " run, which loads the folder's .env (or its -e/--env files)", "", true
		}
	case "xargs":
		i := opts([]string{"-a", "--arg-file", "-d", "--delimiter", "-E", "-e", "-I", "-i", "-L", "-l", "-n", "--max-args", "-P", "--max-procs", "-s", "--max-chars", "--process-slot-var"})
		return args[i:], "", "xargs, which adds words read from its input to the command it runs", true
	case "find":
		for _, a := range args[1:] {
			if slices.Contains([]string{"-exec", "-execdir", "-ok", "-okdir"}, a) {
				return nil, "", "find " + a + ", which runs its command with the files found", true
			}
		}
	case "systemd-run":
		return nil, "", "systemd-run, which runs its command in a unit of the service manager, with that environment", true
	case "sh", "bash", "dash", "zsh", "ash", "ksh":
		if _, dashC := shellDashC(args); !dashC && shellReadsInput(args) {
			return nil, "", name + " reading commands from its input (sh -s, or sh with no script)", true
		}
	}
	return nil, "", "", false
}

// shellReadsInput is whether a sh command line without -c reads its
// commands from its input: -s, or no script operand.
func shellReadsInput(args []string) bool {
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--" || a == "-":
			return i+1 >= len(args) || a == "-"
		case a == "--rcfile" || a == "--init-file":
			i++
		case strings.HasPrefix(a, "--"):
		case len(a) >= 2 && (a[0] == '-' || a[0] == '+'):
			for _, f := range a[1:] {
				if f == 's' {
					return true
				}
				if f == 'o' || f == 'O' {
					i++
				}
			}
		default:
			return false // a script
		}
	}
	return true
}
