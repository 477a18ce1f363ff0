//go:build !windows

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// The helper process: started by TestKilledParentLeavesNothing, it starts a
// sandbox, says where, and waits to be killed.
//
// The package's tests keep out of the user's cache (~/.cache/dbguard,
// shared by every run on the machine): their templates, versions and
// pg_config answers go to a cache folder of the run's own, made here
// and shared by its tests (one initdb for the template), which a test
// of the cache replaces with its own.
func TestMain(m *testing.M) {
	if os.Getenv("SANDBOX_HELPER") == "1" {
		s, err := Start(context.Background(), Options{})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Printf("dir=%s pid=%d\n", s.dir, s.cmd.Process.Pid)
		time.Sleep(time.Hour)
	}
	realCache, _ = os.UserCacheDir()
	cache, err := os.MkdirTemp("", "dbguard-sandbox-test-cache-")
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	// Its name starts as a sandbox's: with no owner file, the Sweep of
	// any run beside this one removed it after a minute, template and
	// all; with one, only once this run is gone.
	if err := MarkOwner(cache); err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	os.Setenv("XDG_CACHE_HOME", cache)
	code := m.Run()
	os.RemoveAll(cache)
	os.Exit(code)
}

// realCache is the user's cache folder before TestMain set the run's own.
var realCache string

// TestTestsKeepOutOfTheUserCache: a test that starts a sandbox without a
// cache of its own wrote its template, version and pg_config entries to
// the user's cache, shared by every run on the machine.
func TestTestsKeepOutOfTheUserCache(t *testing.T) {
	d := versionsDir()
	if realCache != "" && (d == "" || strings.HasPrefix(d, realCache+string(filepath.Separator))) {
		t.Errorf("the tests' cache is %s, in the user's cache %s", d, realCache)
	}
}

func mustFind(t *testing.T) {
	t.Helper()
	if len(Find()) == 0 {
		t.Fatalf("no PostgreSQL server binaries: %v", (&MissingError{}).Hint())
	}
}

// TestStartClose: the sandbox is a real server, reachable only through a
// socket in a private folder, and nothing of it is left after Close.
func TestStartClose(t *testing.T) {
	mustFind(t)
	ctx := context.Background()
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("the sandbox folder %s is %v (%v), want 0700", s.dir, fi.Mode(), err)
	}
	conn, err := pgx.Connect(ctx, s.AdminURL().DriverString())
	if err != nil {
		t.Fatal(err)
	}
	var listen, fsync string
	if err := conn.QueryRow(ctx, "SELECT current_setting('listen_addresses'), current_setting('fsync')").Scan(&listen, &fsync); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if listen != "" || fsync != "off" {
		t.Errorf("listen_addresses=%q fsync=%s: want no TCP listener and fsync off", listen, fsync)
	}
	pid := s.cmd.Process.Pid
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the sandbox folder is still there: %v", err)
	}
	if syscall.Kill(pid, 0) == nil {
		t.Errorf("the server (pid %d) still runs after Close", pid)
	}
}

// Start waits for the server to say it is ready (postmaster.pid) before it
// connects: a connection tried while the server starts is a backend forked
// only to say "starting up" (25-26 in 10 starts at load 20 before).
func TestStartConnectsOnceReady(t *testing.T) {
	mustFind(t)
	for i := 0; i < 3; i++ {
		s, err := Start(context.Background(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		log, err := os.ReadFile(filepath.Join(s.dir, "server.log"))
		if cerr := s.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(log), "the database system is starting up"); n > 0 {
			t.Fatalf("start %d: %d connections were tried while the server started:\n%s", i+1, n, log)
		}
	}
}

// TestPmStatusIsTheStartedServers: the start trusts only a postmaster.pid
// that names the process it started (line 1) and says "ready" (line 8,
// PostgreSQL 10 and later): a file left by another server in the folder,
// one still being written, or one saying "starting" is not ready, so no
// connection is tried on its word.
func TestPmStatusIsTheStartedServers(t *testing.T) {
	const pid = 4242
	file := func(pid int, status string) string {
		return fmt.Sprintf("%d\n/data\n1700000000\n5432\n/sock\n\n  5432001    196608\n%s\n", pid, status)
	}
	for _, c := range []struct {
		name, content string // content "": no file
		major         int
		want          string
	}{
		{"no file yet", "", 15, ""},
		{"ready", file(pid, "ready   "), 15, "ready"},
		{"starting", file(pid, "starting"), 15, "starting"},
		{"another server's, ready", file(pid+1, "ready   "), 15, ""},
		{"a pid that only starts like ours", file(pid*10, "ready   "), 15, ""},
		{"the status line not written yet", fmt.Sprintf("%d\n/data\n1700000000\n5432\n/sock\n\n  5432001    196608\n", pid), 15, ""},
		{"before 10: ours, no status line", fmt.Sprintf("%d\n/data\n1700000000\n5432\n/sock\n\n", pid), 9, "ready"},
		{"before 10: another server's", fmt.Sprintf("%d\n/data\n1700000000\n5432\n/sock\n\n", pid+1), 9, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.content != "" {
				if err := os.WriteFile(filepath.Join(dir, "postmaster.pid"), []byte(c.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if got := pmStatus(dir, pid, c.major); got != c.want {
				t.Errorf("pmStatus = %q, want %q", got, c.want)
			}
		})
	}
}

// TestKilledParentLeavesNothing: dbguard killed with -9 while a sandbox
// runs. The server goes with it (the parent death signal), and the next
// run's Sweep removes the folder; a live run's sandbox is left alone.
func TestKilledParentLeavesNothing(t *testing.T) {
	mustFind(t)
	// A temporary folder of its own: the killed run's folder is a real
	// leftover, and another package's test (go test runs packages at once)
	// would sweep it from the shared /tmp before this one looks. It must
	// stay reachable for the postgres user (the server's, as root).
	tmp, err := os.MkdirTemp("", "sandbox-killed-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	if err := os.Chmod(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SANDBOX_HELPER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, _ := out.Read(buf)
	line := strings.TrimSpace(string(buf[:n]))
	var dir string
	var pid int
	if _, err := fmt.Sscanf(strings.ReplaceAll(line, "=", " "), "dir %s pid %d", &dir, &pid); err != nil {
		cmd.Process.Kill()
		t.Fatalf("helper said %q: %v", line, err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if filepath.Dir(dir) != tmp {
		t.Fatalf("the sandbox is in %s, not in the test's own %s", filepath.Dir(dir), tmp)
	}

	// A sandbox whose owner runs is not swept.
	for _, d := range Sweep() {
		if d == dir {
			t.Fatalf("Sweep removed the sandbox of a running owner")
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	for i := 0; syscall.Kill(pid, 0) == nil; i++ {
		if i == 600 {
			t.Fatalf("the server (pid %d) outlived its killed parent by 30 s", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("expected the killed run's folder to be left for Sweep: %v", err)
	}
	removed := Sweep()
	found := false
	for _, d := range removed {
		found = found || d == dir
	}
	if !found {
		t.Errorf("Sweep removed %v, not the killed run's %s", removed, dir)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the killed run's folder is still there: %v", err)
	}
}

// TestSweepStopsALeftoverServer: a leftover whose server still runs (no
// parent death signal: macOS) is stopped, but only when the pid file names
// a postgres of that very folder.
func TestSweepStopsALeftoverServer(t *testing.T) {
	mustFind(t)
	s, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	pid := s.cmd.Process.Pid
	// Its owner is now someone long gone.
	if err := os.WriteFile(filepath.Join(s.dir, "owner"), []byte("999999999 1"), 0o600); err != nil {
		t.Fatal(err)
	}
	Sweep()
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Errorf("Sweep did not stop the leftover server (pid %d)", pid)
	}
	if _, err := os.Stat(s.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Sweep left the folder: %v", err)
	}

	// A planted folder whose pid file names another process: not killed.
	planted, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(planted, "data"), 0o700)
	victim := exec.Command("sleep", "60")
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	defer victim.Process.Kill()
	os.WriteFile(filepath.Join(planted, "data", "postmaster.pid"), []byte(strconv.Itoa(victim.Process.Pid)+"\n"), 0o600)
	os.WriteFile(filepath.Join(planted, "owner"), []byte("999999999 1"), 0o600)
	Sweep()
	if err := victim.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("Sweep signalled a process that is not the leftover's server: %v", err)
	}
}

// TestChoose: the live server's major when installed; otherwise the newest,
// with a note saying what that can change; none at all is exit 2 with the fix.
func TestChoose(t *testing.T) {
	found := []Binaries{{Dir: "/a", Major: 17, Full: "17.2"}, {Dir: "/b", Major: 15, Full: "15.8"}}
	if b, note, err := Choose(found, 15); err != nil || b.Dir != "/b" || note != "" {
		t.Errorf("Choose(15) = %+v %q %v", b, note, err)
	}
	b, note, err := Choose(found, 16)
	if err != nil || b.Dir != "/a" || !strings.Contains(note, "PostgreSQL 17") || !strings.Contains(note, "no PostgreSQL 16") {
		t.Errorf("Choose(16) = %+v %q %v", b, note, err)
	}
	_, _, err = Choose(nil, 15)
	var me *MissingError
	if !errors.As(err, &me) || exitcode.Of(err) != exitcode.Usage || !strings.Contains(me.Hint(), "apt-get install -y postgresql") || !strings.Contains(me.Hint(), "schema.shadow_url") {
		t.Errorf("Choose(nil) = %v", err)
	}
}

// firstTemplate gives t a user cache of its own (XDG_CACHE_HOME, a
// temporary folder) holding the template cluster the first sandbox of an
// installation leaves, and returns the template's folder. The template is
// the one the first sandbox in the package's cache (TestMain's) left,
// checked there and copied as saveTemplate copies one: each caller
// spoils its own copy, and a start of its own in an empty cache cost an
// initdb (~1.3 s of CPU) and a server's start and stop per test.
func firstTemplate(t *testing.T) string {
	t.Helper()
	mustFind(t)
	packageTemplate.once.Do(func() {
		s, err := Start(context.Background(), Options{})
		if err != nil {
			packageTemplate.err = err
			return
		}
		s.Close()
		packageTemplate.dir, packageTemplate.bin = templateDir(s.Binaries), s.Binaries
	})
	if packageTemplate.err != nil {
		t.Fatal(packageTemplate.err)
	}
	if _, err := os.Stat(filepath.Join(packageTemplate.dir, "PG_VERSION")); err != nil {
		t.Fatalf("no template cluster in the package's cache after its first start: %v", err)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	tmpl := templateDir(packageTemplate.bin)
	saveTemplate(packageTemplate.dir, tmpl)
	if _, err := os.Stat(filepath.Join(tmpl, "PG_VERSION")); err != nil {
		t.Fatalf("the template was not copied into the test's cache: %v", err)
	}
	return tmpl
}

// packageTemplate is the template cluster in the package's cache, found
// or made by firstTemplate's first call.
var packageTemplate struct {
	once sync.Once
	dir  string
	bin  Binaries
	err  error
}

// TestTemplateCache: the first sandbox of an installation leaves a template
// cluster in the user's cache; the next starts from a copy of it, and a
// template that is not initdb's output (a symbolic link in it) is not used.
func TestTemplateCache(t *testing.T) {
	tmpl := firstTemplate(t)
	ctx := context.Background()
	if _, err := os.Stat(filepath.Join(tmpl, "PG_VERSION")); err != nil {
		t.Fatalf("no template cluster after the first start: %v", err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(tmpl, "planted")); err != nil {
		t.Fatal(err)
	}
	s2, err := Start(ctx, Options{})
	if err != nil {
		t.Fatalf("a start with a spoilt template: %v", err)
	}
	defer s2.Close()
	if _, err := os.Lstat(filepath.Join(s2.dataDir(), "planted")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the link in the template was copied: %v", err)
	}
	conn, err := pgx.Connect(ctx, s2.AdminURL().DriverString())
	if err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
}

// TestTemplateShape: the template cluster a sandbox made by initdb leaves
// in the cache, and that sandbox and one copied from the template, checked
// on the same two sandboxes (each check once had its own cache and initdb,
// ~1.3 s of CPU apiece, for the same two starts):
//   - one database, the shadow (template0 was a third of each copy,
//     template1 half of what was left), in the template and either
//     sandbox, which serve;
//   - the template holds one WAL segment, the one its last checkpoint
//     starts from (initdb left five, four of them for reuse), and each
//     sandbox starts from it and writes past it;
//   - no free space or visibility map in the template (initdb made 158)
//     or at a sandbox's start, and each makes them again where it needs
//     them: a VACUUM of a table and of a catalog, then the index-only
//     scan and the reuse of free space they serve.
func TestTemplateShape(t *testing.T) {
	mustFind(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ctx := context.Background()
	maps := func(data string) (n int) {
		_ = filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && mapFork(d.Name()) {
				n++
			}
			return nil
		})
		return n
	}
	for _, how := range []string{"initdb", "copy"} {
		s, err := Start(ctx, Options{})
		if err != nil {
			t.Fatal(err)
		}
		tmpl := templateDir(s.Binaries)
		if n := maps(tmpl); n != 0 {
			t.Errorf("%s: the template holds %d map files, want none", how, n)
		}
		if n := maps(s.dataDir()); n != 0 {
			t.Errorf("%s: the sandbox starts with %d map files, want none", how, n)
		}
		if segs, _ := filepath.Glob(filepath.Join(tmpl, "pg_wal", "0*")); len(segs) != 1 {
			t.Errorf("%s: the template's pg_wal holds %d segments %v, want 1", how, len(segs), segs)
		}
		if bases, err := os.ReadDir(filepath.Join(tmpl, "base")); err != nil || len(bases) != 1 {
			t.Errorf("%s: the template's base holds %d folders (%v), want 1", how, len(bases), err)
		}
		conn, err := s.Session(ctx)
		if err != nil {
			s.Close()
			t.Fatal(err)
		}
		var dbs []string
		rows, _ := conn.Query(ctx, "SELECT datname || ' ' || current_database() || ' ' || (obj_description(oid, 'pg_database') IS NULL)::text FROM pg_database ORDER BY 1")
		if dbs, err = pgx.CollectRows(rows, pgx.RowTo[string]); err == nil && strings.Join(dbs, ",") != Shadow+" "+Shadow+" true" {
			t.Errorf("%s: the sandbox's databases, the session's and whether uncommented are %v, want %s alone, the session's, with no comment", how, dbs, Shadow)
		}
		var got string
		for _, q := range []string{
			"CREATE TABLE m (id int PRIMARY KEY, pad text)",
			"INSERT INTO m SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g",
			"DELETE FROM m WHERE id % 2 = 0",
			"VACUUM m",
			"VACUUM pg_catalog.pg_class",
			"INSERT INTO m SELECT g, repeat('y', 200) FROM generate_series(5001, 7000) g",
			"SET enable_seqscan = off",
		} {
			if err != nil {
				break
			}
			_, err = conn.Exec(ctx, q)
		}
		if err == nil {
			err = conn.QueryRow(ctx, "SELECT count(*)::text || ' ' || pg_catalog.pg_relation_size('m', 'vm')::text || ' ' || pg_catalog.pg_relation_size('m', 'fsm')::text FROM m WHERE id < 100").Scan(&got)
		}
		after := maps(s.dataDir())
		if err == nil {
			// 1 MB segments: a few MB of WAL needs new ones.
			if _, werr := conn.Exec(ctx, "CREATE TABLE w AS SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 50000) g"); werr != nil {
				t.Errorf("%s: writing past the template's WAL: %v", how, werr)
			}
		}
		conn.Close(ctx)
		s.Close()
		if err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		if got != "50 8192 24576" || after == 0 {
			t.Errorf("%s: rows, visibility map and free space map sizes %q, %d map files after the VACUUMs; want \"50 8192 24576\" and some", how, got, after)
		}
	}
}

// TestFresh: Fresh starts the sandbox again from the template, on the same
// socket, so the shadow is as a new sandbox's: what the slow build, after
// a failed fast one, starts from. The old server is gone, and the new one
// is stopped and its folder removed by Close.
func TestFresh(t *testing.T) {
	mustFind(t)
	ctx := context.Background()
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	old := s.cmd.Process.Pid
	for _, q := range []string{"CREATE TABLE left_over (id int)", "CREATE ROLE app NOLOGIN"} {
		sqlExec(t, s.AdminURL().DriverString(), q)
	}
	held, err := pgx.Connect(ctx, s.AdminURL().DriverString())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close(ctx)
	if err := s.Fresh(ctx); err != nil {
		t.Fatal(err)
	}
	if syscall.Kill(old, 0) == nil {
		t.Errorf("the old server (pid %d) still runs after Fresh", old)
	}
	if _, err := held.Exec(ctx, "SELECT 1"); err == nil {
		t.Error("a session of the old server still answers after Fresh")
	}
	var state string
	if err := pgxQueryRow(t, s.AdminURL().DriverString(), `SELECT concat_ws(',',
		(SELECT string_agg(datname, ' ' ORDER BY datname) FROM pg_database),
		(SELECT string_agg(rolname, ' ' ORDER BY rolname) FROM pg_roles WHERE rolname !~ '^pg_'),
		(SELECT count(*) FROM pg_class WHERE relname = 'left_over'))`, &state); err != nil {
		t.Fatal(err)
	}
	if want := Shadow + "," + Superuser + ",0"; state != want {
		t.Errorf("after Fresh the sandbox holds %q, want a new sandbox's %q", state, want)
	}
	pid := s.cmd.Process.Pid
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the sandbox folder is still there: %v", err)
	}
	if syscall.Kill(pid, 0) == nil {
		t.Errorf("the server started again (pid %d) still runs after Close", pid)
	}
}

// TestMapFork: which file names are map forks.
func TestMapFork(t *testing.T) {
	for name, want := range map[string]bool{
		"1259_fsm": true, "1259_vm": true, "16384_fsm.1": true,
		"1259": false, "1259.1": false, "1259_init": false, "_fsm": false, "12a_vm": false,
		"1259_fsm.": false, "1259_fsm.x": false, "pg_filenode.map": false, "PG_VERSION": false,
	} {
		if got := mapFork(name); got != want {
			t.Errorf("mapFork(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestSandboxInMemory: with no TMPDIR, the sandbox lives in memory when
// /dev/shm is a tmpfs with room (else in /tmp), and Sweep looks there; a
// TMPDIR the user set wins.
func TestSandboxInMemory(t *testing.T) {
	mustFind(t)
	t.Setenv("TMPDIR", "")
	os.Unsetenv("TMPDIR")
	want := MemDir()
	if want == "" {
		want = "/tmp"
		t.Logf("no tmpfs with %d MiB free at %q: the sandbox goes to /tmp", memRoom>>20, memBase)
	}
	s, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if filepath.Dir(s.dir) != want {
		t.Errorf("the sandbox is in %s, want %s", filepath.Dir(s.dir), want)
	}
	if !slices.Contains(bases(), want) {
		t.Errorf("Sweep looks in %v, not in %s where sandboxes go", bases(), want)
	}
	own := t.TempDir()
	t.Setenv("TMPDIR", own)
	if got := baseDir(nil); got != own {
		t.Errorf("with TMPDIR=%s the sandbox goes to %s", own, got)
	}
}

// TestAttackTemplateFolderOthersWrite: the template clusters' folder is in
// the user's cache, which may be shared (XDG_CACHE_HOME) or made by someone
// else. A cluster another user put there was copied and started as this
// user's sandbox, its postgresql.auto.conf included (a setting here; an
// archive_command or a library as easily): a folder others may write to is
// not used.
func TestAttackTemplateFolderOthersWrite(t *testing.T) {
	tmpl := firstTemplate(t)
	ctx := context.Background()
	if err := os.WriteFile(filepath.Join(tmpl, "postgresql.auto.conf"), []byte("cluster_name = 'planted'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(tmpl), 0o777); err != nil {
		t.Fatal(err)
	}
	s2, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	conn, err := pgx.Connect(ctx, s2.AdminURL().DriverString())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var name string
	if err := conn.QueryRow(ctx, "SHOW cluster_name").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name == "planted" {
		t.Error("the sandbox started from a template in a folder others may write to")
	}
}

// TestStartsNoReplicationLauncher: the sandbox starts no logical
// replication launcher (max_logical_replication_workers=0), a process
// its start paid for and nothing in a preview uses; its checkpointer,
// background writer and WAL writer run as before.
func TestStartsNoReplicationLauncher(t *testing.T) {
	mustFind(t)
	ctx := context.Background()
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.release != nil {
		t.Skip("a shared test server: its settings are the tests' own")
	}
	var kinds string
	// The launcher registers as it starts: wait a little for one that
	// would.
	for i := 0; i < 20; i++ {
		if err := pgxQueryRow(t, s.AdminURL().DriverString(), `SELECT string_agg(backend_type, ',' ORDER BY backend_type) FROM pg_stat_activity WHERE backend_type <> 'client backend'`, &kinds); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(kinds, "launcher") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if kinds != "background writer,checkpointer,walwriter" {
		t.Errorf("the sandbox's processes: %s; want the background writer, checkpointer and WAL writer only", kinds)
	}
}
