package migrate

import (
	"testing"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestAttackLockShadowedFunction: an applied migration that adds its own
// public.pg_advisory_lock (one taking integer is a better match for a
// small key than pg_catalog's bigint one, whatever the search_path; one
// taking bigint wins once ALTER DATABASE puts public first) cannot make
// later runs skip the migration lock: a run still waits for the holder.
func TestAttackLockShadowedFunction(t *testing.T) {
	t.Parallel() // its own database and files
	name, dbURL := pgtest.NamedDB(t)
	// Held before the functions exist, so that the holder's own call is
	// pg_catalog's.
	release := pgtest.HoldMigrationLock(t, name, dbURL, "stuck-deploy")
	defer release()
	pgtest.Exec(t, dbURL,
		"CREATE FUNCTION public.pg_advisory_lock(integer) RETURNS void LANGUAGE sql AS 'SELECT NULL::void'",
		"CREATE FUNCTION public.pg_advisory_lock(bigint) RETURNS void LANGUAGE sql AS 'SELECT NULL::void'",
		"CREATE FUNCTION public.pg_advisory_unlock(integer) RETURNS boolean LANGUAGE sql AS 'SELECT true'",
		"CREATE FUNCTION public.pg_advisory_unlock(bigint) RETURNS boolean LANGUAGE sql AS 'SELECT true'",
		pgtest.DatabaseSearchPath("public, pg_catalog"),
	)
	upWhileLocked(t, dbURL)
}
