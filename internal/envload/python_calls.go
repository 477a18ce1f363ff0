package envload

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
)

// PyCall is one load_dotenv(...) call in an application's Python code.
// Where it looks depends on the call, not on the manifest's folder:
//
//   - load_dotenv(), load_dotenv(find_dotenv()), find_dotenv("NAME"):
//     find_dotenv searches upward from the folder of the calling file
//     (backend/app/core/config.py: backend/app/core, backend/app, ...);
//     find_dotenv(usecwd=True) from the working folder.
//   - load_dotenv(".env.local"), load_dotenv(dotenv_path="..."): that path,
//     relative to the working folder the process starts in.
//   - override=True: the file beats the environment (and its own values
//     win in its ${VAR} interpolation).
type PyCall struct {
	File     string // slash path of the calling file
	Line     int
	Name     string // the file searched for or read: ".env", ".env.local"
	Upward   bool   // find_dotenv's upward search
	UseCwd   bool   // the search starts in the working folder
	Override bool
}

// Label names the call for people: `load_dotenv() at backend/app/config.py:3`.
func (p *PyCall) Label() string { return "load_dotenv() at " + p.At() }

// At is the call's file:line.
func (p *PyCall) At() string { return fmt.Sprintf("%s:%d", output.Escape(p.File), p.Line) }

// Dir is the calling file's folder.
func (p *PyCall) Dir() string { return path.Dir(p.File) }

var (
	loadDotenvCall = lazyre.New(`(?:^|[^\w])load_dotenv\s*\(`)
	pyString       = lazyre.New(`^[rRbBuU]?(?:"([^"\\\n]*)"|'([^'\\\n]*)')$`)
	findDotenvCall = lazyre.New(`^(?:dotenv\.)?find_dotenv\s*\((.*)\)$`)
	keywordArg     = lazyre.New(`^\s*\w+\s*$`)
)

// maxCallArgs bounds the text read as one call's arguments.
const maxCallArgs = 2000

// maxCallProblems is how many problems one file reports; the rest are
// counted in one more.
const maxCallProblems = 10

// PythonCalls finds the load_dotenv calls of one Python file (file is its
// slash path relative to the root). A call whose file is computed at run
// time (Path(__file__).parent / ".env", os.getenv(...)) is a problem:
// reported, not guessed. Its work is linear in the file: lines are counted
// on from the call before, and each call's arguments read at most
// maxCallArgs bytes.
func PythonCalls(file string, data []byte) ([]*PyCall, []ScriptProblem) {
	var calls []*PyCall
	var problems []ScriptProblem
	more, moreAt := 0, ""
	problem := func(at, msg string) {
		if len(problems) < maxCallProblems {
			problems = append(problems, ScriptProblem{At: at, Msg: msg})
			return
		}
		if more++; more == 1 {
			moreAt = at
		}
	}
	// The line of data[counted], and whether its text before counted holds
	// a '#', "def " or "import ": a call after one of those is a comment,
	// the definition or an import. (A segment starts at a call's name, so
	// neither word runs across two.)
	line, counted, skip := 1, 0, false
	for _, m := range loadDotenvCall.FindAllIndex(data, -1) {
		start := m[1] // after "("
		name := m[0] + bytes.Index(data[m[0]:m[1]], []byte("load_dotenv"))
		if name > counted {
			seg := data[counted:name]
			if n := bytes.Count(seg, []byte("\n")); n > 0 {
				line += n
				seg, skip = seg[bytes.LastIndexByte(seg, '\n')+1:], false
			}
			skip = skip || bytes.IndexByte(seg, '#') >= 0 || bytes.Contains(seg, []byte("def ")) || bytes.Contains(seg, []byte("import "))
			counted = name
		}
		if skip {
			continue // a comment, the definition, an import
		}
		at := fmt.Sprintf("%s:%d", output.Escape(file), line)
		args, ok := callArgs(data[start:])
		if !ok {
			problem(at, "a load_dotenv call dbguard cannot read")
			continue
		}
		c := &PyCall{File: file, Line: line, Name: ".env", Upward: true}
		if msg := c.arguments(args); msg != "" {
			problem(at, msg)
			continue
		}
		calls = append(calls, c)
	}
	if more > 0 {
		problems = append(problems, ScriptProblem{At: moreAt, Msg: fmt.Sprintf("and %d more load_dotenv calls of this file dbguard cannot read (only the first %d are named)", more, maxCallProblems)})
	}
	return calls, problems
}

// callArgs returns the top-level arguments of a call whose "(" was just
// read, split at commas outside brackets and strings, comments left out.
// It reads at most maxCallArgs bytes.
func callArgs(b []byte) ([]string, bool) {
	if len(b) > maxCallArgs {
		b = b[:maxCallArgs]
	}
	var args []string
	var cur []byte // the argument so far, without comments
	depth := 0
	for i := 0; i < len(b); i++ {
		if !callArgsSpecial[b[i]] {
			// A run of bytes that only go into the argument, at once.
			j := i + 1
			for j < len(b) && !callArgsSpecial[b[j]] {
				j++
			}
			cur = append(cur, b[i:j]...)
			i = j - 1
			continue
		}
		switch c := b[i]; c {
		case '"', '\'':
			j := bytes.IndexByte(b[i+1:], c)
			if j < 0 {
				return nil, false
			}
			cur = append(cur, b[i:i+j+2]...)
			i += j + 1
			continue
		case '#':
			// A comment to the end of the line: not part of any argument.
			j := bytes.IndexByte(b[i:], '\n')
			if j < 0 {
				return nil, false
			}
			i += j - 1 // the newline is read next
			continue
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 {
				if a := strings.TrimSpace(string(cur)); a != "" {
					args = append(args, a)
				}
				return args, true
			}
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(string(cur)))
				cur = cur[:0]
				continue
			}
		}
		cur = append(cur, b[i])
	}
	return nil, false
}

// callArgsSpecial is the bytes callArgs does more with than add to the
// argument.
var callArgsSpecial = [256]bool{'"': true, '\'': true, '#': true, '(': true, '[': true, '{': true, ')': true, ']': true, '}': true, ',': true}

func pyLiteral(s string) (string, bool) {
	m := pyString.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", false
	}
	return m[1] + m[2], true
}

// arguments reads load_dotenv's arguments: dotenv_path (first positional)
// and override; any other way of passing a file is a problem.
func (c *PyCall) arguments(args []string) string {
	for i, a := range args {
		key, val := "", a
		if k, v, ok := strings.Cut(a, "="); ok && keywordArg.MatchString(k) {
			key, val = strings.TrimSpace(k), strings.TrimSpace(v)
		} else if i < 5 {
			// load_dotenv(dotenv_path, stream, verbose, override, interpolate)
			key = []string{"dotenv_path", "stream", "verbose", "override", "interpolate"}[i]
		}
		switch key {
		case "dotenv_path":
			if msg := c.path(val); msg != "" {
				return msg
			}
		case "override":
			switch val {
			case "True":
				c.Override = true
			case "False":
			default:
				return "load_dotenv(override=" + shownCode(val) + ") is only known at run time"
			}
		case "stream":
			if val != "None" {
				return "load_dotenv(stream=...) reads a stream dbguard cannot see"
			}
		case "interpolate":
			if val != "True" {
				return "load_dotenv(interpolate=False) is not modelled"
			}
		case "verbose", "encoding":
		default:
			return "a load_dotenv argument dbguard cannot read: " + shownCode(a)
		}
	}
	return ""
}

// path reads dotenv_path: None, a string literal, or find_dotenv(...).
func (c *PyCall) path(val string) string {
	if val == "None" {
		return ""
	}
	if s, ok := pyLiteral(val); ok {
		if s == "" {
			return "load_dotenv(\"\") reads no file"
		}
		c.Name, c.Upward = s, false
		return ""
	}
	m := findDotenvCall.FindStringSubmatch(val)
	if m == nil {
		return "load_dotenv with a path computed at run time (" + shownCode(val) + "): dbguard cannot know the file; pass a literal path, or name the loader in env.loaders"
	}
	inner, ok := callArgs([]byte(m[1] + ")"))
	if !ok {
		return "a find_dotenv call dbguard cannot read"
	}
	for i, a := range inner {
		key, v := "", a
		if k, vv, ok := strings.Cut(a, "="); ok && !strings.ContainsAny(k, `"'`) {
			key, v = strings.TrimSpace(k), strings.TrimSpace(vv)
		} else if i == 0 {
			key = "filename"
		} else if i == 2 {
			key = "usecwd"
		}
		switch key {
		case "filename":
			s, ok := pyLiteral(v)
			if !ok || s == "" || strings.Contains(s, "/") {
				return "find_dotenv(" + shownCode(v) + ") with a name dbguard cannot know"
			}
			c.Name = s
		case "usecwd":
			switch v {
			case "True":
				c.UseCwd = true
			case "False":
			default:
				return "find_dotenv(usecwd=" + shownCode(v) + ") is only known at run time"
			}
		case "raise_error_if_not_found":
		default:
			return "a find_dotenv argument dbguard cannot read: " + shownCode(a)
		}
	}
	return ""
}

// Modes are the modes the call's file is named for (.env.test: test).
func (c *PyCall) Modes() []string {
	if m := fileMode(path.Base(c.Name)); m != "" {
		return []string{m}
	}
	return nil
}

// Loader is the call as a loader: python-dotenv's syntax and
// interpolation, the file found as the call finds it, set into os.environ
// (over the environment with override=True). Read it with dir the working
// folder and caller the calling file's folder.
func (c *PyCall) Loader() *Loader {
	name := c.Name
	return &Loader{Name: c.Label(), Call: c.At() + ": load_dotenv", Application: true,
		Files: func(string) []string { return []string{name} }, where: c.where(),
		dialect: dialectPython, setenv: setPython, overrides: c.Override, read: c.read}
}

func (c *PyCall) where() Where {
	if c.Upward && !c.UseCwd {
		return Upward
	}
	return InDir
}

func (c *PyCall) read(x *readCtx) {
	var defs []Def
	switch {
	case c.Upward:
		start := x.r.Caller
		if c.UseCwd {
			start = x.r.Dir
		}
		for d := start; ; d = path.Dir(d) {
			if found, ok := x.fileAt(join(d, c.Name)); ok {
				defs = found
				break
			}
			if d == "." || d == "/" || d == "" {
				return
			}
		}
	default:
		p := path.Clean(join(x.r.Dir, c.Name))
		if path.IsAbs(c.Name) || p == ".." || strings.HasPrefix(p, "../") {
			return // outside the project: not read
		}
		found, ok := x.fileAt(p)
		if !ok {
			return
		}
		defs = found
	}
	if x.r.Err != nil {
		return
	}
	setPythonDefs(x, defs, c.Override)
}

// setPythonDefs is DotEnv.set_as_environment_variables: the values
// interpolated in file order (override: the file's own values first,
// else the environment's), then set where the environment has nothing,
// or everywhere with override.
func setPythonDefs(c *readCtx, defs []Def, override bool) {
	type nv struct {
		v    string
		none bool
	}
	newValues := make(map[string]nv, len(defs))
	lookup := func(k string) (string, bool) {
		if override {
			if v, ok := newValues[k]; ok {
				return v.v, true
			}
			return c.env(k)
		}
		if v, ok := c.env(k); ok {
			return v, true
		}
		if v, ok := newValues[k]; ok {
			return v.v, true
		}
		return "", false
	}
	b := c.budget()
	for i := range defs {
		d := &defs[i]
		r := nv{none: d.NoValue}
		if !d.NoValue {
			var ok bool
			if r.v, ok = interpolatePython(d.Value, lookup, b); !ok {
				c.r.Err = overBudget(c.l.Name, d)
				return
			}
		}
		newValues[d.Key] = r
	}
	// newValues now holds each key's last value: the result.
	keys, by := c.lastWins(defs)
	for _, k := range keys {
		r := newValues[k]
		if r.none {
			continue
		}
		if _, set := c.env(k); set && !override {
			continue
		}
		if !c.set(by[k], r.v) {
			return
		}
	}
}
