package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pgtest"
	"github.com/dbguard/dbguard/internal/sandbox"
)

// These tests run the dbguard binary as a separate process, for what a
// script cannot do: send it signals, or hold a lock while it runs.

// project writes a project with an .env naming dbURL and the migrations.
func project(t *testing.T, dbURL string, migrations map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{".env": "DATABASE_URL=" + dbURL + "\n"}
	for name, body := range migrations {
		files["migrations/"+name] = body
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// dbguardProcess prepares the test binary to run as dbguard (testscript.Main
// dispatches on the program name) in dir, with stderr captured.
func dbguardProcess(t *testing.T, dir string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dbguard-bin")
	if err := os.Symlink(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	if cache := userCache(); cache != "" {
		cmd.Env = append(cmd.Env, "XDG_CACHE_HOME="+cache)
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	return cmd, &stderr
}

func recordedVersion(ctx context.Context, dbURL string) (int, bool, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, false, err
	}
	defer conn.Close(ctx)
	var v int
	var dirty bool
	err = conn.QueryRow(ctx, "SELECT version, dirty FROM schema_migrations").Scan(&v, &dirty)
	if errors.Is(err, pgx.ErrNoRows) {
		return -1, false, nil
	}
	return v, dirty, err
}

func noPassword(t *testing.T, out string) {
	t.Helper()
	if strings.Contains(out, pgtest.Password) || secretRE.MatchString(out) {
		t.Errorf("output shows a password:\n%s", out)
	}
}

func slowMigrations(n int, seconds float64) map[string]string {
	m := map[string]string{}
	for i := 1; i <= n; i++ {
		m[fmt.Sprintf("%06d_slow%d.up.sql", i, i)] = fmt.Sprintf("SELECT pg_sleep(%g); CREATE TABLE slow%d (id int);", seconds, i)
	}
	return m
}

// shadowSlowMigrations is n migrations that each sleep for seconds in a
// shadow database (verify --shadow's, plan's) and not at all on the live
// server: a test that interrupts a preview while it replays them has a
// window of n*seconds after the shadow appears, whatever the load, and
// the migrate up that brings the live database along does not wait.
// (slowMigrations(4, 0.4) left 1.6 s, which a loaded gate outran: the
// preview ended before the Ctrl-C, which then met the default handler.)
func shadowSlowMigrations(n int, seconds float64) map[string]string {
	m := map[string]string{}
	for i := 1; i <= n; i++ {
		m[fmt.Sprintf("%06d_slow%d.up.sql", i, i)] = fmt.Sprintf("SELECT pg_sleep(CASE WHEN current_database() LIKE 'dbguard\\_shadow%%' THEN %g ELSE 0 END); CREATE TABLE slow%d (id int);", seconds, i)
	}
	return m
}

// appliedThenShadowSlow is a first migration that sleeps 0.5 s everywhere
// (the live server's version 1, whose build in the shadow a preview
// passes) and three pending ones that sleep 10 s in a shadow only.
func appliedThenShadowSlow() map[string]string {
	m := shadowSlowMigrations(4, 10)
	for k, v := range slowMigrations(1, 0.5) {
		m[k] = v
	}
	return m
}

// Ctrl-C stops after the migration in flight: exit 130, a clean database.
func TestInterruptStopsAfterMigrationInFlight(t *testing.T) {
	t.Parallel() // its own folder, process and database; it waits on them, polling
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	cmd, out := dbguardProcess(t, project(t, dbURL, slowMigrations(6, 0.5)), "migrate", "up")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the first migration is recorded, then interrupt.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if v, _, err := recordedVersion(ctx, dbURL); err == nil && v >= 1 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no migration applied in 20s:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v, want 130\n%s", err, out)
	}
	v, dirty, err := recordedVersion(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if dirty || v < 1 || v >= 6 {
		t.Errorf("after Ctrl-C: version %d dirty=%v, want clean and short of 6", v, dirty)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("the database is clean at version %d", v)) {
		t.Errorf("output does not say where it stopped:\n%s", out)
	}
	noPassword(t, out.String())
}

// A second Ctrl-C ends the process at once, mid-migration.
func TestSecondInterruptExitsAtOnce(t *testing.T) {
	t.Parallel() // its own folder, process and database; it waits on them, polling
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	cmd, out := dbguardProcess(t, project(t, dbURL, slowMigrations(1, 30)), "migrate", "up")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if v, dirty, err := recordedVersion(ctx, dbURL); err == nil && v == 1 && dirty {
			break // migration 1 is running
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("migration did not start in 20s:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("exited 0 after two interrupts:\n%s", out)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running %s after the second Ctrl-C", time.Since(start))
	}
	// What was in flight is dirty, and the next run says so.
	cmd2, out2 := dbguardProcess(t, cmd.Dir, "migrate", "version")
	err := cmd2.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(out2.String(), "dirty at version 1") {
		t.Errorf("next run: %v\n%s", err, out2)
	}
}

// --lock-timeout 1s against a held lock: exit 1 about a second later.
func TestLockTimeoutFlag(t *testing.T) {
	t.Parallel() // its own folder, process and database; it waits on them, polling
	name, dbURL := pgtest.NamedDB(t)
	dir := project(t, dbURL, map[string]string{"000001_a.up.sql": "CREATE TABLE a (id int);"})
	// Create the version table first, so the held lock is what the run meets.
	cmd, out := dbguardProcess(t, dir, "migrate", "status", "--allow-pending")
	if err := cmd.Run(); err != nil {
		t.Fatalf("status: %v\n%s", err, out)
	}
	pgtest.HoldMigrationLock(t, name, dbURL, "")
	cmd, out = dbguardProcess(t, dir, "migrate", "up", "--lock-timeout", "1s")
	start := time.Now()
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v, want 1\n%s", err, out)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("took %s with --lock-timeout 1s", elapsed)
	}
	if !strings.Contains(out.String(), "another migration holds the lock") || !strings.Contains(out.String(), "gave up after 1s") {
		t.Errorf("message:\n%s", out)
	}
	noPassword(t, out.String())
}

// Ctrl-C while verify --shadow builds its database: the shadow database is
// still dropped.
func TestInterruptedShadowIsDropped(t *testing.T) {
	t.Parallel() // its own folder, process, sandbox and database; it waits on them, polling
	dbURL := pgtest.DB(t)
	dir := project(t, dbURL, shadowSlowMigrations(4, 10))
	up, out := dbguardProcess(t, dir, "migrate", "up")
	if err := up.Run(); err != nil {
		t.Fatalf("migrate up: %v\n%s", err, out)
	}
	interruptShadowed(t, dbURL, dir, 300*time.Millisecond, "verify", "--shadow") // into the first slow migration
}

// interruptShadowed runs dbguard with args, sends Ctrl-C once its shadow
// database exists in the sandbox and settle has passed, and checks it
// exited 130, left no sandbox (folder or server) and no shadow database on
// the live server, and printed no password.
func interruptShadowed(t *testing.T, dbURL, dir string, settle time.Duration, args ...string) {
	t.Helper()
	cmd, out, tmp := sandboxedProcess(t, dbURL, dir, settle, args...)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("exit: %v, want 130\n%s", err, out)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "dbguard-sandbox-*")); len(left) != 0 {
		t.Errorf("sandbox folders left after Ctrl-C: %v\n%s", left, out)
	}
	if n := liveShadows(t, dbURL); n != 0 {
		t.Errorf("%d shadow databases on the live server:\n%s", n, out)
	}
	noPassword(t, out.String())
}

// sandboxedProcess starts dbguard with args and a temporary folder of its
// own, and returns once its sandbox server holds a shadow database and
// settle has passed.
func sandboxedProcess(t *testing.T, dbURL, dir string, settle time.Duration, args ...string) (*exec.Cmd, *bytes.Buffer, string) {
	t.Helper()
	ctx := context.Background()
	tmp := t.TempDir()
	// As root the sandbox runs as postgres, which must reach the folder.
	for d := tmp; d != filepath.Dir(d) && strings.HasPrefix(d, os.TempDir()+"/"); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	cmd, out := dbguardProcess(t, dir, args...)
	cmd.Env = append(cmd.Env, "TMPDIR="+tmp)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	shadowInSandbox := func() bool {
		boxes, _ := filepath.Glob(filepath.Join(tmp, "dbguard-sandbox-*"))
		for _, box := range boxes {
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			// The shadow is the sandbox's one database: it is there
			// once the start's session gave it to the migration role.
			conn, err := pgx.Connect(cctx, fmt.Sprintf("host=%s port=5432 user=dbguard_sandbox dbname=%s sslmode=disable", box, sandbox.Shadow))
			cancel()
			if err != nil {
				continue
			}
			var n int
			err = conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1 AND datdba <> (SELECT oid FROM pg_roles WHERE rolname = 'dbguard_sandbox')", sandbox.Shadow).Scan(&n)
			conn.Close(ctx)
			if err == nil && n > 0 {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(60 * time.Second)
	for !shadowInSandbox() {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no shadow database appeared in a sandbox:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := liveShadows(t, dbURL); n != 0 {
		t.Errorf("%d shadow databases on the live server while the preview runs", n)
	}
	time.Sleep(settle)
	return cmd, out, tmp
}

// liveShadows counts the shadow databases of dbURL's database on the live
// server: the names dbguard gives them end in that database's name (cut to
// 34 bytes, internal/verify), and the tests that call it run beside scripts
// that build shadows of their own databases there (schema.shadow_url).
func liveShadows(t *testing.T, dbURL string) int {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var n int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname LIKE 'dbguard\_shadow\_%\_' || left(current_database(), 34)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// kill -9 during dbguard migrate plan, while a pending migration runs in
// the sandbox (issue 20): nothing was ever created on the live server, the
// sandbox server dies with dbguard, and the next preview removes the
// folder it left.
func TestKilledPlanLeavesNothing(t *testing.T) {
	t.Parallel() // its own folder, process, sandbox and database; it waits on them, polling
	dbURL := pgtest.DB(t)
	dir := project(t, dbURL, appliedThenShadowSlow())
	up, out := dbguardProcess(t, dir, "migrate", "up", "1")
	if err := up.Run(); err != nil {
		t.Fatalf("migrate up 1: %v\n%s", err, out)
	}
	cmd, out, tmp := sandboxedProcess(t, dbURL, dir, 1200*time.Millisecond, "migrate", "plan")
	boxes, _ := filepath.Glob(filepath.Join(tmp, "dbguard-sandbox-*"))
	if len(boxes) != 1 {
		t.Fatalf("sandboxes: %v", boxes)
	}
	pidFile := filepath.Join(boxes[0], "data", "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	for i := 0; syscall.Kill(pid, 0) == nil; i++ {
		if i == 600 {
			t.Fatalf("the sandbox server (pid %d) outlived dbguard's kill -9 by 30 s", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := liveShadows(t, dbURL); n != 0 {
		t.Errorf("%d shadow databases on the live server after kill -9", n)
	}
	if v, _, err := recordedVersion(context.Background(), dbURL); err != nil || v != 1 {
		t.Errorf("live version %d (%v), want 1", v, err)
	}
	// The next preview sweeps the folder the killed one left. Its pending
	// migrations no longer sleep: this preview is not interrupted.
	for name := range shadowSlowMigrations(4, 0) {
		if !strings.HasPrefix(name, "000001_") {
			os.WriteFile(filepath.Join(dir, "migrations", name), []byte("CREATE TABLE "+strings.TrimSuffix(strings.SplitN(name, "_", 2)[1], ".up.sql")+" (id int);"), 0o644)
		}
	}
	next, nout := dbguardProcess(t, dir, "migrate", "plan")
	next.Env = append(next.Env, "TMPDIR="+tmp)
	if err := next.Run(); err != nil {
		t.Fatalf("the next plan: %v\n%s", err, nout)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "dbguard-sandbox-*")); len(left) != 0 {
		t.Errorf("sandbox folders left after the next plan: %v", left)
	}
	noPassword(t, out.String()+nout.String())
}

// matches reports whether out has a line matching the regular expression.
func matches(out, re string) bool {
	return regexp.MustCompile("(?m)" + re).MatchString(out)
}

// Ctrl-C during dbguard migrate plan, while a pending migration runs in the
// shadow: exit 130, the shadow dropped, the live database at its version.
func TestInterruptedPlanDropsShadow(t *testing.T) {
	t.Parallel() // its own folder, process, sandbox and database; it waits on them, polling
	dbURL := pgtest.DB(t)
	dir := project(t, dbURL, appliedThenShadowSlow())
	up, out := dbguardProcess(t, dir, "migrate", "up", "1")
	if err := up.Run(); err != nil {
		t.Fatalf("migrate up 1: %v\n%s", err, out)
	}
	interruptShadowed(t, dbURL, dir, 1200*time.Millisecond, "migrate", "plan") // past the build of version 1, into a pending migration
	if v, _, err := recordedVersion(context.Background(), dbURL); err != nil || v != 1 {
		t.Errorf("live version %d (%v), want 1", v, err)
	}
}

// down --all needs a person to type the database name. With stdin on
// /dev/null (a character device, but no terminal) or a pipe there is no
// one: exit 2 (a usage error: pass --yes), nothing asked, nothing rolled
// back. On a real terminal (tmux) it still asks.
func TestDownAllWithoutTerminal(t *testing.T) {
	t.Parallel() // its own folder, processes, terminal and database
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := project(t, dbURL, map[string]string{"000001_a.up.sql": "CREATE TABLE a (id int);", "000001_a.down.sql": "DROP TABLE a;"})
	up, out := dbguardProcess(t, dir, "migrate", "up", "--no-verify")
	if err := up.Run(); err != nil {
		t.Fatalf("migrate up: %v\n%s", err, out)
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	for name, stdin := range map[string]io.Reader{"/dev/null": devnull, "a pipe": strings.NewReader("")} {
		cmd, out := dbguardProcess(t, dir, "migrate", "down", "--all", "--no-verify")
		cmd.Stdin = stdin
		if code := exitCodeOf(cmd.Run()); code != 2 {
			t.Errorf("stdin %s: exit %d, want 2\n%s", name, code, out)
		}
		if !strings.Contains(out.String(), "without a terminal to confirm on; pass --yes") || strings.Contains(out.String(), "type the database name") {
			t.Errorf("stdin %s: want the refusal, no question:\n%s", name, out)
		}
		noPassword(t, out.String())
		if v, _, err := recordedVersion(ctx, dbURL); err != nil || v != 1 {
			t.Fatalf("stdin %s: version %d (%v), want 1: nothing rolled back", name, v, err)
		}
	}

	tmux := needTool(t, "tmux")
	bin := filepath.Join(t.TempDir(), "dbguard-bin")
	if err := os.Symlink(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "tmux.sock")
	tm := func(args ...string) string {
		out, err := exec.Command(tmux, append([]string{"-S", sock, "-f", os.DevNull}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	script := fmt.Sprintf("cd %q && HOME=%q %q migrate down --all --no-verify; echo EXIT=$?; sleep 30", dir, dir, bin)
	tm("new-session", "-d", "-x", "200", "-y", "40", "sh", "-c", script)
	defer exec.Command(tmux, "-S", sock, "kill-server").Run()
	screen := func() string { return tm("capture-pane", "-p", "-J") }
	waitFor(t, "the question on the terminal", func() bool { return strings.Contains(screen(), "type the database name") })
	tm("send-keys", "not-the-name", "Enter")
	waitFor(t, "the exit code", func() bool { return strings.Contains(screen(), "EXIT=") })
	if s := screen(); !strings.Contains(s, "not confirmed") || !strings.Contains(s, "EXIT=1") {
		t.Errorf("on a terminal, a wrong name: want 'not confirmed' and exit 1:\n%s", s)
	}
}
