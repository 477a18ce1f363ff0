// Package sqlscan splits PostgreSQL migration text into statements without
// a parser: it knows what hides a semicolon (quotes, quoted identifiers,
// dollar quotes, line and nested block comments, BEGIN ATOMIC bodies), so it
// can say where each statement starts and whether a file runs as one
// transaction when golang-migrate sends it in one simple query.
package sqlscan

import (
	"fmt"
	"strings"

	"github.com/dbguard/dbguard/internal/lazyre"
)

// Statement is one statement of a file.
type Statement struct {
	Text  string   // as written, without the terminating semicolon, trimmed
	Line  int      // 1-based line of its first word
	Words []string // its first few words outside comments, upper-cased
}

// Head returns the statement's first line, cut to width characters, for
// messages.
func (s Statement) Head(width int) string {
	line, _, more := strings.Cut(s.Text, "\n")
	line = strings.TrimSpace(line)
	r := []rune(line)
	if len(r) > width {
		return string(r[:width]) + "..."
	}
	if more {
		return line + " ..."
	}
	return line
}

// maxWords is how many leading words a Statement keeps: enough to classify
// it (CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ...).
const maxWords = 8

// Split returns the statements of text in order. Empty statements (a lone
// semicolon, a file of comments) are left out.
func Split(text string) []Statement {
	out, _ := split(text)
	return out
}

// split is Split, also reporting whether the text ends inside a quote, a
// dollar quote or a block comment.
func split(text string) ([]Statement, bool) {
	var out []Statement
	s := scanner{src: text, line: 1}
	start, startLine := -1, 0
	var words []string
	atomic := 0 // depth inside BEGIN ATOMIC ... END
	prev := ""
	flush := func(end int) {
		if start >= 0 {
			out = append(out, Statement{Text: strings.Trim(text[start:end], sqlSpace), Line: startLine, Words: words})
		}
		start, words, prev = -1, nil, ""
	}
	for {
		tok, pos, line := s.next()
		switch {
		case tok == "":
			flush(len(text))
			return out, s.open
		case tok == ";" && atomic == 0:
			flush(pos)
			continue
		}
		if start < 0 {
			start, startLine = pos, line
		}
		if w := strings.ToUpper(tok); isWord(tok) {
			if len(words) < maxWords {
				words = append(words, w)
			}
			switch {
			case prev == "BEGIN" && w == "ATOMIC":
				atomic++
			case atomic > 0 && w == "CASE":
				atomic++
			case atomic > 0 && w == "END":
				atomic--
			}
			prev = w
		} else {
			prev = ""
		}
	}
}

// sqlSpace is the white space of PostgreSQL's lexer. Not Unicode's: a
// no-break space (U+00A0) is part of an identifier to the server, so
// strings.TrimSpace would trim a statement's text to nothing.
const sqlSpace = " \t\n\r\f\v"

func isWord(tok string) bool {
	c := tok[0]
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// scanner yields the tokens that matter for splitting: words, semicolons
// and opaque chunks (strings, identifiers, dollar-quoted bodies, other
// punctuation), skipping comments and space.
type scanner struct {
	src  string
	i    int
	line int
	open bool // the text ended inside a quote, dollar quote or block comment
	// escapes: a plain string ('...') takes backslash escapes, as with
	// standard_conforming_strings off (see Reach).
	escapes bool
}

// next returns the next token, its byte offset and its line; "" at the end.
// An unterminated quote or comment runs to the end of the text, as the
// server would read it (and then reject it).
func (s *scanner) next() (string, int, int) {
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '\n':
			s.line++
			s.i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			s.i++
		case c == '-' && s.peek(1) == '-':
			for s.i < len(s.src) && s.src[s.i] != '\n' {
				s.i++
			}
		case c == '/' && s.peek(1) == '*':
			s.skipBlockComment()
		default:
			return s.token()
		}
	}
	return "", len(s.src), s.line
}

func (s *scanner) peek(n int) byte {
	if s.i+n < len(s.src) {
		return s.src[s.i+n]
	}
	return 0
}

// skipBlockComment skips a /* */ comment; they nest in PostgreSQL.
func (s *scanner) skipBlockComment() {
	depth := 0
	for s.i < len(s.src) {
		switch {
		case s.src[s.i] == '/' && s.peek(1) == '*':
			depth++
			s.i += 2
		case s.src[s.i] == '*' && s.peek(1) == '/':
			depth--
			s.i += 2
			if depth == 0 {
				return
			}
		default:
			if s.src[s.i] == '\n' {
				s.line++
			}
			s.i++
		}
	}
	s.open = true
}

func (s *scanner) token() (string, int, int) {
	start, line := s.i, s.line
	c := s.src[s.i]
	switch {
	case c == ';':
		s.i++
	case c == '\'':
		s.quoted('\'', s.escapes)
	case (c == 'E' || c == 'e') && s.peek(1) == '\'':
		s.i++
		s.quoted('\'', true)
	case c == '"':
		s.quoted('"', false)
	case c == '$' && s.dollarTag() != "":
		tag := s.dollarTag()
		s.i += len(tag)
		end := strings.Index(s.src[s.i:], tag)
		if end < 0 {
			end, s.open = len(s.src)-s.i, true
		} else {
			end += len(tag)
		}
		s.line += strings.Count(s.src[s.i:s.i+end], "\n")
		s.i += end
	case isWord(s.src[s.i:]):
		for s.i < len(s.src) && (isWord(s.src[s.i:]) || s.src[s.i] >= '0' && s.src[s.i] <= '9' || s.src[s.i] == '$') {
			s.i++
		}
	default:
		s.i++
	}
	return s.src[start:s.i], start, line
}

// quoted skips a quoted string or identifier; a doubled quote stays inside,
// and with backslash (E'...') so does an escaped one.
func (s *scanner) quoted(q byte, backslash bool) {
	s.i++
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '\n':
			s.line++
		case backslash && c == '\\':
			// A backslash escapes the next byte; at the very end of the
			// text there is none, and the string runs to the end.
			if s.i+1 >= len(s.src) {
				s.i, s.open = len(s.src), true
				return
			}
			s.i++
			if s.src[s.i] == '\n' {
				s.line++
			}
		case c == q && s.peek(1) == q:
			s.i++
		case c == q:
			s.i++
			return
		}
		s.i++
	}
	s.open = true
}

// dollarTag returns the $tag$ opening a dollar-quoted string at s.i, or "".
// A tag is $$ or $ident$; $1 is a parameter, not a quote.
func (s *scanner) dollarTag() string {
	rest := s.src[s.i+1:]
	for j := 0; j < len(rest); j++ {
		c := rest[j]
		switch {
		case c == '$':
			return s.src[s.i : s.i+j+2]
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || j > 0 && c >= '0' && c <= '9':
		default:
			return ""
		}
	}
	return ""
}

// Shape is how a file runs when golang-migrate sends it as one simple
// query: one implicit transaction, unless it controls its own transactions
// or holds a statement PostgreSQL runs only outside one.
type Shape struct {
	Statements []Statement
	// Transactional: all of the file commits or none of it does.
	Transactional bool
	// Why it is not: the statement and the reason, for messages.
	Why string
	// Control lists the file's own transaction statements (BEGIN, COMMIT...).
	Control []Statement
	// Unterminated: the text ends inside a quote, a dollar quote or a block
	// comment. The server rejects it; nothing may be appended to it in the
	// same query, where it would swallow what follows.
	Unterminated bool
}

// Analyze splits text and says whether it runs as one transaction.
func Analyze(text string) Shape {
	stmts, open := split(text)
	sh := Shape{Statements: stmts, Transactional: true, Unterminated: open}
	for _, st := range sh.Statements {
		if st.Control() {
			sh.Control = append(sh.Control, st)
			if sh.Transactional {
				sh.Transactional, sh.Why = false, fmt.Sprintf("line %d: %s: the file controls its own transactions", st.Line, strings.Join(st.Words[:min(len(st.Words), 2)], " "))
			}
			continue
		}
		if why := st.NoTransaction(); why != "" && sh.Transactional {
			sh.Transactional, sh.Why = false, fmt.Sprintf("line %d: %s", st.Line, why)
		}
	}
	// One statement alone runs outside any transaction block, so a
	// procedure it calls, or a DO block, may COMMIT: golang-migrate runs
	// such a file, and wrapping it in a transaction would make it fail.
	if len(sh.Statements) == 1 && sh.Transactional {
		st := sh.Statements[0]
		switch {
		case len(st.Words) > 0 && st.Words[0] == "CALL":
			sh.Transactional, sh.Why = false, fmt.Sprintf("line %d: CALL runs alone, outside a transaction, so the procedure may COMMIT", st.Line)
		case len(st.Words) > 0 && st.Words[0] == "DO" && bodyCommits.MatchString(st.Text):
			sh.Transactional, sh.Why = false, fmt.Sprintf("line %d: DO commits inside its body", st.Line)
		}
	}
	return sh
}

// bodyCommits finds transaction control in a DO block's body.
var bodyCommits = lazyre.New(`(?i)\b(COMMIT|ROLLBACK)\b`)

// Control reports a transaction-control statement (BEGIN, COMMIT, ...).
func (s Statement) Control() bool {
	w := s.Words
	if len(w) == 0 {
		return false
	}
	switch w[0] {
	case "COMMIT", "END", "ROLLBACK", "ABORT", "START":
		return true
	case "BEGIN":
		return len(w) == 1 || w[1] == "TRANSACTION" || w[1] == "WORK" || w[1] == "ISOLATION" || w[1] == "READ" || w[1] == "NOT" || w[1] == "DEFERRABLE"
	case "PREPARE":
		return len(w) > 1 && w[1] == "TRANSACTION"
	}
	return false
}

// Commits reports COMMIT or END: what it ran before stays.
func (s Statement) Commits() bool {
	return len(s.Words) > 0 && (s.Words[0] == "COMMIT" || s.Words[0] == "END")
}

// NoTransaction says why PostgreSQL refuses the statement inside a
// transaction block ("" when it does not), so golang-migrate's implicit
// transaction cannot cover it: a failure can leave its work (an INVALID
// index) behind.
func (s Statement) NoTransaction() string {
	w := s.Words
	if len(w) == 0 {
		return ""
	}
	has := func(word string) bool {
		for _, x := range w {
			if x == word {
				return true
			}
		}
		return false
	}
	head := strings.Join(w[:min(len(w), 2)], " ")
	switch {
	case has("CONCURRENTLY") && !(w[0] == "REFRESH"):
		return strings.Join(w[:min(len(w), 4)], " ") + " cannot run inside a transaction"
	case w[0] == "VACUUM", w[0] == "CLUSTER" && len(w) == 1:
		return w[0] + " cannot run inside a transaction"
	case head == "CREATE DATABASE", head == "DROP DATABASE", head == "CREATE TABLESPACE", head == "DROP TABLESPACE",
		head == "ALTER SYSTEM", head == "CREATE SUBSCRIPTION", head == "DROP SUBSCRIPTION", head == "ALTER SUBSCRIPTION":
		return head + " cannot run inside a transaction"
	case w[0] == "REINDEX" && len(w) > 1 && (w[1] == "SYSTEM" || w[1] == "DATABASE"):
		return head + " cannot run inside a transaction"
	case head == "DISCARD ALL":
		return "DISCARD ALL cannot run inside a transaction"
	case head == "ALTER DATABASE" && len(w) >= 6 && w[3] == "SET" && w[4] == "TABLESPACE":
		return "ALTER DATABASE ... SET TABLESPACE cannot run inside a transaction"
	}
	return ""
}

// CopyFromClientWhy and CopyFromClientFix say why a CopyFromClient
// statement is refused and what to write instead, for migrate and the
// previews alike.
const (
	CopyFromClientWhy = "COPY ... FROM STDIN waits for rows from the client, which golang-migrate never sends: migrate up would wait without end, holding its lock"
	CopyFromClientFix = "put the rows in INSERT statements (pg_dump --inserts writes them so), or COPY FROM a file the server reads"
)

// CopyFromClient reports whether the statement is COPY ... FROM STDIN: the
// server then waits for the rows from the client, which golang-migrate
// (and the previews, which send a file as it does) never sends, so the
// session waits without end. Only a statement can: PL/pgSQL and SQL
// functions refuse COPY to or from the client.
func (s Statement) CopyFromClient() bool {
	if len(s.Words) == 0 || s.Words[0] != "COPY" {
		return false
	}
	toks := Tokens(s.Text)
	for i := 1; i+1 < len(toks); i++ {
		if toks[i].Depth == 0 && toks[i].Word && toks[i].Upper == "FROM" && toks[i+1].Word && toks[i+1].Upper == "STDIN" {
			return true
		}
	}
	return false
}
