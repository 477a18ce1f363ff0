package models

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// A models file (Django's manage.py, a Drizzle schema, a Prisma schema) is
// listed as a regular file and then read: one swapped for a FIFO in
// between made the read (os.Root.ReadFile) wait for a writer, for good.
// readInside waits on nothing and refuses what is no regular file.
func TestAttackModelsFileFIFOWaitsOnNothing(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "schema.prisma")
	fifotest.Make(t, fifo)
	err, ok := fifotest.Within(10*time.Second, func() error {
		_, err := readInside(dir, fifo, maxSmallFile)
		return err
	})
	if !ok {
		t.Fatal("reading a models file waits on a FIFO")
	}
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a FIFO: %v", err)
	}
}
