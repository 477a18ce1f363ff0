//go:build unix

package hooks

import (
	"crypto/sha1"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// TestAttackDiskBlobSwappedAfterStat: a racing local process swaps a
// tracked env file between diskBlob's Lstat (a regular file) and its open.
// A FIFO put in its place must not hang the hook (the open waited for a
// writer that never comes), and a link put in its place is not read (the
// hook reads no link of the work tree), even to a file of the same bytes.
func TestAttackDiskBlobSwappedAfterStat(t *testing.T) {
	body := "DATABASE_URL=postgres://app@db.internal:5432/app\n"
	sum := sha1.Sum([]byte("blob " + strconv.Itoa(len(body)) + "\x00" + body))
	id := hex.EncodeToString(sum[:])
	for _, c := range []struct {
		name string
		swap func(t *testing.T, path string)
	}{
		{"fifo", func(t *testing.T, path string) {
			// Whatever happens, a writer ends a wait at the test's end.
			fifotest.Make(t, path)
		}},
		{"link", func(t *testing.T, path string) {
			if err := os.WriteFile(filepath.Join(filepath.Dir(path), "same"), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("same", path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, ".env")
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			if data, ok := diskBlob(root, ".env", id); !ok || string(data) != body {
				t.Fatalf("the unswapped file: diskBlob = %q, %v; want its bytes", data, ok)
			}
			beforeOpen = func(string) {
				if err := os.Remove(path); err != nil {
					t.Error(err)
				}
				c.swap(t, path)
			}
			defer func() { beforeOpen = nil }()
			read, returned := fifotest.Within(5*time.Second, func() bool {
				_, ok := diskBlob(root, ".env", id)
				return ok
			})
			if !returned {
				t.Fatalf("diskBlob still waits 5 s after the file became a %s", c.name)
			}
			if read {
				t.Errorf("diskBlob read the %s put in the file's place; want it left to git", c.name)
			}
		})
	}
}
