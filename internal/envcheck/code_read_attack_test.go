package envcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The code readers (the dotenv and load_dotenv call searches) opened each
// file the walk listed by its name, following links: a file swapped for a
// link to a file outside the project between the walk and the read was
// read through the link, and its calls judged as the project's. Each file
// is now read through an os.Root at its folder, and only when the name is
// still the regular file opened.
func TestAttackCodeFileSwappedAfterWalk(t *testing.T) {
	defer func() { afterCodeListed = nil }()
	outside := t.TempDir()
	// A call the reader cannot read: it warns at the file's line.
	call := "require('dotenv').config({ path: process.argv[2] })\n"
	if err := os.WriteFile(filepath.Join(outside, "evil.js"), []byte(call), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		swap  func(t *testing.T, p string) // the project's file, after the walk
		warns bool
	}{
		{"the file as walked", func(t *testing.T, p string) {
			if err := os.WriteFile(p, []byte(call), 0o644); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a link out of the project", func(t *testing.T, p string) {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(outside, "evil.js"), p); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"its folder a link out of the project", func(t *testing.T, p string) {
			d := filepath.Dir(p)
			if err := os.Rename(d, d+".old"); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, d); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(outside, "evil.js"), filepath.Join(outside, "app.js")); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Rename(filepath.Join(outside, "app.js"), filepath.Join(outside, "evil.js")) })
		}, false},
		{"a link to another file of its folder", func(t *testing.T, p string) {
			other := filepath.Join(filepath.Dir(p), "other.txt")
			if err := os.WriteFile(other, []byte(call), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("other.txt", p); err != nil {
				t.Fatal(err)
			}
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			for name, body := range map[string]string{
				".env":         "DATABASE_URL=" + dbA + "\n",
				"package.json": `{"name":"api","dependencies":{"dotenv":"^17.2.3"}}`,
				"src/app.js":   "console.log('no env here')\n",
			} {
				p := filepath.Join(root, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			afterCodeListed = func(rel string) {
				if rel == "src/app.js" {
					c.swap(t, filepath.Join(root, "src", "app.js"))
				}
			}
			r := mustResolve(t, root, nil)
			afterCodeListed = nil
			var at []string
			for _, w := range r.Warnings {
				if strings.HasPrefix(w.Location, "src/app.js") {
					at = append(at, w.Location+" "+w.Message)
				}
			}
			if got := len(at) > 0; got != c.warns {
				t.Errorf("warnings at src/app.js: %q; want some: %v", at, c.warns)
			}
		})
	}
}
