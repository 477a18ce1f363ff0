//go:build !windows

package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// The shared sandboxes are for tests only. A test suite previews migrations
// hundreds of times, and a sandbox per preview (a cluster copied, a server
// started and stopped) was the largest part of its CPU; StartShared starts
// a few servers once, and a test process that called UseShared takes one of
// them, reset to a fresh cluster's state, instead of starting its own.
//
// No dbguard binary can take this path: the only callers of StartShared and
// UseShared are test files (cmd/dbguard's main_test.go), nothing in a
// repository (files, env files, dbguard.yaml) reaches them, and the linker
// leaves both out of every binary built from cmd/dbguard
// (TestAttackSharedSandboxNotInBinary).

// reuse, when set (by UseShared), is asked for a sandbox before Start
// starts one; nil means start one.
var reuse func(ctx context.Context, o Options) *Server

// slot is a shared server as StartShared describes it in its folder.
type slot struct {
	Dir   string   `json:"dir"`
	Port  int      `json:"port"`
	Bin   Binaries `json:"bin"`
	Fresh string   `json:"fresh"` // the fresh cluster's shared catalogs (freshState)
}

// StartShared starts n sandbox servers and describes them in dir (made
// private to this user), for test processes that call UseShared(dir); stop
// stops them. For tests only.
func StartShared(ctx context.Context, dir string, n int) (stop func(), err error) {
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	var started []*Server
	stop = func() {
		for _, s := range started {
			_ = s.Close()
		}
	}
	for i := 0; i < n; i++ {
		s, err := Start(ctx, Options{})
		if err != nil {
			stop()
			return nil, err
		}
		started = append(started, s)
		fresh, err := keepFresh(ctx, s)
		if err != nil {
			stop()
			return nil, err
		}
		b, _ := json.Marshal(slot{Dir: s.dir, Port: s.port, Bin: s.Binaries, Fresh: fresh})
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("slot-%d.json", i)), b, 0o600); err != nil {
			stop()
			return nil, err
		}
	}
	return stop, nil
}

// UseShared makes Start, in this process, take a free server of those
// StartShared described in dir, when its version is the one asked for,
// instead of starting one. Each is used by one process at a time (a lock
// file, released by the kernel if the process dies) and reset before it is
// handed out; when none is free, or one cannot be reset to a fresh
// cluster's state, Start starts its own as usual. dir must be a folder of
// this user's that no one else may enter. UseShared("") goes back to a
// server per preview. For tests only.
func UseShared(dir string) {
	reuse = nil
	if fi, err := os.Lstat(dir); dir == "" || err != nil || !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 || !ownedByUs(fi) {
		return
	}
	reuse = func(ctx context.Context, o Options) *Server {
		bin, ok := wouldStart(o)
		if !ok {
			return nil
		}
		slots, _ := filepath.Glob(filepath.Join(dir, "slot-*.json"))
		for _, p := range slots {
			if s := takeSlot(ctx, p, bin); s != nil {
				return s
			}
		}
		return nil
	}
}

// wouldStart is the installation Start would start a server of for o, when
// it would start one that matches the live server's version: a shared
// server is handed out only where the preview would get the same server
// of its own (DBGUARD_PG_BINDIR naming an empty folder still fails, a
// version mismatch still warns).
func wouldStart(o Options) (Binaries, bool) {
	found := o.Found
	if found == nil {
		found = Find()
	}
	bin, note, err := Choose(found, o.Major)
	return bin, err == nil && note == ""
}

// takeSlot locks the shared server described in p, resets it and returns
// it; nil when it is taken, of other binaries than bin, or cannot be
// reset.
func takeSlot(ctx context.Context, p string, bin Binaries) *Server {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil
	}
	var sl slot
	if json.Unmarshal(b, &sl) != nil || sl.Bin != bin {
		return nil
	}
	lock, err := os.OpenFile(strings.TrimSuffix(p, ".json")+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil
	}
	if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		lock.Close()
		return nil
	}
	s := &Server{Binaries: sl.Bin, dir: sl.Dir, port: sl.Port, release: lock.Close}
	s.again = func(ctx context.Context) error { return reset(ctx, s, sl.Fresh) }
	if err := reset(ctx, s, sl.Fresh); err != nil {
		lock.Close()
		return nil
	}
	return s
}

// reset brings a used shared server back to a fresh cluster's state: no
// session but ours, no database but initdb's, no role but the bootstrap
// superuser and PostgreSQL's own; then checks the shared catalogs against
// the fresh cluster's, so no run sees what an earlier one left.
//
// A sandbox's one database is its shadow (Shadow), which a preview
// changes; a shared server keeps a copy of it, fresh, as template1
// (keepFresh), so the reset works from template1 and makes the shadow
// again from it.
// resetApplication is the application_name of reset's own session: it is
// closed when reset returns, but PostgreSQL ends a backend after its client
// has gone, so the next run may still see it for a moment in
// pg_stat_activity; by this name it can tell it from a session left over.
const resetApplication = "dbguard sandbox reset"

func reset(ctx context.Context, s *Server, fresh string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(s.URL(Superuser, "template1").DriverString())
	if err != nil {
		return err
	}
	cfg.RuntimeParams["application_name"] = resetApplication
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	// The earlier run's sessions are ended and waited for (14 and later):
	// pg_terminate_backend alone only signals, and a session still exiting
	// is seen in pg_stat_activity by the next run (TestSharedSandboxIsFresh
	// counted 2 client backends under load).
	terminate := "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
	if s.Major >= 14 {
		terminate = "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
	}
	if _, err := conn.Exec(ctx, terminate); err != nil {
		return err
	}
	rows, _ := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname NOT IN ('template0', 'template1')")
	dbs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, db := range dbs {
		if _, err := conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)"); err != nil {
			return err
		}
	}
	// A file copy where the server has one (15 and later): 20-50 ms less
	// CPU than writing template1 through the WAL, and the checkpoints it
	// waits for cost little with fsync off.
	if _, err := conn.Exec(ctx, createFrom(s.Major, Shadow, "template1")); err != nil {
		return err
	}
	rows, _ = conn.Query(ctx, "SELECT rolname FROM pg_roles WHERE rolname <> $1 AND rolname !~ '^pg_'", Superuser)
	roles, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, r := range roles {
		if _, err := conn.Exec(ctx, "DROP ROLE "+pgx.Identifier{r}.Sanitize()); err != nil {
			return err
		}
	}
	now, err := catalogState(ctx, conn)
	if err != nil {
		return err
	}
	if now != fresh {
		return errors.New("the shared sandbox is not as fresh as it started: " + now)
	}
	return nil
}

// keepFresh makes a server just started a shared one: its shadow, as the
// start left it, copied to template1 for reset to make it again from
// (in the start's session, as a database with another session cannot be
// copied), and then the catalogState of the server. A shared server is
// handed out with no session but the taker's.
func keepFresh(ctx context.Context, s *Server) (string, error) {
	conn, err := s.Session(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, createFrom(s.Major, "template1", Shadow)+" IS_TEMPLATE = true"); err != nil {
		return "", err
	}
	return catalogState(ctx, conn)
}

// createFrom is the CREATE DATABASE of db as a copy of tmpl: a file copy
// on 15 and later (the default there writes the copy through the WAL).
func createFrom(major int, db, tmpl string) string {
	q := "CREATE DATABASE " + pgx.Identifier{db}.Sanitize() + " TEMPLATE " + pgx.Identifier{tmpl}.Sanitize()
	if major >= 15 {
		q += " STRATEGY = FILE_COPY"
	}
	return q
}

// catalogState lists what the cluster-wide catalogs hold (databases and
// their settings, roles, memberships, per-role settings, shared
// dependencies and comments, tablespaces), which a run could leave behind
// for the next one.
func catalogState(ctx context.Context, conn *pgx.Conn) (string, error) {
	var st string
	err := conn.QueryRow(ctx, `SELECT concat_ws(' | ',
	(SELECT string_agg(format('%s owner=%s conn=%s template=%s acl=%s', datname, datdba::regrole, datallowconn, datistemplate, datacl), ', ' ORDER BY datname) FROM pg_database),
	(SELECT string_agg(format('%s super=%s login=%s createrole=%s createdb=%s repl=%s bypassrls=%s pw=%s', rolname, rolsuper, rolcanlogin, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolpassword IS NOT NULL), ', ' ORDER BY rolname) FROM pg_authid),
	'members ' || (SELECT count(*) FROM pg_auth_members),
	'settings ' || (SELECT count(*) FROM pg_db_role_setting),
	'shdepend ' || (SELECT count(*) FROM pg_shdepend),
	'shdescription ' || (SELECT count(*) FROM pg_shdescription),
	(SELECT string_agg(spcname, ', ' ORDER BY spcname) FROM pg_tablespace))`).Scan(&st)
	return st, err
}

// shareWaits counts the previews that waited for a kept server
// (TestShareInProcessWaitsForAFreeServer).
var shareWaits atomic.Int64

// ShareInProcess makes Start, in this process, keep the sandboxes it
// starts, up to n of them, and hand them out again, each reset to a fresh
// cluster's state, one preview at a time each: a preview takes a free
// kept server (the one released last), else starts one more while fewer
// than n are kept, else waits for one to be released (or its ctx to end).
// A preview that asks for another version, or whose server cannot be
// started or reset, starts its own. stop stops them. For a test binary's
// TestMain (pgtest.MainSharingSandbox): a package whose tests preview a
// hundred times, n at a time, pays for n servers. For tests only, like
// UseShared.
func ShareInProcess(n int) (stop func()) {
	type kept struct {
		s     *Server
		fresh string
	}
	var (
		mu    sync.Mutex
		free  []kept                   // kept servers not handed out, the last released last
		slots = make(chan struct{}, n) // one per kept server, full while handed out or starting
		all   []*Server
	)
	reuse = func(ctx context.Context, o Options) *Server {
		bin, ok := wouldStart(o)
		if !ok {
			return nil
		}
		select {
		case slots <- struct{}{}:
		default:
			shareWaits.Add(1)
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
		}
		mu.Lock()
		var k kept
		for i := len(free) - 1; i >= 0; i-- {
			if free[i].s.Binaries == bin {
				k = free[i]
				free = append(free[:i], free[i+1:]...)
				break
			}
		}
		mu.Unlock()
		if k.s == nil {
			s, err := startOwn(ctx, Options{Major: o.Major})
			if err != nil {
				<-slots
				return nil
			}
			fresh, err := keepFresh(ctx, s)
			if err != nil {
				s.Close()
				<-slots
				return nil
			}
			k = kept{s, fresh}
			mu.Lock()
			all = append(all, s)
			mu.Unlock()
		}
		release := func() error {
			mu.Lock()
			free = append(free, k)
			mu.Unlock()
			<-slots
			return nil
		}
		s := &Server{Binaries: k.s.Binaries, dir: k.s.dir, port: k.s.port, release: release}
		s.again = func(ctx context.Context) error { return reset(ctx, s, k.fresh) }
		if err := reset(ctx, s, k.fresh); err != nil {
			// Not fresh again: never hand it out.
			k.s.Close()
			mu.Lock()
			all = slices.DeleteFunc(all, func(x *Server) bool { return x == k.s })
			mu.Unlock()
			<-slots
			return nil
		}
		return s
	}
	return func() {
		reuse = nil
		mu.Lock()
		defer mu.Unlock()
		for _, s := range all {
			s.Close()
		}
	}
}
