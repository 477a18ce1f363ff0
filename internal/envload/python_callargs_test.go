package envload

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// callArgsBytewise is callArgs as it was, adding each byte of an argument
// on its own: TestCallArgsRunsAsBytewise holds the runs to it.
func callArgsBytewise(b []byte) ([]string, bool) {
	if len(b) > maxCallArgs {
		b = b[:maxCallArgs]
	}
	var args []string
	var cur []byte
	depth := 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '"', '\'':
			j := bytes.IndexByte(b[i+1:], c)
			if j < 0 {
				return nil, false
			}
			cur = append(cur, b[i:i+j+2]...)
			i += j + 1
			continue
		case '#':
			j := bytes.IndexByte(b[i:], '\n')
			if j < 0 {
				return nil, false
			}
			i += j - 1
			continue
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 {
				if a := strings.TrimSpace(string(cur)); a != "" {
					args = append(args, a)
				}
				return args, true
			}
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(string(cur)))
				cur = cur[:0]
				continue
			}
		}
		cur = append(cur, b[i])
	}
	return nil, false
}

// callArgs, which adds a run of plain bytes at once, reads every call as
// the byte-at-a-time reading did: the same arguments, the same verdict
// on calls that do not close, on random texts of the bytes it acts on.
func TestCallArgsRunsAsBytewise(t *testing.T) {
	pieces := []string{"'", "\"", "#", "\n", "(", ")", "[", "]", "{", "}", ",", " ", "\t", "x", "path", "'.env'", "override=True",
		"find_dotenv()", "# c\n", strings.Repeat("a", 50), strings.Repeat(" ", 30)}
	rng := rand.New(rand.NewPCG(3, 5))
	closed := 0
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(20) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		if rng.IntN(50) == 0 {
			b.WriteString(strings.Repeat("y", maxCallArgs)) // past the limit
		}
		in := []byte(b.String())
		got, gotOK := callArgs(in)
		want, wantOK := callArgsBytewise(in)
		if gotOK != wantOK || !slices.Equal(got, want) {
			t.Fatalf("%q: %q %v, byte at a time %q %v", in, got, gotOK, want, wantOK)
		}
		if gotOK {
			closed++
		}
	}
	if closed < 2000 {
		t.Errorf("only %d of the texts closed the call", closed)
	}
}
