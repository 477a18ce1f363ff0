package dburl

import (
	"strings"

	"github.com/dbguard/dbguard/internal/lazyre"
)

// colonKeyword is a password keyword as a key before an unquoted value
// after ':': password, passwd, passwort, pwd, with a prefix that ends in
// '_', '.' or '-' (DB_PASSWORD, spring.datasource.password), or PG and
// SSL (PGPASSWORD, sslpassword); "pass" only with such a prefix (db_pass):
// a bare "PASS:" is a test runner's verdict (go test's "--- PASS: TestX",
// automake's "PASS: t1"), and "compass:" or "bypass:" no keyword.
const colonKeyword = `(?:(?:[a-z0-9_.-]*[_.-])?(?:pg)?(?:ssl)?(?:password|passwd|passwort|pwd)|(?:[a-z0-9_.-]*[_.-]|pg|ssl|pgssl)pass)`

// colonValueRE is a password keyword as a key, ':' and blanks, before
// the rest of its line (its value, found by colonValueMatch): the key
// starts a line (after indentation and a YAML list's "- "), or follows a
// blank or , ; { ( [ (a log line's key: value pairs). The value is not in
// the pattern: a match that ran to the line's end made every search for
// the next key read the rest of the line again, and a line of many keys
// cost time quadratic in its length (3,200 `pwd: 'x' `, 29 KB: 18 s).
var colonValueRE = lazyre.New(`(?im)(^[ \t]*(?:-[ \t]+)?|[\s,;{(\[])(` + colonKeyword + `[ \t]*:[ \t]+)`)

// colonWindow is how much text, at least, colonScan.next gives the
// pattern first.
const colonWindow = 512

// colonScan reads colonValueRE's matches in s in order, and keeps the
// end of the line it read last: a line of many keys has its end found
// once, not once a key (3,200 keys on a 29 KB line read the rest of the
// line again for each: quadratic).
type colonScan struct {
	s string
	// lineFrom, lineEnd and valueEnd: lineEnd is the first '\r' or '\n'
	// at or after lineFrom (len(s) if none), valueEnd lineEnd with the
	// blanks before it trimmed (" \t").
	lineFrom, lineEnd, valueEnd int
	read                        bool
}

// next is colonValueRE's first match in s[pos:], its indexes in s, with a
// third group, the value: from the match's end to its line's end (before
// '\r' or '\n'), and the value's end with its trailing blanks trimmed
// (never before its start). pos never goes back between calls. The
// pattern runs first on a window of colonWindow bytes: a match that ends
// before the window's end is the one the whole rest gives (an earlier
// match would hold the same ':', the only one a match has, and end where
// this one ends); otherwise the pattern runs on the whole rest.
func (c *colonScan) next(pos int) (m []int, valueEnd int) {
	s := c.s
	re := colonValueRE.Regexp()
	if end := pos + colonWindow; end < len(s) {
		if w := re.FindStringSubmatchIndex(s[pos:end]); w != nil && w[1] < end-pos {
			m = w
		}
	}
	if m == nil {
		if m = re.FindStringSubmatchIndex(s[pos:]); m == nil {
			return nil, 0
		}
	}
	m = offsetBy(m, pos)
	if !c.read || m[1] < c.lineFrom || m[1] > c.lineEnd {
		c.read, c.lineFrom = true, m[1]
		c.lineEnd = len(s)
		if i := strings.IndexAny(s[m[1]:], "\r\n"); i >= 0 {
			c.lineEnd = m[1] + i
		}
		c.valueEnd = len(strings.TrimRight(s[:c.lineEnd], " \t"))
	}
	return append(m, m[1], c.lineEnd), max(c.valueEnd, m[1])
}

// promptKeywordRE is PromptAtEnd's pattern: colonKeyword, as a word, then
// ':' at the end.
var promptKeywordRE = lazyre.New(`(?i)(?:^|[^a-z0-9_.-])` + colonKeyword + `[\t\f\r ]*:$`)

// maskColonValues masks the unquoted value of a password keyword before
// ':' (YAML's password: a b, a log's DB_PASSWORD: hunter2), as a user
// expects of any redactor, where a Redactor also masks what follows a
// prompt ("Password: ") written by itself: a key that starts its line
// has the rest of its line for value (YAML's plain scalar holds blanks);
// a key inside a line has one word, and only where that word ends the
// line, a , ; } ] or ) follows it, or another key: the prose of a
// message ("could not read password: no such file", dbguard's own "in
// the user name or password: percent-encode it") stays readable. A
// placeholder (<empty>, ${DB_PASSWORD}) and a value already masked show.
func maskColonValues(s string) string {
	var b strings.Builder
	last := 0
	scan := colonScan{s: s}
	for pos := 0; pos < len(s); {
		m, valueEnd := scan.next(pos)
		if m == nil {
			break
		}
		from, to, ok := colonValueAt(s, m, valueEnd)
		if !ok {
			pos = m[5] // the value may hold the next key
			continue
		}
		b.WriteString(s[last:from])
		b.WriteString(Mask)
		last, pos = to, to
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// colonValueAt is where the value of colonValueRE's match m starts and
// ends in s, and whether it is one to mask; valueEnd is where the value
// ends with its trailing blanks trimmed.
func colonValueAt(s string, m []int, valueEnd int) (from, to int, ok bool) {
	// Only blanks and a list's '-' between the line's start and the key
	// (read back from the key, not forward from the line's start: a
	// line of many keys is read once).
	i := m[4]
	for i > 0 && strings.IndexByte(" \t-", s[i-1]) >= 0 {
		i--
	}
	atLineStart := i == 0 || s[i-1] == '\n'
	from = m[6]
	value := s[m[6]:valueEnd]
	if value == "" || strings.IndexByte("'\"`<", value[0]) >= 0 || strings.HasPrefix(value, Mask) || strings.HasPrefix(value, "${") {
		return 0, 0, false
	}
	if atLineStart {
		return from, from + len(value), true
	}
	word := value
	if i := strings.IndexAny(word, " \t,;})]"); i >= 0 {
		word = word[:i]
	}
	if word == "" {
		return 0, 0, false
	}
	after := strings.TrimLeft(value[len(word):], " \t")
	if after == "" || strings.IndexByte(",;})]", after[0]) >= 0 || nextIsKey(after) {
		return from, from + len(word), true
	}
	return 0, 0, false
}

// nextIsKey reports whether s starts with a key and its ':' or '='
// (host: db, user=app).
func nextIsKey(s string) bool {
	i := 0
	for i < len(s) && (asciiLetter(s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-' || i > 0 && '0' <= s[i] && s[i] <= '9') {
		i++
	}
	return i > 0 && i < len(s) && (s[i] == ':' || s[i] == '=')
}

// mayHoldColonValue reports whether colonValueRE can match s: a ':' and
// a blank after it, "pass" or "pwd" before it with at most four letters
// and blanks between. Only the few bytes before each ": " are read: most
// output has ': ' (file:line: messages) and no keyword.
func mayHoldColonValue(s string) bool {
	for i := 0; ; {
		c := strings.IndexByte(s[i:], ':')
		if c < 0 {
			return false
		}
		c += i
		i = c + 1
		if i >= len(s) || s[i] != ' ' && s[i] != '\t' {
			continue
		}
		j := c
		for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t') {
			j--
		}
		// Each keyword ends in d, t or s (ſ's last byte is 0xBF).
		if j == 0 || strings.IndexByte("dDtTsS\xbf", s[j-1]) < 0 {
			continue
		}
		if keywordThen(s[max(0, j-10):c+2], keywordColonBlank) {
			return true
		}
	}
}

// keywordColonBlank is mayHoldColonValue's test after a keyword's "pass"
// or "pwd": at most four letters, blanks, ':' and a blank.
func keywordColonBlank(rest string) bool {
	i := 0
	for i < len(rest) && i < 4 && asciiLetter(rest[i]) {
		i++
	}
	for i < len(rest) && (rest[i] == ' ' || rest[i] == '\t') {
		i++
	}
	return i+1 < len(rest) && rest[i] == ':' && (rest[i+1] == ' ' || rest[i+1] == '\t')
}

// ColonValuePending reports whether s, a partial line, holds a password
// keyword as a key with its unquoted value started after ':' (see
// maskColonValues): a writer holds it to its line's end, where the
// value's reading is decided.
func ColonValuePending(s string) bool {
	if !mayHoldColonValue(s) {
		return false
	}
	scan := colonScan{s: s}
	for pos := 0; pos < len(s); {
		m, valueEnd := scan.next(pos)
		if m == nil {
			return false
		}
		if valueEnd > m[6] {
			return true
		}
		pos = m[7]
	}
	return false
}
