package envload

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dbguard/dbguard/internal/lazyre"
)

// parsePython is python-dotenv's parser (dotenv/parser.py, 0.21 to 1.x),
// after Python's text mode has turned \r\n and \r into \n. A line it cannot
// read is skipped with a logged warning, never an error; a file that is not
// UTF-8 makes load_dotenv raise.
func parsePython(file string, data []byte) ([]Def, []Skip, error) {
	if !utf8.Valid(data) {
		off := firstInvalidUTF8(data)
		return nil, nil, &ParseError{File: file, Line: 1 + strings.Count(string(data[:off]), "\n"), Msg: "not UTF-8 text (python-dotenv raises UnicodeDecodeError)"}
	}
	src := strings.ReplaceAll(string(data), "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")
	p := &pyReader{s: src}
	lines := newLineIndex(src)
	var defs []Def
	var skips []Skip
	for p.pos < len(p.s) {
		markLine := lines.of(p.pos)
		key, value, hasValue, quote, keyPos, ok := p.binding()
		if !ok {
			skips = append(skips, Skip{File: file, Line: markLine, Key: leadingName(strings.TrimLeftFunc(src[keyPos:], pySpace)), Reason: "python-dotenv could not parse it"})
			p.restOfLine()
			continue
		}
		if key == "" {
			continue
		}
		defs = append(defs, Def{Key: key, Value: value, File: file, Line: lines.of(keyPos), Quote: quote, NoValue: !hasValue})
	}
	return defs, skips, nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// pySpace is Python's str.isspace, which \s means in a str pattern.
func pySpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }

func pyHSpace(r rune) bool { return pySpace(r) && r != '\r' && r != '\n' }

type pyReader struct {
	s   string
	pos int
}

func (p *pyReader) skip(f func(rune) bool) {
	for p.pos < len(p.s) {
		r, n := utf8.DecodeRuneInString(p.s[p.pos:])
		if !f(r) {
			return
		}
		p.pos += n
	}
}

var (
	pySingleQuoted = lazyre.New(`^'((?:\\'|[^'])*)'`)
	pyDoubleQuoted = lazyre.New(`^"((?:\\"|[^"])*)"`)
	pyCommentTail  = lazyre.New(`\s+#.*`)
	pyDoubleEsc    = lazyre.New(`\\[\\'"abfnrtv]`)
	pySingleEsc    = lazyre.New(`\\[\\']`)
)

// binding is parse_binding: ok is false where python-dotenv raises Error;
// key is "" for a blank or comment-only stretch.
func (p *pyReader) binding() (key, value string, hasValue bool, quote byte, keyPos int, ok bool) {
	p.skip(pySpace)
	keyPos = p.pos
	if p.pos >= len(p.s) {
		return "", "", false, 0, keyPos, true
	}
	if strings.HasPrefix(p.s[p.pos:], "export") {
		save := p.pos
		p.pos += len("export")
		before := p.pos
		p.skip(pyHSpace)
		if p.pos == before {
			p.pos = save
		}
	}
	keyPos = p.pos
	switch {
	case p.pos < len(p.s) && p.s[p.pos] == '#':
		// a comment: no key
	case p.pos < len(p.s) && p.s[p.pos] == '\'':
		end := strings.IndexByte(p.s[p.pos+1:], '\'')
		if end <= 0 {
			return "", "", false, 0, keyPos, false
		}
		key = p.s[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
	default:
		start := p.pos
		p.skip(func(r rune) bool { return r != '=' && r != '#' && !pySpace(r) })
		if p.pos == start {
			return "", "", false, 0, keyPos, false
		}
		key = p.s[start:p.pos]
	}
	p.skip(pyHSpace)
	if p.pos < len(p.s) && p.s[p.pos] == '=' {
		p.pos++
		p.skip(pyHSpace)
		hasValue = true
		rest := p.s[p.pos:]
		switch {
		case strings.HasPrefix(rest, "'"):
			m := pySingleQuoted.FindStringSubmatch(rest)
			if m == nil {
				return "", "", false, 0, keyPos, false
			}
			p.pos += len(m[0])
			value, quote = pyUnescape(pySingleEsc, m[1]), '\''
		case strings.HasPrefix(rest, `"`):
			m := pyDoubleQuoted.FindStringSubmatch(rest)
			if m == nil {
				return "", "", false, 0, keyPos, false
			}
			p.pos += len(m[0])
			value, quote = pyUnescape(pyDoubleEsc, m[1]), '"'
		case rest == "" || rest[0] == '\n':
		default:
			end := strings.IndexByte(rest, '\n')
			if end < 0 {
				end = len(rest)
			}
			p.pos += end
			value = strings.TrimRightFunc(pyCommentTail.ReplaceAllString(rest[:end], ""), pySpace)
		}
	}
	// _comment, then _end_of_line.
	p.skip(pyHSpace)
	if p.pos < len(p.s) && p.s[p.pos] == '#' {
		for p.pos < len(p.s) && p.s[p.pos] != '\n' {
			p.pos++
		}
	}
	p.skip(pyHSpace)
	if p.pos < len(p.s) {
		if p.s[p.pos] != '\n' {
			return "", "", false, 0, keyPos, false
		}
		p.pos++
	}
	if key == "" && !hasValue {
		return "", "", false, 0, keyPos, true
	}
	return key, value, hasValue, quote, keyPos, true
}

// restOfLine is _rest_of_line, read after an error from where it stopped.
func (p *pyReader) restOfLine() {
	for p.pos < len(p.s) && p.s[p.pos] != '\n' {
		p.pos++
	}
	if p.pos < len(p.s) {
		p.pos++
	}
}

// pyUnescape decodes the escapes a pattern finds as codecs' unicode-escape
// does for each.
func pyUnescape(re *lazyre.Regexp, s string) string {
	return re.ReplaceAllStringFunc(s, func(m string) string {
		switch m[1] {
		case 'a':
			return "\a"
		case 'b':
			return "\b"
		case 'f':
			return "\f"
		case 'n':
			return "\n"
		case 'r':
			return "\r"
		case 't':
			return "\t"
		case 'v':
			return "\v"
		}
		return m[1:]
	})
}

// interpolatePython is resolve_variables for one value: env is consulted
// as python-dotenv builds it (for load_dotenv the process environment
// overlays the file's earlier values; for dotenv_values the reverse).
// Each match of python-dotenv's _posix_variable,
// \$\{([^}:]*)(?::-([^}]*))?\} (${NAME} and ${NAME:-default}, never $NAME),
// is replaced, found by hand: the regular expression cost more than the
// rest of reading a large file (TestInterpolatePythonAgrees checks the
// two match alike).
//
// Each replacement is charged to b (see expandBudget); past it the
// replacements are empty and ok is false.
func interpolatePython(v string, lookup func(string) (string, bool), b *budget) (_ string, ok bool) {
	i := strings.IndexByte(v, '$')
	if i < 0 {
		return v, true
	}
	ok = true
	var out strings.Builder
	last := 0
	for i >= 0 {
		end, name, def, matched := pyVariableAt(v, i)
		if !matched {
			i = nextDollar(v, i+1)
			continue
		}
		val, set := lookup(name)
		if !set {
			val = def
		}
		if ok = ok && b.spend(len(val)); !ok {
			val = ""
		}
		out.WriteString(v[last:i])
		out.WriteString(val)
		last = end
		i = nextDollar(v, end)
	}
	if last == 0 {
		return v, ok
	}
	out.WriteString(v[last:])
	return out.String(), ok
}

// nextDollar is the index of the first '$' in s at or after i, or -1.
func nextDollar(s string, i int) int {
	if j := strings.IndexByte(s[i:], '$'); j >= 0 {
		return i + j
	}
	return -1
}

// pyVariableAt matches _posix_variable at s[i] (a '$'): the match's end,
// the name and the default ("" when there is none).
func pyVariableAt(s string, i int) (end int, name, def string, ok bool) {
	if i+1 >= len(s) || s[i+1] != '{' {
		return 0, "", "", false
	}
	j := i + 2
	for j < len(s) && s[j] != '}' && s[j] != ':' {
		j++
	}
	switch {
	case j == len(s):
		return 0, "", "", false
	case s[j] == '}':
		return j + 1, s[i+2 : j], "", true
	case j+1 < len(s) && s[j+1] == '-':
		if k := strings.IndexByte(s[j+2:], '}'); k >= 0 {
			return j + 2 + k + 1, s[i+2 : j], s[j+2 : j+2+k], true
		}
	}
	return 0, "", "", false
}
