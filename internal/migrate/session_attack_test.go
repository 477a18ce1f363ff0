package migrate

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// A file whose text says nothing of roles (changesSession cannot see it)
// can still change the session's role: it calls a function, created
// before, that does. dbguard writes the file's clean version and ledger
// entry in the file's own transaction, after it; written as the file's
// role, which may not write them, they failed, and took the file's work
// down with them, reported as a transaction that "failed to commit".
// dbguard's writes must be its own, whoever the file left the session as.
func TestAttackRoleChangedOutOfSight(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	role := "dbguard_attack_sight"
	exec(t, dbURL, "DROP ROLE IF EXISTS "+role+"; CREATE ROLE "+role+" NOLOGIN; GRANT CREATE ON SCHEMA public TO "+role+
		"; GRANT "+role+" TO CURRENT_USER; CREATE FUNCTION become(r text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'SE' || 'T ROLE ' || r; RETURN r; END $$")
	t.Cleanup(func() { exec(t, dbURL, "DROP OWNED BY "+role+"; DROP ROLE "+role) })
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);",
		"2_b.up.sql": "SELECT become('" + role + "');\nCREATE TABLE b (id int);\n",
	})
	r := open(t, dbURL, dir, nil)
	if fi, err := r.file("2_b.up.sql", true); err != nil || fi.session {
		t.Fatalf("the detector saw it (%v); this test needs a file it cannot see", err)
	}
	if err := r.Up(ctx, 0); err != nil {
		t.Fatalf("up = %s", errorText(err))
	}
	if len(columns(t, dbURL, "b")) != 1 {
		t.Fatal("b not committed")
	}
	r = open(t, dbURL, dir, nil)
	if v, dirty := version(t, r); v != 2 || dirty {
		t.Fatalf("version %d dirty %v, want 2 clean", v, dirty)
	}
	if h := history(t, r); len(h) != 2 || h[1].State != StateDone || h[1].VersionAfter == nil || *h[1].VersionAfter != 2 {
		t.Fatalf("history %+v", h)
	}
}

// A file that moves the search_path where the detector cannot see it (a
// DO block) to a schema holding a look-alike version table: the version
// written after it, in its transaction, still lands in the real one,
// since dbguard names its tables with their schema. (Held; kept so it
// stays so.)
func TestAttackSearchPathLookAlikeVersionTable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	exec(t, dbURL, "CREATE SCHEMA evil; CREATE TABLE evil.schema_migrations (version bigint, dirty boolean)")
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);",
		"2_b.up.sql": "DO $$ BEGIN EXECUTE 'SE' || 'T search_path = evil'; END $$;\nCREATE TABLE b (id int);\n",
	})
	r := open(t, dbURL, dir, nil)
	if fi, err := r.file("2_b.up.sql", true); err != nil || fi.session {
		t.Fatalf("the detector saw it (%v); this test needs a file it cannot see", err)
	}
	if err := r.Up(ctx, 0); err != nil {
		t.Fatalf("up = %s", errorText(err))
	}
	if len(columns(t, dbURL, "evil.b")) != 1 {
		t.Fatal("b not created in evil: the file did not move the search_path")
	}
	r = open(t, dbURL, dir, nil)
	if v, dirty := version(t, r); v != 2 || dirty {
		t.Fatalf("version %d dirty %v, want 2 clean", v, dirty)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM evil.schema_migrations").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d rows in the look-alike version table (%v)", n, err)
	}
}
