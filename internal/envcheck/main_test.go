package envcheck

import (
	"os"
	"testing"

	"github.com/dbguard/dbguard/internal/testutil/tmpfs"
)

// TestMain puts the tests' env trees in memory (tmpfs.InMemory): the
// memory and walk tests make and remove files by the hundred, and on an
// ext4 /tmp without a journal each new file costs a scan past the inodes
// deleted in the last few seconds.
func TestMain(m *testing.M) {
	tmpfs.InMemory()
	os.Exit(m.Run())
}
