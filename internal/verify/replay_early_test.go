package verify

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pg"
)

// earlyPreview is a preview of three applied files whose replay leaves
// one row in b, with the replay prepared by the sandbox's start (as a
// plan's is) for version.
func earlyPreview(t *testing.T, version int, first string) Options {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	o := emptyPreview(t)
	for name, text := range map[string]string{
		"000001_a.up.sql": first,
		"000002_b.up.sql": "CREATE TABLE b (n int);\nINSERT INTO b VALUES (1);\n",
		"000003_c.up.sql": "CREATE TABLE c (id int);\n",
	} {
		if err := os.WriteFile(filepath.Join(o.MigrationsDir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o.ReplayCache, o.ReplayVersion = true, version
	return o
}

// shadowState is what the replay left: the rows of b, whether c exists,
// and the version written.
func shadowState(ctx context.Context, conn *pgx.Conn) (rows int, c bool, version int64, err error) {
	err = conn.QueryRow(ctx, `SELECT (SELECT pg_catalog.count(*) FROM b), pg_catalog.to_regclass('c') IS NOT NULL, (SELECT version FROM schema_migrations)`).Scan(&rows, &c, &version)
	return
}

// The sandbox's start replays the applied files as soon as its roles
// exist, before WithShadow is called (the plan reads the live side
// meanwhile), and WithShadow takes that replay as its build: the files
// ran once, and the shadow is at the version.
func TestReplayStartsWithTheSandbox(t *testing.T) {
	ctx := context.Background()
	o := earlyPreview(t, 3, "CREATE TABLE a (id int);\n")
	box := StartSandbox(ctx, o)
	defer box.Close()
	if _, _, err := box.wait(); err != nil {
		t.Fatal(err)
	}
	if box.replayed == nil {
		t.Fatal("the sandbox's start did not start the replay")
	}
	select {
	case <-box.replayed:
	case <-time.After(2 * time.Minute):
		t.Fatal("the replay did not end")
	}
	if !box.fast {
		t.Fatal("the replay failed")
	}
	// Before WithShadow: the replay ran already.
	err := pg.WithConn(ctx, replayConnect(o, box.sb, box.role), func(conn *pgx.Conn) error {
		rows, c, v, err := shadowState(ctx, conn)
		if err == nil && (rows != 1 || !c || v != 3) {
			t.Errorf("before WithShadow: b has %d rows, c exists %v, version %d; want 1, true, 3", rows, c, v)
		}
		return err
	})
	if err != nil {
		t.Fatalf("the shadow before WithShadow: %v", err)
	}
	o.Sandbox = box
	err = WithShadowSession(ctx, o, 3, nil, func(conn *pgx.Conn) error {
		rows, c, v, err := shadowState(ctx, conn)
		if err == nil && (rows != 1 || !c || v != 3) {
			t.Errorf("in WithShadow: b has %d rows, c exists %v, version %d; want 1, true, 3 (the files replayed once)", rows, c, v)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A shadow asked at another version than the start replayed to is built
// again from a fresh one, file by file.
func TestReplayStartedForAnotherVersion(t *testing.T) {
	ctx := context.Background()
	o := earlyPreview(t, 3, "CREATE TABLE a (id int);\n")
	o.Sandbox = StartSandbox(ctx, o)
	defer o.Sandbox.Close()
	err := WithShadowSession(ctx, o, 2, nil, func(conn *pgx.Conn) error {
		var rows int
		var c bool
		var v int64
		err := conn.QueryRow(ctx, `SELECT (SELECT pg_catalog.count(*) FROM b), pg_catalog.to_regclass('c') IS NOT NULL, (SELECT version FROM schema_migrations)`).Scan(&rows, &c, &v)
		if err == nil && (rows != 1 || c || v != 2) {
			t.Errorf("b has %d rows, c exists %v, version %d; want 1, false, 2", rows, c, v)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.Sandbox.replayed == nil {
		t.Fatal("the sandbox's start did not start the replay (the case this test is for)")
	}
}

// Close stops a replay under way (a plan that fails reading the live side
// closes the sandbox while its replay runs): it cancels the replay's query
// rather than waiting for it.
func TestCloseStopsTheReplay(t *testing.T) {
	ctx := context.Background()
	o := earlyPreview(t, 3, "SELECT pg_catalog.pg_sleep(600);\n")
	box := StartSandbox(ctx, o)
	if _, _, err := box.wait(); err != nil {
		box.Close()
		t.Fatal(err)
	}
	if box.replayed == nil {
		box.Close()
		t.Fatal("the sandbox's start did not start the replay")
	}
	start := time.Now()
	done := make(chan struct{})
	go func() { box.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("Close waited for the replay's pg_sleep(600)")
	}
	if box.fast {
		t.Errorf("a replay stopped by Close after %v passed", time.Since(start))
	}
}
