package envload

import (
	"bytes"
	"fmt"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
)

// DjangoReleases are the ranges of django-environ releases that read a
// .env alike, oldest first (the readings of DjangoEnvironValues).
var DjangoReleases = []string{"0.4.4", "0.4.5 to 0.7", "0.8 to 0.10", "0.11"}

// DjangoRelease is the index in DjangoReleases of a release named by its
// version ("0.11.2"), or -1 for one whose source was not read (before
// 0.4.4, after 0.11.2) or that is not a version.
func DjangoRelease(version string) int {
	var n [3]int
	parts := strings.Split(strings.TrimSpace(version), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return -1
	}
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return -1
		}
		n[i] = v
	}
	if n[0] != 0 {
		return -1
	}
	switch minor, patch := n[1], n[2]; {
	case minor == 4 && patch == 4:
		return 0
	case minor == 4 && patch >= 5, minor >= 5 && minor <= 7:
		return 1
	case minor >= 8 && minor <= 10:
		return 2
	case minor == 11 && patch <= 2:
		return 3
	}
	return -1
}

// DjangoOpensPathlib reports whether a release's read_env opens a
// pathlib.Path (0.6 and later: isinstance(env_file, Openable)); 0.4.4 to
// 0.5 open a str only and use anything else as an open file.
func DjangoOpensPathlib(version string) bool {
	parts := strings.Split(strings.TrimSpace(version), ".")
	if len(parts) < 2 || parts[0] != "0" {
		return true
	}
	minor, err := strconv.Atoi(parts[1])
	return err != nil || minor >= 6
}

// DjangoCall is one Env.read_env(...) call of django-environ, read from
// the code (environ/environ.py of 0.4.4 to 0.11.2):
//
//   - read_env() with no file reads the .env beside the calling file
//     (sys._getframe().f_back's co_filename), not the working folder's;
//   - a string literal is a path from the working folder;
//   - os.path.join(BASE_DIR, '.env'), BASE_DIR / '.env', str(...) of those,
//     with BASE_DIR assigned once in the same file from __file__
//     (Path(__file__).resolve().parent.parent, os.path.dirname(...)
//     around os.path.abspath(__file__), environ.Path(__file__) - 2): that
//     file, from the calling file's folder.
//
// A missing file is passed over. The environment wins (setdefault);
// overwrite=True (0.8 and later) makes the file win. Within one file 0.4.4
// to 0.7 keep a name's first line, 0.8 and later its last.
type DjangoCall struct {
	File string // slash path of the calling file
	Line int
	// Path is the file read, from the project root, when the call names it
	// from the calling file; Name, when it names a path from the working
	// folder (a literal).
	Path, Name string
	Overwrite  bool
	// PathObject: env_file is a pathlib.Path (BASE_DIR / '.env'), which
	// releases before 0.6 cannot open (they take a str or a file:
	// AttributeError); NoPathlib: the pinned release is one of those.
	PathObject, NoPathlib bool
	// Release is the index in DjangoReleases of the release the project
	// pins, -1 when it pins none: then the newest read (0.11) is judged,
	// and the line warnings name the releases that read otherwise.
	Release int
}

// DjangoDB is one env.db() or env.db_url() call: the variable it reads.
type DjangoDB struct {
	At  string
	Var string
}

// At is the call's file:line.
func (c *DjangoCall) At() string { return fmt.Sprintf("%s:%d", output.Escape(c.File), c.Line) }

var (
	readEnvCall  = lazyre.New(`\.read_env\s*\(`)
	djangoDBCall = lazyre.New(`\.\s*(?:db|db_url)\s*\(`)
	// An Env assigned to a name (cfg = environ.Env(...), E: environ.Env =
	// environ.FileAwareEnv(), self.env = Env()): the names whose .db()
	// reads a variable.
	djangoEnvAssign = lazyre.New(`(?m)^[ \t]*(?:[A-Za-z_]\w*[ \t]*\.[ \t]*)*([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=[ \t]*(?:environ[ \t]*\.[ \t]*)?(?:FileAware)?Env[ \t]*\(`)
	pyAssign        = lazyre.New(`(?m)^[ \t]*([A-Za-z_]\w*)[ \t]*=[ \t]*([^=\n].*)$`)
	// A name bound by =, an augmented assignment or :=, and the = after
	// it when it is ==; a name bound by for or as.
	pyBinding     = lazyre.New(`([A-Za-z_]\w*)[ \t]*(?://|\*\*|>>|<<|[-+*/%&|^@:])?=(=?)`)
	pyBindingWord = lazyre.New(`\b(?:for|as)[ \t]+([A-Za-z_]\w*)`)
	pyParentsN    = lazyre.New(`^\.parents\[(\d)\]`)
	pyMinusN      = lazyre.New(`^(.*\S)\s*-\s*(\d)$`)
)

// DjangoEnvironCalls finds the read_env and env.db calls of one Python
// file (file is its slash path from the root). A call whose file cannot
// be known from the code (a path computed at run time, a name assigned
// twice) or that leaves the project is a problem: reported, not guessed.
func DjangoEnvironCalls(file string, data []byte) ([]*DjangoCall, []DjangoDB, []ScriptProblem) {
	var calls []*DjangoCall
	var dbs []DjangoDB
	var problems []ScriptProblem
	var vars map[string]string // the folders a name is assigned once
	lineOf := lineCounter(data)
	for _, m := range readEnvCall.FindAllIndex(data, -1) {
		line, inComment := lineOf(m[0])
		if inComment {
			continue
		}
		at := fmt.Sprintf("%s:%d", output.Escape(file), line)
		if len(problems) >= maxCallProblems {
			break
		}
		args, ok := callArgs(data[m[1]:])
		if !ok {
			problems = append(problems, ScriptProblem{At: at, Msg: "a read_env call dbguard cannot read"})
			continue
		}
		if vars == nil {
			vars = pathVars(file, data)
		}
		c := &DjangoCall{File: file, Line: line, Release: -1}
		if msg := c.arguments(args, vars); msg != "" {
			problems = append(problems, ScriptProblem{At: at, Msg: msg})
			continue
		}
		calls = append(calls, c)
	}
	lineOf = lineCounter(data) // from the top again
	envs := map[string]bool{"env": true}
	for _, m := range djangoEnvAssign.FindAllSubmatch(data, -1) {
		envs[string(m[1])] = true
	}
	for _, m := range djangoDBCall.FindAllIndex(data, -1) {
		if !envReceiver(data[:m[0]], envs) {
			continue
		}
		line, inComment := lineOf(m[0])
		if inComment {
			continue
		}
		at := fmt.Sprintf("%s:%d", output.Escape(file), line)
		args, ok := callArgs(data[m[1]:])
		v := "DATABASE_URL"
		if ok && len(args) > 0 {
			a := args[0]
			if k, val, cut := strings.Cut(a, "="); cut && keywordArg.MatchString(k) {
				if strings.TrimSpace(k) != "var" {
					a = ""
				} else {
					a = val
				}
			}
			if a != "" {
				s, lit := pyLiteral(a)
				if !lit {
					if len(problems) < maxCallProblems {
						problems = append(problems, ScriptProblem{At: at, Msg: "env.db(" + shownCode(a) + ") reads a variable named at run time: dbguard cannot know which database it connects to"})
					}
					continue
				}
				v = s
			}
		}
		dbs = append(dbs, DjangoDB{At: at, Var: v})
	}
	return calls, dbs, problems
}

// maxReceiver bounds how far back from ".db(" the receiver is read: a
// name, or Env(...)'s arguments, on the same line.
const maxReceiver = 256

// envReceiver reports whether the code before a ".db(" ends in a
// django-environ Env: one of the names an Env is assigned to (envs, "env"
// among them), or Env(...) / FileAwareEnv(...) called in place. Only the
// last maxReceiver bytes are looked at, so the search stays linear.
func envReceiver(before []byte, envs map[string]bool) bool {
	if len(before) > maxReceiver {
		before = before[len(before)-maxReceiver:]
	}
	b := bytes.TrimRight(before, " \t")
	if len(b) > 0 && b[len(b)-1] == ')' {
		// Env(...) in place: back to its opening bracket, no nesting.
		open := bytes.LastIndexByte(b, '(')
		if open < 0 || bytes.ContainsAny(b[open+1:len(b)-1], "()\n") {
			return false
		}
		b = bytes.TrimRight(b[:open], " \t")
		name := identBefore(b)
		return name == "Env" || name == "FileAwareEnv"
	}
	return envs[identBefore(b)]
}

// identBefore is the Python name b ends with, "" when none.
func identBefore(b []byte) string {
	i := len(b)
	for i > 0 {
		c := b[i-1]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			i--
			continue
		}
		break
	}
	if i == len(b) || b[i] >= '0' && b[i] <= '9' {
		return ""
	}
	return string(b[i:])
}

// lineCounter returns the line of an offset, counted on from the offset
// asked before (offsets asked in increasing order), and whether a '#' or
// "def " comes before it on its line (a comment, a definition). The work
// is linear in the file: each byte is looked at once, whatever the number
// of calls on one line.
func lineCounter(data []byte) func(off int) (int, bool) {
	line, counted, skip := 1, 0, false
	return func(off int) (int, bool) {
		if off > counted {
			seg := data[counted:off]
			if n := bytes.Count(seg, []byte("\n")); n > 0 {
				line += n
				seg, skip = seg[bytes.LastIndexByte(seg, '\n')+1:], false
			}
			skip = skip || bytes.IndexByte(seg, '#') >= 0 || bytes.Contains(seg, []byte("def "))
			counted = off
		}
		return line, skip
	}
}

// maxPathExpr bounds the assignment read as a folder (BASE_DIR = ...).
const maxPathExpr = 256

// pathVars are the names assigned exactly once in the file, at the top
// of a line, to a folder computed from __file__, each as the folder's
// path from the root (it may leave the project: "../x").
func pathVars(file string, data []byte) map[string]string {
	count := map[string]int{}
	rhs := map[string]string{}
	for _, m := range pyAssign.FindAllSubmatch(data, -1) {
		k := string(m[1])
		count[k]++
		// Only a short expression built from __file__ can be a folder
		// read here: a longer one is not evaluated (its work grows with
		// its length squared).
		if len(m[2]) <= maxPathExpr && bytes.Contains(m[2], []byte("__file__")) {
			rhs[k] = strings.TrimSpace(string(m[2]))
		} else {
			delete(rhs, k)
		}
	}
	if len(rhs) == 0 {
		return map[string]string{}
	}
	// Any other binding of such a name is a second assignment, wherever it
	// stands: an augmented one (BASE_DIR /= "deploy", BASE_DIR += "/.."),
	// :=, a name in a tuple or a keyword argument, for ... in, as. Read in
	// one pass over the file; == is a comparison.
	bound := map[string]int{}
	for _, m := range pyBinding.FindAllSubmatchIndex(data, -1) {
		if m[4] < m[5] {
			continue // ==
		}
		if _, ok := rhs[string(data[m[2]:m[3]])]; ok {
			bound[string(data[m[2]:m[3]])]++
		}
	}
	for _, m := range pyBindingWord.FindAllSubmatchIndex(data, -1) {
		if _, ok := rhs[string(data[m[2]:m[3]])]; ok {
			bound[string(data[m[2]:m[3]])] += 2
		}
	}
	vars := map[string]string{}
	for k, e := range rhs {
		if count[k] != 1 || bound[k] != 1 {
			continue
		}
		if p, rooted, ok := evalPath(file, e, nil); ok && rooted {
			vars[k] = p
		}
	}
	return vars
}

// evalPath reads a path expression: rooted when it is a path from the
// root (built from __file__ or a name in vars), else a literal (a path
// from the working folder). ok is false for anything else.
func evalPath(file, e string, vars map[string]string) (p string, rooted, ok bool) {
	e = strings.TrimSpace(e)
	if strings.Count(e, "(") != strings.Count(e, ")") {
		return "", false, false
	}
	if s, lit := pyLiteral(e); lit {
		return s, false, true
	}
	if e == "__file__" {
		return file, true, true
	}
	if v, found := vars[e]; found {
		return v, true, true
	}
	// A / B / C: pathlib's join.
	if parts := topSplit(e, '/'); len(parts) > 1 {
		return joinParts(file, parts, vars)
	}
	// environ.Path(...) - N: N folders up.
	if m := pyMinusN.FindStringSubmatch(e); m != nil {
		p, rooted, ok := evalPath(file, m[1], vars)
		if !ok || !rooted {
			return "", false, false
		}
		for n, _ := strconv.Atoi(m[2]); n > 0; n-- {
			p = path.Join(p, "..")
		}
		return p, true, true
	}
	// X.parent, X.parents[N], X.resolve(), X.absolute()
	for _, suffix := range []string{".resolve()", ".absolute()"} {
		if strings.HasSuffix(e, suffix) {
			return evalPath(file, strings.TrimSuffix(e, suffix), vars)
		}
	}
	if strings.HasSuffix(e, ".parent") {
		p, rooted, ok := evalPath(file, strings.TrimSuffix(e, ".parent"), vars)
		if !ok || !rooted {
			return "", false, false
		}
		return path.Join(p, ".."), true, true
	}
	if i := strings.LastIndex(e, ".parents["); i > 0 {
		if m := pyParentsN.FindStringSubmatch(e[i:]); m != nil && len(m[0]) == len(e)-i {
			p, rooted, ok := evalPath(file, e[:i], vars)
			if !ok || !rooted {
				return "", false, false
			}
			for n, _ := strconv.Atoi(m[1]); n >= 0; n-- {
				p = path.Join(p, "..")
			}
			return p, true, true
		}
	}
	// F(args): the functions that keep a path or take a folder off it.
	open := strings.IndexByte(e, '(')
	if open <= 0 || e[len(e)-1] != ')' {
		return "", false, false
	}
	fn := strings.TrimSpace(e[:open])
	args, okArgs := callArgs([]byte(e[open+1:]))
	if !okArgs || len(args) == 0 {
		return "", false, false
	}
	switch fn {
	case "str", "Path", "pathlib.Path", "environ.Path", "os.fspath", "os.path.abspath", "os.path.realpath", "path.abspath", "path.realpath":
		if len(args) != 1 {
			return "", false, false
		}
		return evalPath(file, args[0], vars)
	case "os.path.dirname", "path.dirname", "dirname":
		if len(args) != 1 {
			return "", false, false
		}
		p, rooted, ok := evalPath(file, args[0], vars)
		if !ok || !rooted {
			return "", false, false
		}
		return path.Join(p, ".."), true, true
	case "os.path.join", "path.join", "join":
		return joinParts(file, args, vars)
	}
	return "", false, false
}

// joinParts is os.path.join (and pathlib's /) over path expressions: the
// first may be rooted, the rest literals; a literal that starts with '/'
// starts over, outside the project.
func joinParts(file string, parts []string, vars map[string]string) (string, bool, bool) {
	p, rooted, ok := evalPath(file, parts[0], vars)
	if !ok {
		return "", false, false
	}
	for _, part := range parts[1:] {
		s, lit := pyLiteral(part)
		if !lit {
			return "", false, false
		}
		if strings.HasPrefix(s, "/") {
			p, rooted = s, false
			continue
		}
		p = path.Join(p, s)
	}
	return p, rooted, true
}

// topSplit splits an expression at sep outside brackets and strings.
func topSplit(e string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(e); i++ {
		switch c := e[i]; c {
		case '"', '\'':
			j := strings.IndexByte(e[i+1:], c)
			if j < 0 {
				return nil
			}
			i += j + 1
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case sep:
			if depth == 0 {
				out = append(out, e[start:i])
				start = i + 1
			}
		}
	}
	return append(out, e[start:])
}

// arguments reads read_env(env_file=None, overwrite=False, encoding=...,
// **overrides).
func (c *DjangoCall) arguments(args []string, vars map[string]string) string {
	file := "None"
	for i, a := range args {
		key, val := "", a
		if k, v, ok := strings.Cut(a, "="); ok && keywordArg.MatchString(k) {
			key, val = strings.TrimSpace(k), strings.TrimSpace(v)
		} else if i < 2 {
			key = []string{"env_file", "overwrite"}[i]
		} else {
			return "a read_env argument dbguard cannot read: " + shownCode(a)
		}
		switch key {
		case "env_file":
			file = val
		case "overwrite":
			switch val {
			case "True":
				c.Overwrite = true
			case "False":
			default:
				return "read_env(overwrite=" + shownCode(val) + ") is only known at run time"
			}
		case "encoding":
			if s, ok := pyLiteral(val); !ok || !strings.EqualFold(strings.ReplaceAll(s, "-", ""), "utf8") {
				return "read_env(encoding=" + shownCode(val) + ") is not modelled (dbguard reads UTF-8)"
			}
		default:
			// **overrides: set like the file's lines (setdefault).
			return "read_env(" + shownCode(key) + "=...) sets a variable in the code, which dbguard does not model"
		}
	}
	if file == "None" {
		c.Path = path.Join(path.Dir(c.File), ".env")
		return ""
	}
	p, rooted, ok := evalPath(c.File, file, vars)
	c.PathObject = ok && pathObject(file)
	switch {
	case !ok:
		return "read_env with a path computed at run time (" + shownCode(file) + "): dbguard cannot know the file; pass os.path.join(BASE_DIR, '.env') with BASE_DIR set once from __file__ in this file, or a literal path"
	case rooted:
		c.Path = path.Clean(p)
	case p == "":
		return "read_env(\"\") reads no file"
	default:
		c.Name = p
	}
	if c.Path == ".." || strings.HasPrefix(c.Path, "../") || path.IsAbs(c.Name) {
		return "read_env reads " + output.Escape(c.Path+c.Name) + ", which is outside the project: dbguard reads nothing outside it, so what this code connects to is not judged"
	}
	return ""
}

// pathObject reports whether a path expression evaluates to a
// pathlib.Path: pathlib's '/', .parent, .resolve(), not inside str() or
// os.path.join, which give a str.
func pathObject(e string) bool {
	e = strings.TrimSpace(e)
	if strings.HasPrefix(e, "str(") || strings.HasPrefix(e, "os.") || strings.HasPrefix(e, "path.") {
		return false
	}
	return len(topSplit(e, '/')) > 1 || strings.HasSuffix(e, ".parent") || strings.HasSuffix(e, "]") || strings.HasSuffix(e, ".resolve()") || strings.HasPrefix(e, "Path(") || strings.HasPrefix(e, "pathlib.")
}

// Label names the call for people: `django-environ read_env() at
// config/settings.py:5`.
func (c *DjangoCall) Label() string { return "django-environ read_env() at " + c.At() }

// Loader is the call as a loader reading the file at rel (its path from
// the root): django-environ's line reading for the pinned release (or
// 0.11), set into os.environ.
func (c *DjangoCall) Loader(rel string) *Loader {
	release := c.Release
	if release < 0 {
		release = len(DjangoReleases) - 1
	}
	return &Loader{Name: c.Label(), Call: c.At() + ": read_env", Application: true,
		Files: func(string) []string { return []string{rel} }, rooted: true,
		dialect: dialectDjango[release], setenv: setPython,
		read: func(x *readCtx) { c.read(x, rel, release) }}
}

func (c *DjangoCall) read(x *readCtx, rel string, release int) {
	if c.NoPathlib && c.PathObject {
		return // before 0.6: AttributeError before reading
	}
	defs, ok := x.fileAt(rel)
	if !ok || x.r.Err != nil {
		return
	}
	var keys []string
	var by map[string]*Def
	if release <= 1 {
		// setdefault line by line: a name's first line.
		by = make(map[string]*Def, len(defs))
		for i := range defs {
			if _, seen := by[defs[i].Key]; !seen {
				keys = append(keys, defs[i].Key)
				by[defs[i].Key] = &defs[i]
			}
		}
	} else {
		keys, by = x.lastWins(defs)
	}
	overwrite := c.Overwrite && release >= 2
	for _, k := range keys {
		if _, set := x.env(k); set && !overwrite {
			continue
		}
		if !x.set(by[k], by[k].Value) {
			return
		}
	}
}

var dialectDjango = func() []*dialect {
	out := make([]*dialect, len(DjangoReleases))
	for i := range out {
		i := i
		out[i] = plain("django-environ "+DjangoReleases[i], func(file string, data []byte) ([]Def, []Skip, error) {
			return parseDjangoEnviron(file, data, i)
		})
	}
	return out
}()

// pyLineBreaks are the breaks str.splitlines splits at besides \n (\r is
// already \n: the file is read in text mode).
const pyLineBreaks = "\v\f\x1c\x1d\x1e\u0085\u2028\u2029"

// parseDjangoEnviron is read_env's reading of a file for one range of
// releases: each line (str.splitlines) that matches is a definition, as
// DjangoEnvironValues reads it.
func parseDjangoEnviron(file string, data []byte, release int) ([]Def, []Skip, error) {
	if !utf8.Valid(data) {
		off := firstInvalidUTF8(data)
		return nil, nil, &ParseError{File: file, Line: 1 + strings.Count(pyText(string(data[:off])), "\n"), Msg: "not UTF-8 text (django-environ's read_env raises UnicodeDecodeError)"}
	}
	var defs []Def
	for i, line := range strings.Split(pyText(string(data)), "\n") {
		for _, sub := range strings.FieldsFunc(line, func(r rune) bool { return strings.ContainsRune(pyLineBreaks, r) }) {
			m := djangoLine.FindStringSubmatch(sub)
			if m == nil {
				continue
			}
			rd := DjangoEnvironValues(sub, m[2])[release]
			if !rd.OK {
				continue
			}
			var quote byte
			if v := strings.TrimLeft(m[3], " \t"); v != "" && (v[0] == '"' || v[0] == '\'') && rd.Value != m[3] {
				quote = v[0]
			}
			defs = append(defs, Def{Key: m[2], Value: rd.Value, File: file, Line: i + 1, Quote: quote})
		}
	}
	return defs, nil, nil
}
