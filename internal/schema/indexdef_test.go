package schema

import (
	"context"
	"testing"
)

// TestIndexDefinitionsAsPgGetIndexdef: the index definitions Introspect
// builds for plain indexes are exactly pg_get_indexdef's, and the others
// (which it leaves to pg_get_indexdef) are too, with quote_all_identifiers
// off and on (a migration may set it in the session).
func TestIndexDefinitionsAsPgGetIndexdef(t *testing.T) {
	t.Parallel()
	conn := connect(t,
		`CREATE SCHEMA "Odd Schema"`,
		`CREATE TABLE t (id bigint, name text, email varchar(255), code text COLLATE "C", tags text[], ts timestamptz, n numeric, "Mixed Case" int, "select" int, j jsonb)`,
		`CREATE INDEX plain_one ON t (name)`,
		`CREATE INDEX plain_two ON t (ts, id)`,
		`CREATE INDEX "Quoted Index" ON t ("Mixed Case", "select")`,
		`CREATE INDEX on_varchar ON t (email)`,
		`CREATE INDEX on_numeric ON t (n)`,
		`CREATE INDEX own_collation ON t (code)`,
		`CREATE INDEX other_collation ON t (name COLLATE "C")`,
		`CREATE INDEX descending ON t (ts DESC)`,
		`CREATE INDEX nulls_first ON t (id NULLS FIRST)`,
		`CREATE INDEX pattern_ops ON t (name text_pattern_ops)`,
		`CREATE INDEX expression ON t (lower(name))`,
		`CREATE INDEX partial ON t (id) WHERE id > 0`,
		`CREATE INDEX covering ON t (id) INCLUDE (name)`,
		`CREATE INDEX with_fillfactor ON t (id) WITH (fillfactor = 70)`,
		`CREATE UNIQUE INDEX unique_index ON t (email)`,
		`CREATE INDEX hashed ON t USING hash (name)`,
		`CREATE INDEX gin_tags ON t USING gin (tags)`,
		`CREATE INDEX gin_json ON t USING gin (j jsonb_path_ops)`,
		`CREATE INDEX brin_ts ON t USING brin (ts)`,
		`CREATE TABLE "Odd Schema"."Odd Table" (id int, "Weird col" text)`,
		`CREATE INDEX "odd index" ON "Odd Schema"."Odd Table" ("Weird col", id)`,
		`CREATE TABLE parted (id int, at date) PARTITION BY RANGE (at)`,
		`CREATE TABLE parted_2026 PARTITION OF parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`,
		`CREATE INDEX parted_at ON parted (at)`,
		`ALTER TABLE t DROP COLUMN n`, // numeric's index goes with it; attnums keep a gap
		`CREATE INDEX after_drop ON t ("select", ts)`,
		// Built in Go unless something makes them not plain: an operator
		// class of the column's type that is not its default, one of
		// another schema, a domain's column (its type's default class is
		// the base type's), DESC NULLS LAST, NULLS NOT DISTINCT, keyword
		// and non-ASCII names, a column collated "C" indexed with the
		// default collation, a varchar column's text_ops.
		`CREATE SCHEMA ops`,
		`CREATE OPERATOR CLASS ops.int4_rev FOR TYPE int4 USING btree AS OPERATOR 1 >, OPERATOR 2 >=, OPERATOR 3 =, OPERATOR 4 <=, OPERATOR 5 <, FUNCTION 1 btint4cmp(int4, int4)`,
		`CREATE DOMAIN email_d AS text`,
		`CREATE TABLE u ("Id" int, "order" int, é text, e email_d, v varchar(20), c text COLLATE "C", n int)`,
		`CREATE INDEX u_other_schema_ops ON u (n ops.int4_rev)`,
		`CREATE INDEX u_domain ON u (e)`,
		`CREATE INDEX u_desc_nulls_last ON u (n DESC NULLS LAST)`,
		`CREATE INDEX u_asc_nulls_first_desc ON u ("Id" ASC NULLS FIRST, n DESC)`,
		`CREATE UNIQUE INDEX u_nulls_not_distinct ON u (n) NULLS NOT DISTINCT`,
		`CREATE INDEX "select" ON u ("order", é)`,
		`CREATE INDEX "Ünïcode" ON u (é)`,
		`CREATE INDEX u_c_default_collation ON u (c COLLATE "default")`,
		`CREATE INDEX u_varchar_text_ops ON u (v text_ops)`,
		`CREATE INDEX u_varchar_pattern ON u (v varchar_pattern_ops)`,
		`CREATE INDEX u_hash_varchar ON u USING hash (v)`,
		`CREATE INDEX u_include_partial ON u (n) INCLUDE ("Id") WHERE n > 0`,
		`CREATE INDEX u_expression_two ON u ((n + 1), "Id")`,
		`CREATE INDEX u_brin_multi ON u USING brin (n int4_minmax_multi_ops, "Id")`,
	)
	ctx := context.Background()
	for _, all := range []string{"off", "on"} {
		if _, err := conn.Exec(ctx, "SET quote_all_identifiers = "+all); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		rows, err := conn.Query(ctx, `SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE c.relkind IN ('i', 'I') AND n.nspname IN ('public', 'Odd Schema')`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				t.Fatal(err)
			}
			want[name] = def
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		s, err := Introspect(ctx, conn, Options{Schemas: []string{"public", "Odd Schema"}})
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, tb := range s.Tables {
			for name, def := range tb.Indexes {
				got++
				if def != want[name] {
					t.Errorf("index %s (quote_all_identifiers %s):\n got %s\nwant %s", name, all, def, want[name])
				}
			}
		}
		// Every index of both schemas, parted_2026's own copy of
		// parted_at included.
		if got != len(want) {
			t.Errorf("quote_all_identifiers %s: %d indexes read, %d exist", all, got, len(want))
		}
	}
}
