package sqlscan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Act is a statement, or a part of one, that can act beyond the database it
// runs in: on other databases of the server, its roles and settings, its
// files, or the machine the server runs on. A preview must never send one
// to the live server.
type Act struct {
	Line int    // 1-based, in the text given to Reach
	What string // the statement or call, as PostgreSQL names it: "DROP DATABASE", "COPY ... TO PROGRAM", "dblink_exec()"
	Why  string // what it can do beyond the database
	// Dynamic is SQL built at run time (EXECUTE of an expression in a DO
	// block or a function body): it cannot be judged before it runs.
	Dynamic bool
}

// Where is "line N: WHAT", for messages.
func (a Act) String() string { return fmt.Sprintf("line %d: %s", a.Line, a.What) }

// Reach lists what in text can act beyond its database, in order. It reads
// statements the way Split does, and looks inside the bodies PostgreSQL
// runs at once or later (DO blocks, function and procedure bodies), and
// into EXECUTE of a literal string there.
//
// It is a classifier over PostgreSQL's tokens, not a parser: it errs
// towards reporting. What no reading of the text can settle (EXECUTE of a
// string built at run time) is reported as Dynamic.
//
// A plain string is read both ways the server may lex it: as written, and,
// when the text holds a backslash, with backslash escapes, as a session
// with standard_conforming_strings off reads it (an earlier migration's
// SET, or the database's setting). In 'a\', ' ; COPY ...; -- ' the COPY
// is inside a string one way and a statement the other.
func Reach(text string) []Act {
	out := reach(text)
	if strings.IndexByte(text, '\\') < 0 {
		return out
	}
	seen := map[Act]bool{}
	for _, a := range out {
		seen[a] = true
	}
	for _, a := range reach(escapedReading(text, 0)) {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b Act) int { return a.Line - b.Line })
	return out
}

func reach(text string) []Act {
	var out []Act
	for _, st := range Split(text) {
		out = append(out, reachStatement(st.Text, st.Line, 0)...)
	}
	return out
}

// escapedReading is text with each plain string ('...', lexed with
// backslash escapes, as the server does with standard_conforming_strings
// off) written as an escape string (E'...'), which every reading lexes
// that way; lines stay where they were. Bodies are read so to the depth
// Reach looks into them (maxBodyDepth), so the work stays bounded.
func escapedReading(text string, depth int) string {
	s := scanner{src: text, line: 1, escapes: true}
	var b strings.Builder
	last := 0
	for {
		tok, pos, _ := s.next()
		if tok == "" {
			break
		}
		switch {
		case tok[0] == '\'':
			b.WriteString(text[last:pos])
			b.WriteString(" E")
			last = pos
		case tok[0] == '$' && len(tok) > 1:
			// A body (DO, a function's) is lexed by the same rules when
			// it runs: read its strings the same way.
			tag := tok[:strings.IndexByte(tok[1:], '$')+2]
			if depth < maxBodyDepth && len(tok) >= 2*len(tag) && strings.HasSuffix(tok, tag) {
				b.WriteString(text[last : pos+len(tag)])
				b.WriteString(escapedReading(tok[len(tag):len(tok)-len(tag)], depth+1))
				last = pos + len(tok) - len(tag)
			}
		}
	}
	b.WriteString(text[last:])
	return b.String()
}

// maxBodyDepth bounds the recursion into bodies and EXECUTE strings.
const maxBodyDepth = 4

// Token is one token of SQL text as Split reads it: a word, a quoted
// string or identifier, a whole dollar-quoted body, or one other
// character; comments and space are not tokens.
type Token struct {
	Text  string // as written
	Upper string // a word upper-cased; any other token as written
	Line  int    // 1-based
	Pos   int    // byte offset in the text
	Depth int    // parentheses open before it
	Word  bool
	// name is Name, when named: read once by tokens, where the rules ask
	// it of every token several times (a copy each when it had capitals).
	name  string
	named bool
}

// IsString reports a string literal ('...', E'...', $tag$...$tag$).
func (t Token) IsString() bool {
	c := t.Text[0]
	return c == '\'' || c == '$' || (c == 'E' || c == 'e') && len(t.Text) > 1 && t.Text[1] == '\''
}

// Name is a word or a quoted identifier as PostgreSQL folds it; "" for
// any other token.
func (t Token) Name() string {
	if t.named {
		return t.name
	}
	if t.Word || t.Text[0] == '"' {
		return Ident(t.Text)
	}
	return ""
}

// Ident is an identifier as written (a word, or "..." with "" for a quote;
// a U&"..." one decoded first, as Tokens does) named as the catalog names
// it, as the server's scanner does: a word's ASCII letters A-Z fold to
// lower case and nothing else does (in UTF-8 the server folds no other
// letter: ÄB is Äb); a quoted one loses its one opening and one closing
// quote and keeps its case; either is cut to 63 bytes (NAMEDATALEN-1) at a
// character's boundary, as truncate_identifier does.
func Ident(text string) string {
	var n string
	if text != "" && text[0] == '"' {
		body := text[1:]
		if strings.HasSuffix(body, `"`) {
			body = body[:len(body)-1]
		}
		n = strings.ReplaceAll(body, `""`, `"`)
	} else {
		// Most words are lower case already: then no copy (a copy per
		// name asked was half of Reach's allocations on a large file).
		n = text
		for i := 0; i < len(text); i++ {
			if c := text[i]; c >= 'A' && c <= 'Z' {
				b := []byte(text)
				for j := i; j < len(b); j++ {
					if c := b[j]; c >= 'A' && c <= 'Z' {
						b[j] = c + 'a' - 'A'
					}
				}
				n = string(b)
				break
			}
		}
	}
	if len(n) > maxIdent {
		cut := maxIdent
		for cut > 0 && !utf8.RuneStart(n[cut]) {
			cut--
		}
		n = n[:cut]
	}
	return n
}

// maxIdent is the longest name the catalog holds, in bytes (NAMEDATALEN-1).
const maxIdent = 63

// Tokens returns the tokens of text, the first line being line 1.
func Tokens(text string) []Token { return tokens(text, 1) }

func tokens(text string, line int) []Token {
	s := scanner{src: text, line: line}
	// About one token in eight bytes of SQL, up to a bound: a statement's
	// tokens grown from none were a quarter of Reach's time on a large
	// file, in copies and collections.
	out := make([]Token, 0, min(len(text)/8+4, 4096))
	up := upperText{text: text}
	depth := 0
	for {
		tok, pos, l := s.next()
		if tok == "" {
			return foldUnicode(out)
		}
		if tok == ")" {
			depth = max(depth-1, 0)
		}
		t := Token{Text: tok, Upper: tok, Line: l, Pos: pos, Depth: depth, Word: isWord(tok)}
		if t.Word {
			t.Upper = up.word(tok, pos)
			t.name, t.named = up.lower(tok, pos), true
		}
		if tok == "(" {
			depth++
		}
		out = append(out, t)
	}
}

// upperText upper-cases the words of one text: an ASCII word's upper case
// is a slice of the text upper-cased once, made when a word first needs
// it; strings.ToUpper per word was an allocation for every lower-case
// word, a tenth of Reach's time on a large file.
type upperText struct {
	text, up, low string
}

// word is the upper case of the word at pos of the text.
func (u *upperText) word(w string, pos int) string {
	lower := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 0x80 {
			return strings.ToUpper(w)
		}
		lower = lower || c >= 'a' && c <= 'z'
	}
	if !lower {
		return w
	}
	if u.up == "" {
		b := []byte(u.text)
		for i, c := range b {
			if c >= 'a' && c <= 'z' {
				b[i] = c - 'a' + 'A'
			}
		}
		u.up = string(b)
	}
	return u.up[pos : pos+len(w)]
}

// lower is Ident of the word at pos of the text: ASCII capitals folded
// (a slice of the text folded once), cut to maxIdent bytes.
func (u *upperText) lower(w string, pos int) string {
	n := w
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= 'A' && c <= 'Z' {
			if u.low == "" {
				b := []byte(u.text)
				for j, c := range b {
					if c >= 'A' && c <= 'Z' {
						b[j] = c + 'a' - 'A'
					}
				}
				u.low = string(b)
			}
			n = u.low[pos : pos+len(w)]
			break
		}
	}
	if len(n) > maxIdent {
		return Ident(n)
	}
	return n
}

// foldUnicode makes each Unicode-escaped identifier or string (U&"...",
// U&'...', with an optional UESCAPE 'c' after it) one token written as
// its plain equivalent, so that Name, IsString and stringBody see what
// PostgreSQL decodes: U&"pg_read_\0066ile" is pg_read_file. One that does
// not decode (the server refuses it) is left as written.
func foldUnicode(toks []Token) []Token {
	// Most text has no U& at all: then the tokens are as they are, not
	// copied (a copy of every statement's tokens was a fifth of Reach's
	// time on a large file).
	amp := false
	for i := 1; i < len(toks); i++ {
		if toks[i].Text == "&" && (toks[i-1].Text == "U" || toks[i-1].Text == "u") {
			amp = true
			break
		}
	}
	if !amp {
		return toks
	}
	var out []Token
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if i+2 < len(toks) && (t.Text == "U" || t.Text == "u") && toks[i+1].Text == "&" && toks[i+1].Pos == t.Pos+1 &&
			toks[i+2].Pos == t.Pos+2 && (toks[i+2].Text[0] == '"' || toks[i+2].Text[0] == '\'') {
			q := toks[i+2].Text
			esc, skip := byte('\\'), 2
			if i+4 < len(toks) && toks[i+3].Word && toks[i+3].Upper == "UESCAPE" && len(toks[i+4].Text) == 3 && toks[i+4].Text[0] == '\'' {
				esc, skip = toks[i+4].Text[1], 4
			}
			if len(q) >= 2 && q[len(q)-1] == q[0] {
				quote := q[:1]
				if dec, ok := decodeUnicode(strings.ReplaceAll(q[1:len(q)-1], quote+quote, quote), esc); ok {
					t.Text = quote + strings.ReplaceAll(dec, quote, quote+quote) + quote
					t.Upper, t.Word, t.named = t.Text, false, false
					out = append(out, t)
					i += skip
					continue
				}
			}
		}
		out = append(out, t)
	}
	return out
}

// decodeUnicode decodes PostgreSQL's Unicode escapes with escape character
// esc: esc+XXXX, esc+'+'+XXXXXX (a surrogate pair joined), esc+esc.
func decodeUnicode(s string, esc byte) (string, bool) {
	if strings.IndexByte(s, esc) < 0 {
		return s, true
	}
	var b strings.Builder
	hex := func(h string) (rune, bool) {
		n, err := strconv.ParseUint(h, 16, 32)
		return rune(n), err == nil
	}
	for i := 0; i < len(s); i++ {
		if s[i] != esc {
			b.WriteByte(s[i])
			continue
		}
		var r rune
		var ok bool
		switch {
		case i+1 < len(s) && s[i+1] == esc:
			b.WriteByte(esc)
			i++
			continue
		case i+7 < len(s) && s[i+1] == '+':
			r, ok = hex(s[i+2 : i+8])
			i += 7
		case i+4 < len(s):
			r, ok = hex(s[i+1 : i+5])
			i += 4
		}
		if !ok {
			return "", false
		}
		if utf16.IsSurrogate(r) {
			// The low half follows, written the same way.
			if i+5 >= len(s) || s[i+1] != esc {
				return "", false
			}
			lo, ok := hex(s[i+2 : i+6])
			if !ok {
				return "", false
			}
			r = utf16.DecodeRune(r, lo)
			i += 5
		}
		b.WriteRune(r)
	}
	return b.String(), true
}

// decodeEscapes decodes the backslash escapes of an escape string's body
// (E'...'): \b \f \n \r \t, octal \o to \ooo, \xh and \xhh, \uXXXX,
// \UXXXXXXXX, and any other character after a backslash as itself.
func decodeEscapes(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		c = s[i]
		digits := func(max int, ok func(byte) bool) string {
			j := i + 1
			for j < len(s) && j-i-1 < max && ok(s[j]) {
				j++
			}
			return s[i+1 : j]
		}
		isOct := func(c byte) bool { return c >= '0' && c <= '7' }
		isHex := func(c byte) bool { return strings.IndexByte("0123456789abcdefABCDEF", c) >= 0 }
		switch c {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			d := s[i : i+1+len(digits(2, isOct))]
			n, _ := strconv.ParseUint(d, 8, 16)
			b.WriteByte(byte(n))
			i += len(d) - 1
		case 'x', 'u', 'U':
			max := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
			d := digits(max, isHex)
			if d == "" || c != 'x' && len(d) != max {
				b.WriteByte(c)
				continue
			}
			n, _ := strconv.ParseUint(d, 16, 32)
			if c == 'x' {
				b.WriteByte(byte(n))
			} else {
				b.WriteRune(rune(n))
			}
			i += len(d)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// stringBody returns the content of a string literal Token and the line
// it starts on: what a DO block or a function runs.
func stringBody(t Token) (string, bool) {
	s := t.Text
	switch {
	case s[0] == '$':
		end := strings.IndexByte(s[1:], '$')
		if end < 0 {
			return "", false
		}
		tag := s[:end+2]
		if len(s) < 2*len(tag) || !strings.HasSuffix(s, tag) {
			return "", false
		}
		return s[len(tag) : len(s)-len(tag)], true
	case s[0] == '\'':
		if len(s) < 2 || s[len(s)-1] != '\'' {
			return "", false
		}
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'"), true
	case (s[0] == 'E' || s[0] == 'e') && len(s) > 2 && s[len(s)-1] == '\'':
		// Decoded as the server does: pg_read_\x66ile is pg_read_file.
		return decodeEscapes(strings.ReplaceAll(s[2:len(s)-1], "''", "'")), true
	}
	return "", false
}

// Functions that read or write the server's files, signal other sessions
// or connect to other databases.
var reachFuncs = map[string]string{
	"pg_read_file":             "reads files on the database server",
	"pg_read_binary_file":      "reads files on the database server",
	"pg_stat_file":             "reads files on the database server",
	"pg_ls_dir":                "lists folders on the database server",
	"pg_ls_logdir":             "lists folders on the database server",
	"pg_ls_waldir":             "lists folders on the database server",
	"pg_ls_tmpdir":             "lists folders on the database server",
	"pg_ls_archive_statusdir":  "lists folders on the database server",
	"pg_file_write":            "writes files on the database server",
	"pg_file_rename":           "writes files on the database server",
	"pg_file_unlink":           "writes files on the database server",
	"lo_import":                "reads files on the database server",
	"lo_export":                "writes files on the database server",
	"pg_terminate_backend":     "ends other sessions of the server, of any database",
	"pg_cancel_backend":        "cancels other sessions' queries, of any database",
	"pg_reload_conf":           "reloads the server's configuration",
	"pg_rotate_logfile":        "acts on the server's log",
	"pg_promote":               "promotes a standby server",
	"pg_create_restore_point":  "acts on the server's write-ahead log",
	"pg_switch_wal":            "acts on the server's write-ahead log",
	"pg_drop_replication_slot": "acts on the server's replication",
	// A slot outlives the transaction that made it (a ROLLBACK keeps it),
	// and holds the server's write-ahead log until its disk is full.
	"pg_create_physical_replication_slot": "creates a replication slot, which outlives a rollback and holds the server's write-ahead log",
	"pg_create_logical_replication_slot":  "creates a replication slot, which outlives a rollback and holds the server's write-ahead log",
	"pg_copy_physical_replication_slot":   "creates a replication slot, which outlives a rollback and holds the server's write-ahead log",
	"pg_copy_logical_replication_slot":    "creates a replication slot, which outlives a rollback and holds the server's write-ahead log",
	"pg_replication_slot_advance":         "moves a replication slot: its consumer loses changes",
	"pg_logical_slot_get_changes":         "consumes a replication slot: its consumer loses changes",
	"pg_logical_slot_get_binary_changes":  "consumes a replication slot: its consumer loses changes",
	"pg_replication_origin_create":        "acts on the server's replication",
	"pg_replication_origin_drop":          "acts on the server's replication",
	"pg_replication_origin_advance":       "acts on the server's replication",
	"pg_stat_reset_shared":                "resets the whole server's statistics",
	"pg_stat_reset_slru":                  "resets the whole server's statistics",
	"pg_stat_reset_replication_slot":      "resets the whole server's statistics",
	"pg_stat_reset_subscription_stats":    "resets the whole server's statistics",
	"pg_backup_start":                     "puts the whole server in backup mode",
	"pg_backup_stop":                      "acts on the whole server's backup",
	"pg_start_backup":                     "puts the whole server in backup mode",
	"pg_stop_backup":                      "acts on the whole server's backup",
	"pg_log_backend_memory_contexts":      "acts on other sessions of the server",
	"pg_wal_replay_pause":                 "pauses a standby server's replay",
	"pg_wal_replay_resume":                "acts on a standby server's replay",
	"pg_ls_replslotdir":                   "lists folders on the database server",
	"pg_ls_logicalsnapdir":                "lists folders on the database server",
	"pg_ls_logicalmapdir":                 "lists folders on the database server",
	"dblink":                              "runs SQL in another database or server",
	"dblink_exec":                         "runs SQL in another database or server",
	"dblink_connect":                      "connects to another database or server",
	"dblink_connect_u":                    "connects to another database or server",
	"dblink_open":                         "runs SQL in another database or server",
	"dblink_send_query":                   "runs SQL in another database or server",
}

// Extensions whose whole point is reaching outside the database.
var reachExtensions = map[string]string{
	"dblink":       "runs SQL in other databases and servers",
	"postgres_fdw": "reads and writes tables of other databases and servers",
	"file_fdw":     "reads files on the database server",
	"adminpack":    "writes files on the database server",
	"plpython3u":   "runs Python on the database server, outside any sandbox",
	"plpythonu":    "runs Python on the database server, outside any sandbox",
	"plperlu":      "runs Perl on the database server, outside any sandbox",
	"pltclu":       "runs Tcl on the database server, outside any sandbox",
}

// Untrusted languages, and C: code that runs with the server's rights.
var untrustedLanguages = map[string]bool{
	"c": true, "internal": true, "plpython3u": true, "plpythonu": true, "plpython2u": true,
	"plperlu": true, "pltclu": true, "plsh": true, "plv8u": true,
}

// reachStatement classifies one statement (or a body's statement) whose
// text starts on line.
func reachStatement(text string, line, depth int) []Act {
	toks := tokens(text, line)
	if len(toks) == 0 {
		return nil
	}
	var out []Act
	add := func(t Token, what, why string) {
		out = append(out, Act{Line: t.Line, What: what, Why: why})
	}
	words := func(from, n int) []string {
		var w []string
		for i := from; i < len(toks) && len(w) < n; i++ {
			if toks[i].Word {
				w = append(w, toks[i].Upper)
			} else {
				break
			}
		}
		return w
	}
	head := words(0, 6)
	at := func(i int) string {
		if i < len(head) {
			return head[i]
		}
		return ""
	}
	first := toks[0]
	verb := at(0)
	obj := at(1)
	if verb == "CREATE" && obj == "OR" && at(2) == "REPLACE" {
		obj = at(3)
	}
	if (verb == "CREATE" || verb == "DROP") && (obj == "TRUSTED" || obj == "PROCEDURAL") {
		obj = "LANGUAGE"
	}
	switch {
	case (verb == "CREATE" || verb == "ALTER" || verb == "DROP") && obj == "DATABASE":
		add(first, verb+" DATABASE", "acts on another database of the server (a preview's shadow is one database; the server holds the live ones)")
	case (verb == "CREATE" || verb == "ALTER" || verb == "DROP") && (obj == "ROLE" || obj == "GROUP" || obj == "USER" && at(2) != "MAPPING"):
		add(first, verb+" "+obj, "roles belong to the whole server: every database, the live ones included, sees the change")
	case (verb == "CREATE" || verb == "ALTER" || verb == "DROP") && obj == "USER" && at(2) == "MAPPING":
		add(first, verb+" USER MAPPING", "stores credentials for another server")
	case (verb == "CREATE" || verb == "ALTER" || verb == "DROP") && obj == "TABLESPACE":
		add(first, verb+" TABLESPACE", "acts on the server's folders")
	case (verb == "CREATE" || verb == "ALTER") && (obj == "SERVER" || obj == "SUBSCRIPTION"):
		add(first, verb+" "+obj, "connects to another database or server")
	case verb == "DROP" && obj == "SUBSCRIPTION":
		add(first, "DROP SUBSCRIPTION", "connects to the publishing server and drops its replication slot there")
	case verb == "CREATE" && at(1) == "FOREIGN" && at(2) == "DATA" && at(3) == "WRAPPER":
		add(first, "CREATE FOREIGN DATA WRAPPER", "reaches outside the database")
	case verb == "IMPORT" && obj == "FOREIGN":
		add(first, "IMPORT FOREIGN SCHEMA", "reads another database or server")
	case verb == "ALTER" && obj == "SYSTEM":
		add(first, "ALTER SYSTEM", "writes the server's configuration file (postgresql.auto.conf), for every database")
	case verb == "REASSIGN" && obj == "OWNED":
		add(first, "REASSIGN OWNED", "hands objects from one role to another")
	case verb == "DROP" && obj == "OWNED":
		add(first, "DROP OWNED", "also revokes the role's privileges on the whole server's databases and tablespaces, the live ones' included: without CONNECT its sessions can no longer log in")
	case verb == "COMMENT" && obj == "ON" && sharedObject(at(2)):
		add(first, "COMMENT ON "+at(2), "the comment of an object of the whole server, which every database sees")
	case verb == "SECURITY" && obj == "LABEL":
		// SECURITY LABEL [FOR provider] ON kind name IS ...
		for i := 2; i+1 < len(toks); i++ {
			if toks[i].Depth == 0 && toks[i].Word && toks[i].Upper == "ON" {
				if kind := toks[i+1].Upper; toks[i+1].Word && sharedObject(kind) {
					add(first, "SECURITY LABEL ON "+kind, "the label of an object of the whole server, which every database sees")
				}
				break
			}
		}
	case verb == "PREPARE" && obj == "TRANSACTION":
		add(first, "PREPARE TRANSACTION", "leaves a transaction on the server after the session: it keeps its locks and holds back vacuum in every database")
	case verb == "CHECKPOINT":
		add(first, "CHECKPOINT", "writes every database's changed pages to disk: the whole server's I/O")
	case verb == "LOAD":
		add(first, "LOAD", "loads a shared library into the server")
	case verb == "CREATE" && obj == "LANGUAGE":
		add(first, "CREATE LANGUAGE", "adds a procedural language to the server")
	case verb == "CREATE" && obj == "EXTENSION":
		i := 2
		if at(2) == "IF" && at(3) == "NOT" && at(4) == "EXISTS" {
			i = 5
		}
		if i < len(toks) {
			if why, ok := reachExtensions[toks[i].Name()]; ok {
				add(first, "CREATE EXTENSION "+toks[i].Name(), why)
			}
		}
	case verb == "GRANT" || verb == "REVOKE":
		out = append(out, reachGrant(toks, verb)...)
	case verb == "COPY":
		out = append(out, reachCopy(toks)...)
	case verb == "SET" && (obj == "SESSION" || obj == "ROLE") || verb == "RESET" && obj == "ROLE":
		// Within the session; judged by what follows.
	}
	// Function calls anywhere in the statement, bodies aside. A function
	// named without a call is called too: an operator's FUNCTION = (then
	// `pid ~~~ 0`), an aggregate's SFUNC =; so a name after '=' counts.
	for i, t := range toks {
		why, ok := reachFuncs[t.Name()]
		if !ok {
			continue
		}
		j := i - 1
		for j >= 1 && toks[j].Text == "." { // pg_catalog.name
			j -= 2
		}
		if i+1 < len(toks) && toks[i+1].Text == "(" || j >= 0 && toks[j].Text == "=" {
			add(t, t.Name()+"()", why)
		}
	}
	if depth < maxBodyDepth {
		out = append(out, reachQueryText(toks, depth)...)
	}
	if shared := reachSharedCatalogs(toks, verb); len(shared) > 0 {
		out = append(out, shared...)
	} else {
		for _, t := range toks {
			name := t.Name()
			if t.IsString() {
				// current_setting('primary_conninfo')
				name, _ = stringBody(t)
			}
			if why, ok := secretCatalogs[name]; ok {
				add(t, name, why)
				break
			}
		}
	}
	// Code that runs with the server's rights.
	if verb == "CREATE" && (obj == "FUNCTION" || obj == "PROCEDURE") || verb == "DO" {
		for i, t := range toks {
			if t.Upper == "LANGUAGE" && i+1 < len(toks) {
				lang := toks[i+1].Name()
				if lang == "" {
					if b, ok := stringBody(toks[i+1]); ok {
						lang = strings.ToLower(b)
					}
				}
				if untrustedLanguages[lang] {
					add(t, "LANGUAGE "+lang, "runs code with the database server's rights, outside any sandbox")
				}
			}
		}
	}
	// Bodies: a DO block runs now; a function or procedure body runs when
	// called, which a later statement or a trigger may do.
	if depth < maxBodyDepth && (verb == "DO" || verb == "CREATE" && (obj == "FUNCTION" || obj == "PROCEDURE")) {
		for _, t := range toks {
			if !t.IsString() {
				continue
			}
			body, ok := stringBody(t)
			if !ok {
				continue
			}
			out = append(out, reachBody(body, t.Line, depth+1)...)
		}
	}
	return out
}

// reachBody classifies a PL/pgSQL (or SQL) body: each of its statements,
// and what its EXECUTEs run.
func reachBody(body string, line, depth int) []Act {
	var out []Act
	for _, st := range Split(body) {
		toks := tokens(st.Text, st.Line+line-1)
		out = append(out, reachStatement(st.Text, st.Line+line-1, depth)...)
		// PL/pgSQL puts a statement after BEGIN, THEN, ELSE or LOOP
		// ("IF NOT EXISTS (...) THEN CREATE ROLE app; END IF"): judge the
		// statement that follows the last of them too.
		last := -1
		for i, t := range toks {
			if t.Depth == 0 && t.Word && (t.Upper == "BEGIN" || t.Upper == "THEN" || t.Upper == "ELSE" || t.Upper == "LOOP") {
				last = i
			}
		}
		if last >= 0 && last+1 < len(toks) {
			tail := toks[last+1]
			for _, a := range reachStatement(st.Text[tail.Pos:], tail.Line, depth) {
				if !slices.Contains(out, a) {
					out = append(out, a)
				}
			}
		}
		for i, t := range toks {
			if t.Upper != "EXECUTE" || !t.Word {
				continue
			}
			// EXECUTE 'literal' [INTO ...] [USING ...]: the literal is SQL.
			if i+1 < len(toks) && toks[i+1].IsString() && (i+2 == len(toks) || toks[i+2].Upper == "INTO" || toks[i+2].Upper == "USING") {
				if s, ok := stringBody(toks[i+1]); ok && depth < maxBodyDepth {
					for _, inner := range Split(s) {
						out = append(out, reachStatement(inner.Text, toks[i+1].Line+inner.Line-1, depth+1)...)
					}
					continue
				}
			}
			if i+1 < len(toks) {
				out = append(out, Act{Line: t.Line, What: "EXECUTE of SQL built at run time", Why: "what it runs cannot be known before it runs", Dynamic: true})
			}
		}
	}
	return out
}

// queryTextFuncs are the functions that run a query given as text, with
// the argument that holds it: SQL run at run time without EXECUTE.
var queryTextFuncs = map[string]int{
	"query_to_xml": 0, "query_to_xmlschema": 0, "query_to_xml_and_xmlschema": 0,
	"ts_stat": 0, "ts_rewrite": 1, // ts_rewrite(query, select): its two-argument form
}

// reachQueryText judges the query a query-running function is called with:
// a string literal as SQL, anything else (format(...), a concatenation) as
// SQL built at run time.
func reachQueryText(toks []Token, depth int) []Act {
	var out []Act
	for i, t := range toks {
		at, ok := queryTextFuncs[t.Name()]
		if !ok || i+1 >= len(toks) || toks[i+1].Text != "(" {
			continue
		}
		// The call's arguments, split at its own commas.
		d := toks[i+1].Depth + 1
		var args [][]Token
		cur := []Token{}
		for j := i + 2; j < len(toks) && toks[j].Depth >= d; j++ {
			if toks[j].Depth == d && toks[j].Text == "," {
				args, cur = append(args, cur), []Token{}
				continue
			}
			cur = append(cur, toks[j])
		}
		args = append(args, cur)
		if t.Name() == "ts_rewrite" && len(args) != 2 || at >= len(args) {
			continue
		}
		arg := args[at]
		if len(arg) == 1 && arg[0].IsString() {
			if body, ok := stringBody(arg[0]); ok {
				for _, st := range Split(body) {
					out = append(out, reachStatement(st.Text, arg[0].Line+st.Line-1, depth+1)...)
				}
				continue
			}
		}
		out = append(out, Act{Line: t.Line, What: t.Name() + "() of SQL built at run time", Why: "runs a query that cannot be known before it runs", Dynamic: true})
	}
	return out
}

// sharedCatalogs are the catalogs every database of a server shares
// (relisshared): a row written or a lock taken there, from any database,
// is the whole server's.
var sharedCatalogs = map[string]bool{
	"pg_authid": true, "pg_auth_members": true, "pg_database": true, "pg_db_role_setting": true,
	"pg_tablespace": true, "pg_shdepend": true, "pg_shdescription": true, "pg_shseclabel": true,
	"pg_replication_origin": true, "pg_subscription": true, "pg_parameter_acl": true,
}

// secretCatalogs hold the whole server's credentials or configuration,
// which a superuser reads from any database: a statement that names one
// (a setting's as a string too) reads beyond its database (a migration's
// RAISE puts what it read in the preview's error).
var secretCatalogs = map[string]string{
	"pg_authid":        "reads the password hashes of the server's roles, which every database shares",
	"pg_shadow":        "reads the password hashes of the server's roles, which every database shares",
	"pg_user_mapping":  "reads the credentials user mappings store for other servers",
	"pg_user_mappings": "reads the credentials user mappings store for other servers",
	// The server's configuration files, and the replication connection
	// string, which may hold its password.
	"pg_file_settings":       "reads the server's configuration files",
	"pg_hba_file_rules":      "reads the server's configuration files",
	"pg_ident_file_mappings": "reads the server's configuration files",
	"primary_conninfo":       "reads the server's replication connection string, which may hold its password",
}

// catalogWriters are the statements that write, lock or rewrite the
// relations they name (WITH: a data-modifying CTE).
var catalogWriters = map[string]bool{
	"INSERT": true, "UPDATE": true, "DELETE": true, "MERGE": true, "TRUNCATE": true, "COPY": true,
	"LOCK": true, "VACUUM": true, "CLUSTER": true, "REINDEX": true, "ALTER": true, "WITH": true,
}

// reachSharedCatalogs reports a statement that writes, locks or rewrites a
// shared catalog: as a superuser (plan.shadow: live with an admin's URL),
// `UPDATE pg_database SET datallowconn = false` or `DELETE FROM pg_authid`
// in the shadow database closes or empties the live server, and `LOCK
// pg_authid`, `VACUUM FULL` of the whole database or `REINDEX SYSTEM`
// (shared catalogs included) holds every login of the server.
func reachSharedCatalogs(toks []Token, verb string) []Act {
	if !catalogWriters[verb] {
		return nil
	}
	for _, t := range toks {
		if name := t.Name(); sharedCatalogs[name] {
			return []Act{{Line: toks[0].Line, What: verb + " " + name, Why: "a catalog every database of the server shares: writing, locking or rewriting it acts on the whole server"}}
		}
	}
	relation, full := false, false
	for _, t := range toks[1:] {
		switch {
		case t.Word && t.Upper == "FULL" && t.Depth <= 1:
			full = true
		case t.Word && (t.Upper == "SYSTEM" || t.Upper == "DATABASE") && t.Depth == 0:
			if verb == "REINDEX" {
				return []Act{{Line: toks[0].Line, What: "REINDEX " + t.Upper, Why: "rebuilds the indexes of the catalogs every database of the server shares, holding their locks"}}
			}
		case t.Depth == 0 && t.Word && !slices.Contains([]string{"FREEZE", "VERBOSE", "ANALYZE", "ANALYSE"}, t.Upper):
			relation = true
		}
	}
	if verb == "VACUUM" && full && !relation {
		return []Act{{Line: toks[0].Line, What: "VACUUM FULL", Why: "rewrites every table of the database, the catalogs every database of the server shares included, each under an exclusive lock: no session of the server can log in meanwhile"}}
	}
	return nil
}

// sharedObject reports whether an object kind lives in the server's shared
// catalogs (pg_database, pg_authid, pg_tablespace), not in one database.
func sharedObject(kind string) bool {
	return kind == "DATABASE" || kind == "ROLE" || kind == "TABLESPACE" || kind == "SUBSCRIPTION" // a subscription's comment is in pg_shdescription
}

// reachGrant reports role membership (GRANT role TO role), grants on the
// server's shared objects (databases, tablespaces, foreign servers) and on
// the predefined roles that reach files and programs.
func reachGrant(toks []Token, verb string) []Act {
	on, to := -1, -1
	for i, t := range toks {
		switch {
		case t.Depth > 0:
		case t.Upper == "ON" && on < 0:
			on = i
		case (t.Upper == "TO" || t.Upper == "FROM") && to < 0:
			to = i
		}
	}
	first := toks[0]
	if on < 0 || to >= 0 && on > to {
		what := verb + " role"
		for _, t := range toks[1:max(to, 1)] {
			if n := t.Name(); strings.HasPrefix(n, "pg_") {
				return []Act{{Line: first.Line, What: verb + " " + n, Why: "a predefined role that reaches the server's files, programs or other sessions"}}
			}
		}
		return []Act{{Line: first.Line, What: what, Why: "role membership belongs to the whole server: every database sees it"}}
	}
	if on+1 < len(toks) {
		switch toks[on+1].Upper {
		case "DATABASE", "TABLESPACE", "SERVER", "PARAMETER":
			return []Act{{Line: first.Line, What: verb + " ON " + toks[on+1].Upper, Why: "a privilege on an object of the whole server"}}
		case "FOREIGN":
			return []Act{{Line: first.Line, What: verb + " ON FOREIGN", Why: "a privilege to reach another server"}}
		}
	}
	return nil
}

// reachCopy reports COPY to or from a program or a server-side file; COPY
// with STDIN or STDOUT stays in the session.
func reachCopy(toks []Token) []Act {
	for i, t := range toks {
		switch {
		case t.Depth == 0 && (t.Upper == "TO" || t.Upper == "FROM") && i+1 < len(toks):
			next := toks[i+1]
			switch {
			case next.Upper == "PROGRAM":
				return []Act{{Line: toks[0].Line, What: "COPY ... " + t.Upper + " PROGRAM", Why: "runs a shell command on the database server's machine"}}
			case next.IsString():
				return []Act{{Line: toks[0].Line, What: "COPY ... " + t.Upper + " a server file", Why: "reads or writes a file on the database server's machine"}}
			}
			return nil
		}
	}
	return nil
}

// StringBody is the content of a string literal's text ('...', E'...',
// $tag$...$tag$) as the server reads it, false for any other token: the
// body a DO block runs.
func StringBody(text string) (string, bool) {
	if text == "" {
		return "", false
	}
	return stringBody(Token{Text: text})
}
