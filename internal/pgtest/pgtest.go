// Package pgtest gives tests a real PostgreSQL server, never a mock.
//
// It uses the server named by DBGUARD_TEST_DATABASE_URL when that is set (the
// role must be allowed to create databases); otherwise it starts a throwaway
// cluster from the local PostgreSQL binaries (pg_config --bindir, or Debian's
// /usr/lib/postgresql/N/bin) once per test binary, as the postgres user when
// running as root, on a free port, and removes it when the tests end. Each
// test gets a fresh database, dropped once the test has ended (in the
// background: Main waits for the drops); tests that would build the same
// database again and again get copies of one built once (TemplateDB). A
// test that stops or reconfigures its server gets a cluster of its own
// (Own). Clusters are copies of a template initialised once per machine and
// kept in the user's cache folder, so no test binary pays for initdb.
//
// A throwaway server is the test binary's child, not a daemon: the kernel
// stops it when the binary dies without stopping it (SIGKILL, a -timeout
// panic, Ctrl-C), and the next Start sweeps the folders such a binary
// left (sandbox.SweepLeftovers): those whose owner process is gone, never
// a running binary's.
//
// When no server can be had, tests fail with a message saying how to get
// one. They never skip: a silently skipped database test is a green CI that
// tested nothing.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/sandbox"
	"github.com/dbguard/dbguard/internal/testutil/tmpfs"

	"github.com/golang-migrate/migrate/v4/database"
	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable holding an existing server's admin URL.
const EnvURL = "DBGUARD_TEST_DATABASE_URL"

// EnvCPU names a variable that, set to 1, makes Main and Own's cleanup
// print the CPU time each throwaway server used (the postmaster and every
// backend it has reaped), for finding where a suite's time goes: a test
// binary's own rusage lumps the server with every other child (and, before
// round 11, left it out: pg_ctl made it a daemon). The
// server then also logs its connections, and Stop prints how many each
// test made and into how many databases (connTally): a backend costs the
// server about 33 ms of CPU here, so the count says what a test costs it.
const EnvCPU = "DBGUARD_PGTEST_CPU"

// Password is the superuser password of a throwaway cluster. It contains
// "S3cret" so the end-to-end leak checks would catch it in any output.
const Password = "pgtest-S3cret-pw"

// Server is a running PostgreSQL server.
type Server struct {
	AdminURL string // a superuser URL to the maintenance database
	Host     string
	Port     string
	BinDir   string // the server binaries ("" when EnvURL is used)
	dir      string // the throwaway cluster's directory; "" when not ours
	asUser   string // run server programs as this user ("" for ourselves)

	cmd  *exec.Cmd     // the postmaster Run started
	done chan struct{} // closed when it has exited

	adminMu sync.Mutex
	admin   *pgx.Conn // CreateDatabase's and DropDatabase's connection

	dropMu   sync.Mutex
	dropQ    []string       // databases of ended tests, to drop
	dropping bool           // a dropper goroutine is running
	dropWG   sync.WaitGroup // the dropper
	dropConn *pgx.Conn      // the dropper's connection, kept between drops
	dropErr  error          // what the dropper could not drop

	tmplMu sync.Mutex
	tmpls  map[string]*template // TemplateDB's databases, by key
}

// template is a database TemplateDB built once for its key.
type template struct {
	ready chan struct{} // closed once built (or failed)
	name  string        // "" until built
	err   error
}

var (
	once    sync.Once
	shared  *Server
	initErr error
)

// Main runs the tests of a package and stops the cluster started for them.
// Use it from TestMain: func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }.
//
// Unless -parallel was given, Main lets four times as many parallel tests
// run at once as there are processors (the testing package's default is
// one per processor): a database test mostly waits, on round trips, on
// the server's checkpoints for CREATE DATABASE, on lock timeouts, so one
// per processor left them idle.
//
// Main also puts the test binary's temporary files in memory, the
// server's cluster with them, when TMPDIR is unset (tmpfs.InMemory): on
// an ext4 /tmp without a journal, each file a CREATE DATABASE copies
// cost the server a scan of the inode table past the inodes deleted in
// the last few seconds, which perf put at about 40% of internal/plan's
// CPU.
//
// Main first sweeps what test binaries killed before they could clean up
// left (see Run and TempDir).
func Main(m *testing.M) int {
	tmpfs.InMemory()
	sweep()
	waitersInParallel(4 * runtime.GOMAXPROCS(0))
	code := m.Run()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
			if code == 0 {
				code = 1 // a database left behind fails the run, as it failed its test
			}
		}
	}
	return code
}

// waitersInParallel sets -test.parallel to n unless it was given.
func waitersInParallel(n int) {
	if !flag.Parsed() {
		flag.Parse()
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", strconv.Itoa(n))
	}
}

// MainSharingSandbox is Main for a package whose tests preview migrations
// (migrate plan, the shadow database): the previews share sandbox
// servers, one per processor, each started on first use and reset to a
// fresh cluster's state before each preview (sandbox.ShareInProcess; a
// parallel test's preview waits for a free one), instead of starting one
// each (~0.8 s of CPU apiece). Only for packages with no test that proves a preview's
// server is stopped and removed: those belong where each preview starts
// its own (internal/sandbox, cmd/dbguard's process tests).
func MainSharingSandbox(m *testing.M) int {
	stop := sandbox.ShareInProcess(runtime.GOMAXPROCS(0))
	defer stop()
	return Main(m)
}

// Get returns the shared server, starting it on first use.
func Get() (*Server, error) {
	once.Do(func() {
		if u := os.Getenv(EnvURL); u != "" {
			shared, initErr = fromURL(u)
			return
		}
		shared, initErr = Start()
	})
	return shared, initErr
}

func fromURL(raw string) (*Server, error) {
	cfg, err := pgx.ParseConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("%s is not a usable connection string: %w", EnvURL, err)
	}
	return &Server{AdminURL: raw, Host: cfg.Host, Port: strconv.Itoa(int(cfg.Port))}, nil
}

// BinDir finds the PostgreSQL server binaries.
func BinDir() (string, error) {
	var tried []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
		tried = append(tried, dir)
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(matches, func(i, j int) bool { return versionOf(matches[i]) > versionOf(matches[j]) })
	if len(matches) > 0 {
		return filepath.Dir(matches[0]), nil
	}
	tried = append(tried, "/usr/lib/postgresql/*/bin")
	return "", fmt.Errorf("no initdb found (looked in %s): install the server (apt-get install -y postgresql) or set %s=postgres://user:password@host:port/postgres",
		strings.Join(tried, ", "), EnvURL)
}

func versionOf(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// folderPrefix names a throwaway cluster's folder in the temporary folder.
const folderPrefix = "dbguard-pgtest-"

// unowned is how long a cluster's folder without an owner file is left
// alone by the sweep: longer than any test binary runs (-timeout 30m in
// CI), for the folders of a pgtest from before the owner file, whose
// server pg_ctl had made a daemon and may still serve a running binary.
const unowned = 2 * time.Hour

// tempPrefix names the folders TempDir makes. Each has its owner file
// from the start, so unowned's wait only spares the one being made.
const tempPrefix = "dbguard-t-"

var sweepOnce sync.Once

// sweep stops and removes, once per test binary, the clusters and the
// TempDir folders of test binaries that were killed before they could
// (see Run): globs of three folders and an owner file read per folder
// found.
func sweep() { sweepOnce.Do(func() { SweepLeftovers() }) }

// SweepLeftovers stops and removes the throwaway clusters and the TempDir
// folders of test binaries that are gone, and returns the folders it
// removed. Main and Start do it once per test binary.
func SweepLeftovers() []string {
	return sandbox.SweepLeftovers(unowned, folderPrefix, tempPrefix)
}

// TempDir makes a folder in the temporary folder for the test binary's
// own use, to be removed by the caller, as os.MkdirTemp does; a binary
// killed before it could leaves it to the next binary's sweep (Main,
// Start), which removes it once its owner process is gone. Its name is
// short (dbguard-t- and ten digits): tests put Unix sockets in such
// folders, whose paths must fit in 107 bytes.
func TempDir() (string, error) {
	dir, err := os.MkdirTemp("", tempPrefix)
	if err != nil {
		return "", err
	}
	if err := sandbox.MarkOwner(dir); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// Start initialises and starts a new throwaway cluster, after sweeping
// the leftovers of killed test binaries.
func Start() (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	sweep()
	dir, err := os.MkdirTemp("", folderPrefix)
	if err != nil {
		return nil, err
	}
	s := &Server{Host: "127.0.0.1", BinDir: bin, dir: dir}
	// The owner file tells the sweep of a later binary that this folder's
	// binary still runs.
	if err := sandbox.MarkOwner(dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		s.asUser = "postgres"
		if err := chownTo(dir, s.asUser); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root, but cannot hand %s to the postgres user: %w (create the user: apt-get install -y postgresql)", dir, err)
		}
	}
	if err := s.initdb(); err != nil {
		return nil, s.fail(err)
	}
	for attempt := 0; ; attempt++ {
		if s.Port, err = FreePort(); err != nil {
			return nil, s.fail(err)
		}
		err = s.Run()
		if err == nil || attempt == 2 {
			break
		}
	}
	if err != nil {
		return nil, s.fail(err)
	}
	s.AdminURL = s.URL("postgres")
	return s, nil
}

// initArgs are initdb's arguments after -D and --pwfile.
var initArgs = []string{"-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"}

// initdb makes the cluster's data directory: a copy of the template
// cluster cached for these binaries (an initdb costs about a second of CPU
// and every test binary of the suite starts a cluster; a copy costs a
// tenth of that), else a fresh initdb, which then becomes the template.
// The template is never started: each copy is a cluster of its own.
func (s *Server) initdb() error {
	tmpl := templateDir(s.BinDir)
	if tmpl != "" {
		if err := sandbox.CopyCluster(tmpl, s.DataDir(), nil); err == nil {
			if s.asUser == "" {
				return nil
			}
			if err := chownTo(s.DataDir(), s.asUser); err == nil {
				return nil
			}
		}
		os.RemoveAll(s.DataDir())
	}
	pwfile := filepath.Join(s.dir, "pwfile")
	if err := s.writeFile(pwfile, Password+"\n"); err != nil {
		return err
	}
	args := append([]string{"-D", s.DataDir(), "--pwfile", pwfile}, initArgs...)
	if out, err := s.Command("initdb", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	if tmpl != "" {
		saveTemplate(s.DataDir(), tmpl)
	}
	return nil
}

// templateDir is where the template cluster for the binaries in bin is
// cached: the user's cache folder, named for the binaries (their folder
// and initdb's size and time), the password and initdb's arguments; ""
// when there is no cache folder.
func templateDir(bin string) string {
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	fi, err := os.Stat(filepath.Join(bin, "initdb"))
	if err != nil {
		return ""
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d\x00%s\x00%s", bin, fi.Size(), fi.ModTime().UnixNano(), Password, strings.Join(initArgs, " ")))
	return filepath.Join(base, "dbguard", "pgtest", fmt.Sprintf("cluster-%x", h[:8]))
}

// saveTemplate copies a fresh cluster to the cache, atomically: a copy in
// a temporary folder beside it, renamed into place (when test binaries
// race, the first rename wins and the others' copies are dropped). Failing
// to cache is not an error.
func saveTemplate(data, tmpl string) {
	if err := os.MkdirAll(filepath.Dir(tmpl), 0o700); err != nil {
		return
	}
	tmp, err := os.MkdirTemp(filepath.Dir(tmpl), ".new-")
	if err != nil {
		return
	}
	defer os.RemoveAll(tmp)
	dst := filepath.Join(tmp, "data")
	if sandbox.CopyCluster(data, dst, nil) == nil {
		_ = os.Rename(dst, tmpl)
	}
}

// Run starts the server process of a cluster initialised by Start. Tests
// that restart the server (to test a database that comes and goes) call
// Halt and then Run.
//
// The postmaster is this process's child (pg_ctl start would make it a
// daemon), in a process group of its own, with SIGQUIT (immediate
// shutdown) as its parent death signal (sandbox.Detach): a test binary
// killed before Main could stop it, by SIGKILL, a -timeout panic or a
// second Ctrl-C, took its server with it (a daemon ran on for an hour and
// more, holding its memory and port). The kernel sends it when the OS
// thread that started the server ends, not only the process: Go ends a
// thread only when a goroutine that locked it (runtime.LockOSThread)
// returns without unlocking it, which no test may do. Run waits, as
// pg_ctl -w did, until the server says in postmaster.pid that it is ready.
//
// Autovacuum is off: with the hundreds of short-lived databases a test
// binary makes, its workers (a backend each) cost the server about 19 ms
// of CPU a second (60 databases, idle: 57 ticks in 30 s, 5 with it off),
// and no test may depend on when it runs (the tests that need statistics
// ANALYZE).
func (s *Server) Run() error {
	args := []string{"-D", s.DataDir(), "-p", s.Port, "-k", s.dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "autovacuum=off"}
	if os.Getenv(EnvCPU) == "1" {
		args = append(args, "-c", "log_connections=on")
	}
	logPath := filepath.Join(s.dir, "server.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := s.Command("postgres", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	sandbox.Detach(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting postgres on port %s: %w", s.Port, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	failed := func(why string) error {
		log, _ := os.ReadFile(logPath)
		return fmt.Errorf("postgres on port %s %s\n%s", s.Port, why, tail(string(log), 2000))
	}
	deadline := time.Now().Add(60 * time.Second)
	for !sandbox.PostmasterReady(s.DataDir(), cmd.Process.Pid) {
		select {
		case <-done:
			return failed("exited while starting: " + cmd.ProcessState.String())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.signal(syscall.SIGQUIT, 10*time.Second)
			return failed("was not ready after 60 s")
		}
	}
	return nil
}

// signal sends sig to the postmaster Run started and waits up to wait for
// it to exit, then kills it; it reports whether a server was running.
func (s *Server) signal(sig syscall.Signal, wait time.Duration) bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(wait):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	return true
}

// Halt stops the server process but keeps the cluster, for Run to restart.
func (s *Server) Halt() error {
	if s.dir == "" {
		return errors.New("pgtest: cannot halt a server given by " + EnvURL)
	}
	if err := s.waitDrops(); err != nil {
		return err
	}
	s.closeAdmin()
	// SIGINT: fast shutdown, as pg_ctl -m fast, so the restart finds a
	// cluster shut down cleanly.
	if !s.signal(syscall.SIGINT, 60*time.Second) {
		return errors.New("pgtest: halting the server: it is not running")
	}
	return nil
}

// Stop stops a throwaway cluster and removes it; a server given by EnvURL is
// left alone.
func (s *Server) Stop() error {
	s.dropTemplates()
	dropErr := s.waitDrops()
	s.closeAdmin()
	if s.dir == "" {
		return dropErr
	}
	if os.Getenv(EnvCPU) == "1" {
		if cpu, ok := s.cpu(); ok {
			fmt.Fprintf(os.Stderr, "pgtest: server on port %s used %.2f s of CPU\n", s.Port, cpu.Seconds())
		}
		if log, err := os.ReadFile(filepath.Join(s.dir, "server.log")); err == nil {
			fmt.Fprint(os.Stderr, connTally(s.Port, log, 25))
		}
	}
	// SIGQUIT: immediate shutdown; the cluster is thrown away.
	s.signal(syscall.SIGQUIT, 30*time.Second)
	return errors.Join(dropErr, os.RemoveAll(s.dir))
}

// cpu is the CPU time the server has used so far: the postmaster's user
// and system time and that of the children it has waited for (backends
// that ended; those still connected are left out). Linux only.
func (s *Server) cpu() (time.Duration, bool) {
	pidFile, err := os.ReadFile(filepath.Join(s.DataDir(), "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	pid, _, _ := strings.Cut(string(pidFile), "\n")
	stat, err := os.ReadFile("/proc/" + strings.TrimSpace(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The fields after the command name (which may hold spaces) start at
	// the last ')'; utime, stime, cutime and cstime are fields 14-17.
	i := strings.LastIndexByte(string(stat), ')')
	f := strings.Fields(string(stat)[i+1:])
	if i < 0 || len(f) < 15 {
		return 0, false
	}
	var ticks int64
	for _, v := range f[11:15] {
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / 100, true // USER_HZ is 100 on Linux
}

var connRE = regexp.MustCompile(`connection authorized: user=\S+ database=(\S+)`)

// connTally reads a server log written with log_connections=on and
// returns, as lines to print, the connections and databases of the top
// tests by connections: a database's name is its test's name (sanitized,
// cut at 40 characters) and a random suffix (CreateDatabase), so
// connections group by test; the maintenance databases (postgres,
// template1) are grouped under their own names.
func connTally(port string, log []byte, top int) string {
	type tally struct {
		name       string
		conns, dbs int
	}
	byTest := map[string]*tally{}
	seen := map[string]bool{}
	total := 0
	for _, m := range connRE.FindAllSubmatch(log, -1) {
		db := string(m[1])
		test := db
		if i := strings.LastIndexByte(db, '_'); i > 0 && len(db)-i == 9 {
			if _, err := hex.DecodeString(db[i+1:]); err == nil {
				test = db[:i]
			}
		}
		t := byTest[test]
		if t == nil {
			t = &tally{name: test}
			byTest[test] = t
		}
		t.conns++
		total++
		if !seen[db] {
			seen[db] = true
			t.dbs++
		}
	}
	all := make([]*tally, 0, len(byTest))
	for _, t := range byTest {
		all = append(all, t)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].conns != all[j].conns {
			return all[i].conns > all[j].conns
		}
		return all[i].name < all[j].name
	})
	var b strings.Builder
	fmt.Fprintf(&b, "pgtest: server on port %s: %d connections into %d databases from %d tests\n", port, total, len(seen), len(byTest))
	for i, t := range all {
		if i == top {
			break
		}
		fmt.Fprintf(&b, "pgtest:   %5d connections %4d databases  %s\n", t.conns, t.dbs, t.name)
	}
	return b.String()
}

// DataDir is the cluster's data directory.
func (s *Server) DataDir() string { return filepath.Join(s.dir, "data") }

// Dir is a scratch directory owned by the server's user, for helpers such
// as PgBouncer that run beside it.
func (s *Server) Dir() string { return s.dir }

// Command runs a server program as the right user.
func (s *Server) Command(name string, args ...string) *exec.Cmd {
	path := name
	if s.BinDir != "" && !strings.Contains(name, "/") {
		if _, err := os.Stat(filepath.Join(s.BinDir, name)); err == nil {
			path = filepath.Join(s.BinDir, name)
		}
	}
	cmd := exec.Command(path, args...)
	if s.asUser != "" {
		// Run as the server's user directly (not through runuser), so that
		// signals reach the program itself.
		if u, err := user.Lookup(s.asUser); err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
			cmd.Env = append(os.Environ(), "HOME="+s.dir, "USER="+s.asUser)
			cmd.Dir = s.dir
		}
	}
	return cmd
}

// writeFile writes a file the server's user can read.
func (s *Server) writeFile(path, body string) error {
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		return err
	}
	if s.asUser != "" {
		return chownTo(path, s.asUser)
	}
	return nil
}

// WriteFile writes a file in the server's scratch directory, readable by
// the server's user, and returns its path.
func (s *Server) WriteFile(name, body string) (string, error) {
	p := filepath.Join(s.dir, name)
	return p, s.writeFile(p, body)
}

func (s *Server) fail(err error) error {
	os.RemoveAll(s.dir)
	return err
}

// URL returns a superuser URL to database db, with the password.
func (s *Server) URL(db string) string {
	if s.dir == "" {
		u, err := url.Parse(s.AdminURL)
		if err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
			u.Path = "/" + db
			return u.String()
		}
		cfg, _ := pgx.ParseConfig(s.AdminURL)
		return fmt.Sprintf("postgres://%s:%s@%s/%s", url.PathEscape(cfg.User), url.PathEscape(cfg.Password), net.JoinHostPort(s.Host, s.Port), db)
	}
	return fmt.Sprintf("postgres://postgres:%s@%s/%s?sslmode=disable", url.PathEscape(Password), net.JoinHostPort(s.Host, s.Port), db)
}

// CreateDatabase creates a database with a unique name and returns its name
// and URL.
func (s *Server) CreateDatabase(ctx context.Context, prefix string) (name, dbURL string, err error) {
	return s.createDatabase(ctx, prefix, "")
}

// createDatabase is CreateDatabase, copying the database tmpl when it is
// not "" (template1 otherwise).
func (s *Server) createDatabase(ctx context.Context, prefix, tmpl string) (name, dbURL string, err error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name = fmt.Sprintf("%s_%s", sanitize(prefix), hex.EncodeToString(b))
	err = s.withAdmin(ctx, func(conn *pgx.Conn) error {
		create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
		if tmpl != "" {
			create += " TEMPLATE " + pgx.Identifier{tmpl}.Sanitize()
		}
		if fileCopy(conn) {
			create += " STRATEGY = FILE_COPY"
		}
		if _, err := conn.Exec(ctx, create); err != nil {
			return fmt.Errorf("pgtest: creating database %s: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return "", "", err
	}
	return name, s.URL(name), nil
}

// withAdmin runs f on the server's admin connection, one caller at a time,
// connecting on first use and again after an error. A connection costs
// the server about 30 ms of CPU (a backend started and ended) and the
// suite creates and drops hundreds of databases: one connection for all
// of them, not two per database.
func (s *Server) withAdmin(ctx context.Context, f func(*pgx.Conn) error) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	if s.admin == nil || s.admin.IsClosed() {
		conn, err := pgx.Connect(ctx, s.AdminURL)
		if err != nil {
			return fmt.Errorf("pgtest: connecting to the test server: %w", err)
		}
		s.admin = conn
	}
	err := f(s.admin)
	if err != nil {
		// The connection may be broken or mid-transaction: start again.
		s.admin.Close(context.Background())
		s.admin = nil
	}
	return err
}

// closeAdmin closes the admin connection, if one is open.
func (s *Server) closeAdmin() {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	if s.admin != nil {
		s.admin.Close(context.Background())
		s.admin = nil
	}
}

// fileCopy reports whether the server can copy template1's files for a new
// database (PostgreSQL 15 and later) rather than write every page of it
// through the WAL, 15's default: with fsync off, a copy costs the server
// 20-40 ms of CPU where the WAL way costs 60-115 ms, and the suite makes
// hundreds of databases. The database is the same either way.
func fileCopy(conn *pgx.Conn) bool {
	// server_version is reported in the startup ("15.18 (Debian ...)",
	// "16beta1"); server_version_num is not.
	v := conn.PgConn().ParameterStatus("server_version")
	n := 0
	for n < len(v) && v[n] >= '0' && v[n] <= '9' {
		n++
	}
	major, _ := strconv.Atoi(v[:n])
	return major >= 15
}

// DropDatabase drops a database, disconnecting anyone still using it.
func (s *Server) DropDatabase(ctx context.Context, name string) error {
	return s.withAdmin(ctx, func(conn *pgx.Conn) error { return dropDatabase(ctx, conn, name) })
}

// DropDatabaseLater drops a database made by CreateDatabase in the
// background, as NamedDB's cleanup does (see dropLater): the caller goes
// on at once, and Main, Stop and Halt wait for the drop and fail the run
// if it failed.
func (s *Server) DropDatabaseLater(name string) { s.dropLater(name) }

// dropDatabase drops database name on conn, ending the sessions still in
// it.
func dropDatabase(ctx context.Context, conn *pgx.Conn, name string) error {
	_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

// dropLater drops database name in the background, on a connection of
// its own (so CreateDatabase never waits behind a drop): a test's
// cleanup returns at once and the next test starts. A drop mostly
// waits: DROP DATABASE ... WITH (FORCE) ends the sessions still in the
// database and then sleeps in steps of 100 ms until they have exited,
// and a test's own connections, closed a moment before in its cleanup,
// most often have not (pg_terminate_backend's wait polls in the same
// steps); then a checkpoint. 10-130 ms a drop, 8 drops measured at load
// 17, about half of them 100 ms more than the rest. waitDrops waits for
// the drops queued so far.
func (s *Server) dropLater(name string) {
	s.dropMu.Lock()
	defer s.dropMu.Unlock()
	s.dropQ = append(s.dropQ, name)
	if !s.dropping {
		s.dropping = true
		s.dropWG.Add(1)
		go s.dropper()
	}
}

// dropper drops the queued databases, one at a time, until none is left.
func (s *Server) dropper() {
	defer s.dropWG.Done()
	ctx := context.Background()
	for {
		s.dropMu.Lock()
		if len(s.dropQ) == 0 {
			s.dropping = false
			s.dropMu.Unlock()
			return
		}
		name := s.dropQ[0]
		s.dropQ = s.dropQ[1:]
		s.dropMu.Unlock()
		err := func() error {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if s.dropConn == nil || s.dropConn.IsClosed() {
				c, err := pgx.Connect(ctx, s.AdminURL)
				if err != nil {
					return err
				}
				s.dropConn = c
			}
			return dropDatabase(ctx, s.dropConn, name)
		}()
		if err != nil {
			s.dropMu.Lock()
			s.dropErr = errors.Join(s.dropErr, fmt.Errorf("pgtest: dropping %s: %w", name, err))
			s.dropMu.Unlock()
		}
	}
}

// WaitDrops waits until the databases of the tests that have ended are
// dropped and returns what could not be. A serial test that reads the
// cluster's list of databases, to see that nothing came or went, calls
// it first.
func (s *Server) WaitDrops() error { return s.waitDrops() }

// waitDrops waits until the databases given to dropLater are dropped,
// closes the dropper's connection and returns what could not be dropped.
func (s *Server) waitDrops() error {
	s.dropWG.Wait()
	s.dropMu.Lock()
	defer s.dropMu.Unlock()
	if s.dropConn != nil {
		s.dropConn.Close(context.Background())
		s.dropConn = nil
	}
	err := s.dropErr
	s.dropErr = nil
	return err
}

func sanitize(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if len(out) > 40 {
		out = out[:40]
	}
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "t_" + out
	}
	return out
}

// DB returns the URL of a fresh database for t, dropped after t ends. It
// fails t, with how to get a server, when none can be had.
func DB(t testing.TB) string {
	t.Helper()
	_, u := NamedDB(t)
	return u
}

// NamedDB is DB, also returning the database name.
func NamedDB(t testing.TB) (name, dbURL string) {
	t.Helper()
	return Must(t).NamedDB(t)
}

// Own starts a cluster for t alone, stopped and removed when t ends: for
// the tests that stop, restart or reconfigure their server, which would
// pull it from under every other test on the shared one. It is a copy of
// the cached template cluster, so it costs a server start, not an initdb.
// It fails t, saying how to get the server binaries, when it cannot start.
func Own(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatalf("pgtest: no PostgreSQL server of its own for this test: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return s
}

// NamedDB creates a fresh database on s for t, dropped after t ends (in
// the background: Main, Stop and Halt wait for the drops), and returns
// its name and URL.
func (s *Server) NamedDB(t testing.TB) (name, dbURL string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name, dbURL, err := s.CreateDatabase(ctx, t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.dropLater(name) })
	return name, dbURL
}

// TemplateDB is NamedDB for a database that build fills the same way for
// many tests (a schema migrated up, rows, statistics): build runs once per
// key in the test binary, on a database of its own that then serves as the
// template, and each test gets a copy of it (CREATE DATABASE ... TEMPLATE,
// the files copied), dropped after the test as NamedDB's is. The copy is
// the database build made, catalogs, rows and statistics, but for what
// PostgreSQL keeps outside a database, which is not copied: roles, ALTER
// DATABASE's settings, a database's comment. build must close every
// connection it opened. When build fails, every test asking for the key
// fails with its error.
func TemplateDB(t testing.TB, key string, build func(ctx context.Context, dbURL string) error) (name, dbURL string) {
	t.Helper()
	return Must(t).TemplateDB(t, key, build)
}

// TemplateDB is the package's TemplateDB on s. The templates are dropped
// by Stop.
func (s *Server) TemplateDB(t testing.TB, key string, build func(ctx context.Context, dbURL string) error) (name, dbURL string) {
	t.Helper()
	tmpl, err := s.template(key, build)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name, dbURL, err = s.createDatabase(ctx, t.Name(), tmpl)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.dropLater(name) })
	return name, dbURL
}

// template returns the name of key's template database, building it
// first if no one has (the others asking for it wait).
func (s *Server) template(key string, build func(ctx context.Context, dbURL string) error) (string, error) {
	s.tmplMu.Lock()
	if s.tmpls == nil {
		s.tmpls = map[string]*template{}
	}
	tp, ok := s.tmpls[key]
	if !ok {
		tp = &template{ready: make(chan struct{})}
		s.tmpls[key] = tp
	}
	s.tmplMu.Unlock()
	if ok {
		<-tp.ready
		return tp.name, tp.err
	}
	defer close(tp.ready)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	name, dbURL, err := s.createDatabase(ctx, "tmpl", "")
	if err == nil {
		err = build(ctx, dbURL)
		if err == nil {
			// No one may connect to it now: a connection would make every
			// copy wait for it, then fail.
			err = s.withAdmin(ctx, func(conn *pgx.Conn) error {
				_, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" ALLOW_CONNECTIONS false")
				return err
			})
		}
		if err != nil {
			s.dropLater(name)
		}
	}
	if err != nil {
		tp.err = fmt.Errorf("pgtest: building the template database for %.40q: %w", key, err)
		return "", tp.err
	}
	tp.name = name
	return name, nil
}

// dropTemplates queues the drops of TemplateDB's templates, built so far.
func (s *Server) dropTemplates() {
	s.tmplMu.Lock()
	defer s.tmplMu.Unlock()
	for key, tp := range s.tmpls {
		select {
		case <-tp.ready:
			if tp.name != "" {
				s.dropLater(tp.name)
			}
			delete(s.tmpls, key)
		default: // still being built: Stop runs after every test
		}
	}
}

// Must returns the shared server or fails t saying how to get one.
func Must(t testing.TB) *Server {
	t.Helper()
	s, err := Get()
	if err != nil {
		t.Fatalf("pgtest: no PostgreSQL server for this test: %v", err)
	}
	return s
}

func chownTo(path, name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return filepath.Walk(path, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// HoldMigrationLock takes golang-migrate's advisory lock for database name
// (schema public, table schema_migrations) on its own connection, as
// another migration run would, and returns the function that releases it.
// appName, if set, is the holder's application_name.
func HoldMigrationLock(t testing.TB, name, dbURL, appName string) (release func()) {
	t.Helper()
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if appName != "" {
		cfg.RuntimeParams["application_name"] = appName
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := database.GenerateAdvisoryLockId(name, "public", "schema_migrations")
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1::bigint)", id); err != nil {
		conn.Close(ctx)
		t.Fatal(err)
	}
	released := false
	release = func() {
		if !released {
			released = true
			_, _ = conn.Exec(ctx, "SELECT pg_advisory_unlock($1::bigint)", id)
			conn.Close(ctx)
		}
	}
	t.Cleanup(release)
	return release
}
