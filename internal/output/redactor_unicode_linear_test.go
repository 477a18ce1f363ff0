package output

import (
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dbguard/dbguard/internal/testutil/lineartest"
)

// TestAttackRedactorUnicodeBlankWritesLinear: a keyword, a blank and a
// long run of Unicode blanks (U+00A0, U+2003, U+3000) written a rune a
// write, or a byte a write, was read again from its start on every
// Unicode blank: only a space or a tab left the held text unread (8
// times the line cost 59-61 times as much a rune a write). A Unicode
// blank, or the start of one a write cut short, leaves it unread now.
func TestAttackRedactorUnicodeBlankWritesLinear(t *testing.T) {
	for _, tc := range []struct{ head, unit string }{
		{"x password\t", "\u00a0\u00a0\u00a0\u00a0"},
		{"x password ", "\u2003\u2003"},
		{"x PASSWORD\t", "\u3000\u3000"},
		{"x \"password\" ", "\u00a0 \u3000\t"},
	} {
		line := func(n int) string { return tc.head + strings.Repeat(tc.unit, n) }
		for _, byRune := range []bool{true, false} {
			write := func(s string) {
				r := NewRedactor(io.Discard)
				for i := 0; i < len(s); {
					n := 1
					if byRune {
						_, n = utf8.DecodeRuneInString(s[i:])
					}
					r.Write([]byte(s[i : i+n]))
					i += n
				}
				r.Write([]byte("=v\n"))
			}
			if g := lineartest.Growth(line, write, 400); g > 20 {
				t.Errorf("%q+%q (a rune a write: %v): 8 times the line cost %.1f times as much", tc.head, tc.unit, byRune, g)
			}
		}
	}
}

// TestRedactorKeywordBeforeCutUnicodeBlankHeld: a keyword and blanks
// whose last Unicode blank a write cut short are held, as a keyword and
// whole blanks are: before, the cut rune read as no blank, and the
// keyword was written (masked later only while the line's start was
// kept, 1 KiB).
func TestRedactorKeywordBeforeCutUnicodeBlankHeld(t *testing.T) {
	for _, text := range []string{
		"x password\t\u00a0=\u00a0sZQ\n",
		"x \"password\"\t\u3000:\u3000'sZQ'\n",
		"x password " + strings.Repeat(" \u00a0", 700) + "= sZQ\n",
	} {
		var b strings.Builder
		r := NewRedactor(&b)
		for i := 0; i < len(text); i++ {
			r.Write([]byte(text[i : i+1]))
			if got := b.String(); strings.Contains(got, "password") || strings.Contains(got, "PASSWORD") {
				if i < len(text)-1 {
					t.Errorf("%.40q: wrote %q after %d bytes", text, got, i+1)
					break
				}
			}
		}
		r.Flush()
		if strings.Contains(b.String(), "ZQ") {
			t.Errorf("%.40q: wrote %.80q", text, b.String())
		}
	}
}
