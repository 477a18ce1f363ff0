package sandbox

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// TestCopyCluster: every folder and regular file arrives with its bytes
// (one larger than the copy's buffer, one empty) and its mode, each handed
// to chown; a symbolic link, or a target that exists, stops the copy.
func TestCopyCluster(t *testing.T) {
	src := filepath.Join(t.TempDir(), "data")
	big := bytes.Repeat([]byte("0123456789abcdef"), 40<<10) // 640 KiB, past the 256 KiB buffer
	files := map[string][]byte{
		"PG_VERSION":           []byte("15\n"),
		"base/1/1259":          big,
		"base/1/1259_fsm":      {},
		"global/pg_control":    []byte{0, 1, 2, 0xff},
		"pg_wal/archive_stamp": []byte("x"),
	}
	for name, b := range files {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(src, "PG_VERSION"), 0o640); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy")
	var chowned []string
	byFD := map[string]bool{}
	if err := CopyCluster(src, dst, func(p string, fd int) error {
		chowned = append(chowned, p)
		if fd >= 0 {
			// The descriptor is the copy's own, open for writing.
			if !isFileOf(fd, p) {
				t.Errorf("%s: chown got descriptor %d, not the copy's", p, fd)
			}
			byFD[p] = true
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		got, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s: %d bytes, %v; want %d bytes", name, len(got), err, len(b))
		}
		if !slices.Contains(chowned, filepath.Join(dst, name)) {
			t.Errorf("%s: not handed to chown", name)
		}
		if runtime.GOOS != "windows" && !byFD[filepath.Join(dst, name)] {
			t.Errorf("%s: handed to chown without its descriptor", name)
		}
	}
	if runtime.GOOS != "windows" {
		for name, want := range map[string]os.FileMode{"PG_VERSION": 0o640, "base/1/1259": 0o600, "base": 0o700} {
			if fi, err := os.Stat(filepath.Join(dst, name)); err != nil || fi.Mode().Perm() != want {
				t.Errorf("%s: mode %v (%v), want %v", name, fi.Mode().Perm(), err, want)
			}
		}
	}
	// The target exists: refused, not overwritten.
	if err := CopyCluster(src, dst, nil); err == nil {
		t.Error("a copy onto an existing folder succeeded")
	}
	if runtime.GOOS == "windows" {
		return
	}
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("not the cluster's"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(src, "base/1/2619")); err != nil {
		t.Fatal(err)
	}
	dst2 := filepath.Join(t.TempDir(), "copy")
	if err := CopyCluster(src, dst2, nil); err == nil {
		t.Error("a cluster holding a symbolic link was copied")
	}
	if b, err := os.ReadFile(filepath.Join(dst2, "base/1/2619")); err == nil {
		t.Errorf("the link's target was copied: %q", b)
	}
}
