package envcheck

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pathPieces are segments and separators of every kind path.Clean treats
// apart: names, ".", "..", empty segments, leading and trailing slashes.
var pathPieces = []string{"", "a", "b.c", ".env", ".", "..", "/", "//", "./", "../", "testdata", "**", "*", "te?t", "[ab]"}

// pathsOf calls f on every string of up to depth pieces.
func pathsOf(depth int, f func(string)) {
	var walk func(prefix string, left int)
	walk = func(prefix string, left int) {
		f(prefix)
		if left == 0 {
			return
		}
		for _, p := range pathPieces {
			walk(prefix+p, left-1)
		}
	}
	walk("", depth)
}

func TestDirOfAsPathDir(t *testing.T) {
	n := 0
	pathsOf(5, func(p string) {
		if got, want := dirOf(p), path.Dir(p); got != want {
			t.Fatalf("dirOf(%q) = %q, path.Dir %q", p, got, want)
		}
		n++
	})
	if n < 100_000 {
		t.Fatalf("only %d paths", n)
	}
}

func TestRelUnderAsRel(t *testing.T) {
	for _, root := range []string{"/r", "/r/s", "/r/", "/", "r", ".", "/r/./s", "/r//s", "/r/.."} {
		pathsOf(4, func(rest string) {
			for _, p := range []string{root + "/" + rest, root + rest, filepath.Join(root, rest)} {
				rel, err := filepath.Rel(root, p)
				want := filepath.ToSlash(rel)
				got, gotErr := newRelUnder(root).rel(p)
				if got != want || (err == nil) != (gotErr == nil) {
					t.Fatalf("rel(%q, %q) = %q, %v; filepath.Rel %q, %v", root, p, got, gotErr, want, err)
				}
			}
		})
	}
}

// matchGlobSplit is MatchGlob before its test of the pattern's plain
// segments: every pattern with a slash split and matched segment by segment.
func matchGlobSplit(pattern, name string) bool {
	pattern = strings.TrimPrefix(pattern, "./")
	if !strings.Contains(pattern, "/") {
		ok, _ := path.Match(pattern, path.Base(name))
		return ok
	}
	return matchSegments(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func TestMatchGlobAsSplit(t *testing.T) {
	patterns := []string{"**/testdata/**", "fixtures/**", "a/*/c", "./a/b", "**/.env", "a/**/b", "te?t/**", "[ab]/x", `a\*/b`, "a//b", "**", "testdata"}
	pathsOf(4, func(name string) {
		for _, p := range patterns {
			if got, want := MatchGlob(p, name), matchGlobSplit(p, name); got != want {
				t.Fatalf("MatchGlob(%q, %q) = %v, split %v", p, name, got, want)
			}
		}
	})
}

func FuzzPathsAsStandard(f *testing.F) {
	f.Add("/r", "services/s1/app/.env", "**/testdata/**")
	f.Add("/r/", "a//b/../c", "a/*/c")
	f.Fuzz(func(t *testing.T, root, p, pattern string) {
		if got, want := dirOf(p), path.Dir(p); got != want {
			t.Fatalf("dirOf(%q) = %q, path.Dir %q", p, got, want)
		}
		rel, err := filepath.Rel(root, p)
		if got, gotErr := newRelUnder(root).rel(p); got != filepath.ToSlash(rel) || (err == nil) != (gotErr == nil) {
			t.Fatalf("rel(%q, %q) = %q, %v; filepath.Rel %q, %v", root, p, got, gotErr, rel, err)
		}
		if got, want := MatchGlob(pattern, p), matchGlobSplit(pattern, p); got != want {
			t.Fatalf("MatchGlob(%q, %q) = %v, split %v", pattern, p, got, want)
		}
		// JoinListed for a name a listing can give: one segment, not . nor ..
		if name := path.Base(pattern); name != "." && name != ".." && name != "/" && !strings.Contains(name, "/") {
			clean := CleanDir(root)
			if got, want := JoinListed(root, name, clean), filepath.Join(root, name); got != want {
				t.Fatalf("JoinListed(%q, %q, %v) = %q, filepath.Join %q", root, name, clean, got, want)
			}
		}
	})
}

func TestJoinListedAsJoin(t *testing.T) {
	names := []string{"a", ".env", ".env.local", "..x", "x..", " ", "a b", "ü", "-"}
	for _, dir := range []string{"/r", "/r/s", "r", "r/s", "/", ".", "", "/r/", "r//s", "/r/./s", "/r/..", "../r", ".."} {
		clean := CleanDir(dir)
		for _, name := range names {
			if got, want := JoinListed(dir, name, clean), filepath.Join(dir, name); got != want {
				t.Errorf("JoinListed(%q, %q, %v) = %q, filepath.Join %q", dir, name, clean, got, want)
			}
			// Below a folder CleanDir says so of, every folder is clean too.
			if clean && !CleanDir(JoinListed(dir, name, clean)) {
				t.Errorf("CleanDir(%q) false below clean %q", JoinListed(dir, name, clean), dir)
			}
		}
	}
}

// TestWalkTreeAsWalkDir: the walk names every path as filepath.WalkDir does.
func TestWalkTreeAsWalkDir(t *testing.T) {
	for _, root := range []string{t.TempDir(), t.TempDir() + "/", "."} {
		if root == "." {
			t.Chdir(t.TempDir())
		}
		for _, p := range []string{"a/b/.env", "a/.env.local", "c/d/e/f", ".env"} {
			if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, p), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var got, want []string
		if err := walkTree(NewDirs(), root, func(p string, _ fs.DirEntry, err error) error { got = append(got, p); return err }); err != nil {
			t.Fatal(err)
		}
		if err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error { want = append(want, p); return err }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("walkTree(%q) named %q, filepath.WalkDir %q", root, got, want)
		}
	}
}
