package hooks

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/lazyre"
)

// This file finds real database passwords in a line of any text: in
// PostgreSQL and JDBC URLs (userinfo and query parameters alike) and in
// libpq keyword/value strings. A password counts unless it is a placeholder
// or a template, or every host it is for is this machine.

// Credentials returns, redacted, the connection strings in a line of text
// that carry a real password: not a placeholder, not only for loopback
// hosts, not on a line whose comment says dbguard:allow.
func Credentials(line string) []string {
	return shown(line, lineSpans(line, nil))
}

// span is a credential in a line: where it is, and how it is shown.
type span struct {
	start, end int
	shown      string // redacted
}

// lineSpans appends the credentials any file may hold in line: URLs and
// libpq keyword strings, PGPASSWORD=... assignments, and URLs hidden in
// base64 (a Kubernetes Secret's data:).
func lineSpans(line string, out []span) []span {
	if strings.Contains(line, "://") {
		out = urlCredentials(line, out)
	}
	if strings.Contains(line, "password") {
		out = keywordCredentials(line, out)
	}
	// Environment variable names are case-sensitive: libpq reads only
	// PGPASSWORD.
	if strings.Contains(line, "PGPASSWORD") || strings.Contains(line, "PGSSLPASSWORD") {
		out = pgpasswordCredentials(line, out)
	}
	if strings.Contains(line, b64Postgres) || strings.Contains(line, b64JDBC) {
		out = base64Credentials(line, out)
	}
	return out
}

// shown is what the findings of a line show: nothing when a dbguard:allow
// comment outside every credential marks the line, else each credential,
// redacted, on one line.
func shown(line string, spans []span) []string {
	if len(spans) == 0 || allowMarked(line, spans) {
		return nil
	}
	return redacted(spans)
}

// redacted is each credential of spans as a finding shows it, on one line.
func redacted(spans []span) []string {
	out := make([]string, len(spans))
	for i, sp := range spans {
		out[i] = sp.shown
		if !printable(sp.shown) {
			out[i] = strconv.Quote(sp.shown) // one line, and no escape sequence reaches a terminal
		}
	}
	return out
}

// allowMarked reports whether line carries dbguard:allow in a comment: after
// a comment opener, both outside every credential. A marker inside one (a
// password ending in "#dbguard:allow") is part of the secret, not a comment.
func allowMarked(line string, spans []span) bool {
	outside := []byte(line)
	for _, sp := range spans {
		for i := sp.start; i < sp.end && i < len(outside); i++ {
			outside[i] = 0
		}
	}
	text := string(outside)
	i := strings.Index(text, "dbguard:allow")
	if i < 0 {
		return false
	}
	before := text[:i]
	for _, opener := range []string{"#", "//", "--", "/*", "<!--", ";", "REM ", "rem "} {
		if strings.Contains(before, opener) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII word sub in
// any case, without allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for ; j < len(sub); j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

// urlStart finds PostgreSQL URLs, JDBC's included.
var urlStart = lazyre.New(`(?i)\b(?:jdbc:)?postgres(?:ql)?(?:\+[a-z0-9]+)?://`)

// urlCredentials appends the URLs in line that carry a real password.
func urlCredentials(line string, out []span) []span {
	ms := urlStart.FindAllStringIndex(line, -1)
	for i, m := range ms {
		next := len(line)
		if i+1 < len(ms) {
			next = ms[i+1][0]
		}
		end := m[1] + urlEnd(line[m[1]:next], delimiter(line, m[0]))
		if urlHasCredential(line[m[1]:end]) {
			out = append(out, span{m[0], end, redactURL(line[m[0]:m[1]], line[m[1]:end])})
		}
	}
	return out
}

// delimiter is the quote that opens the string at i, or 0.
func delimiter(line string, i int) byte {
	if i > 0 && strings.IndexByte("\"'`", line[i-1]) >= 0 {
		return line[i-1]
	}
	return 0
}

// urlEnd is where a URL that opens with delim ends in s: at white space or
// its closing quote; with no opening quote, at any quote.
func urlEnd(s string, delim byte) int {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isSpace(c):
			return i
		case delim != 0 && c == delim, delim == 0 && (c == '"' || c == '\'' || c == '`'):
			return i
		}
	}
	return len(s)
}

// userinfoEnds are the '@' that may end the userinfo of rest (the URL after
// "://"): the last one before the query, as URL parsers and dburl read it,
// and the first one before a '/', as libpq reads it. Both readings are
// judged, so a password with a raw '@', '/' or '?' is never half-read.
func userinfoEnds(rest string) (last, first int) {
	pre := rest
	if i := strings.IndexByte(pre, '?'); i >= 0 {
		pre = pre[:i]
	}
	last = strings.LastIndexByte(pre, '@')
	pre = rest
	if i := strings.IndexByte(pre, '/'); i >= 0 {
		pre = pre[:i]
	}
	first = strings.IndexByte(pre, '@')
	return last, first
}

// urlHasCredential judges one URL, rest being what follows "://".
func urlHasCredential(rest string) bool {
	last, first := userinfoEnds(rest)
	if last < 0 && first < 0 {
		return urlReading(rest, -1)
	}
	return last >= 0 && urlReading(rest, last) || first >= 0 && first != last && urlReading(rest, first)
}

// urlReading judges rest read with the userinfo ending at at (-1: none).
func urlReading(rest string, at int) bool {
	var secrets, hosts []string
	hostpart := rest
	if at >= 0 {
		if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
			secrets = append(secrets, pw)
		}
		hostpart = rest[at+1:]
	}
	authority, query := hostpart, ""
	if i := strings.IndexAny(hostpart, "/?#"); i >= 0 {
		authority = hostpart[:i]
	}
	if i := strings.IndexByte(hostpart, '?'); i >= 0 {
		query = hostpart[i+1:]
		if j := strings.IndexByte(query, '#'); j >= 0 {
			query = query[:j]
		}
	}
	for _, h := range strings.Split(authority, ",") {
		if h = urlHost(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		switch k = strings.ToLower(k); {
		case isSecretKey(k):
			secrets = append(secrets, v)
		case k == "host" || k == "hostaddr":
			if dv, err := url.QueryUnescape(v); err == nil {
				v = dv
			}
			for _, h := range strings.Split(v, ",") {
				if h = trimHost(h); h != "" {
					hosts = append(hosts, h)
				}
			}
		}
	}
	return judge(secrets, hosts)
}

// urlHost is the host of one authority entry, port and brackets removed,
// percent-decoded ("%2Fvar%2Frun%2Fpostgresql" is a socket directory).
func urlHost(h string) string {
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i >= 0 {
			return h[1:i]
		}
		return h[1:]
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	if d, err := url.PathUnescape(h); err == nil {
		h = d
	}
	return trimHost(h)
}

// trimHost drops the punctuation prose puts after a URL.
func trimHost(h string) string {
	if strings.HasPrefix(h, "/") {
		return h
	}
	return strings.TrimRight(h, ").,;:>]}")
}

// judge: some secret is real and some host is not this machine. No host
// at all is not exempt: libpq then takes PGHOST, which may be anywhere.
func judge(secrets, hosts []string) bool {
	real := false
	for _, s := range secrets {
		if !isPlaceholder(s) {
			real = true
			break
		}
	}
	if !real {
		return false
	}
	for _, h := range hosts {
		if !isLoopback(h) {
			return true
		}
	}
	return len(hosts) == 0
}

// isSecretKey reports whether a parameter or keyword holds a password.
func isSecretKey(k string) bool {
	return k == "password" || k == "sslpassword"
}

// redactURL shows a URL with its passwords masked: the userinfo password
// up to the last '@' that can end it, and every password parameter.
func redactURL(scheme, rest string) string {
	last, first := userinfoEnds(rest)
	at := max(last, first)
	var b strings.Builder
	b.WriteString(scheme)
	hostpart := rest
	if at >= 0 {
		user, _, ok := strings.Cut(rest[:at], ":")
		b.WriteString(user)
		if ok {
			b.WriteString(":" + dburl.Mask)
		}
		b.WriteByte('@')
		hostpart = rest[at+1:]
	}
	before, query, ok := strings.Cut(hostpart, "?")
	b.WriteString(before)
	if ok {
		b.WriteByte('?')
		for i, kv := range strings.Split(query, "&") {
			if i > 0 {
				b.WriteByte('&')
			}
			k, _, eq := strings.Cut(kv, "=")
			if eq && strings.Contains(strings.ToLower(k), "password") {
				kv = k + "=" + dburl.Mask
			}
			b.WriteString(kv)
		}
	}
	return dburl.RedactText(b.String())
}

// libpqKeywords are the keywords of a libpq connection string.
var libpqKeywords = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "password": true, "passfile": true,
	"require_auth": true, "channel_binding": true, "connect_timeout": true, "client_encoding": true, "options": true,
	"application_name": true, "fallback_application_name": true, "keepalives": true, "keepalives_idle": true,
	"keepalives_interval": true, "keepalives_count": true, "tcp_user_timeout": true, "replication": true,
	"gssencmode": true, "sslmode": true, "requiressl": true, "sslnegotiation": true, "sslcompression": true,
	"sslcert": true, "sslkey": true, "sslpassword": true, "sslcertmode": true, "sslrootcert": true, "sslcrl": true,
	"sslcrldir": true, "sslsni": true, "requirepeer": true, "ssl_min_protocol_version": true,
	"ssl_max_protocol_version": true, "krbsrvname": true, "gsslib": true, "gssdelegation": true, "service": true,
	"target_session_attrs": true, "load_balance_hosts": true,
}

// kvPair is one keyword = value of a libpq string, the value unquoted.
type kvPair struct{ key, value string }

// keywordCredentials appends the libpq keyword/value strings in line that
// carry a real password: runs of at least two keyword=value pairs, one of
// them a password, separated by white space, as libpq reads them.
func keywordCredentials(line string, out []span) []span {
	for i := 0; i < len(line); i++ {
		if i > 0 && !isKeywordBoundary(line[i-1]) || !isKeywordStart(line[i]) {
			continue
		}
		start := i
		pairs, end := parseKeywordRun(line[i:], delimiter(line, i))
		if end > 0 {
			i += end - 1 // no run starts inside another: linear time
		}
		if len(pairs) < 2 {
			continue
		}
		var secrets, hosts []string
		hasSecret := false
		for _, p := range pairs {
			switch {
			case isSecretKey(p.key):
				hasSecret = true
				secrets = append(secrets, p.value)
			case p.key == "host" || p.key == "hostaddr":
				for _, h := range strings.Split(p.value, ",") {
					if h != "" {
						hosts = append(hosts, h)
					}
				}
			}
		}
		if hasSecret && judge(secrets, hosts) {
			out = append(out, span{start, start + max(end, 1), redactKeywords(pairs)})
		}
	}
	return out
}

// isKeywordBoundary reports whether a libpq string may start after c: at
// white space, a quote, or the '=' or ':' of an assignment.
func isKeywordBoundary(c byte) bool {
	return isSpace(c) || c == '"' || c == '\'' || c == '`' || c == '=' || c == ':'
}

func isKeywordStart(c byte) bool { return c >= 'a' && c <= 'z' }

// parseKeywordRun reads keyword = value pairs from the start of s, as libpq
// does, until something that is not one (or the closing delim). It returns
// the pairs and how much of s they took (all of it after an unclosed
// quote, which nothing later can close). A value that ends with ',' before
// white space is an argument list (f(host=h, password=p)), not libpq: the
// run is then nothing.
func parseKeywordRun(s string, delim byte) ([]kvPair, int) {
	var pairs []kvPair
	i := 0
	for {
		start := i
		for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] == '_' || i > start && s[i] >= '0' && s[i] <= '9') {
			i++
		}
		key := s[start:i]
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if !libpqKeywords[key] || i >= len(s) || s[i] != '=' {
			return pairs, start
		}
		i++
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		v, n, quoted, closed := dburl.ReadKeywordValue(s[i:], delim)
		if !closed {
			return pairs, len(s) // unterminated: not libpq
		}
		i += n
		atEnd := i >= len(s) || delim != 0 && s[i] == delim
		if !atEnd && !isSpace(s[i]) {
			return pairs, start
		}
		if !quoted && !atEnd && strings.HasSuffix(v, ",") {
			return nil, i
		}
		pairs = append(pairs, kvPair{key, v})
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if atEnd || i >= len(s) {
			return pairs, i
		}
	}
}

// redactKeywords shows a libpq string with its passwords masked.
func redactKeywords(pairs []kvPair) string {
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		v := p.value
		switch {
		case isSecretKey(p.key):
			v = dburl.Mask
		case v == "" || strings.ContainsAny(v, " \t'\\"):
			v = "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
		}
		parts[i] = p.key + "=" + v
	}
	return dburl.RedactText(strings.Join(parts, " "))
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// placeholders are passwords that are not secrets.
var placeholders = map[string]bool{
	"": true, "password": true, "postgres": true, "changeme": true, "change_me": true, "change-me": true, "secret": true,
	"pass": true, "passwd": true, "example": true, "test": true, "user": true, "root": true, "admin": true,
	"pw": true, "pwd": true, "yourpassword": true, "your_password": true, "mypassword": true, "dbpassword": true,
}

// templates are passwords filled in later by a shell, a template engine or
// a format string: $NAME, $(NAME), %s, %(name)s, %NAME%, {name}, {0}.
var templates = lazyre.New(`^(?:\$[A-Za-z_][A-Za-z0-9_]*|\$\([^()]*\)|%[-+# 0-9.]*[a-zA-Z]|%\([A-Za-z_][A-Za-z0-9_]*\)[a-z]|%[A-Za-z_][A-Za-z0-9_]*%|#?\{[A-Za-z_][A-Za-z0-9_.]*\}|\{[0-9]*\})$`)

// shellDefault is ${NAME:-default} and its kin: the default is written here.
var shellDefault = lazyre.New(`^\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=](.*)\}$`)

// isPlaceholder reports whether a password, as written (in a URL,
// percent-encoded), is obviously not a real one. Templates are judged as
// written, so a percent-encoded '%' or '$' does not make one.
func isPlaceholder(pw string) bool {
	switch {
	case templates.MatchString(pw), strings.Contains(pw, "{{"):
		return true
	case strings.HasPrefix(pw, "${") && strings.HasSuffix(pw, "}"):
		if m := shellDefault.FindStringSubmatch(pw); m != nil {
			return isPlaceholder(m[1])
		}
		return !strings.Contains(pw[2:], "${") // ${NAME}, ${NAME:?message}, ${config.db.password}
	}
	if d, err := url.PathUnescape(pw); err == nil {
		pw = d
	}
	lower := strings.ToLower(pw)
	switch {
	case placeholders[lower]:
		return true
	case strings.HasPrefix(pw, "<") && strings.HasSuffix(pw, ">"):
		return true
	case strings.Trim(pw, "*") == "", strings.Trim(lower, "x") == "", strings.Trim(pw, ".") == "":
		return true
	}
	return false
}

// isLoopback reports whether a host is this machine: localhost itself (not
// a name under it or one that merely starts with it), an address in
// 127.0.0.0/8 or ::1 (not a DNS name spelling one, such as
// 127.0.0.1.nip.io), or a Unix-domain socket directory.
func isLoopback(host string) bool {
	h := strings.Trim(host, "[]")
	if strings.HasPrefix(h, "/") || strings.HasPrefix(h, "@") {
		return true
	}
	if strings.EqualFold(h, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}
