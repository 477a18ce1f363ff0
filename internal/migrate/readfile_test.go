package migrate

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A migration swapped for a FIFO after the folder was read (the review's
// race: between the listing and a checksum of an applied file) made a
// plain read wait for a writer, for good. Every read of a migration goes
// through readFile, which waits on nothing and refuses what is not a
// regular file.
func TestAttackMigrationFIFOWaitsOnNothing(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "1_a.up.sql"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "2_b.up.sql"), []byte("SELECT 1;"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	done := make(chan error, 1)
	go func() {
		_, err := readFile(root, "1_a.up.sql")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("a FIFO: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading a migration waits on a FIFO")
	}
	if data, err := readFile(root, "2_b.up.sql"); err != nil || string(data) != "SELECT 1;" {
		t.Errorf("a regular file: %q, %v", data, err)
	}
}
