package dburl

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dbguard/dbguard/internal/lazyre"
)

var (
	// userinfoRE finds scheme://user:password@ in free text. The password
	// part is greedy up to the last '@' before white space, so a password
	// with a raw '@' in it is masked whole rather than in part.
	// A JSON encoder that escapes '/' writes "postgres:\/\/u:pw@h".
	userinfoRE = lazyre.New(`(?i)([a-z][a-z0-9+.\-]*:(?:\\?/){2}[^\s:/\\?#@]*):\S*@`)
	// passwordRE finds password=... and sslpassword=... in keyword/value
	// strings, URL query strings and PGPASSWORD=... (PGSSLPASSWORD=...)
	// assignments. The value is quoted in single or double quotes (a
	// keyword/value string, a shell's or a source line's password="..."),
	// or bare (see below).
	// passwordColonRE finds a password keyword before ':' with a quoted
	// value: JSON's "password": "...", Python's 'PASSWORD': '...' (a
	// Django settings dict in a traceback), JavaScript's password: '...'
	// (util.inspect of a knexfile's connection), YAML's password: "...".
	// An unquoted value after ':' is prose as often as not, and a count
	// ("pass": 12) no secret: maskColonValues masks the forms of it that
	// are values. The quotes are kept: JSON stays JSON. A
	// Python 2 or bytes repr's prefix (u'...', b'...') is kept too.
	// passwordRE also takes Ruby's and PHP's hash arrow, quoted keyword
	// and all ("password" => "...", :password => '...': a Rails
	// database configuration inspected in an error).
	//
	// A quoted value runs as far as any format's quoting takes it (the
	// alternatives are in the order that makes the first reading the
	// longest): a quote doubled ('' in YAML's and SQL's single quotes, ""
	// in a .NET or INI connection string), the shell's '\'' and a
	// backslash escape (a run of backslashes: a keyword/value string
	// inside a JSON string writes \' as \\') are part of it. A value that
	// ends in a backslash may so be masked on to the next quote: more is
	// hidden, nothing shown. A backtick string is util.inspect's for a
	// password holding both quotes. After '=', a quoted piece with more
	// than white space or , ; : ) ] } > after it goes on (libpq's bare
	// value may start with '"'). An unquoted value after '=' runs to white
	// space, or to the end of a string it is in, or to '&' in a URL's
	// query (see unquotedEnd). The closing quotes are groups, for
	// OpenPasswordValue.
	passwordColonRE = lazyre.New(colonPattern(tripleOpen))
	passwordRE      = lazyre.New(assignPattern(tripleOpen))
	// passwordColonNoTripleRE and passwordNoTripleRE are the patterns
	// with no triple quotes, to read again a triple-quoted match that the
	// same quote follows: it was quotes doubled (an INI's or .NET's """"
	// for a value that starts with one, YAML's '''...''''), which Python
	// would not write. Their groups are the same.
	passwordColonNoTripleRE = lazyre.New(colonPattern(never + tripleOpen))
	passwordNoTripleRE      = lazyre.New(assignPattern(never + tripleOpen))
)

// blanks is the white space the patterns read around a separator: \s,
// Unicode's space separators (a no-break space U+00A0, an em space
// U+2003, an ideographic space U+3000: a word processor's or an IME's
// text pasted into a config), and a backslash that ends a line (Python's
// and the shell's line continuation: password = \ and the value on the
// next line).
const blanks = `(?:[\s\p{Zs}]|\\\r?\n)*`

// tripleOpen starts a triple-quoted alternative; never before it is a
// position that is a word boundary and is not, which no text has.
const (
	tripleOpen = ``
	never      = `\b\B`
)

// colonPattern and assignPattern are passwordColonRE's and passwordRE's,
// with t before each triple-quoted alternative.
func colonPattern(t string) string {
	return `(?i)((?:pg)?(?:ssl)?(?:password|passwd|passwort|pwd|pass)["']?` + blanks + `:` + blanks + pyPrefix + `)(?:` + t + `(""")` + tripleDouble + `(""")|` + t + `(''')` + tripleSingle + `(''')|(')` + singleQuoted + `('?)|(")` + doubleQuoted + `("?)|(\x60)(?:[^\x60\\]|\\+\x60|\\+[^\x60])*(\x60?))`
}

func assignPattern(t string) string {
	return `(?i)((?:pg)?(?:ssl)?(?:password|passwd|passwort|pwd|pass)["']?` + blanks + `=>?` + blanks + `)(?:` + pyPrefix + `(?:` + t + `"""` + tripleDouble + `(""")|` + t + `'''` + tripleSingle + `(''')|'` + singleQuoted + `('?)|"` + doubleQuoted + `("?))|\$'` + ansiCQuoted + `('?)|(?:(?:\\.|[^\s'"\\])(?:\\.|[^\s\\])*)?)`
}

// nextMatch is re's next match in s from pos, its indexes in s; a
// triple-quoted value that the same quote follows is read again without
// triple quotes.
func nextMatch(re *lazyre.Regexp, s string, pos int, nl *lineBreaks) []int {
	m := findWindowed(re.Regexp(), s, pos, nl)
	if m == nil {
		return nil
	}
	alt, triple := passwordNoTripleRE, passwordREClosing[:2]
	if re == passwordColonRE {
		alt, triple = passwordColonNoTripleRE, passwordColonREClosing[:2]
	}
	if tookPart(m, triple) && m[1] < len(s) {
		// Read again without triple quotes where that is longer: more
		// masked, nothing shown (YAML's quotes doubled, '''\''''Z',
		// read as a triple quote showed Z').
		// Also where a quote follows the triple one, which ends no
		// value there: a backslash and doubled quotes in YAML's single
		// quotes showed ' Z' (make fuzz, round 13).
		if m2 := alt.Regexp().FindStringSubmatchIndex(s[m[0]:]); m2 != nil && m2[0] == 0 && m2[1] > m[1]-m[0] {
			for i := range m2 {
				if m2[i] >= 0 {
					m2[i] += m[0]
				}
			}
			return m2
		}
	}
	return m
}

// matchWindow is how much text, at least, findWindowed gives the pattern
// first: short enough for Go's regexp to use its backtracker on the
// password patterns, which is several times faster than its NFA.
const matchWindow = 512

// findWindowed is re.FindStringSubmatchIndex(s[pos:]) for the password
// patterns, with pos added. It runs the pattern first on s[pos:] up to
// the end of the line at matchWindow bytes: a match that ends before that
// window's end is the one the whole text gives (a keyword and its
// separator found make a match, every value's reading is decided within
// its line or ends at the window's end, and a triple quote closes on its
// line); a match that reaches the window's end, or none, is looked for
// again in the whole rest.
func findWindowed(re *regexp.Regexp, s string, pos int, nl *lineBreaks) []int {
	end := pos + matchWindow
	if end < len(s) {
		if nl == nil {
			nl = new(lineBreaks)
		}
		if i := nl.next(s, end); i >= 0 {
			end = i + 1
		} else {
			end = len(s)
		}
	}
	if end < len(s) {
		if m := re.FindStringSubmatchIndex(s[pos:end]); m != nil && m[1] < end-pos {
			return offsetBy(m, pos)
		}
	}
	m := re.FindStringSubmatchIndex(s[pos:])
	if m == nil {
		return nil
	}
	return offsetBy(m, pos)
}

// lineBreaks finds the next line break in one text from positions that
// do not go back, reading the text once: a line far longer than
// matchWindow, of many keywords, was read to its end for each (round
// 13's review: quadratic, 8,000 password=a b on one line 0.4 s).
type lineBreaks struct {
	from, at int // at: the first '\n' at or after from, -1 for none
	read     bool
}

// next is the index of the first '\n' at or after i in s, or -1.
func (c *lineBreaks) next(s string, i int) int {
	if c.read && i >= c.from && (c.at < 0 || i <= c.at) {
		return c.at
	}
	c.from, c.read, c.at = i, true, strings.IndexByte(s[i:], '\n')
	if c.at >= 0 {
		c.at += i
	}
	return c.at
}

// offsetBy adds pos to every index of m that is set.
func offsetBy(m []int, pos int) []int {
	for i := range m {
		if m[i] >= 0 {
			m[i] += pos
		}
	}
	return m
}

// passwordREClosing and passwordColonREClosing are the patterns' groups
// of a value's closing quote (empty where it is missing; a triple quote
// always closes); a group of passwordREClosing that took part in a match
// makes the value quoted.
var (
	passwordREClosing      = []int{2, 3, 4, 5, 6}
	passwordColonREClosing = []int{3, 5, 7, 9, 11}
)

// singleQuoted and doubleQuoted are a quoted value's inside.
// tripleSingle and tripleDouble are a Python triple-quoted string's,
// closed on its line (a traceback shows one line; else the quotes are read
// as single or double quotes, doubled ones in them): one quote or two that a third
// does not follow are part of it, and so is a backslash with the byte
// after it. It does not start with a quote: YAML's and SQL's four single
// quotes, and an INI's four double quotes (a quote, doubled), are read as
// single or double quotes. ansiCQuoted is bash's $'...', where a
// backslash escapes a quote ($'a\'b'). pyPrefix is a Python string's
// prefix (r"...", b'...', rb"...", f"..."), as a source line in a
// traceback or a settings file writes it.
const (
	singleQuoted = `(?:[^'\\]|\\+''?|\\+[^']|''|'\\'')*`
	doubleQuoted = `(?:[^"\\]|\\+""?|\\+[^"]|"")*`
	tripleSingle = `(?:[^'\\\n]|\\.)(?:[^'\\\n]|\\.|''?(?:[^'\\\n]|\\.))*`
	tripleDouble = `(?:[^"\\\n]|\\.)(?:[^"\\\n]|\\.|""?(?:[^"\\\n]|\\.))*`
	ansiCQuoted  = `(?:[^'\\]|\\(?s:.))*`
	pyPrefix     = `(?:[burf]|rb|br|fr|rf)?`
)

// secretKeys are the keywords whose values are never shown.
var secretKeys = map[string]bool{"password": true, "sslpassword": true}

// looksSecret reports whether a keyword or parameter that libpq does not
// know is one a person meant for a secret (passwd=, pwd=, db_password=,
// token=): its value is not shown either, and Parse refuses the keyword
// form of a misspelled password.
func looksSecret(key string) bool {
	k := strings.ToLower(key)
	for _, s := range []string{"pass", "pwd", "secret", "token"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// isSecretKey reports whether a keyword's value is never shown.
func isSecretKey(key string) bool { return secretKeys[key] || looksSecret(key) }

// RedactText masks every password it can find in free text: the passwords
// registered with [AddSecret], in any form, then URL userinfo, password=
// keywords and parameters. It is for text dbguard did not build itself, such
// as error messages from drivers and child processes; for a parsed
// connection string use [URL.Redacted].
func RedactText(s string) string {
	s = redactSecrets(s)
	s = redactHexForms(s)
	// The patterns run only on text that can hold what they find: most
	// output (file names, findings, tables) has neither, and two
	// case-insensitive regular expressions over every line were half of
	// dbguard env's time.
	if mayHoldUserinfo(s) {
		var open bool
		if s, open = redactUserinfoWords(s); open {
			s = maskSpacedUserinfo(s)
		}
	}
	if mayHoldPasswordKeyword(s) {
		s = maskKeywords(s, passwordRE, assignMask)
	}
	if mayHoldPasswordColon(s) {
		s = maskKeywords(s, passwordColonRE, colonMask)
	}
	if mayHoldSQLPassword(s) {
		s = sqlPasswordRE.ReplaceAllString(s, "${1}'"+Mask+"'")
	}
	if mayHoldColonValue(s) {
		s = maskColonValues(s)
	}
	if strings.IndexByte(s, '%') >= 0 && strings.IndexAny(s, "?&") >= 0 {
		s = maskEncodedParams(s)
	}
	if strings.Contains(s, pgxCannotParse) {
		s = maskPgxParseError(s)
	}
	if strings.IndexByte(s, '"') >= 0 && strings.Contains(s, libpqMissing) {
		// The byte search first: a substring's search over a report
		// with no quote cost 3-4% of BenchmarkRedactTextEnvReport.
		s = maskLibpqMissing(s)
	}
	return s
}

// libpqMissing starts libpq's complaint about a keyword/value string's
// word with no '=' after it, as psql 15 prints it with no string before
// it: psql: error: missing "=" after "y" in connection info string
// (psycopg2's OperationalError says the same). A password written with an
// unquoted blank (password=x y) ends there: y is the password's tail.
const libpqMissing = `missing "=" after "`

// unparsedTails are the words that followed a password's value in a
// keyword/value string dbguard read and could not parse
// (AddUnparsedSecrets): the words libpq's complaint names.
var unparsedTails struct {
	sync.RWMutex
	words map[string]bool
}

// AddUnparsedSecrets registers the passwords of s, a connection string
// dbguard read and could not parse, as a keyword/value string's: each
// password's value with the words after it that are no pair
// (password=x y host=db, the password the person meant "x y") is masked
// as a literal (AddSecret), and each of those words where libpq's
// complaint names it (missing "=" after "y"), which a child that reads
// the same string prints with no string before it.
func AddUnparsedSecrets(s string) {
	if !strings.Contains(s, "=") || strings.Contains(s, "://") {
		return
	}
	for _, m := range pgxPasswordRE.Regexp().FindAllStringSubmatchIndex(s, -1) {
		line := strings.IndexAny(s[m[5]:], "\r\n")
		if line < 0 {
			line = len(s)
		} else {
			line += m[5]
		}
		to, words := strayWords(s, m[5], line)
		if len(words) == 0 {
			continue
		}
		AddSecret(s[m[4]:to])
		unparsedTails.Lock()
		if unparsedTails.words == nil {
			unparsedTails.words = map[string]bool{}
		}
		for _, w := range words {
			unparsedTails.words[w] = true
		}
		unparsedTails.Unlock()
	}
}

// maskLibpqMissing masks the word libpq's "missing \"=\" after" names
// when it is a password's tail: a word that followed a password's value
// in a string dbguard could not parse (AddUnparsedSecrets), or one that
// follows a password's value, as no pair, in s before the complaint (a
// traceback's source line: connect("host=db password=x y"), then
// missing "=" after "y"), where that word is masked too.
func maskLibpqMissing(s string) string {
	named := pgxMissingRE.Regexp().FindAllStringSubmatchIndex(s, -1)
	if len(named) == 0 {
		return s
	}
	type span struct{ from, to int }
	// The stray words after each password's value before the last
	// complaint: the span they fill, and where each word ends.
	var groups []span
	ends := map[string][]int{}
	if before := s[:named[len(named)-1][0]]; mayHoldPasswordKeyword(before) {
		for _, m := range pgxPasswordRE.Regexp().FindAllStringSubmatchIndex(before, -1) {
			end := strings.IndexAny(s[m[5]:], "\r\n`\"'")
			if end < 0 {
				end = len(s)
			} else {
				end += m[5]
			}
			to, words := strayWords(s, m[5], end)
			if len(words) == 0 {
				continue
			}
			groups = append(groups, span{m[5], to})
			k := m[5]
			for _, w := range words {
				k += strings.Index(s[k:], w) + len(w)
				ends[w] = append(ends[w], k)
			}
		}
	}
	known := func(w string) bool {
		unparsedTails.RLock()
		defer unparsedTails.RUnlock()
		return unparsedTails.words[w]
	}
	var masked []span // what is masked
	var namedAt []int // where the named words in s's groups end
	done := map[string]bool{}
	for _, m := range named {
		w := s[m[2]:m[3]]
		if e := ends[w]; len(e) > 0 && e[0] <= m[0] {
			if !done[w] {
				done[w] = true
				namedAt = append(namedAt, e...)
			}
		} else if !known(w) {
			continue
		}
		masked = append(masked, span{m[2], m[3]})
	}
	// A group a complaint names a word of is masked whole (the blank
	// before it kept). Groups do not overlap and come in order.
	sort.Ints(namedAt)
	p := 0
	for _, g := range groups {
		for p < len(namedAt) && namedAt[p] <= g.from {
			p++
		}
		if p < len(namedAt) && namedAt[p] <= g.to {
			from := g.from
			for from < g.to && (s[from] == ' ' || s[from] == '\t') {
				from++
			}
			masked = append(masked, span{from, g.to})
		}
	}
	if len(masked) == 0 {
		return s
	}
	sort.Slice(masked, func(i, j int) bool { return masked[i].from < masked[j].from })
	var b strings.Builder
	last := 0
	for _, m := range masked {
		if m.from < last {
			continue
		}
		b.WriteString(s[last:m.from])
		b.WriteString(Mask)
		last = m.to
	}
	b.WriteString(s[last:])
	return b.String()
}

// pgxCannotParse starts pgx's error for a connection string it cannot
// parse: "cannot parse `STRING`: failed to parse as keyword/value
// (missing \"=\" after \"y\" in connection info string)". pgx masks the
// string's password itself, as password= and the bytes to the next
// blank, and not at all with a blank before '='.
const pgxCannotParse = "cannot parse `"

// pgxPasswordRE is, in such a string, a password keyword and '=' (blanks
// around it) and its value's first word (group 2).
var pgxPasswordRE = lazyre.New(`(?i)(\b(?:ssl)?password[ \t]*=[ \t]*)([^\s` + "`" + `]+)`)

// pgxMissingRE is libpq's and pgx's complaint naming the word that has no
// '=' after it.
var pgxMissingRE = lazyre.New(`missing "=" after "([^"]*)"`)

// maskPgxParseError masks, in pgx's error for a keyword/value string it
// cannot parse, a password's value with the words after it that are no
// keyword=value pair: the string did not parse, and such a word is what
// the person meant as the rest of the password (password=x y, a password
// with a blank left unquoted; password='x y, unterminated, which pgx
// writes password=xxxxx y; password=x\ y z, whose escaped blank pgx's
// mask stops at), not a keyword. The word pgx names after "missing \"=\"
// after" on the same line is masked when it was one of them.
func maskPgxParseError(s string) string {
	var b strings.Builder
	var nl lineBreaks
	last := 0
	for pos := 0; ; {
		i := strings.Index(s[pos:], pgxCannotParse)
		if i < 0 {
			break
		}
		from := pos + i + len(pgxCannotParse)
		end := strings.IndexAny(s[from:], "`\n")
		if end < 0 || s[from+end] != '`' {
			pos = from
			continue
		}
		end += from
		pos = end + 1
		var hidden []string
		for _, m := range pgxPasswordRE.Regexp().FindAllStringSubmatchIndex(s[from:end], -1) {
			// The words after the value up to a pair that ends it.
			to, words := strayWords(s, from+m[5], end)
			hidden = append(hidden, words...)
			if to == from+m[5] || from+m[4] < last {
				continue // one word: the patterns decided it
			}
			b.WriteString(s[last : from+m[4]])
			b.WriteString(Mask)
			last = to
		}
		if len(hidden) == 0 {
			continue
		}
		// pgx's message after the string: to the line's end, or the
		// next such error on the line.
		lineEnd := nl.next(s, pos)
		if lineEnd < 0 {
			lineEnd = len(s)
		}
		if next := strings.Index(s[pos:lineEnd], pgxCannotParse); next >= 0 {
			lineEnd = pos + next
		}
		for _, m := range pgxMissingRE.Regexp().FindAllStringSubmatchIndex(s[pos:lineEnd], -1) {
			for _, w := range hidden {
				if s[pos+m[2]:pos+m[3]] == w {
					b.WriteString(s[last : pos+m[2]])
					b.WriteString(Mask)
					last = pos + m[3]
					break
				}
			}
		}
		pos = lineEnd
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// strayWords is, for a password's value in a keyword/value string that
// ends at from in s (the string ends at end), the words after it that
// are no pair (pairWord), and where the last of them ends (from when
// none): password=x y c=d port=5 has "y" and "c=d".
func strayWords(s string, from, end int) (to int, words []string) {
	to = from
	for j := to; ; {
		for j < end && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		w := j
		for w < end && s[w] != ' ' && s[w] != '\t' && s[w] != '\n' && s[w] != '\r' {
			w++
		}
		if w == j || pairWord(s[j:w], s[w:end], to == from) {
			return to, words
		}
		words = append(words, s[j:w])
		to, j = w, w
	}
}

// pairWord reports whether w, a word of a string pgx could not parse
// after a password's value (rest follows it), starts a pair that ends
// the password: a libpq keyword and '=' (host=db, host = db), or, right
// after the value (first), any word with '=' (pgx takes an unknown key as
// a run-time parameter, search_path=app). After a word that is no pair
// (password=a b c=d, missing "=" after "b"), the string did not parse
// and c=d, no keyword of libpq's, is the rest of the password.
func pairWord(w, rest string, first bool) bool {
	key, _, eq := strings.Cut(w, "=")
	if !eq && libpqKeywords[key] {
		eq = strings.HasPrefix(strings.TrimLeft(rest, " \t"), "=")
	}
	return eq && (first || libpqKeywords[key])
}

// encodedParamRE is a URL query parameter whose name holds a %XX escape:
// libpq's URI parser decodes a parameter's name as it does its value
// (conninfo_uri_parse_params, conninfo_uri_decode), so ?pass%77ord=x is
// password=x, which the keyword patterns do not read.
var encodedParamRE = lazyre.New(`([?&][A-Za-z0-9_.~+%-]*%[0-9A-Fa-f]{2}[A-Za-z0-9_.~+%-]*=)([^&\s]*)`)

// maskEncodedParams masks the value of every query parameter whose name,
// percent-decoded, is a secret's (password, sslpassword, ...).
func maskEncodedParams(s string) string {
	return encodedParamRE.ReplaceAllStringFunc(s, func(m string) string {
		eq := strings.IndexByte(m, '=')
		name, err := url.PathUnescape(m[1:eq])
		if err != nil || !isSecretKey(strings.ToLower(name)) || m[eq+1:] == Mask {
			return m
		}
		return m[:eq+1] + Mask
	})
}

// sqlPasswordRE finds SQL's password literal: the word PASSWORD, white
// space, then a string (CREATE ROLE, ALTER ROLE, CREATE USER ... ENCRYPTED
// PASSWORD 'x'; E'...' with its backslash escapes), which a migration tool
// prints with the statement that failed. A doubled quote is a quote; a
// backslash escapes the byte after it (more masked in a standard string
// that ends in one, nothing shown); an unclosed string runs to the end.
var sqlPasswordRE = lazyre.New(`(?i)(\bpassword[\s\p{Zs}]+e?)'(?:[^'\\]|''|\\.)*'?`)

// mayHoldSQLPassword reports whether sqlPasswordRE can match s: "password",
// white space, maybe E, then a quote.
func mayHoldSQLPassword(s string) bool {
	if strings.IndexByte(s, '\'') < 0 {
		return false
	}
	return keywordThen(s, func(rest string) bool {
		if len(rest) < 4 || !strings.EqualFold(rest[:4], "word") {
			return false
		}
		n := spaces(rest[4:])
		if n == 0 {
			return false
		}
		rest = rest[4+n:]
		if len(rest) > 0 && rest[0]|0x20 == 'e' {
			rest = rest[1:]
		}
		return len(rest) > 0 && rest[0] == '\''
	})
}

// assignMask is passwordRE's replacement: the keyword and the mask.
const assignMask = "${1}" + Mask

// colonMask is passwordColonRE's replacement: the keyword, the value's
// opening quote, the mask, its closing quote.
const colonMask = "${1}${2}${4}${6}${8}${10}" + Mask + "${3}${5}${7}${9}${11}"

// maskKeywords is re.ReplaceAllString(s, template) but for two things a
// pattern cannot see, as they lie before its match: a keyword that ends
// an ordinary word ("compass": "north", bypass=1) is no password, and a
// search for one goes on inside it; and in a URL's query (the parameter
// follows '?' or '&') an unquoted value ends at '&', where in a
// keyword/value string or an assignment '&' is part of it.
func maskKeywords(s string, re *lazyre.Regexp, template string) string {
	var b []byte
	last := 0
	var quotes quoteState
	var ahead nextBytes
	var nl lineBreaks
	for pos := 0; pos < len(s); {
		m := nextMatch(re, s, pos, &nl)
		if m == nil {
			break
		}
		if ordinaryWordBefore(s, m[0]) {
			pos = m[0] + 1
			continue
		}
		if re == passwordRE && noValue(s, m) {
			pos = m[3]
			continue
		}
		switch v := m[3]; {
		case v == m[1]:
		case re == passwordRE && maskedInMarkup(s[v:m[1]]):
			// Masked already, and escaped into XML after (a JUnit
			// report's text, its line breaks &#xA;, read again by the
			// output net): the entity and the closing tag are no value.
			m[1] = v + len(Mask)
		case re == passwordRE && !tookPart(m, passwordREClosing):
			end := connectionStringEnd(s, m[0], v, m[1], &ahead)
			m[1] = unquotedEnd(s, m[0], v, end, quotes.at(s, m[0]))
		case re == passwordRE && m[1] < len(s) && iniQuotedThenMore(s, m[0], v, m[1]) >= 0:
			// An INI section's quoted piece with more after it on its
			// line: configparser's value is the whole rest of the line.
			m[1] = iniQuotedThenMore(s, m[0], v, m[1])
		case re == passwordRE && m[1] < len(s) && !closesValue(s[m[1]:], libpqPairBefore(s, m[0]) || conninfoFirst(s, m[0], m[1])):
			// A quoted piece with more after it: libpq's bare value
			// that starts with '"', the shell's 'a'"b"c.
			w := strings.IndexAny(s[m[1]:], reSpace)
			if w < 0 {
				w = len(s)
			} else {
				w += m[1]
			}
			m[1] = unquotedEnd(s, m[0], m[1], w, quotes.at(s, m[0]))
		}
		m[1] = continuedEnd(s, re, m)
		if b == nil {
			b = make([]byte, 0, len(s)+8)
		}
		b = append(b, s[last:m[0]]...)
		b = re.Regexp().ExpandString(b, template, s, m)
		last, pos = m[1], m[1]
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// maskedInMarkup reports whether an unquoted value is the mask with an
// XML character reference or a tag right after it: text masked before
// an XML encoder escaped it, whose value ended at the mask.
func maskedInMarkup(value string) bool {
	rest, ok := strings.CutPrefix(value, Mask)
	return ok && (strings.HasPrefix(rest, "&#") || strings.HasPrefix(rest, "</"))
}

// noValue reports whether passwordRE's match m is a keyword and its
// separator with no value after them: the text ends there ("notes
// PGPASSWORD="), or the separator's white space crosses a line break to
// a line that is not indented (export PGPASSWORD= on one line, a command
// on the next; a heading "Password" underlined with "="), where a value
// on its own line would be (an INI's continuation line), unless it is
// quoted (SQL's PASSWORD and the string below it). Two forms do
// carry their value to the next line as it is: Ruby's pretty-printed
// "password"=>, and a libpq keyword/value string (a key=value pair
// before the keyword, across any white space, or the keyword in libpq's
// lower case), whose parser skips line breaks around '='. A lone '\r' is no line break: a terminal's carriage
// return.
func noValue(s string, m []int) bool {
	if m[3] == len(s) {
		return true
	}
	g := s[m[2]:m[3]]
	if strings.IndexByte(g, '\n') < 0 || strings.Contains(g, "=>") || strings.Contains(g, "\\\n") || strings.Contains(g, "\\\r\n") || pairBefore(s, m[0]) || libpqKeyword(g) {
		return false
	}
	for i := 0; i < len(g); i++ {
		if g[i] == '\n' && (i+1 == len(g) || g[i+1] != ' ' && g[i+1] != '\t') {
			// Unindented: a value still if it starts with a quote.
			return i+1 < len(g) || m[3] == len(s) || s[m[3]] != '\'' && s[m[3]] != '"'
		}
	}
	return false
}

// continuedEnd is where the value of re's match m ends when it is a
// quoted string closed at its line's end that string literals on the
// next lines, each indented to the column of its opening quote, go on:
// Python's pprint of a dict splits a long string so
// ({'password': 'aaaa bbbb '\n             'cccc'}), and a source line
// writes adjacent literals so; Python joins them into one value. Else
// m[1].
func continuedEnd(s string, re *lazyre.Regexp, m []int) int {
	end := m[1]
	// Only a value its line's break follows goes on: that is read
	// first, for the column below reads back to the line's start (on a
	// line of many quoted values, once a value: quadratic).
	if !strings.HasPrefix(s[end:], "\n") && !strings.HasPrefix(s[end:], "\r\n") || !closedQuoted(s, re, m) {
		return end
	}
	v := m[3] // the value's start: its prefix or opening quote
	lineStart := strings.LastIndexByte(s[:v], '\n') + 1
	col := v - lineStart
	// s's first line may be the end of a line whose start a writer
	// wrote before (a Redactor cuts a partial line at its blanks): its
	// opening quote's column is then col or more.
	cut := lineStart == 0
	for {
		i := end
		if strings.HasPrefix(s[i:], "\r\n") {
			i += 2
		} else if strings.HasPrefix(s[i:], "\n") {
			i++
		} else {
			return end
		}
		indent := len(s[i:]) - len(strings.TrimLeft(s[i:], " "))
		if indent < col || indent > col && !cut {
			return end
		}
		i += indent
		for n := 0; n < 2 && i < len(s) && strings.IndexByte("burfBURF", s[i]) >= 0; n++ {
			i++
		}
		if i >= len(s) || s[i] != '\'' && s[i] != '"' {
			return end
		}
		q := s[i]
		j := i + 1
		for j < len(s) && s[j] != q && s[j] != '\n' {
			if s[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(s) || s[j] != q {
			return end
		}
		end = j + 1
	}
}

// closedQuoted reports whether re's match m is a value in single or
// double quotes, closed.
func closedQuoted(s string, re *lazyre.Regexp, m []int) bool {
	if m[1] == 0 || s[m[1]-1] != '\'' && s[m[1]-1] != '"' {
		return false
	}
	closing := passwordREClosing
	if re == passwordColonRE {
		closing = passwordColonREClosing
	}
	for _, g := range closing {
		if m[2*g] >= 0 && m[2*g+1] > m[2*g] {
			return true
		}
	}
	return false
}

// ContinuedValueAt is, for s (lines whose last line break is taken off),
// where the line starts whose password keyword has a quoted value that
// closes at s's end, or -1: the next line may go on with it
// (continuedEnd), and a writer that masks line by line holds s from there
// until the next line shows whether it does.
func ContinuedValueAt(s string) int {
	if s == "" || s[len(s)-1] != '\'' && s[len(s)-1] != '"' {
		return -1
	}
	for _, re := range []*lazyre.Regexp{passwordRE, passwordColonRE} {
		if re == passwordRE && !mayHoldPasswordKeyword(s) || re == passwordColonRE && !mayHoldPasswordColon(s) {
			continue
		}
		last := lastKeyword(s, re, func(m []int) int { return continuedEnd(s, re, m) })
		if last != nil && last[1] == len(s) && closedQuoted(s, re, last) {
			return strings.LastIndexByte(s[:last[0]], '\n') + 1
		}
	}
	return -1
}

// libpqKeyword reports whether the match's keyword part g starts with
// libpq's own spelling, password or sslpassword in lower case: a
// keyword/value string whose pair before it a writer may have written
// already (the keyword then starts the text it masks).
func libpqKeyword(g string) bool {
	k := g[:strings.IndexAny(g, reSpace+"=")]
	return k == "password" || k == "sslpassword"
}

// pairBefore reports whether a key=value pair ends, across white space
// (line breaks too), before the keyword at k: libpq's keyword/value
// string, one pair a line maybe.
func pairBefore(s string, k int) bool {
	i := k
	for i > 0 && strings.IndexByte(reSpace, s[i-1]) >= 0 {
		i--
	}
	if i == k || i == 0 {
		return false
	}
	j := i
	for j > 0 && strings.IndexByte(reSpace+"'\"", s[j-1]) < 0 {
		j--
	}
	key, _, ok := strings.Cut(s[j:i], "=")
	return ok && key != ""
}

// tookPart reports whether one of the groups took part in the match m.
func tookPart(m []int, groups []int) bool {
	for _, g := range groups {
		if m[2*g] >= 0 {
			return true
		}
	}
	return false
}

// connectionStringEnd is where an unquoted value, which the pattern ran
// to white space at end, ends in a .NET connection string (ADO.NET,
// Npgsql: Host=db;Password=a b;Port=5432, Pwd=, User Password=), where a
// bare value runs to the ';' and may hold blanks. Only .NET's keywords
// (password, pwd) are read so, and only as a connection string's pair:
// after a ';' or at the start of its line or of a string, the value runs
// to the next ';' on the line, else to the line's end (for the first pair
// only when no '=' follows on the line: libpq's password=x host=db);
// elsewhere, to a ';' with no '=' before it on the line (a message's
// "Password = a b;").
// Otherwise (libpq's host=h password=x user=y, the shell's PGPASSWORD=x
// cmd) it is end. More may be masked in prose (password=x is wrong; ...):
// nothing is shown.
//
// The next ';', line end and '=' are found once and kept in ahead while
// the keywords pass them, so a line of many keywords is read once.
func connectionStringEnd(s string, k, v, end int, ahead *nextBytes) int {
	w := k
	for w < len(s) && (asciiLetter(s[w]) || s[w] >= utf8.RuneSelf) {
		w++
	}
	if kw := s[k:w]; !strings.EqualFold(kw, "password") && !strings.EqualFold(kw, "pwd") {
		return iniEnd(s, k, w, v, end)
	}
	afterSemi, first := pairStart(s, k)
	if s[v:end] == Mask && end < len(s) && (s[end] == ' ' || s[end] == '\t') && !afterSemi && !first {
		// Masked already, in dbguard's own words ("password=**** (move
		// it to ...; a false positive ..."): the sentence is no value.
		// Not a connection string's pair: Host=db;Password=**** Z;
		// is a password that starts with the mask (make fuzz found it
		// showing " Z").
		return end
	}
	from := end
	if q := escapedQuoteAt(s, v); q != 0 {
		// A quoted value inside a string that escapes its quotes
		// ("Password=\"a;b\"" in JSON): its ';' is no end.
		from = max(end, closingEscapedQuote(s, v+2, q))
	}
	line := min(ahead.next(s, from, '\n', 0), ahead.next(s, from, '\r', 1))
	semi := ahead.next(s, from, ';', 2)
	if semi >= line {
		semi = -1
	}
	eq := ahead.next(s, from, '=', 3)
	switch {
	case (afterSemi || first) && semi >= 0:
		return semi
	case afterSemi:
		return line
	case first && eq >= line:
		// One pair on its line: to its end. A libpq string that starts
		// with password= (password=x host=db) ends at the blank.
		return line
	case semi >= 0 && eq > semi:
		return semi
	}
	return iniEnd(s, k, w, v, end)
}

// iniEnd is where an unquoted value at s[v:end] ends when the keyword at
// k (its letters end at w) starts an INI file's line (db_password = a b,
// DB_PASS = a b: Python's configparser, PHP's parse_ini_file and git's
// config read a bare value to the line's end, blanks and all): the line's
// end, if the keyword and the name it ends are first on their line and a
// blank stands around the '='. A shell's PGPASSWORD=x cmd has none: its
// value ends at end. Nor does a libpq keyword/value string that starts
// with its password (password = x host=db: libpq's conninfo parser reads
// blanks around '=' and ends a bare value at a blank): libpq's own
// keyword, in its spelling, whose value only libpq pairs follow to the
// line's end (conninfoPairs), ends at end too.
func iniEnd(s string, k, w, v, end int) int {
	if strings.IndexAny(s[w:v], " \t") < 0 && !strings.ContainsRune(s[w:v], '\u00a0') {
		return end
	}
	name := k
	for name > 0 && (asciiLetter(s[name-1]) || s[name-1] >= '0' && s[name-1] <= '9' || s[name-1] == '_' || s[name-1] == '.' || s[name-1] == '-') {
		name--
	}
	if !firstOnLine(s, name) {
		return end
	}
	line := lineEnd(s, v)
	if kw := s[name:w]; (kw == "password" || kw == "sslpassword") && conninfoPairs(s[end:line]) && !iniSection(s, blanksBefore(s, name)) {
		return end
	}
	return max(end, line)
}

// iniQuotedThenMore is, for a quoted value s[v:q] after the keyword at
// k, the end of its line when the keyword starts a line of an INI
// section (iniSection) with a blank around its '=', and more than blanks
// follows the quote on the line (password = ""&x host=db: the value is
// the line's rest); else -1.
func iniQuotedThenMore(s string, k, v, q int) int {
	if s[q] == '\n' || s[q] == '\r' || strings.IndexAny(s[k:v], " \t") < 0 {
		return -1
	}
	name := k
	for name > 0 && (asciiLetter(s[name-1]) || s[name-1] >= '0' && s[name-1] <= '9' || s[name-1] == '_' || s[name-1] == '.' || s[name-1] == '-') {
		name--
	}
	i := name
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
		i--
	}
	if i == 0 || s[i-1] != '\n' {
		return -1
	}
	line := strings.IndexAny(s[q:], "\r\n")
	if line < 0 {
		line = len(s)
	} else {
		line += q
	}
	if strings.TrimRight(s[q:line], " \t") == "" || !iniSection(s, i) {
		return -1
	}
	return line
}

// maxINISection is how far back from a keyword's line iniSection reads
// for its section's header: a bound, so a text of many such lines is read
// a bounded number of times.
const maxINISection = 4096

// iniSection reports whether the line that starts at ls in s is in an
// INI file's section (a configparser file, a pg_service.conf): a line
// [name] comes before it, within maxINISection bytes, and only lines
// an INI section holds between them (blank, a comment, key = value or
// key: value, an indented continuation). There a value runs to the line's
// end (password = x host=db is the password "x host=db", as configparser
// and libpq's service file read it), not as a keyword/value string.
func iniSection(s string, ls int) bool {
	stop := max(0, ls-maxINISection)
	for end := ls - 1; end > stop; {
		start := strings.LastIndexByte(s[stop:end], '\n') + 1 + stop
		if start == stop && stop > 0 {
			return false // the line is cut by the bound
		}
		line := s[start:end]
		t := strings.TrimRight(line, " \t\r")
		switch INILine(line, t != "" && t[len(t)-1] == ']') {
		case INIHeader:
			return true
		case INIOther:
			return false
		}
		end = start - 1
	}
	return false
}

// What a line is to an INI section (INILine).
const (
	INIOther  = iota // ends a section: no INI file's line
	INIHeader        // [name]: starts one
	INIInside        // blank, a comment, key = value, a continuation
)

// INILine is what a line, whose start is head (its first bytes, maybe
// all of it), is to an INI section: a header where head starts with '['
// and the line's last byte that is no blank is ']' (closed); a line a
// section holds (blank, a comment, an indented continuation, key = value
// or key: value); or neither. A writer that keeps only a line's start
// decides with it as iniSection does with the whole line.
func INILine(head string, closed bool) int {
	switch t := strings.TrimLeft(head, " \t"); {
	case strings.TrimRight(t, "\r\n") == "" || t[0] == '#' || t[0] == ';' || len(t) < len(head):
		return INIInside
	case t[0] == '[':
		if closed {
			return INIHeader
		}
		return INIOther
	case iniKeyLine(t):
		return INIInside
	}
	return INIOther
}

// iniKeyLine reports whether t is an INI line's key (letters, digits,
// "_.-", blanks) and '=' or ':'.
func iniKeyLine(t string) bool {
	i := 0
	for i < len(t) && (asciiLetter(t[i]) || t[i] >= '0' && t[i] <= '9' || strings.IndexByte("_.- \t", t[i]) >= 0) {
		i++
	}
	return i > 0 && i < len(t) && (t[i] == '=' || t[i] == ':')
}

// conninfoFirst reports whether the keyword at k starts a libpq
// keyword/value string: libpq's own password or sslpassword, first on its
// line, its value (from a quoted piece that ends at q) running to a blank
// after which only libpq pairs follow (password = ""&Z host=db: libpq's
// bare value may start with a quoted piece, and only a blank ends it).
func conninfoFirst(s string, k, q int) bool {
	w := k
	for w < len(s) && asciiLetter(s[w]) {
		w++
	}
	if kw := s[k:w]; kw != "password" && kw != "sslpassword" {
		return false
	}
	if !firstOnLine(s, k) {
		return false
	}
	line := lineEnd(s, q)
	end := strings.IndexAny(s[q:line], " \t\f\v")
	if end < 0 || strings.Trim(s[q:q+end], ",;)]}>:") == "" {
		// No blank, or only a separator before it: a call's
		// password = "x", host = 'db'.
		return false
	}
	return conninfoPairs(s[q+end:line]) && !iniSection(s, blanksBefore(s, k))
}

// blanksBefore is where the blanks (spaces, tabs) just before s[i]
// start: the line's start when s[i] is first on its line (firstOnLine).
func blanksBefore(s string, i int) int {
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
		i--
	}
	return i
}

// firstOnLine reports whether only blanks (spaces, tabs) stand before
// s[i] on its line.
func firstOnLine(s string, i int) bool {
	i = blanksBefore(s, i)
	return i == 0 || s[i-1] == '\n' || s[i-1] == '\r'
}

// lineEnd is where the line holding s[i] ends: its '\r' or '\n', or len(s).
func lineEnd(s string, i int) int {
	if n := strings.IndexAny(s[i:], "\r\n"); n >= 0 {
		return i + n
	}
	return len(s)
}

// conninfoPairs reports whether rest, what follows a bare value on its
// line, is one or more libpq keyword/value pairs and nothing else, as
// libpq's conninfo_parse reads them: blanks, a keyword libpq knows (in
// its spelling), blanks maybe, '=', blanks maybe, then a value quoted in
// single quotes (a backslash escapes) or bare to a blank. An INI value's
// words (password = a b c) are no such pairs, and run to the line's end.
func conninfoPairs(rest string) bool {
	pairs := 0
	for i := 0; ; {
		for i < len(rest) && strings.IndexByte(" \t\f\v", rest[i]) >= 0 {
			i++
		}
		if i == len(rest) {
			return pairs > 0
		}
		if pairs == 0 && i == 0 {
			return false // the value goes on: no blank after it
		}
		j := i
		for j < len(rest) && (asciiLetter(rest[j]) || rest[j] == '_') {
			j++
		}
		if !libpqKeywords[rest[i:j]] {
			return false
		}
		for j < len(rest) && strings.IndexByte(" \t\f\v", rest[j]) >= 0 {
			j++
		}
		if j == len(rest) || rest[j] != '=' {
			return false
		}
		j++
		for j < len(rest) && strings.IndexByte(" \t\f\v", rest[j]) >= 0 {
			j++
		}
		if j < len(rest) && rest[j] == '\'' {
			for j++; j < len(rest) && rest[j] != '\''; j++ {
				if rest[j] == '\\' {
					j++
				}
			}
			if j >= len(rest) {
				return false // an open quote: not libpq's
			}
			j++
		} else {
			for j < len(rest) && strings.IndexByte(" \t\f\v", rest[j]) < 0 {
				if rest[j] == '\\' {
					j++
				}
				j++
			}
		}
		if j > len(rest) {
			return false
		}
		pairs++
		i = j
	}
}

// escapedQuoteAt is the quote at s[v:] written with a backslash before
// it (\" or \'), or 0.
func escapedQuoteAt(s string, v int) byte {
	if v+1 < len(s) && s[v] == '\\' && (s[v+1] == '"' || s[v+1] == '\'') {
		return s[v+1]
	}
	return 0
}

// closingEscapedQuote is the index after the escaped quote q that closes
// a value whose inside starts at i (a doubled quote, \q\q, is one
// quote in it), or the line's end.
func closingEscapedQuote(s string, i int, q byte) int {
	for ; i < len(s) && s[i] != '\n' && s[i] != '\r'; i++ {
		if escapedQuoteAt(s, i) != q {
			continue
		}
		if escapedQuoteAt(s, i+2) == q {
			i += 3
			continue
		}
		return i + 2
	}
	return i
}

// nextBytes keeps where the next of a few bytes is, and from where it was
// looked for, so that a later question from a position between the two
// is answered without reading the text again.
type nextBytes struct {
	from, at [4]int // at: index+1 of what was found, 0 unknown
}

// next is the index of the first c at or after from in s (len(s) if none),
// kept in slot i.
func (n *nextBytes) next(s string, from int, c byte, i int) int {
	if p := n.at[i] - 1; p >= from && n.from[i] <= from {
		return p
	}
	p := strings.IndexByte(s[from:], c)
	if p < 0 {
		p = len(s)
	} else {
		p += from
	}
	n.from[i], n.at[i] = from, p+1
	return p
}

// pairStart reports whether the keyword at k starts a .NET connection
// string's pair: after a ';' (afterSemi), or first, at the start of its
// line or after a quote (blanks, and Npgsql's "User " before Password,
// between).
func pairStart(s string, k int) (afterSemi, first bool) {
	i := k
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
		i--
	}
	if i >= 4 && strings.EqualFold(s[i-4:i], "user") {
		i -= 4
		for i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
			i--
		}
	}
	if i > 0 && s[i-1] == ';' {
		return true, false
	}
	return false, i == 0 || strings.IndexByte("\n\r\"'", s[i-1]) >= 0
}

// OpenPasswordValue returns where, in s, the password keyword starts
// whose quoted value is still open at s's end (no closing quote yet), or
// -1. A quoted password may hold a line break (YAML's and SQL's single
// quotes, the shell's): a writer that masks line by line holds s from
// there until the value closes, so the rest of it is masked with it.
func OpenPasswordValue(s string) int {
	// A backslash at the end escapes what comes next (a double-quoted
	// YAML or shell string's line break) or is a character of the value
	// (YAML's single quotes): either way the quote is still open, which
	// the patterns, that pair a backslash with the byte after it, did not
	// see (FuzzRedactorSplitSecret: 'ZZZZZ\ then Z' on the next line).
	if n := len(s) - len(strings.TrimRight(s, `\`)); n%2 == 1 {
		s = s[:len(s)-1]
	}
	open := -1
	if mayHoldPasswordKeyword(s) {
		open = max(open, openAt(s, passwordRE, passwordREClosing))
	}
	if mayHoldPasswordColon(s) {
		open = max(open, openAt(s, passwordColonRE, passwordColonREClosing))
	}
	if mayHoldSQLPassword(s) {
		if loc := sqlOpenRE.FindStringIndex(s); loc != nil {
			open = max(open, loc[0])
		}
	}
	return open
}

// sqlOpenRE is sqlPasswordRE's string still open at the text's end.
var sqlOpenRE = lazyre.New(`(?i)\bpassword[\s\p{Zs}]+e?'(?:[^'\\]|''|\\.)*$`)

// openAt is OpenPasswordValue for one pattern, whose closing quotes are
// the groups closing: the last match (as maskKeywords finds them), if it
// runs to s's end with a quote opened and not closed.
func openAt(s string, re *lazyre.Regexp, closing []int) int {
	last := lastKeyword(s, re, nil)
	if last == nil || last[1] != len(s) {
		return -1
	}
	for _, g := range closing {
		if last[2*g] >= 0 && last[2*g] == last[2*g+1] {
			return last[0] // the quote opened, its closing group empty
		}
	}
	return -1
}

// lastKeyword is re's last match in s that is a password's keyword (not
// "pass" ending an ordinary word), the matches read as maskKeywords reads
// them, each ending where end says (nil: where it matched); nil for none.
func lastKeyword(s string, re *lazyre.Regexp, end func(m []int) int) []int {
	var last []int
	var nl lineBreaks
	for pos := 0; pos < len(s); {
		m := nextMatch(re, s, pos, &nl)
		if m == nil {
			break
		}
		if ordinaryWordBefore(s, m[0]) {
			pos = m[0] + 1
			continue
		}
		if end != nil {
			m[1] = end(m)
		}
		last, pos = m, max(m[1], m[0]+1)
	}
	return last
}

// passWords are the ordinary words that end in "pass", by the letters
// before it: compass, encompass, bypass, surpass, trespass, overpass,
// underpass. A keyword glued to anything else (dbpass, rootPass,
// DB_PASS, PGPASS) is still a password's.
var passWords = []string{"com", "by", "sur", "tres", "over", "under"}

// ordinaryWordBefore reports whether the keyword match at i is "pass"
// ending one of passWords.
func ordinaryWordBefore(s string, i int) bool {
	if len(s)-i < 4 || !strings.EqualFold(s[i:i+4], "pass") || i+4 < len(s) && asciiLetter(s[i+4]) {
		return false
	}
	for _, w := range passWords {
		if i >= len(w) && strings.EqualFold(s[i-len(w):i], w) {
			return true
		}
	}
	return false
}

// unquotedEnd is where an unquoted value at s[v:end] (the pattern runs
// it to white space) ends, for the keyword at k: at the quote that closes
// a string the keyword is in ({"dsn":"host=h password=x"}, Python's
// 'password=x'), where that quote is followed by the end or by , ; : ) ]
// } > (a quote followed by anything else is part of the value: an
// apostrophe in prose before the keyword opens no string), and in a URL's
// query at '&'. A backslash escapes the byte after it (JSON's \").
func unquotedEnd(s string, k, v, end int, q byte) int {
	query := inQuery(s, k)
	for i := v; i < end; i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case c == '&' && query:
			return i
		case q != 0 && c == q && (i+1 == len(s) || valueEnds(s[i+1])):
			return i
		}
	}
	return end
}

// valueEnds reports whether c after a quote ends the value: white space
// or , ; : ) ] } >.
func valueEnds(c byte) bool { return strings.IndexByte(" \t\n\f\r\v,;:)]}>", c) >= 0 }

// closesValue reports whether rest, what follows a quoted piece of an
// assigned value, ends the value. After a libpq key=value pair (libpq:
// host=db password=...), only white space or the end does: libpq's bare
// value may start with a quoted piece and go on with anything but white
// space ("");Z is one value). Elsewhere also a separator (, ; &: .NET's
// Password="x";Host=db, a call's password="x",user="y"), or a run of
// ) ] } > : up to one of those.
func closesValue(rest string, libpq bool) bool {
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case strings.IndexByte(" \t\n\f\r\v", c) >= 0:
			return true
		case libpq:
			return false
		case strings.IndexByte(",;&", c) >= 0:
			return true
		case strings.IndexByte(")]}>:", c) < 0:
			return false
		}
	}
	return true
}

// libpqPairBefore reports whether the keyword at k follows, on its line, a
// key=value pair and white space: a libpq keyword/value string. It reads
// back over that pair only, so a line of many keywords costs linear time.
func libpqPairBefore(s string, k int) bool {
	i := k
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
		i--
	}
	if i == k {
		return false
	}
	j := i
	for j > 0 && !strings.ContainsRune(" \t\n\r\f\v'\"", rune(s[j-1])) {
		j--
	}
	key, _, ok := strings.Cut(s[j:i], "=")
	if !ok || key == "" || !(asciiLetter(key[0]) || key[0] == '_') {
		return false
	}
	for n := 1; n < len(key); n++ {
		if c := key[n]; !asciiLetter(c) && c != '_' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// enclosingQuote is the quote of the string the text at k is in, as read
// from the start of its line: a double quote, a single quote, or 0.
func enclosingQuote(s string, k int) byte {
	var q byte
	for i := strings.LastIndexByte(s[:k], '\n') + 1; i < k; i++ {
		switch c := s[i]; {
		case q != 0 && c == '\\':
			i++
		case q != 0 && c == q:
			q = 0
		case q == 0 && (c == '"' || c == '\''):
			q = c
		}
	}
	return q
}

// maxLineTail is how much of a long line's written start
// CompactLineStart keeps as it was: the words a rule reads back to from
// a keyword (libpq's pair before it) are in it.
const maxLineTail = 128

// CompactLineStart is, for ls, the written start of an open line (no
// line break in it), a shorter text after which the patterns read the
// rest of the line as they read it after ls: the state the line's start
// leaves, not its bytes. It keeps ls's last words (up to maxLineTail
// bytes, from a blank) and puts before them what the rules read back to
// the line's start for: a word when anything but blanks came before
// (the keyword is not first on its line: an INI line, a .NET pair, a
// YAML key), pgx's "cannot parse `" when its string is still open (the
// words after a password's value in it are masked), and the quote the
// kept words start inside (the string a keyword is in ends its value).
// A writer that keeps a long line's start so keeps bounded bytes and
// reads each byte of it a bounded number of times.
func CompactLineStart(ls string) string {
	cut := 0
	if len(ls) > maxLineTail {
		cut = len(ls)
		if i := strings.IndexAny(ls[len(ls)-maxLineTail:], " \t"); i >= 0 {
			cut = len(ls) - maxLineTail + i + 1
		}
	}
	head := ls[:cut]
	var b strings.Builder
	b.Grow(len(ls) - cut + 20)
	if strings.TrimLeft(head, " \t") != "" {
		b.WriteString("x ")
	}
	if i := strings.LastIndex(head, pgxCannotParse); i >= 0 && strings.IndexByte(head[i+len(pgxCannotParse):], '`') < 0 {
		b.WriteString(pgxCannotParse)
	}
	if q := enclosingQuote(ls, cut); q != 0 {
		b.WriteByte(q)
	}
	b.WriteString(ls[cut:])
	return b.String()
}

// quoteState is enclosingQuote read on from where its last answer left
// off: maskKeywords asks at increasing positions, so a line of many
// keywords is read once, not from its start for each (4,000 keywords on
// one line took 0.18 s, 40,000 some 18 s).
type quoteState struct {
	next int // s[:next] is read
	q    byte
}

// at is enclosingQuote(s, k).
func (st *quoteState) at(s string, k int) byte {
	if k < st.next {
		return enclosingQuote(s, k)
	}
	i := st.next
	for ; i < k; i++ {
		switch c := s[i]; {
		case c == '\n':
			st.q = 0
		case st.q != 0 && c == '\\':
			if i+1 < len(s) && s[i+1] == '\n' {
				continue // the line ends: enclosingQuote starts the next afresh
			}
			i++
		case st.q != 0 && c == st.q:
			st.q = 0
		case st.q == 0 && (c == '"' || c == '\''):
			st.q = c
		}
	}
	st.next = i
	return st.q
}

// inQuery reports whether the keyword at i names a URL query parameter:
// the parameter's name (letters, digits, '_', '-', '.') follows '?' or '&'.
func inQuery(s string, i int) bool {
	for i > 0 && (schemeChar(s[i-1]) || s[i-1] == '_') {
		i--
	}
	return i > 0 && (s[i-1] == '?' || s[i-1] == '&')
}

// redactUserinfo is userinfoRE.ReplaceAllString(s, "${1}:****@"), run
// only on the words that can hold a match. No match spans white space (as
// \s has it: tab, newline, form feed, carriage return, space) and the
// pattern looks at nothing outside its match, so each word is masked as
// it would be inside the whole text; the others are copied. Where the
// whole text went through the pattern, a report of 1,500 URLs among
// 180 KB of file names and padding spent most of its time there.
func redactUserinfo(s string) string {
	s, _ = redactUserinfoWords(s)
	return s
}

// redactUserinfoWords is redactUserinfo, and whether a word it passed
// is a URL cut inside its password (openUserinfo), whose '@' a raw blank
// may have put in a later word: then maskSpacedUserinfo has work.
func redactUserinfoWords(s string) (string, bool) {
	open := false
	var b strings.Builder
	last := 0 // s[:last] is in b, when b is used
	for i := 0; i < len(s); {
		j := indexColonSlash(s[i:])
		if j < 0 {
			break
		}
		j += i
		start := strings.LastIndexAny(s[:j], reSpace) + 1
		end := strings.IndexAny(s[j:], reSpace)
		if end < 0 {
			end = len(s)
		} else {
			end += j
		}
		if word := s[start:end]; strings.IndexByte(word, '@') < 0 {
			q, _ := openUserinfoAt(word)
			open = open || q >= 0
		} else if masked := maskWordUserinfo(word); masked != word {
			if b.Len() == 0 {
				b.Grow(len(s) + 16)
			}
			b.WriteString(s[last:start])
			b.WriteString(masked)
			last = end
		}
		i = end
	}
	if last == 0 {
		return s, open
	}
	b.WriteString(s[last:])
	return b.String(), open
}

// maskWordUserinfo is userinfoRE.ReplaceAllString(w, "${1}:****@") for a
// word w (no white space), by hand where w is ASCII: there (?i)[a-z] is
// [a-zA-Z] ('ſ' and the Kelvin sign, which fold to 's' and 'k', are not
// ASCII; such a word goes through the pattern). In one word the pattern
// matches at most once: its \S*@ runs to the word's last '@'. The match
// starts at the first letter of the scheme characters before the first
// colon from which "//" (each '/' maybe escaped), a user without ':',
// '/', '\', '?', '#' or '@', then ':' and a later '@' follow.
func maskWordUserinfo(w string) string {
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return userinfoRE.ReplaceAllString(w, "${1}:"+Mask+"@")
		}
	}
	lastAt := strings.LastIndexByte(w, '@')
	for c := 0; c < len(w); c++ {
		if w[c] != ':' {
			continue
		}
		// The scheme: the run of scheme characters before the colon, from
		// its first letter.
		p := c
		for p > 0 && schemeChar(w[p-1]) {
			p--
		}
		for p < c && !asciiLetter(w[p]) {
			p++
		}
		if p == c {
			continue
		}
		q := c + 1
		for range 2 {
			switch {
			case q+1 < len(w) && w[q] == '\\' && w[q+1] == '/':
				q += 2
			case q < len(w) && w[q] == '/':
				q++
			default:
				q = -1
			}
			if q < 0 {
				break
			}
		}
		if q < 0 {
			continue
		}
		for q < len(w) && !strings.ContainsRune(":/\\?#@", rune(w[q])) {
			q++
		}
		if q >= len(w) || w[q] != ':' || lastAt < q {
			continue
		}
		if w[q+1:lastAt] == Mask {
			return w
		}
		return w[:q] + ":" + Mask + "@" + w[lastAt+1:]
	}
	return w
}

// maskSpacedUserinfo masks a URL's password that holds a raw blank
// (postgres://u:a b@h/d), which redactUserinfo, reading word by word,
// does not see: libpq reads the userinfo to the first '@' before any '/'
// (conninfo_uri_parse_options), blanks and all. The password runs from
// a word that is a URL cut inside it (openUserinfo) to an '@' on the same
// line, before any '/', quote or angle bracket. A word whose "password"
// is digits only (postgres://u:1234) may be a host and its port: it is
// a password cut by a blank (postgres://u:1234 5678@h, which libpq
// reads as the password "1234 5678") when every word after it but the
// one its '@' ends is digits too, within maxDigitSpan bytes; prose after
// a port (postgres://localhost:5432 or mail me@x.org) shows.
func maskSpacedUserinfo(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "://")
		if j < 0 {
			break
		}
		j += i
		start := strings.LastIndexAny(s[:j], reSpace) + 1
		end := strings.IndexAny(s[j:], reSpace)
		if end < 0 {
			break
		}
		end += j
		i = end
		q, digits := openUserinfoAt(s[start:end])
		if q < 0 {
			continue
		}
		k := strings.IndexAny(s[end:], userinfoStops)
		if k < 0 || s[end+k] != '@' || digits && !digitPassword(s[end:end+k], s[end+k+1:]) {
			continue
		}
		b.WriteString(s[last : start+q])
		b.WriteString(":" + Mask + "@")
		last = end + k + 1
		i = last
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// userinfoStops end a password with a blank in it: its '@', or what
// no URL's userinfo holds raw in text (a path's '/', a line break, a
// quote or an angle bracket that closes the text the URL is in).
const userinfoStops = "@/\n\r\"'<>`"

// UserinfoStops is userinfoStops, for a writer that holds a URL cut
// inside its password until one comes.
const UserinfoStops = userinfoStops

// openUserinfo is, for a word w that is a URL cut inside its password
// (scheme://user:pass, no '@', '/', '?' or '#' after the ':'), the index
// of that ':'; else -1. A port (h:5432, digits only) is no password.
func openUserinfo(w string) int {
	if c, digits := openUserinfoAt(w); !digits {
		return c
	}
	return -1
}

// openUserinfoAt is openUserinfo that also takes digits after the ':',
// and says so (digits): a host's port, or a password of digits that a
// raw blank cuts (postgres://u:1234 5678@h).
func openUserinfoAt(w string) (c int, digits bool) {
	i := strings.Index(w, "://")
	if i <= 0 || strings.IndexByte(w, '@') >= 0 {
		return -1, false
	}
	// The scheme: the scheme characters before "://" from the first
	// letter, as userinfoRE reads it (a quote may come before it: Go's
	// url.Error writes parse "postgres://...").
	p := i
	for p > 0 && schemeChar(w[p-1]) {
		p--
	}
	for p < i && !asciiLetter(w[p]) {
		p++
	}
	if p == i {
		return -1, false
	}
	c = strings.IndexAny(w[i+3:], ":/\\?#")
	if c < 0 || w[i+3+c] != ':' {
		return -1, false
	}
	c += i + 3
	rest := w[c+1:]
	if rest == "" || strings.IndexAny(rest, "/?#\\") >= 0 {
		return -1, false
	}
	return c, strings.Trim(rest, "0123456789") == ""
}

// maxDigitSpan is the most text, after a URL whose password would be
// digits so far, that may still be the rest of that password: the most a
// writer holds such a line (maxHeldOpen in output), a password's bound.
// Round 13 read 64 bytes: a password of 26 digit groups showed whole.
const maxDigitSpan = 4096

// digitPassword reports whether span, what follows a URL word whose
// password so far is digits (a blank first) up to the '@' that ends it,
// is the rest of that password, not a port and prose after it; after is
// the text after the '@'. Within maxDigitSpan bytes before its last
// blank, it is when every word in span but the last is digits only
// (postgres://u:12 34 56@h), or when the '@' is followed by a URL's
// host and what ends one, '/', ':' and a digit, or '?'
// (postgres://u:1234 ab cd@h/db): an e-mail address in prose after a
// port (postgres://localhost:5432 or mail me@x.org) has none of these.
func digitPassword(span, after string) bool {
	return digitWords(span) || mayDigitPassword(span) && hostThenURL(after)
}

// hostThenURL reports whether s, the text after a URL's '@', starts
// with a host (letters, digits, ".-_%", an IPv6 address's brackets and
// colons, ',' between hosts) followed by '/', ':' and a digit, or '?'.
func hostThenURL(s string) bool {
	i := 0
	for i < len(s) && (asciiLetter(s[i]) || s[i] >= '0' && s[i] <= '9' || strings.IndexByte(".-_%[],", s[i]) >= 0) {
		if s[i] == '[' {
			if c := strings.IndexByte(s[i:], ']'); c > 0 {
				i += c
			}
		}
		i++
	}
	switch {
	case i == 0 || i == len(s):
		return false
	case s[i] == '/' || s[i] == '?':
		return true
	case s[i] == ':':
		return i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9'
	}
	return false
}

// mayDigitPassword reports whether span, what follows a URL word whose
// password so far is digits (a blank first), may still go on with that
// password once its '@' comes (digitPassword): its last blank is within
// maxDigitSpan bytes. A writer holds such a line while it is.
func mayDigitPassword(span string) bool {
	return strings.LastIndexAny(span, reSpace) < maxDigitSpan
}

// digitWords reports whether span, what follows a URL word whose password
// so far is digits (a blank first), is digits only but its last word
// (the one an '@' ends, or one still being written), within
// maxDigitSpan bytes before its last blank.
func digitWords(span string) bool {
	last := strings.LastIndexAny(span, reSpace)
	if last >= maxDigitSpan {
		return false
	}
	for _, w := range strings.FieldsFunc(span[:last+1], func(r rune) bool { return strings.ContainsRune(reSpace, r) }) {
		if strings.Trim(w, "0123456789") != "" {
			return false
		}
	}
	return true
}

// OpenUserinfo reports whether s, a partial line, ends inside a URL's
// password that a raw blank may continue (postgres://u:a b@h), or has
// its '@' after its last blank: a writer that cuts at the last blank
// holds it for a blank after the '@', or the line's end. A password of
// digits so far (postgres://u:1234, a port maybe) is held while the
// words after it may still be the rest of it (digitWords).
func OpenUserinfo(s string) bool {
	open, _ := openUserinfoEnd(s)
	return open
}

// OpenUserinfoDigits reports whether OpenUserinfo holds s for a password
// of digits so far: a blank, not only what ends a password, may end the
// hold (a word of letters after the port).
func OpenUserinfoDigits(s string) bool {
	open, digits := openUserinfoEnd(s)
	return open && digits
}

// openUserinfoEnd is OpenUserinfo, and whether the password so far is
// digits.
func openUserinfoEnd(s string) (open, digits bool) {
	i := strings.LastIndex(s, "://")
	if i < 0 {
		return false, false
	}
	start := strings.LastIndexAny(s[:i], reSpace) + 1
	end := strings.IndexAny(s[i:], reSpace)
	if end < 0 {
		end = len(s)
	} else {
		end += i
	}
	c, digits := openUserinfoAt(s[start:end])
	if c < 0 || strings.IndexAny(s[start:], " \t") < 0 {
		return false, false // no URL, or no blank after its start to cut at
	}
	k := strings.IndexAny(s[end:], userinfoStops)
	span := s[end:]
	if k >= 0 {
		span = span[:k]
	}
	// Digits so far may be a port: the words after it are the password
	// when digitPassword says so, which its '@' word, whole (a blank
	// after it), decides; till then they may be, within maxDigitSpan.
	atWhole := k >= 0 && strings.IndexAny(s[end+k:], " \t") >= 0
	if digits && (!atWhole && !mayDigitPassword(span) || atWhole && !digitPassword(span, s[end+k+1:])) {
		return false, false
	}
	// Open, or closed by an '@' after the last blank: a cut at that
	// blank would cut the password.
	return k < 0 || s[end+k] == '@' && strings.IndexAny(s[end+k:], " \t") < 0, digits
}

func asciiLetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }

func schemeChar(b byte) bool {
	return asciiLetter(b) || b >= '0' && b <= '9' || b == '+' || b == '.' || b == '-'
}

// reSpace is what \s matches in a Go regular expression.
const reSpace = "\t\n\f\r "

// indexColonSlash is the index of the first ":/" or ":\/" in s, -1 if none:
// where userinfoRE's scheme ends.
func indexColonSlash(s string) int {
	for i := 0; ; {
		k := strings.IndexByte(s[i:], ':')
		if k < 0 {
			return -1
		}
		k += i
		if rest := s[k+1:]; strings.HasPrefix(rest, "/") || strings.HasPrefix(rest, "\\/") {
			return k
		}
		i = k + 1
	}
}

// mayHoldUserinfo reports whether userinfoRE can match s: it needs an
// '@' and a ":/" (or ":\/", JSON's escaped slash). These are ASCII
// characters no other character case-folds to.
func mayHoldUserinfo(s string) bool {
	return strings.IndexByte(s, '@') >= 0 && (strings.Contains(s, ":/") || strings.Contains(s, `:\/`))
}

// mayHoldPasswordKeyword reports whether passwordRE can match s: it needs
// one of its keywords, each of which holds "pass" or "pwd", matched as the
// pattern's (?i) matches them: Unicode simple case folding, under which
// 's' is also 'ſ' (U+017F, "paſsword"). The other letters fold only to
// their ASCII other case. The keyword is followed by '=' after white space
// (\s: tab, newline, form feed, carriage return, space): a plan's JSON
// report says "pass" in every status and holds '=' in its SQL, and the
// pattern over it was 10 ms of each plan's client.
func mayHoldPasswordKeyword(s string) bool {
	if strings.IndexByte(s, '=') < 0 {
		return false
	}
	return keywordThen(s, assigned)
}

// mayHoldPasswordColon reports whether passwordColonRE can match s: one
// of the keywords, at most four ASCII letters, a quote maybe, white space,
// ':', white space, then a quote or a backtick.
func mayHoldPasswordColon(s string) bool {
	if strings.IndexByte(s, ':') < 0 || !holdsQuote(s) {
		return false
	}
	return keywordThen(s, colonQuoted)
}

// holdsQuote is strings.ContainsAny(s, "'\"`") in three vectorised byte
// searches: ContainsAny tests a byte at a time, and dbguard env's report
// on 1,000 env files (180 KB, no quote in it) took 2.4% of the command's
// instructions there.
func holdsQuote(s string) bool {
	return strings.IndexByte(s, '"') >= 0 || strings.IndexByte(s, '\'') >= 0 || strings.IndexByte(s, '`') >= 0
}

// colonQuoted is assigned's test for passwordColonRE: at most four ASCII
// letters, a quote maybe, \s, ':', \s, then a quote or a backtick.
func colonQuoted(s string) bool {
	i := 0
	for i < len(s) && i < 4 && ('a' <= s[i]|0x20 && s[i]|0x20 <= 'z') {
		i++
	}
	if i < len(s) && (s[i] == '"' || s[i] == '\'') {
		i++
	}
	i += spaces(s[i:])
	if i >= len(s) || s[i] != ':' {
		return false
	}
	i++
	i += spaces(s[i:])
	for n := 0; n < 2 && i < len(s) && strings.IndexByte("burf", s[i]|0x20) >= 0; n++ {
		i++ // a Python string's prefix: b'...', u'...', rb"..."
	}
	return i < len(s) && (s[i] == '"' || s[i] == '\'' || s[i] == '`')
}

// spaces is the length of the white space s starts with, as blanks has
// it: \s, a Unicode space separator, a backslash that ends a line.
func spaces(s string) int {
	i := 0
	for i < len(s) {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r':
			i++
		case c == '\\' && strings.HasPrefix(s[i+1:], "\n"):
			i += 2
		case c == '\\' && strings.HasPrefix(s[i+1:], "\r\n"):
			i += 3
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			if !unicode.Is(unicode.Zs, r) {
				return i
			}
			i += n
		default:
			return i
		}
	}
	return i
}

// ValueOnNextLine reports whether line (a whole line, its line break
// taken off) ends with a password keyword and its separator, or with SQL's
// PASSWORD in capitals: the value may be on the next line (Ruby's
// pretty-printed "password"=>, an INI's continuation line, libpq's
// password= and a line break, SQL's PASSWORD and the string below), which
// the patterns mask only when they see both lines. A writer that masks
// line by line holds such a line until the next one comes. An unquoted
// keyword before ':' is a prompt ("Password:") more often, and shows.
func ValueOnNextLine(line string) bool {
	t := strings.TrimRightFunc(line, unicode.IsSpace)
	if t == "" || strings.IndexByte("=>:D\\", t[len(t)-1]) < 0 {
		return false
	}
	return valueOnNextLineRE.MatchString(t[max(0, len(t)-64):])
}

// valueOnNextLineRE ends with a keyword and its separator, maybe a
// backslash that continues the line (Python's password = \), or SQL's
// PASSWORD.
var valueOnNextLineRE = lazyre.New(`(?i:(?:password|passwd|passwort|pwd|pass)(?:["']?[\t\f\r \p{Zs}]*=>?|["'][\t\f\r \p{Zs}]*:)(?:[\t\f\r \p{Zs}]*\\)?)$|\bPASSWORD$`)

// PromptAtEnd reports whether s, a partial line, ends like a prompt for
// a password: the keyword, ':' and blanks ("Password: ", "pwd\t:\t"). A
// writer shows a prompt before its answer is typed; the same text is
// also a YAML mapping cut after its key, whose value the next write
// brings with no keyword before it.
func PromptAtEnd(s string) bool {
	t := strings.TrimRight(s, "\t\f\r ")
	if len(t) == len(s) || t == "" || t[len(t)-1] != ':' {
		return false
	}
	return promptKeywordRE.MatchString(t[max(0, len(t)-48):])
}

// PasswordPending reports whether s, a partial line, may stop in the
// middle of a password keyword's value, so that a writer holding it back
// to its white space must wait for the rest: a keyword before '=' (as
// passwordRE has it), or a quoted one before ':' ("password": , as
// passwordColonRE has it). A bare keyword before ':' is a prompt
// ("Password: ") more often, which must show before its answer is typed.
//
// SQL's PASSWORD 'literal' is pending from its quote on, and from the
// white space after the word when it is written in capitals, as SQL is
// (prose's "the password " shows): the string may start in the next
// write, and hold white space.
func PasswordPending(s string) bool {
	return keywordThen(s, pendingAfter) || sqlBlankIn(s) && keywordThen(s, sqlPending)
}

// PasswordPendingOn reports whether s is PasswordPending for a reason
// that more text after it cannot undo: a keyword's separator, or SQL's
// quote, is in s (not the keyword and blanks at its end, which the next
// byte may show to be prose). A writer that holds s for it need not ask
// again until the line ends.
func PasswordPendingOn(s string) bool {
	return keywordThen(s, separatorAfter) || sqlBlankIn(s) && keywordThen(s, sqlQuoteAfter)
}

// sqlBlankIn reports whether s may hold the white space SQL's PASSWORD
// needs before its string: a space, a tab, a form feed, a carriage
// return, or a byte of a Unicode space separator (a line that held
// PASSWORD, a tab or U+00A0 and its string and no ASCII space was not
// held, and its string's rest, past the line's 1 KiB start, was shown).
func sqlBlankIn(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ' ' || c == '\t' || c == '\f' || c == '\r' || c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// separatorAfter is pendingAfter's case that more text cannot undo.
func separatorAfter(s string) bool { pending, atEnd := pendingAt(s); return pending && !atEnd }

// sqlQuoteAfter is sqlPending's case that more text cannot undo: the
// string's quote.
func sqlQuoteAfter(rest string) bool { pending, atEnd := sqlPendingAt(rest); return pending && !atEnd }

// sqlPending is PasswordPending's test for SQL's PASSWORD 'literal': after
// "pass", "word", white space, then the end, an E at the end, or a quote.
func sqlPending(rest string) bool { pending, _ := sqlPendingAt(rest); return pending }

// sqlPendingAt is sqlPending, and whether it holds only as the text ends
// there (the word and its white space, or an E, last).
func sqlPendingAt(rest string) (pending, atEnd bool) {
	if len(rest) < 4 || !strings.EqualFold(rest[:4], "word") {
		return false, false
	}
	n := spaces(rest[4:])
	if n == 0 && !zsPrefix(rest[4:]) {
		return false, false
	}
	capitals := rest[:4] == "WORD"
	rest = rest[4+n:]
	if capitals && (rest == "" || rest == "E" || zsPrefix(rest)) {
		return true, true
	}
	return len(rest) > 0 && rest[0] == '\'' || len(rest) > 1 && rest[0]|0x20 == 'e' && rest[1] == '\'', false
}

// pendingAfter is PasswordPending's test after a keyword's "pass" or
// "pwd": the rest of the keyword, a quote maybe, white space, then '=',
// or ':' after a quoted keyword; or the partial line's end after the
// whole keyword and a blank or a quote ("password ", `"password" `): the
// separator may come in the next write, and the value after it with no
// keyword before it.
func pendingAfter(s string) bool { pending, _ := pendingAt(s); return pending }

// pendingAt is pendingAfter, and whether it holds only as the text ends
// after the keyword (and a quote or blanks).
func pendingAt(s string) (pending, atEnd bool) {
	i := 0
	for i < len(s) && i < 4 && ('a' <= s[i]|0x20 && s[i]|0x20 <= 'z') {
		i++
	}
	whole := i == 0 || strings.EqualFold(s[:i], "word") || strings.EqualFold(s[:i], "wort") || strings.EqualFold(s[:i], "wd")
	quoted := i < len(s) && (s[i] == '"' || s[i] == '\'')
	if quoted {
		i++
	}
	n := spaces(s[i:])
	i += n
	if i == len(s) || zsPrefix(s[i:]) {
		// The end, or a Unicode blank cut short by the write: more
		// blanks, or the separator, may follow.
		return whole && (quoted || n > 0 || i < len(s)), true
	}
	return s[i] == '=' || s[i] == ':' && quoted, false
}

// zsForms are the UTF-8 forms of Unicode's space separators (U+00A0,
// U+2003, U+3000, ...) that are not ASCII.
var zsForms = func() []string {
	var out []string
	for _, r16 := range unicode.Zs.R16 {
		for r := rune(r16.Lo); r <= rune(r16.Hi); r += rune(r16.Stride) {
			if r >= utf8.RuneSelf {
				out = append(out, string(r))
			}
		}
	}
	return out
}()

// zsPrefix reports whether s is the start of a Unicode space separator's
// UTF-8 form, cut short: a write may end inside one.
func zsPrefix(s string) bool {
	if s == "" || utf8.FullRuneInString(s) {
		return false
	}
	for _, f := range zsForms {
		if strings.HasPrefix(f, s) {
			return true
		}
	}
	return false
}

// Blanks reports whether s is only the blanks a keyword's separator may
// still follow: spaces, tabs and Unicode space separators (U+00A0,
// U+3000, ...), the last maybe cut short by a write. More of them after a
// keyword leave a partial line as PasswordPending judged it.
func Blanks(s []byte) bool {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
			continue
		case c < utf8.RuneSelf:
			return false
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return zsPrefix(string(s[i:]))
		}
		if !unicode.Is(unicode.Zs, r) {
			return false
		}
		i += n
	}
	return true
}

// EndsBlank reports whether s ends with a blank: a space, a tab, a
// Unicode space separator, or the start of one cut short.
func EndsBlank(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	if c := s[len(s)-1]; c == ' ' || c == '\t' {
		return true
	}
	j := len(s) - 1
	for j > 0 && len(s)-j < utf8.UTFMax && !utf8.RuneStart(s[j]) {
		j--
	}
	return s[j] >= utf8.RuneSelf && Blanks(s[j:])
}

// keywordThen reports whether s holds a password keyword's "pwd" or
// "pass" (any case, 'ſ' for 's') with what follows it passing then.
func keywordThen(s string, then func(string) bool) bool {
	for i := 0; i < len(s); i++ {
		if s[i]|0x20 != 'p' {
			continue
		}
		rest := s[i+1:]
		if len(rest) >= 2 && rest[0]|0x20 == 'w' && rest[1]|0x20 == 'd' {
			if then(rest[2:]) {
				return true
			}
			continue
		}
		if len(rest) >= 1 && rest[0]|0x20 == 'a' {
			if n := foldedS(rest[1:]); n > 0 {
				if m := foldedS(rest[1+n:]); m > 0 && then(rest[1+n+m:]) {
					return true
				}
			}
		}
	}
	return false
}

// assigned reports whether s, the text after a keyword's "pass" or "pwd",
// can continue the keyword to its '=': at most four ASCII letters (the
// longest ending is "word"; no other character folds to w, o, r, d or t),
// a quote maybe (a quoted keyword), white space as \s has it, then '='.
func assigned(s string) bool {
	i := 0
	for i < len(s) && i < 4 && ('a' <= s[i]|0x20 && s[i]|0x20 <= 'z') {
		i++
	}
	if i < len(s) && (s[i] == '"' || s[i] == '\'') {
		i++ // a quoted keyword: Ruby's "password" => "..."
	}
	i += spaces(s[i:])
	return i < len(s) && s[i] == '='
}

// foldedS is the length of an 's', 'S' or 'ſ' at the start of s, else 0.
func foldedS(s string) int {
	switch {
	case len(s) >= 1 && s[0]|0x20 == 's':
		return 1
	case strings.HasPrefix(s, "ſ"):
		return len("ſ")
	}
	return 0
}

// Redact parses s and returns its redacted form. A string that cannot be
// parsed may hold a password anywhere, so only its scheme is shown.
func Redact(s string) string {
	if u, err := Parse(s); err == nil {
		return u.Redacted()
	}
	if i := strings.Index(s, "://"); i > 0 && isScheme(s[:i]) {
		return s[:i] + "://" + Mask + " (unparsable, hidden)"
	}
	return Mask + " (unparsable, hidden)"
}

// MinSecretLen is the shortest password RedactText masks as a literal. A
// shorter one ("pw", "abc") would mask those letters in every word of every
// line; it is still masked where a pattern shows it (a URL, password=).
const MinSecretLen = 4

// secrets are the passwords dbguard has read, in every form a program may
// print them. They are process-wide: one run of dbguard is one process, and
// a secret learnt anywhere must be masked everywhere, including text that
// reaches a file through RedactText without passing a writer.
var secrets struct {
	sync.RWMutex
	known    map[string]bool // the passwords, as registered
	forms    []string        // every form of every password, longest first
	replacer *strings.Replacer
	hexRE    *regexp.Regexp // the forms with escapes, hex digits in any case
}

// AddSecret makes RedactText mask secret wherever it appears, not only where
// a pattern finds it: bare, percent-encoded (upper- or lower-case hex, '+'
// or %20 for a space), JSON-escaped, or backslash-quoted as in a keyword/
// value string. shownWith are the names dbguard shows next to it, such as
// its URL's user name: a password equal to one of them is given away by the
// name anyway, and masking it as a literal would mask the name everywhere
// ("postgres" in postgres://postgres:****@...), so it is left to the
// patterns, as is one shorter than MinSecretLen.
func AddSecret(secret string, shownWith ...string) {
	if len(secret) < MinSecretLen {
		return
	}
	for _, name := range shownWith {
		if strings.EqualFold(secret, name) {
			return
		}
	}
	secrets.Lock()
	defer secrets.Unlock()
	if secrets.known[secret] {
		return
	}
	if secrets.known == nil {
		secrets.known = map[string]bool{}
	}
	secrets.known[secret] = true
	seen := map[string]bool{}
	for _, f := range secrets.forms {
		seen[f] = true
	}
	for _, f := range secretForms(secret) {
		if !seen[f] {
			seen[f] = true
			secrets.forms = append(secrets.forms, f)
		}
	}
	// Longest first: strings.Replacer tries its pairs in order, so of two
	// forms starting at the same byte the longer one is masked whole.
	sort.SliceStable(secrets.forms, func(i, j int) bool { return len(secrets.forms[i]) > len(secrets.forms[j]) })
	pairs := make([]string, 0, 2*len(secrets.forms))
	for _, f := range secrets.forms {
		pairs = append(pairs, f, Mask)
	}
	secrets.replacer = strings.NewReplacer(pairs...)
	// A form with a %XX or \uXXXX escape may be written with hex digits of
	// either case, mixed too (%2f%3A): those forms are also matched by a
	// pattern that ignores the case of the hex digits.
	var hex []string
	for _, f := range secrets.forms {
		if p := hexFoldPattern(f); p != "" {
			hex = append(hex, p)
		}
	}
	secrets.hexRE = nil
	if len(hex) > 0 {
		secrets.hexRE = regexp.MustCompile(strings.Join(hex, "|"))
	}
}

// hexFoldPattern is a regular expression for f in which the hex digits of
// every %XX and \uXXXX escape match in either case; "" when f has none.
func hexFoldPattern(f string) string {
	var b strings.Builder
	found := false
	for i := 0; i < len(f); i++ {
		n := 0
		switch {
		case f[i] == '%':
			n = 2
		case f[i] == '\\' && i+1 < len(f) && f[i+1] == 'u':
			b.WriteString(`\\u`)
			n, i = 4, i+1
		}
		if n == 0 {
			b.WriteString(regexp.QuoteMeta(f[i : i+1]))
			continue
		}
		if f[i] == '%' {
			b.WriteByte('%')
		}
		for j := i + 1; j <= i+n && j < len(f); j++ {
			c := f[j]
			if c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' {
				found = true
				fmt.Fprintf(&b, "[%c%c]", c|0x20, c&^0x20)
			} else {
				b.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		i += n
	}
	if !found {
		return ""
	}
	return b.String()
}

// redactHexForms masks the forms of registered secrets whose escapes use
// hex digits in a case the literal forms do not list.
func redactHexForms(s string) string {
	secrets.RLock()
	re := secrets.hexRE
	secrets.RUnlock()
	if re == nil || strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '\\') < 0 {
		return s
	}
	return re.ReplaceAllLiteralString(s, Mask)
}

// SecretVar reports whether an environment variable holds a password by
// its name: PGPASSWORD and PGSSLPASSWORD, which libpq and pgx read, and
// names such as POSTGRES_PASSWORD or DB_PASSWD, or PASS or PWD as a whole
// part of the name (DB_PASS, SMTP_PASS_PRIMARY, DB_PWD_RO), as the hook's
// env file check names credentials; PWD alone is the working folder, and
// BYPASS_CACHE no password. Its value is registered with [AddSecret]
// whether or not a connection string uses it: a child process may print
// it.
func SecretVar(name string) bool {
	n := strings.ToUpper(name)
	if strings.Contains(n, "PASSWORD") || strings.Contains(n, "PASSWD") {
		return true
	}
	if n == "PWD" {
		return false
	}
	for part := range strings.SplitSeq(n, "_") {
		if part == "PASS" || part == "PWD" {
			return true
		}
	}
	return false
}

// MinEnvironSecretLen is the shortest value of an [EnvironSecretVar] that
// is masked: a short one (SECRET_MODE=test) is more likely a word than a
// secret, and masking it would mask the word everywhere.
const MinEnvironSecretLen = 8

// EnvironSecret reports whether the value v of the variable name is masked
// as a secret: a [SecretVar]'s, whatever it holds, or an [EnvironSecretVar]'s
// of [MinEnvironSecretLen] bytes or more that looks generated, holding a
// letter and a digit, letters of both cases or a sign such as ':' or '+'
// (ghp_..., sk_live_..., an AWS key), or any passphrase's. A word or a name (DJANGO_SECRET_KEY=development in a test job,
// DB_HOST_KEY=localhost, AWS_SECRET_NAME=production/app) is not masked:
// masked, it would be masked everywhere dbguard writes it, the mode, the
// host, the database name and the URL's scheme included.
func EnvironSecret(name, v string) bool {
	if SecretVar(name) {
		return true
	}
	if len(v) < MinEnvironSecretLen || !EnvironSecretVar(name) {
		return false
	}
	// A passphrase is words by design.
	return generated(v) || strings.Contains(strings.ToUpper(name), "PASSPHRASE")
}

// LooksGenerated reports whether v looks like a generated secret rather
// than a word (generated): "s3cret-Operator9" does, "postgres" does not.
func LooksGenerated(v string) bool { return generated(v) }

// generated reports whether v holds a letter and a digit, or an upper- and
// a lower-case letter, or a character that is none of these and not one a
// host name or path is written with (".", "-", "_", "/"): "user:pw" is.
func generated(v string) bool {
	var lower, upper, digit bool
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z':
			lower = true
		case 'A' <= c && c <= 'Z':
			upper = true
		case '0' <= c && c <= '9':
			digit = true
		case c >= 0x80:
			return true // not ASCII: no word dbguard writes of its own
		case c != '.' && c != '-' && c != '_' && c != '/':
			return true
		}
	}
	return lower && upper || (lower || upper) && digit
}

// EnvironSecretVar reports whether a variable of the process environment
// holds a secret by its name: a [SecretVar], or a token, secret,
// credential, passphrase or key (GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY,
// STRIPE_API_KEY, SECRET_KEY_BASE), which a repository's env file can
// pull into a URL dbguard shows (DATABASE_URL=postgres://h/${GITHUB_TOKEN}:
// the loaders expand from the environment). libpq's PG* variables are
// judged as SecretVar judges them: PGSSLKEY names a file, not a secret.
func EnvironSecretVar(name string) bool {
	if SecretVar(name) {
		return true
	}
	n := strings.ToUpper(name)
	if strings.HasPrefix(n, "PG") {
		return false
	}
	for _, w := range []string{"TOKEN", "SECRET", "CREDENTIAL", "PASSPHRASE", "PRIVATE_KEY", "_KEY_", "APIKEY", "API_KEY", "ACCESS_KEY"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return strings.HasSuffix(n, "_KEY")
}

// AddURLSecrets registers u's password and sslpassword with AddSecret,
// next to its user name and database name.
func AddURLSecrets(u *URL) {
	if u == nil {
		return
	}
	AddSecret(u.Password(), u.User(), u.Database())
	AddSecret(u.Param("sslpassword"), u.User(), u.Database())
}

// secretForms are the ways s may be printed by dbguard, a driver, or a
// program it runs.
func secretForms(s string) []string {
	var out []string
	add := func(f string) {
		out = append(out, f)
		if l := lowerHex(f); l != f {
			out = append(out, l)
		}
	}
	add(s)
	add(url.PathEscape(s))
	add(url.QueryEscape(s))
	add(escapeComponent(s, ""))
	add(escapeComponent(s, queryKeep))
	for _, html := range []bool{false, true} {
		for _, ascii := range []bool{false, true} {
			for _, slash := range []bool{false, true} {
				add(jsonEscape(s, html, ascii, slash))
			}
		}
	}
	add(strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s))
	// An SQL string literal doubles a quote (a server message quoting a
	// statement, a log of one).
	add(strings.ReplaceAll(s, "'", "''"))
	// Encoded twice: a URL carried inside another URL's parameter, or a
	// form escaped again by a program that did not know it already was.
	add(url.QueryEscape(url.QueryEscape(s)))
	add(escapeComponent(escapeComponent(s, ""), ""))
	// A GitHub workflow command's message and property escaping.
	add(strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s))
	add(strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s))
	// output.Escape's: "##[" anywhere as "\x23#[", and "::name" where a
	// line starts as "\x3a:name" (text that starts with the password).
	cmd := strings.ReplaceAll(s, "##[", `\x23#[`)
	add(cmd)
	if t := strings.TrimLeft(cmd, " "); len(t) > 2 && t[0] == ':' && t[1] == ':' && isASCIILetter(t[2]) {
		at := len(cmd) - len(t)
		add(cmd[:at] + `\x3a` + cmd[at+1:])
	}
	// A program's output reaches the redactor escaped (output.ChildText):
	// a password holding a control byte, a bidi rune or a byte that is no
	// UTF-8 is printed in Escape's form, which the forms above miss.
	for _, f := range escapedForms {
		if e := f(s); e != s {
			add(e)
		}
	}
	return out
}

// escapedForms are the escapers whose output the redactor reads (output's
// Escape, EscapeLines and ChildText's: output registers them, dburl
// cannot import it).
var escapedForms []func(string) string

// AddEscapedForm registers an escaper whose form of every secret added
// after it is masked too. Call it from an init.
func AddEscapedForm(f func(string) string) { escapedForms = append(escapedForms, f) }

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// lowerHex rewrites the hex digits of every %XX and \uXXXX escape in lower
// case; the forms above write them in upper case.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		n := 0
		switch {
		case b[i] == '%':
			n = 2
		case b[i] == '\\' && i+1 < len(b) && b[i+1] == 'u':
			n, i = 4, i+1
		}
		for j := i + 1; j <= i+n && j < len(b); j++ {
			if b[j] >= 'A' && b[j] <= 'F' {
				b[j] += 'a' - 'A'
			}
		}
		i += n
	}
	return string(b)
}

// jsonEscape writes s as it appears inside a JSON string: by Go's encoder
// (html: <, > and & as \u003c...), by JavaScript's JSON.stringify (neither),
// by Python's json.dumps (ascii: all non-ASCII as \uXXXX), or by encoders
// that write '/' as \/ (slash).
func jsonEscape(s string, html, ascii, slash bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '/' && slash:
			b.WriteString(`\/`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || html && (r == '<' || r == '>' || r == '&') || r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, `\u%04X`, r)
		case r >= 0x80 && ascii:
			for _, c := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, `\u%04X`, c)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// redactSecrets masks every registered secret in s.
func redactSecrets(s string) string {
	secrets.RLock()
	r := secrets.replacer
	secrets.RUnlock()
	if r == nil {
		return s
	}
	return r.Replace(s)
}

// SafeCut returns the largest m <= n at which s can be cut, the part before
// m redacted and written, and the rest kept for later: no registered secret,
// in any of its forms, starts before m and ends after it, or could, once
// more text follows s. A writer that holds back s[m:] never writes a secret
// in two pieces; it holds back at most the longest form's length less one
// byte more than it would have anyway.
func SafeCut(s []byte, n int) int {
	secrets.RLock()
	forms := secrets.forms
	secrets.RUnlock()
	m := n
	for moved := true; moved; {
		moved = false
		for _, f := range forms {
			for i := max(0, m-len(f)+1); i < m; i++ {
				// A form starting at i covers m if it is there whole, or
				// if s ends with its beginning.
				// Case-insensitively: a %2f may be written %2F.
				if rest := s[i:]; len(rest) >= len(f) && strings.EqualFold(string(rest[:len(f)]), f) || len(rest) < len(f) && strings.EqualFold(string(rest), f[:len(rest)]) {
					m, moved = i, true
					break
				}
			}
		}
	}
	return m
}
