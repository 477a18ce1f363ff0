package envload

import (
	"strings"

	"github.com/dbguard/dbguard/internal/lazyre"
)

// django-environ's Env.read_env reads each line (str.splitlines) with
// \A(?:export )?([A-Za-z_0-9]+)=(.*)\Z, and what it makes of the value
// depends on the release (environ/environ.py at each tag):
//
//   - 0.4.4 (Debian 12): no "export "; the value runs to the end of the
//     line, a ' # comment' and trailing blanks included, unquoted only when
//     one pair of quotes encloses all of it; every \x in double quotes
//     becomes x.
//   - 0.4.5 to 0.7: the same, "export " taken.
//   - 0.8 to 0.10: the same, \n, \r and \t kept as written in double
//     quotes.
//   - 0.11.0 to 0.11.2: a value in single quotes may be followed by blanks
//     and a '# comment'; any other is cut at its first '#' (the blanks
//     before it kept), so a double-quoted value holding '#' keeps its
//     opening quote, and a password with a raw '#' is cut there.
//
// Releases after 0.11.2 are not in the source read here. dbguard does not
// judge with django-environ: DjangoEnvironValues says what each release
// reads for one line, for a warning where that is not what the loaders
// dbguard judges read. Held to the releases themselves line by line
// (testdata/djangoenviron: Debian's 0.4.4, and 0.7.0, 0.10.0, 0.11.2 run
// from their source).

var djangoLine = lazyre.New(`\A(export )?([A-Za-z_0-9]+)=(.*)\z`)

// pyBlank is Python's \s for str patterns (Unicode whitespace), which Go's
// \s (ASCII) is not.
const pyBlank = `[\t\n\v\f\r \x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]`

var (
	// 0.11's r"\A\s*'(?<!\\)(.*)'\s*(#.*\s*)?\Z" (the look-behind follows a
	// quote, so it never fails) and r"\A(.*?)(#.*\s*)?\Z". Go picks the
	// submatches a backtracking engine would, as Python's re does.
	djangoSingle11 = lazyre.New(`\A` + pyBlank + `*'(.*)'` + pyBlank + `*(#.*)?\z`)
	djangoHash11   = lazyre.New(`\A(.*?)(#.*)?\z`)
)

// DjangoEnvironReading is what a range of django-environ releases makes of
// one line.
type DjangoEnvironReading struct {
	Versions string // "0.4.4", "0.4.5 to 0.7", "0.8 to 0.10", "0.11"
	Value    string
	// OK is false when the releases do not read the line as the key's
	// definition (they skip it).
	OK bool
}

// DjangoEnvironValues is what django-environ's read_env makes of one line
// of a file (without its line break), release by release, oldest first.
func DjangoEnvironValues(line, key string) []DjangoEnvironReading {
	out := []DjangoEnvironReading{{Versions: "0.4.4"}, {Versions: "0.4.5 to 0.7"}, {Versions: "0.8 to 0.10"}, {Versions: "0.11"}}
	m := djangoLine.FindStringSubmatch(line)
	if m == nil || m[2] != key {
		return out
	}
	val := m[3]
	// 0.4 to 0.10: one pair of single quotes, then of double quotes.
	v := val
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		v = v[1 : len(v)-1]
	}
	all, keep := v, v
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		inner := v[1 : len(v)-1]
		all, keep = unescapeDjango(inner, ""), unescapeDjango(inner, "rnt")
	}
	out[0].Value, out[0].OK = all, m[1] == ""
	out[1].Value, out[1].OK = all, true
	out[2].Value, out[2].OK = keep, true
	// 0.11: comments after a value.
	if s := djangoSingle11.FindStringSubmatch(val); s != nil {
		v = s[1]
	} else {
		v = djangoHash11.FindStringSubmatch(val)[1]
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = unescapeDjango(v[1:len(v)-1], "rnt")
	}
	out[3].Value, out[3].OK = v, true
	return out
}

// unescapeDjango is re.sub(r'\\(.)', ...) over a double-quoted value: \x
// becomes x, except for the letters in keep, which stay \x.
func unescapeDjango(s, keep string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && s[i+1] != '\n' {
			if strings.IndexByte(keep, s[i+1]) >= 0 {
				b.WriteByte('\\')
			}
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
