package hooks

import (
	"bytes"
	"encoding/base64"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/lazyre"
)

// This file finds the credentials that depend on the kind of file they are
// in: .pgpass lines, pg_service.conf sections, password keys of YAML, JSON
// and TOML configuration (docker compose's POSTGRES_PASSWORD among them);
// and the ones any file may hold that are not connection strings:
// PGPASSWORD=... assignments and postgres:// URLs in base64. A file is
// classified by its name once; a line costs a few substring tests unless
// it holds what a detector looks for.

// fileKind says which detectors beyond the line ones read a file.
type fileKind uint8

const (
	kindPlain   fileKind = iota
	kindPgpass           // host:port:database:user:password lines
	kindService          // pg_service.conf: [service] sections of key=value
	kindConfig           // YAML, JSON, TOML: password keys
)

// kindOf classifies a file by its name.
func kindOf(p string) fileKind {
	base := strings.ToLower(path.Base(p))
	switch base {
	case ".pgpass", "pgpass", "pgpass.conf":
		return kindPgpass
	case "pg_service.conf", ".pg_service.conf":
		return kindService
	}
	switch path.Ext(base) {
	case ".yml", ".yaml", ".json", ".toml":
		return kindConfig
	}
	return kindPlain
}

// lineFinding is one credential in a file, redacted.
type lineFinding struct {
	line  int
	shown string
	// allowNew: the line's dbguard:allow comment was not honoured, being
	// new in the pull request judged (NewLines).
	allowNew bool
}

// NewLines is what a pull request adds, by file (a slash path from the
// repository's top): the line numbers, in the pull request's version, of
// the lines it adds or changes. A file present with a nil set is new or
// changed in lines that cannot be told (a binary diff): every line of it
// counts as new. A dbguard:allow comment on a new line is not honoured in
// dbguard ci: the pull request is not the judge of its own exemption.
type NewLines map[string]map[int]bool

// AllNew is the key of NewLines that makes every line of every file new:
// a pull request whose base cannot be read.
const AllNew = "\x00every file"

// Fresh reports whether line of the file p is new.
func (n NewLines) Fresh(p string, line int) bool {
	f := n.fresh(p)
	return f != nil && f(line)
}

// fresh is the test for the lines of p; nil when none is new.
func (n NewLines) fresh(p string) func(int) bool {
	set, ok := n[p]
	if _, all := n[AllNew]; all {
		set, ok = nil, true
	}
	switch {
	case !ok:
		return nil
	case set == nil:
		return func(int) bool { return true }
	}
	return func(l int) bool { return set[l] }
}

// fileCredentials judges lines of the file at p, in order (all of them, or
// the ones a commit adds), and returns the credentials found.
func fileCredentials(p string, lines []AddedLine) []lineFinding {
	return newFileCredentials(p, lines, nil)
}

// newFileCredentials is fileCredentials where a dbguard:allow comment on
// a line fresh calls new is not honoured: the line's credentials are
// found, marked allowNew.
func newFileCredentials(p string, lines []AddedLine, fresh func(int) bool) []lineFinding {
	kind := kindOf(p)
	var out []lineFinding
	var svc serviceSection
	for _, l := range lines {
		text := strings.TrimSuffix(l.Text, "\r")
		var spans []span
		switch kind {
		case kindPgpass:
			spans = pgpassCredentials(text, spans)
		case kindService:
			out = svc.line(l.Line, text, out)
			continue
		case kindConfig:
			spans = configCredentials(text, strings.HasSuffix(strings.ToLower(p), ".json"), spans)
		}
		spans = lineSpans(text, spans)
		if fresh != nil && fresh(l.Line) && len(spans) > 0 && allowMarked(text, spans) {
			for _, s := range redacted(spans) {
				out = append(out, lineFinding{line: l.Line, shown: s, allowNew: true})
			}
			continue
		}
		for _, s := range shown(text, spans) {
			out = append(out, lineFinding{line: l.Line, shown: s})
		}
	}
	if kind == kindService {
		out = svc.flush(out)
	}
	return out
}

// pgpassCredentials reads a .pgpass line, host:port:database:user:password
// with '\' escaping ':' and '\', as libpq does: the password is the rest of
// the line after the fourth field. Only a loopback host is exempt; "*"
// matches every host.
func pgpassCredentials(line string, out []span) []span {
	if strings.HasPrefix(strings.TrimSpace(line), "#") {
		return out
	}
	var fields []string
	var cur strings.Builder
	rest := -1
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
		case c == ':':
			fields = append(fields, cur.String())
			cur.Reset()
			if len(fields) == 4 {
				rest = i + 1
			}
		default:
			cur.WriteByte(c)
		}
		if rest >= 0 {
			break
		}
	}
	if rest < 0 {
		return out
	}
	pw := line[rest:]
	if !judge([]string{pw}, []string{fields[0]}) {
		return out
	}
	return append(out, span{rest, len(line), dburl.RedactText(line[:rest]) + dburl.Mask})
}

// serviceSection is the pg_service.conf section being read: its hosts and
// the password lines, judged together when the section ends (the host may
// come after the password).
type serviceSection struct {
	name      string
	hosts     []string
	passwords []lineFinding // the line and the value
}

func (s *serviceSection) line(n int, text string, out []lineFinding) []lineFinding {
	t := strings.TrimSpace(text)
	switch {
	case t == "" || strings.HasPrefix(t, "#"):
	case strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]"):
		out = s.flush(out)
		s.name = t[1 : len(t)-1]
	default:
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			break
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch {
		case isSecretKey(k):
			s.passwords = append(s.passwords, lineFinding{line: n, shown: v})
		case k == "host" || k == "hostaddr":
			for _, h := range strings.Split(v, ",") {
				if h != "" {
					s.hosts = append(s.hosts, h)
				}
			}
		}
	}
	return out
}

// flush judges the section's passwords with its hosts, and starts anew.
func (s *serviceSection) flush(out []lineFinding) []lineFinding {
	for _, p := range s.passwords {
		if judge([]string{p.shown}, s.hosts) {
			out = append(out, lineFinding{line: p.line, shown: "password=" + dburl.Mask + " in service " + strconv.Quote(s.name)})
		}
	}
	*s = serviceSection{}
	return out
}

// configKey finds a key ending in password or passwd, with its ':' or '='
// (YAML, JSON, TOML, and compose's "- POSTGRES_PASSWORD=..." list form).
var configKey = lazyre.New(`(?i)(?:^|[\s{,\[])(?:-\s+)?["']?([a-z0-9_.\-]*pass(?:word|wd))["']?[ \t]*[:=][ \t]*`)

// configCredentials appends the password keys of a configuration line whose
// value is a real password. The value heuristics follow gitleaks' generic
// password rule in spirit: no placeholder, variable or template, no
// reference (YAML tags and aliases, sops' ENC[...], vault:), no prose (white
// space), no null or boolean; a lower-case key (password:) whose value is
// one word of letters only is a label (i18n files: "password": "Passwort"),
// while an environment-style key (POSTGRES_PASSWORD) counts whatever it
// holds.
func configCredentials(line string, json bool, out []span) []span {
	if !containsFold(line, "pass") {
		return out
	}
	next := 0 // a key inside a value (${POSTGRES_PASSWORD:-x}) is the value's
	for _, m := range configKey.FindAllStringSubmatchIndex(line, -1) {
		key := line[m[2]:m[3]]
		start := m[1]
		if start >= len(line) || m[0] < next {
			continue
		}
		value, end := configValue(line[start:], json)
		next = start + end
		if !realConfigPassword(key, value) {
			continue
		}
		out = append(out, span{start, start + end, dburl.RedactText(key) + ": " + dburl.Mask})
	}
	return out
}

// configValue reads the scalar at the start of s: a double-quoted string
// with escapes, a single-quoted one (a quote in it doubled), or a plain value up to
// a comment (" #") or the end; in JSON a plain value also ends at ',', '}'
// or ']'. It returns the value and how much of s it took.
func configValue(s string, json bool) (string, int) {
	switch s[0] {
	case '"':
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch c := s[i]; {
			case c == '\\' && i+1 < len(s):
				i++
				b.WriteByte(s[i])
			case c == '"':
				return b.String(), i + 1
			default:
				b.WriteByte(c)
			}
		}
		return b.String(), len(s)
	case '\'':
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i++
					continue
				}
				return b.String(), i + 1
			}
			b.WriteByte(s[i])
		}
		return b.String(), len(s)
	}
	end := len(s)
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') || json && strings.IndexByte(",}]", s[i]) >= 0 {
			end = i
			break
		}
	}
	return strings.TrimSpace(s[:end]), end
}

// realConfigPassword applies configCredentials' value heuristics.
func realConfigPassword(key, v string) bool {
	if isPlaceholder(v) || strings.ContainsAny(v, " \t") {
		return false
	}
	switch strings.ToLower(v) {
	case "null", "~", "true", "false", "none", "nil", "yes", "no":
		return false
	}
	for _, ref := range []string{"!", "*", "&", "|", ">", "{", "[", "ENC[", "vault:"} {
		if strings.HasPrefix(v, ref) {
			return false
		}
	}
	if strings.ToUpper(key) != key && strings.IndexFunc(v, func(r rune) bool { return !unicode.IsLetter(r) }) < 0 {
		return false
	}
	return true
}

// pgpasswordAssign finds PGPASSWORD=value (and PGSSLPASSWORD=), as a shell,
// a Dockerfile, a Makefile or os.environ["PGPASSWORD"] = ... sets it.
var pgpasswordAssign = lazyre.New(`\b(PG(?:SSL)?PASSWORD)["']?\]?[ \t]*=[ \t]*`)

// hostFlag finds the host a psql command line or PGHOST names.
var hostFlag = lazyre.New(`(?:^|\s)(?:-h[ \t]*|--host[= ]|PGHOST=|host=)["']?([^\s"';&|]+)`)

// pgpasswordCredentials appends the PGPASSWORD assignments in line with a
// real value. A host on the same line (psql -h, PGHOST=) that is loopback
// exempts it; none does not, as for a URL with no host.
func pgpasswordCredentials(line string, out []span) []span {
	for _, m := range pgpasswordAssign.FindAllStringSubmatchIndex(line, -1) {
		start := m[1]
		if start >= len(line) || line[start] == '=' {
			continue // PGPASSWORD == x: a comparison
		}
		var value string
		var end int
		if line[start] == '"' || line[start] == '\'' {
			value, end = configValue(line[start:], false)
		} else {
			end = strings.IndexFunc(line[start:], func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(";&|)`", r) })
			if end < 0 {
				end = len(line) - start
			}
			value = line[start : start+end]
		}
		var hosts []string
		for _, h := range hostFlag.FindAllStringSubmatch(line, -1) {
			hosts = append(hosts, h[1])
		}
		if judge([]string{value}, hosts) {
			out = append(out, span{m[0], start + end, line[m[2]:m[3]] + "=" + dburl.Mask})
		}
	}
	return out
}

// The base64 of "postgre" at the start of a value, and of "jdbc:postgresql".
const (
	b64Postgres = "cG9zdGdyZX"
	b64JDBC     = "amRiYzpwb3N0Z3Jlc3Fs"
)

var base64Token = lazyre.New(`[A-Za-z0-9+/_\-]{16,}={0,2}`)

// base64Credentials appends the base64 values in line that decode to a
// connection string with a real password: a Kubernetes Secret's data:.
func base64Credentials(line string, out []span) []span {
	for _, m := range base64Token.FindAllStringIndex(line, -1) {
		tok := line[m[0]:m[1]]
		if !strings.HasPrefix(tok, b64Postgres) && !strings.HasPrefix(tok, b64JDBC) {
			continue
		}
		var dec []byte
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if d, err := enc.DecodeString(tok); err == nil {
				dec = d
				break
			}
		}
		if dec == nil {
			continue
		}
		text := string(dec)
		// The decoded value is judged as a line of its own: its passwords
		// are masked in the finding, which names the encoding.
		for _, sp := range lineSpans(text, nil) {
			out = append(out, span{m[0], m[1], "base64 of " + sp.shown})
		}
	}
	return out
}

// decodeUTF16 returns the text of a file that starts with a UTF-16 byte
// order mark, as UTF-8; ok is false for any other file. Git treats such a
// file as binary, so it would otherwise never be read.
func decodeUTF16(data []byte) (string, bool) {
	var big bool
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		big = true
	default:
		return "", false
	}
	data = data[2:]
	units := make([]uint16, len(data)/2)
	for i := range units {
		if big {
			units[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
		} else {
			units[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
		}
	}
	return string(utf16.Decode(units)), true
}

// textLines splits a file into numbered lines.
func textLines(text string) []AddedLine {
	parts := strings.Split(text, "\n")
	lines := make([]AddedLine, len(parts))
	for i, l := range parts {
		lines[i] = AddedLine{Line: i + 1, Text: l}
	}
	return lines
}
