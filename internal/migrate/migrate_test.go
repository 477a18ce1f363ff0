package migrate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// files writes migration files into a fresh folder.
func files(t *testing.T, fs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range fs {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var threeMigrations = map[string]string{
	"000001_users.up.sql":      `CREATE TABLE "user" (id serial PRIMARY KEY, email varchar(255) NOT NULL);`,
	"000001_users.down.sql":    `DROP TABLE "user";`,
	"000002_password.up.sql":   `ALTER TABLE "user" ADD COLUMN password_hash varchar(255);`,
	"000002_password.down.sql": `ALTER TABLE "user" DROP COLUMN password_hash;`,
	"000003_orders.up.sql":     "CREATE TABLE orders (\n  id serial PRIMARY KEY,\n  user_id integer REFERENCES \"user\"(id)\n);",
	"000003_orders.down.sql":   `DROP TABLE orders;`,
}

func open(t *testing.T, dbURL, dir string, tweak func(*Options)) *Runner {
	t.Helper()
	u, err := dburl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Connect: pg.ConnectOptions{URL: u}, Dir: dir, LockTimeout: 15 * time.Second}
	if tweak != nil {
		tweak(&o)
	}
	r, err := Open(context.Background(), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func version(t *testing.T, r *Runner) (int, bool) {
	t.Helper()
	v, dirty, err := r.Version()
	if err != nil {
		t.Fatal(err)
	}
	return v, dirty
}

func columns(t *testing.T, dbURL, table string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, table)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return cols
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	r := open(t, dbURL, files(t, threeMigrations), nil)

	if v, _ := version(t, r); v != -1 {
		t.Fatalf("fresh database at version %d", v)
	}
	st, err := r.Status()
	if err != nil || st.Pending != 3 {
		t.Fatalf("status: %+v, %v", st, err)
	}
	var pending *PendingError
	if err := st.Err(false, r.Source()); !errors.As(err, &pending) || pending.Count != 3 {
		t.Errorf("status verdict %v", err)
	}
	if err := st.Err(true, r.Source()); err != nil {
		t.Errorf("--allow-pending: %v", err)
	}

	if err := r.Up(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if v, _ := version(t, r); v != 1 {
		t.Fatalf("up 1: version %d", v)
	}
	if err := r.Up(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if v, _ := version(t, r); v != 3 {
		t.Fatalf("up: version %d", v)
	}
	if got := strings.Join(columns(t, dbURL, `"user"`), ","); got != "id,email,password_hash" {
		t.Errorf(`"user" columns: %s`, got)
	}
	// Up with nothing pending is fine.
	if err := r.Up(ctx, 0); err != nil {
		t.Errorf("up with nothing pending: %v", err)
	}
	if err := r.Down(ctx, 2, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := version(t, r); v != 1 {
		t.Fatalf("down 2: version %d", v)
	}
	if got := strings.Join(columns(t, dbURL, `"user"`), ","); got != "id,email" {
		t.Errorf("after down 2: %s", got)
	}
	if err := r.Goto(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := r.Goto(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if v, _ := version(t, r); v != 2 {
		t.Fatalf("goto 2: version %d", v)
	}
	var nsv *NoSuchVersionError
	if err := r.Goto(ctx, 9); !errors.As(err, &nsv) {
		t.Errorf("goto 9: %v", err)
	}
	if err := r.Force(3); err != nil {
		t.Fatal(err)
	}
	if v, dirty := version(t, r); v != 3 || dirty {
		t.Fatalf("force 3: %d dirty=%v", v, dirty)
	}
	if err := r.Force(-1); err != nil {
		t.Fatal(err)
	}
	if v, _ := version(t, r); v != -1 {
		t.Fatalf("force -1: %d", v)
	}
	if err := r.Force(4); !errors.As(err, &nsv) {
		t.Errorf("force 4: %v", err)
	}
	if err := r.Force(2); err != nil {
		t.Fatal(err)
	}
	if err := r.Down(ctx, 0, true); err != nil {
		t.Fatal(err)
	}
	if v, _ := version(t, r); v != -1 {
		t.Fatalf("down --all: version %d", v)
	}
	if cols := columns(t, dbURL, `"user"`); len(cols) != 0 {
		t.Errorf("down --all left \"user\": %v", cols)
	}
}

func TestFailingMigrationLeavesDirtyState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	fs := map[string]string{
		"000001_users.up.sql":   threeMigrations["000001_users.up.sql"],
		"000001_users.down.sql": threeMigrations["000001_users.down.sql"],
		"000002_bad.up.sql":     "ALTER TABLE \"user\" ADD COLUMN password_hash varchar(255);\nALTER TABLE \"user\"\n  ADD COLUMN age integr NOT NULL;\n",
		"000002_bad.down.sql":   `SELECT 1;`,
	}
	dir := files(t, fs)
	r := open(t, dbURL, dir, nil)
	err := r.Up(ctx, 0)
	var me *MigrationError
	if !errors.As(err, &me) {
		t.Fatalf("Up = %v, want a *MigrationError", err)
	}
	want := filepath.Join(dir, "000002_bad.up.sql") + `:3:18: type "integr" does not exist (SQLSTATE 42704)`
	if !strings.HasPrefix(me.Error(), want) {
		t.Errorf("error\n got %q\nwant prefix %q", me.Error(), want)
	}
	if !strings.Contains(me.Error(), "    3 |   ADD COLUMN age integr NOT NULL;\n      |                  ^") {
		t.Errorf("no caret under the failing token:\n%s", me.Error())
	}
	if !me.Transactional || !strings.Contains(me.Hint(), "nothing of it was applied; put the version back with: dbguard migrate recover; then fix the file and run: dbguard migrate up") {
		t.Errorf("hint: %s", me.Hint())
	}
	// The file ran as one transaction: nothing of it is left.
	if got := strings.Join(columns(t, dbURL, `"user"`), ","); got != "id,email" {
		t.Errorf("half-applied migration: %s", got)
	}
	// The next command, in a new session, reports the dirty state.
	r2 := open(t, dbURL, dir, nil)
	var dirty *DirtyError
	if err := r2.Up(ctx, 0); !errors.As(err, &dirty) || dirty.Version != 2 || dirty.Prev != 1 || !strings.HasSuffix(dirty.File, "000002_bad.up.sql") {
		t.Fatalf("next up: %v", err)
	}
	if err := r2.Down(ctx, 1, false); !errors.As(err, &dirty) {
		t.Errorf("down on a dirty database: %v", err)
	}
	st, err := r2.Status()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Err(true, r2.Source()); !errors.As(err, &dirty) {
		t.Errorf("status on a dirty database: %v", err)
	}
	if st.Migrations[1].State != Failed {
		t.Errorf("status rows: %+v", st.Migrations)
	}
	// The ledger knows which file failed and that it was rolled back.
	if dirty.Entry == nil || dirty.Entry.Direction != DirUp || !strings.Contains(dirty.Error(), "rolled all of it back") ||
		!strings.Contains(dirty.Error(), `failed going up at line 3: type "integr" does not exist (SQLSTATE 42704)`) || !strings.Contains(dirty.Hint(), "dbguard migrate recover;") {
		t.Errorf("dirty: %v\nhint: %s", dirty, dirty.Hint())
	}
	// The way out the hint names.
	if err := os.WriteFile(filepath.Join(dir, "000002_bad.up.sql"), []byte(`ALTER TABLE "user" ADD COLUMN age integer;`), 0o644); err != nil {
		t.Fatal(err)
	}
	rec, err := r2.Recover(ctx, false)
	if err != nil || rec.Version != 1 || rec.Completed {
		t.Fatalf("recover = %+v, %v", rec, err)
	}
	r3 := open(t, dbURL, dir, nil)
	if err := r3.Up(ctx, 0); err != nil {
		t.Fatalf("up after force: %v", err)
	}
}

func TestMissingRecordedVersion(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.DB(t)
	all := files(t, threeMigrations)
	if err := open(t, dbURL, all, nil).Up(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	// Another branch: migration 3 does not exist there.
	fewer := map[string]string{}
	for k, v := range threeMigrations {
		if !strings.HasPrefix(k, "000003") {
			fewer[k] = v
		}
	}
	r := open(t, dbURL, files(t, fewer), nil)
	var missing *MissingVersionError
	err := r.Up(context.Background(), 0)
	if !errors.As(err, &missing) || missing.Version != 3 || missing.Below != 2 {
		t.Fatalf("Up = %v", err)
	}
	if !strings.Contains(missing.Hint(), "dbguard migrate force 2") {
		t.Errorf("hint: %s", missing.Hint())
	}
	st, _ := r.Status()
	if err := st.Err(true, r.Source()); !errors.As(err, &missing) {
		t.Errorf("status: %v", err)
	}
}

// Four sessions migrating one database at once apply each migration exactly
// once and all succeed: the lock serialises them.
func TestConcurrentUp(t *testing.T) {
	t.Parallel() // its own database and files
	dbURL := pgtest.DB(t)
	fs := map[string]string{}
	for i := 1; i <= 20; i++ {
		fs[fmt.Sprintf("%06d_t%d.up.sql", i, i)] = fmt.Sprintf("CREATE TABLE t%d (id int); INSERT INTO applied_log VALUES (%d); SELECT pg_sleep(0.02);", i, i)
		fs[fmt.Sprintf("%06d_t%d.down.sql", i, i)] = fmt.Sprintf("DROP TABLE t%d;", i)
	}
	fs["000000_log.up.sql"] = "CREATE TABLE applied_log (version int);"
	dir := files(t, fs)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, _ := dburl.Parse(dbURL)
			r, err := Open(context.Background(), Options{Connect: pg.ConnectOptions{URL: u}, Dir: dir, LockTimeout: time.Minute})
			if err != nil {
				errs[i] = err
				return
			}
			defer r.Close()
			errs[i] = r.Up(context.Background(), 0)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("session %d: %v", i, err)
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n, distinct int
	if err := conn.QueryRow(ctx, "SELECT count(*), count(DISTINCT version) FROM applied_log").Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != 20 || distinct != 20 {
		t.Errorf("applied %d migrations (%d distinct), want each of 20 exactly once", n, distinct)
	}
}

// A lock held elsewhere makes the run fail after the lock timeout, with the
// holder named, instead of waiting forever.
func TestLockTimeout(t *testing.T) {
	t.Parallel() // its own database and files
	ctx := context.Background()
	name, dbURL := pgtest.NamedDB(t)
	dir := files(t, threeMigrations)
	r := open(t, dbURL, dir, func(o *Options) { o.LockTimeout = time.Second })

	release := pgtest.HoldMigrationLock(t, name, dbURL, "stuck-deploy")
	start := time.Now()
	err := r.Up(ctx, 0)
	var lt *LockTimeoutError
	if !errors.As(err, &lt) {
		t.Fatalf("Up = %v, want a *LockTimeoutError", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("gave up after %s with a 1s lock timeout", elapsed)
	}
	if !strings.Contains(lt.Error(), "stuck-deploy") {
		t.Errorf("holder not named: %v", lt)
	}
	if v, _ := version(t, r); v != -1 {
		t.Errorf("something ran without the lock: version %d", v)
	}
	// Once released, the same session migrates: the lock_timeout used for
	// the lock does not leak into the migrations.
	release()
	if err := r.Up(ctx, 0); err != nil {
		t.Fatalf("up after the lock was released: %v", err)
	}
}

// The lock timeout also bounds the first use, when golang-migrate takes
// the lock to create its version table. Open itself takes no lock.
func TestLockTimeoutOnFirstUse(t *testing.T) {
	t.Parallel() // its own database and files
	ctx := context.Background()
	name, dbURL := pgtest.NamedDB(t)
	pgtest.HoldMigrationLock(t, name, dbURL, "")
	u, _ := dburl.Parse(dbURL)
	r, err := Open(ctx, Options{Connect: pg.ConnectOptions{URL: u}, Dir: files(t, threeMigrations), LockTimeout: time.Second})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	defer r.Close()
	var lt *LockTimeoutError
	if err := r.Up(ctx, 0); !errors.As(err, &lt) {
		t.Fatalf("Up = %v, want a *LockTimeoutError", err)
	}
}

func TestGracefulStop(t *testing.T) {
	dbURL := pgtest.DB(t)
	fs := map[string]string{}
	for i := 1; i <= 5; i++ {
		fs[fmt.Sprintf("%06d_slow%d.up.sql", i, i)] = fmt.Sprintf("SELECT pg_sleep(0.3); CREATE TABLE slow%d (id int);", i)
	}
	r := open(t, dbURL, files(t, fs), nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(400*time.Millisecond, cancel)
	err := r.Up(ctx, 0)
	var ie *InterruptedError
	if !errors.As(err, &ie) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Up = %v, want an *InterruptedError", err)
	}
	v, dirty := version(t, r)
	if dirty || v < 1 || v >= 5 {
		t.Errorf("after the stop: version %d dirty=%v, want a clean version between 1 and 4", v, dirty)
	}
	if ie.Version != v {
		t.Errorf("error says version %d, database %d", ie.Version, v)
	}
}

func TestUnreachable(t *testing.T) {
	port, err := pgtest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := dburl.Parse("postgres://app:" + pgtest.Password + "@127.0.0.1:" + port + "/app?connect_timeout=2")
	_, err = Open(context.Background(), Options{Connect: pg.ConnectOptions{URL: u}, Dir: files(t, threeMigrations)})
	var ue *pg.UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("Open = %v, want an *pg.UnreachableError", err)
	}
	if !strings.Contains(ue.Error(), "127.0.0.1:"+port+"/app") || strings.Contains(ue.Error(), pgtest.Password) {
		t.Errorf("error: %v", ue)
	}
	// A wrong password is not unreachable: the configuration is wrong.
	s := pgtest.Must(t)
	bad, _ := dburl.Parse(strings.Replace(s.URL("postgres"), pgtest.Password, "wrong-S3cret", 1))
	_, err = Open(context.Background(), Options{Connect: pg.ConnectOptions{URL: bad}, Dir: files(t, threeMigrations)})
	var re *pg.RejectedError
	if !errors.As(err, &re) || strings.Contains(err.Error(), "wrong-S3cret") {
		t.Fatalf("wrong password: %v", err)
	}
}

// A server that starts a few seconds after dbguard does: --wait retries
// until it is up. It restarts its server, so it has one of its own.
func TestWaitForServer(t *testing.T) {
	t.Parallel()
	s := pgtest.Own(t)
	_, dbURL := s.NamedDB(t)
	if err := s.Halt(); err != nil {
		t.Fatal(err)
	}
	restarted := make(chan error, 1)
	time.AfterFunc(2*time.Second, func() { restarted <- s.Run() })
	u, _ := dburl.Parse(dbURL)
	r, err := Open(context.Background(), Options{Connect: pg.ConnectOptions{URL: u, Wait: 30 * time.Second}, Dir: files(t, threeMigrations), LockTimeout: 15 * time.Second})
	if rerr := <-restarted; rerr != nil {
		t.Fatalf("restarting the server: %v", rerr)
	}
	if err != nil {
		t.Fatalf("Open with --wait: %v", err)
	}
	defer r.Close()
	if err := r.Up(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
}
