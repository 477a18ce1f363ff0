package envload

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/pyini"
)

// python-decouple (decouple.py 3.6, Debian's python3-decouple): config(NAME)
// looks in the process environment first, then in one repository, the file
// AutoConfig finds first walking up from the folder of the module that calls
// config: settings.ini before .env in each folder. Nothing is written to
// os.environ, so the driver never sees the file's PG* (setMap).

// decoupleFiles are the names AutoConfig looks for in each folder, in order.
var decoupleFiles = []string{"settings.ini", ".env"}

// parseDecouple reads a file as python-decouple's repository for its name
// does: settings.ini with configparser, anything else as RepositoryEnv.
func parseDecouple(file string, data []byte) ([]Def, []Skip, error) {
	if !utf8.Valid(data) {
		off := firstInvalidUTF8(data)
		return nil, nil, &ParseError{File: file, Line: 1 + strings.Count(pyText(string(data[:off])), "\n"), Msg: "not UTF-8 text (python-decouple raises UnicodeDecodeError)"}
	}
	if path.Base(file) == "settings.ini" {
		return parseDecoupleIni(file, pyText(string(data)))
	}
	return parseDecoupleEnv(file, pyText(string(data))), nil, nil
}

// pyText is what Python's text mode reads: \r\n and \r become \n.
func pyText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// parseDecoupleEnv is RepositoryEnv: each line stripped (Python's
// whitespace); empty lines, lines starting with '#' and lines without '='
// are passed over; the key is what comes before the first '=', stripped
// (export, spaces and all), the value what follows, stripped, and
// unquoted when it starts and ends with the same quote. The last
// definition of a key wins (a dict).
func parseDecoupleEnv(file, src string) []Def {
	var defs []Def
	for i, line := range strings.Split(src, "\n") {
		line = strings.TrimFunc(line, pySpace)
		if line == "" || line[0] == '#' || !strings.Contains(line, "=") {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		k, v = strings.TrimFunc(k, pySpace), strings.TrimFunc(v, pySpace)
		var quote byte
		if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
			quote, v = v[0], v[1:len(v)-1]
		}
		defs = append(defs, Def{Key: k, Value: v, File: file, Line: i + 1, Quote: quote})
	}
	return defs
}

// iniOption is one option of a configparser section as read.
type iniOption struct {
	key   string // lower case (optionxform)
	lines []string
	line  int
}

// parseDecoupleIni is Python 3.11's configparser.ConfigParser() (the
// defaults decouple uses: '=' and ':' delimiters, full-line '#' and ';'
// comments only, no inline comments, strict, empty lines kept in values,
// BasicInterpolation) reading the [settings] section RepositoryIni asks
// for, with [DEFAULT] under it. Keys are folded to upper case: config()
// folds the name it is asked for as the file's keys are folded, so any
// case matches; dbguard's URL variables are upper case. A file configparser
// refuses, or a value it cannot interpolate, is an error: config() raises.
func parseDecoupleIni(file, src string) ([]Def, []Skip, error) {
	fail := func(line int, format string, args ...any) error {
		return &ParseError{File: file, Line: line, Msg: fmt.Sprintf(format, args...) + " (configparser raises; python-decouple's config() fails)",
			hint: fmt.Sprintf("fix line %d of %s as configparser reads it (a [settings] section, then key = value lines; write %% as %%%%), then run: dbguard env", line, file)}
	}
	sections := map[string][]*iniOption{}
	seenSection := map[string]bool{}
	seenOption := map[[2]string]bool{} // section, option: one map, not a scan per line
	var cur []*iniOption
	curName, inSection := "", false
	var opt *iniOption
	indent := 0
	parseErr := 0
	for i, raw := range strings.Split(src, "\n") {
		n := i + 1
		stripped := strings.TrimFunc(raw, pySpace)
		comment := strings.HasPrefix(stripped, "#") || strings.HasPrefix(stripped, ";")
		value := stripped
		if comment {
			value = ""
		}
		if value == "" {
			if !comment && inSection && opt != nil {
				opt.lines = append(opt.lines, "")
			}
			continue
		}
		level := 0
		for _, r := range raw {
			if !pySpace(r) {
				break
			}
			level++
		}
		if inSection && opt != nil && level > indent {
			opt.lines = append(opt.lines, value)
			continue
		}
		indent = level
		if value[0] == '[' {
			if end := strings.LastIndexByte(value, ']'); end > 1 {
				name := value[1:end]
				if seenSection[name] && name != "DEFAULT" {
					return nil, nil, fail(n, "this [section] header repeats an earlier one")
				}
				seenSection[name] = true
				if inSection {
					sections[curName] = cur
				}
				curName, cur, inSection, opt = name, sections[name], true, nil
				continue
			}
		}
		if !inSection {
			return nil, nil, fail(n, "a line before any [section] header")
		}
		at := strings.IndexAny(value, "=:")
		if at < 0 || strings.TrimRightFunc(value[:at], pySpace) == "" {
			if parseErr == 0 {
				parseErr = n // ParsingError, raised after the whole file
			}
			opt = nil
			continue
		}
		key := strings.ToLower(strings.TrimRightFunc(value[:at], pySpace))
		if seenOption[[2]string{curName, key}] {
			return nil, nil, fail(n, "this option is given twice in its section")
		}
		seenOption[[2]string{curName, key}] = true
		opt = &iniOption{key: key, lines: []string{strings.TrimFunc(value[at+1:], pySpace)}, line: n}
		cur = append(cur, opt)
	}
	if inSection {
		sections[curName] = cur
	}
	if parseErr != 0 {
		return nil, nil, fail(parseErr, "a line that is neither a [section], an option (key = value) nor a comment")
	}
	settings, ok := sections["settings"]
	if !ok {
		return nil, nil, nil // has_option is false: config() takes the default
	}
	// The section's own options, then DEFAULT's it does not override.
	values := map[string]string{}
	var order []*iniOption
	for _, o := range sections["DEFAULT"] {
		values[o.key] = strings.TrimRightFunc(strings.Join(o.lines, "\n"), pySpace)
	}
	own := map[string]bool{}
	for _, o := range settings {
		values[o.key] = strings.TrimRightFunc(strings.Join(o.lines, "\n"), pySpace)
		own[o.key] = true
		order = append(order, o)
	}
	for _, o := range sections["DEFAULT"] {
		if !own[o.key] {
			order = append(order, o)
		}
	}
	var defs []Def
	// Each %(name)s may bring in a value full of them: bound what all the
	// values expand to by the file's size, as the env files' expansion is.
	left := pyini.Budget(len(src))
	for _, o := range order {
		v, ierr := pyini.Interpolate(values, values[o.key], &left)
		if ierr != nil {
			err := fail(o.line, "%s", ierr.Error()).(*ParseError)
			err.Key = nameOnly(strings.ToUpper(o.key))
			return nil, nil, err
		}
		defs = append(defs, Def{Key: strings.ToUpper(o.key), Value: v, File: file, Line: o.line})
	}
	return defs, nil, nil
}

// readDecouple is AutoConfig: from the calling module's folder up to the
// project root, the first folder with settings.ini or .env (settings.ini
// first) gives the one repository; the environment wins over it.
func readDecouple(c *readCtx) {
	var defs []Def
	found := false
	for d := c.r.Caller; !found; d = path.Dir(d) {
		c.r.Dir = d // the file's folder, as python-dotenv's
		for _, name := range decoupleFiles {
			if defs, found = c.file(name); found {
				break
			}
		}
		if !found && (d == "." || d == "/" || d == "") {
			c.r.Dir = c.r.Caller
			return
		}
	}
	if c.r.Err != nil {
		return
	}
	keys, by := c.lastWins(defs)
	for _, k := range keys {
		if _, set := c.env(k); !set {
			c.set(by[k], by[k].Value)
		}
	}
}

var (
	decoupleConfig = lazyre.New(`(?m)^[ \t]*(from[ \t]+decouple[ \t]+import[ \t]+[^\n#]*\bconfig\b|import[ \t]+decouple\b)`)
	decoupleFrom   = lazyre.New(`(?m)^[ \t]*from[ \t]+decouple[ \t]+import[ \t]+\(?([^\n#)]*)`)
	decoupleDotted = lazyre.New(`\bdecouple\.(AutoConfig|Config|Repository\w*)[ \t]*\(`)
	pyCall         = lazyre.New(`\b([A-Za-z_]\w*)[ \t]*\(`)
)

// DecoupleImport reports the line of a Python file that imports
// python-decouple's config (from decouple import config, import decouple),
// 0 when none does, and the line of an explicit AutoConfig(...),
// Config(...) or Repository*(...) of decouple's (0 when none): those read
// files of their own choosing.
func DecoupleImport(data []byte) (at, explicit int) {
	src := string(data)
	line := func(off int) int { return 1 + strings.Count(src[:off], "\n") }
	if m := decoupleConfig.FindStringIndex(src); m != nil {
		at = line(m[0])
	}
	first := -1
	if e := decoupleDotted.FindStringIndex(src); e != nil {
		first = e[0]
	}
	// The local names of decouple's explicit loaders, then one pass over
	// the calls (a regexp per name would read the file once per name).
	explicitNames := map[string]bool{}
	for _, m := range decoupleFrom.FindAllStringSubmatch(src, -1) {
		for _, part := range strings.Split(m[1], ",") {
			name, alias, ok := strings.Cut(strings.TrimSpace(part), " as ")
			if !ok {
				alias = name
			}
			name, alias = strings.TrimSpace(name), strings.TrimSpace(alias)
			if (name == "AutoConfig" || name == "Config" || strings.HasPrefix(name, "Repository")) && alias != "" {
				explicitNames[alias] = true
			}
		}
	}
	if len(explicitNames) > 0 {
		for _, m := range pyCall.FindAllStringSubmatchIndex(src, -1) {
			if explicitNames[src[m[2]:m[3]]] && (first < 0 || m[0] < first) {
				first = m[0]
				break
			}
		}
	}
	if first >= 0 {
		explicit = line(first)
	}
	return at, explicit
}
