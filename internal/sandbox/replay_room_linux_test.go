package sandbox

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// smallDisk mounts a tmpfs of size bytes on a folder of the test's and
// returns it: a disk that can fill, as a runner's can. The test needs
// root (mount), as the suite's servers here do (pgtest hands them to the
// postgres user); a test process that cannot mount skips, unless CI is
// set.
func smallDisk(t *testing.T, size int64) string {
	t.Helper()
	// Under /tmp, not the test's own folder: the server's user (postgres,
	// under root) must reach it.
	dir, err := os.MkdirTemp("/tmp", "dbguard-small-disk-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(dir) })
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=1777", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount a tmpfs: %v: %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// resize makes the tmpfs at dir hold its used bytes and free more.
func resize(t *testing.T, dir string, free int64) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	used := int64(st.Blocks-st.Bfree) * st.Bsize
	if out, err := exec.Command("mount", "-o", fmt.Sprintf("remount,size=%d", used+free), dir).CombinedOutput(); err != nil {
		t.Fatalf("resize the tmpfs: %v: %s", err, out)
	}
}

// TestAttackReplaySaveFillsTheDisk: the save writes the cluster's archive
// into the sandbox's own folder and copies it to the cache beside the
// trace. On a disk with room for the trace but not for the trace and the
// archive, the saving plan's migration failed ("could not extend file",
// or the server's WAL write) where the same plan without a save passed
// (4596c8b): a plan's answer changed by its cache. The save now leaves
// replayRoom free after the archive, on the sandbox's disk and the
// cache's, else it saves nothing, removes the archive and says why.
func TestAttackReplaySaveFillsTheDisk(t *testing.T) {
	mustFind(t)
	disk := smallDisk(t, 1<<30)
	t.Setenv("TMPDIR", disk)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(disk, "cache"))
	root := replayCache(t)
	ctx := context.Background()
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.dir, disk) {
		t.Fatalf("the sandbox is in %s, not on the small disk %s", s.dir, disk)
	}
	conn, err := s.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE applied (id int, pad text); INSERT INTO applied SELECT g, repeat('x', 200) FROM generate_series(1, 50000) g"); err != nil {
		t.Fatal(err)
	}
	// Room for the migration below (about 40 MB of table and WAL) and a
	// little more, not for the archive of the cluster too.
	resize(t, disk, 56<<20)
	free := func() int64 {
		var st syscall.Statfs_t
		_ = syscall.Statfs(disk, &st)
		return int64(st.Bavail) * st.Bsize >> 20
	}
	t.Logf("free before the save: %d MiB", free())
	err = s.SaveReplay(ctx, Replay{Key: strings.Repeat("cd", 16), Shadow: Shadow, Role: "postgres"})
	if err == nil || !strings.Contains(err.Error(), "free") {
		t.Errorf("SaveReplay on a nearly full disk: %v, want a refusal naming the free space", err)
	}
	t.Logf("free after the save: %d MiB", free())
	if _, err := conn.Exec(ctx, "INSERT INTO applied SELECT g, repeat('y', 200) FROM generate_series(1, 120000) g"); err != nil {
		t.Errorf("the migration after the save: %v (without a save it runs)", err)
	}
	t.Logf("free after the migration: %d MiB", free())
	s.saving.Wait()
	t.Logf("free after the copy: %d MiB", free())
	if _, err := os.Stat(filepath.Join(s.dir, "replay.archive")); !os.IsNotExist(err) {
		t.Errorf("the archive is left in the sandbox: %v", err)
	}
	names, _ := os.ReadDir(root)
	for _, n := range names {
		t.Errorf("the cache holds %s after a refused save", n.Name())
	}
}

// TestAttackReplayLeftoverCleaned: a save killed before its rename left
// its temporary folder (.new-*, up to 256 MiB) in the cache, and only the
// next save removed it, once an hour old (4596c8b): a cache read by warm
// plans only kept it for good. A lookup removes it now, but not a save
// under way (its folder locked, however old) nor a folder just made.
func TestAttackReplayLeftoverCleaned(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	root := replayCache(t)
	old := time.Now().Add(-2 * leftoverAge)
	mk := func(name string, at time.Time) string {
		p := filepath.Join(root, name)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "cluster"), make([]byte, 1<<20), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
		return p
	}
	killed := mk(".new-killed", old)
	running := mk(".new-running", old)
	fresh := mk(".new-fresh", time.Now())
	fd, err := syscall.Open(running, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Flock(fd, syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if _, ok := LookupReplay(strings.Repeat("ef", 16)); ok {
		t.Fatal("an entry found in an empty cache")
	}
	if _, err := os.Stat(killed); !os.IsNotExist(err) {
		t.Errorf("a killed save's folder is left after a lookup: %v", err)
	}
	for _, p := range []string{running, fresh} {
		if _, err := os.Stat(filepath.Join(p, "cluster")); err != nil {
			t.Errorf("%s removed: %v", filepath.Base(p), err)
		}
	}
}
