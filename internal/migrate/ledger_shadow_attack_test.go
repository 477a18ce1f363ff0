package migrate

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	gomigrate "github.com/golang-migrate/migrate/v4"
	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// shadowEquals is a migration's public "=" for a bigint and an integer
// (the ledger's id against a literal) that finds no row: with public
// first, it is chosen over pg_catalog's.
const shadowEquals = "CREATE FUNCTION public.never(bigint, integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT false';\n" +
	"CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = integer, FUNCTION = public.never);\n"

// TestAttackLedgerIDShadowOperator: a migration's own "=" put ahead of
// pg_catalog's cannot leave the next migrations' ledger entries running
// for ever (the update that records one done finds its row by id).
func TestAttackLedgerIDShadowOperator(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{"1_a.up.sql": "CREATE TABLE a (id int);\n" + shadowEquals + publicFirst})
	if err := open(t, dbURL, dir, nil).Up(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "2_b.up.sql", "CREATE TABLE b (id int);")
	r := open(t, dbURL, dir, nil)
	if err := r.Up(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	for _, e := range history(t, r) {
		if e.State != StateDone || e.FinishedAt == nil {
			t.Errorf("ledger entry %d (version %d) is %s, finished %v; want done", e.ID, e.Version, e.State, e.FinishedAt)
		}
	}
	if st := status(t, open(t, dbURL, dir, nil)); st.Integrity.InFlight != nil {
		t.Errorf("status: version %d in flight, want none", st.Integrity.InFlight.Version)
	}
}

// TestAttackLedgerTimeShadowCatalog: a migration's public.to_char put
// first cannot rewrite when the ledger says each migration ran.
func TestAttackLedgerTimeShadowCatalog(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{"1_a.up.sql": "CREATE TABLE a (id int);\n" +
		"CREATE FUNCTION public.to_char(timestamp, text) RETURNS text LANGUAGE sql AS $$ SELECT '1999-01-01T00:00:00.000000' $$;\n" + publicFirst})
	if err := open(t, dbURL, dir, nil).Up(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	for _, e := range history(t, open(t, dbURL, dir, nil)) {
		if time.Since(e.StartedAt) > time.Hour {
			t.Errorf("ledger entry %d started at %v, want within the hour", e.ID, e.StartedAt)
		}
	}
}

// TestAttackCommittedShadowOperator: whether a migration's transaction
// committed (asked on a connection of its own after the migration's
// session failed) is read with pg_catalog's "=", not a migration's.
func TestAttackCommittedShadowOperator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := files(t, threeMigrations)
	r := open(t, dbURL, dir, nil)
	if err := r.Up(ctx, 1); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE FUNCTION public.never(bigint, bigint) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT false'",
		"CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.never)",
		publicFirst,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	conn.Close(ctx)
	r = open(t, dbURL, dir, nil)
	h := history(t, r)
	if len(h) == 0 || h[len(h)-1].Committed == nil {
		t.Fatalf("the ledger has no committed entry: %+v", h)
	}
	if !r.committed(h[len(h)-1].ID) {
		t.Errorf("committed(%d) = false for an entry whose transaction committed", h[len(h)-1].ID)
	}
}

// TestAttackLockSchemaShadowCatalog: the lock's key is also built from
// the current schema; a migration's public.current_schema() that answers
// something new each time would give every run a key of its own. A run
// still waits for the holder of the real key.
func TestAttackLockSchemaShadowCatalog(t *testing.T) {
	t.Parallel() // its own database and files
	ctx := context.Background()
	name, dbURL := pgtest.NamedDB(t)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE FUNCTION public.current_schema() RETURNS name LANGUAGE sql VOLATILE AS $$ SELECT pg_catalog.md5(pg_catalog.random()::pg_catalog.text)::pg_catalog.name $$",
		publicFirst,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	conn.Close(ctx)
	release := pgtest.HoldMigrationLock(t, name, dbURL, "stuck-deploy")
	defer release()
	r := open(t, dbURL, files(t, threeMigrations), func(o *Options) { o.LockTimeout = time.Second })
	var lt *LockTimeoutError
	if err := r.Up(ctx, 0); !errors.As(err, &lt) {
		t.Fatalf("Up = %v while another session held the migration lock, want a *LockTimeoutError", err)
	}
}

// TestAttackLedgerCreateShadowType: raw golang-migrate ran a migration
// that put its own text domain (refusing "done") ahead of pg_catalog's;
// the ledger dbguard creates on its first run still has pg_catalog's
// text, so recording what was found and what ran works.
func TestAttackLedgerCreateShadowType(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{"1_a.up.sql": "CREATE TABLE a (id int);\n" +
		"CREATE DOMAIN public.text AS pg_catalog.text CHECK (VALUE OPERATOR(pg_catalog.<>) 'done');\n" + publicFirst})
	m, err := gomigrate.New("file://"+dir, strings.Replace(dbURL, "postgres://", "pgx5://", 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Up(); err != nil {
		t.Fatal(err)
	}
	m.Close()
	write(t, dir, "2_b.up.sql", "CREATE TABLE b (id int);")
	r := open(t, dbURL, dir, nil)
	if err := r.Up(context.Background(), 0); err != nil {
		t.Fatalf("Up = %v, want the ledger created and 2 applied", err)
	}
	if h := history(t, r); len(h) != 2 || h[1].State != StateDone {
		t.Errorf("ledger = %+v, want 1 adopted and 2 done", h)
	}
}
