package tool

import "testing"

// TestLastUp: a walk up stops at the project's top, at the file system's,
// and anywhere not below the top; a top of "/" is a top like any other
// (the prefix test it replaced, dir below "//", stopped at once there).
func TestLastUp(t *testing.T) {
	for _, c := range []struct {
		root, dir string
		want      bool
	}{
		{"/p", "/p/a/b", false},
		{"/p", "/p", true},
		{"/p", "/", true},
		{"/p", "/q/a", true},
		{"/p", "/pa/b", true},
		{"", "/p/a", true},
		{"/", "/p/a", false},
		{"/", "/", true},
	} {
		if got := lastUp(c.root, c.dir); got != c.want {
			t.Errorf("lastUp(%q, %q) = %v, want %v", c.root, c.dir, got, c.want)
		}
	}
}
