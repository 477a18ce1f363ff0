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
	t.Parallel()
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
	t.Parallel()
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
	if err := s.finish(ctx, conn, nil, []later{{tb, "p", "t_pkey", oid}}, nil, nil, nil, nil, relNames{}, &identQuoter{}); err != nil || tb.PrimaryKey != "PRIMARY KEY (b, a)" {
		t.Fatalf("finish: %q, %v", tb.PrimaryKey, err)
	}
}

// TestDefaultsAsPgGetExpr: defaults and generated expressions, read in a
// query of their own and deparsed without the relation where they refer
// to no column, are exactly pg_get_expr's with the relation.
func TestDefaultsAsPgGetExpr(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// TestColumnTypesAsFormatTypeOddSchemas: the type names read once per type
// and modifier are format_type's, under the search_path the session gave
// Introspect, for what a schema's migrations may hold beyond plain tables:
// types named like keywords or with quotes and non-ASCII letters, arrays of
// domains and enums of another schema, a composite type and a domain named
// like the catalog's in public, interval fields, precisions, bit varying,
// identity, generated and collated columns, dropped columns, views,
// materialized views, partitioned, partition and inheriting tables, and a
// table of no columns. It passes on 4d389c7 too (format_type per column),
// whose dbguard schema snapshot wrote the same bytes on this schema; with
// the modifier left out of typesSQL, 14 columns fail.
func TestColumnTypesAsFormatTypeOddSchemas(t *testing.T) {
	t.Parallel()
	conn := connect(t,
		`CREATE SCHEMA other`,
		`CREATE SCHEMA "Wé ""q"""`,
		`CREATE DOMAIN posint AS int CHECK (VALUE > 0)`,
		`CREATE DOMAIN other.email AS varchar(200)`,
		`CREATE TYPE mood AS ENUM ('a')`,
		`CREATE TYPE other.mood AS ENUM ('x')`,
		`CREATE TYPE "Wé ""q"""."select" AS (a int)`,
		`CREATE TYPE "user" AS (a int)`,
		`CREATE TYPE "Ünï ""t""" AS ENUM ('z')`,
		`CREATE TYPE public.oid AS (x int)`,
		`CREATE DOMAIN public.text AS pg_catalog.text`,
		`CREATE TABLE t1 (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a posint, b other.email, c mood, d other.mood[],
			e "Wé ""q"""."select", f "user"[], g varchar(12)[], h numeric(10,3), i numeric(5), j interval day to second(3),
			k interval year, l timestamp(2) with time zone, m time(0), n bit varying(7), o bit(3), p "Ünï ""t"""[][],
			q pg_catalog.text COLLATE "C", r public.text, s char(4), u public.oid, v pg_catalog.oid, w int GENERATED ALWAYS AS (id * 2) STORED,
			x bigint GENERATED BY DEFAULT AS IDENTITY, y other.email[], dropme int, z posint[])`,
		`ALTER TABLE t1 DROP COLUMN dropme`,
		`CREATE TABLE other.t2 (a other.email, b mood, c posint[], d "Wé ""q"""."select"[])`,
		`CREATE TABLE parent (a int, b varchar(3))`,
		`CREATE TABLE child (c other.mood) INHERITS (parent)`,
		`CREATE TABLE part (id int, d date, e numeric(4,1)) PARTITION BY RANGE (d)`,
		`CREATE TABLE part1 PARTITION OF part FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')`,
		`CREATE TABLE nothing ()`,
		`CREATE VIEW v1 AS SELECT id, c, d, r FROM t1`,
		`CREATE MATERIALIZED VIEW other.mv1 AS SELECT b, y FROM t1`,
		`SET search_path = other, public`,
	)
	ctx := context.Background()
	s, err := Introspect(ctx, conn, Options{Schemas: []string{"public", "other"}})
	if err != nil {
		t.Fatal(err)
	}
	// format_type as Introspect's reads run it: pg_catalog and pg_temp
	// ahead of the session's search_path.
	rows, err := conn.Query(ctx, `SELECT set_config('search_path', 'pg_catalog, pg_temp, ' || current_setting('search_path'), true), n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname IN ('public', 'other') AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var nsp, table, col, want string
		if err := rows.Scan(nil, &nsp, &table, &col, &want); err != nil {
			t.Fatal(err)
		}
		n++
		tb := s.Tables[Key(nsp, table)]
		if tb == nil || tb.Columns[col] == nil {
			t.Errorf("%s.%s.%s not read", nsp, table, col)
		} else if got := tb.Columns[col].Type; got != want {
			t.Errorf("%s.%s.%s: %q, format_type %q", nsp, table, col, got, want)
		}
	}
	if rows.Err() != nil || n != 47 {
		t.Fatalf("%d columns compared: %v", n, rows.Err())
	}
	columns := 0
	for _, tb := range s.Tables {
		columns += len(tb.Columns)
	}
	if columns != n || len(s.Tables) != 9 {
		t.Errorf("Introspect read %d columns of %d relations, want %d of 9", columns, len(s.Tables), n)
	}
	if tb := s.Tables["nothing"]; tb == nil || len(tb.Columns) != 0 {
		t.Errorf("the table of no columns: %+v", tb)
	}
	if got := s.Tables["t1"].Columns["r"].Type; got != "public.text" {
		t.Errorf("a public.text column reads %q, want public.text (pg_catalog's text comes first)", got)
	}
	var path string
	if err := conn.QueryRow(ctx, "SHOW search_path").Scan(&path); err != nil || path != "other, public" {
		t.Errorf("the session's search_path after Introspect: %q, %v", path, err)
	}
}
