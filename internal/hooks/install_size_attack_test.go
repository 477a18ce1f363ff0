package hooks

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestAttackInstallSparseManagerConfig: hook install read a lefthook.yml
// whole to see whether it runs dbguard; a sparse one of 1 GiB (a few KB in
// git) took 49 s and 2 GiB of memory. A hook manager's configuration is
// read up to 1 MiB; a larger one is taken as not running dbguard.
func TestAttackInstallSparseManagerConfig(t *testing.T) {
	repo := t.TempDir()
	gitRun(t, repo, "init", "-q")
	f, err := os.Create(filepath.Join(repo, "lefthook.yml"))
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("pre-commit:\n  commands:\n    dbguard:\n      run: dbguard hook pre-commit\n")
	if err := f.Truncate(64 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, err := Install(context.Background(), repo)
	if err == nil || got.Manager != "" {
		t.Errorf("Install: %+v, %v; want the 64 MiB lefthook.yml not read (not taken as running dbguard)", got, err)
	}
}
