//go:build !windows

package sandbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// replayCache gives the test a replay cache of its own (the run's cache
// folder is shared by the package's parallel tests): the cache folder is
// XDG_CACHE_HOME's, so the test is not parallel.
func replayCache(t *testing.T) string {
	t.Helper()
	root := ReplayDir()
	if err := os.MkdirAll(root, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	return root
}

// TestReplaySavedAndStartedFrom: a sandbox's cluster saved after work in
// it starts again with that work, its database and role, without the
// work done again; the entry holds one archive, not the cluster's files.
func TestReplaySavedAndStartedFrom(t *testing.T) {
	mustFind(t)
	root := replayCache(t)
	ctx := context.Background()
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const shadow = Shadow // the cluster's one database, as the start makes it
	_, err = conn.Exec(ctx, "CREATE ROLE mig LOGIN; ALTER DATABASE "+shadow+" OWNER TO mig")
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := pgxConnect(ctx, s, "mig", shadow)
	if err != nil {
		t.Fatal(err)
	}
	// Written as the replay writes: committed, not yet checkpointed.
	_, err = c2.Exec(ctx, "CREATE TABLE saved_t (id int); INSERT INTO saved_t SELECT generate_series(1, 1000)")
	c2.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key := strings.Repeat("ab", 16)
	if err := s.SaveReplay(ctx, Replay{Key: key, Shadow: shadow, Role: "mig"}); err != nil {
		t.Fatal(err)
	}
	// The entry is written beside the caller's work; Close waits for it.
	s.saving.Wait()
	names, _ := os.ReadDir(filepath.Join(root, key))
	if len(names) != 2 {
		t.Errorf("the entry holds %d names, want meta and cluster", len(names))
	}
	e, ok := LookupReplay(key)
	if !ok || e.Shadow != shadow || e.Role != "mig" {
		t.Fatalf("LookupReplay = %+v, %v", e, ok)
	}
	// The installation's folders, as the server names them now.
	c1, err := s.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := InstallID(ctx, c1)
	c1.Close(ctx)
	if id == "" || e.Install != id {
		t.Errorf("the entry's installation %q, the server's %q", e.Install, id)
	}
	w, err := Start(ctx, Options{From: e})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	c3, err := w.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close(ctx)
	var n int
	if err := c3.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1 AND pg_get_userbyid(datdba) = 'mig'", shadow).Scan(&n); err != nil || n != 1 {
		t.Errorf("the shadow database owned by mig: %d, %v", n, err)
	}
	c4, err := pgxConnect(ctx, w, "mig", shadow)
	if err != nil {
		t.Fatal(err)
	}
	defer c4.Close(ctx)
	if err := c4.QueryRow(ctx, "SELECT count(*) FROM saved_t").Scan(&n); err != nil || n != 1000 {
		t.Errorf("saved_t after the start from the entry: %d rows, %v; want 1000", n, err)
	}
	// A saved sandbox writes on: the WAL the save left out is made again.
	if _, err := c4.Exec(ctx, "CREATE TABLE after_t AS SELECT generate_series(1, 50000) i"); err != nil {
		t.Error(err)
	}
}

// TestAttackReplayEntryRefused: an entry is taken only from a cache
// folder of this user's that no one else may write, whole, under the key
// it was saved for, naming a shadow database and role of dbguard's forms;
// a damaged archive does not start (the caller starts from the template).
func TestAttackReplayEntryRefused(t *testing.T) {
	root := replayCache(t)
	key := strings.Repeat("cd", 16)
	entry := func(meta string) string {
		t.Helper()
		dir := filepath.Join(root, key)
		os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "meta"), []byte(meta), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	const install = "1:2:3:4.5/1:6:3:4.5\n"
	good := replayFormat + " " + key + "\ndbguard_shadow\nmig\n" + install
	entry(good)
	if _, ok := LookupReplay(key); !ok {
		t.Fatal("a good entry is not found")
	}
	for name, meta := range map[string]string{
		"another key":           replayFormat + " " + strings.Repeat("ef", 16) + "\ndbguard_shadow\nmig\n" + install,
		"another format":        "dbguard replay cache 1 " + key + "\ndbguard_shadow\nmig\n" + install,
		"a database not ours":   replayFormat + " " + key + "\npostgres\nmig\n" + install,
		"a quoted database":     replayFormat + " " + key + "\ndbguard_shadow_x\"; DROP\nmig\n" + install,
		"no role":               replayFormat + " " + key + "\ndbguard_shadow\n\n" + install,
		"no installation":       replayFormat + " " + key + "\ndbguard_shadow\nmig\n\n",
		"the format before":     "dbguard replay cache 1 " + key + "\ndbguard_shadow\nmig\n",
		"a line more":           good + "x\n",
		"cut":                   good[:len(good)-1],
		"a role of 64 bytes":    replayFormat + " " + key + "\ndbguard_shadow\n" + strings.Repeat("r", 64) + "\n" + install,
		"a meta file too large": good + strings.Repeat("x", replayMetaMax),
	} {
		entry(meta)
		if _, ok := LookupReplay(key); ok {
			t.Errorf("%s: taken", name)
		}
	}
	if _, ok := LookupReplay("../" + key); ok {
		t.Error("a key that is a path: taken")
	}
	// Folders others may write, and links.
	dir := entry(good)
	for _, c := range []struct {
		what string
		p    string
		mode os.FileMode
	}{{"the entry writable by its group", dir, 0o770}, {"the cache writable by others", root, 0o703}} {
		os.Chmod(c.p, c.mode)
		if _, ok := LookupReplay(key); ok {
			t.Errorf("%s: taken", c.what)
		}
		os.Chmod(c.p, 0o700)
	}
	os.Rename(filepath.Join(dir, "meta"), filepath.Join(dir, "meta.real"))
	os.Symlink("meta.real", filepath.Join(dir, "meta"))
	if _, ok := LookupReplay(key); ok {
		t.Error("a meta file that is a link: taken")
	}
	other := t.TempDir()
	os.Remove(filepath.Join(dir, "meta"))
	os.Rename(filepath.Join(dir, "meta.real"), filepath.Join(other, "meta"))
	os.RemoveAll(dir)
	os.Symlink(other, dir)
	if _, ok := LookupReplay(key); ok {
		t.Error("an entry that is a link to a folder elsewhere: taken")
	}
	os.Remove(dir)
	// A damaged archive: the start fails, nothing is left.
	entry(good)
	os.WriteFile(filepath.Join(root, key, "cluster"), []byte(archiveMagic+"garbage"), 0o600)
	e, ok := LookupReplay(key)
	if !ok {
		t.Fatal("the entry is not found")
	}
	if len(Find()) > 0 {
		if s, err := Start(context.Background(), Options{From: e}); err == nil {
			s.Close()
			t.Error("a sandbox started from a damaged archive")
		}
	}
	DropReplay(key)
	if _, err := os.Lstat(filepath.Join(root, key)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("DropReplay left the entry: %v", err)
	}
}

// TestReplayArchive: the archive holds folders, files and their modes,
// leaves out what skip says, and is read back as it was.
func TestReplayArchive(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "base", "5"), 0o700)
	os.MkdirAll(filepath.Join(src, "pg_wal", "archive_status"), 0o700)
	big := bytes.Repeat([]byte("0123456789abcdef"), 50000) // past the 256 KiB buffer
	files := map[string][]byte{
		"PG_VERSION":                            []byte("15\n"),
		"base/5/1259":                           big,
		"base/5/empty":                          nil,
		"pg_wal/000000010000000000000003":       []byte("redo"),
		"pg_wal/000000010000000000000002":       []byte("before the redo"),
		"pg_wal/000000010000000000000009":       []byte("recycled"),
		"postmaster.pid":                        []byte("123"),
		"base/5/pg_internal.init":               []byte("init"),
		"pg_wal/000000010000000000000004.bogus": []byte("kept: not a segment"),
	}
	for p, b := range files {
		if err := os.WriteFile(filepath.Join(src, p), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(filepath.Join(src, "PG_VERSION"), 0o400)
	arch := filepath.Join(t.TempDir(), "cluster")
	left := int64(replayMax)
	if err := writeArchive(src, arch, replaySkip("000000010000000000000003", "000000010000000000000004"), &left); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "data")
	left = int64(replayMax)
	if err := readArchive(arch, dst, nil, &left); err != nil {
		t.Fatal(err)
	}
	for p, b := range files {
		got, err := os.ReadFile(filepath.Join(dst, p))
		gone := p == "postmaster.pid" || p == "base/5/pg_internal.init" || strings.HasSuffix(p, "02") || strings.HasSuffix(p, "09")
		switch {
		case gone && err == nil:
			t.Errorf("%s: saved", p)
		case !gone && (err != nil || !bytes.Equal(got, b)):
			t.Errorf("%s: %d bytes, %v; want %d", p, len(got), err, len(b))
		}
	}
	if fi, err := os.Stat(filepath.Join(dst, "PG_VERSION")); err != nil || fi.Mode().Perm() != 0o400 {
		t.Errorf("PG_VERSION's mode: %v, %v", fi.Mode(), err)
	}
	if fi, err := os.Stat(filepath.Join(dst, "pg_wal", "archive_status")); err != nil || !fi.IsDir() {
		t.Errorf("an empty folder: %v", err)
	}
	// Bounded both ways.
	left = 1000
	if err := writeArchive(src, arch+"2", nil, &left); !errors.Is(err, errTooLarge) {
		t.Errorf("writeArchive past its bound: %v", err)
	}
	left = 1000
	if err := readArchive(arch, filepath.Join(t.TempDir(), "d"), nil, &left); !errors.Is(err, errTooLarge) {
		t.Errorf("readArchive past its bound: %v", err)
	}
	// A link in the cluster is not followed into the archive.
	os.Symlink("/etc/passwd", filepath.Join(src, "base", "5", "link"))
	left = int64(replayMax)
	if err := writeArchive(src, arch+"3", nil, &left); err == nil {
		t.Error("a cluster with a link archived")
	}
}

// archiveOf builds an archive of the records given, with a good sum
// unless the test spoils it.
func archiveOf(records ...func(*bytes.Buffer)) []byte {
	var b bytes.Buffer
	b.WriteString(archiveMagic)
	for _, r := range records {
		r(&b)
	}
	b.WriteByte('e')
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.Checksum(b.Bytes(), crcTable))
	return append(b.Bytes(), sum[:]...)
}

func rec(kind byte, name string, data []byte) func(*bytes.Buffer) {
	return func(b *bytes.Buffer) {
		b.WriteByte(kind)
		binary.Write(b, binary.BigEndian, uint32(0o600))
		binary.Write(b, binary.BigEndian, uint16(len(name)))
		b.WriteString(name)
		if kind == 'f' {
			binary.Write(b, binary.BigEndian, uint64(len(data)))
			b.Write(data)
		}
	}
}

// TestAttackReplayArchive: an archive that names a place outside the
// sandbox's folder, a link, or is cut, spoiled or longer than its end is
// refused, and nothing is written outside the folder.
func TestAttackReplayArchive(t *testing.T) {
	outside := t.TempDir()
	good := archiveOf(rec('d', ".", nil), rec('d', "base", nil), rec('f', "base/1", []byte("x")))
	spoiled := bytes.Clone(good)
	spoiled[len(archiveMagic)+20] ^= 1
	for name, data := range map[string][]byte{
		"a parent's name":       archiveOf(rec('d', ".", nil), rec('f', "../escaped", []byte("x"))),
		"an absolute name":      archiveOf(rec('d', ".", nil), rec('f', outside+"/escaped", []byte("x"))),
		"an unclean name":       archiveOf(rec('d', ".", nil), rec('d', "base", nil), rec('f', "base/../escaped", []byte("x"))),
		"no root folder first":  archiveOf(rec('f', "escaped", []byte("x"))),
		"a file before its dir": archiveOf(rec('d', ".", nil), rec('f', "nodir/escaped", []byte("x"))),
		"an unknown record":     archiveOf(rec('d', ".", nil), rec('l', "link", nil)),
		"a byte spoiled":        spoiled,
		"cut":                   good[:len(good)-6],
		"bytes after its end":   append(bytes.Clone(good), 'x'),
		"a size past its bytes": archiveOf(rec('d', ".", nil), func(b *bytes.Buffer) {
			rec('f', "f", nil)(b)
			b.Truncate(b.Len() - 8)
			binary.Write(b, binary.BigEndian, uint64(1<<40))
		}),
		"the same file twice":    archiveOf(rec('d', ".", nil), rec('f', "f", []byte("a")), rec('f', "f", []byte("b"))),
		"not an archive":         []byte("PK\x03\x04"),
		"another format's magic": append([]byte("dbguard cluster archive 2\n"), good[len(archiveMagic):]...),
	} {
		t.Run(name, func(t *testing.T) {
			arch := filepath.Join(t.TempDir(), "cluster")
			os.WriteFile(arch, data, 0o600)
			dst := filepath.Join(t.TempDir(), "data")
			left := int64(replayMax)
			if err := readArchive(arch, dst, nil, &left); err == nil {
				t.Error("read without an error")
			}
			if _, err := os.Lstat(filepath.Join(outside, "escaped")); err == nil {
				t.Error("a file written outside the folder")
			}
			if _, err := os.Lstat(filepath.Join(filepath.Dir(dst), "escaped")); err == nil {
				t.Error("a file written beside the folder")
			}
		})
	}
	// The archive itself a link or a FIFO: refused without blocking.
	dir := t.TempDir()
	good2 := filepath.Join(dir, "real")
	os.WriteFile(good2, good, 0o600)
	os.Symlink(good2, filepath.Join(dir, "link"))
	left := int64(replayMax)
	if err := readArchive(filepath.Join(dir, "link"), filepath.Join(dir, "d1"), nil, &left); err == nil {
		t.Error("an archive that is a link: read")
	}
	if err := mkfifo(filepath.Join(dir, "fifo")); err == nil {
		done := make(chan error, 1)
		go func() { done <- readArchive(filepath.Join(dir, "fifo"), filepath.Join(dir, "d2"), nil, &left) }()
		select {
		case err := <-done:
			if err == nil {
				t.Error("a FIFO read as an archive")
			}
		case <-time.After(5 * time.Second):
			t.Error("reading a FIFO as an archive blocks")
		}
	}
	if err := readArchive(good2, filepath.Join(dir, "d3"), nil, &left); err != nil {
		t.Errorf("the good archive: %v", err)
	}
}

// TestReplayPruned: the cache keeps the entries used last, and removes a
// killed save's folder once it is old.
func TestReplayPruned(t *testing.T) {
	root := t.TempDir()
	old := time.Now().Add(-2 * time.Hour)
	for i := range replayEntries + 3 {
		d := filepath.Join(root, fmt.Sprintf("%032x", i))
		os.Mkdir(d, 0o700)
		at := time.Now().Add(time.Duration(i) * time.Minute)
		os.Chtimes(d, at, at)
	}
	os.Mkdir(filepath.Join(root, ".new-killed"), 0o700)
	os.Chtimes(filepath.Join(root, ".new-killed"), old, old)
	os.Mkdir(filepath.Join(root, ".new-saving"), 0o700)
	pruneReplays(root)
	names, _ := os.ReadDir(root)
	var got []string
	for _, n := range names {
		got = append(got, n.Name())
	}
	want := []string{".new-saving"}
	for i := 3; i < replayEntries+3; i++ {
		want = append(want, fmt.Sprintf("%032x", i))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("after pruning: %v, want %v", got, want)
	}
}

// TestReplaySeenPruned: the markers of keys missed once keep the
// replaySeenKept made last; what is not a marker (another file, a folder
// called *.seen, an entry) stays.
func TestReplaySeenPruned(t *testing.T) {
	root := t.TempDir()
	for i := range replaySeenKept + 5 {
		p := filepath.Join(root, fmt.Sprintf("%032x.seen", i))
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(time.Duration(i) * time.Minute)
		os.Chtimes(p, at, at)
	}
	old := time.Now().Add(-2 * time.Hour)
	for _, d := range []string{"dir.seen", fmt.Sprintf("%032x", 99)} {
		os.Mkdir(filepath.Join(root, d), 0o700)
		os.Chtimes(filepath.Join(root, d), old, old)
	}
	os.WriteFile(filepath.Join(root, "other"), nil, 0o600)
	pruneSeen(root)
	names, _ := os.ReadDir(root)
	var got []string
	for _, n := range names {
		got = append(got, n.Name())
	}
	var want []string
	for i := 5; i < replaySeenKept+5; i++ {
		want = append(want, fmt.Sprintf("%032x.seen", i))
	}
	want = append(want, fmt.Sprintf("%032x", 99), "dir.seen", "other")
	slices.Sort(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("after pruning: %v, want %v", got, want)
	}
}

func mkfifo(p string) error { return syscall.Mkfifo(p, 0o600) }

func pgxConnect(ctx context.Context, s *Server, user, db string) (*pgx.Conn, error) {
	return pgx.Connect(ctx, s.URL(user, db).DriverString())
}

// TestReplaySeen: a key is saved at its second miss; the marker of the
// first is a small file of the key's name, never followed when a link.
func TestReplaySeen(t *testing.T) {
	root := replayCache(t)
	key := strings.Repeat("0f", 16)
	if SeenReplay(key) {
		t.Error("a key never missed: seen")
	}
	if !SeenReplay(key) {
		t.Error("a key missed once: not seen")
	}
	other := strings.Repeat("1e", 16)
	target := filepath.Join(t.TempDir(), "target")
	os.Symlink(target, filepath.Join(root, other+".seen"))
	if SeenReplay(other) {
		t.Error("a marker that is a link: seen")
	}
	if _, err := os.Lstat(target); err == nil {
		t.Error("a marker written through a link")
	}
	if SeenReplay("../" + key) {
		t.Error("a key that is a path: seen")
	}
}

// TestPortableIDIsTheBytes: a copy of a binary (a fresh runner's install:
// another inode and change time) has the portable identity of the
// original and another machine identity; a changed byte changes it; a
// folder's portable identity follows its files' names, sizes and times,
// not its own inode.
func TestPortableIDIsTheBytes(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a", "postgres"), filepath.Join(dir, "b", "postgres")
	for _, p := range []string{a, b} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("the same bytes"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Unix(1700000000, 0)
	for _, p := range []string{a, b} {
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	if binaryID(a) == binaryID(b) {
		t.Fatal("two files with one machine identity")
	}
	if pa, pb := portableID(a), portableID(b); pa == "" || pa != pb {
		t.Errorf("portable identities %q and %q, want one", pa, pb)
	}
	if portableID(a) != portableID(a) { // the memo answers the same
		t.Error("memoised identity differs")
	}
	if da, db := portableDirID(filepath.Dir(a)), portableDirID(filepath.Dir(b)); da == "" || da != db {
		t.Errorf("folder identities %q and %q, want one", da, db)
	}
	if err := os.WriteFile(b, []byte("the same bytez"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(b, at, at)
	if portableID(a) == portableID(b) {
		t.Error("a changed byte kept the portable identity")
	}
	if err := os.WriteFile(filepath.Join(dir, "b", "vector.so"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if portableDirID(filepath.Dir(a)) == portableDirID(filepath.Dir(b)) {
		t.Error("a file added kept the folder's portable identity")
	}
}
