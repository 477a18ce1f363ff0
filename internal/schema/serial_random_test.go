package schema

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// TestNamesAsTheServerOnRandomSchemas: on schemas drawn at random (fixed
// seeds) from sequences, tables, views, composite types, temporary tables
// and sequences of the same few names (quoted, keyword, non-ASCII, a
// quote, a backslash, pg_catalog's own) in schemas on and off a search_path
// of random order ($user, pg_catalog and pg_temp among them, with
// quote_all_identifiers and standard_conforming_strings at random), every
// serial default and foreign key Introspect names itself reads exactly as
// pg_get_expr and pg_get_constraintdef write it. 150 seeds held (a minute);
// the 16 here are the test's share of the suite.
func TestNamesAsTheServerOnRandomSchemas(t *testing.T) {
	t.Parallel()
	names := []string{"s", "S", `a"b`, "it's", `back\slash`, "ünï", "select", "user", "pg_class", "pg_type", "t", "x1", "Mixed Case", "from", "_u", "9n"}
	schemas := []string{"public", "other", "third", "Odd", "unread"}
	ident := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	literal := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	for seed := int64(0); seed < 16; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewSource(seed))
			setup := []string{`CREATE SCHEMA other`, `CREATE SCHEMA third`, `CREATE SCHEMA "Odd"`, `CREATE SCHEMA unread`}
			var seqs, tabs []string
			used := map[string]bool{}
			for i := 0; i < 12; i++ {
				sc, n := schemas[r.Intn(len(schemas))], names[r.Intn(len(names))]
				kind := r.Intn(7)
				key := sc + "." + n
				if kind >= 5 {
					key = "pg_temp." + n
				}
				if used[key] {
					continue
				}
				used[key] = true
				rel := ident(sc) + "." + ident(n)
				switch kind {
				case 0, 1:
					setup = append(setup, "CREATE SEQUENCE "+rel)
					seqs = append(seqs, rel)
				case 2:
					setup = append(setup, "CREATE TABLE "+rel+` (id int PRIMARY KEY, "Sel" int, UNIQUE (id, "Sel"))`)
					tabs = append(tabs, rel)
				case 3:
					setup = append(setup, "CREATE VIEW "+rel+" AS SELECT 1 AS one")
				case 4:
					setup = append(setup, "CREATE TYPE "+rel+" AS (a int)")
				case 5:
					setup = append(setup, "CREATE TEMPORARY TABLE "+ident(n)+" (x int)")
				case 6:
					setup = append(setup, "CREATE TEMPORARY SEQUENCE "+ident(n))
					seqs = append(seqs, "pg_temp."+ident(n))
				}
			}
			cols := []string{"id int"}
			for i, s := range seqs {
				cols = append(cols, fmt.Sprintf("d%d bigint DEFAULT nextval(%s)", i, literal(s)), fmt.Sprintf("e%d int DEFAULT nextval(%s)", i, literal(s)))
			}
			for i, tb := range tabs {
				if r.Intn(2) == 0 {
					cols = append(cols, fmt.Sprintf("f%d int REFERENCES %s", i, tb))
				} else {
					cols = append(cols, fmt.Sprintf(`f%d int, g%d int, FOREIGN KEY (g%d, f%d) REFERENCES %s (id, "Sel") MATCH FULL ON DELETE CASCADE DEFERRABLE`, i, i, i, i, tb))
				}
			}
			setup = append(setup, "CREATE TABLE public.main ("+strings.Join(cols, ", ")+")")
			var path []string
			for _, sc := range append(schemas, "$user", "pg_catalog", "pg_temp") {
				if r.Intn(2) == 0 {
					path = append(path, ident(sc))
				}
			}
			r.Shuffle(len(path), func(i, j int) { path[i], path[j] = path[j], path[i] })
			setup = append(setup, "SET search_path = "+strings.Join(append(path, "nonexistent"), ", "))
			if r.Intn(3) == 0 {
				setup = append(setup, "SET quote_all_identifiers = on")
			}
			if r.Intn(3) == 0 {
				setup = append(setup, "SET standard_conforming_strings = off")
			}
			ctx := context.Background()
			s, tx := introspectAsServer(t, connect(t, setup...), "public")
			main := s.Tables[Key("public", "main")]
			if main == nil {
				t.Fatal("public.main not read")
			}
			n := 0
			for _, c := range []struct {
				query string
				got   func(name string) string
			}{
				{`SELECT a.attname, pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef d
					JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) d.adrelid AND a.attnum OPERATOR(pg_catalog.=) d.adnum
					WHERE d.adrelid OPERATOR(pg_catalog.=) 'public.main'::pg_catalog.regclass`,
					func(col string) string { return main.Columns[col].Default }},
				{`SELECT k.conname, pg_catalog.pg_get_constraintdef(k.oid) FROM pg_catalog.pg_constraint k
					WHERE k.conrelid OPERATOR(pg_catalog.=) 'public.main'::pg_catalog.regclass AND k.contype OPERATOR(pg_catalog.=) 'f'::pg_catalog."char"`,
					func(name string) string { return main.ForeignKeys[name] }},
			} {
				rows, err := tx.Query(ctx, c.query)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var name, want string
					if err := rows.Scan(&name, &want); err != nil {
						t.Fatal(err)
					}
					n++
					if got := c.got(name); got != want {
						t.Errorf("%s: got %q, want %q (the server's)", name, got, want)
					}
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
			}
			if n != 2*len(seqs)+len(tabs) || t.Failed() {
				t.Fatalf("%d of %d compared, setup:\n%s", n, 2*len(seqs)+len(tabs), strings.Join(setup, ";\n"))
			}
		})
	}
}
