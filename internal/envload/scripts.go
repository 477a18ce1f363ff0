package envload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
)

// Script is one package.json script that starts a process with env files
// it names itself: `dotenv -e ../../.env -e .env -- next dev` (dotenv-cli),
// `dotenvx run -f .env.production -- node app.js`, `node --env-file=.env
// app.js` (and the entry file's process.loadEnvFile calls), `uv run
// --env-file .env ...`. Those files, in that order and with that tool's
// precedence, decide what the process sees, whatever the folder's own
// loader would read. Every script counts, not only dev or start: each is a
// way the app can start, and a guard that judged only some would miss the
// one that connects elsewhere.
//
// Scripts are read, never run: the command line is split into words the
// way sh would (quotes, backslashes, &&, ;, |), and a word sh would expand
// ($VAR, $(...), globs) is not guessed (see Problem).
type Script struct {
	Manifest string // slash path of the package.json
	Name     string
	Line     int    // of the script's key in the manifest
	Dir      string // the manifest's folder: npm runs scripts there
	Command  string // the script as written
	Tool     string // dotenv-cli, dotenvx, node, uv
	// Files are the env files in the order the tool is given them, slash
	// paths relative to the project root.
	Files []ScriptFile
	// Override: later files and the files over the environment
	// (dotenv-cli -o, dotenvx --overload).
	Override bool
	NoExpand bool // dotenv-cli --no-expand
	// Vars are KEY=value pairs the command line sets over every file
	// (dotenv-cli -v, dotenvx -e, and `env NAME=value` in the command the
	// wrapper starts: dotenv -e .env -- env NAME=value node app.js), at
	// the manifest's line.
	Vars []Def
	// Env are KEY=value pairs set before the tool starts (a shell prefix
	// NAME=value, cross-env or env before it): the tool's environment,
	// which beats its files (node, uv, dotenv-cli, dotenvx) unless the
	// tool overrides it (dotenv-cli -o, dotenvx --overload).
	Env []Def
	// Unknown are the names of such pairs whose value the shell computes
	// ($VAR, $(...)): set, to a value dbguard does not guess.
	Unknown []string

	// dotenv18: the manifest depends on dotenv 18 or later, whose preload
	// reads other options (see dotenvConfig).
	dotenv18 bool
}

// ScriptFile is one env file a script names.
type ScriptFile struct {
	Path  string // slash path relative to the root
	Given string // as written
	// At is where it is named: package.json:3, or server.js:2 for a
	// process.loadEnvFile call.
	At string
	// LoadEnvFile marks a process.loadEnvFile call in the entry file
	// (read after the command line's files, never over what is set).
	LoadEnvFile bool
}

// ScriptProblem is a script dbguard recognises but cannot model; it is
// reported, never guessed.
type ScriptProblem struct {
	At  string // package.json:3
	Msg string
}

// Label names a script for people: `npm run dev (dotenv-cli)`.
func (s *Script) Label() string {
	return fmt.Sprintf("npm run %s (%s)", output.Escape(s.Name), s.Tool)
}

// At is the script's manifest:line.
func (s *Script) At() string { return fmt.Sprintf("%s:%d", output.Escape(s.Manifest), s.Line) }

// Modes are the modes its files are named for (.env.production:
// production); a script naming none runs in every mode.
func (s *Script) Modes() []string {
	var out []string
	for _, f := range s.Files {
		if m := fileMode(path.Base(f.Path)); m != "" {
			out = append(out, m)
		}
	}
	return out
}

// fileMode is the mode in an env file's name: production for
// .env.production and .env.production.local.
func fileMode(name string) string {
	if !strings.HasPrefix(name, ".env.") {
		return ""
	}
	parts := strings.Split(strings.TrimPrefix(name, ".env."), ".")
	switch {
	case len(parts) == 1 && parts[0] != "local":
		return parts[0]
	case len(parts) == 2 && parts[1] == "local":
		return parts[0]
	}
	return ""
}

// Limits on what a repository can make dbguard read for scripts: a
// package.json is small, and a script line is one line.
const (
	maxScripts     = 500
	maxScriptBytes = 8 << 10
	maxEntryBytes  = 1 << 20
)

// Scripts reads the scripts of a package.json (manifest is its slash path
// relative to the root) and returns those that start a process with env
// files of their own. read gives the bytes of a project file (the entry
// file of `node app.js`), by slash path; it is never asked for a path that
// leaves the project. A package.json that is not JSON has no scripts.
func Scripts(manifest string, data []byte, read func(rel string) ([]byte, bool)) ([]*Script, []ScriptProblem) {
	names, lines, cmds := scriptEntries(data)
	dir := path.Dir(manifest)
	dotenv18 := dotenvMajor(data) >= 18
	var out []*Script
	var problems []ScriptProblem
	for i, name := range names {
		if i >= maxScripts {
			break
		}
		at := fmt.Sprintf("%s:%d", output.Escape(manifest), lines[i])
		cmd := cmds[i]
		if len(cmd) > maxScriptBytes {
			continue
		}
		for _, words := range shellCommands(cmd) {
			s := &Script{Manifest: manifest, Name: name, Line: lines[i], Dir: dir, Command: cmd, dotenv18: dotenv18}
			msg := s.recognise(words, at, read)
			if msg != "" {
				problems = append(problems, ScriptProblem{At: at, Msg: fmt.Sprintf("script %q: %s", name, msg)})
				continue
			}
			if s.Tool != "" {
				out = append(out, s)
			}
		}
	}
	return out, problems
}

// scriptEntries lists a package.json's scripts in file order with the line
// of each key. JSON objects keep no order in Go maps, so the decoder walks
// the tokens.
func scriptEntries(data []byte) (names []string, lines []int, cmds []string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, nil
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return names, lines, cmds
		}
		if k, _ := t.(string); k != "scripts" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return names, lines, cmds
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return names, lines, cmds
		}
		// Lines are counted on from the key before, not from the top: a
		// megabyte of short scripts would otherwise take a second.
		line, counted := 1, 0
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return names, lines, cmds
			}
			key, _ := t.(string)
			off := int(dec.InputOffset())
			line += bytes.Count(data[counted:off], []byte("\n"))
			counted = off
			var v any
			if dec.Decode(&v) != nil {
				return names, lines, cmds
			}
			if s, ok := v.(string); ok {
				names, lines, cmds = append(names, key), append(lines, line), append(cmds, s)
			}
		}
		return names, lines, cmds
	}
	return names, lines, cmds
}

// word is one shell word: its text after quote removal, and whether sh
// would change it at run time ($VAR, $(...), `...`, a glob, ~).
type word struct {
	text    string
	dynamic bool
}

// shellCommands splits a script into simple commands the way sh does:
// quotes and backslashes, and &&, ||, ;, |, &, newlines and parentheses
// between commands.
func shellCommands(s string) [][]word {
	var cmds [][]word
	var cur []word
	var w strings.Builder
	inWord, dynamic := false, false
	endWord := func() {
		if inWord {
			cur = append(cur, word{w.String(), dynamic})
		}
		w.Reset()
		inWord, dynamic = false, false
	}
	endCmd := func() {
		endWord()
		if len(cur) > 0 {
			cmds = append(cmds, cur)
		}
		cur = nil
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			endWord()
		case c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')':
			endCmd()
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] != '\n' {
				w.WriteByte(s[i])
				inWord = true
			}
		case c == '\'':
			inWord = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				w.WriteString(s[i+1:])
				i = len(s)
				break
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			inWord = true
			for i++; i < len(s) && s[i] != '"'; i++ {
				switch {
				case s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0:
					i++
					if s[i] != '\n' {
						w.WriteByte(s[i])
					}
				case s[i] == '$' || s[i] == '`':
					dynamic = true
					w.WriteByte(s[i])
				default:
					w.WriteByte(s[i])
				}
			}
		case c == '#' && !inWord:
			// A comment to the end of the line.
			for i < len(s) && s[i] != '\n' {
				i++
			}
			endCmd()
		case c == '$' && i+1 < len(s) && s[i+1] == '(':
			// $(...) is one piece of the word, whatever its parentheses
			// and spaces: the shell runs it, dbguard does not guess it.
			j, depth := i+1, 0
			for ; j < len(s); j++ {
				if s[j] == '(' {
					depth++
				} else if s[j] == ')' {
					if depth--; depth == 0 {
						break
					}
				}
			}
			if j >= len(s) {
				j = len(s) - 1
			}
			w.WriteString(s[i : j+1])
			i = j
			inWord, dynamic = true, true
		default:
			if strings.IndexByte("$`*?[~{", c) >= 0 {
				dynamic = true
			}
			w.WriteByte(c)
			inWord = true
		}
	}
	endCmd()
	return cmds
}

var assignment = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*=`)

// recognise fills in s from one simple command when it starts a process
// with env files; it returns why a recognised one cannot be modelled.
func (s *Script) recognise(words []word, at string, read func(string) ([]byte, bool)) string {
	// Leading NAME=value words, and the runners that start the next word
	// as a program (npx dotenv ..., cross-env A=b node ...).
	var uvEnvFile *word
	var env []word
	for len(words) > 0 {
		w := words[0]
		switch {
		case assignment.MatchString(w.text):
			if strings.HasPrefix(w.text, "UV_ENV_FILE=") {
				v := word{strings.TrimPrefix(w.text, "UV_ENV_FILE="), w.dynamic}
				uvEnvFile = &v
			} else {
				env = append(env, w)
			}
			words = words[1:]
			continue
		case w.text == "npx" || w.text == "bunx" || w.text == "cross-env" || w.text == "env" || w.text == "exec" || w.text == "time" || w.text == "nohup":
			words = words[1:]
			for len(words) > 0 && strings.HasPrefix(words[0].text, "-") && words[0].text != "--" {
				words = words[1:] // npx --yes, env -i (not modelled further)
			}
			if len(words) > 0 && words[0].text == "--" {
				words = words[1:]
			}
			continue
		case (w.text == "pnpm" || w.text == "yarn" || w.text == "npm") && len(words) > 1 && (words[1].text == "exec" || words[1].text == "dlx"):
			words = words[2:]
			if len(words) > 0 && words[0].text == "--" {
				words = words[1:]
			}
			continue
		case w.text == "yarn" && len(words) > 1 && (words[1].text == "dotenv" || words[1].text == "dotenvx"):
			words = words[1:]
			continue
		}
		break
	}
	if len(words) == 0 {
		return ""
	}
	prog := path.Base(words[0].text)
	args := words[1:]
	msg := ""
	switch {
	case prog == "dotenv":
		msg = s.dotenvCLI(args, at)
	case prog == "dotenvx" && len(args) > 0 && args[0].text == "run":
		msg = s.dotenvx(args[1:], at)
	case prog == "node" || prog == "tsx":
		msg = s.node(prog, args, env, at, read)
	case prog == "uv" && len(args) > 0 && args[0].text == "run":
		msg = s.uv(args[1:], at, uvEnvFile)
	}
	if msg != "" || s.Tool == "" {
		return msg
	}
	for _, w := range env {
		if d, ok := s.assigned(w); ok {
			s.Env = append(s.Env, d)
		}
	}
	return ""
}

// assigned is a NAME=value word of the command line as a definition at
// the manifest's line; a value the shell computes is not guessed (its
// name goes to Unknown).
func (s *Script) assigned(w word) (Def, bool) {
	k, val, _ := strings.Cut(w.text, "=")
	if w.dynamic {
		s.Unknown = append(s.Unknown, k)
		return Def{}, false
	}
	return Def{Key: k, Value: val, File: s.Manifest, Line: s.Line}, true
}

// wrappedVars adds to Vars the NAME=value words that `env` or cross-env
// set in the command a wrapper starts (dotenv -e .env -- env NAME=value
// node app.js): they are set after the wrapper loaded its files, so they
// beat them all. The wrapper starts the command without a shell, so a
// bare NAME=value there is a program name, not an assignment.
func (s *Script) wrappedVars(cmd []word) {
	for len(cmd) > 0 && (cmd[0].text == "npx" || cmd[0].text == "cross-env" || cmd[0].text == "env") {
		setter := cmd[0].text != "npx"
		cmd = cmd[1:]
		for len(cmd) > 0 && strings.HasPrefix(cmd[0].text, "-") && cmd[0].text != "--" {
			cmd = cmd[1:]
		}
		if len(cmd) > 0 && cmd[0].text == "--" {
			cmd = cmd[1:]
		}
		for setter && len(cmd) > 0 && assignment.MatchString(cmd[0].text) {
			if d, ok := s.assigned(cmd[0]); ok {
				s.Vars = append(s.Vars, d)
			}
			cmd = cmd[1:]
		}
	}
}

// addFile adds a file named on the command line, relative to the
// script's folder. A name sh would expand, or one that leaves the
// project, is a problem: dbguard cannot see what the process reads.
func (s *Script) addFile(w word, at string, loadEnvFile bool) string {
	if w.dynamic {
		return fmt.Sprintf("the env file %s is only known when the shell runs the script: name the file literally", output.Escape(w.text))
	}
	if w.text == "" {
		return "an empty env file name"
	}
	p := path.Clean(path.Join(s.Dir, w.text))
	if path.IsAbs(w.text) || p == ".." || strings.HasPrefix(p, "../") {
		return fmt.Sprintf("the env file %s is outside the project: dbguard reads nothing outside it, so what this script connects to is not judged", output.Escape(w.text))
	}
	s.Files = append(s.Files, ScriptFile{Path: p, Given: w.text, At: at, LoadEnvFile: loadEnvFile})
	return ""
}

// flagValue splits --name=value and -n=value; with no '=' the value is
// the next word.
func flagValue(args []word, i int, names ...string) (value word, next int, ok bool) {
	a := args[i].text
	for _, n := range names {
		if a == n {
			if i+1 < len(args) {
				return args[i+1], i + 2, true
			}
			return word{}, i + 1, false
		}
		if strings.HasPrefix(a, n+"=") {
			return word{a[len(n)+1:], args[i].dynamic}, i + 1, true
		}
	}
	return word{}, i, false
}

// dotenvCLI reads dotenv-cli's arguments (minimist: flags anywhere
// before --): -e FILE (repeated; default .env), -c [MODE] (cascade), -o /
// --override, -v NAME=value, --no-expand.
func (s *Script) dotenvCLI(args []word, at string) string {
	s.Tool = "dotenv-cli"
	var files []word
	cascade, cascadeMode := false, ""
	for i := 0; i < len(args); {
		a := args[i].text
		if a == "--" {
			s.wrappedVars(args[i+1:])
			break
		}
		switch {
		case a == "-e" || strings.HasPrefix(a, "-e=") || strings.HasPrefix(a, "-e") && len(a) > 2 && !isLetter(a[2]):
			if v, n, ok := flagValue(args, i, "-e"); ok {
				files, i = append(files, v), n
				continue
			}
			if a != "-e" { // -e.env: minimist takes the rest
				files = append(files, word{a[2:], args[i].dynamic})
			}
			i++
		case a == "-c" || strings.HasPrefix(a, "-c="):
			cascade = true
			if v, n, ok := flagValue(args, i, "-c"); ok && !strings.HasPrefix(v.text, "-") {
				if v.dynamic {
					return "the cascade mode " + shownCode(v.text) + " is only known when the shell runs the script"
				}
				cascadeMode, i = v.text, n
				continue
			}
			i++
		case a == "-o" || a == "--override":
			s.Override = true
			i++
		case a == "--no-expand":
			s.NoExpand = true
			i++
		case a == "-v":
			if v, n, ok := flagValue(args, i, "-v"); ok {
				k, val, found := strings.Cut(v.text, "=")
				if v.dynamic || !found || k == "" {
					return "the variable " + varName(v.text) + " is only known when the shell runs the script"
				}
				s.Vars = append(s.Vars, Def{Key: k, Value: val, File: s.Manifest, Line: s.Line})
				i = n
				continue
			}
			i++
		case a == "-p" || a == "--debug" || a == "--help":
			s.Tool = "" // prints, runs nothing
			return ""
		default:
			i++
		}
	}
	if len(files) == 0 {
		files = []word{{text: ".env"}}
	}
	if cascade {
		var all []word
		for _, f := range files {
			if cascadeMode != "" {
				all = append(all, word{f.text + "." + cascadeMode + ".local", f.dynamic}, word{f.text + ".local", f.dynamic}, word{f.text + "." + cascadeMode, f.dynamic}, f)
			} else {
				all = append(all, word{f.text + ".local", f.dynamic}, f)
			}
		}
		files = all
	}
	for _, f := range files {
		if msg := s.addFile(f, at, false); msg != "" {
			return msg
		}
	}
	return ""
}

// dotenvx reads `dotenvx run`'s options up to --: -f/--env-file FILE
// (repeated; default .env), -o/--overload, -e/--env NAME=value,
// --convention nextjs|flow.
func (s *Script) dotenvx(args []word, at string) string {
	s.Tool = "dotenvx"
	var files []word
	for i := 0; i < len(args); {
		a := args[i].text
		if a == "--" {
			s.wrappedVars(args[i+1:])
			break
		}
		if v, n, ok := flagValue(args, i, "-f", "--env-file"); ok {
			files, i = append(files, v), n
			continue
		}
		if v, n, ok := flagValue(args, i, "-e", "--env"); ok {
			k, val, found := strings.Cut(v.text, "=")
			if v.dynamic || !found || k == "" {
				return "the variable " + varName(v.text) + " is only known when the shell runs the script"
			}
			s.Vars = append(s.Vars, Def{Key: k, Value: val, File: s.Manifest, Line: s.Line})
			i = n
			continue
		}
		if _, _, ok := flagValue(args, i, "--convention"); ok {
			return "dotenvx --convention is not modelled yet: list the files with -f"
		}
		if _, n, ok := flagValue(args, i, "-fk", "--env-keys-file", "--profile", "--token", "--ignore"); ok {
			i = n
			continue
		}
		if a == "-o" || a == "--overload" {
			s.Override = true
		}
		if !strings.HasPrefix(a, "-") {
			// The command, without --.
			s.wrappedVars(args[i:])
			break
		}
		i++
	}
	if len(files) == 0 {
		files = []word{{text: ".env"}}
	}
	for _, f := range files {
		if msg := s.addFile(f, at, false); msg != "" {
			return msg
		}
	}
	return ""
}

// nodeValueFlags are node's options that take the next word as their
// value (so it is not the entry file).
var nodeValueFlags = map[string]bool{
	"-r": true, "--require": true, "--import": true, "--loader": true, "--experimental-loader": true,
	"--input-type": true, "--conditions": true, "-C": true, "--title": true, "--stack-size": true,
}

var loadEnvFileCall = lazyre.New(`process\s*\.\s*loadEnvFile\s*\(\s*(?:(?:'([^'\\\n]*)'|"([^"\\\n]*)"|` + "`([^`\\\\$]*)`" + `)\s*)?(\)|[^)\s])`)

// node reads `node [--env-file[-if-exists]=FILE]... ENTRY`: the files in
// order, then the entry file's process.loadEnvFile calls; or, with
// dotenv's preload (`-r dotenv/config`, or the entry file's own import
// 'dotenv/config'), the file its options name (see dotenvConfig). tsx passes node's options on. env are the NAME=value
// words set before it.
func (s *Script) node(prog string, args, env []word, at string, read func(string) ([]byte, bool)) string {
	s.Tool = "node"
	entry := ""
	preload := false
	argv := []word(nil) // what follows the entry file: process.argv
	for i := 0; i < len(args); {
		a := args[i].text
		if v, n, ok := flagValue(args, i, "--env-file", "--env-file-if-exists"); ok {
			if msg := s.addFile(v, at, false); msg != "" {
				return msg
			}
			i = n
			continue
		}
		if v, n, ok := flagValue(args, i, "-r", "--require", "--import"); ok {
			preload = preload || v.text == "dotenv/config" || v.text == "dotenv/config.js"
			i = n
			continue
		}
		if a == "-e" || a == "--eval" || a == "-p" || a == "--print" {
			if i+2 <= len(args) {
				argv = args[min(i+2, len(args)):]
			}
			break // code on the command line: no entry file
		}
		if nodeValueFlags[a] {
			i += 2
			continue
		}
		if strings.HasPrefix(a, "-") {
			i++
			continue
		}
		if prog == "tsx" && (a == "watch" || a == "--") {
			i++
			continue
		}
		if !args[i].dynamic {
			entry = a
		}
		argv = args[i+1:]
		break
	}
	var code []byte // the entry file's, when it is in the project
	if entry != "" && read != nil {
		if p := path.Clean(path.Join(s.Dir, entry)); !path.IsAbs(entry) && p != ".." && !strings.HasPrefix(p, "../") {
			if data, ok := read(p); ok && len(data) <= maxEntryBytes {
				code = data
			}
		}
	}
	// The entry file's own import 'dotenv/config' reads the same options.
	if preload = preload || dotenvConfigImport.Match(code); preload {
		if msg := s.dotenvConfig(env, argv, at); msg != "" || s.Tool == "dotenv/config" {
			if msg == "" && loadEnvFileCall.Match(code) {
				// process.loadEnvFile beside the preload: two readings of
				// one process, not modelled together.
				return "dotenv/config with process.loadEnvFile in the entry file is not modelled yet"
			}
			return msg
		}
	}
	if entry != "" && read != nil {
		if msg := s.loadEnvFiles(entry, read); msg != "" {
			return msg
		}
	}
	if len(s.Files) == 0 {
		s.Tool = ""
	}
	return ""
}

// dotenvConfigImport is an entry file's own preload: import
// 'dotenv/config' (or require, or a dynamic import) runs the same config.js.
var dotenvConfigImport = lazyre.New(`(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bimport\s+|\bfrom\s+)['"]dotenv/config(?:\.js)?['"]`)

// dotenvConfigArg is an option dotenv 16/17's preload reads from
// process.argv (lib/cli-options.js): the last of each wins.
var dotenvConfigArg = lazyre.New(`^dotenv_config_(encoding|path|quiet|debug|override|DOTENV_KEY)=(.+)$`)

// dotenvConfig models dotenv 16/17's preload, `node -r dotenv/config
// app.js` (config.js): dotenv.config() with the options of the
// environment (DOTENV_CONFIG_PATH, _OVERRIDE, _ENCODING, _DOTENV_KEY,
// lib/env-options.js) under those of process.argv (dotenv_config_path=...,
// the words after the entry file). path is one file, relative to the
// working directory (the script's folder), ".env" when unset or empty;
// override is Boolean(the string): any non-empty value, "false" too,
// makes the file beat the environment. Only a preload given an option is
// a script of its own (Tool "dotenv/config"); without one it reads the
// folder's .env as the folder's dotenv loader does. env are the NAME=value
// words set before node; argv the words after the entry file.
func (s *Script) dotenvConfig(env, argv []word, at string) string {
	if s.dotenv18 {
		return s.dotenvConfig18(env, at)
	}
	opts := map[string]word{}
	for _, w := range env {
		k, v, _ := strings.Cut(w.text, "=")
		if name, ok := strings.CutPrefix(k, "DOTENV_CONFIG_"); ok {
			switch name {
			case "PATH", "OVERRIDE", "ENCODING", "DOTENV_KEY":
				opts[strings.ToLower(name)] = word{v, w.dynamic}
			}
		}
	}
	for _, w := range argv {
		if m := dotenvConfigArg.FindStringSubmatch(w.text); m != nil {
			opts[strings.ToLower(m[1])] = word{m[2], w.dynamic}
		} else if w.dynamic && strings.HasPrefix(w.text, "dotenv_config_") {
			return "a dotenv_config_ option is only known when the shell runs the script: write it literally"
		}
	}
	file, override, encoding, key := opts["path"], opts["override"], opts["encoding"], opts["dotenv_key"]
	if file.text == "" && override.text == "" && encoding.text == "" && key.text == "" && !file.dynamic && !override.dynamic && !encoding.dynamic && !key.dynamic {
		return "" // dotenv.config() as the folder's loader calls it
	}
	for name, o := range map[string]word{"override": override, "encoding": encoding, "DOTENV_KEY": key} {
		if o.dynamic {
			return fmt.Sprintf("dotenv's %s option is only known when the shell runs the script: write it literally", name)
		}
	}
	if key.text != "" {
		return "dotenv's DOTENV_KEY option loads the encrypted .env.vault, which dbguard does not read: what this script connects to is not judged"
	}
	return s.dotenvPreload(file, encoding, override.text != "", at)
}

// dotenvConfig18 is dotenvConfig for dotenv 18, whose preload reads no
// argument: config() takes each option from DOTENV_NAME, else
// DOTENV_CONFIG_NAME (PATH, OVERRIDE, ENCODING, FAST), and reads a
// boolean as true unless it is false, 0, no, off or empty.
func (s *Script) dotenvConfig18(env []word, at string) string {
	opts := map[string]word{}
	for _, prefix := range []string{"DOTENV_CONFIG_", "DOTENV_"} { // DOTENV_ wins
		for _, w := range env {
			k, v, _ := strings.Cut(w.text, "=")
			if name, ok := strings.CutPrefix(k, prefix); ok {
				switch name {
				case "PATH", "OVERRIDE", "ENCODING", "FAST":
					opts[strings.ToLower(name)] = word{v, w.dynamic}
				}
			}
		}
	}
	if len(opts) == 0 {
		return "" // dotenv.config() as the folder's loader calls it
	}
	truthy := func(w word) bool {
		switch strings.ToLower(w.text) {
		case "false", "0", "no", "off", "":
			return false
		}
		return true
	}
	file, override, encoding, fast := opts["path"], opts["override"], opts["encoding"], opts["fast"]
	for name, o := range map[string]word{"override": override, "encoding": encoding, "fast": fast} {
		if o.dynamic {
			return fmt.Sprintf("dotenv's %s option is only known when the shell runs the script: write it literally", name)
		}
	}
	if truthy(fast) {
		return "dotenv's fast parser (DOTENV_FAST) is not modelled: drop it to judge what this script connects to"
	}
	return s.dotenvPreload(file, encoding, truthy(override), at)
}

// dotenvPreload is what dotenvConfig and dotenvConfig18 do once each has
// read the options its dotenv takes: the file (.env when none is named)
// loaded with override, read as the script's; or why it is not judged.
func (s *Script) dotenvPreload(file, encoding word, override bool, at string) string {
	if e := strings.ToLower(encoding.text); e != "" && e != "utf8" && e != "utf-8" {
		return "dotenv reads its file in " + encodingName(encoding.text) + ", which dbguard does not model: drop the encoding option (UTF-8 is the default)"
	}
	if len(s.Files) > 0 {
		return "node --env-file beside dotenv's preload options is not modelled yet: name the file one way"
	}
	if file.text == "" && !file.dynamic {
		file.text = ".env"
	}
	if strings.HasPrefix(file.text, "~") {
		return "dotenv's path starts with ~, the home folder, outside the project: dbguard reads nothing outside it, so what this script connects to is not judged"
	}
	if msg := s.addFile(file, at, false); msg != "" {
		return msg
	}
	s.Tool, s.Override = "dotenv/config", override
	return ""
}

// encodingName names an encoding option for a message: as written when it
// is a plain name (latin1), else without its text, which is the
// repository's and could be anything (a URL with a password).
func encodingName(e string) string {
	if len(e) <= 16 && strings.IndexFunc(e, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) < 0 {
		return e
	}
	return "another encoding"
}

// dotenvMajor is the major version of dotenv a package.json depends on
// (dependencies, else devDependencies), 0 when it names none or a range
// without one (latest, *, a git URL).
func dotenvMajor(data []byte) int {
	var pkg struct {
		Deps    map[string]any `json:"dependencies"`
		DevDeps map[string]any `json:"devDependencies"`
	}
	if json.Unmarshal(data, &pkg) != nil {
		return 0
	}
	for _, deps := range []map[string]any{pkg.Deps, pkg.DevDeps} {
		v, _ := deps["dotenv"].(string)
		v = strings.TrimLeft(v, "^~>=v ")
		n := 0
		for i := 0; i < len(v) && v[i] >= '0' && v[i] <= '9' && n < 1000; i++ {
			n = n*10 + int(v[i]-'0')
		}
		if n > 0 {
			return n
		}
	}
	return 0
}

// loadEnvFiles adds the process.loadEnvFile calls of the entry file, in
// the order they appear (paths are relative to the working directory,
// the script's folder; no argument is ./.env).
func (s *Script) loadEnvFiles(entry string, read func(string) ([]byte, bool)) string {
	p := path.Clean(path.Join(s.Dir, entry))
	if path.IsAbs(entry) || p == ".." || strings.HasPrefix(p, "../") {
		return ""
	}
	data, ok := read(p)
	if !ok || len(data) > maxEntryBytes {
		return ""
	}
	for _, m := range loadEnvFileCall.FindAllSubmatchIndex(data, -1) {
		line := 1 + bytes.Count(data[:m[0]], []byte("\n"))
		at := fmt.Sprintf("%s:%d", output.Escape(p), line)
		if string(data[m[8]:m[9]]) != ")" {
			return fmt.Sprintf("%s: process.loadEnvFile with a path computed at run time: pass a literal path", at)
		}
		given := ".env"
		for g := 2; g <= 6; g += 2 {
			if m[g] >= 0 {
				given = string(data[m[g]:m[g+1]])
			}
		}
		if msg := s.addFile(word{text: given}, at, true); msg != "" {
			return msg
		}
	}
	return ""
}

// uvValueFlags are uv run's options that take the next word as their value.
var uvValueFlags = map[string]bool{
	"--with": true, "--with-editable": true, "--with-requirements": true, "--python": true, "-p": true,
	"--package": true, "--extra": true, "--group": true, "--only-group": true, "--no-group": true,
	"--index": true, "--default-index": true, "--index-url": true, "--extra-index-url": true, "--find-links": true, "-f": true,
	"--cache-dir": true, "--config-file": true, "--color": true, "--python-platform": true,
}

// uv reads `uv run --env-file FILE` (repeated) and UV_ENV_FILE set before
// the command; --no-env-file turns both off.
func (s *Script) uv(args []word, at string, envFile *word) string {
	s.Tool = "uv"
	var files []word
	for i := 0; i < len(args); {
		a := args[i].text
		if a == "--" {
			s.wrappedVars(args[i+1:])
			break
		}
		if v, n, ok := flagValue(args, i, "--env-file"); ok {
			files, i = append(files, v), n
			continue
		}
		if a == "--no-env-file" {
			s.Tool = ""
			return ""
		}
		if uvValueFlags[a] {
			i += 2
			continue
		}
		if !strings.HasPrefix(a, "-") {
			s.wrappedVars(args[i:])
			break
		}
		i++
	}
	if len(files) == 0 && envFile != nil {
		files = []word{*envFile}
	}
	if len(files) == 0 {
		s.Tool = ""
		return ""
	}
	for _, f := range files {
		if msg := s.addFile(f, at, false); msg != "" {
			return msg
		}
	}
	return ""
}

// shownCode is a piece of a repository's code quoted in a message: one
// line, at most 60 characters, and never a value that may hold a
// password (a URL, user@host).
func shownCode(s string) string {
	if strings.Contains(s, "://") || strings.Contains(s, "@") {
		return "(a value with a URL)"
	}
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60]) + "..."
	}
	return output.Escape(s)
}

// varName is the name of NAME=value, or "" shown as a placeholder: the
// value may hold a password.
func varName(s string) string {
	k, _, _ := strings.Cut(s, "=")
	if k == "" {
		return "(unnamed)"
	}
	return shownCode(k)
}
