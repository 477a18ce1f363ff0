package schema

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestNamesAsTheServerInOddSessions: the serial defaults and foreign keys
// Introspect names itself read exactly as pg_get_expr and
// pg_get_constraintdef write them, in sessions TestSerialDefaultsAsPgGetExpr
// and TestForeignKeysAsPgGetConstraintdef do not set up: a role without
// USAGE on a schema of its search_path (left out of current_schemas, as
// out of the server's), a temporary sequence a permanent table's default
// names (in this session, and pg_temp named last), a temporary table
// hiding the table a foreign key references, $user, an empty search_path,
// one naming a schema that does not exist, a public.nextval(regclass) and
// a regclass domain ahead of pg_catalog's, a partition attached with its
// columns in another order (a foreign key's other attnums), ON UPDATE SET
// NULL and SET DEFAULT. Each default and foreign key of public and other
// is compared.
func TestNamesAsTheServerInOddSessions(t *testing.T) {
	t.Parallel()
	setup := []string{
		`CREATE SCHEMA priv`, `CREATE SCHEMA other`,
		`CREATE SEQUENCE priv.s`, `CREATE SEQUENCE public.s2`, `CREATE TABLE priv.s2 (x int)`,
		`CREATE SEQUENCE other.s3`, `CREATE SEQUENCE public.s4`,
		`CREATE TABLE public.x (a bigint DEFAULT nextval('priv.s'), b bigint DEFAULT nextval('public.s2'), c bigint DEFAULT nextval('other.s3'),
			d bigint DEFAULT nextval('public.s4'), id int PRIMARY KEY, e int DEFAULT 0)`,
		`CREATE TABLE other.s4 (id int PRIMARY KEY)`,
		`CREATE TABLE public.s4r (a int REFERENCES other.s4 ON UPDATE SET NULL, b int REFERENCES public.x ON UPDATE SET DEFAULT)`,
		`CREATE TABLE public.p (junk int, id int, k text, PRIMARY KEY (id, k)) PARTITION BY LIST (k)`,
		`ALTER TABLE public.p DROP COLUMN junk`,
		`CREATE TABLE other.p2 (k text NOT NULL, extra int, id int NOT NULL)`,
		`ALTER TABLE other.p2 DROP COLUMN extra`,
		`ALTER TABLE public.p ATTACH PARTITION other.p2 FOR VALUES IN ('a')`,
		`CREATE TABLE other.pr (k text, id int, FOREIGN KEY (id, k) REFERENCES public.p MATCH FULL)`,
		`GRANT USAGE ON SCHEMA other TO dbguard_nousage`,
	}
	// The role is the cluster's, not a database's: made once here, before
	// the sessions run side by side (two CREATE ROLEs of one name at once
	// can fail on pg_authid's unique index, not as duplicate_object).
	connect(t, `DO $$BEGIN CREATE ROLE dbguard_nousage; EXCEPTION WHEN duplicate_object THEN NULL; END$$`)
	for _, session := range [][]string{
		{`SET search_path = priv, public, other`},
		{`SET search_path = priv, public, other`, `SET ROLE dbguard_nousage`},
		{`CREATE TEMPORARY SEQUENCE ts`, `ALTER TABLE public.x ALTER COLUMN e SET DEFAULT nextval('ts')`, `CREATE TEMPORARY TABLE s2 (x int)`},
		{`CREATE TEMPORARY SEQUENCE ts`, `ALTER TABLE public.x ALTER COLUMN e SET DEFAULT nextval('ts')`, `SET search_path = public, other, pg_temp`},
		{`CREATE TEMPORARY TABLE s4 (id int)`, `SET search_path = other, public`},
		{`CREATE SCHEMA postgres`, `CREATE TABLE postgres.s2 (x int)`, `SET search_path = "$user", public, other`},
		{`SET search_path = ''`},
		{`SET search_path = nonexistent, other`},
		{`CREATE FUNCTION public.nextval(regclass) RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint'`, `CREATE DOMAIN public.regclass AS oid`,
			`SET search_path = public, other, pg_catalog`},
		{`SET quote_all_identifiers = on`, `SET search_path = other, public`},
	} {
		t.Run(strings.Join(session, "; "), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s, tx := introspectAsServer(t, connect(t, slices.Concat(setup, session)...), "public", "other")
			n := 0
			compare := func(query string, got func(tb *Table, name string) string) {
				t.Helper()
				rows, err := tx.Query(ctx, query)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				for rows.Next() {
					var nsp, rel, name, want string
					if err := rows.Scan(&nsp, &rel, &name, &want); err != nil {
						t.Fatal(err)
					}
					n++
					if tb := s.Tables[Key(nsp, rel)]; tb == nil {
						t.Errorf("%s.%s not read", nsp, rel)
					} else if g := got(tb, name); g != want {
						t.Errorf("%s.%s %s:\n got %q\nwant %q (the server's)", nsp, rel, name, g, want)
					}
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
			}
			compare(`SELECT n.nspname, c.relname, a.attname, pg_catalog.pg_get_expr(d.adbin, d.adrelid)
				FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) d.adrelid
				JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
				JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) d.adrelid AND a.attnum OPERATOR(pg_catalog.=) d.adnum
				WHERE n.nspname OPERATOR(pg_catalog.=) ANY ('{public,other}'::pg_catalog.name[])`,
				func(tb *Table, col string) string {
					if c := tb.Columns[col]; c != nil {
						return c.Default
					}
					return "(no column)"
				})
			compare(`SELECT n.nspname, c.relname, k.conname, pg_catalog.pg_get_constraintdef(k.oid)
				FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) k.conrelid
				JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
				WHERE k.contype OPERATOR(pg_catalog.=) 'f'::pg_catalog."char" AND n.nspname OPERATOR(pg_catalog.=) ANY ('{public,other}'::pg_catalog.name[])`,
				func(tb *Table, name string) string { return tb.ForeignKeys[name] })
			if n < 9 {
				t.Fatalf("%d defaults and foreign keys compared", n)
			}
		})
	}
}
