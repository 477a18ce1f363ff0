package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// A migration swapped for a FIFO after the folder was read (the review's
// race: between the listing and a checksum of an applied file) made a
// plain read wait for a writer, for good. Every read of a migration goes
// through readFile, which waits on nothing and refuses what is not a
// regular file.
func TestAttackMigrationFIFOWaitsOnNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifotest.Make(t, filepath.Join(dir, "1_a.up.sql"))
	if err := os.WriteFile(filepath.Join(dir, "2_b.up.sql"), []byte("SELECT 1;"), 0o644); err != nil {
		t.Fatal(err)
	}
	for how, read := range readers(t, dir) {
		err, ok := fifotest.Within(10*time.Second, func() error {
			_, err := read("1_a.up.sql")
			return err
		})
		if !ok {
			t.Fatalf("%s: reading a migration waits on a FIFO", how)
		}
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%s, a FIFO: %v", how, err)
		}
		if data, err := read("2_b.up.sql"); err != nil || string(data) != "SELECT 1;" {
			t.Errorf("%s, a regular file: %q, %v", how, data, err)
		}
	}
}

// readers are the two ways a migration is read: readFile through the
// folder's root, and Runner.read (readAt where the system has it).
func readers(t *testing.T, dir string) map[string]func(string) ([]byte, error) {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{root: root}
	if canReadAt {
		if r.dir, err = root.Open("."); err != nil {
			t.Fatal(err)
		}
		r.dirfd = int(r.dir.Fd())
	}
	t.Cleanup(func() {
		if r.dir != nil {
			r.dir.Close()
		}
		root.Close()
	})
	return map[string]func(string) ([]byte, error){
		"readFile":    func(name string) ([]byte, error) { return readFile(root, name) },
		"Runner.read": r.read,
	}
}

// TestReadAtReadsWhatReadFileReads: the short path's reads (a buffer one
// byte past the size, no read to find the end) give every size whole,
// follow a link within the folder and refuse one out of it, a folder and
// a missing file, as readFile does.
func TestReadAtReadsWhatReadFileReads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sizes := []int{0, 1, 511, 512, 513, 4096, 70_000, 1 << 20}
	for _, n := range sizes {
		data := []byte(strings.Repeat("SELECT 1;\n", n/10+1)[:n])
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.sql", n)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "folder.sql"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("4096.sql", filepath.Join(dir, "link.sql")); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "outside.sql")
	if err := os.WriteFile(outside, []byte("SELECT 1;"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "out.sql")); err != nil {
		t.Fatal(err)
	}
	rs := readers(t, dir)
	for _, n := range append(sizes, -1) {
		name := fmt.Sprintf("%d.sql", n)
		if n < 0 {
			name, n = "link.sql", 4096
		}
		want, err := rs["readFile"](name)
		if err != nil || len(want) != n {
			t.Fatalf("readFile %s: %d bytes, %v", name, len(want), err)
		}
		if got, err := rs["Runner.read"](name); err != nil || !bytes.Equal(got, want) {
			t.Errorf("Runner.read %s: %d bytes, %v; want %d", name, len(got), err, n)
		}
	}
	for name, want := range map[string]string{"folder.sql": "not a regular file (a folder)", "missing.sql": "no such file", "out.sql": "escapes"} {
		if _, err := rs["Runner.read"](name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Runner.read %s: %v, want an error saying %q", name, err, want)
		}
	}
}

// TestEditedAmongManyApplied: with enough applied files for sumAll to read
// them on several goroutines, an edit to any one of them is still found,
// by status and by up, and the others are not called edited (run it with
// -race).
func TestEditedAmongManyApplied(t *testing.T) {
	t.Parallel() // its own database and files
	fs := map[string]string{}
	for v := 1; v <= 100; v++ {
		fs[fmt.Sprintf("%03d_t.up.sql", v)] = fmt.Sprintf("CREATE TABLE t%d (id int);", v)
	}
	dbURL, dir, _ := migrated(t, fs)
	write(t, dir, "057_t.up.sql", "CREATE TABLE t57 (id int, edited int);")
	st := status(t, open(t, dbURL, dir, nil))
	if len(st.Integrity.Edited) != 1 || st.Integrity.Edited[0].Version != 57 {
		t.Errorf("status: edited %+v, want version 57 alone", st.Integrity.Edited)
	}
	var edited *EditedError
	if err := open(t, dbURL, dir, nil).Up(context.Background(), 0); !errors.As(err, &edited) || len(edited.Edited) != 1 || edited.Edited[0].Version != 57 {
		t.Errorf("up = %v, want version 57 refused as edited", err)
	}
}

// The preview's reads (migrate plan's pending files, plan.shadow: live's
// check) used os.ReadFile after Scan had checked the folder: a pending
// file swapped since for a FIFO waited for a writer for good, and one
// swapped for a link out of the folder was followed. Source.ReadFile reads
// as every migration read does.
func TestAttackSourceReadFileAfterScan(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.sql")
	if err := os.WriteFile(outside, []byte("SELECT 'outside';"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"1_a.up.sql", "2_b.up.sql", "3_c.up.sql"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("SELECT 1;"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Swapped after the listing: a FIFO, and a link out of the folder.
	os.Remove(filepath.Join(dir, "2_b.up.sql"))
	fifotest.Make(t, filepath.Join(dir, "2_b.up.sql"))
	os.Remove(filepath.Join(dir, "3_c.up.sql"))
	if err := os.Symlink(outside, filepath.Join(dir, "3_c.up.sql")); err != nil {
		t.Fatal(err)
	}
	if data, err := src.ReadFile("1_a.up.sql"); err != nil || string(data) != "SELECT 1;" {
		t.Fatalf("a regular file: %q, %v", data, err)
	}
	err, ok := fifotest.Within(10*time.Second, func() error { _, err := src.ReadFile("2_b.up.sql"); return err })
	if !ok {
		t.Fatal("reading a pending file swapped for a FIFO waits for a writer")
	}
	if err == nil {
		t.Errorf("a FIFO was read")
	}
	if data, err := src.ReadFile("3_c.up.sql"); err == nil {
		t.Errorf("a link out of the folder was followed: %q", data)
	}
}
