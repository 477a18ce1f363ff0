package output

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Escape makes text from outside dbguard (a server's message, a file name,
// a value read from a file) one line that shows as it is: control
// characters are written %q-style (\n, \r, \t, \x1b, \u0085), as are
// invalid UTF-8 bytes (\xff) and the characters that break or reorder a
// line on a terminal (U+2028, U+2029, bidirectional overrides). So a
// message cannot add a line a CI system reads as a command ("::error"),
// nor move the cursor, clear the screen or hide text. Ordinary text,
// UTF-8 included, and backslashes are left as they are.
func Escape(s string) string {
	return escape(s, false)
}

// EscapeLines is Escape for dbguard's own multi-line messages: their line
// breaks are kept, every other control character escaped.
func EscapeLines(s string) string {
	return escape(s, true)
}

func escape(s string, keepNewlines bool) string {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r, n) && !(keepNewlines && r == '\n') {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case !unsafeRune(r, n) || keepNewlines && r == '\n':
			b.WriteString(s[i : i+n])
		case r == utf8.RuneError:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += n
	}
	return b.String()
}

// unsafeRune reports whether a rune (n bytes long) must not reach a
// terminal or a log as it is.
func unsafeRune(r rune, n int) bool {
	switch {
	case r == utf8.RuneError && n == 1:
		return true // an invalid byte
	case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
		return true // C0, DEL, C1 (0x9b is a CSI on some terminals)
	case r == 0x2028 || r == 0x2029:
		return true // line and paragraph separators
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidirectional controls: reorder what is shown
	}
	return false
}
