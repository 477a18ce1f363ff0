package output

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dbguard/dbguard/internal/dburl"
)

func init() {
	// A secret printed through Escape (a program's output, ChildText) is
	// masked in that form too.
	dburl.AddEscapedForm(Escape)
	dburl.AddEscapedForm(EscapeLines)
	dburl.AddEscapedForm(childForm)
}

// childForm is s as ChildText writes it (tabs and CRLF kept).
func childForm(s string) string {
	var b strings.Builder
	c := NewChildText(&b)
	c.Write([]byte(s))
	c.Close()
	return b.String()
}

// Escape makes text from outside dbguard (a server's message, a file name,
// a value read from a file) one line that shows as it is: control
// characters are written %q-style (\n, \r, \t, \x1b, \u0085), as are
// invalid UTF-8 bytes (\xff) and the characters that break or reorder a
// line on a terminal (U+2028, U+2029, bidirectional overrides). So a
// message cannot add a line a CI system reads as a command ("::error"),
// nor move the cursor, clear the screen or hide text. Ordinary text,
// UTF-8 included, and backslashes are left as they are.
//
// Two spellings GitHub's runner reads as workflow commands without a line
// break of their own are escaped too: "::name" at the start after blanks
// (the runner trims a line's leading blanks, so text starting an indented
// line is a command) as "\x3a:name", and the legacy "##[name]", which the
// runner finds anywhere in a line, as "\x23#[name]". Blanks are what the
// runner trims: every Unicode space, the no-break space included.
func Escape(s string) string {
	return escape(s, false, true)
}

// EscapeLines is Escape for dbguard's own multi-line messages: their line
// breaks are kept, every other control character escaped.
func EscapeLines(s string) string {
	return escape(s, true, true)
}

// EscapeProperty is EscapeLines for a property of a workflow command
// dbguard writes ("file=" of an annotation): the runner has read the line
// as that command already, so "::" and "##[" in it are left as they are,
// and the annotation finds its file.
func EscapeProperty(s string) string {
	return escape(s, true, false)
}

func escape(s string, keepNewlines, commands bool) string {
	i := safePrefix(s, keepNewlines, commands)
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case commands && commandAt(s, i, keepNewlines):
			// The first byte of "::name" or of "##[", written so that
			// the runner sees neither.
			fmt.Fprintf(&b, `\x%02x`, s[i])
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

// safePrefix is how long a prefix of s escape leaves as it is. Nearly
// every byte dbguard writes is printable ASCII, decided by one comparison
// here: dbguard env on 1,000 files passes 180 KB of its report through
// escape, and decoding each byte as a rune and asking commandAt about it
// was a tenth of the command's instructions. Only a control byte, '#',
// ':' and non-ASCII take the full checks, which are escape's own
// (TestSafePrefixAsRuneByRune).
func safePrefix(s string, keepNewlines, commands bool) int {
	i := 0
	for i < len(s) {
		// A run of plain bytes, one table load each (the comparisons
		// below cost twice as many instructions a byte).
		for i < len(s) && plainByte[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			if unsafeRune(r, n) {
				return i
			}
			i += n // not '#' nor ':': no command starts here
			continue
		case c == '#' || c == ':':
			if commands && commandAt(s, i, keepNewlines) {
				return i
			}
		case c == '\n' && keepNewlines:
		default:
			return i // C0 or DEL
		}
		i++
	}
	return i
}

// plainByte marks the bytes safePrefix passes without a look around:
// printable ASCII but '#' and ':'.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '#' && c != ':'
	}
	return t
}()

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

// commandAt reports whether s[i:] starts a workflow command GitHub's
// runner would read: "##[" anywhere, or "::" and a letter where only
// blanks stand before it on its line (the start of s; with keepNewlines,
// also the start of each of its lines).
func commandAt(s string, i int, keepNewlines bool) bool {
	if c := s[i]; c != '#' && c != ':' {
		return false // the common case, checked first
	}
	switch {
	case strings.HasPrefix(s[i:], "##["):
		return true
	case !strings.HasPrefix(s[i:], "::") || len(s) < i+3 || !isLetter(s[i+2]):
		return false
	}
	start := 0
	if keepNewlines {
		start = strings.LastIndexByte(s[:i], '\n') + 1
	}
	return strings.TrimLeftFunc(s[start:i], unicode.IsSpace) == ""
}

// CommandStart reports whether a line starting with text (after its
// blanks) would be read by GitHub's runner as a workflow command.
func CommandStart(text string) bool {
	t := strings.TrimLeftFunc(text, unicode.IsSpace)
	return strings.HasPrefix(t, "::") && len(t) > 2 && isLetter(t[2])
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
