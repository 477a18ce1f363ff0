package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// TestAttackSnapshotFIFO: the snapshot verify compares against is named
// by the repository's dbguard.yaml (schema.snapshot, default
// dbguard.schema.yaml); it was read with os.ReadFile, so a FIFO there made
// verify and ci's schema check wait for a writer forever. It is refused
// as not a regular file instead.
func TestAttackSnapshotFIFO(t *testing.T) {
	root := t.TempDir()
	path := fifotest.Make(t, filepath.Join(root, "dbguard.schema.yaml"))
	err, ok := fifotest.Within(5*time.Second, func() error {
		_, _, err := readSnapshot(root, path)
		return err
	})
	if !ok {
		t.Fatal("still waiting for a writer to the snapshot FIFO after 5 s")
	}
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("%v, want the snapshot refused as not a regular file", err)
	}
}

// TestAttackSnapshotLinkOut: a dbguard.schema.yaml that is a link out of
// the project was read, and the YAML error quoted the start of the file
// it leads to ("cannot unmarshal !!str `TOPSECR...`", seen with the built
// binary). It is not read.
func TestAttackSnapshotLinkOut(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("TOPSECRET_LINE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "dbguard.schema.yaml")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	snap, data, err := readSnapshot(root, link)
	if err == nil || snap != nil || data != nil || strings.Contains(err.Error(), "TOPSECR") {
		t.Errorf("snapshot %v, %d bytes, error %v: want the link out of the project refused unread", snap, len(data), err)
	}
}
