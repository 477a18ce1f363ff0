package safefile

import "testing"

// TestWithinWindowsForms: on Windows (dbguard is built for it; this file
// is compiled only there, where the paths are read so), a drive letter and the separators as Windows writes them.
func TestWithinWindowsForms(t *testing.T) {
	for _, c := range []struct {
		root, p string
		want    bool
	}{
		{`C:\a\b`, `C:\a\b\c`, true},
		{`C:\a\b`, `C:/a/b/c`, true},  // forward slashes
		{`C:\a\b\`, `C:\a\b`, true},   // a trailing separator
		{`C:\a\b`, `D:\a\b\c`, false}, // another drive
		{`C:\a\b`, `C:\a\b\..\c`, false},
		{`C:\a\b`, `C:\a\bc`, false},
		{`\\srv\share\a`, `\\srv\share\a\b`, true}, // UNC
		{`\\srv\share\a`, `\\srv\other\a\b`, false},
	} {
		if got := Within(c.root, c.p); got != c.want {
			t.Errorf("Within(%q, %q) = %v, want %v", c.root, c.p, got, c.want)
		}
	}
}
