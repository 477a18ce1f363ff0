package envload

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/dbguard/dbguard/internal/composetpl"
	"github.com/hashicorp/go-envparse"

	"github.com/dbguard/dbguard/internal/lazyre"
)

// parseGodotenv is github.com/joho/godotenv 1.5's parser (parser.go),
// ported to keep lines. It expands $NAME and ${NAME} while it parses, from
// the file's own earlier values only (never the process environment), and
// any line it cannot read fails the whole file: Load then sets nothing.
func parseGodotenv(file string, data []byte) ([]Def, []Skip, error) {
	src := bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	lines := newLineIndex(string(src))
	out := map[string]string{}
	var defs []Def
	cutset := src
	b := expandBudget(len(data))
	for {
		cutset = godotenvStatementStart(cutset)
		if cutset == nil {
			break
		}
		at := len(src) - len(cutset)
		key, left, err := godotenvKey(cutset)
		if err != nil {
			return defs, nil, &ParseError{File: file, Line: lines.of(at), Key: keyAtLineStart(src, at, assignedName(firstLine(string(cutset)))), Msg: err.Error()}
		}
		value, quote, left, err := godotenvValue(left, out, b)
		if err != nil {
			return defs, nil, &ParseError{File: file, Line: lines.of(at), Key: keyAtLineStart(src, at, key), Msg: err.Error()}
		}
		if b.over() {
			return defs, nil, overBudget("godotenv", &Def{Key: key, File: file, Line: lines.of(at + keyOffset(cutset, key))})
		}
		out[key] = value
		defs = append(defs, Def{Key: key, Value: value, File: file, Line: lines.of(at + keyOffset(cutset, key)), Quote: quote, Expanded: true})
		cutset = left
	}
	return defs, nil, nil
}

// keyOffset is where key starts within a statement (after "export ").
func keyOffset(stmt []byte, key string) int {
	if i := bytes.Index(stmt, []byte(key)); i >= 0 && key != "" {
		return i
	}
	return 0
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// assignedName is the name a line assigns (NAME= or NAME: after an
// optional export), or "": a line with no assignment may be a secret alone.
func assignedName(line string) string {
	t := strings.TrimLeft(line, " \t")
	t = strings.TrimPrefix(t, "export ")
	name := leadingName(t)
	rest := strings.TrimLeft(strings.TrimPrefix(strings.TrimLeft(t, " \t"), name), " \t")
	if name == "" || rest == "" || rest[0] != '=' && rest[0] != ':' {
		return ""
	}
	return nameOnly(name)
}

// keyAtLineStart is nameOnly(key) when the statement starts its line;
// else (text after a closing quote on the same line) it is the rest of a
// value and not shown.
func keyAtLineStart(src []byte, at int, key string) string {
	i := at
	for i > 0 && (src[i-1] == ' ' || src[i-1] == '\t') {
		i--
	}
	if i > 0 && src[i-1] != '\n' {
		return ""
	}
	return nameOnly(key)
}

// nameOnly keeps a key for an error only when it is a plain variable name,
// so that a mangled line never puts part of a value in a message.
func nameOnly(k string) string {
	if k == "" || k[0] >= '0' && k[0] <= '9' {
		return ""
	}
	for i := 0; i < len(k); i++ {
		if !isWord(k[i]) {
			return ""
		}
	}
	return k
}

func godotenvStatementStart(src []byte) []byte {
	for {
		pos := bytes.IndexFunc(src, func(r rune) bool { return !unicode.IsSpace(r) })
		if pos == -1 {
			return nil
		}
		src = src[pos:]
		if src[0] != '#' {
			return src
		}
		pos = bytes.IndexByte(src, '\n')
		if pos == -1 {
			return nil
		}
		src = src[pos:]
	}
}

func godotenvKey(src []byte) (string, []byte, error) {
	src = bytes.TrimLeftFunc(src, goSpace)
	if bytes.HasPrefix(src, []byte("export")) {
		trimmed := bytes.TrimPrefix(src, []byte("export"))
		if bytes.IndexFunc(trimmed, goSpace) == 0 {
			src = bytes.TrimLeftFunc(trimmed, goSpace)
		}
	}
	key, offset := "", 0
loop:
	for i, char := range src {
		r := rune(char)
		if goSpace(r) {
			continue
		}
		switch char {
		case '=', ':':
			key, offset = string(src[:i]), i+1
			break loop
		case '_':
		default:
			if unicode.IsLetter(r) || unicode.IsNumber(r) || r == '.' {
				continue
			}
			// The character itself is not shown: after a closing quote this
			// "name" is the rest of a value, a password's perhaps.
			return "", nil, errors.New("an unexpected character where a variable name should be (text after a closing quote, or a name with '-' or ' ')")
		}
	}
	if len(src) == 0 {
		return "", nil, errors.New("zero length string")
	}
	key = strings.TrimRightFunc(key, unicode.IsSpace)
	return key, bytes.TrimLeftFunc(src[offset:], goSpace), nil
}

var (
	godotenvEscape   = lazyre.New(`\\.`)
	godotenvVar      = lazyre.New(`(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?`)
	godotenvUnescape = lazyre.New(`\\([^$])`)
)

func godotenvValue(src []byte, vars map[string]string, b *budget) (string, byte, []byte, error) {
	if len(src) == 0 || src[0] != '"' && src[0] != '\'' {
		end := bytes.IndexFunc(src, func(r rune) bool { return r == '\n' || r == '\r' })
		if end == -1 {
			end = len(src)
			if end == 0 {
				return "", 0, nil, nil
			}
		}
		line := []rune(string(src[:end]))
		endOfVar := len(line)
		if endOfVar == 0 {
			return "", 0, src[end:], nil
		}
		for i := endOfVar - 1; i >= 0; i-- {
			if line[i] == '#' && i > 0 && goSpace(line[i-1]) {
				endOfVar = i
				break
			}
		}
		return godotenvExpand(strings.TrimFunc(string(line[:endOfVar]), goSpace), vars, b), 0, src[end:], nil
	}
	quote := src[0]
	for i := 1; i < len(src); i++ {
		if src[i] != quote || src[i-1] == '\\' {
			continue
		}
		trim := func(r rune) bool { return r == rune(quote) }
		value := string(bytes.TrimLeftFunc(bytes.TrimRightFunc(src[:i], trim), trim))
		if quote == '"' {
			value = godotenvExpand(godotenvEscapes(value), vars, b)
		}
		return value, quote, src[i+1:], nil
	}
	return "", 0, nil, errors.New("unterminated quoted value")
}

func godotenvEscapes(s string) string {
	out := godotenvEscape.ReplaceAllStringFunc(s, func(m string) string {
		switch m[1:] {
		case "n":
			return "\n"
		case "r":
			return "\r"
		}
		return m
	})
	return godotenvUnescape.ReplaceAllString(out, "$1")
}

// Each replacement is charged to b (see expandBudget); past it they are
// empty, and the caller reports the budget.
func godotenvExpand(v string, m map[string]string, b *budget) string {
	if strings.IndexByte(v, '$') < 0 {
		return v
	}
	return godotenvVar.ReplaceAllStringFunc(v, func(s string) string {
		sub := godotenvVar.FindStringSubmatch(s)
		// sub[2] is the '$' itself, so "$(" is never passed over as the
		// comment in godotenv means; it is kept as written.
		if sub[1] == `\` || sub[2] == "(" {
			return sub[0][1:]
		}
		if sub[4] != "" {
			if !b.spend(len(m[sub[4]])) {
				return ""
			}
			return m[sub[4]]
		}
		return s
	})
}

// goSpace is godotenv's (and compose-go's) isSpace: white space but not a
// line break.
func goSpace(r rune) bool {
	switch r {
	case '\t', '\v', '\f', '\r', ' ', 0x85, 0xA0:
		return true
	}
	return false
}

// parseCompose is docker compose's reading of an env file
// (compose-go/v2/dotenv, which compose itself calls), ported to keep
// lines; interpolation is compose-go's own template.Substitute (internal/composetpl), so
// ${VAR:-default}, ${VAR:?error}, $$ and the rest behave exactly as in
// compose. lookup is the process environment, which compose consults
// before the file's earlier values.
func parseCompose(file string, data []byte, lookup func(string) (string, bool)) ([]Def, error) {
	return parseComposeInto(file, data, lookup, map[string]string{})
}

// parseComposeInto is parseCompose adding to out, the values read so far:
// a service's env_file entries see the earlier files' values (compose-go
// parses them all into one map).
func parseComposeInto(file string, data []byte, lookup func(string) (string, bool), out map[string]string) ([]Def, error) {
	src := string(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")))
	lines := newLineIndex(src)
	var defs []Def
	cutset := src
	b := expandBudget(len(data))
	for {
		cutset = composeStatementStart(cutset)
		if cutset == "" {
			break
		}
		at := len(src) - len(cutset)
		bad := func(key, msg string) error {
			return &ParseError{File: file, Line: lines.of(at), Key: keyAtLineStart([]byte(src), at, key), Msg: msg}
		}
		key, left, inherited, err := composeKey(cutset)
		if err != nil {
			return defs, bad(assignedName(firstLine(cutset)), err.Error())
		}
		if strings.Contains(key, " ") {
			return defs, bad("", "key cannot contain a space")
		}
		line := lines.of(at + strings.Index(cutset, key))
		if inherited {
			if v, ok := lookup(key); ok {
				out[key] = v
				defs = append(defs, Def{Key: key, Value: v, File: file, Line: line, NoValue: true, Expanded: true})
			}
			cutset = left
			continue
		}
		value, quote, rest, err := composeValue(left, out, lookup, b)
		if err != nil {
			return defs, bad(key, composeMessage(err))
		}
		if b.over() {
			return defs, overBudget("docker compose", &Def{Key: key, File: file, Line: line})
		}
		out[key] = value
		defs = append(defs, Def{Key: key, Value: value, File: file, Line: line, Quote: quote, Expanded: true})
		cutset = rest
	}
	return defs, nil
}

func composeStatementStart(src string) string {
	for {
		pos := strings.IndexFunc(src, func(r rune) bool { return !unicode.IsSpace(r) })
		if pos == -1 {
			return ""
		}
		src = src[pos:]
		if src[0] != '#' {
			return src
		}
		pos = strings.IndexByte(src, '\n')
		if pos == -1 {
			return ""
		}
		src = src[pos:]
	}
}

var composeExport = lazyre.New(`^export\s+`)

func composeKey(src string) (key, rest string, inherited bool, err error) {
	if composeExport.MatchString(src) {
		src = strings.TrimLeftFunc(strings.TrimPrefix(src, "export"), goSpace)
	}
	offset := 0
loop:
	for i, r := range src {
		if goSpace(r) {
			continue
		}
		switch r {
		case '=', ':', '\n':
			key, offset, inherited = src[:i], i+1, r == '\n'
			break loop
		case '_', '.', '-', '[', ']':
		default:
			if unicode.IsLetter(r) || unicode.IsNumber(r) {
				continue
			}
			return "", "", false, errors.New("an unexpected character where a variable name should be (text after a closing quote, or a name with a character compose does not take)")
		}
	}
	if src == "" {
		return "", "", false, errors.New("zero length string")
	}
	key = strings.TrimRightFunc(key, unicode.IsSpace)
	return key, strings.TrimLeftFunc(src[offset:], goSpace), inherited, nil
}

func composeValue(src string, vars map[string]string, lookup func(string) (string, bool), b *budget) (string, byte, string, error) {
	expand := func(v string) (string, error) {
		if strings.IndexByte(v, '$') < 0 {
			return v, nil
		}
		// Each value looked up is charged to b; past it they are empty
		// and the caller reports the budget.
		return composetpl.SubstituteWithOptions(v, func(k string) (string, bool) {
			v, ok := lookup(k)
			if !ok {
				v, ok = vars[k]
			}
			if !b.spend(len(v)) {
				return "", ok
			}
			return v, ok
		})
	}
	if src == "" || src[0] != '"' && src[0] != '\'' {
		value, rest, _ := strings.Cut(src, "\n")
		value, _, _ = strings.Cut(value, " #")
		value = strings.TrimRightFunc(value, unicode.IsSpace)
		v, err := expand(value)
		return v, 0, rest, err
	}
	quote := src[0]
	escaped := false
	var chars []byte
	for i := 1; i < len(src); i++ {
		c := src[i]
		if c != quote {
			if !escaped && c == '\\' {
				escaped = true
				continue
			}
			if escaped {
				escaped = false
				chars = append(chars, '\\')
			}
			chars = append(chars, c)
			continue
		}
		if escaped {
			escaped = false
			chars = append(chars, c)
			continue
		}
		value := string(chars)
		if quote == '"' {
			v, err := expand(composeEscapes(value))
			if err != nil {
				return "", quote, "", err
			}
			value = v
		}
		return value, quote, src[i+1:], nil
	}
	return "", quote, "", errors.New("unterminated quoted value")
}

var composeEscapeSeq = lazyre.New(`(\\(?:[abcfnrtv$"\\]|0\d{0,3}))`)

func composeEscapes(s string) string {
	return composeEscapeSeq.ReplaceAllStringFunc(s, func(m string) string {
		if m == `\$` {
			return "$$"
		}
		if strings.HasPrefix(m, `\0`) {
			m = strings.Replace(m, `\0`, `\`, 1)
		}
		v, _, _, err := strconv.UnquoteChar(m, '"')
		if err != nil {
			return m
		}
		return string(v)
	})
}

// parseEnvparse is github.com/hashicorp/go-envparse itself, one line at a
// time (it has no multi-line values) so that every definition keeps its
// line. Any line it refuses fails the file.
func parseEnvparse(file string, data []byte) ([]Def, []Skip, error) {
	var defs []Def
	for i, line := range strings.Split(string(data), "\n") {
		env, err := envparse.Parse(strings.NewReader(line))
		if err != nil {
			msg := "malformed line"
			var pe *envparse.ParseError
			if errors.As(err, &pe) {
				// go-envparse quotes the character it stumbled on: cut it.
				msg, _, _ = strings.Cut(pe.Err.Error(), " but found")
				msg, _, _ = strings.Cut(msg, ": ")
				if strings.HasPrefix(msg, "0x") {
					msg = "a control character in the value"
				}
			}
			return defs, nil, &ParseError{File: file, Line: i + 1, Key: assignedName(line), Msg: msg}
		}
		for k, v := range env {
			var q byte
			if j := strings.IndexByte(line, '='); j >= 0 {
				if t := strings.TrimLeft(line[j+1:], " \t"); t != "" && (t[0] == '"' || t[0] == '\'') {
					q = t[0]
				}
			}
			defs = append(defs, Def{Key: k, Value: v, File: file, Line: i + 1, Quote: q})
		}
	}
	return defs, nil, nil
}

// composeMessage says what compose-go refuses without its text, which
// quotes the value (an invalid template) or the ${VAR:?message}.
func composeMessage(err error) string {
	var missing *composetpl.MissingRequiredError
	var invalid *composetpl.InvalidTemplateError
	switch {
	case errors.As(err, &missing):
		return fmt.Sprintf("required variable %s is missing a value (${%s:?...}): docker compose stops", nameOnly(missing.Variable), nameOnly(missing.Variable))
	case errors.As(err, &invalid):
		return "invalid interpolation (a '${' without its '}', or a name that is not one): docker compose stops"
	case strings.Contains(err.Error(), "unterminated quoted value"):
		return "unterminated quoted value"
	}
	return "docker compose cannot read this line"
}
