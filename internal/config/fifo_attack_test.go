package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// TestAttackConfigFIFO: a FIFO named dbguard.yaml, in the project root or
// in a subfolder (service discovery reads every folder's), was read with
// os.ReadFile, so every command, the pre-commit hook included, waited for
// a writer forever (seen with the built binary). A configuration file
// found in the repository is opened without blocking and refused unless
// it is a regular file; one the user names with --config may be a pipe.
func TestAttackConfigFIFO(t *testing.T) {
	dir := t.TempDir()
	fifotest.Make(t, filepath.Join(dir, FileName))
	err, ok := fifotest.Within(5*time.Second, func() error {
		_, err := Discover(dir, "")
		return err
	})
	if !ok {
		t.Fatal("still waiting for a writer to dbguard.yaml after 5 s")
	}
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("%v, want dbguard.yaml refused as not a regular file", err)
	}
}
