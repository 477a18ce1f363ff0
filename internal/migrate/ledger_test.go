package migrate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gomigrate "github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	_ "github.com/golang-migrate/migrate/v4/source/file"
	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// exec runs SQL on the test database.
func exec(t *testing.T, dbURL, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func history(t *testing.T, r *Runner) []Entry {
	t.Helper()
	h, _, err := r.History(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// migrated applies files to a fresh database: its URL, the folder and the
// runner that applied them.
func migrated(t *testing.T, fs map[string]string) (string, string, *Runner) {
	t.Helper()
	dbURL := pgtest.DB(t)
	dir := files(t, fs)
	r := open(t, dbURL, dir, nil)
	if err := r.Up(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	return dbURL, dir, r
}

func status(t *testing.T, r *Runner) *Status {
	t.Helper()
	st, err := r.Status()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A database migrated by raw golang-migrate gets its ledger on the first
// guarded run, marked adopted, with one line saying so.
func TestLedgerAdoptsRawGolangMigrate(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);", "1_a.down.sql": "DROP TABLE a;",
		"2_b.up.sql": "CREATE TABLE b (id int);", "2_b.down.sql": "DROP TABLE b;",
	})
	rawUp(t, dbURL, dir)

	r := open(t, dbURL, dir, nil)
	st := status(t, r)
	if st.Integrity.Ledger || strings.Join(strings.Fields(strings.Trim(strings.Replace(joinInts(st.Integrity.Unrecorded), ",", " ", -1), " ")), " ") != "1 2" || st.Err(false, r.Source()) != nil {
		t.Fatalf("status before the first run: %+v, %v", st.Integrity, st.Err(false, r.Source()))
	}
	write(t, dir, "3_c.up.sql", "CREATE TABLE c (id int);")
	var log strings.Builder
	r = open(t, dbURL, dir, func(o *Options) { o.Log = &log })
	if err := r.Up(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "dbguard: ledger: recorded 2 migration(s) applied before dbguard kept a ledger (1, 2)") {
		t.Errorf("log:\n%s", log.String())
	}
	var got []string
	for _, e := range history(t, r) {
		got = append(got, e.Direction+" "+e.File+" "+e.State)
		if e.Checksum == "" || e.DBUser != "postgres" {
			t.Errorf("entry %+v", e)
		}
	}
	if want := "adopt 1_a.up.sql done|adopt 2_b.up.sql done|up 3_c.up.sql done"; strings.Join(got, "|") != want {
		t.Errorf("history %q, want %q", strings.Join(got, "|"), want)
	}
	// Raw golang-migrate still works on the same database.
	m, err := gomigrate.New("file://"+dir, strings.Replace(dbURL, "postgres://", "pgx5://", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if v, dirty, err := m.Version(); err != nil || v != 3 || dirty {
		t.Errorf("golang-migrate reads %d %v %v", v, dirty, err)
	}
}

// A file edited after it was applied fails status and up, naming it; accept
// records the new content.
func TestLedgerEditedAfterApply(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL, dir, r := migrated(t, map[string]string{"1_a.up.sql": "CREATE TABLE a (id int);", "2_b.up.sql": "CREATE TABLE b (id int);"})
	write(t, dir, "1_a.up.sql", "CREATE TABLE a (id bigint);")
	r = open(t, dbURL, dir, nil)
	var edited *EditedError
	if err := status(t, r).Err(false, r.Source()); !errors.As(err, &edited) || edited.Edited[0].Version != 1 {
		t.Fatalf("status = %v", err)
	}
	msg := edited.Error()
	for _, want := range []string{filepath.Join(dir, "1_a.up.sql") + ": applied ", " by postgres from ", " with sha256 ", "; the file is now "} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	if !strings.Contains(edited.Hint(), "dbguard migrate accept 1") {
		t.Errorf("hint: %s", edited.Hint())
	}
	write(t, dir, "3_c.up.sql", "CREATE TABLE c (id int);")
	r = open(t, dbURL, dir, nil)
	if err := r.Up(ctx, 0); !errors.As(err, &edited) {
		t.Fatalf("up over an edited file = %v", err)
	}
	if v, _ := version(t, r); v != 2 {
		t.Errorf("up ran with an edited file: version %d", v)
	}
	if _, err := r.Accept(ctx, 1, true); err != nil {
		t.Fatal(err)
	}
	r = open(t, dbURL, dir, nil)
	if err := r.Up(ctx, 0); err != nil {
		t.Fatalf("up after accept: %v", err)
	}
}

// A migration merged below the applied version is refused, then applied
// out of order with the flag, and recorded so.
func TestLedgerLateMerge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL, dir, r := migrated(t, map[string]string{"1_a.up.sql": "CREATE TABLE a (id int);", "3_c.up.sql": "CREATE TABLE c (id int);"})
	write(t, dir, "2_b.up.sql", "CREATE TABLE b (id int);")
	r = open(t, dbURL, dir, nil)
	st := status(t, r)
	var late *LateError
	if err := st.Err(true, r.Source()); !errors.As(err, &late) || len(late.Files) != 1 || late.Files[0] != filepath.Join(dir, "2_b.up.sql") {
		t.Fatalf("status = %v", err)
	}
	if st.Migrations[1].State != Late {
		t.Errorf("rows: %+v", st.Migrations)
	}
	if err := r.Up(ctx, 0); !errors.As(err, &late) || !strings.Contains(late.Hint(), "dbguard migrate up --allow-out-of-order") {
		t.Fatalf("up = %v", err)
	}
	var log strings.Builder
	r = open(t, dbURL, dir, func(o *Options) { o.AllowOutOfOrder, o.Log = true, &log })
	if err := r.Up(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "dbguard: migrated 2/u b out of order (below version 3)") {
		t.Errorf("log: %s", log.String())
	}
	if v, dirty := version(t, r); v != 3 || dirty {
		t.Errorf("version %d %v, want 3", v, dirty)
	}
	h := history(t, r)
	if last := h[len(h)-1]; last.Version != 2 || !last.OutOfOrder || last.State != StateDone {
		t.Errorf("last entry %+v", last)
	}
	if err := status(t, r).Err(false, r.Source()); err != nil {
		t.Errorf("status after: %v", err)
	}
	if cols := columns(t, dbURL, "b"); len(cols) != 1 {
		t.Errorf("b not created: %v", cols)
	}
}

// A failed down is explained as a down, and recover puts the version back
// to the migration that was being rolled back.
func TestLedgerFailedDownRecovered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);", "1_a.down.sql": "DROP TABLE a;",
		"2_b.up.sql": "CREATE TABLE b (id int);", "2_b.down.sql": "DROP TABLE b;\nDROP TABLE nosuch;",
	})
	r := open(t, dbURL, dir, nil)
	if err := r.Up(ctx, 0); err != nil {
		t.Fatal(err)
	}
	var me *MigrationError
	if err := r.Down(ctx, 1, false); !errors.As(err, &me) || me.File != filepath.Join(dir, "2_b.down.sql") ||
		!strings.Contains(me.Hint(), "dbguard migrate recover; then fix the file and run: dbguard migrate down 1") {
		t.Fatalf("down = %v", err)
	}
	r = open(t, dbURL, dir, nil)
	var dirty *DirtyError
	if err := status(t, r).Err(true, r.Source()); !errors.As(err, &dirty) || dirty.Version != 1 ||
		!strings.Contains(dirty.Error(), "2_b.down.sql failed going down: table \"nosuch\" does not exist") || !strings.Contains(dirty.Hint(), "put the version back to 2: dbguard migrate recover;") {
		t.Fatalf("status = %v", err)
	}
	rec, err := r.Recover(ctx, false)
	if err != nil || rec.Version != 2 {
		t.Fatalf("recover = %+v %v", rec, err)
	}
	if cols := columns(t, dbURL, "b"); len(cols) != 1 {
		t.Errorf("the failed down's DROP TABLE b was not rolled back: %v", cols)
	}
	write(t, dir, "2_b.down.sql", "DROP TABLE b;")
	r = open(t, dbURL, dir, nil)
	if err := r.Down(ctx, 1, false); err != nil {
		t.Fatalf("down after recover: %v", err)
	}
}

// A file that controls its own transactions is not rolled back whole:
// status names what may have stayed, and recover needs yes.
func TestLedgerNonTransactional(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);",
		"2_b.up.sql": "CREATE TABLE kept (id int);\nCOMMIT;\nCREATE TABLE gone (id int);\nCREATE TABLE bad (x nosuchtype);\n",
	})
	r := open(t, dbURL, dir, nil)
	var me *MigrationError
	if err := r.Up(ctx, 0); !errors.As(err, &me) || me.Transactional || !strings.Contains(me.Hint(), "dbguard migrate recover --yes") {
		t.Fatalf("up = %v (hint %s)", err, me.Hint())
	}
	if len(columns(t, dbURL, "kept")) != 1 || len(columns(t, dbURL, "gone")) != 0 {
		t.Fatalf("kept %v gone %v", columns(t, dbURL, "kept"), columns(t, dbURL, "gone"))
	}
	r = open(t, dbURL, dir, nil)
	var dirty *DirtyError
	if err := status(t, r).Err(true, r.Source()); !errors.As(err, &dirty) {
		t.Fatalf("status = %v", err)
	}
	if len(dirty.MayHaveRun) != 1 || !strings.HasSuffix(dirty.MayHaveRun[0], "2_b.up.sql:1: CREATE TABLE kept (id int)") ||
		!strings.Contains(dirty.Error(), "line 2: COMMIT: the file controls its own transactions") {
		t.Errorf("dirty: %v (%q)", dirty, dirty.MayHaveRun)
	}
	var confirm *ConfirmError
	if _, err := r.Recover(ctx, false); !errors.As(err, &confirm) {
		t.Fatalf("recover without yes = %v", err)
	}
	if v, dirty := version(t, r); v != 2 || !dirty {
		t.Fatalf("recover without yes changed the version: %d %v", v, dirty)
	}
	if rec, err := r.Recover(ctx, true); err != nil || rec.Version != 1 {
		t.Fatalf("recover --yes = %+v %v", rec, err)
	}
}

// A file with its own BEGIN that fails inside it leaves the session's
// transaction aborted; the error still names the file and version.
func TestLedgerOwnTransactionFails(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);",
		"2_b.up.sql": "BEGIN;\nCREATE TABLE b (id int);\nCREATE TABLE c (x nosuchtype);\nCOMMIT;\n",
	})
	r := open(t, dbURL, dir, nil)
	var me *MigrationError
	if err := r.Up(context.Background(), 0); !errors.As(err, &me) || me.Version != 2 || me.File != filepath.Join(dir, "2_b.up.sql") {
		t.Fatalf("up = %v", err)
	}
	r = open(t, dbURL, dir, nil)
	var dirty *DirtyError
	if err := status(t, r).Err(true, r.Source()); !errors.As(err, &dirty) || len(dirty.MayHaveRun) != 0 || dirty.Entry == nil {
		t.Fatalf("status = %v (%q)", err, dirty.MayHaveRun)
	}
}

// A client that died after the server committed the file, before the
// version was recorded clean: the ledger's commit mark says the work is
// there, and recover records it as applied instead of undoing it.
func TestLedgerCommittedBeforeRecorded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL, dir, r := migrated(t, map[string]string{"1_a.up.sql": "CREATE TABLE a (id int);", "2_b.up.sql": "CREATE TABLE b (id int);"})
	h := history(t, r)
	if h[1].Committed == nil {
		t.Fatalf("no commit mark on %+v", h[1])
	}
	// What the death leaves: the version dirty, the entry open.
	exec(t, dbURL, `UPDATE schema_migrations SET dirty = true;
		UPDATE dbguard_migrations SET state = 'running', finished_at = NULL, version_after = NULL WHERE version = 2`)
	r = open(t, dbURL, dir, nil)
	var dirty *DirtyError
	if err := status(t, r).Err(true, r.Source()); !errors.As(err, &dirty) || !strings.Contains(dirty.Error(), "stopped going up before it was recorded") ||
		!strings.Contains(dirty.Error(), "the migration is fully applied") {
		t.Fatalf("status = %v", err)
	}
	rec, err := r.Recover(ctx, false)
	if err != nil || !rec.Completed || rec.Version != 2 {
		t.Fatalf("recover = %+v %v", rec, err)
	}
	if v, d := version(t, r); v != 2 || d {
		t.Errorf("version %d %v", v, d)
	}
}

// Adopting 270 migrations used to print 270 versions on one line.
func TestJoinIntsIsShort(t *testing.T) {
	t.Parallel()
	var many, stamps []int
	for v := 1; v <= 270; v++ {
		many = append(many, v)
		stamps = append(stamps, 20240000+v*100)
	}
	for _, c := range []struct {
		vs   []int
		want string
	}{
		{[]int{3}, "3"},
		{[]int{1, 2, 4}, "1, 2, 4"},
		{[]int{1, 2, 3, 7, 9, 10, 11, 12}, "1-3, 7, 9-12"},
		{many, "1-270"},
		{stamps, "20240100, 20240200, 20240300, 20240400, 20240500, 20240600, ... (263 more) ..., 20267000"},
	} {
		if got := joinInts(c.vs); got != c.want {
			t.Errorf("joinInts(%d versions) = %q, want %q", len(c.vs), got, c.want)
		}
	}
}
