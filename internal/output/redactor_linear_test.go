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
		{"x password", "        "},
		{"x PASSWORD", "\t \t \t \t "},
		{"connecting to postgres://u:p", " a b c d"},
		{"db:\n  password:\n   '", "a b c d "},
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

// FuzzRedactorQuietSameOutput: a Redactor that skips reading the held text
// again until a byte that can change its decision comes writes exactly
// what one that reads it again on every write writes, however the text
// is cut into writes.
func FuzzRedactorQuietSameOutput(f *testing.F) {
	seeds := append(append(append(append(append([]string{}, splitLines...), leftLeakLines...), colonValueLines...), nextLineValues...), round13Lines...)
	seeds = append(seeds, round14URLLines...)
	for _, e := range longLineEnds {
		seeds = append(seeds, e.start+strings.Repeat("word ", 170)+e.end+"\n")
	}
	for _, s := range append(seeds, "Password:\nRetry? x\n", "password=\n \nb'x y'\n", "[db]\nuser = app\npassword = sZQ host=dZQ\n") {
		f.Add(s, []byte{1, 3, 7, 2})
	}
	f.Add("Password: s3cret\nnext password='a\nb' x\n", []byte{10, 1, 1, 1})
	f.Add("x password\t\u00a0\u2003 \u3000=\u00a0sZQ\nx PASSWORD\t\u00a0\u00a9 'a'\n", []byte{11, 1, 2, 0, 1, 3, 1})
	f.Fuzz(func(t *testing.T, text string, cuts []byte) {
		var a, b strings.Builder
		quiet, always := NewRedactor(&a), NewRedactor(&b)
		always.alwaysReread = true
		rest, k := text, 0
		for rest != "" {
			n := len(rest)
			if len(cuts) > 0 {
				n = min(n, 1+int(cuts[k%len(cuts)])%16)
				k++
			}
			quiet.Write([]byte(rest[:n]))
			always.Write([]byte(rest[:n]))
			if a.String() != b.String() {
				t.Fatalf("after %q of %q:\n quiet: %q\nreread: %q", text[:len(text)-len(rest)+n], text, a.String(), b.String())
			}
			rest = rest[n:]
		}
		quiet.Flush()
		always.Flush()
		if a.String() != b.String() {
			t.Fatalf("%q:\n quiet: %q\nreread: %q", text, a.String(), b.String())
		}
	})
}
