package hooks

import (
	"strconv"
	"strings"
)

// A file name is whatever bytes git holds: spaces, quotes, newlines, escape
// sequences, bytes that are not UTF-8. These helpers show one on a single
// line of a terminal and in commands that work when pasted.

// printable reports whether s shows as itself on one line of a terminal.
func printable(s string) bool {
	for _, r := range s {
		if r == '\uFFFD' || !strconv.IsPrint(r) {
			return false
		}
	}
	return true
}

// displayPath is a path as the findings show it: as it is, or Go-quoted
// when it holds a control character or bytes that are not UTF-8.
func displayPath(p string) string {
	if printable(p) {
		return p
	}
	return strconv.Quote(p)
}

// shellQuote quotes s for a POSIX shell: 'single quotes', or bash's $'...'
// when s is not printable. A leading '-' gets "./" so no command takes it
// for an option.
func shellQuote(s string) string {
	if strings.HasPrefix(s, "-") {
		s = "./" + s
	}
	if printable(s) {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			b.WriteString(`\x` + strconv.FormatUint(uint64(c)>>4, 16) + strconv.FormatUint(uint64(c)&15, 16))
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// ignoreLine is a .gitignore line that matches exactly the path p: glob
// characters escaped, bytes a pattern cannot hold matched by '?'.
func ignoreLine(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '*' || c == '?' || c == '[' || c == '\\' || i == 0 && (c == '#' || c == '!'):
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n' || c == '\r':
			b.WriteByte('?')
		case c == ' ' && strings.TrimRight(p[i:], " ") == "":
			b.WriteString(`\ `) // trailing spaces are otherwise dropped
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
