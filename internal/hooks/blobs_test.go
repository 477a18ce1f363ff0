//go:build unix

package hooks

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// The hook judges what the index holds. indexContents reads a file from
// the disk instead of from git only when it hashes to the index's blob:
// an unstaged edit, a file swapped for a link or a folder, a FIFO (whose
// open would wait), a file that is gone, must each give the index's bytes,
// and the unchanged ones are still read (from the disk).
func TestIndexContentsAreTheIndexs(t *testing.T) {
	dir, git := gitRepo(t)
	files := map[string]string{
		"same/.env":    "DATABASE_URL=postgres://app@same.internal:5432/app\n",
		"edited/.env":  "DATABASE_URL=postgres://app@staged.internal:5432/app\n",
		"linked/.env":  "DATABASE_URL=postgres://app@linked.internal:5432/app\n",
		"folder/.env":  "DATABASE_URL=postgres://app@folder.internal:5432/app\n",
		"fifo/.env":    "DATABASE_URL=postgres://app@fifo.internal:5432/app\n",
		"gone/.env":    "DATABASE_URL=postgres://app@gone.internal:5432/app\n",
		"empty/.env":   "",
		"crlf/app.env": "A=1\nB=2\n",
	}
	for p, body := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("add", "-A")
	// The work tree now differs from the index, unstaged.
	mustWrite := func(p, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustWrite("edited/.env", "DATABASE_URL=postgres://app@on-disk.internal:5432/app\n")
	mustWrite("crlf/app.env", "A=1\r\nB=2\r\n")
	mustWrite("elsewhere", "DATABASE_URL=postgres://app@elsewhere.internal:5432/app\n")
	for _, p := range []string{"linked/.env", "folder/.env", "fifo/.env", "gone/.env"} {
		if err := os.Remove(filepath.Join(dir, p)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("../elsewhere", filepath.Join(dir, "linked/.env")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "folder/.env"), 0o755); err != nil {
		t.Fatal(err)
	}
	fifotest.Make(t, filepath.Join(dir, "fifo/.env"))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	g := Git{Dir: dir}
	paths, ids, err := g.IndexBlobsNamed(ctx, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != len(files) {
		t.Fatalf("index lists %d files, want %d: %q", len(paths), len(files), paths)
	}
	got, err := indexContents(ctx, g, dir, paths, ids)
	if err != nil {
		t.Fatal(err)
	}
	want, err := g.Blobs(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	fromDisk := 0
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for i, p := range paths {
		if !bytes.Equal(got[i], want[i]) || got[i] == nil {
			t.Errorf("%s: got %q, the index holds %q", p, got[i], want[i])
		}
		if _, ok := diskBlob(root, p, ids[i]); ok {
			fromDisk++
		}
	}
	// same/.env and empty/.env: the comparison is not of git's reads alone.
	if fromDisk != 2 {
		t.Errorf("%d files read from the disk, want 2 (same/.env, empty/.env)", fromDisk)
	}
}
