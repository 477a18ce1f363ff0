package plan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pgtest"
	"github.com/dbguard/dbguard/internal/sandbox"
	"github.com/dbguard/dbguard/internal/sqlscan"
	"github.com/dbguard/dbguard/internal/verify"
)

// analyzeLive gives statistics to every relation whose size the plan reads
// from the live database (readLive: tables, partitioned tables and
// materialized views outside pg_catalog, information_schema and the pg_
// schemas), as a database-wide ANALYZE did for them. A database-wide
// ANALYZE also analyzed the ~60 system catalogs, 140-280 ms of the test
// server's CPU each time and a third of all it did for this package's
// tests; the catalogs' statistics change no report (readLive leaves them
// out), and they already have initdb's.
const analyzeLive = `DO $analyze$ DECLARE rels text; BEGIN
SELECT pg_catalog.string_agg(pg_catalog.format('%I.%I', n.nspname, c.relname), ', ') INTO rels
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname <> ALL ('{pg_catalog,information_schema}')
AND NOT pg_catalog.starts_with(n.nspname, 'pg_');
IF rels IS NOT NULL THEN EXECUTE 'ANALYZE ' || rels; END IF;
END $analyze$`

// TestAnalyzeLiveAsDatabaseWide: the sizes the plan reads after
// analyzeLive are those it read after the database-wide ANALYZE the tests
// ran before, for every kind of relation it reads (a second schema, a
// partitioned table and its partition, a materialized view, a name that
// needs quoting) and for empty tables (0 rows, not "never analyzed").
func TestAnalyzeLiveAsDatabaseWide(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var got [2]string
	for i, analyze := range []string{"ANALYZE", analyzeLive} {
		conn, err := pgx.Connect(ctx, pgtest.DB(t))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		for _, q := range []string{
			base,
			"CREATE SCHEMA s2; CREATE TABLE s2.t (id int); INSERT INTO s2.t SELECT generate_series(1, 77)",
			"CREATE TABLE p (id int) PARTITION BY RANGE (id); CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (1000); INSERT INTO p SELECT generate_series(1, 300)",
			"CREATE MATERIALIZED VIEW mv AS SELECT generate_series(1, 55) g",
			`CREATE TABLE "we""ird" (id int); INSERT INTO "we""ird" VALUES (1), (2)`,
			"INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 100) g",
			analyze,
		} {
			if _, err := conn.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		li, err := readLive(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for k, v := range li.sizes {
			rows := "never analyzed"
			if v.Rows != nil {
				rows = fmt.Sprint(*v.Rows)
			}
			lines = append(lines, fmt.Sprintf("%s rows=%s bytes=%d", k, rows, *v.Bytes))
		}
		slices.Sort(lines)
		got[i] = strings.Join(lines, "\n")
	}
	if got[0] != got[1] {
		t.Errorf("after a database-wide ANALYZE:\n%s\nafter analyzeLive:\n%s", got[0], got[1])
	}
	if !strings.Contains(got[1], "mv rows=55 ") || !strings.Contains(got[1], "empty_a rows=0 ") {
		t.Errorf("analyzeLive left relations unanalyzed:\n%s", got[1])
	}
}

// planFiles applies applied to a fresh database, writes pending after it
// and plans them in the sandbox.
func planFiles(t *testing.T, applied string, pending ...string) (*Report, error) {
	t.Helper()
	return planFilesWith(t, "version: 1\n", applied, pending...)
}

// planFilesWith is planFiles with the dbguard.yaml text given.
func planFilesWith(t *testing.T, yaml, applied string, pending ...string) (*Report, error) {
	t.Helper()
	ctx := context.Background()
	mig := filepath.Join(t.TempDir(), "migrations")
	if err := os.Mkdir(mig, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(mig, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("000001_base.up.sql", applied)
	dbURL := appliedLive(t, applied)
	u, err := dburl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	co := pg.ConnectOptions{URL: u}
	for i, p := range pending {
		write(fmt.Sprintf("%06d_p.up.sql", i+2), p)
	}
	cfg, err := config.Parse("dbguard.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return Run(ctx, Options{Connect: co, Config: cfg, Dir: mig})
}

// appliedLive is the URL of a fresh live database for t with applied
// migrated up as 000001_base.up.sql, 100 users and its statistics. Many
// tests plan case after case on the same applied schema: the database is
// built once per applied text and copied for each (pgtest.TemplateDB),
// which costs the server a file copy where building it cost two
// connections, the schema's DDL, the rows and an ANALYZE. A schema that
// writes what a copy leaves out (a role, ALTER DATABASE's settings) is
// built for each test.
func appliedLive(t *testing.T, applied string) string {
	t.Helper()
	if !copiable(applied) {
		dbURL := pgtest.DB(t)
		if err := buildApplied(context.Background(), dbURL, applied); err != nil {
			t.Fatal(err)
		}
		return dbURL
	}
	_, dbURL := pgtest.TemplateDB(t, "plan applied\x00"+applied, func(ctx context.Context, dbURL string) error {
		return buildApplied(ctx, dbURL, applied)
	})
	return dbURL
}

// copiable reports whether a database built from applied is the same when
// copied: no statement that names what lives outside the database
// (pg_database's settings, roles, tablespaces, the server's settings), as
// a word (v_user and users are names of the database's own).
func copiable(applied string) bool {
	return !outsideWords.MatchString(applied)
}

// outsideWords are the words of statements whose effect a copied database
// would not have.
var outsideWords = regexp.MustCompile(`(?i)\b(database|role|user|group|tablespace|grant|revoke|subscription|security\s+label|alter\s+system)\b`)

// buildApplied migrates applied up on dbURL, as 000001_base.up.sql, and
// gives it 100 users and statistics; it closes what it opened.
func buildApplied(ctx context.Context, dbURL, applied string) error {
	dir, err := os.MkdirTemp("", "plan-applied-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "000001_base.up.sql"), []byte(applied), 0o644); err != nil {
		return err
	}
	u, err := dburl.Parse(dbURL)
	if err != nil {
		return err
	}
	r, err := migrate.Open(ctx, migrate.Options{Connect: pg.ConnectOptions{URL: u}, Dir: dir})
	if err != nil {
		return err
	}
	err = r.Up(ctx, 0)
	r.Close()
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 100) g; "+analyzeLive)
	return err
}

// A file is sent to the shadow in one query; when one of its statements
// fails, the plan still names that statement's line and the server's
// message, as it did sending one statement at a time.
func TestPlanFailingStatementLine(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n"
	for _, c := range []struct {
		name, sql string
		line      int
		msg       string
	}{
		{"runtime", "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN a int;\n\nALTER TABLE nope ADD COLUMN b int;\nALTER TABLE users ADD COLUMN c int;\n", 4, `relation "nope" does not exist`},
		// The server parses a whole query before running it: a syntax
		// error at the end must not be blamed on the file's first line.
		{"syntax", "ALTER TABLE users ADD COLUMN a int;\nCREATE INDEX users_a ON users (a);\nSELEC 1;\n", 3, `syntax error at or near "SELEC"`},
		{"multiline", "ALTER TABLE users ADD COLUMN a int;\nUPDATE users\n  SET a = 1\n  WHERE nope = 2;\n", 4, `column "nope" does not exist`},
		// A deferred constraint fails at COMMIT: the file's last statement.
		{"commit", "CREATE TABLE p (id int PRIMARY KEY);\nALTER TABLE users ADD COLUMN p int REFERENCES p DEFERRABLE INITIALLY DEFERRED;\nINSERT INTO users (p) VALUES (7);\n", 3, "violates foreign key constraint"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := planFiles(t, applied, c.sql)
			var fe *FailedError
			if !errors.As(err, &fe) {
				t.Fatalf("want a FailedError, got %v", err)
			}
			if fe.Line != c.line || !strings.Contains(fe.Error(), c.msg) || !strings.HasSuffix(fe.File, "000002_p.up.sql") {
				t.Errorf("failed at %s:%d: %v; want line %d and %q", fe.File, fe.Line, fe, c.line, c.msg)
			}
		})
	}
}

// When the sandbox refuses what the text shows acts beyond the database,
// the plan reports what the statements before it did in the same file.
func TestPlanStopsKeepingEarlierStatements(t *testing.T) {
	t.Parallel()
	rep, err := planFiles(t, "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n",
		"SET lock_timeout = '5s';\nCREATE INDEX users_email ON users (email);\nCREATE ROLE dbguard_test_evil;\n")
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, f := range rep.Findings {
		rules = append(rules, fmt.Sprintf("%s:%d", f.Rule, f.Line))
	}
	if !contains(rules, "index-not-concurrent:2") || !contains(rules, "beyond-database:3") {
		t.Errorf("findings %v, want index-not-concurrent at line 2 and beyond-database at line 3", rules)
	}
}

// countingConn counts the queries a client sends: pgconn writes each one
// (a simple query, however many statements it holds) in one Write.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

// connectThrough connects to a fresh test database with every network
// connection wrapped (to count or record what is sent), closed at the
// test's end.
func connectThrough(t *testing.T, wrap func(net.Conn) net.Conn) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	cc, err := pgx.ParseConfig(pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	dial := cc.DialFunc
	cc.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return wrap(c), nil
	}
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Tracing costs one round trip per file: the statements, the locks read
// after each, the COMMIT and the relations the next file starts from go
// in one query. Sent one statement at a time, a file of four statements
// cost six.
func TestTraceOneRoundTripPerFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var writes atomic.Int64
	conn := connectThrough(t, func(c net.Conn) net.Conn { return countingConn{Conn: c, writes: &writes} })
	if _, err := conn.Exec(ctx, "CREATE TABLE t (id bigserial PRIMARY KEY, name text)"); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("dbguard.yaml", []byte("version: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	// No code can run (as prepare's codeCheck finds for a shadow with no
	// function of its own): where some can, a statement that makes
	// relations while it holds a live table costs one more round trip,
	// the read of its new indexes (unseenBuilds).
	tr := &tracer{cfg: cfg, live: liveInfo{sizes: map[string]Size{}, lockTimeout: "0"}, report: &Report{}, conn: conn, codeFree: true}
	rels, err := tr.relations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tr.baseline = map[int64]bool{}
	for oid := range rels {
		tr.baseline[oid] = true
	}
	const n = 10
	for i := range n {
		text := fmt.Sprintf("SET lock_timeout = '5s';\nALTER TABLE t ADD COLUMN c%d text;\nCREATE TABLE u%[1]d (id int);\nCREATE INDEX ON u%[1]d (id);\n", i)
		before := writes.Load()
		if err := tr.file(ctx, pendingFile{version: uint(i + 2), path: "f.sql", text: text, shape: sqlscan.Analyze(text)}); err != nil {
			t.Fatal(err)
		}
		// The first file reads the relations it starts from first.
		want := int64(1)
		if i == 0 {
			want = 2
		}
		if got := writes.Load() - before; got != want {
			t.Errorf("file %d: %d round trips, want %d", i+1, got, want)
		}
	}
	if len(tr.report.Files) != n || len(tr.report.Files[n-1].Statements) != 4 || len(tr.report.Files[n-1].Locks) != 1 || tr.report.Files[n-1].Locks[0].Mode != "AccessExclusiveLock" {
		t.Errorf("the trace lost what the files did: %+v", tr.report.Files)
	}
}

// TestAttackTraceForgedLocksRead: a file sent in one query cannot pass its
// own result off as the plan's pg_locks read (to hide a lock, or to claim
// a lock_timeout it never set): the read is known by a column name chosen
// at random for the run, not by its shape.
func TestAttackTraceForgedLocksRead(t *testing.T) {
	t.Parallel()
	rep, err := planFiles(t, "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n",
		"SELECT 0::int8 AS dbguard_locks, 0::int8, '5s'::text;\nALTER TABLE users ADD COLUMN z int;\n")
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, f := range rep.Findings {
		rules = append(rules, fmt.Sprintf("%s:%d", f.Rule, f.Line))
	}
	if !contains(rules, "lock-timeout-missing:2") {
		t.Errorf("findings %v: the ALTER's lock with no lock_timeout is hidden", rules)
	}
	if len(rep.Files) != 1 || len(rep.Files[0].Statements) != 2 || len(rep.Files[0].Statements[0].Locks) != 0 || len(rep.Files[0].Statements[1].Locks) != 1 {
		t.Errorf("the statements' locks are not their own: %+v", rep.Files)
	}
}

// TestAttackTraceSearchPathShadowsCatalog: a file cannot hide its locks by
// putting a view named pg_locks (or pg_class) ahead of pg_catalog in its
// search_path: the plan's reads name the catalog's own relations,
// functions, types and operators.
func TestAttackTraceSearchPathShadowsCatalog(t *testing.T) {
	t.Parallel()
	rep, err := planFiles(t, "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n",
		"CREATE VIEW public.pg_locks AS SELECT * FROM pg_catalog.pg_locks WHERE false;\nSET search_path = public, pg_catalog;\nALTER TABLE users ADD COLUMN z int;\n")
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, f := range rep.Findings {
		rules = append(rules, fmt.Sprintf("%s:%d", f.Rule, f.Line))
	}
	if !contains(rules, "lock-timeout-missing:3") {
		t.Errorf("findings %v: the ALTER's lock is hidden behind public.pg_locks", rules)
	}
}

// TestAttackTraceMarkerFromCurrentQuery: the random name of the plan's
// locks read is in the query the file runs in, so the file can read it
// (current_query()) and give a result of its own that name at run time.
// Taken for the read of the statement it stands for, it would shift the
// reads by one and hide the ALTER's lock; the plan refuses results out of
// their places instead.
func TestAttackTraceMarkerFromCurrentQuery(t *testing.T) {
	t.Parallel()
	rep, err := planFiles(t, "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n", `DO $$
DECLARE m text := substring(current_query() from 'dbguard_locks_[0-9a-f]+');
BEGIN
  EXECUTE format('CREATE TYPE public.forged AS (%I int8, b int8, c text, d int8)', m);
  EXECUTE 'CREATE FUNCTION public.forged() RETURNS SETOF public.forged LANGUAGE sql AS $f$ SELECT 0::int8, 0::int8, ''5s''::text, 0::int8 $f$';
END $$;
SELECT * FROM public.forged();
ALTER TABLE users ADD COLUMN z int;
`)
	if err != nil {
		if !strings.Contains(err.Error(), "do not line up") {
			t.Fatal(err)
		}
		return
	}
	var rules []string
	for _, f := range rep.Findings {
		rules = append(rules, fmt.Sprintf("%s:%d", f.Rule, f.Line))
	}
	if !contains(rules, "lock-timeout-missing:8") {
		t.Errorf("findings %v: the ALTER's lock is hidden by a forged locks read", rules)
	}
}

// recordingConn keeps what a client sends.
type recordingConn struct {
	net.Conn
	mu   *sync.Mutex
	sent *bytes.Buffer
}

func (c recordingConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.sent.Write(b)
	c.mu.Unlock()
	return c.Conn.Write(b)
}

// A traced file reads pg_locks only after the statements that can take a
// lock: not after SET or RESET of a setting, still after SET CONSTRAINTS
// (it runs deferred triggers, which may lock anything) and everything
// else. What each statement did is unchanged.
func TestTraceReadsLocksOnlyAfterStatementsThatLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	var sent bytes.Buffer
	conn := connectThrough(t, func(c net.Conn) net.Conn { return recordingConn{Conn: c, mu: &mu, sent: &sent} })
	// A deferred trigger that takes a lock on a live table when the
	// constraints are checked.
	if _, err := conn.Exec(ctx, `CREATE TABLE t (id bigserial PRIMARY KEY, name text);
CREATE TABLE audit (id int);
CREATE FUNCTION lock_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN LOCK TABLE audit IN SHARE MODE; RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER t_lock AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lock_audit();`); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("dbguard.yaml", []byte("version: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	tr := &tracer{cfg: cfg, live: liveInfo{sizes: map[string]Size{}, lockTimeout: "0"}, report: &Report{}, conn: conn}
	rels, err := tr.relations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tr.baseline = map[int64]bool{}
	for oid := range rels {
		tr.baseline[oid] = true
	}
	text := "SET lock_timeout = '5s';\nRESET statement_timeout;\nINSERT INTO t (name) VALUES ('a');\nSET CONSTRAINTS ALL IMMEDIATE;\nSET LOCAL search_path = public;\nALTER TABLE t ADD COLUMN c text;\nCREATE TABLE u (id int);\n"
	mu.Lock()
	sent.Reset()
	mu.Unlock()
	if err := tr.file(ctx, pendingFile{version: 2, path: "f.sql", text: text, shape: sqlscan.Analyze(text)}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	reads := strings.Count(sent.String(), tr.marker)
	mu.Unlock()
	// INSERT, SET CONSTRAINTS, ALTER TABLE, CREATE TABLE.
	if reads != 4 {
		t.Errorf("%d pg_locks reads for the file, want 4 (none after SET and RESET of a setting)", reads)
	}
	var got []string
	for _, st := range tr.report.Files[0].Statements {
		var locks []string
		for _, l := range st.Locks {
			locks = append(locks, l.Relation+" "+l.Mode)
		}
		got = append(got, fmt.Sprintf("%d:%s", st.Line, strings.Join(locks, ",")))
	}
	want := []string{"1:", "2:", "3:t RowExclusiveLock", "4:audit ShareLock", "5:", "6:t AccessExclusiveLock", "7:"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("statements' locks %v, want %v", got, want)
	}
	var rules []string
	for _, f := range tr.report.Findings {
		rules = append(rules, fmt.Sprintf("%s:%d", f.Rule, f.Line))
	}
	if len(rules) != 0 {
		t.Errorf("findings %v, want none: the file set lock_timeout before its locks", rules)
	}
}

// tracerOn is a tracer on conn as run sets one up: the relations read, the
// locks read prepared.
func tracerOn(t *testing.T, ctx context.Context, conn *pgx.Conn) *tracer {
	t.Helper()
	cfg, err := config.Parse("dbguard.yaml", []byte("version: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	tr := &tracer{cfg: cfg, live: liveInfo{sizes: map[string]Size{}, lockTimeout: "0"}, report: &Report{}, conn: conn}
	rels, err := tr.relations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tr.baseline = map[int64]bool{}
	for oid := range rels {
		tr.baseline[oid] = true
	}
	tr.prepare(ctx)
	return tr
}

// The batches read pg_locks through a statement prepared once, and what
// the files did reads the same as with the read sent whole.
func TestTracePreparedLocksRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const setup = "CREATE TABLE t (id bigserial PRIMARY KEY, name text);\nINSERT INTO t (name) VALUES ('a');\n"
	const file = "ALTER TABLE t ADD COLUMN c text;\nSET lock_timeout = '2s';\nCREATE INDEX t_name ON t (name);\nALTER TABLE t ALTER COLUMN id TYPE int;\n"
	var got [2]string
	for i, prepared := range []bool{false, true} {
		conn, err := pgx.Connect(ctx, pgtest.DB(t))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, setup); err != nil {
			t.Fatal(err)
		}
		tr := tracerOn(t, ctx, conn)
		if !prepared {
			tr.guard = ""
		} else if tr.guard == "" {
			t.Fatal("the locks read was not prepared")
		}
		if err := tr.file(ctx, pendingFile{version: 2, path: "f.sql", text: file, shape: sqlscan.Analyze(file)}); err != nil {
			t.Fatal(err)
		}
		var calls, changed int64
		if err := conn.QueryRow(ctx, "SELECT (SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE name = $1), (SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE name = $1 || '_changed')", tr.marker).Scan(&calls, &changed); err != nil && prepared {
			t.Fatal(err)
		}
		if prepared && (calls != 3 || changed != 1) {
			t.Errorf("the prepared locks read ran %d times, want 3 (after each statement but the SET), and the read of what changed %d, want 1 (it holds the locks after the deferred triggers)", calls, changed)
		}
		got[i] = fmt.Sprintf("%+v %+v", tr.report.Files, tr.report.Findings)
	}
	if got[0] != got[1] {
		t.Errorf("prepared, the trace reads\n%s\nsent whole\n%s", got[1], got[0])
	}
}

// TestAttackTracePreparedReadSwapped: a file can see the plan's prepared
// locks read in pg_prepared_statements, replace it with one of its own
// that reports no locks (PREPARE in a DO block), take its locks, and put
// the plan's text back under the name before the file ends. The batch's
// guard sees a statement prepared again and fails the batch, which runs
// again one statement at a time with the read sent whole: the ALTER's lock
// with no lock_timeout is still found.
func TestAttackTracePreparedReadSwapped(t *testing.T) {
	t.Parallel()
	rep, err := planFiles(t, "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n", `DO $$
DECLARE n text; q text;
BEGIN
  SELECT name, statement INTO n, q FROM pg_catalog.pg_prepared_statements WHERE name ~ '^dbguard_locks_[0-9a-f]+$';
  CREATE TABLE public.saved (n text, q text);
  INSERT INTO public.saved VALUES (n, q);
  EXECUTE format('DEALLOCATE %I', n);
  EXECUTE format('PREPARE %I AS SELECT 0::int8 AS %I, 0::int8, %L::text', n, n, '5s');
END $$;
ALTER TABLE users ADD COLUMN z int;
DO $$
DECLARE n text; q text;
BEGIN
  SELECT s.n, s.q INTO n, q FROM public.saved s;
  EXECUTE format('DEALLOCATE %I', n);
  EXECUTE split_part(q, ';', 1);
END $$;
`)
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, f := range rep.Findings {
		rules = append(rules, fmt.Sprintf("%s:%d", f.Rule, f.Line))
	}
	if !contains(rules, "lock-timeout-missing:10") {
		t.Errorf("findings %v: the ALTER's lock is hidden, or put on another line, by a prepared read of the file's making", rules)
	}
}

// A file's DEALLOCATE ALL removes the prepared locks read; the batch fails
// on it and the file runs again one statement at a time, with its
// findings, and so do the files after it.
func TestTracePreparedReadDeallocated(t *testing.T) {
	t.Parallel()
	rep, err := planFiles(t, "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n",
		"DEALLOCATE ALL;\nALTER TABLE users ADD COLUMN z int;\n",
		"ALTER TABLE users ADD COLUMN y int;\n")
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, f := range rep.Findings {
		rules = append(rules, fmt.Sprintf("%s:%s:%d", f.Rule, filepath.Base(f.File), f.Line))
	}
	if !contains(rules, "lock-timeout-missing:000002_p.up.sql:2") || !contains(rules, "lock-timeout-missing:000003_p.up.sql:1") {
		t.Errorf("findings %v: want the lock with no lock_timeout in both files", rules)
	}
}

// After each traced file the relations are read again only where the file
// can have changed them (what it locked, what it created, the schemas);
// the map the next file starts from is the one a whole read gives, after
// renames, moves, drops, rewrites, subtransactions, a schema renamed and
// DDL run by a deferred trigger at the end of the file.
func TestTraceRelationsReadIncrementally(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA s;
CREATE TABLE a (id bigserial PRIMARY KEY, name text);
CREATE TABLE c (id bigserial PRIMARY KEY, name text);
CREATE INDEX c_name ON c (name);
CREATE TABLE s.d (id int PRIMARY KEY);
INSERT INTO c (name) VALUES ('x');`); err != nil {
		t.Fatal(err)
	}
	tr := tracerOn(t, ctx, conn)
	if tr.guard == "" {
		t.Fatal("the reads were not prepared")
	}
	files := []string{
		"ALTER TABLE a RENAME TO a2;\nCREATE TABLE b (id int);\nCREATE INDEX ON b (id);\n",
		"ALTER TABLE a2 SET SCHEMA s;\nTRUNCATE c;\nALTER INDEX c_name RENAME TO c_name2;\n",
		"DROP TABLE b;\nSET lock_timeout = '1s';\n",
		"DO $$ BEGIN CREATE TABLE e1 (id int); RAISE EXCEPTION 'undo'; EXCEPTION WHEN others THEN CREATE TABLE e2 (id int); END $$;\n",
		"ALTER SCHEMA s RENAME TO s2;\n",
		"CREATE SCHEMA t;\nCREATE TABLE t.f (id int);\n",
		`CREATE TABLE g (id int);
CREATE FUNCTION at_commit() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN ALTER TABLE c RENAME TO c3; ALTER TABLE e2 ALTER COLUMN id TYPE bigint; DROP TABLE t.f; CREATE TABLE h (id int); RETURN NULL; END $f$;
CREATE CONSTRAINT TRIGGER g_commit AFTER INSERT ON g DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION at_commit();
INSERT INTO g VALUES (1);
`,
		"DROP SCHEMA s2 CASCADE;\n",
		"SET lock_timeout = '2s';\n",
		// A deferred trigger that defers the constraints again and queues
		// one more event, which runs in COMMIT, after the plan's read.
		`CREATE TABLE late (id int);
CREATE FUNCTION in_commit() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN ALTER TABLE c3 RENAME TO c4; CREATE TABLE made_in_commit (id int); RETURN NULL; END $f$;
CREATE CONSTRAINT TRIGGER late_commit AFTER INSERT ON late DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION in_commit();
CREATE OR REPLACE FUNCTION at_commit() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN SET CONSTRAINTS ALL DEFERRED; INSERT INTO late VALUES (1); RETURN NULL; END $f$;
INSERT INTO g VALUES (2);
`,
		"ALTER TABLE made_in_commit ADD COLUMN x int;\n",
	}
	for i, text := range files {
		if err := tr.file(ctx, pendingFile{version: uint(i + 2), path: "f.sql", text: text, shape: sqlscan.Analyze(text)}); err != nil {
			t.Fatalf("file %d: %v", i+1, err)
		}
		if tr.next == nil {
			t.Fatalf("file %d: not traced in one query", i+1)
		}
		whole, err := tr.relations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(tr.next, whole) {
			t.Errorf("after file %d (%q) the relations read\n%v\nread whole\n%v", i+1, text, tr.next, whole)
		}
	}
}

// The read of what a file changed is planned once for the whole trace,
// not once per file: planning it anew took more server time than running
// it (plan135: 118 ms of planning and 75 ms of execution for 135 files,
// pg_stat_statements). PostgreSQL keeps a generic plan when its estimate
// is no worse than the custom plans', and a lone "oid > $1" was estimated
// to match a third of pg_class.
func TestTraceChangedReadPlannedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// A catalog of plan135's size: the generic plan of a lone "oid > $1"
	// lost to the custom ones from about a thousand relations.
	const tables, n = 300, 12
	var setup strings.Builder
	for i := 1; i <= tables; i++ {
		fmt.Fprintf(&setup, "CREATE TABLE t_%d (id bigserial PRIMARY KEY, name text NOT NULL);\nCREATE INDEX t_%d_name ON t_%[1]d (name);\n", i, i)
	}
	if _, err := conn.Exec(ctx, setup.String()); err != nil {
		t.Fatal(err)
	}
	tr := tracerOn(t, ctx, conn)
	if tr.guard == "" {
		t.Fatal("the reads were not prepared")
	}
	for i := 1; i <= n; i++ {
		text := fmt.Sprintf("SET lock_timeout = '5s';\nALTER TABLE t_%d ADD COLUMN note text;\nCREATE TABLE u_%d (id bigserial PRIMARY KEY, t_id bigint NOT NULL);\nCREATE INDEX u_%d_t ON u_%[2]d (t_id);\n", i, i, i)
		if err := tr.file(ctx, pendingFile{version: uint(i), path: "f.sql", text: text, shape: sqlscan.Analyze(text)}); err != nil {
			t.Fatalf("file %d: %v", i, err)
		}
		if tr.next == nil {
			t.Fatalf("file %d: not traced in one query", i)
		}
	}
	var custom, generic int64
	if err := conn.QueryRow(ctx, "SELECT custom_plans, generic_plans FROM pg_prepared_statements WHERE name = $1", tr.marker+"_changed").Scan(&custom, &generic); err != nil {
		t.Fatal(err)
	}
	// Five custom plans before PostgreSQL weighs a generic one.
	if custom > 5 || generic < n-5 {
		t.Errorf("the read of what changed was planned for %d of %d files (generic plan %d times): want at most 5", custom, n, generic)
	}
	whole, err := tr.relations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tr.next, whole) {
		t.Errorf("the relations read after the files\n%v\nread whole\n%v", tr.next, whole)
	}
}

// TestAttackTraceChangedReadSwapped: the read of what a file changed
// among the relations is prepared too, and runs after the file's deferred
// triggers. A trigger that renames a live table and swaps that read for
// one reporting nothing would leave the next file's locks named for the
// old name; the guard fails the batch, the file runs again one statement
// at a time, and the relations are read whole.
func TestAttackTraceChangedReadSwapped(t *testing.T) {
	t.Parallel()
	rep, err := planFiles(t, "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n", `CREATE TABLE g (id int);
CREATE FUNCTION at_commit() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE n text;
BEGIN
  ALTER TABLE users RENAME TO users_hidden;
  SELECT name INTO n FROM pg_catalog.pg_prepared_statements WHERE name LIKE 'dbguard_locks_%_changed';
  IF n IS NOT NULL THEN
    EXECUTE format('DEALLOCATE %I', n);
    EXECUTE format('PREPARE %I(oid) AS SELECT oid::int8, 0::int8, %L::text, nspname, ''''::name, 0::int8 FROM pg_catalog.pg_namespace', n, 'N');
  END IF;
  RETURN NULL;
END $f$;
CREATE CONSTRAINT TRIGGER g_commit AFTER INSERT ON g DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION at_commit();
INSERT INTO g VALUES (1);
`, "ALTER TABLE users_hidden ADD COLUMN z int;\n")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, fmt.Sprintf("%s:%s:%d:%s", f.Rule, filepath.Base(f.File), f.Line, f.Relation))
	}
	if !contains(got, "lock-timeout-missing:000003_p.up.sql:1:users_hidden") {
		t.Errorf("findings %v: want the second file's lock on users_hidden, by its name after the first file", got)
	}
}

// A plan with nothing pending (every pull request without a migration)
// starts no sandbox: not even the search for server binaries runs. The
// binaries here are stand-ins that leave a mark when run.
func TestPlanNothingPendingStartsNoSandbox(t *testing.T) {
	bin := t.TempDir()
	mark := filepath.Join(t.TempDir(), "ran")
	script := "#!/bin/sh\necho \"$0 $*\" >> '" + mark + "'\necho 'initdb (PostgreSQL) 15.1'\n"
	if err := os.WriteFile(filepath.Join(bin, "initdb"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "postgres"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(sandbox.EnvBinDir, bin)
	rep, err := planFiles(t, "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 0 || !contains(rep.Notes, "nothing pending: the database is at the newest version") {
		t.Fatalf("want nothing pending, got %+v", rep)
	}
	if ran, err := os.ReadFile(mark); err == nil {
		t.Errorf("a plan with nothing pending ran the server binaries: %s", ran)
	}
}

// TestTraceSessionHasReplayedDatabaseSettings: the trace's session is
// opened while the applied files are replayed (verify.WithShadowSession),
// but an applied file's ALTER DATABASE ... SET applies from the next
// session on, as migrate up's own session would have it: here its
// search_path, without which the pending ALTER TABLE accounts names no
// table.
func TestTraceSessionHasReplayedDatabaseSettings(t *testing.T) {
	t.Parallel()
	const applied = `CREATE SCHEMA app;
CREATE TABLE users (id bigserial PRIMARY KEY, email text);
CREATE TABLE app.accounts (id bigserial PRIMARY KEY, note text);
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = public, app', current_database()); END $$;
`
	rep, err := planFiles(t, applied, "SET lock_timeout = '5s';\nALTER TABLE accounts ADD COLUMN z int;\n")
	if err != nil {
		t.Fatal(err)
	}
	var locked []string
	for _, f := range rep.Files {
		for _, l := range f.Locks {
			locked = append(locked, l.Relation)
		}
	}
	if !reflect.DeepEqual(locked, []string{"app.accounts"}) {
		t.Errorf("the pending file locked %v, want [app.accounts]", locked)
	}
}

// TestPlanShadowBuildFailsWithSessionOpen: an applied file the sandbox
// refuses (LOAD, a superuser's right) fails the fast build and then the
// slow one; the trace's session, opened while the first ran, is closed and
// the plan stops with the shadow's error.
func TestPlanShadowBuildFailsWithSessionOpen(t *testing.T) {
	t.Parallel()
	_, err := planFiles(t, "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\nLOAD 'auto_explain';\n", "ALTER TABLE users ADD COLUMN z int;\n")
	var be *verify.ShadowBuildError
	if !errors.As(err, &be) {
		t.Fatalf("%v, want a ShadowBuildError", err)
	}
}

// The trace's reads leave out the locks on relations below
// FirstNormalObjectId (system catalogs and views, which every file and
// read locks), but such a relation can become a user relation: moved out
// of information_schema or, by a superuser with allow_system_table_mods,
// out of pg_catalog. It is then among the relations a file is judged
// against, and its locks, rename and move back are read as any other
// relation's (floor): the map after each file is the whole read's, and
// the ALTER TABLE of the moved table is blamed for its lock.
func TestTraceCatalogRelationMovedOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var super bool
	if err := conn.QueryRow(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&super); err != nil || !super {
		t.Fatalf("the test's role must be a superuser (moves catalogs): %v %v", super, err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE a (id int)"); err != nil {
		t.Fatal(err)
	}
	tr := tracerOn(t, ctx, conn)
	if tr.guard == "" {
		t.Fatal("the reads were not prepared")
	}
	var features, am, amIndex int64
	if err := conn.QueryRow(ctx, "SELECT 'information_schema.sql_features'::regclass::oid::int8, 'pg_catalog.pg_am'::regclass::oid::int8, 'pg_catalog.pg_am_name_index'::regclass::oid::int8").Scan(&features, &am, &amIndex); err != nil {
		t.Fatal(err)
	}
	if features >= catalogOIDs || am >= catalogOIDs || amIndex >= catalogOIDs {
		t.Fatalf("oids %d, %d, %d: not below %d", features, am, amIndex, catalogOIDs)
	}
	files := []string{
		"ALTER TABLE information_schema.sql_features SET SCHEMA public;\n",
		"ALTER TABLE sql_features ADD COLUMN x int;\nCREATE INDEX sql_features_x ON sql_features (x);\n",
		"SET allow_system_table_mods = on;\nALTER TABLE pg_catalog.pg_am SET SCHEMA public;\nRESET allow_system_table_mods;\n",
		// A weaker lock than ACCESS EXCLUSIVE on a relation below the
		// floor: an index rename takes SHARE UPDATE EXCLUSIVE.
		"SET allow_system_table_mods = on;\nALTER INDEX public.pg_am_name_index RENAME TO am_names;\nALTER TABLE a ADD COLUMN y int;\n",
		"SET allow_system_table_mods = on;\nALTER TABLE public.pg_am SET SCHEMA pg_catalog;\nALTER TABLE sql_features SET SCHEMA information_schema;\n",
		"ALTER TABLE a ADD COLUMN z int;\n",
	}
	for i, text := range files {
		if err := tr.file(ctx, pendingFile{version: uint(i + 2), path: fmt.Sprintf("f%d.sql", i+1), text: text, shape: sqlscan.Analyze(text)}); err != nil {
			t.Fatalf("file %d: %v", i+1, err)
		}
		if tr.next == nil {
			t.Fatalf("file %d: not traced in one query", i+1)
		}
		whole, err := tr.relations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(tr.next, whole) {
			t.Errorf("after file %d (%q) the relations read\n%v\nread whole\n%v", i+1, text, tr.next, whole)
		}
		switch i {
		case 0, 2:
			if _, ok := whole[map[int]int64{0: features, 2: am}[i]]; !ok {
				t.Errorf("after file %d the moved catalog relation is not a user relation: %v", i+1, whole)
			}
		case 3:
			if r := whole[amIndex]; r.key != "am_names" {
				t.Errorf("after file %d the index of pg_am is %+v, want am_names", i+1, r)
			}
		case 4:
			if _, ok := whole[features]; ok {
				t.Errorf("after file %d sql_features is still a user relation", i+1)
			}
		}
	}
	var got []string
	for _, f := range tr.report.Files {
		for _, st := range f.Statements {
			for _, l := range st.Locks {
				got = append(got, fmt.Sprintf("%s:%d %s %s", f.File, st.Line, l.Relation, l.Mode))
			}
		}
	}
	for _, want := range []string{"f2.sql:1 sql_features AccessExclusiveLock", "f5.sql:2 pg_am AccessExclusiveLock", "f5.sql:3 sql_features AccessExclusiveLock"} {
		if !slices.Contains(got, want) {
			t.Errorf("no lock %q among the statements' locks %v", want, got)
		}
	}
}

// TestCopiableLeavesOutWhatACopyLoses: the applied texts whose effect a
// copied database would not have are built in place, so a test of a
// database's settings (TestAttackLiveCatalogDatabaseSearchPath) keeps
// them; the ordinary schemas are copied.
func TestCopiableLeavesOutWhatACopyLoses(t *testing.T) {
	for _, c := range []struct {
		applied string
		want    bool
	}{
		{"CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n", true},
		// A view named v_user is the database's own (TestAttackWholeTableAlwaysTrue).
		{"CREATE VIEW v_user AS SELECT * FROM users WHERE current_user IS NOT NULL;\n", true},
		{"CREATE USER app;\n", false},
		{pgtest.CatalogTrapSQL, true},
		{pgtest.DatabaseSearchPath("public, pg_catalog") + ";\n", false},
		{"CREATE ROLE app;\nCREATE TABLE t (id int);\n", false},
		{"CREATE TABLE t (id int);\nGRANT SELECT ON t TO PUBLIC;\n", false},
		{"ALTER SYSTEM SET work_mem = '8MB';\n", false},
	} {
		if got := copiable(c.applied); got != c.want {
			t.Errorf("copiable(%.60q) = %v, want %v", c.applied, got, c.want)
		}
	}
}
