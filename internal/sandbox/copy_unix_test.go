//go:build !windows

package sandbox

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// isFileOf reports whether the open descriptor fd is the file at p.
func isFileOf(fd int, p string) bool {
	var st, at syscall.Stat_t
	return syscall.Fstat(fd, &st) == nil && syscall.Lstat(p, &at) == nil && st.Dev == at.Dev && st.Ino == at.Ino
}

// TestCopyClusterRefusesFIFO: a named pipe in a cluster's folder is
// refused, not opened for reading until someone writes to it (the copy
// opens each listed file without blocking and checks the descriptor's own
// type).
func TestCopyClusterRefusesFIFO(t *testing.T) {
	src := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(filepath.Join(src, "base"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(src, "base", "1259"), 0o600); err != nil {
		t.Skip("no FIFO here:", err)
	}
	done := make(chan error, 1)
	go func() { done <- CopyCluster(src, filepath.Join(t.TempDir(), "copy"), nil) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a cluster holding a FIFO was copied")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the copy blocked on a FIFO")
	}
}
