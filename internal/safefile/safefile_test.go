package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// TestReadRefusesWhatIsNoRegularFile: a FIFO (which must not block the
// open), a folder and a device are refused with ErrNotRegular by every
// way in; a regular file, through a link in the root too, is read whole.
func TestReadRefusesWhatIsNoRegularFile(t *testing.T) {
	dir := t.TempDir()
	fifotest.Make(t, filepath.Join(dir, "fifo"))
	if err := os.Mkdir(filepath.Join(dir, "folder"), 0o755); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("x", 5000)
	if err := os.WriteFile(filepath.Join(dir, "file"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("file", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	ways := map[string]func(string) ([]byte, error){
		"ReadFile":  func(n string) ([]byte, error) { return ReadFile(filepath.Join(dir, n), NoLimit) },
		"ReadIn":    func(n string) ([]byte, error) { return ReadIn(root, n, NoLimit) },
		"ReadUnder": func(n string) ([]byte, error) { return ReadUnder(dir, n, NoLimit) },
		"Open+Read": func(n string) ([]byte, error) {
			f, err := Open(filepath.Join(dir, n))
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return Read(f, NoLimit)
		},
	}
	for how, read := range ways {
		for _, name := range []string{"fifo", "folder"} {
			done := make(chan error, 1)
			go func() { _, err := read(name); done <- err }()
			select {
			case err := <-done:
				var nr *NotRegularError
				if !errors.Is(err, ErrNotRegular) || !errors.As(err, &nr) || err.Error() != "not a regular file" {
					t.Errorf("%s %s: %v", how, name, err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s waits on a FIFO", how)
			}
		}
		for _, name := range []string{"file", "link"} {
			if data, err := read(name); err != nil || string(data) != body {
				t.Errorf("%s %s: %d bytes, %v", how, name, len(data), err)
			}
		}
		if _, err := read("missing"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s missing: %v", how, err)
		}
	}
	if _, err := ReadFile("/dev/null", NoLimit); !errors.Is(err, ErrNotRegular) {
		t.Errorf("a device: %v", err)
	}
}

// TestReadInRefusesALinkOut: through a root, a link that leaves it is
// not followed.
func TestReadInRefusesALinkOut(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("s3cret"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "out")); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadUnder(dir, "out", NoLimit); err == nil {
		t.Fatalf("read %q through a link out of the root", data)
	}
	if f, err := func() (*os.File, error) {
		root, err := os.OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		return OpenIn(root, "../"+filepath.Base(outside))
	}(); err == nil {
		f.Close()
		t.Fatal("opened a path out of the root")
	}
}

// TestReadCapsTheSize: a file past the cap is refused with its size; one
// at the cap is read; every size around the buffer's edges comes back whole.
func TestReadCapsTheSize(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 511, 512, 513, 4095, 4096, 4097, 100_000} {
		name := filepath.Join(dir, "f")
		body := strings.Repeat("y", size)
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if data, err := ReadFile(name, NoLimit); err != nil || string(data) != body {
			t.Errorf("size %d: %d bytes, %v", size, len(data), err)
		}
		if data, err := ReadFile(name, int64(size)); err != nil || string(data) != body {
			t.Errorf("size %d at its cap: %d bytes, %v", size, len(data), err)
		}
		if size > 0 {
			var tl *TooLargeError
			if _, err := ReadFile(name, int64(size-1)); !errors.As(err, &tl) || tl.Size != int64(size) || tl.Limit != int64(size-1) {
				t.Errorf("size %d past a cap of %d: %v", size, size-1, err)
			}
		}
	}
}

// TestReadPastTheFirstBuffer: a file larger than the first buffer (16 MiB)
// is read whole, the buffer grown as it is read.
func TestReadPastTheFirstBuffer(t *testing.T) {
	name := filepath.Join(t.TempDir(), "sparse")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	const size = 1<<24 + 3
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if data, err := ReadFile(name, NoLimit); err != nil || len(data) != size {
		t.Errorf("%d bytes, %v; want %d", len(data), err, size)
	}
}
