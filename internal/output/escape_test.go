package output

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want, lines string }{
		{"plain text, café ✓ \\d", "plain text, café ✓ \\d", "plain text, café ✓ \\d"},
		{"a\n::error file=x::y", `a\n::error file=x::y`, "a\n::error file=x::y"},
		{"over\rwrite", `over\rwrite`, `over\rwrite`},
		{"\x1b[2Jclear\x07", `\x1b[2Jclear\x07`, `\x1b[2Jclear\x07`},
		{"tab\there", `tab\there`, `tab\there`},
		{"c1 \u009b31m", `c1 \u009b31m`, `c1 \u009b31m`},
		{"bidi \u202eevil\u2066", `bidi \u202eevil\u2066`, `bidi \u202eevil\u2066`},
		{"sep\u2028x", `sep\u2028x`, `sep\u2028x`},
		{"bad \xff byte", `bad \xff byte`, `bad \xff byte`},
		{"del\x7f", `del\x7f`, `del\x7f`},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := EscapeLines(tc.in); got != tc.lines {
			t.Errorf("EscapeLines(%q) = %q, want %q", tc.in, got, tc.lines)
		}
	}
}

// TestAttackTalkControlCharacters: whatever a message quotes, a talk line
// carries no CR, ESC or other control character to the terminal; only the
// line breaks of dbguard's own messages stay.
func TestAttackTalkControlCharacters(t *testing.T) {
	var b strings.Builder
	Talk{W: &b}.Errorf("%s: failed\n    detail: %s", "m\x1b[2J.sql", "x\ry")
	want := "dbguard: error: m\\x1b[2J.sql: failed\n    detail: x\\ry\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
