package tmpfs

import (
	"os"
	"syscall"
	"testing"
)

// TestInMemory: with TMPDIR unset and /dev/shm a tmpfs with room, TMPDIR
// becomes /dev/shm and os.TempDir follows it; a TMPDIR already set is
// left as it is.
func TestInMemory(t *testing.T) {
	t.Setenv("TMPDIR", "/somewhere/chosen")
	if InMemory() || os.Getenv("TMPDIR") != "/somewhere/chosen" {
		t.Fatalf("a TMPDIR that was set became %q", os.Getenv("TMPDIR"))
	}
	os.Unsetenv("TMPDIR")
	var fs syscall.Statfs_t
	shm := syscall.Statfs("/dev/shm", &fs) == nil && fs.Type == 0x01021994 && uint64(fs.Bavail)*uint64(fs.Bsize) >= 2<<30 // TMPFS_MAGIC, and the 2 GiB a test server needs
	if got := InMemory(); got != shm {
		t.Fatalf("InMemory() = %v, but /dev/shm is a tmpfs with room: %v", got, shm)
	}
	if shm && os.TempDir() != "/dev/shm" {
		t.Errorf("TMPDIR %q, os.TempDir %q: want /dev/shm", os.Getenv("TMPDIR"), os.TempDir())
	}
}
