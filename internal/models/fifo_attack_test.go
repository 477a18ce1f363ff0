package models

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A models file (Django's manage.py, a Drizzle schema, a Prisma schema) is
// listed as a regular file and then read: one swapped for a FIFO in
// between made the read (os.Root.ReadFile) wait for a writer, for good.
// readInside waits on nothing and refuses what is no regular file.
func TestAttackModelsFileFIFOWaitsOnNothing(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "schema.prisma")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := readInside(dir, fifo)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("a FIFO: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading a models file waits on a FIFO")
	}
}
