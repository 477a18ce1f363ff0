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

// OnManyEnvFiles tells its watcher during the walk, once, as soon as the
// folders read have listed that many env file names (templates and
// other modes' included), and not at all on a smaller tree or once ended.
func TestManyEnvFilesToldDuringTheWalk(t *testing.T) {
	files := map[string]string{}
	for i := range 6 {
		d := filepath.Join("svc", string(rune('a'+i)))
		files[filepath.Join(d, ".env")] = "PORT=1\n"
		files[filepath.Join(d, ".env.example")] = "PORT=1\n"
		files[filepath.Join(d, "main.go")] = "package main\n"
	}
	root := tree(t, files)
	read, told, whenTold := 0, 0, -1 // folders read, times told, folders read when told
	walk := func() {
		dirs := NewDirs()
		var list func(string)
		list = func(dir string) {
			entries, err := dirs.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			read++
			for _, e := range entries {
				if e.IsDir() {
					list(filepath.Join(dir, e.Name()))
				}
			}
		}
		list(root)
	}
	OnManyEnvFiles(5, func() { told, whenTold = told+1, read })
	defer OnManyEnvFiles(0, nil)
	walk()
	// root, svc, then a (2 names), b (4), c: the 5th name is in the 5th
	// folder, read when four were.
	if told != 1 || whenTold != 4 {
		t.Fatalf("told %d times, the first after %d folders, in a walk of 8 folders listing 12 env file names; want once, after 4 (in the 5th's listing)", told, whenTold)
	}
	read, told = 0, 0
	OnManyEnvFiles(13, func() { told++ })
	walk()
	if told != 0 {
		t.Errorf("told on a tree of 12 env file names, watching for 13")
	}
	OnManyEnvFiles(1, func() { told++ })
	OnManyEnvFiles(0, nil)
	walk()
	if told != 0 {
		t.Errorf("told after the watch ended")
	}
}
