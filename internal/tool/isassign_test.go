package tool

import (
	"regexp"
	"testing"
)

// TestIsAssignAsTheRegexp checks isAssign against the pattern it replaced
// (a package-level regexp compiled at every start).
func TestIsAssignAsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	for _, w := range []string{"", "=", "A=", "a=b", "_=", "_1=x", "1A=x", "A1", "A-B=x", "AB", "ÄB=x", "A =x", "a_b_9==", "DATABASE_URL=postgres://x", "x=y=z", "PATH+=x"} {
		if got, want := isAssign(w), re.MatchString(w); got != want {
			t.Errorf("isAssign(%q) = %v, the pattern says %v", w, got, want)
		}
	}
}
