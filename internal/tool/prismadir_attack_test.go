package tool

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestAttackPrismaMigrationsFolderIsPrismas: prisma migrate reads the
// migrations folder beside the schema its CLI finds (inferDirectoryConfig:
// the datasource's folder, else the schema's), not always
// prisma/migrations. A stale prisma/migrations holding the unedited file
// beside the folder Prisma reads passed an edited applied migration:
// dbguard checked the decoy. Each project below has the edit where Prisma
// reads and the decoy in prisma/migrations.
func TestAttackPrismaMigrationsFolderIsPrismas(t *testing.T) {
	ctx := context.Background()
	db := prismaDB(t)
	if _, err := db.ExecContext(ctx, `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('1', $1, now(), '20240101_init')`, golden(t, "edited")); err != nil {
		t.Fatal(err)
	}
	const ds = "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n"
	const models = "model User {\n  id Int @id\n}\n"
	edited, unedited := caseFile(t, "edited", "checkout.sql"), caseFile(t, "edited", "applied.sql")
	decoy := "prisma/migrations/20240101_init/migration.sql"
	for _, c := range []struct {
		name  string
		files map[string]string
		dir   string // where Prisma reads, relative to the root
	}{
		{"root schema.prisma", map[string]string{"schema.prisma": ds, "migrations/20240101_init/migration.sql": edited}, "migrations"},
		{"root schema.prisma before prisma/schema.prisma", map[string]string{"schema.prisma": ds, "prisma/schema.prisma": ds,
			"migrations/20240101_init/migration.sql": edited}, "migrations"},
		{"package.json prisma.schema", map[string]string{"package.json": `{"prisma": {"schema": "db/schema.prisma"}}`, "db/schema.prisma": ds,
			"db/migrations/20240101_init/migration.sql": edited}, "db/migrations"},
		{"prisma/schema folder", map[string]string{"prisma/schema/main.prisma": ds, "prisma/schema/user.prisma": models,
			"prisma/schema/migrations/20240101_init/migration.sql": edited}, "prisma/schema/migrations"},
		{"package.json schema folder", map[string]string{"package.json": `{"prisma": {"schema": "db"}}`, "db/main.prisma": ds, "db/user.prisma": models,
			"db/migrations/20240101_init/migration.sql": edited}, "db/migrations"},
		{"prisma.config.ts schema", map[string]string{"prisma.config.ts": "export default { schema: 'db/app.prisma' }\n", "db/app.prisma": ds,
			"db/migrations/20240101_init/migration.sql": edited}, "db/migrations"},
		{"prisma.config.ts schema folder", map[string]string{"prisma.config.ts": "export default { schema: 'db/schema' }\n", "db/schema/a.prisma": models, "db/schema/b.prisma": ds,
			"db/schema/migrations/20240101_init/migration.sql": edited}, "db/schema/migrations"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.files[decoy] = unedited
			root := tree(t, c.files)
			p, err := Resolve(cfgAt(root, nil))
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(root, c.dir); p.Dir != want {
				t.Errorf("migrations folder %s, want %s", p.Dir, want)
			}
			st, err := Read(ctx, db, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Edited) != 1 || st.Edited[0].File != filepath.Join(root, c.dir, "20240101_init", "migration.sql") {
				t.Errorf("edited %+v, want %s's file", st.Edited, c.dir)
			}
		})
	}
}

// TestAttackPrismaRootSchemaFirst: Prisma's CLI reads a root
// schema.prisma before prisma/schema.prisma (getDefaultSchema, 5.x to
// 7.x), so the root one's url is the variable the app reads. dbguard read
// prisma/schema.prisma first and judged a decoy's variable.
func TestAttackPrismaRootSchemaFirst(t *testing.T) {
	root := tree(t, map[string]string{
		"schema.prisma":        "datasource db {\n  provider = \"postgresql\"\n  url = env(\"APP_URL\")\n}\n",
		"prisma/schema.prisma": "datasource db {\n  provider = \"postgresql\"\n  url = env(\"DECOY_URL\")\n}\n",
	})
	url, _, file, line, err := DatasourceVars(root, root)
	if err != nil || url != "APP_URL" || file != "schema.prisma" || line != 3 {
		t.Errorf("DatasourceVars = %q %q:%d, %v; want APP_URL at schema.prisma:3", url, file, line, err)
	}
	if got := SchemaPath(root, root); got != filepath.Join(root, "schema.prisma") {
		t.Errorf("SchemaPath = %s", got)
	}
}

// TestAttackPrismaMigrationsFolderTwoVersions: package.json's
// prisma.schema (and the prisma/schema folder) are Prisma 6's places
// only; Prisma 7 reads prisma/schema.prisma and prisma/migrations. A pull
// request adding package.json's prisma.schema and a decoy folder beside
// it, with the edit in prisma/migrations, would have passed a Prisma 7
// project: two folders the two versions would read are refused, exit 2,
// until one goes (prisma.config.ts's migrations.path would not do:
// Prisma before 6.12 reads none).
func TestAttackPrismaMigrationsFolderTwoVersions(t *testing.T) {
	const ds = "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n"
	root := tree(t, map[string]string{
		"package.json":        `{"prisma": {"schema": "decoy/schema.prisma"}}`,
		"decoy/schema.prisma": ds, "decoy/migrations/20240101_init/migration.sql": "SELECT 1;\n",
		"prisma/schema.prisma": ds, "prisma/migrations/20240101_init/migration.sql": "SELECT 2;\n",
	})
	p, err := Resolve(cfgAt(root, nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.files()
	var adv *exitcode.Advice
	if !errors.As(err, &adv) || exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "Prisma 6 reads this project's migrations in decoy/migrations and Prisma 7 in prisma/migrations") ||
		!strings.Contains(adv.Hint(), "remove the folder the project does not use (decoy/migrations or prisma/migrations") {
		t.Fatalf("files: %v", err)
	}
	// The URL judged does not depend on the folder: env goes on.
	if err := AdoptURLVars(cfgAt(root, nil)); err != nil {
		t.Errorf("AdoptURLVars: %v", err)
	}
	// migrations.path does not say which: Prisma before 6.12 reads none.
	os.WriteFile(filepath.Join(root, "prisma.config.ts"), []byte("export default { migrations: { path: 'prisma/migrations' } }\n"), 0o644)
	if p, err = Resolve(cfgAt(root, nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.files(); exitcode.Of(err) != exitcode.Usage {
		t.Errorf("with migrations.path: %v", err)
	}
	// The unused folder gone: read.
	os.RemoveAll(filepath.Join(root, "decoy", "migrations"))
	if p, err = Resolve(cfgAt(root, nil)); err != nil || p.Dir != filepath.Join(root, "prisma", "migrations") {
		t.Fatalf("decoy gone: %v, %v", p, err)
	}
	if _, err := p.files(); err != nil {
		t.Errorf("files: %v", err)
	}
}

// TestAttackPrismaTableInURLSchema: Prisma keeps _prisma_migrations in
// the schema its URL's ?schema= names (public without one), whatever the
// role's search_path. dbguard read the table search_path found: with
// ?schema=app it found none (everything pending, an edit unseen), or a
// stale public._prisma_migrations whose rows matched the files.
func TestAttackPrismaTableInURLSchema(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"CREATE SCHEMA app", strings.Replace(prismaTable, "_prisma_migrations", "app._prisma_migrations", 1), prismaTable} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// app's row: Prisma's checksum of the file before the edit; public's:
	// the edited file's own, a stale table that would pass it.
	edited := caseFile(t, "edited", "checkout.sql")
	if _, err := db.ExecContext(ctx, `INSERT INTO app._prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('1', $1, now(), '20240101_init')`, golden(t, "edited")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO public._prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('1', $1, now(), '20240101_init')`, prismaChecksum([]byte(edited))); err != nil {
		t.Fatal(err)
	}
	root := tree(t, map[string]string{"prisma/schema.prisma": "", "prisma/migrations/20240101_init/migration.sql": edited})
	p, err := Resolve(cfgAt(root, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		query   string
		edited  bool
		applied int
	}{
		{"?schema=app", true, 1},
		{"?schema=public", false, 1},
		{"", false, 1},
		{"?schema=other", false, 0}, // no table there: nothing applied
	} {
		u, err := dburl.Parse(dbURL + strings.Replace(c.query, "?", sep(dbURL), 1))
		if err != nil {
			t.Fatal(err)
		}
		st, err := Read(ctx, db, p, u)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if (len(st.Edited) == 1) != c.edited || len(st.Applied) != c.applied {
			t.Errorf("%q: edited %v, applied %v", c.query, st.Edited, st.Applied)
		}
	}
}

// sep is what joins one more parameter to u.
func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

// TestPrismaDuplicateRowsEachCompared: _prisma_migrations may hold one
// name more than once (a run rolled back and applied again, a resolve
// --applied beside a run). Prisma's own diagnosis compares only the first
// row of a name in start order, rolled-back ones included; dbguard
// compares every finished row that is not rolled back, so a second
// applied row whose checksum the file lacks is an edit whichever row
// comes first, and a rolled-back run (which left nothing) is never one.
func TestPrismaDuplicateRowsEachCompared(t *testing.T) {
	ctx := context.Background()
	db := prismaDB(t)
	file := caseFile(t, "same", "applied.sql")
	if _, err := db.ExecContext(ctx, `INSERT INTO _prisma_migrations (id, checksum, finished_at, rolled_back_at, migration_name, started_at) VALUES
		('1', $2, NULL, now(), '20240101_init', now() - interval '3 hours'),
		('2', $1, now(), NULL, '20240101_init', now() - interval '2 hours')`, golden(t, "same"), strings.Repeat("0", 64)); err != nil {
		t.Fatal(err)
	}
	root := tree(t, map[string]string{"prisma/schema.prisma": "", "prisma/migrations/20240101_init/migration.sql": file})
	p, _ := Resolve(cfgAt(root, nil))
	if st, err := Read(ctx, db, p, nil); err != nil || len(st.Edited) != 0 {
		t.Errorf("rolled back, then applied: edited %v, %v", st.Edited, err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at) VALUES ('3', $1, now(), '20240101_init', now() - interval '1 hours')`, strings.Repeat("1", 64)); err != nil {
		t.Fatal(err)
	}
	if st, err := Read(ctx, db, p, nil); err != nil || len(st.Edited) != 1 || st.Edited[0].Applied != strings.Repeat("1", 64) || len(st.Applied) != 1 {
		t.Errorf("a second applied row: edited %v, applied %v, %v", st.Edited, st.Applied, err)
	}
}

// TestAttackPrismaConfigMigrationsPathDecoy: Prisma reads the config's
// migrations.path from 6.12 on; before (and Prisma 5, which reads no
// prisma.config.ts) it reads the folder beside the schema. A pull request
// adding a config whose migrations.path names a decoy of unedited copies,
// with the edit in prisma/migrations, passed on such a project: both
// folders existing is refused, exit 2, at the config's line.
func TestAttackPrismaConfigMigrationsPathDecoy(t *testing.T) {
	const ds = "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n"
	root := tree(t, map[string]string{
		"prisma.config.ts":     "export default {\n  migrations: { path: 'decoy' },\n}\n",
		"prisma/schema.prisma": ds, "prisma/migrations/20240101_init/migration.sql": "SELECT 2;\n",
		"decoy/20240101_init/migration.sql": "SELECT 1;\n",
	})
	p, err := Resolve(cfgAt(root, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.files(); exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "prisma.config.ts:2") ||
		!strings.Contains(err.Error(), "migrations.path names decoy, but prisma/migrations, where Prisma before 6.12 reads the migrations") {
		t.Fatalf("files: %v", err)
	}
	// The config naming the folder beside the schema, or only one folder
	// there: read.
	os.WriteFile(filepath.Join(root, "prisma.config.ts"), []byte("export default {\n  migrations: { path: 'prisma/migrations' },\n}\n"), 0o644)
	if p, _ = Resolve(cfgAt(root, nil)); p.Dir != filepath.Join(root, "prisma", "migrations") {
		t.Errorf("dir %s", p.Dir)
	} else if _, err := p.files(); err != nil {
		t.Errorf("files: %v", err)
	}
	os.WriteFile(filepath.Join(root, "prisma.config.ts"), []byte("export default {\n  migrations: { path: 'decoy' },\n}\n"), 0o644)
	os.RemoveAll(filepath.Join(root, "prisma", "migrations"))
	if p, _ = Resolve(cfgAt(root, nil)); p.Dir != filepath.Join(root, "decoy") {
		t.Errorf("dir %s", p.Dir)
	} else if _, err := p.files(); err != nil {
		t.Errorf("files: %v", err)
	}
}

// TestPrismaMigrationFolderLinkIsNone: Prisma lists its migrations with
// readdir's file types and takes folders only (listMigrations.ts), so a
// migration folder that is a link is no migration to it; nor to dbguard:
// applied, it is a migration the folder lacks (exit 1), never one whose
// file is read through the link and passed.
func TestPrismaMigrationFolderLinkIsNone(t *testing.T) {
	ctx := context.Background()
	db := prismaDB(t)
	if _, err := db.ExecContext(ctx, `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('1', $1, now(), '20240101_init')`, golden(t, "same")); err != nil {
		t.Fatal(err)
	}
	root := tree(t, map[string]string{"prisma/schema.prisma": "", "prisma/copy/migration.sql": caseFile(t, "same", "applied.sql")})
	if err := os.Symlink(filepath.Join("..", "copy"), filepath.Join(root, "prisma", "migrations", "20240101_init")); err != nil {
		if err := os.MkdirAll(filepath.Join(root, "prisma", "migrations"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join("..", "copy"), filepath.Join(root, "prisma", "migrations", "20240101_init")); err != nil {
			t.Fatal(err)
		}
	}
	p, _ := Resolve(cfgAt(root, nil))
	st, err := Read(ctx, db, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(st.Unknown, " ") != "20240101_init" || exitcode.Of(st.Err(true)) != exitcode.CheckFailed {
		t.Errorf("unknown %v, err %v", st.Unknown, st.Err(true))
	}
}
