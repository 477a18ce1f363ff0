package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttackSnapshotSparseHuge: the snapshot file schema.snapshot names
// was read whole by verify and ci; a sparse one of gigabytes (a few KB in
// git) took as much memory. It is read up to MaxSnapshotSize and refused
// past it, naming the file.
func TestAttackSnapshotSparseHuge(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "dbguard.schema.yaml")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("migration_version: 1\n")
	if err := f.Truncate(64<<20 + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, _, err = readSnapshot(root, p)
	if err == nil || !strings.Contains(err.Error(), "larger than") || !strings.Contains(err.Error(), "dbguard.schema.yaml") {
		t.Errorf("readSnapshot: %v, want the file refused as too large", err)
	}
}
