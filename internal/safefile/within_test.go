package safefile

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWithin: the one "inside the root" check, its edge cases once.
func TestWithin(t *testing.T) {
	for _, c := range []struct {
		root, p string
		want    bool
	}{
		{"/a/b", "/a/b", true},              // the root itself
		{"/a/b/", "/a/b", true},             // trailing separators
		{"/a/b", "/a/b/", true},             //
		{"/a/b//", "/a/b/c//", true},        //
		{"/a/b", "/a/b/c/d", true},          // below
		{"/a/b", "/a/b/..x", true},          // a name starting with ..
		{"/a/b", "/a/b/..", false},          // ..
		{"/a/b", "/a/b/../c", false},        //
		{"/a/b", "/a/b/c/../../b2", false},  //
		{"/a/b", "/a/bc", false},            // a sibling sharing a prefix
		{"/a/b", "/a", false},               // the parent
		{"/a/b", "/", false},                //
		{"/a/b", "/A/B/c", false},           // case: as written
		{"/a/b", "c", false},                // relative against absolute
		{"a", "/a/b", false},                //
		{"a", "a/b", true},                  // both relative
		{".", "..", false},                  //
		{".", "x/../../y", false},           //
		{"/", "/etc", true},                 // the file system's root
		{"/a/b", "/a/b/c/./d/../e", true},   // cleaned first
		{"/a/b", "/a/b/c/../../b/d", true},  //
		{"/a/b", "/a/b/schema.sql:x", true}, // Windows: a data stream, below the root
		{"/a/b", "/a/b/COM1.sql", true},     // Windows: a reserved name, below the root
	} {
		if got := Within(c.root, c.p); got != c.want {
			t.Errorf("Within(%q, %q) = %v, want %v", c.root, c.p, got, c.want)
		}
	}
}

// TestWithinLinks: a link is not followed (lexical), so callers that
// care resolve first; resolved, a folder linking outside is outside.
func TestWithinLinks(t *testing.T) {
	root, out := t.TempDir(), t.TempDir()
	if err := os.Symlink(out, filepath.Join(root, "away")); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "away", "x")
	if !Within(root, p) {
		t.Errorf("as written, %s is within %s", p, root)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	realDir, err := filepath.EvalSymlinks(filepath.Dir(p))
	if err != nil {
		t.Fatal(err)
	}
	if Within(realRoot, realDir) {
		t.Errorf("resolved, %s is within %s", realDir, realRoot)
	}
}
