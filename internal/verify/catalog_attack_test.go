package verify

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestAttackCatalogDatabaseSearchPath: a migration that puts its own
// public.pg_attribute (hiding every column named backdoor) ahead of
// pg_catalog for every later connection, with ALTER DATABASE or ALTER
// ROLE ... SET search_path, cannot hide a column from verify's reads
// (the live side, and a shadow the migrations were run in).
func TestAttackCatalogDatabaseSearchPath(t *testing.T) {
	for name, set := range map[string]string{
		"database": "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = public, pg_catalog', current_database()); END $$",
		"role":     "DO $$ BEGIN EXECUTE format('ALTER ROLE CURRENT_USER IN DATABASE %I SET search_path = public, pg_catalog', current_database()); END $$",
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dbURL := pgtest.DB(t)
			conn, err := pgx.Connect(ctx, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			for _, q := range []string{
				"CREATE TABLE users (id bigserial PRIMARY KEY, email text)",
				"CREATE VIEW public.pg_attribute AS SELECT attrelid, attnum, attname, atttypid, atttypmod, attnotnull, attgenerated, attidentity, attisdropped, attcollation FROM pg_catalog.pg_attribute WHERE attname OPERATOR(pg_catalog.<>) 'backdoor'",
				set,
				"ALTER TABLE users ADD COLUMN backdoor text",
			} {
				if _, err := conn.Exec(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			u, err := dburl.Parse(dbURL)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Parse("dbguard.yaml", []byte("version: 1\n"))
			if err != nil {
				t.Fatal(err)
			}
			s, _, _, err := Load(ctx, pg.ConnectOptions{URL: u}, cfg)
			if err != nil {
				t.Fatal(err)
			}
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
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		"CREATE TABLE users (id bigserial PRIMARY KEY, email text UNIQUE)",
		"CREATE VIEW emails AS SELECT email FROM users",
		pgtest.CatalogTrapSQL,
		"DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = trap, pg_catalog, public', current_database()); END $$",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%.80s: %v", q, err)
		}
	}
	u, err := dburl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("dbguard.yaml", []byte("version: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, _, _, err := Load(ctx, pg.ConnectOptions{URL: u}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if users := s.Tables["users"]; users == nil || len(users.Columns) != 2 || len(users.Unique) != 1 || s.Tables["emails"] == nil {
		t.Errorf("read %v, users %+v", s.Keys(), users)
	}
}
