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

// TestWithinResolvedAndExisting: the two checks that follow links, on
// one tree, their edge cases once (tool's and the hooks folder's check is
// WithinResolved, the env files' WithinExisting; services' and the
// Prisma walks' are Within on names they resolve or walk themselves).
func TestWithinResolvedAndExisting(t *testing.T) {
	top := t.TempDir()
	root, out := filepath.Join(top, "root"), filepath.Join(top, "out")
	for _, d := range []string{filepath.Join(root, "sub"), out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for link, to := range map[string]string{
		"root/in":       "sub",                            // inside
		"root/away":     out,                              // out
		"root/up":       "..",                             // the root's parent
		"root/self":     ".",                              // the root itself
		"root/dangling": filepath.Join(out, "gone"),       // to nothing, outside
		"root/loop":     "loop",                           // a loop
		"rootlink":      "root",                           // the root by a link
		"root/sub/back": filepath.Join("..", "..", "out"), // out, relative
	} {
		if err := os.Symlink(to, filepath.Join(top, link)); err != nil {
			t.Fatal(err)
		}
	}
	j := func(parts ...string) string { return filepath.Join(append([]string{top}, parts...)...) }
	for _, c := range []struct {
		root, p            string
		resolved, existing bool
	}{
		{j("root"), j("root"), true, true},                      // the root itself
		{j("root") + "/", j("root", "sub") + "/", true, true},   // trailing separators
		{j("root"), j("root", "sub", "..", "sub"), true, true},  // .. inside
		{j("root"), j("root", "sub", "..", ".."), false, false}, // .. out
		{j("root"), j("root", "in", "x"), true, false},          // not made yet, inside
		{j("root"), j("root", "new", "deeper"), true, false},    //
		{j("root"), j("root", "away"), false, false},            // a link out
		{j("root"), j("root", "away", "new"), false, false},     // not made yet, behind it
		{j("root"), j("root", "sub", "back"), false, false},     // relative, out
		{j("root"), j("root", "up"), false, false},              // to the parent
		{j("root"), j("root", "self"), true, true},              // to the root
		{j("root"), j("root", "dangling"), true, false},         // dangling: the link itself, not proven
		{j("root"), j("root", "loop"), true, false},             // a loop
		{j("rootlink"), j("root", "sub"), true, true},           // the root by a link
		{j("root"), j("rootlink", "sub"), true, true},           //
		{j("root"), j("out"), false, false},                     // a sibling
		{j("root"), j("rootx"), false, false},                   // sharing a prefix, missing
		{j("root", "sub"), j("root", "in"), true, true},         // a link into a folder below
		{j("root", "in"), j("root", "sub", "x"), true, false},   // the root by a link, p not made
		{j("missing"), j("missing", "x"), true, false},          // a root not made yet
	} {
		if got := WithinResolved(c.root, c.p); got != c.resolved {
			t.Errorf("WithinResolved(%q, %q) = %v, want %v", c.root, c.p, got, c.resolved)
		}
		if got := WithinExisting(c.root, c.p); got != c.existing {
			t.Errorf("WithinExisting(%q, %q) = %v, want %v", c.root, c.p, got, c.existing)
		}
	}
}
