package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/gate"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/services"
)

// Completion is answered by run before the app parses anything, so a
// completion request can never reach an action, whatever the words before
// it ("--" included). urfave/cli's own protocol (--generate-bash-completion
// appended to the line) hands the line to the app, and after a "--" it runs
// the command: Tab in "dbguard hook install --" installed the hook.
//
// The scripts call "dbguard __complete SHELL WORD... CURRENT": the words
// after "dbguard" up to the cursor, the last one the word being completed
// (empty after a space). The answer is one candidate a line, and nothing
// when the shell should complete file names instead.
const completeCommand = "__complete"

// legacyCompletionFlag is urfave/cli's request, sent by the bash script of
// dbguard before 0.2 (still sourced in open shells): answered, never run.
const legacyCompletionFlag = "--generate-bash-completion"

// completionRequest reports whether args ask for completions, and which
// shell asks with which words (the last one the word being completed).
func completionRequest(args []string) (shell string, words []string, ok bool) {
	if len(args) >= 2 && args[1] == completeCommand {
		if len(args) == 2 {
			return "bash", []string{""}, true
		}
		words = args[3:]
		if len(words) == 0 {
			words = []string{""}
		}
		return args[2], words, true
	}
	if n := len(args); n >= 2 && args[n-1] == legacyCompletionFlag {
		// The old script appended the current word only when it started
		// with "-"; otherwise the word being completed was empty.
		words = slices.Clone(args[1 : n-1])
		if len(words) == 0 || !strings.HasPrefix(words[len(words)-1], "-") {
			words = append(words, "")
		}
		return "bash-legacy", words, true
	}
	return "", nil, false
}

// candidate is one completion: the word, and what it is (zsh and fish show
// it next to the word).
type candidate struct{ value, desc string }

// writeCompletions answers a completion request on w in the shell's format.
//
// A candidate can come from a file name (--mode staging from .env.staging),
// so it is data no shell may evaluate: "$(...)" in a file name ran when the
// bash script handed candidates to compgen -W. Each shell gets them in a
// form it stores as it is: bash one word a line, quoted as bash reads it
// (COMPREPLY is inserted as typed text); zsh and fish NUL-terminated and
// raw, which they quote themselves when they insert one.
func writeCompletions(w io.Writer, app *cli.App, shell string, words []string) {
	merged := (shell == "bash" || shell == "bash-legacy") && splitAtEquals(words)
	words = joinEquals(words)
	for _, c := range complete(app, words) {
		value := c.value
		if merged {
			// bash completes only what follows "=" (a word break).
			_, value, _ = strings.Cut(value, "=")
		}
		switch shell {
		case "zsh":
			value = strings.ReplaceAll(value, ":", `\:`)
			if desc := oneLine(c.desc); desc != "" {
				value += ":" + desc
			}
			fmt.Fprintf(w, "%s\x00", value)
		case "fish":
			if desc := oneLine(c.desc); desc != "" && !strings.Contains(value, "\t") {
				value += "\t" + desc
			}
			fmt.Fprintf(w, "%s\x00", value)
		case "bash-legacy":
			// The script of dbguard before 0.2 hands the answer to
			// compgen -W, which expands it: only plain words go there.
			if output.PlainWord(value) {
				fmt.Fprintln(w, value)
			}
		default:
			fmt.Fprintln(w, output.ShellWord(value))
		}
	}
}

// splitAtEquals reports whether bash split a --flag=value being completed
// at its "=" (COMP_WORDBREAKS): ... "--flag" "=" ["value"].
func splitAtEquals(words []string) bool {
	n := len(words)
	return (n >= 2 && words[n-1] == "=" && strings.HasPrefix(words[n-2], "-")) ||
		(n >= 3 && words[n-2] == "=" && strings.HasPrefix(words[n-3], "-"))
}

// joinEquals puts back together the --flag=value words bash split at "=".
func joinEquals(words []string) []string {
	var out []string
	for i := 0; i < len(words); i++ {
		if words[i] == "=" && len(out) > 0 && strings.HasPrefix(out[len(out)-1], "-") && !strings.Contains(out[len(out)-1], "=") {
			out[len(out)-1] += "="
			if i+1 < len(words) {
				out[len(out)-1] += words[i+1]
				i++
			}
			continue
		}
		out = append(out, words[i])
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "`", "")
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// complete lists the candidates for the last of words, given the words
// before it. It reads the command tree only: nothing runs.
func complete(app *cli.App, words []string) []candidate {
	cur := words[len(words)-1]
	before := words[:len(words)-1]
	if len(before) > 0 && before[0] == "help" {
		return helpCandidates(app, before[1:], cur)
	}

	var cmd *cli.Command // nil: the app itself
	cmds, flags := app.Commands, app.Flags
	var pending cli.Flag // a flag whose value is the next word
	positional, dashdash := 0, false
	for _, w := range before {
		switch {
		case pending != nil:
			pending = nil
		case dashdash:
			positional++
		case w == "--":
			dashdash = true
		case strings.HasPrefix(w, "-") && w != "-":
			name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
			if f := findFlag(flags, name); f != nil && takesValue(f) && !hasValue {
				pending = f
			}
		default:
			if sub := findCommand(cmds, w); sub != nil && positional == 0 {
				cmd, cmds, flags = sub, sub.Subcommands, sub.Flags
				continue
			}
			positional++
		}
	}

	switch {
	case pending != nil:
		return valueCandidates(cmd, pending, "", cur)
	case dashdash:
		return nil // files, or whatever the shell offers
	case strings.HasPrefix(cur, "-") && strings.Contains(cur, "="):
		name, val, _ := strings.Cut(cur, "=")
		if f := findFlag(flags, strings.TrimLeft(name, "-")); f != nil && takesValue(f) {
			return valueCandidates(cmd, f, name+"=", val)
		}
		return nil
	case strings.HasPrefix(cur, "-"):
		return flagCandidates(cmd, flags, cur)
	case positional == 0 && len(cmds) > 0:
		return commandCandidates(cmds, cur)
	case cmd != nil && positional == 0:
		return prefixed(argChoices[cmd.Name], cur)
	}
	return nil
}

// helpCandidates completes dbguard help COMMAND...: command names only.
func helpCandidates(app *cli.App, path []string, cur string) []candidate {
	cmds := app.Commands
	for _, w := range path {
		cmd := findCommand(cmds, w)
		if cmd == nil {
			return nil
		}
		cmds = cmd.Subcommands
	}
	return commandCandidates(cmds, cur)
}

func commandCandidates(cmds []*cli.Command, cur string) []candidate {
	var out []candidate
	for _, c := range cmds {
		if !c.Hidden && strings.HasPrefix(c.Name, cur) {
			out = append(out, candidate{c.Name, c.Usage})
		}
	}
	return out
}

func flagCandidates(cmd *cli.Command, flags []cli.Flag, cur string) []candidate {
	var out []candidate
	add := func(name, desc string) {
		if strings.HasPrefix(name, cur) {
			out = append(out, candidate{name, desc})
		}
	}
	for _, f := range flags {
		if v, ok := f.(cli.VisibleFlag); ok && !v.IsVisible() {
			continue
		}
		name := f.Names()[0]
		if name == "help" {
			continue // once, below
		}
		usage := ""
		if d, ok := f.(cli.DocGenerationFlag); ok {
			usage = d.GetUsage()
		}
		if len(name) == 1 {
			add("-"+name, usage)
		} else {
			add("--"+name, usage)
		}
	}
	add("--help", "show help")
	if cmd == nil {
		add("--version", "print the version")
	}
	return out
}

// valueCandidates are the values flag f takes in cmd, each prefixed (for
// --flag=value); none means file names.
func valueCandidates(cmd *cli.Command, f cli.Flag, prefix, cur string) []candidate {
	var values []string
	switch {
	case f == flagCIFormat:
		for _, format := range gate.Formats {
			values = append(values, string(format))
		}
	case f == flagFormat:
		values = []string{"text", "json"}
	case slices.Contains(f.Names(), "mode"):
		values = modes()
	case f == flagService:
		values = serviceNames()
	}
	var out []candidate
	for _, v := range values {
		if strings.HasPrefix(v, cur) {
			out = append(out, candidate{prefix + v, ""})
		}
	}
	return out
}

// argChoices are the values of a command's first argument.
var argChoices = map[string][]string{
	"completion": {"bash", "zsh", "fish"},
}

func prefixed(values []string, cur string) []candidate {
	var out []candidate
	for _, v := range values {
		if strings.HasPrefix(v, cur) {
			out = append(out, candidate{v, ""})
		}
	}
	return out
}

// modes are the usual ones and those the working directory has env files
// for (.env.staging: staging). Reading a directory is all completion does.
func modes() []string {
	out := []string{"development", "test", "production"}
	files, _ := filepath.Glob(".env.*")
	for _, f := range files {
		m := strings.TrimPrefix(filepath.Base(f), ".env.")
		m = strings.TrimSuffix(m, ".local")
		if m == "" || m == "local" || strings.ContainsAny(m, ".") || slices.Contains(out, m) {
			continue
		}
		switch m {
		case "example", "sample", "template", "dist", "defaults":
			continue
		}
		out = append(out, m)
	}
	return out
}

// serviceNames are the names of the services of the project the working
// directory is in (reading dbguard.yaml files, running nothing); none when
// it cannot be read.
func serviceNames() []string {
	wd, err := os.Getwd()
	if err != nil {
		return nil
	}
	u, err := services.Find(wd, "")
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range u.Project.Services {
		out = append(out, s.Name)
	}
	return out
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if slices.Contains(c.Names(), name) {
			return c
		}
	}
	return nil
}

func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

func takesValue(f cli.Flag) bool {
	d, ok := f.(cli.DocGenerationFlag)
	return ok && d.TakesValue()
}

// The scripts ask dbguard itself, with "__complete", and fall back to file
// names when it offers nothing (after "--", for --config FILE...).
// No script hands a candidate to anything that expands it: bash reads the
// lines into COMPREPLY (not compgen -W, which runs "$(...)" in them), zsh
// and fish split the answer at NUL bytes.
const bashCompletion = `# dbguard completion for bash: source <(dbguard completion bash)
_dbguard() {
  local line
  COMPREPLY=()
  while IFS= read -r line; do
    COMPREPLY+=("$line")
  done < <(command "${COMP_WORDS[0]}" __complete bash "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
}
complete -o bashdefault -o default -F _dbguard dbguard
`

const zshCompletion = `#compdef dbguard
# dbguard completion for zsh: source <(dbguard completion zsh), after compinit
_dbguard() {
  local -a cands
  cands=("${(@0)$(command "${words[1]}" __complete zsh "${(@)words[2,CURRENT]}" 2>/dev/null)}")
  cands=(${cands:#})
  if (( ${#cands} )); then
    _describe -t dbguard dbguard cands
  else
    _files
  fi
}
compdef _dbguard dbguard
`

const fishCompletion = `# dbguard completion for fish: dbguard completion fish | source
function __dbguard_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l out (command $tokens[1] __complete fish $tokens[2..-1] "$cur" 2>/dev/null | string split0)
    if test (count $out) -gt 0
        printf '%s\0' $out
    else
        __fish_complete_path "$cur" | string join0
    end
end
complete -c dbguard -f -a '(__dbguard_complete | string split0)'
`

var completionScripts = map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "bash|zsh|fish",
		Description: `Completes commands, flags and flag values (--format, --mode, --service). Completing
never runs a command: the script asks dbguard for candidates only.

Examples:
   source <(dbguard completion bash)          # in ~/.bashrc
   source <(dbguard completion zsh)           # in ~/.zshrc, after compinit
   dbguard completion fish | source           # in ~/.config/fish/config.fish`,
		Action: func(c *cli.Context) error {
			script, ok := completionScripts[c.Args().First()]
			if !ok || c.NArg() != 1 {
				return usageError{fmt.Errorf("completion needs a shell: bash, zsh or fish")}
			}
			_, err := fmt.Fprint(c.App.Writer, script)
			return err
		},
	}
}
