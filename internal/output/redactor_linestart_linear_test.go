package output

import (
	"io"
	"testing"

	"github.com/dbguard/dbguard/internal/testutil/lineartest"
)

// TestRedactorLineStartWritesLinear: a line written in small pieces, each
// cut at a blank and holding a '=', ':' or '@', is masked after the start
// of its line that was written (host=db before password= makes its value
// libpq's), up to maxLineStart (1 KiB) of it: past that the start is
// dropped, and a piece costs what it costs alone. Each piece masks the
// start with it, so without that bound a line of n pieces costs n*n: the
// lines here are 4 KiB and 32 KiB, past the bound (round 13's first
// version measured lines of 1 KiB at most, under the bound, where the
// base was linear too: its cost per piece was the patterns' prefilters).
// Whether the start is copied or masked twice a piece is a constant
// factor, for BenchmarkRedactorLinePieces, not for a growth test.
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
		if g := lineartest.Growth(line, write, 4096/len(unit)); g > 20 {
			t.Errorf("%q: 8 times the pieces cost %.1f times as much", unit, g)
		}
	}
}
