package envcheck

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// ReadDirAt lists each folder as os.ReadDir does (names, order, types,
// Info, the error of a folder it cannot read), whether it opens the
// folder by its path (the top) or from its parent's descriptor, and keeps
// the same listing for the next walk.
func TestReadDirAtAsReadDir(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"a/b/.env", "a/.env.local", "a/z.txt", "c/d/e/f", ".env", "a/b/c/.env.test"} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte("X=1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"a/in": "b", "a/out": "/etc", "a/dangling": "nowhere", "a/file": ".env.local"} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "a", "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Unreadable for anyone but root (the tests run as root in CI): then
	// an error, as os.ReadDir's, for the walk to report.
	if err := os.Mkdir(filepath.Join(root, "c", "shut"), 0o000); err != nil {
		t.Fatal(err)
	}
	dirs := NewDirs()
	var visited []string
	var walk func(parent Folder, base, dir string)
	walk = func(parent Folder, base, dir string) {
		got, f, err := dirs.ReadDirAt(parent, base, dir)
		defer f.Close()
		visited = append(visited, dir)
		want, werr := os.ReadDir(dir)
		if (err == nil) != (werr == nil) || (err != nil && err.Error() != werr.Error()) {
			t.Errorf("%s: error %v, os.ReadDir %v", dir, err, werr)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d entries, os.ReadDir %d", dir, len(got), len(want))
		}
		for i := range got {
			g, w := got[i], want[i]
			if g.Name() != w.Name() || g.IsDir() != w.IsDir() || g.Type() != w.Type() || fmt.Sprint(g) != fmt.Sprint(w) {
				t.Errorf("%s: entry %d is %v, os.ReadDir %v", dir, i, g, w)
			}
			gi, gerr := g.Info()
			wi, werr := w.Info()
			if (gerr == nil) != (werr == nil) || (gerr == nil && (gi.Name() != wi.Name() || gi.Mode() != wi.Mode() || gi.Size() != wi.Size())) {
				t.Errorf("%s: %s's Info %v %v, os.ReadDir's %v %v", dir, g.Name(), gi, gerr, wi, werr)
			}
		}
		if kept, kerr := dirs.take(dir); len(kept) != len(got) || kerr != err {
			t.Errorf("%s: the listing kept for the next walk differs", dir)
		}
		for _, e := range got {
			if e.IsDir() {
				walk(f, e.Name(), dir+"/"+e.Name())
			}
		}
	}
	walk(Folder{}, root, root)
	if len(visited) != 8 { // root, a, a/b, a/b/c, c, c/d, c/d/e, c/shut
		t.Errorf("visited %q", visited)
	}
}

// A folder swapped for a link after its parent was listed is not
// followed: it fails to open, where a read by its path would list the
// link's target (outside the project here).
func TestReadDirAtDoesNotFollowASwappedFolder(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, ".env"), []byte("DATABASE_URL=postgres://u@elsewhere/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	dirs := NewDirs()
	entries, top, err := dirs.ReadDirAt(Folder{}, root, root)
	if err != nil || len(entries) != 1 || !entries[0].IsDir() {
		t.Fatalf("the root: %v, %v", entries, err)
	}
	defer top.Close()
	if err := os.Remove(filepath.Join(root, "app")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "app")); err != nil {
		t.Fatal(err)
	}
	app := filepath.Join(root, "app")
	got, f, err := dirs.ReadDirAt(top, "app", app)
	f.Close()
	if !errors.Is(err, syscall.ELOOP) && !errors.Is(err, syscall.ENOTDIR) {
		t.Fatalf("the swapped folder listed %v (error %v), want it refused", got, err)
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != app || pe.Op != "open" {
		t.Errorf("error %#v, want open %s as os.ReadDir names it", err, app)
	}
	if kept, kerr := dirs.take(app); kept != nil || kerr != err {
		t.Errorf("kept %v, %v for the next walk, want the error", kept, kerr)
	}
}

// A path too long to name is read by its name, and fails as os.ReadDir
// fails (ENAMETOOLONG), rather than walking on from descriptors below
// what a path can reach.
func TestReadDirAtPastPathMax(t *testing.T) {
	root := t.TempDir()
	long := root + strings.Repeat("/"+strings.Repeat("d", 200), 21)
	_, f, err := NewDirs().ReadDirAt(Folder{}, root, long)
	f.Close()
	_, werr := os.ReadDir(long)
	if err == nil || werr == nil || err.Error() != werr.Error() {
		t.Fatalf("error %v, os.ReadDir %v", err, werr)
	}
}

// Where a file system's records give no type (DT_UNKNOWN: some network
// and older file systems), each entry's type is asked of the file system
// without following a link, as os.ReadDir asks; an entry gone since the
// listing is left out. tmpfs and ext4 always give the type, so the
// records are made here.
func TestReadDirAtTypesUnknownEntries(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	var ents []dirent
	for _, n := range []string{"fifo", "file", "gone", "link", "sub"} {
		ents = append(ents, dirent{name: n, typ: modeUnknown})
	}
	got, err := typed(fd, dir, ents)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%v, os.ReadDir %v", got, want)
	}
	for i := range got {
		if got[i].Name() != want[i].Name() || got[i].Type() != want[i].Type() {
			t.Errorf("entry %d: %v, os.ReadDir %v", i, got[i], want[i])
		}
	}
}
