//go:build !windows

package sandbox

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestSharedSandboxIsFresh: a shared server is handed to one preview at a
// time, and each gets it as a fresh cluster: the databases, roles and
// settings an earlier one made (as a preview's setup and migrations do)
// are gone; one still in use is not handed out again.
func TestSharedSandboxIsFresh(t *testing.T) {
	mustFind(t)
	ctx := context.Background()
	t.Run("UseShared", func(t *testing.T) {
		dir := t.TempDir()
		stop, err := StartShared(ctx, dir, 1)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
		UseShared(dir)
		t.Cleanup(func() { UseShared("") })
		sharedIsFresh(t, false)
	})
	t.Run("ShareInProcess", func(t *testing.T) {
		t.Cleanup(ShareInProcess(2))
		sharedIsFresh(t, true)
	})
}

// sharedIsFresh: a shared server handed out again is as fresh as a new
// one; while it is in use, a second preview gets another server: its own
// (one shared server), or, with two to share (secondShared), the second.
func sharedIsFresh(t *testing.T, secondShared bool) {
	ctx := context.Background()
	first, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if first.release == nil {
		t.Fatal("Start did not take the shared server")
	}
	// What a preview leaves: its roles, its shadow database owned by the
	// migration role, settings on both, a table in it, a session still
	// in the shadow. The shadow is the cluster's one database (verify's
	// startSandbox); another left over besides.
	for _, q := range []string{
		"CREATE ROLE app NOLOGIN",
		"CREATE ROLE migrator LOGIN",
		"GRANT app TO migrator",
		"ALTER DATABASE " + Shadow + " OWNER TO migrator",
		"ALTER ROLE migrator SET work_mem = '8MB'",
		"ALTER DATABASE " + Shadow + " SET search_path = public, pg_catalog",
		"COMMENT ON ROLE app IS 'left over'",
		"CREATE TABLE left_over (id int)",
		"CREATE DATABASE other_left",
	} {
		sqlExec(t, first.URL(Superuser, Shadow).DriverString(), q)
	}
	held, err := pgx.Connect(ctx, first.URL("migrator", Shadow).DriverString())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close(ctx)
	// And one in template1, which no DROP DATABASE waits for.
	heldAdmin, err := pgx.Connect(ctx, first.URL(Superuser, "template1").DriverString())
	if err != nil {
		t.Fatal(err)
	}
	defer heldAdmin.Close(ctx)

	// In use: a second preview gets another server.
	second, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if second.dir == first.dir {
		t.Error("the shared server in use was handed out again")
	}
	if shared := second.release != nil; shared != secondShared {
		t.Errorf("the second preview's server shared: %v, want %v", shared, secondShared)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(first.dir); err != nil {
		t.Fatalf("Close removed the shared server's folder: %v", err)
	}
	again, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.dir != first.dir {
		t.Fatal("the released shared server was not handed out again")
	}
	var state string
	if err := pgxQueryRow(t, again.AdminURL().DriverString(), `SELECT concat_ws(',',
		(SELECT string_agg(datname, ' ' ORDER BY datname) FROM pg_database),
		(SELECT string_agg(rolname, ' ' ORDER BY rolname) FROM pg_roles WHERE rolname !~ '^pg_'),
		(SELECT count(*) FROM pg_db_role_setting),
		(SELECT count(*) FROM pg_class WHERE relname = 'left_over'),
		(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name IS DISTINCT FROM '`+resetApplication+`'))`, &state); err != nil {
		t.Fatal(err)
	}
	// The sessions counted are this query's alone: the reset's own,
	// closed as Start returned, may still be ending (PostgreSQL ends a
	// backend after its client has gone), and is not one left over.
	if want := Shadow + " template1," + Superuser + ",0,0,1"; state != want {
		t.Errorf("the shared server handed out again holds %q, want a fresh cluster's %q", state, want)
	}
}

// TestSharedSandboxOtherVersion: a preview for another major version than
// the shared servers' starts its own server, as it would without them.
func TestSharedSandboxOtherVersion(t *testing.T) {
	mustFind(t)
	ctx := context.Background()
	dir := t.TempDir()
	stop, err := StartShared(ctx, dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	UseShared(dir)
	t.Cleanup(func() { UseShared("") })
	other := Find()[0].Major + 1
	s, err := Start(ctx, Options{Major: other})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.release != nil || !strings.Contains(s.Note, "no PostgreSQL") {
		t.Errorf("a PostgreSQL %d preview took the shared server (note %q)", other, s.Note)
	}
}

// TestSharedSandboxKeepsTheChoiceOfBinaries: where a preview would start
// no server of its own (DBGUARD_PG_BINDIR naming a folder without the
// server), it gets no shared one either, but the error a user would
// (ci_attack_plan_skipped.txtar's setting).
func TestSharedSandboxKeepsTheChoiceOfBinaries(t *testing.T) {
	mustFind(t)
	ctx := context.Background()
	dir := t.TempDir()
	stop, err := StartShared(ctx, dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	for name, share := range map[string]func(){
		"UseShared":      func() { UseShared(dir); t.Cleanup(func() { UseShared("") }) },
		"ShareInProcess": func() { t.Cleanup(ShareInProcess(2)) },
	} {
		t.Run(name, func(t *testing.T) {
			share()
			t.Setenv(EnvBinDir, t.TempDir())
			s, err := Start(ctx, Options{})
			var missing *MissingError
			if !errors.As(err, &missing) {
				if s != nil {
					s.Close()
				}
				t.Fatalf("Start with %s naming an empty folder: %v, want no server (MissingError)", EnvBinDir, err)
			}
		})
	}
}

// TestUseSharedRefusesAnOpenFolder: a folder others may write to is not
// read (where the servers are described is the test process's own).
func TestUseSharedRefusesAnOpenFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	UseShared(dir)
	t.Cleanup(func() { UseShared("") })
	if reuse != nil {
		t.Error("UseShared took a folder anyone may write to")
	}
}

func sqlExec(t *testing.T, url, q string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func pgxQueryRow(t *testing.T, url, q string, dst any) error {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.QueryRow(ctx, q).Scan(dst)
}

// TestShareInProcessWaitsForAFreeServer: with all kept servers handed
// out, a preview waits for one to be released rather than starting one
// more (a server start per preview is what sharing saves), and gets the
// released one, reset.
func TestShareInProcessWaitsForAFreeServer(t *testing.T) {
	mustFind(t)
	ctx := context.Background()
	t.Cleanup(ShareInProcess(1))
	first, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	firstDir := first.dir
	type started struct {
		s   *Server
		err error
	}
	got := make(chan started, 1)
	waits := shareWaits.Load()
	go func() {
		s, err := Start(ctx, Options{})
		got <- started{s, err}
	}()
	var second started
	for waiting := false; !waiting; {
		select {
		case second = <-got:
			if second.s != nil {
				second.s.Close()
			}
			t.Fatalf("a preview that found the one kept server in use did not wait for it: got %v", second.err)
		case <-time.After(5 * time.Millisecond):
			waiting = shareWaits.Load() > waits
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second = <-got
	if second.err != nil {
		t.Fatal(second.err)
	}
	defer second.s.Close()
	if second.s.release == nil || second.s.dir != firstDir {
		t.Errorf("the preview that found the one server in use got %s (shared: %v), want the kept server %s once released", second.s.dir, second.s.release != nil, firstDir)
	}
}
