//go:build !windows

package sandbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestFreshAfterSaveAndWarmStart: what the merge of the replay cache and
// the slow build's restart (f1f8192) promises and no test held.
//   - Fresh right after SaveReplay waits for the save's copy (its archive
//     is gone from the sandbox's folder when Fresh returns), and the
//     entry is whole (it starts, with the work);
//   - Fresh on a sandbox started from an entry (a warm start) starts from
//     the template, never the entry again: the shadow empty, the entry's
//     role gone, as a new sandbox's;
//   - Fresh cut short (its context cancelled while the server starts
//     again) leaves Close a server to stop and a folder to remove, and
//     Close leaves neither.
func TestFreshAfterSaveAndWarmStart(t *testing.T) {
	mustFind(t)
	replayCache(t)
	ctx := context.Background()
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sqlExec(t, s.AdminURL().DriverString(), "CREATE ROLE mig LOGIN; ALTER DATABASE "+Shadow+" OWNER TO mig; CREATE TABLE saved_t AS SELECT generate_series(1, 1000) i")
	key := strings.Repeat("ef", 16)
	if err := s.SaveReplay(ctx, Replay{Key: key, Shadow: Shadow, Role: "mig"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Fresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "replay.archive")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the save's archive is still in the sandbox's folder after Fresh: %v", err)
	}
	fresh := func(s *Server, how string) {
		t.Helper()
		var state string
		if err := pgxQueryRow(t, s.AdminURL().DriverString(), `SELECT concat_ws(',',
			(SELECT string_agg(datname || ' ' || pg_get_userbyid(datdba), ' ' ORDER BY datname) FROM pg_database),
			(SELECT string_agg(rolname, ' ' ORDER BY rolname) FROM pg_roles WHERE rolname !~ '^pg_'),
			(SELECT count(*) FROM pg_class WHERE relname = 'saved_t'))`, &state); err != nil {
			t.Fatal(err)
		}
		if want := Shadow + " " + Superuser + "," + Superuser + ",0"; state != want {
			t.Errorf("%s: the sandbox holds %q, want a new sandbox's %q", how, state, want)
		}
	}
	fresh(s, "Fresh after a save")
	e, ok := LookupReplay(key)
	if !ok {
		t.Fatal("the entry saved before Fresh is not there")
	}
	w, err := Start(ctx, Options{From: e})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var n int
	if err := pgxQueryRow(t, w.AdminURL().DriverString(), "SELECT count(*) FROM saved_t", &n); err != nil || n != 1000 {
		t.Fatalf("the warm start's saved_t: %d rows, %v; want 1000", n, err)
	}
	if err := w.Fresh(ctx); err != nil {
		t.Fatal(err)
	}
	fresh(w, "Fresh after a warm start")
	if w.from != nil {
		t.Error("Fresh kept the entry to start from")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := w.Fresh(cctx); err == nil {
		t.Fatal("Fresh with its context cancelled did not fail")
	}
	var pid int
	if w.cmd != nil && w.cmd.Process != nil {
		pid = w.cmd.Process.Pid
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(w.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Fresh cut short and Close, the sandbox folder is still there: %v", err)
	}
	if pid != 0 && syscall.Kill(pid, 0) == nil {
		t.Errorf("after Fresh cut short and Close, its server (pid %d) still runs", pid)
	}
}
