package migrate

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// A migration without a down file is one golang-migrate rolls back by
// moving the version alone (an "empty" migration: no dirty mark). That is
// not a force: the ledger must record it as a down, and the next file's
// entry must start from the version it left.
func TestReviewDownWithoutDownFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);", "1_a.down.sql": "DROP TABLE a;\nDROP TABLE nosuch;",
		"2_b.up.sql": "CREATE TABLE b (id int);",
	})
	r := open(t, dbURL, dir, nil)
	if err := r.Up(ctx, 0); err != nil {
		t.Fatal(err)
	}
	var me *MigrationError
	if err := r.Down(ctx, 0, true); !errors.As(err, &me) || me.File != filepath.Join(dir, "1_a.down.sql") || me.Failed != 1 || me.Prev != 1 {
		t.Fatalf("down --all = %v (%+v)", err, me)
	}
	r = open(t, dbURL, dir, nil)
	var dirty *DirtyError
	if err := status(t, r).Err(true, r.Source()); !errors.As(err, &dirty) || dirty.File != filepath.Join(dir, "1_a.down.sql") {
		t.Fatalf("status = %v", err)
	}
	rec, err := r.Recover(ctx, false)
	if err != nil || rec.Version != 1 {
		t.Fatalf("recover = %+v %v, want version 1 (where it was before 1_a.down.sql)", rec, err)
	}
	var got []string
	for _, e := range history(t, r) {
		got = append(got, e.Direction+" "+e.File+" "+e.State)
	}
	if want := "up 1_a.up.sql done|up 2_b.up.sql done|down  done|down 1_a.down.sql recovered"; strings.Join(got, "|") != want {
		t.Errorf("history %q, want %q", strings.Join(got, "|"), want)
	}
}

// Two services share one database, each with its own golang-migrate table
// (migrations.table) and no migrations.ledger of its own: each one's
// ledger must describe its own folder only, or the second service's first
// up is refused for "edited" files it never applied.
func TestReviewTwoVersionTablesOneDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	billing := files(t, map[string]string{"1_invoices.up.sql": "CREATE TABLE invoices (id int);", "2_lines.up.sql": "CREATE TABLE lines (id int);"})
	auth := files(t, map[string]string{"1_users.up.sql": "CREATE TABLE users (id int);"})
	rb := open(t, dbURL, billing, func(o *Options) { o.Table = "billing_migrations" })
	if err := rb.Up(ctx, 0); err != nil {
		t.Fatal(err)
	}
	ra := open(t, dbURL, auth, func(o *Options) { o.Table = "auth_migrations" })
	if err := status(t, ra).Err(false, ra.Source()); err == nil || !strings.Contains(err.Error(), "pending") {
		t.Errorf("auth status = %v, want 1 pending and nothing else", err)
	}
	if err := ra.Up(ctx, 0); err != nil {
		t.Fatalf("auth up = %v", err)
	}
	for _, r := range []*Runner{open(t, dbURL, billing, func(o *Options) { o.Table = "billing_migrations" }), open(t, dbURL, auth, func(o *Options) { o.Table = "auth_migrations" })} {
		if err := status(t, r).Err(false, r.Source()); err != nil {
			t.Errorf("%s: status = %v", r.Source().Dir, err)
		}
	}
}

// A deferred constraint fails at COMMIT, which dbguard sends with the
// version write: the migration failed, was rolled back whole, and recover
// puts the version back.
func TestReviewDeferredConstraintAtCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE p (id int PRIMARY KEY);",
		"2_b.up.sql": "CREATE TABLE c (pid int REFERENCES p DEFERRABLE INITIALLY DEFERRED);\nINSERT INTO c VALUES (1);\n",
	})
	r := open(t, dbURL, dir, nil)
	var me *MigrationError
	if err := r.Up(ctx, 0); !errors.As(err, &me) || me.File != filepath.Join(dir, "2_b.up.sql") || !me.Transactional ||
		!strings.Contains(errorText(err), "violates foreign key constraint") || !strings.Contains(me.Hint(), "dbguard migrate recover") {
		t.Fatalf("up = %v", err)
	}
	if cols := columns(t, dbURL, "c"); len(cols) != 0 {
		t.Fatalf("c was committed: %v", cols)
	}
	r = open(t, dbURL, dir, nil)
	var dirty *DirtyError
	if err := status(t, r).Err(true, r.Source()); !errors.As(err, &dirty) || dirty.Entry == nil || dirty.Entry.State != StateFailed ||
		!strings.Contains(dirty.Error(), "violates foreign key constraint") {
		t.Fatalf("status = %v (%+v)", err, dirty)
	}
	if rec, err := r.Recover(ctx, false); err != nil || rec.Version != 1 || rec.Completed {
		t.Fatalf("recover = %+v %v", rec, err)
	}
}

// A migration that ends in SET ROLE (to create objects as their owner)
// commits its work; the version write after it then runs as that role and
// may be refused. The error must not say the work was rolled back, and
// recover must record it as applied.
func TestReviewSetRoleAfterCommit(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	role := "dbguard_review_owner"
	exec(t, dbURL, "DROP ROLE IF EXISTS "+role+"; CREATE ROLE "+role+" NOLOGIN; GRANT CREATE ON SCHEMA public TO "+role)
	t.Cleanup(func() { exec(t, dbURL, "DROP OWNED BY "+role+"; DROP ROLE "+role) })
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);",
		"2_b.up.sql": "SET ROLE " + role + ";\nCREATE TABLE b (id int);\n",
	})
	r := open(t, dbURL, dir, nil)
	err := r.Up(ctx, 0)
	if err == nil {
		t.Fatal("up succeeded as a role that cannot write the version table")
	}
	if len(columns(t, dbURL, "b")) != 1 {
		t.Fatalf("b not committed; up = %v", err)
	}
	if txt := errorText(err); strings.Contains(txt, "nothing of it was applied") || strings.Contains(txt, "failed to commit") ||
		!strings.Contains(txt, "2_b.up.sql") || !strings.Contains(txt, "dbguard migrate recover") {
		t.Errorf("up = %s", txt)
	}
	r = open(t, dbURL, dir, nil)
	if rec, err := r.Recover(ctx, false); err != nil || rec.Version != 2 || !rec.Completed {
		t.Fatalf("recover = %+v %v", rec, err)
	}
}

// A migration cut by migrations.statement_timeout is a failed migration
// like any other: named, rolled back, recorded, recoverable.
func TestReviewStatementTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);",
		"2_b.up.sql": "CREATE TABLE b (id int);\nSELECT pg_sleep(5);\n",
	})
	r := open(t, dbURL, dir, func(o *Options) { o.StatementTimeout = 300 * time.Millisecond })
	var te *StatementTimeoutError
	if err := r.Up(ctx, 0); !errors.As(err, &te) || te.File != filepath.Join(dir, "2_b.up.sql") || !te.Transactional ||
		!strings.Contains(errorText(err), "longer than migrations.statement_timeout (300ms)") || strings.Contains(errorText(err), "lost the connection") {
		t.Fatalf("up = %v", errorText(err))
	}
	if len(columns(t, dbURL, "b")) != 0 {
		t.Fatal("b committed")
	}
	r = open(t, dbURL, dir, nil)
	var dirty *DirtyError
	if err := status(t, r).Err(true, r.Source()); !errors.As(err, &dirty) || dirty.Entry == nil {
		t.Fatalf("status = %v", err)
	}
	if rec, err := r.Recover(ctx, false); err != nil || rec.Version != 1 {
		t.Fatalf("recover = %+v %v", rec, err)
	}
}

// A file that is one CALL of a procedure that commits in batches runs
// under golang-migrate (one statement, outside any transaction block); it
// must under dbguard too, which must not wrap it in a transaction.
func TestReviewCallThatCommits(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.DB(t)
	exec(t, dbURL, "CREATE TABLE t (id int); CREATE PROCEDURE batch() LANGUAGE plpgsql AS $$ BEGIN INSERT INTO t VALUES (1); COMMIT; INSERT INTO t VALUES (2); END $$")
	dir := files(t, map[string]string{"1_a.up.sql": "CALL batch();"})
	r := open(t, dbURL, dir, nil)
	if err := r.Up(context.Background(), 0); err != nil {
		t.Fatal(errorText(err))
	}
	if h := history(t, r); len(h) != 1 || h[0].Transactional || h[0].State != StateDone {
		t.Errorf("history %+v", h)
	}
}
