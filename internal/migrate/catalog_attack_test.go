package migrate

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// publicFirst is what an applied migration can do to every later
// connection: put its own schema before pg_catalog.
var publicFirst = pgtest.DatabaseSearchPath("public, pg_catalog") + ";"

// TestAttackInvalidIndexesShadowCatalog: a migration's public.pg_index
// view that hides invalid indexes (found before pg_catalog's once ALTER
// DATABASE puts public first) cannot hide the index a failed CREATE
// INDEX CONCURRENTLY left INVALID from the dirty error.
func TestAttackInvalidIndexesShadowCatalog(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_t.up.sql": "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1), (1);\n" +
			"CREATE VIEW public.pg_index AS SELECT * FROM pg_catalog.pg_index WHERE indisvalid;\n" + publicFirst,
	})
	if err := open(t, dbURL, dir, nil).Up(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "2_t_a.up.sql", "CREATE UNIQUE INDEX CONCURRENTLY t_a ON t (a);")
	if err := open(t, dbURL, dir, nil).Up(context.Background(), 0); err == nil {
		t.Fatal("Up passed a unique index on duplicate rows")
	}
	err := open(t, dbURL, dir, nil).Up(context.Background(), 0)
	var de *DirtyError
	if !errors.As(err, &de) {
		t.Fatalf("Up = %v, want a *DirtyError", err)
	}
	if !slices.Contains(de.InvalidIndexes, "public.t_a") {
		t.Errorf("the dirty error lists invalid indexes %q, want public.t_a (left INVALID by the failed file)", de.InvalidIndexes)
	}
}

// TestAttackAdoptShadowCatalog: raw golang-migrate ran 1 and 4; 2 and 3
// were merged after and never ran. 1 adds a public.to_regclass that finds
// every name and a public.pg_attribute with one more column, and puts
// public first: the catalog check must still see that table b and column
// a.note are missing, so 2 and 3 are late, not adopted as applied.
func TestAttackAdoptShadowCatalog(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.DB(t)
	dir := files(t, map[string]string{
		"1_a.up.sql": "CREATE TABLE a (id int);\n" +
			"CREATE FUNCTION public.to_regclass(text) RETURNS regclass LANGUAGE sql AS $$ SELECT 'pg_catalog.pg_class'::pg_catalog.regclass $$;\n" +
			"CREATE VIEW public.pg_attribute AS SELECT attrelid, attname, attisdropped FROM pg_catalog.pg_attribute\n" +
			"  UNION ALL SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, 'note', false;\n" + publicFirst,
		"4_c.up.sql": "CREATE TABLE c (id int);",
	})
	rawUp(t, dbURL, dir)
	write(t, dir, "2_b.up.sql", "CREATE TABLE b (id int);")
	write(t, dir, "3_note.up.sql", "ALTER TABLE a ADD COLUMN note text;")
	if st := status(t, open(t, dbURL, dir, nil)); !slices.Equal(st.Integrity.Late, []int{2, 3}) {
		t.Errorf("status: late = %v, want [2 3] (table b and column a.note are missing)", st.Integrity.Late)
	}
	var late *LateError
	if err := open(t, dbURL, dir, nil).Up(context.Background(), 0); !errors.As(err, &late) || len(late.Files) != 2 {
		t.Errorf("Up = %v, want the late files 2 and 3", err)
	}
}

// TestAttackLockHolderShadowCatalog: a migration's public.pg_locks view
// that shows no lock cannot hide the session holding the migration lock
// (status reads it to tell a migration in progress from a failed one).
func TestAttackLockHolderShadowCatalog(t *testing.T) {
	t.Parallel() // its own database and files
	name, dbURL := pgtest.NamedDB(t)
	pgtest.Exec(t, dbURL,
		"CREATE VIEW public.pg_locks AS SELECT * FROM pg_catalog.pg_locks WHERE false",
		"CREATE VIEW public.pg_stat_activity AS SELECT * FROM pg_catalog.pg_stat_activity WHERE false",
		publicFirst,
	)
	release := pgtest.HoldMigrationLock(t, name, dbURL, "stuck-deploy")
	defer release()
	r, lt := upWhileLocked(t, dbURL)
	if !strings.Contains(lt.Holder, "stuck-deploy") {
		t.Errorf("the lock's holder is %q, want the stuck-deploy session", lt.Holder)
	}
	if st := status(t, r); !strings.Contains(st.InProgress, "stuck-deploy") {
		t.Errorf("status: in progress %q, want the stuck-deploy session", st.InProgress)
	}
}

// TestAttackLockKeyShadowCatalog: the migration lock's key is built from
// the database's name; a migration's public.current_database() that
// answers something new each time (with public put first) would give
// every later run a key of its own, so two deploys would not wait for
// each other. A run still waits for the holder of the real key.
func TestAttackLockKeyShadowCatalog(t *testing.T) {
	t.Parallel() // its own database and files
	name, dbURL := pgtest.NamedDB(t)
	pgtest.Exec(t, dbURL,
		"CREATE FUNCTION public.current_database() RETURNS name LANGUAGE sql VOLATILE AS $$ SELECT pg_catalog.md5(pg_catalog.random()::pg_catalog.text)::pg_catalog.name $$",
		publicFirst,
	)
	release := pgtest.HoldMigrationLock(t, name, dbURL, "stuck-deploy")
	defer release()
	upWhileLocked(t, dbURL)
}

// upWhileLocked runs Up (three migrations, a one-second lock timeout)
// while another session holds the migration lock: it must wait and time
// out, not skip the lock. It returns the runner and the timeout.
func upWhileLocked(t *testing.T, dbURL string) (*Runner, *LockTimeoutError) {
	t.Helper()
	r := open(t, dbURL, files(t, threeMigrations), func(o *Options) { o.LockTimeout = time.Second })
	err := r.Up(context.Background(), 0)
	var lt *LockTimeoutError
	if !errors.As(err, &lt) {
		t.Fatalf("Up = %v while another session held the migration lock, want a *LockTimeoutError", err)
	}
	return r, lt
}
