package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/pgtest"
	"github.com/dbguard/dbguard/internal/sandbox"
	"github.com/dbguard/dbguard/internal/testutil/tmpfs"
)

// withPostgres runs the tests and then stops the throwaway cluster, if one
// was started, and removes the binary buildDbguard made.
type withPostgres struct{ m *testing.M }

func (w withPostgres) Run() int {
	flag.Parse() // buildAhead reads -run
	notAPullRequest()
	tmpfs.InMemory()
	sandbox.SweepLeftovers(onlyOwned, testscriptMain)
	markTestscriptMain()
	waitersInParallel()
	buildAhead()
	defer removeBuilt()
	defer removeZshCompDump()
	defer serialSandbox.stop()
	return pgtest.Main(w.m)
}

// testscriptMain names the folder testscript.Main makes in TMPDIR for the
// commands it puts on PATH: a copy of this test binary apiece, tens of
// megabytes in /dev/shm, which a killed run left there.
const testscriptMain = "testscript-main"

// onlyOwned is, for SweepLeftovers, a time no folder without an owner
// file reaches: only this package's own testscript-main folders
// (markTestscriptMain) are swept, never another project's.
const onlyOwned = 100 * 365 * 24 * time.Hour

// markTestscriptMain writes an owner file (sandbox.MarkOwner) in the
// folder testscript.Main made for this run, found as the parent of the
// first folder on PATH (where testscript.Main put its commands), so that
// the next run's sweep removes it if this one is killed.
func markTestscriptMain() {
	bin := filepath.SplitList(os.Getenv("PATH"))[0]
	dir := filepath.Dir(bin)
	if filepath.Base(bin) == "bin" && strings.HasPrefix(filepath.Base(dir), testscriptMain) && filepath.Dir(dir) == filepath.Clean(os.TempDir()) {
		_ = sandbox.MarkOwner(dir)
	}
}

// notAPullRequest unsets the variables by which dbguard ci knows it
// judges a pull request (internal/pullrequest): the tests run in CI jobs
// of either kind, and a test's own repository has no base branch. A test
// about pull requests sets them itself.
func notAPullRequest() {
	for _, k := range []string{"GITHUB_EVENT_NAME", "GITHUB_BASE_REF", "GITHUB_SHA", "CI_MERGE_REQUEST_DIFF_BASE_SHA", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"} {
		os.Unsetenv(k)
	}
}

// waitersInParallel runs twice as many parallel tests at once as there
// are processors, unless -parallel was given (go test passes
// -test.parallel only then): this package's parallel tests (the scripts,
// the process tests) mostly wait, on child processes, servers and sleeps
// in SQL, so GOMAXPROCS of them at a time left the processors idle. On
// 2 cores at load 11-12 the parallel phase took 52 s at 4 against 103 s
// at 2, for the same CPU (docs/performance.md, round 9).
func waitersInParallel() {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", strconv.Itoa(2*runtime.GOMAXPROCS(0)))
	}
}

// parallelTests is how many parallel tests run at once.
func parallelTests() int {
	if f := flag.Lookup("test.parallel"); f != nil {
		if n, err := strconv.Atoi(f.Value.String()); err == nil && n > 0 {
			return n
		}
	}
	return runtime.GOMAXPROCS(0)
}

func TestMain(m *testing.M) {
	testscript.Main(withPostgres{m}, map[string]func(){
		"dbguard-bin": func() {
			// Only this test binary has this line: no dbguard binary can
			// be pointed at a shared sandbox.
			if dir := os.Getenv(envSharedSandboxes); dir != "" {
				sandbox.UseShared(dir)
			}
			// Nor set how long status waits out a lock holder's statement.
			if v := os.Getenv(envSettleTime); v != "" {
				d, err := time.ParseDuration(v)
				if err != nil {
					os.Stderr.WriteString("dbguard-bin: " + envSettleTime + ": " + err.Error() + "\n")
					os.Exit(2)
				}
				migrate.SetSettleTime(d)
			}
			os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
		},
		inprocCommand: inprocMain,
	})
}

// secretRE matches every fixture password: each script's passwords contain
// "s3cret" (any case). No dbguard output may ever match it.
var secretRE = regexp.MustCompile(`(?i)s3cret`)

// TestScripts runs the end-to-end scripts in testdata. In them, "dbguard"
// runs the real binary, fails the script if any output shows a fixture
// password, and records the exit code for "exitcode N".
//
// It is a parallel test, so the scripts run beside the other parallel tests
// (the action, the shells) once the serial ones are done. A test that
// stops or reconfigures its server has one of its own (pgtest.Own): none
// may stop the shared one under a script.
func TestScripts(t *testing.T) {
	t.Parallel()
	shared := sharedSandboxes(t, min(max(parallelTests(), 2), 4))
	testscript.Run(t, workdirsRemoved(t, testscript.Params{
		Files: scriptsSlowestFirst(t),
		Setup: func(env *testscript.Env) error {
			// git for the hook scripts: an identity, no user or system config.
			home := filepath.Join(env.WorkDir, ".home")
			for k, v := range map[string]string{"HOME": home, "GIT_CONFIG_NOSYSTEM": "1",
				"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"} {
				env.Setenv(k, v)
			}
			if err := os.Mkdir(home, 0o755); err != nil {
				return err
			}
			if cache := userCache(); cache != "" {
				env.Setenv("XDG_CACHE_HOME", cache)
			}
			if shared != "" {
				env.Setenv(envSharedSandboxes, shared)
			}
			// What git runs (the pre-commit hook) finds "dbguard" on PATH;
			// in scripts the dbguard command is cmdDbguard.
			bin := filepath.Join(env.WorkDir, ".bin")
			if err := os.Mkdir(bin, 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(bin, "dbguard"), []byte("#!/bin/sh\nexec dbguard-bin \"$@\"\n"), 0o755); err != nil {
				return err
			}
			env.Setenv("PATH", bin+string(os.PathListSeparator)+env.Getenv("PATH"))
			// Stop config discovery at $WORK, as a git root would.
			return os.Mkdir(filepath.Join(env.WorkDir, ".git"), 0o755)
		},
		Condition: toolCondition,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"dbguard":    cmdDbguard,
			"exitcode":   cmdExitcode,
			"pgdb":       cmdPgdb,
			"pgbouncer":  cmdPgbouncer,
			"envfile":    cmdEnvfile,
			"psql":       cmdPsql,
			"sarifvalid": cmdSarifValid,
			"jsonobject": cmdJSONObject,
		},
	}))
}

// workdirsRemoved makes the scripts' $WORK folders in a folder of t's,
// removed when t ends, and each when its script ends (unless -testwork).
// testscript's own folder (go-test-script* in TMPDIR, /dev/shm here) is
// removed by the last of its scripts to end: a run that selects scripts
// with -run never runs the others, and left it behind, empty, every time.
// The folder is a pgtest.TempDir (dbguard-t-*, four bytes shorter, for the
// scripts' socket paths): a killed run's is swept by the next.
func workdirsRemoved(t *testing.T, p testscript.Params) testscript.Params {
	root, err := pgtest.TempDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	keep := false
	if f := flag.Lookup("testwork"); f != nil {
		keep = f.Value.String() == "true"
	}
	// A WorkdirRoot keeps every $WORK (testscript's TestWork): each is
	// removed here when its script ends, after its other deferred work.
	p.WorkdirRoot = root
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		if !keep {
			env.Defer(func() { os.RemoveAll(env.WorkDir) })
		}
		if setup != nil {
			return setup(env)
		}
		return nil
	}
	return p
}

// scriptsSlowestFirst is testdata's scripts, ordered so that the kinds
// that take longest start first: those that start Python (Alembic,
// Django, SQLModel: 3-10 s each, most of the scripts' CPU) or sleep in
// SQL, then those that run another migration tool, then those that make a
// database, then the rest (most of them well under a second). Each script
// is a parallel subtest, and they all wait for TestScripts' body to end,
// then queue for a slot in the order Go's runtime wakes them: that of a
// closed channel's waiters, last blocked first (closechan readies them
// from a stack), so the list is given lightest first and runs heaviest
// first. By name, the order was much the same reversed: the
// migrate_alembic and models scripts started among the last, and ran on
// alone at the end. Only the order changes; if the runtime woke them
// otherwise, only the wall time would.
func scriptsSlowestFirst(t *testing.T) []string {
	// What testscript's Dir takes: *.txtar and *.txt.
	files, err := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	txt, err2 := filepath.Glob(filepath.Join("testdata", "*.txt"))
	files = append(files, txt...)
	if err != nil || err2 != nil || len(files) == 0 {
		t.Fatalf("no scripts in testdata: %v %v", err, err2)
	}
	slices.Sort(files)
	weight := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		weight[f] = scriptWeight(string(data))
	}
	slices.SortStableFunc(files, func(a, b string) int { return cmp.Compare(weight[a], weight[b]) })
	return files
}

var (
	slowPython  = regexp.MustCompile(`alembic|django|sqlmodel|sqlalchemy|pg_sleep`)
	toolCond    = regexp.MustCompile(`\[!?tool:`)
	makesDBLine = regexp.MustCompile(`(?m)^pgdb\b`)
)

// scriptWeight is a script's kind, by what it runs: 4 Python or a sleep
// in SQL, 2 another migration tool, 1 a database of its own, 0 none.
func scriptWeight(script string) int {
	switch {
	case slowPython.MatchString(script):
		return 4
	case toolCond.MatchString(script):
		return 2
	case makesDBLine.MatchString(script):
		return 1
	}
	return 0
}

// envSharedSandboxes names, for the dbguard runs of the scripts, the
// folder where sharedSandboxes describes its servers. Only this test
// binary reads it (TestMain's dbguard-bin).
const envSharedSandboxes = "DBGUARD_TEST_SANDBOXES"

// envSettleTime, set by a script, is how long its dbguard runs' migrate
// status waits for a migration lock holder's statement to end
// (migrate.SetSettleTime; 3 s unless set): for a script whose holder is
// alive on purpose, the wait proves nothing. Only this test binary reads it.
const envSettleTime = "DBGUARD_TEST_SETTLE"

// sharedSandboxes starts n sandbox servers for the previews of t's dbguard
// runs (migrate plan, verify --shadow, the ci plan check), stopped when t
// ends, and returns the folder that describes them. A preview takes a free
// one, reset to a fresh cluster's state (internal/sandbox: UseShared),
// instead of copying and starting a cluster of its own: one per running
// test is enough, a preview that finds none free starts its own. "" when
// they cannot start: the previews then start their own, and fail as a
// user's would.
func sharedSandboxes(t *testing.T, n int) string {
	// Not t.TempDir: a killed run's TestScripts* folder stayed in /dev/shm.
	dir, err := pgtest.TempDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	stop, err := sandbox.StartShared(context.Background(), dir, n)
	if err != nil {
		t.Logf("no shared sandbox servers (each preview starts its own): %v", err)
		return ""
	}
	t.Cleanup(stop)
	return dir
}

// inprocSandboxes is the folder of the sandbox servers started once for
// the inproc children (inproc_test.go), which take them by
// envSharedSandboxes, reset between runs, as sharedSandboxes does for the
// scripts; or "" if they could not start: then each preview starts its
// own, and fails as a user's would. The test process itself never takes
// them (sandbox.UseShared is the process's choice, and a parallel test
// that proves a preview's server is stopped and removed must get its
// own). Two, for the inproc tests that run beside each other.
func inprocSandboxes() string {
	serialSandbox.once.Do(func() {
		dir, err := pgtest.TempDir()
		if err != nil {
			return
		}
		stop, err := sandbox.StartShared(context.Background(), dir, 2)
		if err != nil {
			os.RemoveAll(dir)
			return
		}
		serialSandbox.dir = dir
		serialSandbox.stopServers = stop
	})
	return serialSandbox.dir
}

// serialSandbox is the inproc children's shared sandbox servers, stopped when
// the tests end.
var serialSandbox sharedServers

type sharedServers struct {
	once        sync.Once
	dir         string
	stopServers func()
}

func (s *sharedServers) stop() {
	if s.stopServers != nil {
		s.stopServers()
		os.RemoveAll(s.dir)
	}
}

// userCache is the test process's own cache folder, for the dbguard runs
// of scripts and process tests, whose HOME is a folder of their own: there
// the sandbox's template cluster (internal/sandbox) is made once, as for a
// user whose runs share a home, rather than by an initdb in every script
// that previews a migration. "" when there is none.
func userCache() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return dir
}

// raceReport opens every report of the race detector.
const raceReport = "WARNING: DATA RACE"

func cmdDbguard(ts *testscript.TestScript, neg bool, args []string) {
	err := ts.Exec("dbguard-bin", args...)
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("running dbguard: %v", err)
		}
		code = ee.ExitCode()
	}
	ts.Setenv("EXIT", strconv.Itoa(code))
	for _, name := range []string{"stdout", "stderr"} {
		if loc := secretRE.FindStringIndex(ts.ReadFile(name)); loc != nil {
			ts.Fatalf("dbguard %v printed a password on %s", args, name)
		}
	}
	// Files are named from the repository (docs/ci.md), never by the
	// absolute path of the machine that ran it: every command, every
	// script. A script whose dbguard names a file outside the repository
	// (a passfile in $HOME, a tool's own traceback) says why with
	// "env ABSOLUTE_PATHS=why".
	if work := ts.Getenv("WORK"); work != "" && ts.Getenv("ABSOLUTE_PATHS") == "" {
		for _, name := range []string{"stdout", "stderr"} {
			if f := absoluteFile(ts.ReadFile(name), work); f != "" {
				ts.Fatalf("dbguard %v named the file %s by its absolute path on %s: name files relative to the repository (or say why with env ABSOLUTE_PATHS=...)", args, f, name)
			}
		}
	}
	// A race-built dbguard that exits non-zero exits with its own code,
	// not 66 (the runtime's race check runs only on exit 0): its report
	// on stderr is the only sign, and "! dbguard" would pass over it.
	if strings.Contains(ts.ReadFile("stderr"), raceReport) {
		ts.Fatalf("dbguard %v: the race detector reported a data race (exit %d)", args, code)
	}
	if neg && code == 0 {
		ts.Fatalf("dbguard %v succeeded unexpectedly", args)
	}
	if !neg && code != 0 {
		ts.Fatalf("dbguard %v exited %d", args, code)
	}
}

// cmdPgdb creates a fresh database on the test server, dropped when the
// script ends, and sets $DBURL (with the password: put it in files or the
// environment, never in a command's output), $DBNAME and $PGPORT.
func cmdPgdb(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: pgdb")
	}
	s, err := pgtest.Get()
	if err != nil {
		ts.Fatalf("pgtest: no PostgreSQL server for this script: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name, url, err := s.CreateDatabase(ctx, "script")
	if err != nil {
		ts.Fatalf("%v", err)
	}
	// Dropped in the background: DROP DATABASE ... WITH (FORCE) sleeps
	// while the script's sessions exit, and a synchronous drop held
	// pgtest's admin connection all that time, so the other scripts'
	// pgdb queued behind it. pgtest.Main waits for the drops, and a
	// failed one fails the run.
	ts.Defer(func() { s.DropDatabaseLater(name) })
	ts.Setenv("DBURL", url)
	ts.Setenv("DBNAME", name)
	ts.Setenv("PGPORT", s.Port)
	// The same database as SQLAlchemy writes it, and one that is not it.
	ts.Setenv("DBURL_PSYCOPG2", strings.Replace(url, "postgres://", "postgresql+psycopg2://", 1))
	ts.Setenv("DBURL_OTHER", strings.Replace(url, "/"+name+"?", "/"+name+"_other?", 1))
	// The server without a database: the driver takes it from PGDATABASE,
	// or the user's name.
	ts.Setenv("DBURL_NODB", strings.Replace(url, "/"+name+"?", "/?", 1))
}

// toolCondition is the scripts' [tool:PROGRAM] condition: whether a
// migration tool is installed. In CI (CI=true) a missing one fails the
// script instead: .ci/run installs every tool the scripts use.
func toolCondition(cond string) (bool, error) {
	if cond == "prisma-engines" {
		// Prisma downloads its engines at first use from its own servers,
		// which this project's machines (and CI's) cannot reach: the one
		// tool whose script skips in CI too, saying so. npx --no-install
		// asks the npm registry about a package it does not find (a
		// network call and ~1 s of CPU on every run), so the CLI is
		// looked for on PATH first, where npm installs it globally;
		// the scripts run in fresh folders with no node_modules.
		if _, err := exec.LookPath("prisma"); err != nil {
			return false, nil
		}
		cmd := exec.Command("npx", "--no-install", "prisma", "version")
		cmd.Env = append(os.Environ(), "npm_config_offline=true")
		return cmd.Run() == nil, nil
	}
	name, ok := strings.CutPrefix(cond, "tool:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			return false, fmt.Errorf("%s is not installed; .ci/run installs it", name)
		}
		return false, nil
	}
	return true, nil
}

// cmdPgbouncer starts a PgBouncer in transaction mode in front of the test
// server and sets $POOLED_URL (to $DBNAME) and $BOUNCER_PORT; "pgbouncer
// stop" stops it.
func cmdPgbouncer(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 1 && args[0] == "stop" {
		if b, ok := bouncers[ts.Getenv("BOUNCER_PORT")]; ok {
			b.Stop()
		}
		return
	}
	s, err := pgtest.Get()
	if err != nil {
		ts.Fatalf("pgtest: %v", err)
	}
	b, err := pgtest.NewBouncer(s)
	if err != nil {
		ts.Fatalf("%v", err)
	}
	bouncersMu.Lock()
	bouncers[b.Port] = b
	bouncersMu.Unlock()
	ts.Defer(b.Stop)
	ts.Setenv("BOUNCER_PORT", b.Port)
	ts.Setenv("POOLED_URL", b.URL(ts.Getenv("DBNAME")))
}

var (
	bouncersMu sync.Mutex
	bouncers   = map[string]*pgtest.Bouncer{}
)

// cmdEnvfile writes an env file from expanded KEY=VALUE arguments, so a
// script can put a URL with the test password in a file without it being
// in the script.
func cmdEnvfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: envfile FILE [KEY=VALUE...]")
	}
	var b strings.Builder
	for _, kv := range args[1:] {
		b.WriteString(kv + "\n")
	}
	if err := os.MkdirAll(filepath.Dir(ts.MkAbs(args[0])), 0o755); err != nil {
		ts.Fatalf("%v", err)
	}
	if err := os.WriteFile(ts.MkAbs(args[0]), []byte(b.String()), 0o644); err != nil {
		ts.Fatalf("%v", err)
	}
}

// cmdPsql runs one SQL statement on $DBURL and prints the first column of
// each row on stdout.
func cmdPsql(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: psql 'SQL'")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, ts.Getenv("DBURL"))
	if err != nil {
		ts.Fatalf("%v", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, args[0], pgx.QueryExecModeSimpleProtocol)
	if err == nil {
		var out strings.Builder
		for rows.Next() {
			vals, verr := rows.Values()
			if verr != nil {
				err = verr
				break
			}
			if len(vals) > 0 {
				fmt.Fprintln(&out, vals[0])
			}
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		fmt.Fprint(ts.Stdout(), out.String())
	}
	if err != nil && !neg {
		ts.Fatalf("psql: %v", err)
	}
	if err == nil && neg {
		ts.Fatalf("psql: unexpected success")
	}
}

func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: exitcode N")
	}
	if got := ts.Getenv("EXIT"); got != args[0] {
		ts.Fatalf("exit code %s, want %s", got, args[0])
	}
}

// cmdJSONObject checks that stdout is exactly one JSON object, and that
// each KEY=VALUE holds (KEY a dotted path; VALUE compared as JSON text).
func cmdJSONObject(ts *testscript.TestScript, neg bool, args []string) {
	dec := json.NewDecoder(strings.NewReader(ts.ReadFile("stdout")))
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		ts.Fatalf("stdout is not a JSON object: %v", err)
	}
	if dec.More() {
		ts.Fatalf("stdout holds more than one JSON value")
	}
	for _, kv := range args {
		path, want, _ := strings.Cut(kv, "=")
		var v any = obj
		for _, k := range strings.Split(path, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				ts.Fatalf("%s: not an object at %s", path, k)
			}
			if v, ok = m[k]; !ok {
				ts.Fatalf("%s: no member %s", path, k)
			}
		}
		got, _ := json.Marshal(v)
		if want != "" && string(got) != want {
			ts.Fatalf("%s = %s, want %s", path, got, want)
		}
	}
}

// workPath is an absolute path in a script's work folder as a message
// may print it, up to a character that ends a path in prose.
var workPath = regexp.MustCompile(`[^\s"'` + "`" + `,;()<>]+`)

// absoluteFile is the first regular file below work that out names by
// its absolute path ("$WORK/repo/dbguard.yaml:3"), "" when none: a
// folder (the project root a report heads) is not a file a person opens.
func absoluteFile(out, work string) string {
	prefix := work + string(filepath.Separator)
	for rest := out; ; {
		i := strings.Index(rest, prefix)
		if i < 0 {
			return ""
		}
		rest = rest[i:]
		p := workPath.FindString(rest)
		rest = rest[len(prefix):]
		if j := strings.IndexByte(p[len(prefix):], ':'); j >= 0 {
			p = p[:len(prefix)+j] // file:line
		}
		p = strings.TrimRight(p, ".")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return "$WORK" + p[len(work):]
		}
	}
}
