package tool

import (
	"path/filepath"
	"slices"
	"strings"
)

// shellCommand is one simple command of a shell line as sh would split
// it: the variables assigned in front of it (NAME=VALUE, env NAME=VALUE,
// export NAME=VALUE) and its words, quotes and backslashes removed.
type shellCommand struct {
	Assigns []string // the names
	Unsets  []string // the names env -u, unset take away
	Words   []string
	Expands []bool // Words' that sh would expand ($VAR, a glob)
}

// shellLineBudget bounds the commands read from one line, and
// shellLineDepth how deep sh -c and package scripts are followed.
const (
	shellLineBudget = 256
	shellLineDepth  = 4
)

// shellUnread is what dbguard cannot read in a shell line statically;
// a line holding one is refused, with why.
type shellUnread struct{ why string }

func (e *shellUnread) Error() string { return e.why }

// readShellLine splits a sh -c line into its simple commands, as POSIX sh
// does for the simple cases: blanks; '...'; "..." (a backslash keeps $ `
// " \ and a newline); a backslash outside quotes; comments; the operators
// ; & && || | and newlines between commands; redirections (> f, 2>&1, <
// f) dropped with their target. What it cannot read is an error naming
// it: command substitution ($(...), backticks), subshells and groups,
// here-documents, process substitution, control words (if, for, while,
// case, function), eval and source, and a command name that expands
// ($TOOL, a glob). A $VAR in an argument stays as written: the launchers'
// checks read flags and command names, not values.
func readShellLine(line string) ([]shellCommand, error) {
	var (
		cmds    []shellCommand
		words   []string
		expands []bool
		word    strings.Builder
		inWord  bool
		exp     bool
		drop    bool // the next word is a redirection's target
		brace   = -1 // where an unquoted { is in word, -1 for none
	)
	endWord := func() {
		if !inWord {
			return
		}
		if drop {
			drop = false
		} else {
			words = append(words, word.String())
			expands = append(expands, exp)
		}
		word.Reset()
		inWord, exp, brace = false, false, -1
	}
	var err error
	endCommand := func() {
		endWord()
		if drop {
			err = &shellUnread{"a redirection without its target"}
		}
		if len(words) > 0 && err == nil {
			c, e := simpleCommand(words, expands)
			if e != nil {
				err = e
			} else {
				cmds = append(cmds, c)
			}
		}
		words, expands = nil, nil
	}
	for i := 0; i < len(line) && err == nil; i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			endWord()
		case c == '\n' || c == ';' || c == '&' || c == '|':
			if c == ';' && i+1 < len(line) && line[i+1] == ';' {
				return nil, &shellUnread{"case's ;;"}
			}
			if c == '&' && i+1 < len(line) && line[i+1] == '>' {
				return nil, &shellUnread{"&> (bash's redirection)"}
			}
			endCommand()
			if i+1 < len(line) && (line[i+1] == c && c != '\n' || c == '|' && line[i+1] == '&') {
				i++ // && || |&
			}
		case c == '#' && !inWord:
			for i < len(line) && line[i] != '\n' {
				i++
			}
			i-- // the newline ends the command
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, &shellUnread{"an unterminated ' quote"}
			}
			word.WriteString(line[i+1 : i+1+j])
			inWord = true
			i += j + 1
		case c == '"':
			inWord = true
			for i++; ; i++ {
				if i >= len(line) {
					return nil, &shellUnread{"an unterminated \" quote"}
				}
				d := line[i]
				if d == '"' {
					break
				}
				switch {
				case d == '\\' && i+1 < len(line) && strings.IndexByte("$`\"\\\n", line[i+1]) >= 0:
					i++
					if line[i] != '\n' {
						word.WriteByte(line[i])
					}
					continue
				case d == '`' || d == '$' && i+1 < len(line) && line[i+1] == '(':
					return nil, &shellUnread{"command substitution ($(...) or backticks)"}
				case d == '$':
					exp = true
				}
				word.WriteByte(d)
			}
		case c == '\\':
			if i+1 < len(line) {
				i++
				if line[i] != '\n' {
					word.WriteByte(line[i])
					inWord = true
				}
			}
		case c == '`' || c == '$' && i+1 < len(line) && line[i+1] == '(':
			return nil, &shellUnread{"command substitution ($(...) or backticks)"}
		case c == '(' || c == ')':
			return nil, &shellUnread{"a subshell or function ( )"}
		case c == '<' || c == '>':
			if inWord && !isDigits(word.String()) {
				endWord()
			}
			// 2>&1, > f, >> f, <> f, >| f: the fd digits before it are
			// the redirection's, not a word.
			word.Reset()
			inWord, exp = false, false
			if i+1 < len(line) && line[i+1] == '(' {
				return nil, &shellUnread{"process substitution <(...)"}
			}
			if c == '<' && i+1 < len(line) && line[i+1] == '<' {
				return nil, &shellUnread{"a here-document (<<)"}
			}
			if i+1 < len(line) && strings.IndexByte("<>|&", line[i+1]) >= 0 {
				i++
			}
			drop = true
		default:
			if c == '$' || c == '*' || c == '?' || c == '[' {
				exp = true
			}
			// bash's (and zsh's, ksh's) brace expansion: under bash -c
			// or a bash script-shell {env-cmd,-f,.env.prod,./m} runs
			// env-cmd, and dotenv -{o,} is dotenv -o; sh leaves it.
			if c == '{' && (i == 0 || line[i-1] != '$') {
				brace = word.Len()
			}
			if c == '}' && brace >= 0 {
				if in := word.String()[brace:]; strings.Contains(in, ",") || strings.Contains(in, "..") {
					return nil, &shellUnread{"brace expansion ({a,b}, which bash expands and sh does not)"}
				}
			}
			word.WriteByte(c)
			inWord = true
		}
		if len(cmds) > shellLineBudget {
			return nil, &shellUnread{"more commands than dbguard reads in one line"}
		}
	}
	if err == nil {
		endCommand()
	}
	if err != nil {
		return nil, err
	}
	return cmds, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// setsOtherValue is the name an assignment word w (isAssign) sets, and
// whether it may change the name's value: NAME=$NAME and NAME="${NAME}"
// pass the value the command was given through, so dbguard's own stays.
func setsOtherValue(w string) (string, bool) {
	name, val, _ := strings.Cut(w, "=")
	return name, val != "$"+name && val != "${"+name+"}"
}

// isAssign reports whether w is sh's assignment word, NAME=...: a name of
// letters, digits and '_' not starting with a digit, then '='.
func isAssign(w string) bool {
	i := 0
	for i < len(w) && (w[i] == '_' || w[i] >= 'A' && w[i] <= 'Z' || w[i] >= 'a' && w[i] <= 'z' || i > 0 && w[i] >= '0' && w[i] <= '9') {
		i++
	}
	return i > 0 && i < len(w) && w[i] == '='
}

// shellKeywords are sh's words dbguard does not follow: control flow,
// and builtins that run code it would have to read elsewhere.
var shellKeywords = []string{"if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done",
	"case", "esac", "function", "select", "{", "}", "!", "[[", "eval", "source", ".", "alias", "trap", "coproc"}

// simpleCommand is words read as a command: assignments in front (and
// env's, export's), the prefixes that run the rest (exec, command,
// nohup, time, env), and what cannot be read.
func simpleCommand(words []string, expands []bool) (shellCommand, error) {
	var c shellCommand
	i := 0
	for ; i < len(words) && isAssign(words[i]); i++ {
		if name, ok := setsOtherValue(words[i]); ok {
			c.Assigns = append(c.Assigns, name)
		}
	}
	for i < len(words) {
		w := words[i]
		switch {
		case expands[i]:
			return c, &shellUnread{"a command name that expands (" + w + ")"}
		case (w == "." || w == "source") && i+2 == len(words) && !expands[i+1] && filepath.Base(words[i+1]) == "activate":
			// . .venv/bin/activate: a virtualenv's own script, read no
			// more than ./migrate.sh is (docs/tools.md); an env file
			// sourced (set -a; . .env.prod) is still refused below.
			c.Words, c.Expands = words[i:], expands[i:]
			return c, nil
		case slices.Contains(shellKeywords, w):
			return c, &shellUnread{"sh's " + w}
		case w == "exec" || w == "command" || w == "builtin":
			i++
			for i < len(words) && strings.HasPrefix(words[i], "-") {
				if w == "exec" && words[i] == "-a" {
					i++ // bash's exec -a NAME: NAME is argv[0], not the command
				}
				i++ // command -p, exec -c
			}
			continue
		case w == "env" || w == "export" || w == "readonly" || w == "local" || w == "declare" || w == "typeset":
			i++
			for ; i < len(words); i++ {
				a := words[i]
				switch {
				case isAssign(a):
					if name, ok := setsOtherValue(a); ok {
						c.Assigns = append(c.Assigns, name)
					}
				case a == "-u" || a == "--unset" || a == "-C" || a == "--chdir" || a == "-S" || a == "--split-string":
					if a == "-S" || a == "--split-string" {
						return c, &shellUnread{"env -S"}
					}
					if a != "-C" && a != "--chdir" && i+1 < len(words) {
						c.Unsets = append(c.Unsets, words[i+1])
					}
					i++ // its value
				case w == "env" && (strings.HasPrefix(a, "--unset=") || strings.HasPrefix(a, "-u") && !strings.HasPrefix(a, "--")):
					// env -uNAME, --unset=NAME: the tool then reads
					// its own env file for the name.
					c.Unsets = append(c.Unsets, strings.TrimPrefix(strings.TrimPrefix(a, "--unset="), "-u"))
				case w == "env" && (strings.HasPrefix(a, "-S") || strings.HasPrefix(a, "--split-string=")):
					return c, &shellUnread{"env -S"}
				case strings.HasPrefix(a, "-"):
				case w != "env":
					// export NAME: it exports a value set before in the
					// line, refused at its own assignment, or the one the
					// command was given.
				default:
					c.Words, c.Expands = words[i:], expands[i:]
					return c, nil
				}
			}
			return c, nil
		}
		c.Words, c.Expands = words[i:], expands[i:]
		c.Assigns, c.Unsets = append(c.Assigns, builtinSets(c.Words)...), append(c.Unsets, builtinUnsets(c.Words)...)
		return c, nil
	}
	return c, nil
}

// builtinSets is the variables sh's builtins read and getopts assign
// (read NAME < file, getopts OPTS NAME): one the environment holds stays
// exported with the new value, so `read DATABASE_URL < url.txt; ./m`
// ran ./m on the URL the file named.
func builtinSets(words []string) []string {
	switch {
	case len(words) > 2 && words[0] == "getopts":
		return words[2:3]
	case len(words) > 2 && words[0] == "printf" && words[1] == "-v":
		return words[2:3] // bash's printf -v NAME
	case len(words) > 2 && words[0] == "printf" && strings.HasPrefix(words[1], "-v"):
		return []string{words[1][2:]}
	case len(words) > 1 && words[0] == "read":
		var names []string
		for i := 1; i < len(words); i++ {
			switch a := words[i]; {
			case a == "-p" || a == "-d" || a == "-n" || a == "-N" || a == "-t" || a == "-u" || a == "-a" || a == "-i":
				if a == "-a" && i+1 < len(words) {
					names = append(names, words[i+1])
				}
				i++ // its value
			case strings.HasPrefix(a, "-"):
			default:
				names = append(names, a)
			}
		}
		return names
	}
	return nil
}

// builtinUnsets is the variables unset takes away (not its -f
// functions): the tool then reads its own env file for one (Prisma's
// .env, dbmate's), not the guarded URL.
func builtinUnsets(words []string) []string {
	if len(words) < 2 || words[0] != "unset" || slices.Contains(words[1:], "-f") {
		return nil
	}
	var names []string
	for _, a := range words[1:] {
		if !strings.HasPrefix(a, "-") {
			names = append(names, a)
		}
	}
	return names
}

// prefixCommands run the command after their own options (and, for
// timeout, a duration) with the environment they were given: the
// options that take a value as the next word.
// Long options too: `nice --adjustment 5 CMD` (GNU nice reads the next
// word as the value) hid CMD, read as the command 5 runs.
var prefixCommands = map[string][]string{
	"nohup": nil, "time": {"-f", "-o", "--format", "--output"}, "nice": {"-n", "--adjustment"},
	"timeout": {"-s", "-k", "--signal", "--kill-after"},
	"stdbuf":  {"-i", "-o", "-e", "--input", "--output", "--error"}, "ionice": {"-c", "-n", "-p", "--class", "--classdata", "--pid"},
	"setsid": nil, "chronic": nil,
	"sudo": {"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group", "--close-from", "--chdir",
		"--host", "--prompt", "--role", "--type", "--other-user", "--command-timeout"},
	"doas": {"-u", "-C"},
}

// prefixEnd is where the command a prefixCommands word runs starts in
// words (nice -n 10 CMD: 3), 0 when words[0] is none or runs nothing.
func prefixEnd(words []string) int {
	if len(words) == 0 {
		return 0
	}
	flags, ok := prefixCommands[filepath.Base(words[0])]
	if !ok {
		return 0
	}
	i := 1
	for ; i < len(words) && strings.HasPrefix(words[i], "-") && words[i] != "-"; i++ {
		if words[i] == "--" {
			i++
			break
		}
		if slices.Contains(flags, words[i]) {
			i++ // its value
		}
	}
	if filepath.Base(words[0]) == "timeout" {
		i++ // the duration
	}
	if i >= len(words) {
		return 0
	}
	return i
}
