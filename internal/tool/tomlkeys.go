package tool

import (
	"slices"
	"strconv"
	"strings"
)

// tomlDefines is the first line of a TOML file's text where the key name
// is defined in the table path (["scripts"], ["tool", "pdm", "scripts"]),
// in any of TOML's forms: under the table's header ([tool.pdm.scripts]
// alembic = ...), as its own table ([tool.pdm.scripts.alembic]), as a
// dotted key (scripts.alembic = ... under [tool.pdm]), or in an inline
// table assigned to the path or a table above it (scripts = { alembic =
// ... }, pdm = { scripts = { ... } }); 0 for none. A key of that name in
// another table ([packages] alembic = "*") is none. The text is read as
// TOML reads it (tomlStatements): a line inside a multi-line string or
// array is no header or key, a header's comment is no part of its name,
// and a quoted key's escapes are decoded.
func tomlDefines(data []byte, table []string, name string) int {
	return tomlFind(data, func(p []string) bool {
		return len(p) > len(table) && slices.Equal(p[:len(table)], table) && p[len(table)] == name
	})
}

// tomlFind is the first line of a TOML file's text where a table or key
// whose full path match accepts is defined (a header, a key under a
// header, a dotted key, a key of an inline table at any depth); 0 for
// none.
func tomlFind(data []byte, match func(path []string) bool) int {
	var header []string
	found := 0
	tomlStatements(string(data), func(line int, isHeader bool, path []string, value string) bool {
		if isHeader {
			header = path
			if match(header) {
				found = line
			}
			return found == 0
		}
		full := append(slices.Clone(header), path...)
		if match(full) {
			found = line
			return false
		}
		tomlInlineKeys(value, full, func(p []string) {
			if found == 0 && match(p) {
				found = line
			}
		})
		return found == 0
	})
	return found
}

// tomlStatements calls f with each statement of a TOML text, in order,
// until f returns false: a table header's path ([a.b] and [[a.b]], a
// comment after it dropped) or a key's dotted path with its value's text,
// and the line each starts on. Strings (basic, literal, multi-line),
// arrays and inline tables are read whole, over lines where TOML allows,
// so that no line inside one is taken for a header or a key. Text that is
// no TOML is read as far as it goes, never failing: an unclosed string
// runs to the end.
func tomlStatements(s string, f func(line int, header bool, path []string, value string) bool) {
	line := 1
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#':
			i = tomlLineEnd(s, i)
		case c == '[':
			start := line
			j := i + 1
			if j < len(s) && s[j] == '[' {
				j++
			}
			k := j
			for k < len(s) && s[k] != ']' && s[k] != '\n' {
				if s[k] == '"' || s[k] == '\'' {
					k = tomlSkipString(s, k, &line)
					continue
				}
				k++
			}
			path := tomlPath(s[j:min(k, len(s))])
			i = tomlLineEnd(s, k)
			if !f(start, true, path, "") {
				return
			}
		default:
			start := line
			k := i
			for k < len(s) && s[k] != '=' && s[k] != '\n' {
				if s[k] == '"' || s[k] == '\'' {
					k = tomlSkipString(s, k, &line)
					continue
				}
				k++
			}
			if k >= len(s) || s[k] != '=' {
				i = k // no key: the rest of the line is nothing
				continue
			}
			key, v := s[i:k], k+1
			i = tomlSkipValue(s, v, &line, false)
			if !f(start, false, tomlPath(key), s[v:i]) {
				return
			}
		}
	}
}

// tomlLineEnd is the index of the line break that ends i's line, or the
// text's end.
func tomlLineEnd(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	if n := strings.IndexByte(s[i:], '\n'); n >= 0 {
		return i + n
	}
	return len(s)
}

// tomlSkipString is the index after the string that starts at s[i] (a
// quote), counting the line breaks inside it.
func tomlSkipString(s string, i int, line *int) int {
	q := s[i]
	delim := strings.Repeat(string(q), 3)
	if strings.HasPrefix(s[i:], delim) {
		for j := i + 3; j < len(s); {
			switch {
			case q == '"' && s[j] == '\\':
				if j+1 < len(s) && s[j+1] == '\n' {
					*line++
				}
				j += 2
				continue
			case strings.HasPrefix(s[j:], delim):
				j += 3
				for k := 0; k < 2 && j < len(s) && s[j] == q; k++ {
					j++ // """a""""": up to two quotes end the text
				}
				return j
			case s[j] == '\n':
				*line++
			}
			j++
		}
		return len(s)
	}
	for j := i + 1; j < len(s) && s[j] != '\n'; j++ {
		if q == '"' && s[j] == '\\' {
			j++
			continue
		}
		if s[j] == q {
			return j + 1
		}
	}
	return tomlLineEnd(s, i)
}

// tomlSkipValue is the index where the value that starts at s[i] ends:
// the line break (or, inline, the comma or closing brace) after it, its
// strings, arrays, inline tables and comments read whole.
func tomlSkipValue(s string, i int, line *int, inline bool) int {
	depth := 0
	for j := i; j < len(s); {
		switch s[j] {
		case '"', '\'':
			j = tomlSkipString(s, j, line)
			continue
		case '[', '{':
			depth++
		case ']', '}':
			if depth == 0 && inline {
				return j
			}
			depth--
		case ',':
			if depth == 0 && inline {
				return j
			}
		case '#':
			j = tomlLineEnd(s, j)
			continue
		case '\n':
			if depth <= 0 {
				return j
			}
			*line++
		}
		j++
	}
	return len(s)
}

// tomlInlineKeys calls f with the full path of each key of the inline
// table value (at path), nested tables' keys too; nothing when value is
// no inline table.
func tomlInlineKeys(value string, path []string, f func([]string)) {
	v := strings.TrimLeft(value, " \t")
	if !strings.HasPrefix(v, "{") {
		return
	}
	line := 0
	for i := 1; i < len(v); {
		switch c := v[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',':
			i++
			continue
		case c == '}':
			return
		}
		k := i
		for k < len(v) && v[k] != '=' && v[k] != '}' {
			if v[k] == '"' || v[k] == '\'' {
				k = tomlSkipString(v, k, &line)
				continue
			}
			k++
		}
		if k >= len(v) || v[k] != '=' {
			return
		}
		full := append(slices.Clone(path), tomlPath(v[i:k])...)
		f(full)
		j := tomlSkipValue(v, k+1, &line, true)
		tomlInlineKeys(v[k+1:j], full, f)
		i = j
		if i < len(v) && v[i] == '}' {
			return
		}
	}
}

// tomlPath is a dotted key's parts, as TOML reads them: blanks around the
// dots dropped, a basic string's escapes decoded ("\u0061lembic" is
// alembic), a literal string as written, a dot inside quotes part of the
// name.
func tomlPath(key string) []string {
	var out []string
	line := 0
	for i := 0; i < len(key); {
		for i < len(key) && (key[i] == ' ' || key[i] == '\t') {
			i++
		}
		if i >= len(key) {
			break
		}
		var part string
		if key[i] == '"' || key[i] == '\'' {
			j := tomlSkipString(key, i, &line)
			raw := key[i:j]
			if u, err := strconv.Unquote(raw); err == nil && key[i] == '"' {
				part = u
			} else {
				part = strings.Trim(raw, `"'`)
			}
			i = j
		} else {
			j := i
			for j < len(key) && key[j] != '.' && key[j] != ' ' && key[j] != '\t' {
				j++
			}
			part, i = key[i:j], j
		}
		out = append(out, part)
		for i < len(key) && (key[i] == ' ' || key[i] == '\t') {
			i++
		}
		if i < len(key) && key[i] == '.' {
			i++
		}
	}
	return out
}
