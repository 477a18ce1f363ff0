package migrate

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// roundTrips is a TCP proxy to the test server that counts the server's
// ReadyForQuery messages: one per round trip a client waits for (the
// connection's startup is one).
type roundTrips struct {
	ln      net.Listener
	ready   atomic.Int64
	commits atomic.Int64 // COMMIT command tags: transactions committed
}

// countRoundTrips returns dbURL through a counting proxy.
func countRoundTrips(t *testing.T, dbURL string) (*roundTrips, string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	rt := &roundTrips{ln: ln}
	server := u.Host
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", server)
			if err != nil {
				c.Close()
				continue
			}
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { rt.count(c, s); c.Close() }()
		}
	}()
	u.Host = ln.Addr().String()
	q := u.Query()
	q.Set("sslmode", "disable") // the messages must be readable
	u.RawQuery = q.Encode()
	return rt, u.String()
}

// count copies the server's messages to the client, counting 'Z'.
func (rt *roundTrips) count(client io.Writer, server io.Reader) {
	var head [5]byte
	for {
		if _, err := io.ReadFull(server, head[:]); err != nil {
			return
		}
		n := int64(binary.BigEndian.Uint32(head[1:])) - 4
		if head[0] == 'Z' {
			rt.ready.Add(1)
		}
		if _, err := client.Write(head[:]); err != nil {
			return
		}
		if head[0] == 'C' && n < 64 {
			tag := make([]byte, n)
			if _, err := io.ReadFull(server, tag); err != nil {
				return
			}
			if string(tag) == "COMMIT\x00" {
				rt.commits.Add(1)
			}
			if _, err := client.Write(tag); err != nil {
				return
			}
			continue
		}
		if _, err := io.CopyN(client, server, n); err != nil {
			return
		}
	}
}

// TestNoOpRoundTrips: migrate up with nothing pending and status cost the
// round trips docs/performance.md counts (golang-migrate's up takes 14),
// (counted with the connection's startup). Before issue 26's second round:
// 15 and 12.
func TestNoOpRoundTrips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	migrations := map[string]string{}
	for _, n := range []string{"000001_a", "000002_b", "000003_c", "000004_d"} {
		migrations[n+".up.sql"] = "CREATE TABLE t" + n[len(n)-1:] + " (id int);"
	}
	dir := files(t, migrations)
	dbURL := pgtest.DB(t)
	r := open(t, dbURL, dir, nil)
	if err := r.Up(ctx, 0); err != nil {
		t.Fatal(errorText(err))
	}
	r.Close()
	rt, proxied := countRoundTrips(t, dbURL)
	for _, c := range []struct {
		what string
		max  int64
		run  func(*Runner) error
	}{
		// startup, SET client_connection_check_interval, current_database;
		// lock (with the tables and the version), ledger, unlock; the
		// report's version is known. (7 while the version was also read
		// before the lock.)
		{"up, nothing pending", 6, func(r *Runner) error {
			if err := r.Up(ctx, 0); err != nil {
				return err
			}
			v, _, err := r.Version()
			if err == nil && v != 4 {
				err = errors.New("not at version 4")
			}
			return err
		}},
		// startup, SET, current_database, version, lock holder, ledger.
		{"status", 6, func(r *Runner) error { _, err := r.Status(); return err }},
	} {
		before := rt.ready.Load()
		r := open(t, proxied, dir, nil)
		if err := c.run(r); err != nil {
			t.Fatalf("%s: %v", c.what, errorText(err))
		}
		r.Close()
		if got := rt.ready.Load() - before; got > c.max {
			t.Errorf("%s: %d round trips, want at most %d", c.what, got, c.max)
		} else {
			t.Logf("%s: %d round trips", c.what, got)
		}
	}
}

// TestMigrationCommits: a file that runs as one transaction commits once
// with its clean version and its ledger entry, after the commit that marks
// it dirty: two commits per migration (golang-migrate: three; dbguard
// before issue 26's third round: three). One that may change its session's
// role keeps three (TestReviewSetRoleAfterCommit says why).
func TestMigrationCommits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);",
		"2_b.up.sql": "CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);",
		"3_c.up.sql": "CREATE TABLE c (id int);",
		"4_d.up.sql": "SET search_path TO public;\nCREATE TABLE d (id int);",
	})
	rt, proxied := countRoundTrips(t, dbURL)
	r := open(t, proxied, dir, nil)
	if err := r.Up(ctx, 0); err != nil {
		t.Fatal(errorText(err))
	}
	if got, want := rt.commits.Load(), int64(3*2+3); got != want {
		t.Errorf("%d commits for 3 files and one that sets its session, want %d", got, want)
	}
	h := history(t, r)
	if len(h) != 4 {
		t.Fatalf("history %+v", h)
	}
	for _, e := range h {
		if e.State != StateDone || e.Committed == nil || e.FinishedAt == nil || e.VersionAfter == nil || *e.VersionAfter != e.Version {
			t.Errorf("entry %+v", e)
		}
	}
	if v, dirty := version(t, r); v != 4 || dirty {
		t.Errorf("version %d dirty %v", v, dirty)
	}
}

// TestPendingRoundTrips: migrate up with one file pending counts the
// session's settings (pg.LibrariesSQL, for Session's check that no file
// loaded a library) in the ledger's round trip, not one of its own before
// the file: 9 round trips before issue 26's ninth round, 8 now.
func TestPendingRoundTrips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	migrations := map[string]string{}
	for _, n := range []string{"000001_a", "000002_b", "000003_c", "000004_d"} {
		migrations[n+".up.sql"] = "CREATE TABLE t" + n[len(n)-1:] + " (id int);"
	}
	dir := files(t, migrations)
	dbURL := pgtest.DB(t)
	r := open(t, dbURL, dir, nil)
	if err := r.Up(ctx, 3); err != nil {
		t.Fatal(errorText(err))
	}
	r.Close()
	rt, proxied := countRoundTrips(t, dbURL)
	r = open(t, proxied, dir, nil)
	defer r.Close()
	// startup, SET client_connection_check_interval, current_database;
	// lock (with the tables and the version), the ledger with the count,
	// the file with its ledger entry and version, unlock; the report's
	// version is known.
	if err := r.Up(ctx, 0); err != nil {
		t.Fatal(errorText(err))
	}
	if v, _, err := r.Version(); err != nil || v != 4 {
		t.Fatalf("version %d, %v; want 4", v, err)
	}
	if got := rt.ready.Load(); got > 8 {
		t.Errorf("%d round trips, want at most 8", got)
	} else {
		t.Logf("%d round trips", got)
	}
	if r.libraries < 0 {
		t.Error("the session's settings were not counted before the file ran")
	}
	// The count is the one a separate query reads on the same session.
	var n int64
	if err := r.inner.conn.QueryRowContext(ctx, pg.LibrariesSQL).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != r.libraries {
		t.Errorf("counted %d settings, a separate count reads %d", r.libraries, n)
	}
}
