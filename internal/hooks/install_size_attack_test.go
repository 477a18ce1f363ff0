package hooks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
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

// sparseFile writes head at the start of a sparse file of size bytes.
func sparseFile(t *testing.T, file, head string, size int64) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(head); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
}

// allocatedUnder fails when fn allocates limit bytes or more: a count of
// bytes, not a time.
func allocatedUnder(t *testing.T, what string, limit uint64, fn func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n >= limit {
		t.Errorf("%s: %d MiB allocated", what, n>>20)
	}
}

// TestAttackInstallSparseHook: a copied .git whose hooks/pre-commit is a
// sparse file of 1 GiB was read whole by hook install and uninstall (to
// look for dbguard's marker). A hook over 1 MiB is refused, exit 2,
// naming it and how to move it away; nothing is renamed or removed.
func TestAttackInstallSparseHook(t *testing.T) {
	repo := t.TempDir()
	gitRun(t, repo, "init", "-q")
	hook := filepath.Join(repo, ".git", "hooks", "pre-commit")
	if err := os.MkdirAll(filepath.Dir(hook), 0o755); err != nil {
		t.Fatal(err)
	}
	sparseFile(t, hook, "#!/bin/sh\n# installed by dbguard\n", 64<<20)
	for name, run := range map[string]func() error{
		"install":   func() error { _, err := Install(context.Background(), repo); return err },
		"uninstall": func() error { _, _, _, err := Uninstall(context.Background(), repo); return err },
	} {
		var err error
		allocatedUnder(t, name, 32<<20, func() { err = run() })
		var hint interface{ Hint() string }
		if err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") || !strings.Contains(err.Error(), "pre-commit") ||
			exitcode.Of(err) != exitcode.Usage || !errors.As(err, &hint) || !strings.Contains(hint.Hint(), "mv ") {
			t.Errorf("%s: %v, want the hook refused as larger than 1 MiB, exit 2, with a mv hint", name, err)
		}
		if st, err := os.Stat(hook); err != nil || st.Size() != 64<<20 {
			t.Errorf("%s: the hook was moved or changed: %v", name, err)
		}
	}
}

// TestAttackIndexFileSparseHuge: the hook's own reading of .git/index
// (whether a staged dbguard.yaml differs from the disk's) read a sparse
// 1 GiB index whole; it reads up to 64 MiB and leaves a larger one to git.
func TestAttackIndexFileSparseHuge(t *testing.T) {
	repo := t.TempDir()
	gitRun(t, repo, "init", "-q")
	sparseFile(t, filepath.Join(repo, ".git", "index"), "DIRC\x00\x00\x00\x02\x00\x00\x00\x00", 256<<20)
	allocatedUnder(t, "index", 64<<20, func() {
		if _, ok := indexFileConfigChanged(repo); ok {
			t.Error("a 256 MiB index was read as one")
		}
	})
}
