package tool

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// A Prisma config with a driver adapter makes prisma migrate keep
// _prisma_migrations where the adapter's connection's search_path says,
// ignoring the URL's ?schema= (checked with Prisma 6.19.3's
// @prisma/adapter-pg: ?schema=foo put the table in public). Before,
// dbguard read foo._prisma_migrations, which did not exist: every
// migration pending, an edited applied one unseen. Now ?schema= with an
// adapter is exit 2 (dbguard cannot tell), and without it the table is
// read where the session's search_path finds it.
func TestAttackPrismaAdapterIgnoresSchemaParam(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Where the adapter put it: the search_path's schema (app), not the
	// URL's ?schema=.
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA app; CREATE SCHEMA foo;
		SELECT pg_catalog.set_config('search_path', 'app, public', false);
		`+prismaTable+`;
		INSERT INTO app._prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('1', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', now(), '20240101_init')`); err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // the session whose search_path is app's
	root := tree(t, map[string]string{
		"prisma.config.ts":                              "import { defineConfig } from 'prisma/config'\nimport { PrismaPg } from '@prisma/adapter-pg'\n\nexport default defineConfig({\n  experimental: { adapter: true },\n  engine: 'js',\n  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),\n})\n",
		"prisma/schema.prisma":                          "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n",
		"prisma/migrations/20240101_init/migration.sql": "",
		"prisma/migrations/20240102_new/migration.sql":  "",
	})
	p, err := Resolve(cfgAt(root, nil))
	if err != nil {
		t.Fatal(err)
	}
	withSchema, err := dburl.Parse(dbURL + "&schema=foo")
	if err != nil {
		t.Fatal(err)
	}
	st, err := Read(ctx, db, p, withSchema)
	var ae *PrismaAdapterSchemaError
	if !errors.As(err, &ae) || exitcode.Of(err) != exitcode.Usage || ae.Line != 7 || !strings.Contains(err.Error(), "prisma.config.ts:7:") {
		t.Fatalf("?schema=foo with an adapter: state %+v, error %v; want exit 2 at the adapter's line", st, err)
	}
	// The hint's statement is the project's own, with no placeholder
	// (it said "ALTER ROLE ... SET search_path"), and runs as printed:
	// in a transaction rolled back, the test server's role is shared.
	hint := ae.Hint()
	stmt, ok := strings.CutPrefix(hint[strings.Index(hint, "superuser: ")+len("superuser: "):], "ALTER ROLE ")
	stmt, _, _ = strings.Cut(stmt, "; then run")
	role := pgx.Identifier{withSchema.User()}.Sanitize()
	if strings.Contains(hint, "...") || !ok || !strings.Contains(hint, "drop ?schema=foo from DATABASE_URL ") ||
		stmt != role+` SET search_path TO "foo"` {
		t.Fatalf("hint %q, want the role's ALTER ROLE with the URL's user and schema", hint)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "ALTER ROLE "+stmt); err != nil {
		t.Errorf("the hint's statement as printed: %v", err)
	}
	tx.Rollback()
	plain, err := dburl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	st, err = Read(ctx, db, p, plain)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(st.Applied, " ") != "20240101_init" || strings.Join(st.Pending, " ") != "20240102_new" || st.Table != "app._prisma_migrations" {
		t.Errorf("without ?schema=: applied %v, pending %v, table %s; want app's table read", st.Applied, st.Pending, st.Table)
	}
}
