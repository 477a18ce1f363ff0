package sqlscan

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// clip is a name cut as the server cuts it (truncate_identifier).
func clip(s string) string {
	if len(s) <= maxIdent {
		return s
	}
	n := maxIdent
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func TestName(t *testing.T) {
	for in, want := range map[string]string{
		`users`: "users", `Users`: "users", `"Users"`: "Users", `"a"""`: `a"`, `"""a"`: `"a`, `""""`: `"`,
		`ÄB`: "Äb", `"ÄB"`: "ÄB", `U&"d\0061ta"`: "data", `U&"A!0062" UESCAPE '!'`: "Ab", `U&"x""y"`: `x"y`,
		strings.Repeat("A", 70): strings.Repeat("a", 63), strings.Repeat("x", 62) + "é": strings.Repeat("x", 62),
	} {
		ts := Tokens(in)
		if len(ts) != 1 {
			t.Errorf("%s: %d tokens", in, len(ts))
			continue
		}
		if got := ts[0].Name(); got != want {
			t.Errorf("%s: Name() %q, want %q", in, got, want)
		}
	}
}

// FuzzScanName checks that any name, quoted, reads back as itself (cut to
// 63 bytes), and that an unquoted word folds only ASCII A-Z.
func FuzzScanName(f *testing.F) {
	for _, s := range []string{"users", `a"`, `""`, "ÄB", "İx", strings.Repeat("é", 40), "a\nb", "U&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return
		}
		q := `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		ts := Tokens(q)
		if len(ts) != 1 || ts[0].Text != q {
			t.Fatalf("%s: tokens %v, want the one quoted identifier", q, ts)
		}
		if got := ts[0].Name(); got != clip(s) {
			t.Fatalf("%s: Name() %q, want %q", q, got, clip(s))
		}
		ws := Tokens(s)
		if len(ws) != 1 || !ws[0].Word || ws[0].Text != s {
			return
		}
		want := []byte(s)
		for i, c := range want {
			if c >= 'A' && c <= 'Z' {
				want[i] = c + 32
			}
		}
		if got := ws[0].Name(); got != clip(string(want)) {
			t.Fatalf("%s: Name() %q, want %q", s, got, clip(string(want)))
		}
	})
}
