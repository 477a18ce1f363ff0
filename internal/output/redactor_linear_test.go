package output

import (
	"io"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/testutil/lineartest"
)

// TestAttackRedactorByteWritesLinear: the held partial line was read again
// from its start on every write, so a child that wrote a long line a byte
// a write cost time quadratic in the line (a 100 KB line in 7-byte writes
// took 0.6 s). A line with no blank, one held behind a password= (its
// value may hold blanks), one after a prompt and a long value, and one
// behind a registered password's beginning are each read a bounded number
// of times now.
func TestAttackRedactorByteWritesLinear(t *testing.T) {
	for _, tc := range []struct{ head, unit string }{
		{"", "abcdefgh"},
		{"connecting password=", "a b c d "},
		{"host=db password='", "a b c d "},
		{"Password: ", "abcdefgh"},
		{"progress ", "=#=#=#=#"},
	} {
		line := func(n int) string { return tc.head + strings.Repeat(tc.unit, n) }
		write := func(s string) {
			r := NewRedactor(io.Discard)
			for i := 0; i < len(s); i++ {
				r.Write([]byte(s[i : i+1]))
			}
			r.Write([]byte("\n"))
		}
		if g := lineartest.Growth(line, write, 400); g > 20 {
			t.Errorf("%q+%q: 8 times the line in one-byte writes cost %.1f times as much", tc.head, tc.unit, g)
		}
	}
}
