package models

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrismaGoldens checks dbguard's reading of each Prisma case
// (testdata/prisma/CASE/schema.prisma or the CASE/schema folder) against
// what Prisma's own schema engine read from it (dmmf.json, recorded from
// @prisma/prisma-schema-wasm's get_dmmf by scripts/prisma-goldens.sh): the
// same tables in the same schemas, the same columns (@map), native types
// with their arguments, enums by their mapped name, lists, optionality;
// relation and @ignore'd fields left out. The PostgreSQL type each Prisma
// type becomes is Prisma's documented mapping (prismaScalar, prismaNative).
func TestPrismaGoldens(t *testing.T) {
	cases, err := filepath.Glob("testdata/prisma/*/dmmf.json")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no goldens (run scripts/prisma-goldens.sh): %v", err)
	}
	for _, golden := range cases {
		dir, _ := filepath.Abs(filepath.Dir(golden))
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var want struct {
				Models []struct {
					Table, Schema string
					Columns       []struct {
						Name, Type, Native string
						List, Required     bool
					}
				}
			}
			data, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "schema.prisma")
			if _, err := os.Stat(path); err != nil {
				path = filepath.Join(dir, "schema")
			}
			got, err := ReadPrisma(dir, path)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Tables) != len(want.Models) {
				t.Fatalf("%d tables read, Prisma has %d models", len(got.Tables), len(want.Models))
			}
			for i, m := range want.Models {
				tab := got.Tables[i]
				schema := m.Schema
				if schema == "public" {
					schema = ""
				}
				if tab.Name != m.Table || tab.Schema != schema {
					t.Errorf("table %d: %s.%s, Prisma: %s.%s", i, tab.Schema, tab.Name, m.Schema, m.Table)
					continue
				}
				if len(tab.Columns) != len(m.Columns) {
					t.Errorf("%s: %d columns read, Prisma has %d", m.Table, len(tab.Columns), len(m.Columns))
					continue
				}
				for j, w := range m.Columns {
					c := tab.Columns[j]
					typ := prismaScalar[w.Type]
					switch {
					case w.Native != "":
						base, args, _ := strings.Cut(w.Native, "(")
						typ = prismaNative[base]
						if args != "" {
							typ += "(" + args
						}
					case strings.HasPrefix(w.Type, "enum:"):
						typ = quoteIdent(strings.TrimPrefix(w.Type, "enum:"))
						// get_dmmf does not say an enum's schema: compare the name.
						if k := strings.LastIndex(c.Type, "."); k >= 0 && !w.List {
							c.Type = c.Type[k+1:]
						}
					}
					if w.List {
						typ += "[]"
					}
					if c.Name != w.Name || c.Type != typ || c.NullUnknown != w.List || !w.List && c.Nullable == w.Required {
						t.Errorf("%s column %d: read %+v; Prisma: %+v (type %s)", m.Table, j, c, w, typ)
					}
				}
			}
		})
	}
}
