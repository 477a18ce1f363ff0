package schema

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestAttackCatalogTrapSchema: Introspect and Canonicalize name every
// relation, function and operator in pg_catalog, so no name of theirs
// can be shadowed by a migration's objects put ahead of pg_catalog in
// search_path (a whole schema of stand-ins; any one found fails the read).
func TestAttackCatalogTrapSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := connect(t, `CREATE TYPE mood AS ENUM ('ok', 'sad')`,
		`CREATE TABLE p (id int PRIMARY KEY)`,
		`CREATE TABLE t (id bigserial PRIMARY KEY, name varchar(20) NOT NULL UNIQUE, n numeric(10,2) CHECK (n > 0), m mood, p int REFERENCES p, tags text[] DEFAULT '{}')`,
		`CREATE INDEX t_name_n ON t (name, n)`, `CREATE INDEX t_lower ON t (lower(name))`, `CREATE VIEW v AS SELECT id, name FROM t`,
		pgtest.CatalogTrapSQL)
	var traps int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_proc WHERE pronamespace = 'trap'::regnamespace").Scan(&traps); err != nil || traps < 1000 {
		t.Fatalf("%d stand-in functions (%v): the trap is not set", traps, err)
	}
	if _, err := conn.Exec(ctx, "SET search_path = trap, pg_catalog, public"); err != nil {
		t.Fatal(err)
	}
	// The trap works: an unqualified read fails.
	if _, err := conn.Exec(ctx, "SELECT count(*) FROM pg_class", pgx.QueryExecModeSimpleProtocol); err == nil {
		t.Fatal("an unqualified pg_class read passed the trap")
	}
	s, err := Introspect(ctx, conn, Options{Schemas: []string{"public"}})
	if err != nil {
		t.Fatalf("Introspect: %v", err)
	}
	tab := s.Tables["t"]
	if tab == nil || len(tab.Columns) != 6 || len(tab.Indexes) != 2 || len(tab.ForeignKeys) != 1 || len(tab.Checks) != 1 || s.Tables["v"] == nil {
		t.Fatalf("Introspect read %v, table t %+v", s.Keys(), tab)
	}
	if got := tab.Columns["name"].Type; got != "character varying(20)" {
		t.Errorf("name is %q", got)
	}
	cfg, err := config.Parse("dbguard.yaml", []byte("version: 1\nexpect:\n  t:\n    name: varchar(20)\n    n: numeric(10,2)\n    m: mood\n    tags: text[]\n"))
	if err != nil {
		t.Fatal(err)
	}
	types, err := Canonicalize(ctx, conn, "dbguard.yaml", cfg.Expectations)
	if err != nil {
		t.Fatalf("Canonicalize: %v", err)
	}
	var got []string
	for _, c := range cfg.Expectations[0].Columns {
		got = append(got, types[c.Spec])
	}
	if want := []string{"character varying(20)", "numeric(10,2)", "mood", "text[]"}; !slices.Equal(got, want) {
		t.Errorf("Canonicalize spelled %q, want %q", got, want)
	}
}

// TestIntrospectKeepsSearchPath: Introspect puts pg_catalog first only
// for its own batch; the session (where the next migration file runs)
// keeps the search_path it set, outside a transaction and inside one.
func TestIntrospectKeepsSearchPath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := connect(t, `CREATE SCHEMA app`, `CREATE TABLE app.t (id int)`, `SET search_path = app, public`)
	path := func() string {
		var p string
		if err := conn.QueryRow(ctx, "SHOW search_path").Scan(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := Introspect(ctx, conn, Options{Schemas: []string{"app"}}); err != nil {
		t.Fatal(err)
	}
	if p := path(); p != "app, public" {
		t.Errorf("search_path after Introspect: %q", p)
	}
	if _, err := conn.Exec(ctx, "BEGIN; SET LOCAL search_path = public, app"); err != nil {
		t.Fatal(err)
	}
	s, err := Introspect(ctx, conn, Options{Schemas: []string{"app"}})
	if err != nil || s.Tables["app.t"] == nil {
		t.Fatalf("in a transaction: %v, %v", err, s)
	}
	if p := path(); p != "public, app" {
		t.Errorf("search_path after Introspect in a transaction: %q", p)
	}
	if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if p := path(); p != "app, public" {
		t.Errorf("search_path after COMMIT: %q", p)
	}
}
