package hooks

import "testing"

// TestNameMatcherStarInClass: the matcher took the text after a pattern's
// last star as a literal suffix every match ends with, but a star inside
// a class is no wildcard: "[*]x" matches "*x", which does not end in "]x",
// and the matcher said no where path.Match says yes. (No pattern the hook
// uses today has one; the claim is "match is named(patterns, base)".)
func TestNameMatcherStarInClass(t *testing.T) {
	patterns := [][]string{{"[*]x"}, {"[!*]"}, {"a[*]"}, {"*[*]"}, {`a\*b`}, {"[*]*.env"}}
	names := []string{"*x", "]x", "x", "a", "*", "]", "a*", "a]", "b*", "ab", "a*b", "*.env", "*a.env", "a.env"}
	for _, ps := range patterns {
		m := newNameMatcher(ps)
		for _, n := range names {
			if got, want := m.match(n), named(ps, n); got != want {
				t.Errorf("%q against %q: matcher says %v, path.Match %v", n, ps, got, want)
			}
		}
	}
}
