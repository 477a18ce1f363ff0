package envload

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
)

// NodeCalls are the dotenv config calls of one JavaScript or TypeScript
// file, in the order they are written: one process makes them one after
// the other, so they are judged as one reading. dotenv 16.1 to 18
// (lib/main.js configDotenv, populate):
//
//   - config() and import 'dotenv/config' read .env in the working folder;
//     config({ path: 'FILE' }) that file, relative to the working folder
//     (path.resolve(__dirname, 'FILE') and import.meta.dirname: relative
//     to the calling file's folder);
//   - config({ path: [A, B] }) parses every file into one object with
//     populate: the first file wins, with override: true the last;
//   - then populate(process.env, ...): what the environment (or an earlier
//     call) already holds is kept, unless override: true.
//
// No expansion: plain dotenv hands ${VAR} over as text.
//
// NestJS's ConfigModule.forRoot({ envFilePath }) (@nestjs/config 4.0.4,
// config.module.js loadEnvFile, assignVariablesToProcess) is the same
// reading: each file that exists parsed with dotenv.parse, the first file
// winning (Object.assign(parsed, config)), then set where process.env has
// nothing; no envFilePath: .env in the working folder; ignoreEnvFile: none.
//
// dotenvx's config() (@dotenvx/dotenvx 2.38, lib/main.js config,
// resolvers/envs) reads as `dotenvx run -f` does: each file in order (a
// path string is a comma-separated list; none: .env), parsed with its own
// parser and expanded against process.env and the files before it, the
// first file winning and process.env beating them; overload (or
// override): the last file, over process.env. $(...) in a value runs a
// command (unknowable here). Not modelled (the call is not judged):
// processEnv, convention, envs, profile.
type NodeCalls struct {
	File  string // slash path of the calling file
	Loads []NodeLoad
}

// NodeLoad is one call.
type NodeLoad struct {
	Via      string // "dotenv.config", "dotenvx.config" or "ConfigModule.forRoot"
	Line     int
	Paths    []NodePath
	Override bool
	Ignore   bool // ConfigModule's ignoreEnvFile: no file at all
}

// NodePath is one file a call names.
type NodePath struct {
	Name     string // as written
	FromFile bool   // relative to the calling file's folder, not the working folder
	// Home: the string handed to dotenv starts with ~, which its
	// _resolveHome reads as the home folder (a literal '~/x',
	// path.join('~', 'x')); path.resolve's, and a join from __dirname or
	// process.cwd(), start with / and name a folder called ~. Never for
	// ConfigModule.forRoot's envFilePath, which @nestjs/config reads with
	// fs, not through dotenv's config.
	Home bool
}

// Label names the calls for people: `dotenv.config() at apps/api/src/index.js:3`.
func (c *NodeCalls) Label() string { return c.Loads[0].Via + "() at " + c.At() }

// At is the first call's file:line.
func (c *NodeCalls) At() string { return fmt.Sprintf("%s:%d", output.Escape(c.File), c.Loads[0].Line) }

var (
	// What makes a name dotenv's module or its config function: one
	// expression a form, each starting with its keyword, so that the
	// regexp package skips to that word's next occurrence (an alternation
	// of the forms has no literal prefix, and was tried at every byte of
	// the file: most of what reading a large file's calls cost). They are
	// read together by jsFormMatches, as their alternation was; each has
	// the one group, the local name or the names between the braces.
	jsDotenvDefault = jsForms(`import\s+(?:\*\s+as\s+)?([\w$]+)\s+from\s*['"]dotenv['"]`, `%s\s+([\w$]+)\s*=\s*require\(\s*['"]dotenv['"]\s*\)`)
	jsDotenvNamed   = jsForms(`import\s*\{([^}]*)\}\s*from\s*['"]dotenv['"]`, `%s\s*\{([^}]*)\}\s*=\s*require\(\s*['"]dotenv['"]\s*\)`)
	// import 'dotenv/config', require('dotenv/config'): config() at load.
	jsDotenvSide = []*lazyre.Regexp{lazyre.New(`import\s*['"]dotenv/config(?:\.js)?['"]`), lazyre.New(`require\(\s*['"]dotenv/config(?:\.js)?['"]`)}
	jsRequireCfg = lazyre.New(`require\(\s*['"]dotenv['"]\s*\)\s*\.\s*config\s*\(`)
	// The same for dotenvx (@dotenvx/dotenvx), whose config() reads as
	// `dotenvx run` does.
	jsDotenvxDefault = jsForms(`import\s+(?:\*\s+as\s+)?([\w$]+)\s+from\s*['"]@dotenvx/dotenvx['"]`, `%s\s+([\w$]+)\s*=\s*require\(\s*['"]@dotenvx/dotenvx['"]\s*\)`)
	jsDotenvxNamed   = jsForms(`import\s*\{([^}]*)\}\s*from\s*['"]@dotenvx/dotenvx['"]`, `%s\s*\{([^}]*)\}\s*=\s*require\(\s*['"]@dotenvx/dotenvx['"]\s*\)`)
	jsDotenvxSide    = []*lazyre.Regexp{lazyre.New(`import\s*['"]@dotenvx/dotenvx/config(?:\.js)?['"]`), lazyre.New(`require\(\s*['"]@dotenvx/dotenvx/config(?:\.js)?['"]`)}
	jsDotenvxCfg     = lazyre.New(`require\(\s*['"]@dotenvx/dotenvx['"]\s*\)\s*\.\s*config\s*\(`)
	// NestJS: ConfigModule.forRoot( (the module imported from @nestjs/config).
	jsNestForRoot = lazyre.New(`(?:^|[^\w$.])(ConfigModule)\s*\.\s*forRoot\s*\(`)
	jsIdent       = lazyre.New(`^[\w$]+$`)
	// A call of a name, or of a name's config or configDotenv.
	jsCallSite = lazyre.New(`(?:^|[^\w$.])([\w$]+)(?:\s*\.\s*(config|configDotenv))?\s*\(`)
	jsFromFile = lazyre.New(`^(?:path\s*\.\s*)?(resolve|join)\s*\(\s*(?:__dirname|import\s*\.\s*meta\s*\.\s*dirname)\s*,(.*)\)$`)
	jsFromCwd  = lazyre.New(`^(?:path\s*\.\s*)?(resolve|join)\s*\(\s*((?:process\s*\.\s*cwd\s*\(\s*\)\s*,)?)(.*)\)$`)
)

// DotenvCalls finds the dotenv config calls of one JavaScript or
// TypeScript file (file is its slash path relative to the root). A call
// whose file or override is computed at run time is a problem: reported,
// and the file's calls are not judged (what they load depends on it).
// nil when the file makes no call.
func DotenvCalls(file string, data []byte) (*NodeCalls, []ScriptProblem) {
	src := string(data)
	type at struct {
		pos  int
		open int    // the '(' of the call's arguments; -1 for a side-effect import
		via  string // NodeLoad.Via
	}
	var found []at
	if strings.Contains(src, "@nestjs/config") {
		for _, m := range jsNestForRoot.Regexp().FindAllStringSubmatchIndex(src, -1) {
			found = append(found, at{m[2], m[1] - 1, viaNest})
		}
	}
	for _, m := range jsFormMatches(src, jsDotenvSide) {
		found = append(found, at{m[0], -1, viaDotenv})
	}
	for _, m := range jsRequireCfg.Regexp().FindAllStringIndex(src, -1) {
		found = append(found, at{m[0], m[1] - 1, viaDotenv})
	}
	// The local names of the config functions: dotenv's module's config,
	// config itself, and dotenvx's.
	names := map[string]string{}
	jsConfigNames(src, jsDotenvDefault, jsDotenvNamed, []string{"config", "configDotenv"}, viaDotenv, names)
	if strings.Contains(src, "@dotenvx/dotenvx") {
		for _, m := range jsFormMatches(src, jsDotenvxSide) {
			found = append(found, at{m[0], -1, viaDotenvx})
		}
		for _, m := range jsDotenvxCfg.Regexp().FindAllStringIndex(src, -1) {
			found = append(found, at{m[0], m[1] - 1, viaDotenvx})
		}
		jsConfigNames(src, jsDotenvxDefault, jsDotenvxNamed, []string{"config"}, viaDotenvx, names)
	}
	if len(names) > 0 {
		for _, m := range jsCallSite.Regexp().FindAllStringSubmatchIndex(src, -1) {
			n := src[m[2]:m[3]]
			if m[4] >= 0 {
				n += "." + src[m[4]:m[5]]
			}
			if via := names[n]; via != "" {
				found = append(found, at{m[2], m[1] - 1, via})
			}
		}
	}
	if len(found) == 0 {
		return nil, nil
	}
	slices.SortFunc(found, func(a, b at) int { return a.pos - b.pos })
	calls := &NodeCalls{File: file}
	var problems []ScriptProblem
	more, moreAt := 0, ""
	problem := func(at, msg string) {
		if len(problems) < maxCallProblems {
			problems = append(problems, ScriptProblem{At: at, Msg: msg})
		} else if more++; more == 1 {
			moreAt = at
		}
	}
	// The line of src[counted], whether its text before counted holds
	// "//", and its first character that is no blank: counted on from the
	// call before, so the work is linear in the file.
	line, counted, slashes, first := 1, 0, false, byte(0)
	for _, f := range found {
		for ; counted < f.pos; counted++ {
			switch c := src[counted]; {
			case c == '\n':
				line, slashes, first = line+1, false, 0
			case c == '/' && counted+1 < f.pos && src[counted+1] == '/':
				slashes = true
			}
			if c := src[counted]; first == 0 && c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				first = c
			}
		}
		if slashes || first == '*' {
			continue // a comment
		}
		load := NodeLoad{Via: f.via, Line: line}
		if f.open < 0 {
			load.Paths = []NodePath{{Name: ".env"}}
			calls.Loads = append(calls.Loads, load)
			continue
		}
		args, ok := jsCallArgs(src[f.open:])
		at := fmt.Sprintf("%s:%d", output.Escape(file), line)
		if !ok {
			problem(at, load.Via+" is not closed within 2000 bytes: what it loads is not judged")
			continue
		}
		msg := ""
		switch f.via {
		case viaNest:
			msg = load.nestArguments(strings.TrimSpace(args))
		case viaDotenvx:
			msg = load.dotenvxArguments(strings.TrimSpace(args))
		default:
			msg = load.arguments(strings.TrimSpace(args))
		}
		if msg != "" {
			problem(at, msg+": what it loads is not judged ("+unjudgedHint(f.via)+")")
			continue
		}
		calls.Loads = append(calls.Loads, load)
	}
	if more > 0 {
		problems = append(problems, ScriptProblem{At: moreAt, Msg: fmt.Sprintf("and %d more dotenv calls of this file dbguard cannot read (only the first %d are named)", more, maxCallProblems)})
	}
	if len(problems) > 0 || len(calls.Loads) == 0 {
		return nil, problems
	}
	return calls, nil
}

// unjudgedHint says what to do about a call dbguard cannot read: dotenv's
// config() has a loader name for env.loaders; dotenvx's config() and
// Nest's ConfigModule.forRoot have none, so their files go in env.files.
func unjudgedHint(via string) string {
	if via == viaDotenv {
		return "pass a literal path, or name the loader in dbguard.yaml's env.loaders (loader: dotenv, dir: the folder the app starts in), then run: dbguard env"
	}
	return "pass a literal path, or list the files it loads in dbguard.yaml's env.files (env.loaders has no name for " + via + "), then run: dbguard env"
}

// What a NodeLoad's Via says.
const (
	viaDotenv  = "dotenv.config"
	viaDotenvx = "dotenvx.config"
	viaNest    = "ConfigModule.forRoot"
)

// jsForms is the expressions of an import form (importForm) and of a
// require form (requireForm, with %s for the declaring keyword) written
// once each for const, let and var.
func jsForms(importForm, requireForm string) []*lazyre.Regexp {
	forms := []*lazyre.Regexp{lazyre.New(importForm)}
	for _, kw := range []string{"const", "let", "var"} {
		forms = append(forms, lazyre.New(fmt.Sprintf(requireForm, kw)))
	}
	return forms
}

// jsFormMatches is what the alternation of forms finds in src (its
// FindAllStringSubmatchIndex), each form searched on its own: from where
// the last match ended, the match that starts first. At one place at
// most one form matches (each starts with a word of its own), and a form's
// match that starts inside a match taken is passed over, as the
// alternation passes over it; the form is searched again from the end.
func jsFormMatches(src string, forms []*lazyre.Regexp) [][]int {
	var out [][]int
	next := make([][]int, len(forms)) // each form's first match from pos, nil when none is left
	searched := make([]bool, len(forms))
	for pos := 0; pos <= len(src); {
		first := -1
		for i, f := range forms {
			if !searched[i] || next[i] != nil && next[i][0] < pos {
				searched[i] = true
				next[i] = nil
				if m := f.Regexp().FindStringSubmatchIndex(src[pos:]); m != nil {
					for j := range m {
						if m[j] >= 0 {
							m[j] += pos
						}
					}
					next[i] = m
				}
			}
			if next[i] != nil && (first < 0 || next[i][0] < next[first][0]) {
				first = i
			}
		}
		if first < 0 {
			break
		}
		m := next[first]
		out = append(out, m)
		pos = max(m[1], m[0]+1)
	}
	return out
}

// jsConfigNames adds to names the local names under which src calls a
// module's config functions (funcs): module.config for its default or
// namespace import (deflt), and the named imports of them (named).
func jsConfigNames(src string, deflt, named []*lazyre.Regexp, funcs []string, via string, names map[string]string) {
	for _, m := range jsFormMatches(src, deflt) {
		for _, f := range funcs {
			names[src[m[2]:m[3]]+"."+f] = via
		}
	}
	for _, m := range jsFormMatches(src, named) {
		for _, part := range strings.Split(src[m[2]:m[3]], ",") {
			imported, local, ok := strings.Cut(strings.TrimSpace(part), " as ")
			if !ok {
				imported, local, ok = strings.Cut(strings.TrimSpace(part), ":")
			}
			if !ok {
				local = imported
			}
			imported, local = strings.TrimSpace(imported), strings.TrimSpace(local)
			if slices.Contains(funcs, imported) && jsIdent.MatchString(local) {
				names[local] = via
			}
		}
	}
}

// jsCallArgs returns the text between a call's '(' (s[0]) and its ')',
// skipping strings and nested brackets; false when it does not close
// within maxCallArgs bytes.
func jsCallArgs(s string) (string, bool) {
	depth := 0
	for i := 0; i < len(s) && i < maxCallArgs; i++ {
		switch c := s[i]; c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth--; depth == 0 {
				return s[1:i], true
			}
		case '"', '\'', '`':
			j := i + 1
			for j < len(s) && s[j] != c && s[j] != '\n' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			i = j
		}
	}
	return "", false
}

// jsSplit splits s at the commas outside brackets and strings.
func jsSplit(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case '"', '\'', '`':
			for i++; i < len(s) && s[i] != c; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if last := strings.TrimSpace(s[start:]); last != "" {
		out = append(out, last)
	}
	return out
}

// jsString is a string literal's value ('...', "..." or `...` without
// ${}), false for anything else.
func jsString(s string) (string, bool) {
	if len(s) < 2 || !strings.ContainsRune(`'"`+"`", rune(s[0])) || s[len(s)-1] != s[0] {
		return "", false
	}
	v := s[1 : len(s)-1]
	if strings.ContainsAny(v, "\\"+string(s[0])) || s[0] == '`' && strings.Contains(v, "${") {
		return "", false
	}
	return v, true
}

// jsProp is one property of an options object literal: its key (quotes
// taken off), its value, whether one is written ({ path } names a
// variable), and whether it spreads another object (...o).
type jsProp struct {
	key, val       string
	valued, spread bool
}

// jsOptions splits a call's options argument, an object literal, into
// its properties, in order; "" is no argument (no properties), and
// anything but an object literal is a message naming who.
func jsOptions(args, who string) ([]jsProp, string) {
	if args == "" {
		return nil, ""
	}
	if len(args) < 2 || args[0] != '{' || args[len(args)-1] != '}' {
		return nil, who + "'s options are not an object literal"
	}
	var props []jsProp
	for _, prop := range jsSplit(args[1 : len(args)-1]) {
		key, val, ok := strings.Cut(prop, ":")
		props = append(props, jsProp{key: strings.Trim(strings.TrimSpace(key), `'"`), val: strings.TrimSpace(val), valued: ok, spread: strings.HasPrefix(prop, "...")})
	}
	return props, ""
}

// arguments reads a config call's arguments into l; a message when they
// are not literal enough to know what the call loads.
func (l *NodeLoad) arguments(args string) string {
	props, msg := jsOptions(args, "dotenv.config")
	if msg != "" {
		return msg
	}
	l.Paths = []NodePath{{Name: ".env"}}
	for _, p := range props {
		key, val, ok := p.key, p.val, p.valued
		switch {
		case p.spread:
			return "dotenv.config's options spread another object"
		case !ok && (key == "path" || key == "override" || key == "processEnv"):
			return "dotenv.config's " + key + " is a variable"
		case key == "path":
			paths, msg := jsPaths(val)
			if msg != "" {
				return msg
			}
			l.Paths = paths
		case key == "override":
			switch val {
			case "true", "!0":
				l.Override = true
			case "false", "!1":
				l.Override = false
			default:
				return "dotenv.config's override is computed at run time"
			}
		case key == "processEnv":
			return "dotenv.config loads into another object than process.env (processEnv)"
		}
	}
	return ""
}

// dotenvxArguments reads dotenvx's config options into l.
func (l *NodeLoad) dotenvxArguments(args string) string {
	l.Paths = []NodePath{{Name: ".env"}}
	props, msg := jsOptions(args, "dotenvx.config")
	if msg != "" {
		return msg
	}
	for _, p := range props {
		key, val, ok := p.key, p.val, p.valued
		switch {
		case p.spread:
			return "dotenvx.config's options spread another object"
		case !ok && (key == "path" || key == "overload" || key == "override" || key == "processEnv" || key == "convention" || key == "envs" || key == "profile"):
			return "dotenvx.config's " + key + " is a variable"
		case key == "path":
			paths, msg := jsPaths(val)
			if msg != "" {
				return strings.Replace(msg, "dotenv.config", "dotenvx.config", 1)
			}
			// A string is a comma-separated list (dotenvOptionPaths);
			// an array's strings are taken whole.
			switch {
			case strings.HasPrefix(val, "[") || !strings.Contains(paths[0].Name, ","):
			case paths[0].FromFile || strings.Contains(val, "("):
				// path.join(__dirname, 'a,b') is one string dotenvx
				// splits after the join: not guessed.
				return "dotenvx.config's path holds a comma, which dotenvx reads as a list"
			default:
				var list []NodePath
				for _, n := range strings.Split(paths[0].Name, ",") {
					if n = strings.TrimSpace(n); n != "" {
						list = append(list, NodePath{Name: n, Home: strings.HasPrefix(n, "~")})
					}
				}
				if len(list) == 0 {
					return "dotenvx.config's path names no file"
				}
				paths = list
			}
			l.Paths = paths
		case key == "overload" || key == "override":
			switch val {
			case "true", "!0":
				l.Override = true
			case "false", "!1":
			default:
				return "dotenvx.config's " + key + " is computed at run time"
			}
		case key == "processEnv":
			return "dotenvx.config loads into another object than process.env (processEnv)"
		case key == "convention" || key == "envs" || key == "profile":
			return "dotenvx.config's " + key + " option is not modelled yet: list the files with path"
		}
	}
	return ""
}

// nestArguments reads ConfigModule.forRoot's options into l.
func (l *NodeLoad) nestArguments(args string) string {
	l.Paths = []NodePath{{Name: ".env"}}
	props, msg := jsOptions(args, "ConfigModule.forRoot")
	if msg != "" {
		return msg
	}
	for _, p := range props {
		key, val, ok := p.key, p.val, p.valued
		switch {
		case p.spread:
			return "ConfigModule.forRoot's options spread another object"
		case !ok && (key == "envFilePath" || key == "ignoreEnvFile" || key == "expandVariables"):
			return "ConfigModule.forRoot's " + key + " is a variable"
		case key == "envFilePath":
			paths, msg := jsPaths(val)
			if msg != "" {
				return strings.Replace(msg, "dotenv.config's path", "ConfigModule.forRoot's envFilePath", 1)
			}
			// loadEnvFile reads each path with fs itself, not through
			// dotenv's config: a leading ~ is a folder of that name.
			for i := range paths {
				paths[i].Home = false
			}
			l.Paths = paths
		case key == "ignoreEnvFile":
			switch val {
			case "true", "!0":
				l.Paths = nil
				l.Ignore = true
			case "false", "!1":
			default:
				return "ConfigModule.forRoot's ignoreEnvFile is computed at run time"
			}
		case key == "expandVariables" && val != "false" && val != "!1":
			return "ConfigModule.forRoot expands variables (expandVariables), which dbguard does not model from the code"
		}
	}
	if l.Ignore {
		l.Paths = nil
	}
	return ""
}

// jsPaths reads a path option: a string, an array of them,
// path.resolve/join(__dirname, ...) or of process.cwd() and strings.
func jsPaths(val string) ([]NodePath, string) {
	if strings.HasPrefix(val, "[") && strings.HasSuffix(val, "]") {
		var out []NodePath
		for _, e := range jsSplit(val[1 : len(val)-1]) {
			p, msg := jsPath(e)
			if msg != "" {
				return nil, msg
			}
			out = append(out, p)
		}
		if len(out) == 0 {
			return nil, "dotenv.config's path is an empty list"
		}
		return out, ""
	}
	p, msg := jsPath(val)
	if msg != "" {
		return nil, msg
	}
	return []NodePath{p}, ""
}

func jsPath(val string) (NodePath, string) {
	if s, ok := jsString(val); ok {
		return NodePath{Name: s, Home: strings.HasPrefix(s, "~")}, ""
	}
	fromFile, after := false, false // after: the strings follow __dirname or process.cwd()
	var fn, args string
	if m := jsFromFile.FindStringSubmatch(val); m != nil {
		fromFile, after, fn, args = true, true, m[1], m[2]
	} else if m = jsFromCwd.FindStringSubmatch(val); m != nil {
		after, fn, args = m[2] != "", m[1], m[3]
	} else {
		return NodePath{}, "dotenv.config's path is computed at run time"
	}
	var parts []string
	for i, a := range jsSplit(args) {
		s, ok := jsString(a)
		if !ok {
			return NodePath{}, "dotenv.config's path is computed at run time"
		}
		if path.IsAbs(s) && fn == "resolve" {
			parts = nil // path.resolve starts again at an absolute part
		} else if path.IsAbs(s) && (after || i > 0) {
			// path.join('/a', '/b') is /a/b: after __dirname, or after a
			// first part, a leading / joins as any name does.
			s = strings.TrimLeft(s, "/")
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return NodePath{}, "dotenv.config's path is computed at run time"
	}
	name := path.Join(parts...)
	return NodePath{Name: name, FromFile: fromFile && !path.IsAbs(parts[0]), Home: fn == "join" && !after && strings.HasPrefix(name, "~")}, ""
}

// Resolve returns the calls' files as paths from the root for a process
// started in start; outside lists those that leave the project (read by
// the app, never by dbguard).
func (c *NodeCalls) Resolve(start string) (inside []string, outside []string) {
	for _, l := range c.Loads {
		for _, p := range l.Paths {
			if rel, ok := c.rooted(start, p); ok {
				inside = append(inside, rel)
			} else {
				outside = append(outside, p.Name)
			}
		}
	}
	return inside, outside
}

// NodeNamed is one file a call names, for a process started in a folder.
type NodeNamed struct {
	At     string // the naming call's file:line
	Via    string // "dotenv.config" or "ConfigModule.forRoot"
	Path   string // slash path from the root, when Inside
	Name   string // as written
	Inside bool
}

// Named lists each file the calls name, with the call that names it, for
// a process started in start (Resolve's files, told apart by call).
func (c *NodeCalls) Named(start string) []NodeNamed {
	var out []NodeNamed
	for _, l := range c.Loads {
		at := fmt.Sprintf("%s:%d", output.Escape(c.File), l.Line)
		for _, p := range l.Paths {
			rel, ok := c.rooted(start, p)
			out = append(out, NodeNamed{At: at, Via: l.Via, Path: rel, Name: p.Name, Inside: ok})
		}
	}
	return out
}

func (c *NodeCalls) rooted(start string, p NodePath) (string, bool) {
	if path.IsAbs(p.Name) || p.Home {
		return "", false
	}
	base := start
	if p.FromFile {
		base = path.Dir(c.File)
	}
	rel := path.Clean(path.Join(base, p.Name))
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return rel, true
}

// Modes are the modes the calls' files are named for, when every file is
// named for one (.env.production: production); nil otherwise.
func (c *NodeCalls) Modes() []string {
	var modes []string
	for _, l := range c.Loads {
		for _, p := range l.Paths {
			m := fileMode(path.Base(p.Name))
			if m == "" {
				return nil
			}
			modes = append(modes, m)
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(modes)))
}

// Loader is the calls as a loader started in start: dotenv's syntax, no
// expansion, set into process.env. Read it with that folder.
func (c *NodeCalls) Loader(start string) *Loader {
	files, _ := c.Resolve(start)
	commands := false
	for _, l := range c.Loads {
		commands = commands || l.Via == viaDotenvx // dotenvx runs $(...)
	}
	return &Loader{Name: c.Label(), Call: c.At() + ": " + c.Loads[0].Via, Application: true,
		Files: func(string) []string { return files }, rooted: true, commands: commands, decrypts: commands,
		dialect: dialectDotenv, setenv: setNode, read: func(x *readCtx) { c.read(x, start) }}
}

func (c *NodeCalls) read(x *readCtx, start string) {
	for _, l := range c.Loads {
		if l.Via == viaDotenvx {
			var paths []string
			for _, p := range l.Paths {
				if rel, ok := c.rooted(start, p); ok {
					paths = append(paths, rel)
				}
			}
			if !x.readDotenvx(paths, l.Override) || x.r.Err != nil {
				return
			}
			continue
		}
		// populate(parsedAll, parsed, options) for each file, then
		// populate(process.env, parsedAll, options).
		parsed := map[string]*Def{}
		var order []string
		for _, p := range l.Paths {
			rel, ok := c.rooted(start, p)
			if !ok {
				continue
			}
			defs, ok := x.fileAt(rel)
			if !ok {
				continue
			}
			if x.r.Err != nil {
				return
			}
			keys, by := lastWins(defs)
			for _, k := range keys {
				if _, seen := parsed[k]; seen && !l.Override {
					continue
				} else if !seen {
					order = append(order, k)
				}
				parsed[k] = by[k]
			}
		}
		for _, k := range order {
			_, inEnv := x.env(k)
			_, set := x.r.vars[k]
			if (inEnv || set) && !l.Override {
				continue
			}
			if !x.set(parsed[k], parsed[k].Value) {
				return
			}
		}
	}
}
