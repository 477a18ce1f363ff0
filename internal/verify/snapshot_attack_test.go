package verify

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestAttackSnapshotFIFO: the snapshot verify compares against is named
// by the repository's dbguard.yaml (schema.snapshot, default
// dbguard.schema.yaml); it was read with os.ReadFile, so a FIFO there made
// verify and ci's schema check wait for a writer forever. It is refused
// as not a regular file instead.
func TestAttackSnapshotFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "dbguard.schema.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	done := make(chan error, 1)
	go func() {
		_, _, err := readSnapshot(fifo)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%v, want the snapshot refused as not a regular file", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still waiting for a writer to the snapshot FIFO after 5 s")
	}
}
