package config

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestAttackConfigFIFO: a FIFO named dbguard.yaml, in the project root or
// in a subfolder (service discovery reads every folder's), was read with
// os.ReadFile, so every command, the pre-commit hook included, waited for
// a writer forever (seen with the built binary). A configuration file
// found in the repository is opened without blocking and refused unless
// it is a regular file; one the user names with --config may be a pipe.
func TestAttackConfigFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, FileName)
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
		_, err := Discover(dir, "")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%v, want dbguard.yaml refused as not a regular file", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still waiting for a writer to dbguard.yaml after 5 s")
	}
}
