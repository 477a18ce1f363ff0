package output

import (
	"io"
	"testing"

	"github.com/dbguard/dbguard/internal/testutil/lineartest"
)

// TestRedactorLineStartWritesLinear: a line written in small pieces, each
// cut at a blank and holding a '=', ':' or '@', is masked after the start
// of its line that was written (host=db before password= makes its value
// libpq's), up to 1 KiB of it. That start is appended to, not copied, on
// each write, and masked once, not again with each piece: 8 times the
// pieces cost about 8 times as much (3-14 measured, at the base too: the
// patterns' prefilters, not the copies, were most of a piece's cost).
func TestRedactorLineStartWritesLinear(t *testing.T) {
	for _, unit := range []string{"a=1 ", "port: 5 ", "u=postgres://u:p@h/d ", "host=db "} {
		line := func(n int) []string {
			parts := make([]string, n)
			for i := range parts {
				parts[i] = unit
			}
			return parts
		}
		write := func(parts []string) {
			r := NewRedactor(io.Discard)
			for _, p := range parts {
				r.Write([]byte(p))
			}
			r.Write([]byte("\n"))
		}
		if g := lineartest.Growth(line, write, 1000/(8*len(unit))); g > 20 {
			t.Errorf("%q: 8 times the pieces cost %.1f times as much", unit, g)
		}
	}
}
