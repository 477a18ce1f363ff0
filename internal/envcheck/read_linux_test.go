package envcheck

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// readCalls is the number of read system calls this process has made
// (/proc/self/io's syscr, all threads).
func readCalls(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		t.Skipf("no /proc/self/io to count reads: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "syscr: "); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Skip("no syscr in /proc/self/io")
	return 0
}

// TestReadLimitedOneRead: a file whose bytes all come in the first read
// is not asked again for its end (a fifth system call per env file, 1,000
// in a monorepo's run), and what is read is the file, whatever fstat
// reports: a size of 0 with text (procfs), a size larger than the text
// (sysfs), an empty file.
func TestReadLimitedOneRead(t *testing.T) {
	root := t.TempDir()
	const files = 200
	want := map[string][]byte{}
	for i := 0; i < files; i++ {
		rel := fmt.Sprintf("d%d/.env", i)
		body := []byte(strings.Repeat(fmt.Sprintf("K%d=v\n", i), i%7))
		if err := os.MkdirAll(filepath.Join(root, fmt.Sprintf("d%d", i)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, rel), body, 0o644); err != nil {
			t.Fatal(err)
		}
		want[rel] = body
	}
	before := readCalls(t)
	got := map[string][]byte{}
	for rel := range want {
		data, err := readLimited(root, rel)
		if err != nil {
			t.Fatal(err)
		}
		got[rel] = data
	}
	reads := readCalls(t) - before
	for rel, body := range want {
		if !bytes.Equal(got[rel], body) {
			t.Errorf("%s: read %q, want %q", rel, got[rel], body)
		}
	}
	// One read per file, and the few of readCalls itself; two per file
	// before.
	if reads > files+files/4 {
		t.Errorf("%d read calls for %d files; want about one each", reads, files)
	}

	// fstat's size is no promise: read on to the end when it is 0 or the
	// text is shorter.
	for _, name := range []string{"/proc/version", "/proc/self/cmdline", "/sys/kernel/mm/transparent_hugepage/enabled"} {
		want, err := os.ReadFile(name)
		if err != nil || len(want) == 0 {
			continue
		}
		got, err := readLimited(filepath.Dir(name), filepath.Base(name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: read %q, want %q", name, got, want)
		}
	}
}

// TestReadLimitedInAsByName: a file opened from the root folder held open
// (prefetch) is the file joined to the root's name would be, or the same
// error: plain files, a link that stays inside, one that leads out, a
// name with "..", a root that is itself a link, a missing file.
func TestReadLimitedInAsByName(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	root := filepath.Join(base, "project")
	for _, d := range []string{outside, filepath.Join(root, "a", "b")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, body string) {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, ".env"), "A=1\n")
	write(filepath.Join(root, "a", "b", ".env"), "B=2\n")
	write(filepath.Join(outside, ".env"), "SECRET=3\n")
	if err := os.Symlink("b/.env", filepath.Join(root, "a", ".env")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, ".env"), filepath.Join(root, "a", "b", ".env.local")); err != nil {
		t.Fatal(err)
	}
	linked := filepath.Join(base, "linked")
	if err := os.Symlink(root, linked); err != nil {
		t.Fatal(err)
	}
	rels := []string{".env", "a/b/.env", "a/.env", "a/b/.env.local", "a/../.env", "a/b/../../.env", "missing/.env", "a/b/missing"}
	for _, r := range []string{root, linked} {
		dir := openRootDir(r)
		if dir == noRootDir {
			t.Fatalf("cannot open %s", r)
		}
		for _, rel := range rels {
			want, wantErr := readLimited(r, rel)
			got, gotErr := readLimitedIn(dir, r, rel)
			if !bytes.Equal(got, want) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Errorf("%s %s: read %q, %v; by name %q, %v", r, rel, got, gotErr, want, wantErr)
			}
		}
		dir.close()
	}
	dir := openRootDir(root)
	defer dir.close()
	if got, err := readLimitedIn(dir, root, "a/b/.env.local"); err == nil || bytes.Contains(got, []byte("SECRET")) {
		t.Errorf("a link out of the project was read: %q, %v", got, err)
	}
}
