package verify

import (
	"context"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pgtest"
	"github.com/dbguard/dbguard/internal/schema"
)

// TestAttackCatalogDatabaseSearchPath: a migration that puts its own
// public.pg_attribute (hiding every column named backdoor) ahead of
// pg_catalog for every later connection, with ALTER DATABASE or ALTER
// ROLE ... SET search_path, cannot hide a column from verify's reads
// (the live side, and a shadow the migrations were run in).
func TestAttackCatalogDatabaseSearchPath(t *testing.T) {
	t.Parallel() // its own database; the role setting is IN DATABASE, that one
	for name, set := range map[string]string{
		"database": pgtest.DatabaseSearchPath("public, pg_catalog"),
		"role":     "DO $$ BEGIN EXECUTE format('ALTER ROLE CURRENT_USER IN DATABASE %I SET search_path = public, pg_catalog', current_database()); END $$",
	} {
		t.Run(name, func(t *testing.T) {
			s := loadAfter(t,
				"CREATE TABLE users (id bigserial PRIMARY KEY, email text)",
				"CREATE VIEW public.pg_attribute AS SELECT attrelid, attnum, attname, atttypid, atttypmod, attnotnull, attgenerated, attidentity, attisdropped, attcollation FROM pg_catalog.pg_attribute WHERE attname OPERATOR(pg_catalog.<>) 'backdoor'",
				set,
				"ALTER TABLE users ADD COLUMN backdoor text",
			)
			users := s.Tables["users"]
			if users == nil {
				t.Fatalf("no users table in %v", s.Keys())
			}
			if users.Columns["backdoor"] == nil {
				t.Errorf("users has %d columns, without backdoor: hidden behind public.pg_attribute", len(users.Columns))
			}
		})
	}
}

// TestAttackCatalogTrapDatabase: a database whose search_path a
// migration set to a schema of stand-ins for every pg_catalog relation,
// function and operator (pgtest.CatalogTrapSQL) is read as any other.
func TestAttackCatalogTrapDatabase(t *testing.T) {
	t.Parallel() // its own database; the role setting is IN DATABASE, that one
	s := loadAfter(t,
		"CREATE TABLE users (id bigserial PRIMARY KEY, email text UNIQUE)",
		"CREATE VIEW emails AS SELECT email FROM users",
		pgtest.CatalogTrapSQL,
		pgtest.DatabaseSearchPath("trap, pg_catalog, public"),
	)
	if users := s.Tables["users"]; users == nil || len(users.Columns) != 2 || len(users.Unique) != 1 || s.Tables["emails"] == nil {
		t.Errorf("read %v, users %+v", s.Keys(), users)
	}
}

// loadAfter is verify's read (Load, with the default configuration) of a
// fresh database the statements left as an attacker's migrations would.
func loadAfter(t *testing.T, stmts ...string) *schema.Schema {
	t.Helper()
	dbURL := pgtest.DB(t)
	pgtest.Exec(t, dbURL, stmts...)
	u, err := dburl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("dbguard.yaml", []byte("version: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, _, _, err := Load(context.Background(), pg.ConnectOptions{URL: u}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
