package hooks

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMayFindBareRepository: the git version is asked only where git's
// discovery could take a committed git directory for the repository.
func TestMayFindBareRepository(t *testing.T) {
	root := t.TempDir()
	bare := filepath.Join(root, "vendor", "bare")
	for _, d := range []string{filepath.Join(root, ".git"), filepath.Join(root, "src", "app"), filepath.Join(bare, "objects"), filepath.Join(bare, "refs"), filepath.Join(bare, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bare, "HEAD"), []byte("ref: refs/heads/main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]bool{
		root:                              false,
		filepath.Join(root, "src", "app"): false,
		bare:                              true,
		filepath.Join(bare, "sub"):        true,
	} {
		if got := mayFindBareRepository(dir); got != want {
			t.Errorf("mayFindBareRepository(%s) = %v, want %v", dir, got, want)
		}
	}
}
