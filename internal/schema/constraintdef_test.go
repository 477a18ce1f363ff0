package schema

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestPrimaryKeyDefinitionsAsPgGetConstraintdef: the primary keys
// Introspect names itself (plain ones) read exactly as
// pg_get_constraintdef writes them, and so do those it leaves to it
// (INCLUDE, deferrable): keywords of each category, quotes, upper case and
// non-ASCII names, keys out of column order, a dropped column's gap, a
// partition, another schema, and with quote_all_identifiers on.
func TestPrimaryKeyDefinitionsAsPgGetConstraintdef(t *testing.T) {
	conn := connect(t,
		`CREATE SCHEMA "Odd Schema"`,
		`CREATE TABLE one (id bigint PRIMARY KEY, v text)`,
		`CREATE TABLE two (a int, b int, c int, PRIMARY KEY (c, a))`,
		`CREATE TABLE words ("select" int, "user" int, name int, "int" int, "left" int, "between" int, "Mixed Case" int, "quo""te" int, "é" int, _under int, x1 int,
			PRIMARY KEY ("select", "user", name, "int", "left", "between", "Mixed Case", "quo""te", "é", _under, x1))`,
		`CREATE TABLE gap (a int, dropped int, b int)`,
		`ALTER TABLE gap DROP COLUMN dropped`,
		`ALTER TABLE gap ADD PRIMARY KEY (b)`,
		`CREATE TABLE covering (id int, extra text, PRIMARY KEY (id) INCLUDE (extra))`,
		`CREATE TABLE deferrable_pk (id int PRIMARY KEY DEFERRABLE)`,
		`CREATE TABLE deferred_pk (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED)`,
		`CREATE TABLE parted (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)`,
		`CREATE TABLE parted_2026 PARTITION OF parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`,
		`CREATE TABLE "Odd Schema"."Odd Table" ("Weird col" text PRIMARY KEY)`,
		`CREATE TABLE uniq (id int PRIMARY KEY, u int UNIQUE, CHECK (u > 0))`,
	)
	ctx := context.Background()
	cfg := conn.Config()
	for _, all := range []bool{false, true} {
		setting := "off"
		if all {
			setting = "on"
		}
		// The connection starts with the setting, as when a migration
		// set it for the database.
		cfg.RuntimeParams["quote_all_identifiers"] = setting
		first, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		rows, err := first.Query(ctx, `SELECT c.relname, pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace WHERE k.contype = 'p' AND n.nspname IN ('public', 'Odd Schema')`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var table, def string
			if err := rows.Scan(&table, &def); err != nil {
				t.Fatal(err)
			}
			want[table] = def
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if want["words"] == "" || all != (want["one"] == `PRIMARY KEY ("id")`) {
			t.Fatalf("quote_all_identifiers %s: the server wrote %q", setting, want)
		}
		s, err := Introspect(ctx, first, Options{Schemas: []string{"public", "Odd Schema"}})
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, tb := range s.Tables {
			if tb.PrimaryKey == "" {
				continue
			}
			got++
			if tb.PrimaryKey != want[tb.Name] {
				t.Errorf("%s (quote_all_identifiers %s):\n got %s\nwant %s", tb.Name, setting, tb.PrimaryKey, want[tb.Name])
			}
		}
		if got != len(want) {
			t.Errorf("quote_all_identifiers %s: %d primary keys read, %d exist", setting, got, len(want))
		}
		if u := s.Tables["uniq"]; !all && (u == nil || u.Unique["uniq_u_key"] != "UNIQUE (u)" || len(u.Checks) != 1) {
			t.Errorf("uniq read as %+v", u)
		}
		first.Close(ctx)
	}
}

// A key column the columns query did not see (a change between the two
// queries' snapshots) leaves the definition to pg_get_constraintdef.
func TestPrimaryKeyNotNamedFallsBack(t *testing.T) {
	conn := connect(t, `CREATE TABLE t (a int, b int, PRIMARY KEY (b, a))`)
	ctx := context.Background()
	tb := &Table{Name: "t", Order: []string{"a"}}
	if _, ok := primaryKeyDef(tb, map[*Table][]int16{tb: {1}}, []int16{2, 1}, &identQuoter{}); ok {
		t.Fatal("a key named from a column that was not read")
	}
	var oid uint32
	if err := conn.QueryRow(ctx, "SELECT oid FROM pg_constraint WHERE conrelid = 't'::regclass").Scan(&oid); err != nil {
		t.Fatal(err)
	}
	s := &Schema{Tables: map[string]*Table{"t": tb}}
	if err := s.finish(ctx, conn, nil, []later{{tb, "p", "t_pkey", oid}}, nil, nil, nil, nil, &identQuoter{}); err != nil || tb.PrimaryKey != "PRIMARY KEY (b, a)" {
		t.Fatalf("finish: %q, %v", tb.PrimaryKey, err)
	}
}

// TestDefaultsAsPgGetExpr: defaults and generated expressions, read in a
// query of their own and deparsed without the relation where they refer
// to no column, are exactly pg_get_expr's with the relation.
func TestDefaultsAsPgGetExpr(t *testing.T) {
	conn := connect(t,
		`CREATE SCHEMA other`,
		`CREATE FUNCTION other.pick() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
		`CREATE TABLE t (id bigserial, a int DEFAULT 0, b boolean DEFAULT false, c timestamptz DEFAULT now(), d text DEFAULT '{VAR :varno 1}',
			e text[] DEFAULT ARRAY['x', 'y'], f numeric(12,2) DEFAULT 1.5, g int DEFAULT other.pick(), h text DEFAULT 'it''s',
			"Odd Col" int DEFAULT (1 + 2) * 3, i int GENERATED ALWAYS AS (a * 2) STORED, j int GENERATED ALWAYS AS (7) STORED,
			k text GENERATED ALWAYS AS ("Odd Col"::text || d) STORED, l int GENERATED BY DEFAULT AS IDENTITY, m int)`,
		`ALTER TABLE t DROP COLUMN m`,
		`ALTER TABLE t ADD COLUMN n date DEFAULT CURRENT_DATE`,
	)
	ctx := context.Background()
	want := map[string]string{}
	rows, err := conn.Query(ctx, `SELECT a.attname, a.attgenerated::text, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
		JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = 't'::regclass`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, gen, expr string
		if err := rows.Scan(&name, &gen, &expr); err != nil {
			t.Fatal(err)
		}
		want[name+"/"+gen] = expr
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	s := introspect(t, conn)
	got := map[string]string{}
	for name, c := range s.Tables["t"].Columns {
		if c.Default != "" {
			got[name+"/"] = c.Default
		}
		if c.Generated != "" {
			got[name+"/s"] = c.Generated
		}
	}
	if len(want) != 14 || len(got) != len(want) {
		t.Errorf("%d defaults read, %d exist (%d expected)", len(got), len(want), 14)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s:\n got %q\nwant %q", k, got[k], v)
		}
	}
}

// TestColumnTypesAsFormatType: type names, read once per type and modifier
// after the columns, are format_type's for every column (more columns than
// one slab holds; types of another schema, which format_type qualifies;
// modifiers of every kind).
func TestColumnTypesAsFormatType(t *testing.T) {
	stmts := []string{
		`CREATE SCHEMA other`,
		`CREATE DOMAIN other.money2 AS numeric(10,2)`,
		`CREATE TYPE other.mood AS ENUM ('a', 'b')`,
		`CREATE TYPE mood AS ENUM ('c')`,
	}
	for i := range 60 {
		stmts = append(stmts, fmt.Sprintf(`CREATE TABLE t%d (a varchar(%d), b numeric(12,%d), c timestamptz(%d), d text[], e other.money2,
			f other.mood, g mood, h bit(%[2]d), i interval day to second(2), "j k" character(5), l "char", m int)`, i, i+1, i%5, i%7))
	}
	conn := connect(t, stmts...)
	ctx := context.Background()
	s, err := Introspect(ctx, conn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var table, col, want string
		if err := rows.Scan(&table, &col, &want); err != nil {
			t.Fatal(err)
		}
		n++
		tb := s.Tables[table]
		if tb == nil || tb.Columns[col] == nil {
			t.Errorf("%s.%s not read", table, col)
		} else if got := tb.Columns[col].Type; got != want {
			t.Errorf("%s.%s: %q, format_type %q", table, col, got, want)
		}
	}
	if rows.Err() != nil || n != 60*12 {
		t.Fatalf("%d columns compared: %v", n, rows.Err())
	}
}
