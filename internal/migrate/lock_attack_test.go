package migrate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestAttackLockShadowedFunction: an applied migration that adds its own
// public.pg_advisory_lock (one taking integer is a better match for a
// small key than pg_catalog's bigint one, whatever the search_path; one
// taking bigint wins once ALTER DATABASE puts public first) cannot make
// later runs skip the migration lock: a run still waits for the holder.
func TestAttackLockShadowedFunction(t *testing.T) {
	ctx := context.Background()
	name, dbURL := pgtest.NamedDB(t)
	// Held before the functions exist, so that the holder's own call is
	// pg_catalog's.
	release := pgtest.HoldMigrationLock(t, name, dbURL, "stuck-deploy")
	defer release()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE FUNCTION public.pg_advisory_lock(integer) RETURNS void LANGUAGE sql AS 'SELECT NULL::void'",
		"CREATE FUNCTION public.pg_advisory_lock(bigint) RETURNS void LANGUAGE sql AS 'SELECT NULL::void'",
		"CREATE FUNCTION public.pg_advisory_unlock(integer) RETURNS boolean LANGUAGE sql AS 'SELECT true'",
		"CREATE FUNCTION public.pg_advisory_unlock(bigint) RETURNS boolean LANGUAGE sql AS 'SELECT true'",
		"DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = public, pg_catalog', current_database()); END $$",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	conn.Close(ctx)
	r := open(t, dbURL, files(t, threeMigrations), func(o *Options) { o.LockTimeout = time.Second })
	err = r.Up(ctx, 0)
	var lt *LockTimeoutError
	if !errors.As(err, &lt) {
		t.Fatalf("Up = %v while another session held the migration lock, want a *LockTimeoutError", err)
	}
}
