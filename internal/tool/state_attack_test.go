package tool

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestAttackToolStateShadowCatalog: dbmate's migrations put their own
// to_regclass (finding no table) and text type (refusing the version read)
// ahead of pg_catalog's
// (ALTER DATABASE ... SET search_path); dbguard still reads the tool's
// table: the applied migration is applied, not pending again.
func TestAttackToolStateShadowCatalog(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)",
		"INSERT INTO schema_migrations VALUES ('20240101')",
		"CREATE FUNCTION public.to_regclass(text) RETURNS regclass LANGUAGE sql AS 'SELECT NULL::pg_catalog.regclass'",
		"CREATE DOMAIN public.text AS pg_catalog.text CHECK (VALUE OPERATOR(pg_catalog.<>) '20240101')",
		"DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = public, pg_catalog', current_database()); END $$",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	if db, err = sql.Open("pgx", dbURL); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	root := tree(t, map[string]string{
		"db/migrations/20240101_a.sql": "-- migrate:up\nSELECT 1;\n",
		"db/migrations/20240102_b.sql": "-- migrate:up\nSELECT 2;\n",
	})
	p, err := Resolve(cfgAt(root, nil))
	if err != nil {
		t.Fatal(err)
	}
	st, err := Read(ctx, db, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Exists || strings.Join(st.Applied, " ") != "20240101" || strings.Join(st.Pending, " ") != "20240102" {
		t.Errorf("state: exists %v, applied %q, pending %q; want 20240101 applied, 20240102 pending", st.Exists, st.Applied, st.Pending)
	}
}

// TestAttackPrismaStateEscaped: a migration name in _prisma_migrations
// (the database's word, or a folder name a pull request chose) reaches a
// terminal or a CI log as one line, its control characters escaped, in
// status's text and in the failed and unknown errors.
func TestAttackPrismaStateEscaped(t *testing.T) {
	ctx := context.Background()
	db := prismaDB(t)
	if _, err := db.ExecContext(ctx, `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES
		('1', 'x', now(), E'20240101_gone\n::error::forged'), ('2', 'x', NULL, E'20240102_bad\r\x1b[2Jx')`); err != nil {
		t.Fatal(err)
	}
	root := tree(t, map[string]string{"prisma/schema.prisma": "", "prisma/migrations/migration_lock.toml": ""})
	p, _ := Resolve(cfgAt(root, nil))
	st, err := Read(ctx, db, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := st.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	failed := st.Err(true).Error()
	st.Failed = nil
	unknown := st.Err(true).Error()
	for what, out := range map[string]string{"status": text.String(), "failed": failed, "unknown": unknown} {
		if strings.Contains(out, "\n::error") || strings.ContainsAny(out, "\r\x1b") {
			t.Errorf("%s: %q", what, out)
		}
	}
}

// TestAttackPrismaStateShadowCatalog: a migration's text domain and
// to_regclass ahead of pg_catalog's (ALTER DATABASE ... SET search_path)
// change nothing of what _prisma_migrations says: the applied migration is
// applied, its checksum read and compared.
func TestAttackPrismaStateShadowCatalog(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		prismaTable,
		"INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('1', '" + golden(t, "same") + "', now(), '20240101_init')",
		"CREATE FUNCTION public.to_regclass(text) RETURNS regclass LANGUAGE sql AS 'SELECT NULL::pg_catalog.regclass'",
		"CREATE DOMAIN public.text AS pg_catalog.text CHECK (VALUE OPERATOR(pg_catalog.<>) '20240101_init')",
		"DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = public, pg_catalog', current_database()); END $$",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	if db, err = sql.Open("pgx", dbURL); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	root := tree(t, map[string]string{
		"prisma/schema.prisma":                          "",
		"prisma/migrations/20240101_init/migration.sql": caseFile(t, "edited", "checkout.sql"),
	})
	p, _ := Resolve(cfgAt(root, nil))
	st, err := Read(ctx, db, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Exists || strings.Join(st.Applied, " ") != "20240101_init" || len(st.Edited) != 1 {
		t.Errorf("state: exists %v, applied %q, edited %+v; want 20240101_init applied and edited", st.Exists, st.Applied, st.Edited)
	}
}
