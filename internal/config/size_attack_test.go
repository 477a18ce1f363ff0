package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttackConfigSparseHuge: a sparse dbguard.yaml (zeros, a few KB in
// git) was read whole by every command: 1 GiB took 12 s and 4 GiB of
// memory with the built binary, so a larger one stopped a CI runner. A
// repository's dbguard.yaml is read up to MaxFileSize and refused past it,
// at the root and in a service's folder; --config (the user's) has no cap.
func TestAttackConfigSparseHuge(t *testing.T) {
	for _, where := range []string{".", "svc"} {
		dir := t.TempDir()
		file := filepath.Join(dir, where, FileName)
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("version: 1\n")
		if err := f.Truncate(64 << 20); err != nil {
			t.Fatal(err)
		}
		f.Close()
		var lerr error
		if where == "." {
			_, lerr = Discover(dir, "")
		} else {
			_, lerr = Load(file)
		}
		if lerr == nil || !strings.Contains(lerr.Error(), "larger than 1048576 bytes") {
			t.Errorf("%s: %v, want dbguard.yaml refused as larger than 1 MiB", where, lerr)
		}
	}
}
