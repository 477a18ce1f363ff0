package models_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/models"
	"github.com/dbguard/dbguard/internal/pgtest"
	"github.com/dbguard/dbguard/internal/schema"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestDrizzleGoldens checks dbguard's static reading of each Drizzle case
// (testdata/drizzle/CASE: drizzle.config.ts and its schema) against the
// DDL the real drizzle-kit wrote for it (golden.sql, recorded with its
// version by scripts/drizzle-goldens.sh): loaded into a real PostgreSQL,
// the tables and columns must be exactly those read, with the same types
// (as the server spells them) and nullability.
func TestDrizzleGoldens(t *testing.T) {
	cases, err := filepath.Glob("testdata/drizzle/*/golden.sql")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no goldens (run scripts/drizzle-goldens.sh): %v", err)
	}
	for _, golden := range cases {
		dir, _ := filepath.Abs(filepath.Dir(golden))
		t.Run(filepath.Base(dir), func(t *testing.T) {
			ctx := context.Background()
			ddl, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			r, err := models.Read(ctx, models.Options{Config: config.Default(dir)})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Sets) != 1 || r.Sets[0].Source != "drizzle" {
				t.Fatalf("sets: %+v", r.Sets)
			}
			conn, err := pgx.Connect(ctx, pgtest.DB(t))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.PgConn().Exec(ctx, string(ddl)).ReadAll(); err != nil {
				t.Fatalf("loading %s: %v", golden, err)
			}
			schemas := []string{"public"}
			read := map[string]models.Table{}
			for _, tab := range r.Sets[0].Tables {
				s := tab.Schema
				if s == "" {
					s = "public"
				}
				if !slices.Contains(schemas, s) {
					schemas = append(schemas, s)
				}
				read[schema.Key(s, tab.Name)] = tab
				for _, c := range tab.Columns {
					if c.Type == "" || c.Line == 0 {
						t.Errorf("%s.%s: no type or line read: %+v", tab.Name, c.Name, c)
					}
				}
			}
			live, err := schema.Introspect(ctx, conn, schema.Options{Schemas: schemas})
			if err != nil {
				t.Fatal(err)
			}
			exp := r.Expect()
			types, err := schema.CanonicalizeModels(ctx, conn, exp)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range schema.CheckModels(exp, types, "public", live) {
				t.Errorf("drizzle-kit and dbguard differ: %s", d.Message)
			}
			// And nothing drizzle-kit created was left unread.
			for key, lt := range live.Tables {
				tab, ok := read[key]
				if !ok {
					t.Errorf("table %s: created by drizzle-kit, not read", key)
					continue
				}
				for name := range lt.Columns {
					if !slices.ContainsFunc(tab.Columns, func(c models.Column) bool { return c.Name == name }) {
						t.Errorf("column %s.%s: created by drizzle-kit, not read", key, name)
					}
				}
			}
		})
	}
}
