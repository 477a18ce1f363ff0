// Package dburl parses PostgreSQL connection strings, in URL form
// (postgres://, postgresql://, postgresql+driver://) and in libpq keyword/value
// form, without losing a byte of what it does not change.
//
// It is the only place in dbguard that knows how a password is written, so it
// is also where passwords are redacted: every URL that reaches an output goes
// through [URL.Redacted] or [RedactText]. The pooled-to-direct rewrite rules
// live in pooler.go, beside the parser they depend on.
//
// A string names its database only together with what the driver fills in
// from outside it: [URL.Complete] adds what pgx takes from the PG* variables,
// a pg_service.conf service and its defaults, and says where each part came
// from (complete.go, servicefile.go).
package dburl

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Mask replaces a password wherever dbguard shows a connection string.
const Mask = "****"

// DefaultPort is libpq's port when none is given.
const DefaultPort = "5432"

// Form says how a connection string was written; a rewrite keeps it.
type Form int

const (
	// FormURL is postgres://user:password@host:port/dbname?key=value.
	FormURL Form = iota
	// FormKeyValue is libpq's "host=... dbname=... password='...'".
	FormKeyValue
)

// ErrNotPostgres means the string is a URL of another database (or of none).
var ErrNotPostgres = errors.New("not a PostgreSQL connection string")

// ParseError says why a connection string could not be parsed. It never
// holds the input itself, which may contain a password.
type ParseError struct {
	Reason string
	Err    error
}

func (e *ParseError) Error() string { return e.Reason }
func (e *ParseError) Unwrap() error { return e.Err }

func parseErr(format string, args ...any) error {
	return &ParseError{Reason: fmt.Sprintf(format, args...)}
}

// Host is one host:port entry. Port is empty when the string gives none.
type Host struct {
	Name string
	Port string
}

// param is one key/value pair. In URL form both are kept percent-encoded as
// written, so that an untouched parameter prints exactly as it came.
type param struct {
	key, value string
	noEq       bool // URL form: written as "key" with no '='
}

// URL is a parsed PostgreSQL connection string. The zero value is not useful;
// use [Parse].
type URL struct {
	form Form

	// URL form. Raw fields are percent-encoded as written.
	scheme      string
	hasUserinfo bool
	rawUser     string
	hasPassword bool
	rawPassword string
	hosts       []Host   // decoded
	rawHosts    []string // as written, parallel to hosts
	hasPath     bool
	rawPath     string // without the leading '/'
	hasQuery    bool
	fragment    string // kept verbatim, including '#'

	// Both forms: URL query parameters, or keyword/value pairs (decoded).
	params []param
}

// Parse parses a PostgreSQL URL or keyword/value connection string.
//
// White space before it is dropped, and line ends after it. Blanks
// (spaces, tabs) at the end of a URL are kept: libpq, Python's urllib
// (django-environ, dj-database-url) and pgx take them into the last part
// (postgres://h/app followed by two blanks names the database "app" and
// two blanks, as django-environ 0.11's cut of an inline comment leaves
// it), and the formatted URL shows them percent-encoded. A keyword/value
// string's parser passes over them, as libpq's does.
func Parse(s string) (*URL, error) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	s = strings.TrimRight(s, "\r\n\v\f")
	if strings.TrimSpace(s) == "" {
		return nil, parseErr("empty connection string")
	}
	if i := strings.Index(s, "://"); i > 0 && isScheme(s[:i]) {
		scheme := strings.ToLower(s[:i])
		if scheme != "postgres" && scheme != "postgresql" && !strings.HasPrefix(scheme, "postgresql+") && !strings.HasPrefix(scheme, "postgres+") {
			return nil, &ParseError{Reason: fmt.Sprintf("scheme %q is not PostgreSQL (want postgres:// or postgresql://)", s[:i]), Err: ErrNotPostgres}
		}
		return parseURL(s[:i], s[i+3:])
	}
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	if strings.Contains(s, "=") {
		return parseKeyValue(s)
	}
	return nil, &ParseError{Reason: "neither a postgres:// URL nor a keyword=value string", Err: ErrNotPostgres}
}

func isScheme(s string) bool {
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

func parseURL(scheme, rest string) (*URL, error) {
	u := &URL{form: FormURL, scheme: scheme}
	// A fragment starts at a '#' after the userinfo. A raw '#' inside a
	// password is taken as part of it, as libpq does; Lint says that URL
	// parsers such as Go's and Node's read it differently.
	if i := strings.IndexByte(rest[strings.LastIndexByte(rest, '@')+1:], '#'); i >= 0 {
		i += strings.LastIndexByte(rest, '@') + 1
		u.fragment = rest[i:]
		rest = rest[:i]
	}
	var query string
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		u.hasQuery = true
		rest, query = rest[:i], rest[i+1:]
	}
	// The userinfo ends at the last '@': a password with an unescaped '@' or
	// '/' is then still taken whole, so it is never shown in part.
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		u.hasUserinfo = true
		userinfo := rest[:i]
		rest = rest[i+1:]
		if j := strings.IndexByte(userinfo, ':'); j >= 0 {
			u.rawUser, u.rawPassword, u.hasPassword = userinfo[:j], userinfo[j+1:], true
		} else {
			u.rawUser = userinfo
		}
		if _, err := url.PathUnescape(u.rawUser); err != nil {
			return nil, parseErr("bad percent-encoding in the user name")
		}
		if _, err := url.PathUnescape(u.rawPassword); err != nil {
			return nil, parseErr("bad percent-encoding in the password (encode '%%' as %%25)")
		}
	}
	hostlist := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		hostlist, u.hasPath, u.rawPath = rest[:i], true, rest[i+1:]
		if _, err := url.PathUnescape(u.rawPath); err != nil {
			return nil, parseErr("bad percent-encoding in the database name")
		}
	}
	if hostlist != "" {
		for _, h := range strings.Split(hostlist, ",") {
			host, err := splitHostPort(h)
			if err != nil {
				return nil, err
			}
			u.hosts = append(u.hosts, host)
			u.rawHosts = append(u.rawHosts, h)
		}
	}
	if query != "" {
		for _, kv := range strings.Split(query, "&") {
			if kv == "" {
				continue
			}
			k, v, eq := strings.Cut(kv, "=")
			if _, err := url.QueryUnescape(k); err != nil {
				return nil, parseErr("bad percent-encoding in a query parameter name")
			}
			if _, err := url.QueryUnescape(v); err != nil {
				return nil, parseErr("bad percent-encoding in query parameter %q", unescape(k))
			}
			u.params = append(u.params, param{key: k, value: v, noEq: !eq})
		}
	}
	if err := u.validate(); err != nil {
		return nil, err
	}
	return u, nil
}

func splitHostPort(h string) (Host, error) {
	var name, port string
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return Host{}, parseErr("unclosed '[' in an IPv6 host")
		}
		name = h[1:end]
		rest := h[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return Host{}, parseErr("unexpected text after an IPv6 host (want [addr]:port)")
			}
			port = rest[1:]
		}
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 {
		name, port = h[:i], h[i+1:]
	} else {
		name = h
	}
	if !strings.HasPrefix(h, "[") && strings.ContainsAny(name, ":[]") {
		return Host{}, parseErr("invalid host (an IPv6 address goes in brackets; a password with ':' or '@' must be percent-encoded)")
	}
	name, err := url.PathUnescape(name)
	if err != nil {
		return Host{}, parseErr("bad percent-encoding in host")
	}
	if port != "" && !validPort(port) {
		return Host{}, parseErr("invalid port after host (want a number from 1 to 65535; a password with ':' or '@' must be percent-encoded)")
	}
	return Host{Name: name, Port: port}, nil
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n < 65536 && !strings.HasPrefix(p, "+")
}

// parseKeyValue parses libpq's keyword/value syntax: keyword = value pairs
// separated by white space; a value is single-quoted (with \' and \\) or runs
// to the next white space (with backslash escapes).
func parseKeyValue(s string) (*URL, error) {
	u := &URL{form: FormKeyValue}
	i := 0
	misspelt := "" // the first keyword that looks meant for a password
	skipSpace := func() {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
	}
	for {
		skipSpace()
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) && s[i] != '=' && !isSpace(s[i]) {
			i++
		}
		key := s[start:i]
		skipSpace()
		if i >= len(s) || s[i] != '=' {
			return nil, parseErr("missing '=' after a keyword in keyword/value string (quote values that contain spaces)")
		}
		if key == "" {
			return nil, parseErr("missing keyword before '=' in keyword/value string")
		}
		if !isKeyword(key) {
			// "postgres://... with a stray quote, or a password's
			// remains: libpq knows no such keyword. Never quoted.
			return nil, parseErr("neither a postgres:// URL nor a keyword=value string (a keyword is letters, digits and '_')")
		}
		if !secretKeys[key] && looksSecret(key) && misspelt == "" {
			// passwd=, pwd=: libpq refuses them, pgx would send them to
			// the server as settings, and the password would be missing.
			// Said once the string is known to be one (below).
			misspelt = key
		}
		i++
		skipSpace()
		value, n, _, closed := ReadKeywordValue(s[i:], 0)
		i += n
		if !closed {
			return nil, parseErr("unterminated quoted value in keyword/value string")
		}
		u.params = append(u.params, param{key: key, value: value})
	}
	if len(u.params) == 0 {
		return nil, parseErr("empty keyword/value string")
	}
	if !slices.ContainsFunc(u.params, func(p param) bool { return libpqKeywords[p.key] }) {
		// A secret ending in base64's "==" reads as "key==": taken for a
		// connection string, it would be shown in full wherever a URL is
		// (a schema.prisma or dbguard.yaml can name any variable), or
		// quoted as a misspelt password keyword. libpq takes no string
		// without one of its keywords either.
		return nil, parseErr("neither a postgres:// URL nor a keyword=value string (no libpq keyword such as host= or dbname=; the value is not shown)")
	}
	if misspelt != "" {
		return nil, parseErr("unknown keyword %q in keyword/value string: did you mean password? (the value is not shown)", misspelt)
	}
	if err := u.validate(); err != nil {
		return nil, err
	}
	return u, nil
}

// ReadKeywordValue reads the value at the start of s as libpq reads one in
// a keyword/value string: between single quotes, or up to white space or
// stop (0: none), a backslash escaping the next byte either way. It
// returns the value, how many bytes of s it took, whether it was quoted,
// and closed false for a quoted value that never ends.
func ReadKeywordValue(s string, stop byte) (value string, n int, quoted, closed bool) {
	var b strings.Builder
	i := 0
	if len(s) > 0 && s[0] == '\'' {
		for i = 1; i < len(s); {
			c := s[i]
			if c == '\\' && i+1 < len(s) {
				b.WriteByte(s[i+1])
				i += 2
				continue
			}
			i++
			if c == '\'' {
				return b.String(), i, true, true
			}
			b.WriteByte(c)
		}
		return b.String(), i, true, false
	}
	for i < len(s) && !isSpace(s[i]) && (stop == 0 || s[i] != stop) {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String(), i, false, true
}

// libpqKeywords are libpq's connection keywords (PQconndefaults, 15 and
// 16); a keyword/value string names at least one.
var libpqKeywords = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "password": true, "passfile": true,
	"channel_binding": true, "connect_timeout": true, "client_encoding": true, "options": true,
	"application_name": true, "fallback_application_name": true, "keepalives": true, "keepalives_idle": true,
	"keepalives_interval": true, "keepalives_count": true, "tcp_user_timeout": true, "sslmode": true,
	"requiressl": true, "sslcompression": true, "sslcert": true, "sslkey": true, "sslpassword": true,
	"sslcertmode": true, "sslrootcert": true, "sslcrl": true, "sslcrldir": true, "sslsni": true,
	"requirepeer": true, "require_auth": true, "ssl_min_protocol_version": true, "ssl_max_protocol_version": true,
	"gssencmode": true, "krbsrvname": true, "gsslib": true, "gssdelegation": true, "service": true,
	"target_session_attrs": true, "load_balance_hosts": true, "replication": true,
}

// isKeyword reports whether k can be a libpq keyword.
func isKeyword(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return k != ""
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func (u *URL) validate() error {
	for _, p := range strings.Split(u.Param("port"), ",") {
		if p != "" && !validPort(p) {
			return parseErr("invalid port parameter (want a number from 1 to 65535)")
		}
	}
	hosts, ports := len(u.Hosts()), len(u.portList())
	if ports > 1 && ports != hosts {
		return parseErr("%d ports given for %d hosts", ports, hosts)
	}
	return nil
}

func unescape(s string) string {
	v, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return v
}

// Lint returns what other parsers of this string would read differently:
// characters in the user name or password that URL syntax reserves.
func (u *URL) Lint() []string {
	if u.form != FormURL {
		return nil
	}
	var out []string
	for _, c := range []string{"#", "@", "/", "?"} {
		if strings.Contains(u.rawUser, c) || strings.Contains(u.rawPassword, c) {
			// libpq's conninfo_uri_parse_options ends the user name and
			// password at the first '@' or '/': a raw one there leaves
			// the rest of the password for the host, and no connection
			// is possible. A raw '#' or '?' it keeps.
			who := "Go's net/url, pgx and Node's URL parser split the URL there, libpq does not"
			if c == "@" || c == "/" {
				who = "libpq, pgx, Go's net/url and Node's URL parser split the URL at the first one (the rest of the password becomes the host: no connection is possible); dbguard reads up to the last '@' only to keep the password out of its output"
			}
			out = append(out, fmt.Sprintf("raw %q in the user name or password: percent-encode it as %%%02X; %s", c, c[0], who))
		}
	}
	return out
}

// Form reports how the string was written.
func (u *URL) Form() Form { return u.form }

// Param returns the decoded value of the query parameter or keyword, "" if
// absent. Later occurrences win, as in libpq.
func (u *URL) Param(key string) string {
	v, _ := u.lookup(key)
	return v
}

func (u *URL) lookup(key string) (string, bool) {
	val, found := "", false
	for _, p := range u.params {
		if u.decodeKey(p.key) == key {
			val, found = u.decodeValue(p.value), true
		}
	}
	return val, found
}

func (u *URL) decodeKey(k string) string {
	if u.form == FormURL {
		return unescape(k)
	}
	return k
}

func (u *URL) decodeValue(v string) string {
	if u.form == FormURL {
		return unescape(v)
	}
	return v
}

// setParam sets every occurrence of key to value; it reports whether any did.
func (u *URL) setParam(key, value string) bool {
	set := false
	for i, p := range u.params {
		if u.decodeKey(p.key) == key {
			if u.form == FormURL {
				u.params[i].value = escapeComponent(value, queryKeep)
				u.params[i].noEq = false
			} else {
				u.params[i].value = value
			}
			set = true
		}
	}
	return set
}

// Overriding returns a copy of u whose every occurrence of the parameter
// key says value; u itself when it writes no key.
func (u *URL) Overriding(key, value string) *URL {
	if _, ok := u.lookup(key); !ok {
		return u
	}
	c := u.Clone()
	c.setParam(key, value)
	return c
}

// User returns the user name in effect: the user parameter, else the URL's.
func (u *URL) User() string { return u.paramOr("user", u.rawUser) }

// Password returns the password in effect. Never print it.
func (u *URL) Password() string { return u.paramOr("password", u.rawPassword) }

// paramOr returns the keyword's value when given (it overrides the URL, as
// in libpq), else the URL's percent-encoded part, decoded.
func (u *URL) paramOr(key, raw string) string {
	if v, ok := u.lookup(key); ok {
		return v
	}
	s, _ := url.PathUnescape(raw)
	return s
}

// Hosts returns the hosts in effect (the host parameter overrides the URL's),
// each with its port where one is given.
func (u *URL) Hosts() []Host {
	var hosts []Host
	if v, ok := u.lookup("host"); ok {
		for _, h := range strings.Split(v, ",") {
			hosts = append(hosts, Host{Name: h})
		}
	} else {
		hosts = append(hosts, u.hosts...)
	}
	ports := u.portList()
	for i := range hosts {
		switch {
		case len(ports) == 1:
			hosts[i].Port = ports[0]
		case i < len(ports):
			hosts[i].Port = ports[i]
		}
	}
	return hosts
}

// portList returns the ports in effect, one for every host or one per host,
// as pgx reads them: the port parameter (even empty, which means 5432), else
// the ports written after the hosts (postgres://a,b has two empty ones);
// nil if neither.
func (u *URL) portList() []string {
	if v, ok := u.lookup("port"); ok {
		return strings.Split(v, ",")
	}
	if len(u.hosts) > 1 || len(u.hosts) == 1 && u.hosts[0].Port != "" {
		ports := make([]string, len(u.hosts))
		for i, h := range u.hosts {
			ports[i] = h.Port
		}
		return ports
	}
	return nil
}

// Database returns the database name in effect, or "" for libpq's default
// (the user name). pgx reads a database parameter as dbname.
func (u *URL) Database() string {
	val, found := "", false
	for _, p := range u.params {
		if k := u.decodeKey(p.key); k == "dbname" || k == "database" {
			val, found = u.decodeValue(p.value), true
		}
	}
	if found {
		return val
	}
	s, _ := url.PathUnescape(u.rawPath)
	return s
}

// String returns the connection string, password included. It is for
// connecting; never print it.
func (u *URL) String() string { return u.format(false) }

// Redacted returns the connection string with every password replaced by
// [Mask]. It is the only form of a URL that may be shown.
func (u *URL) Redacted() string { return u.format(true) }

func (u *URL) format(redact bool) string {
	var b strings.Builder
	if u.form == FormKeyValue {
		for i, p := range u.params {
			if i > 0 {
				b.WriteByte(' ')
			}
			v := p.value
			if redact && isSecretKey(p.key) {
				v = Mask
			}
			b.WriteString(p.key)
			b.WriteByte('=')
			b.WriteString(quoteKV(v))
		}
		return b.String()
	}
	b.WriteString(u.scheme)
	b.WriteString("://")
	if u.hasUserinfo {
		b.WriteString(u.rawUser)
		if u.hasPassword {
			b.WriteByte(':')
			if redact {
				b.WriteString(Mask)
			} else {
				b.WriteString(u.rawPassword)
			}
		}
		b.WriteByte('@')
	}
	for i, h := range u.rawHosts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(h)
	}
	if u.hasPath {
		b.WriteByte('/')
		b.WriteString(u.rawPath)
	}
	if u.hasQuery {
		b.WriteByte('?')
		for i, p := range u.params {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(p.key)
			if redact && isSecretKey(unescape(p.key)) {
				b.WriteString("=" + Mask)
				continue
			}
			if !p.noEq {
				b.WriteByte('=')
			}
			b.WriteString(p.value)
		}
	}
	b.WriteString(u.fragment)
	// Parse trims white space around the whole string: a URL whose last
	// query parameter ends in it ("?a &" once the empty one after the '&'
	// is gone) would lose it when read again. Encoded, it stays.
	out := b.String()
	if t := strings.TrimRightFunc(out, unicode.IsSpace); len(t) < len(out) {
		var e strings.Builder
		e.WriteString(t)
		for i := len(t); i < len(out); i++ {
			fmt.Fprintf(&e, "%%%02X", out[i])
		}
		out = e.String()
	}
	return out
}

// formatHost writes a rewritten host entry for the URL form: IPv6 literals
// in brackets, other names percent-encoded where the URL syntax needs it.
func formatHost(h Host) string {
	name := h.Name
	if strings.Contains(name, ":") {
		// pgx and Parse percent-decode inside the brackets too, and Parse
		// looks for a fragment's '#' first.
		name = "[" + escapeComponent(name, ":") + "]"
	} else {
		var b strings.Builder
		for i := 0; i < len(name); i++ {
			c := name[i]
			if c <= ' ' || c >= 0x7f || strings.IndexByte("%/,@?#[]:&=+\\'\"", c) >= 0 {
				fmt.Fprintf(&b, "%%%02X", c)
			} else {
				b.WriteByte(c)
			}
		}
		name = b.String()
	}
	if h.Port != "" {
		return name + ":" + h.Port
	}
	return name
}

func quoteKV(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\r\f\v'\\") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// Clone returns a deep copy, so a rewrite never changes the original.
func (u *URL) Clone() *URL {
	c := *u
	c.hosts = append([]Host(nil), u.hosts...)
	c.rawHosts = append([]string(nil), u.rawHosts...)
	c.params = append([]param(nil), u.params...)
	return &c
}

// Identity names a database independently of how a connection string spells
// it: pooled or direct endpoint, user and credentials do not matter. What
// changes the server reached (hostaddr) or what a session sees there
// (session settings such as search_path) does.
type Identity struct {
	Host     string `json:"host"`
	Port     string `json:"port"`
	Database string `json:"database"`
	// HostAddr is libpq's hostaddr, one entry per host ("" for a host that
	// is looked up): the address connected to instead of the host name's.
	HostAddr string `json:"hostaddr,omitempty"`
	// Settings are the session settings from options (-c name=value, also
	// PGOPTIONS) and a search_path parameter that change what a session
	// sees, as name=value, sorted (see identitySettings).
	Settings string `json:"settings,omitempty"`
}

// String is host:port/database, the form dbguard shows (a name with white
// space at either end in double quotes), followed by the
// address and the settings in parentheses when there are any.
func (id Identity) String() string {
	host := id.Host
	if host == "" {
		host = "(local socket)"
	}
	db := id.Database
	switch {
	case db == "":
		db = "(default)"
	case strings.TrimSpace(db) != db:
		// Blanks at its ends are part of the name the app connects to
		// ("app  ", from postgres://h/app and two blanks): quoted, they
		// show.
		db = strconv.Quote(db)
	}
	s := host + ":" + id.Port + "/" + db
	var extra []string
	if id.HostAddr != "" {
		extra = append(extra, "address "+id.HostAddr)
	}
	if id.Settings != "" {
		extra = append(extra, id.Settings)
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, "; ") + ")"
	}
	return s
}

// Identity returns the database this string names as written. Hosts are
// lower-cased, the port defaults to 5432 and the database to the user name,
// as libpq does. Call it on the direct URL (see [Classify]) so that a pooled
// and a direct spelling of one database compare equal, and on a completed
// one (see [URL.Complete]) so that what the environment adds counts.
func (u *URL) Identity() Identity {
	var names, ports []string
	for _, h := range u.Hosts() {
		names = append(names, strings.ToLower(strings.TrimSuffix(h.Name, ".")))
		p := h.Port
		if p == "" {
			p = DefaultPort
		}
		ports = append(ports, strings.TrimLeft(p, "0"))
	}
	if len(ports) == 0 {
		ports = []string{DefaultPort}
	}
	db := u.Database()
	if db == "" {
		db = u.User()
	}
	id := Identity{Host: strings.Join(names, ","), Port: strings.Join(ports, ","), Database: db}
	if addr := strings.TrimSpace(u.Param("hostaddr")); strings.Trim(addr, ", ") != "" {
		id.HostAddr = strings.ToLower(addr)
	}
	id.Settings = u.identitySettings()
	return id
}

// harmlessSettings are session settings that change how long a session
// waits, what it logs or how much memory it uses, never which objects it
// sees or creates: two URLs differing only in them name one database.
var harmlessSettings = map[string]bool{
	"application_name": true, "statement_timeout": true, "lock_timeout": true,
	"idle_in_transaction_session_timeout": true, "idle_session_timeout": true,
	"transaction_timeout": true, "client_min_messages": true, "work_mem": true,
	"maintenance_work_mem": true, "temp_buffers": true, "jit": true,
	"log_statement": true, "log_min_duration_statement": true, "log_min_messages": true,
	"client_connection_check_interval": true,
}

// identitySettings returns the session settings that make a connection see
// another database than one without them: every -c name=value (or
// --name=value) in options, and a search_path parameter (pgx sends it as a
// setting), but those in harmlessSettings and Neon's endpoint=, which only
// routes to the host already named. Other words of options are kept as
// they are. Names are lower-cased (PostgreSQL's are case-insensitive).
func (u *URL) identitySettings() string {
	set := map[string]string{}
	var other []string
	words := strings.Fields(u.Param("options"))
	for i := 0; i < len(words); i++ {
		w := words[i]
		var kv string
		switch {
		case w == "-c" && i+1 < len(words):
			i++
			kv = words[i]
		case strings.HasPrefix(w, "-c"):
			kv = w[2:]
		case strings.HasPrefix(w, "--") && strings.Contains(w, "="):
			kv = w[2:]
		case strings.HasPrefix(strings.ToLower(w), "endpoint="):
			continue
		default:
			other = append(other, w)
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		set[strings.ReplaceAll(strings.ToLower(k), "-", "_")] = v
	}
	if v, ok := u.lookup("search_path"); ok {
		set["search_path"] = v
	}
	if v, ok := set["search_path"]; ok {
		// "a, b" and "a,b" are one path.
		set["search_path"] = strings.ReplaceAll(v, " ", "")
	}
	var out []string
	for k, v := range set {
		if !harmlessSettings[k] && !strings.HasPrefix(k, "log_") {
			out = append(out, k+"="+v)
		}
	}
	sort.Strings(out)
	return strings.Join(append(out, other...), " ")
}

// clientOnlyParams are URL parameters that other tools read and PostgreSQL
// does not: pgx would send them to the server as settings, which rejects
// them. Prisma's, golang-migrate's (x-...) and pgxpool's.
var clientOnlyParams = map[string]bool{
	"pgbouncer": true, "connection_limit": true, "pool_timeout": true, "schema": true,
	"statement_cache_size": true, "socket_timeout": true, "sslaccept": true,
	"pool_max_conns": true, "pool_min_conns": true, "pool_max_conn_lifetime": true,
	"pool_max_conn_idle_time": true, "pool_health_check_period": true,
	// libpq's; pgx does not know it, and internal/pg applies it (HostAddrs).
	"hostaddr": true,
}

// HostAddrs pairs each host in effect with its hostaddr, as libpq does:
// the address to connect to instead of the host name's, which is still
// what TLS verifies. It is nil when no hostaddr is given; a host with an
// empty entry is looked up as usual.
func (u *URL) HostAddrs() (map[string]string, error) {
	v, ok := u.lookup("hostaddr")
	if !ok || strings.Trim(v, ", ") == "" {
		return nil, nil
	}
	addrs := strings.Split(v, ",")
	hosts := u.Hosts()
	if len(hosts) == 0 {
		hosts = []Host{{}}
	}
	if len(addrs) != len(hosts) {
		return nil, parseErr("%d hostaddr entries for %d hosts (give one address per host)", len(addrs), len(hosts))
	}
	m := map[string]string{}
	for i, h := range hosts {
		a := strings.TrimSpace(addrs[i])
		if a == "" {
			continue
		}
		if net.ParseIP(a) == nil {
			return nil, parseErr("hostaddr %q is not an IP address (a host name goes in host)", a)
		}
		if h.Name == "" || strings.HasPrefix(h.Name, "/") {
			return nil, parseErr("hostaddr %s is given for a Unix-socket host (name the host, or leave host out)", a)
		}
		if prev, ok := m[h.Name]; ok && prev != a {
			return nil, parseErr("host %q is given twice with different hostaddr entries", h.Name)
		}
		m[h.Name] = a
	}
	return m, nil
}

// DriverString returns the connection string for a Go PostgreSQL driver
// (pgx): scheme postgres:// (not postgresql+asyncpg://) and without the
// parameters only other tools understand. It contains the password; never
// print it.
func (u *URL) DriverString() string {
	c := u.Clone()
	if c.form == FormURL {
		c.scheme = "postgres"
		// The user and password as dbguard read them, percent-encoded, so
		// that pgx reads them the same: pgx splits a raw '@' elsewhere and
		// would take part of the password for the host (and print it).
		if c.hasUserinfo {
			c.rawUser = escapeComponent(unescape(c.rawUser), "")
			if c.hasPassword {
				c.rawPassword = escapeComponent(unescape(c.rawPassword), "")
			}
		}
	}
	_, hasSSLMode := c.lookup("sslmode")
	kept := c.params[:0]
	for _, p := range c.params {
		k := c.decodeKey(p.key)
		if clientOnlyParams[k] || strings.HasPrefix(k, "x-") {
			continue
		}
		// asyncpg (SQLAlchemy's postgresql+asyncpg://) spells sslmode "ssl".
		if k == "ssl" && c.form == FormURL {
			if hasSSLMode {
				continue
			}
			mode := map[string]string{"true": "require", "1": "require", "false": "disable", "0": "disable"}[strings.ToLower(c.decodeValue(p.value))]
			if mode == "" {
				mode = c.decodeValue(p.value)
			}
			p = param{key: "sslmode", value: url.QueryEscape(mode)}
		}
		kept = append(kept, p)
	}
	c.params = kept
	if len(kept) == 0 {
		c.hasQuery = false
	}
	return c.String()
}

// WithDatabase returns a copy of u naming database name instead.
func (u *URL) WithDatabase(name string) *URL {
	c := u.Clone()
	c.setDatabase(name)
	return c
}

// setDatabase writes name where pgx reads the database: the dbname (or
// database) parameter if there is one, else the URL's path or a new dbname.
func (u *URL) setDatabase(name string) {
	set := u.setParam("dbname", name)
	if u.setParam("database", name) || set {
		return
	}
	// An empty path is no database; an empty parameter hides PGDATABASE.
	if u.form == FormURL && name != "" {
		u.hasPath, u.rawPath = true, escapeComponent(name, "")
		return
	}
	u.addParam("dbname", name)
}

// queryKeep is what escapeComponent leaves as it is in a query value:
// characters that neither pgx, libpq nor Parse split a URL on.
const queryKeep = "/:,"

// escapeComponent percent-encodes s for a URL's user name, password, path
// or query value: everything but letters, digits, "-._~" and the bytes in
// keep. A space becomes %20, never '+', which libpq and pgx read as '+'.
func escapeComponent(s, keep string) string {
	keep += "-._~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
