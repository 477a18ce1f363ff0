package tool

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

const vercelSchema = `// Vercel's template
datasource db {
  provider  = "postgresql"
  url       = env("POSTGRES_PRISMA_URL") // uses connection pooling
  directUrl = env("POSTGRES_URL_NON_POOLING") // uses a direct connection
}
`

func TestAdoptURLVars(t *testing.T) {
	for _, tc := range []struct {
		name   string
		files  map[string]string
		url    string
		direct string // first direct variable
	}{
		{"vercel template", map[string]string{"prisma/schema.prisma": vercelSchema}, "POSTGRES_PRISMA_URL", "POSTGRES_URL_NON_POOLING"},
		{"schema folder", map[string]string{"prisma/schema/a.prisma": "model A {\n  id Int @id\n}\n", "prisma/schema/db.prisma": vercelSchema}, "POSTGRES_PRISMA_URL", "POSTGRES_URL_NON_POOLING"},
		{"in a backend folder", map[string]string{"backend/prisma/schema.prisma": "datasource db {\n  url = env(\"APP_DB\")\n}\n"}, "APP_DB", config.DefaultDirectURLVars[0]},
		{"DATABASE_URL as usual", map[string]string{"prisma/schema.prisma": "datasource db {\n  url = env(\"DATABASE_URL\")\n  directUrl = env(\"DIRECT_URL\")\n}\n"}, "DATABASE_URL", "DIRECT_URL"},
		{"a commented-out line", map[string]string{"prisma/schema.prisma": "datasource db {\n  // url = env(\"OLD_URL\")\n  url = env(\"NEW_URL\")\n}\n"}, "NEW_URL", config.DefaultDirectURLVars[0]},
		{"url a default direct variable", map[string]string{"prisma/schema.prisma": "datasource db {\n  url = env(\"POSTGRES_URL_NON_POOLING\")\n}\n"}, "POSTGRES_URL_NON_POOLING", config.DefaultDirectURLVars[0]},
		{"not a Prisma project", map[string]string{"migrations/1_a.up.sql": "SELECT 1;", "examples/prisma/schema.prisma": vercelSchema}, "DATABASE_URL", config.DefaultDirectURLVars[0]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default(tree(t, tc.files))
			if err := AdoptURLVars(cfg); err != nil {
				t.Fatal(err)
			}
			db := cfg.Database
			if db.URLVar != tc.url || db.DirectURLVars[0] != tc.direct || slices.Contains(db.DirectURLVars, db.URLVar) {
				t.Errorf("url_var %s, direct %v; want %s, %s first", db.URLVar, db.DirectURLVars, tc.url, tc.direct)
			}
			again := cfg.Database
			again.DirectURLVars = slices.Clone(again.DirectURLVars)
			if err := AdoptURLVars(cfg); err != nil || !slices.Equal(again.DirectURLVars, cfg.Database.DirectURLVars) {
				t.Errorf("a second adoption changed %v to %v (%v)", again.DirectURLVars, cfg.Database.DirectURLVars, err)
			}
		})
	}
}

func TestAdoptURLVarsRefusesAnotherURLVar(t *testing.T) {
	root := tree(t, map[string]string{"prisma/schema.prisma": vercelSchema, "dbguard.yaml": "database:\n  url_var: DATABASE_URL\n"})
	cfg, err := config.Load(filepath.Join(root, "dbguard.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	err = AdoptURLVars(cfg)
	if err == nil || !strings.Contains(err.Error(), "dbguard.yaml:2: database.url_var is DATABASE_URL, but prisma/schema.prisma:4 reads the app's database URL from POSTGRES_PRISMA_URL") {
		t.Fatalf("err = %v", err)
	}
	ok := tree(t, map[string]string{"prisma/schema.prisma": vercelSchema, "dbguard.yaml": "database:\n  url_var: POSTGRES_PRISMA_URL\n"})
	if cfg, err := config.Load(filepath.Join(ok, "dbguard.yaml")); err != nil || AdoptURLVars(cfg) != nil {
		t.Fatalf("the same variable: %v", err)
	}
}

// A schema.prisma that is a FIFO hung `dbguard migrate up` for good (it
// was read with os.ReadFile); one linked out of the project was read.
func TestAttackPrismaDatasourceFIFOAndLink(t *testing.T) {
	root := tree(t, map[string]string{"prisma/.keep": ""})
	fifotest.Make(t, filepath.Join(root, "prisma", "schema.prisma"))
	p, ok := fifotest.Within(10*time.Second, func() *Project { p, _ := Resolve(config.Default(root)); return p })
	if !ok {
		t.Fatal("resolving the tool waits on a FIFO named prisma/schema.prisma")
	}
	if p == nil || p.Kind != Prisma || len(p.Vars) != 0 {
		t.Errorf("a FIFO schema: %+v", p)
	}

	outside := tree(t, map[string]string{"schema.prisma": vercelSchema})
	linked := tree(t, map[string]string{"prisma/.keep": ""})
	if err := os.Symlink(filepath.Join(outside, "schema.prisma"), filepath.Join(linked, "prisma", "schema.prisma")); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default(linked)
	if err := AdoptURLVars(cfg); err != nil || cfg.Database.URLVar != config.DefaultURLVar {
		t.Errorf("a schema linked out of the project was read: url_var %s (%v)", cfg.Database.URLVar, err)
	}
	if p, err := Resolve(config.Default(linked)); err != nil || len(p.Vars) != 0 {
		t.Errorf("a schema linked out of the project gave the tool %v (%v)", p.Vars, err)
	}
}

// TestAttackDetectFIFOWaitsOnNothing: tool detection reads the first
// bytes of each *.sql file of migrations/ and db/migrations/ (goose's and
// dbmate's marks) and lists prisma/schema/; a FIFO in any of those places
// (or as the folder itself) made every command wait for a writer, for
// good, and a link took the read out of the project.
func TestAttackDetectFIFOWaitsOnNothing(t *testing.T) {
	outside := tree(t, map[string]string{"goose.sql": "-- +goose Up\nSELECT 1;\n"})
	for _, fifo := range []string{"migrations/a.sql", "db/migrations/a.sql", "prisma/schema"} {
		root := tree(t, map[string]string{"migrations/.keep": "", "db/migrations/.keep": "", "prisma/.keep": ""})
		fifotest.Make(t, filepath.Join(root, fifo))
		p, ok := fifotest.Within(10*time.Second, func() *Project { p, _ := Resolve(config.Default(root)); return p })
		if !ok {
			t.Fatalf("detecting the tool waits on a FIFO at %s", fifo)
		}
		if p == nil || p.Kind != GolangMigrate {
			t.Errorf("a FIFO at %s: detected %+v", fifo, p)
		}
	}
	linked := tree(t, map[string]string{"migrations/.keep": ""})
	if err := os.Symlink(filepath.Join(outside, "goose.sql"), filepath.Join(linked, "migrations", "a.sql")); err != nil {
		t.Fatal(err)
	}
	if p, err := Resolve(config.Default(linked)); err != nil || p.Kind != GolangMigrate {
		t.Errorf("a goose file linked from outside the project was read: %+v (%v)", p, err)
	}
}
