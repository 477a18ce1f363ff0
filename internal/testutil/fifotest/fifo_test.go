package fifotest

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A read of a FIFO no one writes is reported as still waiting, Release
// lets it go (it reads an empty file), and a read that returns is
// reported with its result.
func TestWithinAndRelease(t *testing.T) {
	path := Make(t, filepath.Join(t.TempDir(), "f"))
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("Make: %v, %v; want a FIFO", fi, err)
	}
	got := make(chan []byte, 1)
	if _, ok := Within(200*time.Millisecond, func() error {
		data, err := os.ReadFile(path)
		got <- data
		return err
	}); ok {
		t.Fatal("a read of a FIFO no one writes returned")
	}
	Release(path)
	select {
	case data := <-got:
		if len(data) != 0 {
			t.Errorf("the released read gave %q, want nothing", data)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Release left the reader waiting")
	}
	if v, ok := Within(10*time.Second, func() int { return 7 }); !ok || v != 7 {
		t.Errorf("Within = %d, %v; want 7, true", v, ok)
	}
}
