package pgtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/sandbox"
)

// envHelper makes the test binary a helper for TestKilledBinaryLeavesNothing:
// it starts a throwaway server and a PgBouncer in front of it, says where,
// and waits to be killed.
const envHelper = "PGTEST_KILLED_HELPER"

func init() {
	if os.Getenv(envHelper) != "1" {
		return
	}
	s, err := Start()
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	b, err := NewBouncer(s)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Printf("dir=%s pid=%d bouncer=%d\n", s.dir, s.cmd.Process.Pid, b.cmd.Process.Pid)
	time.Sleep(time.Hour)
	os.Exit(1)
}

// TestKilledBinaryLeavesNothing: a test binary killed with -9 while its
// server and pooler run. The server (postmaster and backends) and the
// pooler go with it, and the next binary's sweep removes the folder; the
// folder of a binary that still runs is left alone.
func TestKilledBinaryLeavesNothing(t *testing.T) {
	// A temporary folder of its own, reachable by the postgres user (the
	// server's, as root): the killed binary's folder is a real leftover
	// that no other package's sweep (go test runs them at once) removes
	// before this test looks.
	tmp, err := os.MkdirTemp("", "pgtest-killed-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	if err := os.Chmod(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envHelper+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	var dir string
	var pid, bouncer int
	if _, err := fmt.Sscanf(strings.ReplaceAll(strings.TrimSpace(line), "=", " "), "dir %s pid %d bouncer %d", &dir, &pid, &bouncer); err != nil {
		t.Fatalf("helper said %q: %v", line, err)
	}
	if filepath.Dir(dir) != tmp {
		t.Fatalf("the server's folder is %s, not in the test's own %s", dir, tmp)
	}
	// A backend, to see that the server's children go too.
	port := ""
	if b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
		if l := strings.Split(string(b), "\n"); len(l) > 3 {
			port = strings.TrimSpace(l[3])
		}
	}
	conn, err := pgx.Connect(context.Background(), fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%s/postgres?sslmode=disable", Password, port))
	if err != nil {
		t.Fatalf("connecting to the helper's server on port %q: %v", port, err)
	}
	defer conn.Close(context.Background())
	// The server's dynamic shared memory, files in /dev/shm that a server
	// killed with -9 leaves (a postmaster that shuts down removes them).
	dsm := dsmFiles(pid)
	t.Logf("the server maps %v", dsm)
	procs := append(childrenOf(pid), pid, bouncer)
	if len(procs) < 4 {
		t.Fatalf("the helper's server has no backends: %v", procs)
	}

	// Should they outlive the binary, the test fails and stops them: a
	// failed run leaves nothing either.
	t.Cleanup(func() {
		if cl, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && strings.Contains(string(cl), dir) {
			syscall.Kill(pid, syscall.SIGQUIT)
		}
		if cl, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", bouncer)); err == nil && strings.Contains(string(cl), dir) {
			syscall.Kill(bouncer, syscall.SIGTERM)
		}
	})

	// The folder of a binary that runs is not swept.
	if slices.Contains(sandbox.SweepLeftovers(unowned, folderPrefix), dir) || syscall.Kill(pid, 0) != nil {
		t.Fatalf("the sweep removed the folder or stopped the server of a running binary")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	for _, p := range procs {
		for i := 0; syscall.Kill(p, 0) == nil; i++ {
			if i == 600 {
				t.Fatalf("process %d (of %v: postmaster %d, pgbouncer %d) outlived the killed test binary by 30 s", p, procs, pid, bouncer)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for _, f := range dsm {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the server's shared memory %s outlived it: %v", f, err)
		}
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("expected the killed binary's folder to be left for the sweep: %v", err)
	}
	if removed := sandbox.SweepLeftovers(unowned, folderPrefix); !slices.Contains(removed, dir) {
		t.Errorf("the sweep removed %v, not the killed binary's %s", removed, dir)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the killed binary's folder is still there: %v", err)
	}
}

// dsmFiles lists the files of /dev/shm that process pid maps (Linux /proc):
// a server's dynamic shared memory segments, PostgreSQL.N.
func dsmFiles(pid int) []string {
	maps, _ := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	var out []string
	for _, line := range strings.Split(string(maps), "\n") {
		if i := strings.Index(line, "/dev/shm/PostgreSQL."); i >= 0 && !slices.Contains(out, line[i:]) {
			out = append(out, line[i:])
		}
	}
	return out
}

// childrenOf lists the processes whose parent is pid (Linux /proc).
func childrenOf(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := strings.LastIndexByte(string(stat), ')')
		f := strings.Fields(string(stat)[i+1:])
		if i > 0 && len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, p)
		}
	}
	return out
}

// TestSweepStopsALeftoverServer: a leftover whose server still runs (a
// binary of a pgtest that made it a daemon, or no parent death signal)
// is stopped and removed; a folder with no owner file yet (being set up)
// is left alone.
func TestSweepStopsALeftoverServer(t *testing.T) {
	tmp, err := os.MkdirTemp("", "pgtest-leftover-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	if err := os.Chmod(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	// Its owner is now someone long gone.
	if err := os.WriteFile(filepath.Join(s.dir, "owner"), []byte("999999999 1"), 0o600); err != nil {
		t.Fatal(err)
	}
	young, err := os.MkdirTemp(tmp, folderPrefix)
	if err != nil {
		t.Fatal(err)
	}
	removed := sandbox.SweepLeftovers(unowned, folderPrefix)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Errorf("the sweep did not stop the leftover server (pid %d)", s.cmd.Process.Pid)
	}
	if _, err := os.Stat(s.dir); !errors.Is(err, os.ErrNotExist) || !slices.Contains(removed, s.dir) {
		t.Errorf("the sweep left the folder (%v; removed %v)", err, removed)
	}
	if _, err := os.Stat(young); err != nil {
		t.Errorf("the sweep removed a folder without an owner file, made a moment ago: %v", err)
	}
}
