package migrate

import (
	"context"
	"errors"
	"strings"
	"testing"

	gomigrate "github.com/golang-migrate/migrate/v4"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// Raw golang-migrate ran 1 and 3; 2 was merged after. The first guarded
// run must not adopt 2 as applied (golang-migrate keeps one number, and
// the catalog has no table b): it is late, then and in every run after.
// It was recorded "adopt ... done", and status said 0 late for good.
func TestAttackAdoptRecordsNeverAppliedLateFile(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);",
		"3_c.up.sql": "CREATE TABLE c (id int); ALTER TABLE a ADD COLUMN note text;",
	})
	rawUp(t, dbURL, dir)
	write(t, dir, "2_b.up.sql", "CREATE TABLE IF NOT EXISTS public.b (id int);\nCREATE INDEX b_id ON b (id);")

	// Status says so before any guarded run.
	r := open(t, dbURL, dir, nil)
	if st := status(t, r); len(st.Integrity.Late) != 1 || st.Integrity.Late[0] != 2 {
		t.Errorf("status before the first run: late = %v, want [2]", st.Integrity.Late)
	}
	var log strings.Builder
	r = open(t, dbURL, dir, func(o *Options) { o.Log = &log })
	var late *LateError
	if err := r.Up(context.Background(), 0); !errors.As(err, &late) || len(late.Files) != 1 || !strings.HasSuffix(late.Files[0], "2_b.up.sql") {
		t.Fatalf("up = %v, want the late file 2\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "not recording") || !strings.Contains(log.String(), "public.b, b_id") {
		t.Errorf("log does not say why 2 is not adopted:\n%s", log.String())
	}
	for _, e := range history(t, r) {
		if e.Version == 2 {
			t.Errorf("the ledger records version 2, which never ran: %+v", e)
		}
	}
	// Still late on the next look, and applying it out of order works.
	r = open(t, dbURL, dir, nil)
	if st := status(t, r); len(st.Integrity.Late) != 1 || st.Integrity.Late[0] != 2 {
		t.Errorf("status late = %v, want [2]", st.Integrity.Late)
	}
	r = open(t, dbURL, dir, func(o *Options) { o.AllowOutOfOrder = true })
	if err := r.Up(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
}

// The ledger's in-flight record says 2 committed before its client died;
// then someone ran raw "migrate force 1", dropped what 2 made, and a raw
// "migrate up" failed on 2: dirty at 2 again, the same number. recover
// trusted the stale record and called 2 applied.
func TestAttackRecoverTrustsStaleCommittedRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL, dir, r := migrated(t, map[string]string{"1_a.up.sql": "CREATE TABLE a (id int);", "2_b.up.sql": "CREATE TABLE b (id int);"})
	// What a death after the commit leaves: dirty, the entry open with
	// committed_at set.
	exec(t, dbURL, `UPDATE schema_migrations SET dirty = true;
		UPDATE dbguard_migrations SET state = 'running', finished_at = NULL, version_after = NULL WHERE version = 2`)
	// Raw golang-migrate since: force 1, the table undone, a failed up of 2.
	exec(t, dbURL, `UPDATE schema_migrations SET version = 1, dirty = false; DROP TABLE b`)
	exec(t, dbURL, `UPDATE schema_migrations SET version = 2, dirty = true`)

	r = open(t, dbURL, dir, nil)
	_, err := r.Recover(ctx, false)
	var stale *StaleRecordError
	if !errors.As(err, &stale) || !strings.Contains(err.Error(), "lacks what it creates (b)") {
		t.Fatalf("recover = %v, want a refusal naming the missing table", err)
	}
	if !strings.Contains(stale.Hint(), "dbguard migrate force 1") {
		t.Errorf("hint %q", stale.Hint())
	}
	if v, d := version(t, r); v != 2 || !d {
		t.Errorf("recover changed the version: %d %v", v, d)
	}
}

// accept of an edit that adds DDL: it used to record the new checksum
// silently, and the added table never existed. Without --yes it shows
// the file and says nothing runs; with the table missing from the
// catalog it refuses even with --yes.
func TestAttackAcceptAddsDDLSilently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL, dir, r := migrated(t, map[string]string{"1_a.up.sql": "CREATE TABLE a (id int);", "2_b.up.sql": "CREATE TABLE b (id int);"})
	write(t, dir, "1_a.up.sql", "CREATE TABLE a (id int);\nCREATE TABLE secret_audit (id int);")
	r = open(t, dbURL, dir, nil)
	for _, yes := range []bool{false, true} {
		_, err := r.Accept(ctx, 1, yes)
		var ae *AcceptError
		if !errors.As(err, &ae) {
			t.Fatalf("accept (yes=%v) = %v, want a refusal", yes, err)
		}
		for _, want := range []string{"NOT applied to the database", "1_a.up.sql:2: CREATE TABLE secret_audit (id int)", "the database lacks what the file now creates (secret_audit)"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("accept (yes=%v) does not say %q:\n%s", yes, want, err)
			}
		}
	}
	// A comment-only edit: shown and refused without yes, accepted with it.
	write(t, dir, "1_a.up.sql", "-- the users' accounts\nCREATE TABLE a (id int);")
	if _, err := r.Accept(ctx, 1, false); err == nil || !strings.Contains(err.Error(), "accept runs nothing") {
		t.Errorf("accept without yes = %v", err)
	}
	if _, err := r.Accept(ctx, 1, true); err != nil {
		t.Errorf("accept --yes of a comment: %v", err)
	}
}

// rawUp runs the folder's migrations with raw golang-migrate (pgx5), as a
// project did before it was guarded.
func rawUp(t *testing.T, dbURL, dir string) {
	t.Helper()
	m, err := gomigrate.New("file://"+dir, strings.Replace(dbURL, "postgres://", "pgx5://", 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Up(); err != nil {
		t.Fatal(err)
	}
	m.Close()
}
