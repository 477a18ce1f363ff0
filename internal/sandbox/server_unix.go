//go:build !windows

package sandbox

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/dburl"
)

// Server is a running sandbox.
type Server struct {
	Binaries
	Note  string // what differs from the live server; "" when nothing
	dir   string // the private folder: data/, the socket, the log
	port  int
	cmd   *exec.Cmd
	done  chan struct{} // closed when the server process has exited
	runAs *syscall.Credential
	// release hands a shared server back (tests only: UseShared); Close
	// then neither stops it nor removes its folder.
	release func() error
	// first is the superuser's session on the shadow database the start
	// made to know the server ready, until Session hands it over; nil
	// after.
	first *pgx.Conn
	// from is the replay cache's entry the cluster is copied from
	// instead of the template; nil: the template.
	from *Replay
	// saving counts the replay cache's entries being written
	// (SaveReplay); Close waits for them.
	saving sync.WaitGroup
	// again resets a shared server for Fresh (tests only: set where
	// UseShared and ShareInProcess hand one out, so no binary links the
	// reset).
	again func(context.Context) error
}

// Options says what sandbox to start.
type Options struct {
	// Major is the live server's major version (0: unknown).
	Major int
	// Log receives one line saying which server was started; nil for none.
	Log io.Writer
	// Found are the installations to choose from, as Find lists them;
	// nil: Find. A caller that has them already (it found them while it
	// read the live server) saves Find's runs of pg_config and initdb.
	Found []Binaries
	// From, when set, is an entry of the replay cache (LookupReplay) to
	// start from instead of the template: its shadow database and roles
	// exist already. A start from it that fails is the caller's to retry
	// without it.
	From *Replay
}

// Start sweeps the leftovers of killed runs, then initialises and starts a
// sandbox server. Close it when done.
func Start(ctx context.Context, o Options) (*Server, error) {
	if reuse != nil && o.From == nil {
		if s := reuse(ctx, o); s != nil {
			s.started(o)
			return s, nil
		}
	}
	return startOwn(ctx, o)
}

// startOwn starts a sandbox server of the caller's own.
func startOwn(ctx context.Context, o Options) (*Server, error) {
	Sweep()
	found := o.Found
	if found == nil {
		found = Find()
	}
	bin, note, err := Choose(found, o.Major)
	if err != nil {
		return nil, err
	}
	var runAs *syscall.Credential
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		if runAs, err = serverUser(); err != nil {
			return nil, &StartError{Step: "finding the postgres user to run it as (dbguard runs as root)", Err: err}
		}
	}
	dir, err := os.MkdirTemp(baseDir(runAs), prefix)
	if err != nil {
		return nil, &StartError{Step: "creating its folder", Err: err}
	}
	s := &Server{Binaries: bin, Note: note, dir: dir, done: make(chan struct{}), runAs: runAs, from: o.From}
	if err := s.start(ctx); err != nil {
		// The server may be running already (cancelled while waiting
		// for it): stop it, then remove the folder.
		s.Close()
		return nil, err
	}
	s.started(o)
	return s, nil
}

// Announce writes the line saying which server was started.
func (s *Server) Announce(w io.Writer) {
	fmt.Fprintf(w, "dbguard: sandbox: a throwaway PostgreSQL %s server, removed when the preview ends\n", s.Full)
}

// started says which server the preview runs on.
func (s *Server) started(o Options) {
	if o.Log != nil {
		s.Announce(o.Log)
	}
}

func (s *Server) start(ctx context.Context) error {
	// The owner file lets Sweep tell a live run's sandbox from a leftover.
	if err := MarkOwner(s.dir); err != nil {
		return &StartError{Step: "writing its folder", Err: err}
	}
	if s.runAs != nil {
		if err := os.Chown(s.dir, int(s.runAs.Uid), int(s.runAs.Gid)); err != nil {
			return &StartError{Step: "handing its folder to the postgres user", Err: err}
		}
	}
	if err := s.initdb(ctx); err != nil {
		return err
	}
	// A port number only names the socket file: there is no TCP listener,
	// and the folder is private, so no other user can connect.
	s.port = 5432
	logf, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return &StartError{Step: "creating its log", Err: err}
	}
	defer logf.Close()
	s.cmd = s.command(context.Background(), "postgres", "-D", s.dataDir(), "-k", s.dir, "-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=20", "-c", "shared_buffers=32MB", "-c", "max_wal_size=1GB",
		"-c", "autovacuum=off", "-c", "jit=off", "-c", "unix_socket_permissions=0700",
		// No logical replication launcher: one process fewer to start
		// (4-5 of the start's ~43 ms of CPU); the sandbox subscribes to
		// nothing, and its roles cannot create a subscription.
		"-c", "max_logical_replication_workers=0")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	Detach(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return &StartError{Step: "starting postgres", Err: err}
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	// Ready when it accepts a connection. A connection tried while the
	// server starts costs a backend forked only to say "starting up"
	// (25-26 of them in 10 starts at load 20, one every 20 ms): until the
	// server writes "ready" in postmaster.pid, as pg_ctl -w waits, only
	// that file is read, every 5 ms, and a connection is tried after.
	deadline := time.Now().Add(60 * time.Second)
	pid := s.cmd.Process.Pid
	every := 5 * time.Millisecond
	if s.Major < 10 {
		every = 20 * time.Millisecond // each look is a connection
	}
	for {
		var err error = errors.New("the server is starting")
		if pmStatus(s.dataDir(), pid, s.Major) == "ready" {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			var conn *pgx.Conn
			conn, err = pgx.Connect(cctx, s.URL(Superuser, Shadow).DriverString())
			cancel()
			if err == nil {
				s.first = conn // for Session: a backend costs 30-50 ms
				return nil
			}
		}
		select {
		case <-s.done:
			return &StartError{Step: "postgres exited", Err: errors.New("the server stopped while starting"), Log: s.logTail()}
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
		if time.Now().After(deadline) {
			return &StartError{Step: "waiting for it to accept connections", Err: err, Log: s.logTail()}
		}
	}
}

// PostmasterReady reports whether the postmaster with this pid, of
// PostgreSQL 10 or later, says in data's postmaster.pid that it accepts
// connections: what pg_ctl start -w waits for.
func PostmasterReady(data string, pid int) bool { return pmStatus(data, pid, 10) == "ready" }

// pmStatus is what the postmaster with this pid says of itself in its
// postmaster.pid: line 8, "starting" then "ready" (PostgreSQL 10 and
// later; before 10 there is no such line, and "ready" stands for "ask by
// connecting"); "" while the file is not the pid's.
func pmStatus(data string, pid, major int) string {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return ""
	}
	lines := strings.Split(string(b), "\n")
	switch {
	case strings.TrimSpace(lines[0]) != strconv.Itoa(pid):
		return ""
	case major < 10:
		return "ready"
	case len(lines) < 9:
		return ""
	}
	return strings.TrimSpace(lines[7])
}

// initArgs are initdb's arguments after -D. A 1 MB WAL segment keeps the
// cluster small (24 MB instead of 39), which is what copying costs.
var initArgs = []string{"-U", Superuser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions", "--wal-segsize=1"}

// initdb makes the data folder: a copy of a cached template cluster when
// there is one (initdb takes about a second; a copy a tenth of that), else
// a fresh initdb, which then becomes the template.
func (s *Server) initdb(ctx context.Context) error {
	if s.from != nil {
		// A saved replay: that cluster or none (the caller starts again
		// from the template), bounded as it was when saved.
		left := int64(replayMax)
		if err := readArchive(filepath.Join(s.from.dir, "cluster"), s.dataDir(), chownTo(s.runAs), &left); err != nil {
			return &StartError{Step: "copying the saved replay", Err: err}
		}
		return nil
	}
	tmpl := templateDir(s.Binaries)
	if tmpl != "" && !private(filepath.Dir(tmpl)) {
		tmpl = "" // a cluster another user put there would be this sandbox
	}
	if tmpl != "" {
		if err := CopyCluster(tmpl, s.dataDir(), chownTo(s.runAs)); err == nil {
			return nil
		}
		os.RemoveAll(s.dataDir())
	}
	out, err := s.command(ctx, "initdb", append([]string{"-D", s.dataDir()}, initArgs...)...).CombinedOutput()
	if err != nil {
		return &StartError{Step: "initdb", Err: err, Log: tail(string(out), 600)}
	}
	if err := s.oneDatabase(ctx); err != nil {
		return err
	}
	if s.dropRecycledWAL(ctx) {
		s.dropMaps()
	}
	if tmpl != "" {
		saveTemplate(s.dataDir(), tmpl)
	}
	return nil
}

// oneDatabase leaves a fresh cluster with one database, the shadow: in a
// single-user backend (no server runs yet) on template1, initdb's
// template0 is dropped and postgres renamed to Shadow; then, in one on
// the shadow (a database cannot be dropped or renamed from inside),
// template1 is dropped and the shadow's comment, initdb's for postgres,
// removed. Nothing in a sandbox copies a database: the migration role may
// not create databases, and the slow build starts the server again from
// the template (Fresh). Each database was a share of every copy of the
// template and of the folder's removal: with template0 970 files and 28
// MB, without it 697 and 20 MB, a copy 131 against 57 ms (medians of 8
// at load 15); template1's base/1 was half of what was left, the copy
// 21.6 against 11.2 ms (s14-plan9). A step that fails fails the start,
// and nothing is cached: a cluster without its shadow would fail every
// start after.
func (s *Server) oneDatabase(ctx context.Context) error {
	for _, step := range []struct{ db, sql string }{
		{"template1", "UPDATE pg_catalog.pg_database SET datistemplate = false WHERE datname = 'template0'\nDROP DATABASE template0\nALTER DATABASE postgres RENAME TO " + Shadow + "\n"},
		{Shadow, "UPDATE pg_catalog.pg_database SET datistemplate = false WHERE datname = 'template1'\nDROP DATABASE template1\nCOMMENT ON DATABASE " + Shadow + " IS NULL\n"},
	} {
		cmd := s.command(ctx, "postgres", "--single", "-D", s.dataDir(), "-c", "fsync=off", step.db)
		cmd.Stdin = strings.NewReader(step.sql)
		// A statement's error does not change the backend's exit status:
		// it is in what it prints.
		out, err := cmd.CombinedOutput()
		if err == nil && strings.Contains(string(out), "ERROR:") {
			err = errors.New("a statement failed")
		}
		if err != nil {
			return &StartError{Step: "leaving initdb's cluster with one database, " + Shadow, Err: err, Log: tail(string(out), 600)}
		}
	}
	return nil
}

// dropRecycledWAL removes from a fresh cluster, stopped cleanly, the WAL
// segments after its last checkpoint's: initdb leaves them for reuse (4
// of the 5 segments, a fifth of the template's bytes), and every copy of
// the template copied them. A server needs only the segment of the
// checkpoint it starts from and makes the next ones as it writes. Each
// copy of the template costs 9 ms less CPU (46 against 37 ms, 31 copies
// of each, interleaved, load 14-19). Anything unexpected (pg_controldata
// missing, a cluster not shut down, a name that is not a segment's)
// leaves the folder as it is, which costs only the copy. It reports
// whether pg_controldata said the cluster was shut down cleanly.
func (s *Server) dropRecycledWAL(ctx context.Context) bool {
	out, err := s.command(ctx, "pg_controldata", "-D", s.dataDir()).Output()
	if err != nil {
		return false
	}
	var state, redo string
	for _, line := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(line, ":")
		switch k = strings.TrimSpace(k); {
		case !ok:
		case k == "Database cluster state":
			state = strings.TrimSpace(v)
		case k == "Latest checkpoint's REDO WAL file":
			redo = strings.TrimSpace(v)
		}
	}
	if state != "shut down" {
		return false
	}
	if !walSegment(redo) {
		return true
	}
	wal := filepath.Join(s.dataDir(), "pg_wal")
	entries, err := os.ReadDir(wal)
	if err != nil {
		return true
	}
	for _, e := range entries {
		// Same timeline, later segment: names of 24 hex digits sort
		// as the positions they stand for.
		if e.Type().IsRegular() && walSegment(e.Name()) && e.Name()[:8] == redo[:8] && e.Name() > redo {
			os.Remove(filepath.Join(wal, e.Name()))
		}
	}
	return true
}

// dropMaps removes the free space maps and visibility maps (the _fsm and
// _vm forks) from a fresh cluster shut down cleanly: 158 of the
// template's 693 files, which every copy opened, read, wrote and handed
// to the server's user. A relation never vacuumed has neither (the server
// makes them when it first needs them), and a missing map says what the
// server assumes without one: no free space known, no page all-visible.
// Nothing a preview reads depends on them.
func (s *Server) dropMaps() {
	for _, dir := range append([]string{filepath.Join(s.dataDir(), "global")}, globDirs(filepath.Join(s.dataDir(), "base", "*"))...) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.Type().IsRegular() && mapFork(e.Name()) {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
}

func globDirs(pattern string) []string {
	m, _ := filepath.Glob(pattern)
	return m
}

// mapFork reports whether name is a relation's free space or visibility
// map fork: digits, then _fsm or _vm, then an optional .N segment.
func mapFork(name string) bool {
	node, fork, ok := strings.Cut(name, "_")
	if !ok || node == "" || strings.ContainsFunc(node, func(r rune) bool { return r < '0' || r > '9' }) {
		return false
	}
	fork, seg, hasSeg := strings.Cut(fork, ".")
	if hasSeg && (seg == "" || strings.ContainsFunc(seg, func(r rune) bool { return r < '0' || r > '9' })) {
		return false
	}
	return fork == "fsm" || fork == "vm"
}

// walSegment reports whether name is a WAL segment's: 24 upper-case hex
// digits.
func walSegment(name string) bool {
	return len(name) == 24 && !strings.ContainsFunc(name, func(r rune) bool {
		return !('0' <= r && r <= '9' || 'A' <= r && r <= 'F')
	})
}

// templateDir is where the template cluster of an installation is cached:
// in the user's cache folder, named for the version, the folder, initdb's
// arguments and what was done after (one database, the WAL kept for
// reuse and the free space and visibility maps dropped); "" when there is no cache folder.
func templateDir(b Binaries) string {
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	h := sha256.Sum256([]byte(b.Dir + "\x00" + b.Full + "\x00" + strings.Join(initArgs, " ") + "\x00one database, " + Shadow + ", without recycled WAL, without free space or visibility maps"))
	return filepath.Join(base, "dbguard", "sandbox", fmt.Sprintf("pg%s-%x", b.Full, h[:6]))
}

// saveTemplate copies a fresh cluster to the cache, atomically: a copy in
// a temporary folder beside it, renamed into place (a concurrent run's
// copy wins and ours is dropped). Failing to cache is not an error.
func saveTemplate(data, tmpl string) {
	if err := os.MkdirAll(filepath.Dir(tmpl), 0o700); err != nil {
		return
	}
	tmp, err := os.MkdirTemp(filepath.Dir(tmpl), ".new-")
	if err != nil {
		return
	}
	dst := filepath.Join(tmp, "data")
	if CopyCluster(data, dst, nil) != nil || os.Rename(dst, tmpl) != nil {
		os.RemoveAll(tmp)
		return
	}
	os.RemoveAll(tmp)
}

// command runs a server program of the chosen installation, as the postgres
// user when dbguard runs as root.
func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.Dir, exe(name)), args...)
	cmd.Dir = s.dir
	// The server gets a small, fixed environment: none of the guarded
	// project's variables (PG*, DATABASE_URL) reach it.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "TZ=UTC", "HOME=" + s.dir}
	if s.runAs != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.runAs}
	}
	return cmd
}

// baseDir is the folder the sandbox folder goes in: with no TMPDIR set,
// memory (/dev/shm, see MemDir) when it has room; else the temporary
// folder, unless the server's user (postgres, when dbguard runs as root)
// cannot reach it (a TMPDIR inside root's home), then /tmp.
//
// In memory, creating and removing the relation files of a migration's
// CREATE TABLE costs no file system journal: the shadow of 134 files was
// built in 0.3-0.75 s there against 0.9-1.9 s in /tmp on a loaded machine.
func baseDir(runAs *syscall.Credential) string {
	if m := MemDir(); m != "" && os.Getenv("TMPDIR") == "" && (runAs == nil || reachable(m, runAs.Uid)) {
		return m
	}
	tmp := os.TempDir()
	if runAs == nil || reachable(tmp, runAs.Uid) {
		return tmp
	}
	return "/tmp"
}

// bases are the folders Sweep looks in, each once.
func bases() []string {
	out := []string{"/tmp"}
	if t := filepath.Clean(os.TempDir()); t != "/tmp" {
		out = []string{t, "/tmp"}
	}
	if memBase != "" && !slices.Contains(out, memBase) {
		out = append(out, memBase)
	}
	return out
}

// reachable reports whether user uid may enter dir: every folder on the way
// lets others (or uid, its owner) search it.
func reachable(dir string, uid uint32) bool {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return false
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return false
		}
		if st.Uid == uid && fi.Mode().Perm()&0o100 == 0 || st.Uid != uid && fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

func serverUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("%w (the server package creates it)", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }

// AdminURL is the sandbox superuser's URL to its one database, the
// shadow. It has no password: the socket is in a folder only dbguard can
// enter.
func (s *Server) AdminURL() *dburl.URL {
	return s.URL(Superuser, Shadow)
}

// URL is user's URL to database db on the sandbox.
func (s *Server) URL(user, db string) *dburl.URL {
	u, err := dburl.Parse(fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		quoteKV(s.dir), s.port, quoteKV(user), quoteKV(db)))
	if err != nil {
		// The folder name comes from os.MkdirTemp and the names from
		// dbguard; a parse failure is a bug.
		panic(fmt.Sprintf("sandbox: building its URL: %v", err))
	}
	return u
}

func quoteKV(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// Session is a superuser session on the sandbox's shadow database, for
// setting it up; the caller closes it. The first is the session the start opened to
// know the server ready: each new backend of a just-started server costs it
// 30-50 ms on a busy machine, on the way to the preview.
func (s *Server) Session(ctx context.Context) (*pgx.Conn, error) {
	if c := s.first; c != nil {
		s.first = nil
		return c, nil
	}
	return pgx.Connect(ctx, s.URL(Superuser, Shadow).DriverString())
}

// Fresh makes the shadow database fresh again, as the start made it, for a
// build that must start from an empty database (the slow build, after the
// fast one failed): the cluster has no other database to create it from,
// so the server is stopped, its data folder copied again from the
// template and the server started, on the same socket (every URL of the
// sandbox stays good; sessions of the old server are gone). The roles
// are the template's again: the caller makes its own again. A shared
// server (tests only) is reset instead.
func (s *Server) Fresh(ctx context.Context) error {
	s.closeFirst()
	if s.release != nil {
		if s.again == nil {
			return &StartError{Step: "starting a shared server again", Err: errors.New("it cannot be reset")}
		}
		return s.again(ctx)
	}
	s.stop()
	s.saving.Wait() // a save still copying its archive (beside data/) ends first
	// Fresh is the template's state, never a saved replay's.
	s.from = nil
	// The old server's log goes with it: start makes the log anew.
	if err := os.RemoveAll(s.dataDir()); err != nil {
		return &StartError{Step: "removing the data folder to start again", Err: err}
	}
	os.Remove(filepath.Join(s.dir, "server.log"))
	s.cmd, s.done = nil, make(chan struct{})
	return s.start(ctx)
}

// closeFirst closes the start's session when no one took it.
func (s *Server) closeFirst() {
	if s.first != nil {
		s.first.Close(context.Background())
		s.first = nil
	}
}

// Close stops the server, waits for a save to the replay cache under way
// and removes its folder.
func (s *Server) Close() error {
	s.closeFirst()
	if s.release != nil {
		return s.release()
	}
	s.stopWhile(func() {
		// The data folder's ~2,000 files unlinked while the server's
		// processes exit, on the other core: an immediate shutdown
		// writes none of them, and the kernel frees a file's pages when
		// its last process closes it. A save under way copies only its
		// archive, beside data/; what a process made meanwhile goes
		// with the folder below.
		_ = os.RemoveAll(s.dataDir())
	})
	s.saving.Wait() // it reads the folder
	return s.remove()
}

// stop stops the server, when it was started, and waits for it.
func (s *Server) stop() { s.stopWhile(nil) }

// stopWhile is stop, running meanwhile, when the server was started,
// between the signal and the wait.
func (s *Server) stopWhile(meanwhile func()) {
	if s.cmd != nil && s.cmd.Process != nil {
		// SIGQUIT: immediate shutdown; the data is thrown away anyway.
		_ = s.cmd.Process.Signal(syscall.SIGQUIT)
		if meanwhile != nil {
			meanwhile()
		}
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	}
}

func (s *Server) remove() error {
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("removing the sandbox folder %s: %w", s.dir, err)
	}
	return nil
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	return tail(string(b), 600)
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " | ")), " ")
}

// ownerID is "pid start-time": a pid alone may have been reused.
func ownerID(pid int) string {
	return strconv.Itoa(pid) + " " + startTime(pid)
}

// startTime is the process's start time in clock ticks since boot (Linux
// /proc/PID/stat field 22); "" where there is no /proc.
func startTime(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name (field 2) may hold spaces and parentheses: the
	// fields after it start at the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// alive reports whether the owner recorded in a sandbox folder still runs.
func alive(owner string) bool {
	f := strings.Fields(owner)
	if len(f) == 0 {
		return false
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	return len(f) < 2 || startTime(pid) == f[1]
}

// Sweep stops and removes the sandboxes of runs that were killed before
// they could (kill -9 of dbguard, a CI runner cancelled): every
// dbguard-sandbox-* folder in the temporary folder that belongs to this
// user (or, as root, to the postgres user) and whose owner process is gone.
// It returns the folders it removed.
func Sweep() []string { return SweepLeftovers(time.Minute, prefix) }

// MarkOwner writes the owner file of a folder a server will run in: this
// process, by pid and start time, for SweepLeftovers to tell a live
// process's folder from a killed one's.
func MarkOwner(dir string) error {
	return os.WriteFile(filepath.Join(dir, "owner"), []byte(ownerID(os.Getpid())), 0o600)
}

// SweepLeftovers is Sweep for the folders whose names start with one of
// prefixes (a server's folder, with its data in data/, or any folder with
// an owner file, MarkOwner), in the temporary folder, /tmp and /dev/shm:
// it stops the server of each one of this user's whose owner process is
// gone and removes the folder. A folder without an owner file is left
// alone for unowned after it was last changed: a process may be setting
// it up, or (pgtest's, made before the owner file existed) still using
// it. internal/pgtest sweeps its test servers' and test folders with it.
// Each folder's names are read once, whatever the prefixes (a /tmp of 900
// entries costs about 0.3 ms). It returns the folders it removed.
func SweepLeftovers(unowned time.Duration, prefixes ...string) []string {
	var matches []string
	for _, b := range bases() {
		f, err := os.Open(b)
		if err != nil {
			continue
		}
		names, _ := f.Readdirnames(-1)
		f.Close()
		for _, n := range names {
			if slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(n, p) }) {
				matches = append(matches, filepath.Join(b, n))
			}
		}
	}
	var removed []string
	for _, dir := range matches {
		fi, err := os.Lstat(dir)
		if err != nil || !fi.IsDir() || !ownedByUs(fi) {
			continue
		}
		owner, err := os.ReadFile(filepath.Join(dir, "owner"))
		if err == nil && alive(string(owner)) {
			continue
		}
		if err != nil && time.Since(fi.ModTime()) < unowned {
			continue // being set up right now by another run
		}
		stopLeftover(dir)
		if os.RemoveAll(dir) == nil {
			removed = append(removed, dir)
		}
	}
	return removed
}

// stopLeftover stops the server of a leftover sandbox, if one still runs:
// the pid in its postmaster.pid, only when that process is a postgres whose
// command line names this data folder (a pid file can be stale or planted).
func stopLeftover(dir string) {
	data := filepath.Join(dir, "data")
	f, err := os.Open(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
	if err != nil || pid <= 1 {
		return
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !slices.Contains(strings.Split(string(cmdline), "\x00"), data) {
		return
	}
	if syscall.Kill(pid, syscall.SIGQUIT) != nil {
		return
	}
	for i := 0; i < 100; i++ {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

// chownTo gives a copied file to cred's user, by the copy's descriptor
// (fd -1: a folder, by its path); nil when cred is.
func chownTo(cred *syscall.Credential) func(string, int) error {
	if cred == nil {
		return nil
	}
	return func(p string, fd int) error {
		if fd >= 0 {
			if err := syscall.Fchown(fd, int(cred.Uid), int(cred.Gid)); err != nil {
				return &os.PathError{Op: "fchown", Path: p, Err: err}
			}
			return nil
		}
		return os.Lchown(p, int(cred.Uid), int(cred.Gid))
	}
}
