package tool

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/guard"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func tree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func cfgAt(root string, tweak func(*config.Migrations)) *config.Config {
	c := &config.Config{Root: root}
	if tweak != nil {
		tweak(&c.Migrations)
	}
	c.DirGiven = c.Migrations.Dir != ""
	if c.Migrations.Dir == "" {
		c.Migrations.Dir = config.DefaultMigrationsDir
	}
	if c.Migrations.Table == "" {
		c.Migrations.Table = config.DefaultMigrationsTable
	}
	return c
}

func TestResolveDetects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   map[string]string
		kind    Kind
		workdir string
	}{
		{"golang-migrate by default", map[string]string{"migrations/1_a.up.sql": "SELECT 1;"}, GolangMigrate, "."},
		{"alembic in a subfolder", map[string]string{"backend/alembic.ini": "[alembic]\n", "frontend/package.json": "{}"}, Alembic, "backend"},
		{"prisma", map[string]string{"prisma/schema.prisma": "datasource db {\n  url = env(\"DATABASE_URL\")\n  directUrl = env(\"DIRECT_URL\")\n}\n"}, Prisma, "."},
		{"dbmate", map[string]string{"db/migrations/20240101_a.sql": "-- migrate:up\nSELECT 1;\n"}, Dbmate, "."},
		{"goose", map[string]string{"migrations/00001_a.sql": "-- +goose Up\nSELECT 1;\n"}, Goose, "."},
		{"goose-looking text that is golang-migrate", map[string]string{"migrations/1_a.up.sql": "SELECT '-- +goose Up';"}, GolangMigrate, "."},
		// Another tool's marks in a subfolder of a golang-migrate project
		// are an example or docs, not the project's tool.
		{"golang-migrate with an alembic.ini in docs", map[string]string{"migrations/1_a.up.sql": "SELECT 1;", "docs/alembic.ini": "[alembic]\n"}, GolangMigrate, "."},
		{"golang-migrate with a prisma example", map[string]string{"migrations/000001_a.up.sql": "SELECT 1;", "examples/prisma/schema.prisma": ""}, GolangMigrate, "."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := tree(t, tc.files)
			p, err := Resolve(cfgAt(root, nil))
			if err != nil {
				t.Fatal(err)
			}
			if rel, _ := filepath.Rel(root, p.Workdir); p.Kind != tc.kind || rel != tc.workdir {
				t.Errorf("Resolve = %s in %s, want %s in %s", p.Kind, rel, tc.kind, tc.workdir)
			}
			if tc.kind == Prisma && strings.Join(p.Vars, ",") != "DATABASE_URL,DIRECT_URL" {
				t.Errorf("prisma vars %v", p.Vars)
			}
		})
	}
	root := tree(t, map[string]string{"alembic.ini": "", "prisma/schema.prisma": ""})
	var amb *AmbiguousError
	if _, err := Resolve(cfgAt(root, nil)); !errors.As(err, &amb) || exitcode.Of(err) != exitcode.Usage ||
		!strings.Contains(err.Error(), "alembic (alembic.ini), prisma (prisma/schema.prisma)") {
		t.Errorf("two tools: %v", err)
	}
	if p, err := Resolve(cfgAt(root, func(m *config.Migrations) { m.Tool = "prisma" })); err != nil || p.Kind != Prisma {
		t.Errorf("configured tool: %v %v", p, err)
	}
}

func TestAlembicOrderAndApplied(t *testing.T) {
	rev := func(id, down string) string {
		return "revision = '" + id + "'\ndown_revision = " + down + "\n"
	}
	root := tree(t, map[string]string{
		"alembic.ini":              "[alembic]\nscript_location = %(here)s/db\n",
		"db/versions/c.py":         rev("c3", "('b2', 'x9')"),
		"db/versions/a.py":         rev("a1", "None"),
		"db/versions/b.py":         rev("b2", "'a1'"),
		"db/versions/x.py":         rev("x9", "'a1'"),
		"db/versions/__init__.py":  "",
		"db/versions/README.md":    "",
		"db/versions/typed.py.bak": rev("zz", "'c3'"),
	})
	p, err := Resolve(cfgAt(root, nil))
	if err != nil || p.Kind != Alembic || p.Dir != filepath.Join(root, "db", "versions") {
		t.Fatalf("Resolve = %+v %v", p, err)
	}
	fs, err := p.files()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.id)
	}
	if got := strings.Join(ids, " "); got != "a1 b2 x9 c3" {
		t.Errorf("order %q", got)
	}
	applied := alembicApplied(fs, []string{"b2"})
	if !applied["a1"] || !applied["b2"] || applied["x9"] || applied["c3"] {
		t.Errorf("applied below b2: %v", applied)
	}
}

// Revision files as newer Alembic templates and formatters write them:
// typed assignments, a merge's parents wrapped over lines (black wraps a
// long tuple), and a comment that quotes another revision.
func TestAlembicRevisionForms(t *testing.T) {
	root := tree(t, map[string]string{
		"alembic.ini": "[alembic]\nscript_location = alembic\n",
		"alembic/versions/a.py": "from typing import Sequence, Union\nrevision: str = \"a1\"\n" +
			"down_revision: Union[str, None] = None  # squashed from 'old0'\n",
		"alembic/versions/b.py": "revision: str = 'b2'\ndown_revision: Union[str, None] = 'a1'\n",
		"alembic/versions/x.py": "revision: str = 'x9'\ndown_revision: Union[str, None] = 'a1'\n",
		"alembic/versions/c.py": "revision: str = \"c3\"\ndown_revision: Union[str, Sequence[str], None] = (\n    \"b2\",\n    \"x9\",\n)\nbranch_labels = None\n",
		"alembic/versions/o.py": "revision = 'old0'\ndown_revision = None\n",
	})
	p, err := Resolve(cfgAt(root, nil))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := p.files()
	if err != nil {
		t.Fatal(err)
	}
	applied := alembicApplied(fs, []string{"c3"})
	if !applied["a1"] || !applied["b2"] || !applied["x9"] || !applied["c3"] || applied["old0"] {
		t.Errorf("applied below c3: %v", applied)
	}
}

func TestTraps(t *testing.T) {
	root := tree(t, map[string]string{
		"alembic.ini":       "[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql://app:pw@prod/app\n",
		"alembic/env.py":    "from dotenv import load_dotenv\n# load_dotenv(override=True)\nload_dotenv(override = True)\n",
		"alembic/versions/": "",
	})
	p, _ := Resolve(cfgAt(root, nil))
	traps := p.Traps()
	if len(traps) != 2 || traps[0].File != "alembic/env.py:3" || traps[1].File != "alembic.ini:3" {
		t.Fatalf("traps %+v", traps)
	}
	// The env.py alembic init writes reads the ini's URL: engine_from_config
	// is not python-decouple's config(), so the literal URL is a trap.
	os.WriteFile(filepath.Join(root, "alembic", "env.py"), []byte(`from alembic import context
from sqlalchemy import engine_from_config, pool
config = context.config
def run_migrations_offline():
    url = config.get_main_option("sqlalchemy.url")
def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
`), 0o644)
	if traps := p.Traps(); len(traps) != 1 || traps[0].File != "alembic.ini:3" {
		t.Errorf("stock env.py: traps %+v", traps)
	}
	// env.py that reads the environment makes the ini URL harmless.
	os.WriteFile(filepath.Join(root, "alembic", "env.py"), []byte("import os\nurl = os.environ['DATABASE_URL']\n"), 0o644)
	if traps := p.Traps(); len(traps) != 0 {
		t.Errorf("traps %+v", traps)
	}
}

func TestEnviron(t *testing.T) {
	p := &Project{Kind: Goose, Dir: "/p/migrations", Vars: []string{"GOOSE_DBSTRING"}}
	env := guard.SetEnv([]string{"PATH=/bin", "DATABASE_URL=old", "GOOSE_DBSTRING=old"}, p.Env([]string{"DATABASE_URL"}, "postgres://x"))
	want := "PATH=/bin DATABASE_URL=postgres://x GOOSE_DBSTRING=postgres://x GOOSE_DRIVER=postgres GOOSE_MIGRATION_DIR=/p/migrations"
	if got := strings.Join(env, " "); got != want {
		t.Errorf("Environ =\n%s\nwant\n%s", got, want)
	}
}

// Prisma's table, as prisma migrate deploy writes it, read without Prisma:
// applied, rolled back, and one that started and never finished. The
// files are empty: e3b0c442... is the SHA-256 Prisma records for them.
func TestReadPrismaTable(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("pgx", pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE _prisma_migrations (
		id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz, migration_name varchar(255) NOT NULL,
		logs text, rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0);
	INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, rolled_back_at, started_at) VALUES
		('1', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', now(), '20240101_init', NULL, now() - interval '3 hours'),
		('2', 'c', NULL, '20240102_bad', now(), now() - interval '2 hours'),
		('3', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', now(), '20240102_bad', NULL, now() - interval '1 hour')`); err != nil {
		t.Fatal(err)
	}
	root := tree(t, map[string]string{
		"prisma/schema.prisma":                          "",
		"prisma/migrations/20240101_init/migration.sql": "",
		"prisma/migrations/20240102_bad/migration.sql":  "",
		"prisma/migrations/20240103_new/migration.sql":  "",
		"prisma/migrations/migration_lock.toml":         "",
	})
	p, _ := Resolve(cfgAt(root, nil))
	st, err := Read(ctx, db, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(st.Applied, " ") != "20240101_init 20240102_bad" || strings.Join(st.Pending, " ") != "20240103_new" || len(st.Failed) != 0 {
		t.Errorf("state %+v", st)
	}
	var pending *migrate.PendingError
	if err := st.Err(false); !errors.As(err, &pending) || pending.Count != 1 {
		t.Errorf("Err = %v", err)
	}
	db.ExecContext(ctx, `INSERT INTO _prisma_migrations (id, checksum, migration_name) VALUES ('4', 'c', '20240103_new')`)
	st, _ = Read(ctx, db, p, nil)
	var failed *exitcode.Advice
	if err := st.Err(true); !errors.As(err, &failed) || exitcode.Of(err) != exitcode.CheckFailed || !strings.Contains(failed.Hint(), "npx prisma migrate resolve --rolled-back 20240103_new") {
		t.Errorf("Err = %v", err)
	}
	if _, err := p.DownSteps(1); exitcode.Of(err) != exitcode.Usage {
		t.Errorf("prisma down: %v", err)
	}
}

// prismaDB is a test database holding _prisma_migrations as Prisma's
// schema engine creates it (prismaTable), closed when the test ends.
func prismaDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(prismaTable); err != nil {
		t.Fatal(err)
	}
	return db
}

// prismaTable is _prisma_migrations as Prisma's schema engine creates it
// on PostgreSQL (sql-schema-connector's create_migrations_table).
const prismaTable = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`

// golden is a checksum of goldens.tsv: what Prisma recorded for a case's
// applied.sql (sha256sum agrees on those cases).
func golden(t *testing.T, c string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "prismachecksum", "goldens.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if cols := strings.Split(line, "\t"); len(cols) == 4 && cols[0] == c {
			return cols[1]
		}
	}
	t.Fatalf("no golden for %s", c)
	return ""
}

func caseFile(t *testing.T, c, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "prismachecksum", c, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Prisma's applied migrations are checked against their files as
// golang-migrate's are against the ledger: on a real PostgreSQL, a table
// as Prisma creates it, with the checksums Prisma recorded (goldens.tsv),
// then a file edited, one removed, one left failed; a CRLF checkout of an
// unedited file, a migration rolled back and applied again after a fix,
// and an old engine's unpadded checksum all pass.
func TestPrismaAppliedChecked(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("pgx", pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lf, sum := caseFile(t, "same", "applied.sql"), golden(t, "same")
	old := golden(t, "old_format")
	if _, err := db.ExecContext(ctx, prismaTable); err != nil {
		t.Fatal(err)
	}
	// $1: the recorded checksum of the LF file; $2: a checksum the fixed
	// file does not have; $3: the old engine's form.
	if _, err := db.ExecContext(ctx, `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, rolled_back_at, started_at, applied_steps_count) VALUES
		('1', $1, now() - interval '9 hours', '20240101_crlf', NULL, now() - interval '9 hours', 1),
		('2', $1, now() - interval '8 hours', '20240102_edited', NULL, now() - interval '8 hours', 1),
		('3', $2, NULL, '20240103_fixed', now() - interval '6 hours', now() - interval '7 hours', 0),
		('4', $1, now() - interval '5 hours', '20240103_fixed', NULL, now() - interval '5 hours', 1),
		('5', $3, now() - interval '4 hours', '20240104_old', NULL, now() - interval '4 hours', 1),
		('6', $1, now() - interval '3 hours', '20240105_removed', NULL, now() - interval '3 hours', 1)`,
		sum, strings.Repeat("0", 64), old); err != nil {
		t.Fatal(err)
	}
	root := tree(t, map[string]string{
		"prisma/schema.prisma":                             "",
		"prisma/migrations/migration_lock.toml":            "provider = \"postgresql\"\n",
		"prisma/migrations/20240101_crlf/migration.sql":    caseFile(t, "crlf_checkout", "checkout.sql"),
		"prisma/migrations/20240102_edited/migration.sql":  caseFile(t, "edited", "checkout.sql"),
		"prisma/migrations/20240103_fixed/migration.sql":   lf,
		"prisma/migrations/20240104_old/migration.sql":     lf,
		"prisma/migrations/20240106_pending/migration.sql": lf,
	})
	p, _ := Resolve(cfgAt(root, nil))
	st, err := Read(ctx, db, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(root, "prisma", "migrations", "20240102_edited", "migration.sql")
	if len(st.Edited) != 1 || st.Edited[0].Name != "20240102_edited" || st.Edited[0].File != want || st.Edited[0].Applied != sum ||
		st.Edited[0].Current != prismaChecksum([]byte(caseFile(t, "edited", "checkout.sql"))) {
		t.Errorf("edited %+v", st.Edited)
	}
	if strings.Join(st.Unknown, " ") != "20240105_removed" || strings.Join(st.Pending, " ") != "20240106_pending" || len(st.Failed) != 0 {
		t.Errorf("state %+v", st)
	}
	var edited *EditedError
	err = st.Err(true)
	if !errors.As(err, &edited) || exitcode.Of(err) != exitcode.CheckFailed || edited.Where() != want ||
		!strings.Contains(err.Error(), want+": prisma ran it ") || !strings.Contains(edited.Hint(), "git log -p -- "+want) {
		t.Errorf("Err = %v", err)
	}

	// A failed migration comes first, as prisma migrate deploy stops there.
	if _, err := db.ExecContext(ctx, `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ('7', $1, '20240106_pending', '2024-01-06T10:00:00Z')`, sum); err != nil {
		t.Fatal(err)
	}
	st, _ = Read(ctx, db, p, nil)
	var failed *exitcode.Advice
	if err := st.Err(true); !errors.As(err, &failed) || exitcode.Of(err) != exitcode.CheckFailed ||
		!strings.Contains(err.Error(), "20240106_pending (started 2024-01-06T10:00:00Z)") ||
		!strings.Contains(failed.Hint(), "npx prisma migrate resolve --rolled-back 20240106_pending") {
		t.Errorf("Err = %v", err)
	}

	// Resolved, the edited file fixed: the removed one is what is left.
	db.ExecContext(ctx, `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE id = '7'`)
	if err := os.WriteFile(want, []byte(lf), 0o644); err != nil {
		t.Fatal(err)
	}
	st, _ = Read(ctx, db, p, nil)
	if err := st.Err(true); !errors.As(err, &failed) || !strings.Contains(err.Error(), "20240105_removed") ||
		!strings.Contains(failed.Hint(), "git log --oneline -- ") {
		t.Errorf("Err = %v", err)
	}
	db.ExecContext(ctx, `DELETE FROM _prisma_migrations WHERE id = '6'`)
	st, _ = Read(ctx, db, p, nil)
	if err := st.Err(true); err != nil {
		t.Errorf("Err = %v", err)
	}
}

// A migration.sql the check cannot read as a regular file inside the
// migrations folder (a link out of it, a FIFO) stops the check with exit
// 2: never skipped, or a pull request could turn the check off with one.
func TestAttackPrismaEditedUnreadable(t *testing.T) {
	ctx := context.Background()
	db := prismaDB(t)
	if _, err := db.ExecContext(ctx, `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('1', $1, now(), '20240101_init')`, golden(t, "same")); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "migration.sql")
	if err := os.WriteFile(outside, []byte(caseFile(t, "same", "applied.sql")), 0o644); err != nil {
		t.Fatal(err)
	}
	root := tree(t, map[string]string{"prisma/schema.prisma": ""})
	m := filepath.Join(root, "prisma", "migrations", "20240101_init")
	os.MkdirAll(m, 0o755)
	if err := os.Symlink(outside, filepath.Join(m, "migration.sql")); err != nil {
		t.Fatal(err)
	}
	p, _ := Resolve(cfgAt(root, nil))
	if _, err := Read(ctx, db, p, nil); exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "migration.sql") {
		t.Errorf("link out: %v", err)
	}
	os.Remove(filepath.Join(m, "migration.sql"))
	if err := syscall.Mkfifo(filepath.Join(m, "migration.sql"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(ctx, db, p, nil); exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "not a regular file (a FIFO)") {
		t.Errorf("fifo: %v", err)
	}
	// A folder in its place: refused, said as such (Prisma's readFile
	// fails on it too).
	os.Remove(filepath.Join(m, "migration.sql"))
	os.Mkdir(filepath.Join(m, "migration.sql"), 0o755)
	if _, err := Read(ctx, db, p, nil); exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "not a regular file (a folder); dbguard reads only regular files inside the migrations folder, and passes over none") {
		t.Errorf("folder: %v", err)
	}
}
