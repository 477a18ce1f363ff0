package envload

import (
	"regexp"
	"strings"
)

// django-environ's Env.read_env reads each line (str.splitlines) with
// \A(?:export )?([A-Za-z_0-9]+)=(.*)\Z: the value is everything after the
// '=' to the end of the line, a ' # comment' and trailing blanks included,
// unquoted only when one pair of quotes encloses all of it. 0.4.4 (Debian
// 12) takes no "export " and decodes every \x in double quotes to x;
// 0.10 and later (parse_comments off, the default) take "export " and keep
// \n, \r, \t as written. dbguard does not judge with it: DjangoEnvironValue
// says what it reads for one line, for a warning where that is not what the
// loaders dbguard judges read.

var djangoLine = regexp.MustCompile(`\A(export )?([A-Za-z_0-9]+)=(.*)\z`)

// DjangoEnvironValue is what django-environ's read_env makes of one line
// of a file (without its line break), in the versions that read it: old is
// 0.4.4's reading, cur that of 0.10 and later; ok is false in a version
// that does not read the line as key's definition.
func DjangoEnvironValue(line, key string) (old, cur string, oldOK, curOK bool) {
	m := djangoLine.FindStringSubmatch(line)
	if m == nil || m[2] != key {
		return "", "", false, false
	}
	val := m[3]
	if len(val) >= 2 && val[0] == '\'' && val[len(val)-1] == '\'' {
		val = val[1 : len(val)-1]
	}
	old, cur = val, val
	if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
		inner := val[1 : len(val)-1]
		old, cur = unescapeDjango(inner, ""), unescapeDjango(inner, "rnt")
	}
	return old, cur, m[1] == "", true
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
