package envcheck

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttackManifestSparseHuge: the manifests read for the loaders they
// name were read whole: a sparse requirements.txt of 512 MiB (a few KB in
// git) held dbguard env for 116 s and 1.7 GiB (twice read: the loaders and
// django-environ's version), a package.json of 512 MiB for 5 s and 1 GiB.
// A manifest over MaxManifestSize is not read; a warning names it.
func TestAttackManifestSparseHuge(t *testing.T) {
	for _, name := range []string{"requirements.txt", "package.json"} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.WriteFile(filepath.Join(root, ".env"), []byte("DATABASE_URL=postgres://app@db.example.com/app\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Create(filepath.Join(root, name))
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("python-dotenv\n")
			if err := f.Truncate(64 << 20); err != nil {
				t.Fatal(err)
			}
			f.Close()
			rep, err := Resolve(context.Background(), Options{Root: root, Mode: "development", URLVar: "DATABASE_URL"})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, w := range rep.Warnings {
				if w.Location == name && strings.Contains(w.Message, "larger than 4194304 bytes") {
					found = true
				}
			}
			if !found {
				t.Errorf("no warning that %s was not read: %+v", name, rep.Warnings)
			}
		})
	}
}
