package envcheck

import (
	"os"
	"path/filepath"
	"testing"
)

// A folder another walk read (the services') is not read again by
// discovery, and its listing serves one walk only: a later resolution in
// the same command sees what was written since.
func TestDirsListingServesOneWalk(t *testing.T) {
	root := tree(t, map[string]string{".env": "DATABASE_URL=postgres://u@db-a/app\n", "app/.env": "DATABASE_URL=postgres://u@db-a/app\n"})
	dirs := NewDirs()
	for _, d := range []string{root, filepath.Join(root, "app")} {
		if _, err := dirs.ReadDir(d); err != nil {
			t.Fatal(err)
		}
	}
	// Written after the listing was read: the first walk, which uses the
	// listing, cannot see it; the second reads the disk.
	if err := os.WriteFile(filepath.Join(root, "app", ".env.local"), []byte("DATABASE_URL=postgres://u@db-a/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := func(r *Report) (out []string) {
		for _, f := range r.Files {
			out = append(out, f.Path)
		}
		return out
	}
	first := mustResolve(t, root, func(o *Options) { o.Dirs = dirs })
	if got := paths(first); len(got) != 2 {
		t.Fatalf("first walk: %v, want the two files the listing holds", got)
	}
	second := mustResolve(t, root, func(o *Options) { o.Dirs = dirs })
	if got := paths(second); len(got) != 3 {
		t.Fatalf("second walk: %v, want the file written since as well", got)
	}
}
