package verify

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestLargeCatalogReadAsTheSession: on a catalog of 2,000 indexes and
// more, Introspect reads the constraints and indexes as it reads the
// columns, in the session it is given, with that session's search_path
// (which a migration file in it may have set, as in plan's shadow): the
// second connection it once opened there named app.f where the session's
// own reads, and pg_get_indexdef there, name f.
func TestLargeCatalogReadAsTheSession(t *testing.T) {
	t.Parallel() // its own database
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		"CREATE SCHEMA app",
		"CREATE FUNCTION app.f(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1'",
		"CREATE TYPE app.mood AS ENUM ('calm')",
		"CREATE TABLE t (id int PRIMARY KEY, n int CHECK (app.f(n) > 0), m app.mood)",
		"CREATE INDEX t_f ON t (app.f(n))",
		"CREATE TABLE w (x int)",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for i := 0; i < 2000/200; i++ {
		q := fmt.Sprintf("DO $$ BEGIN FOR i IN %d..%d LOOP EXECUTE format('CREATE INDEX w_%%s ON w (x)', i); END LOOP; END $$", i*200, i*200+199)
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// The migration session's search_path, and what the server writes in
	// it while Introspect's reads put pg_catalog first.
	if _, err := conn.Exec(ctx, "SET search_path = app, public"); err != nil {
		t.Fatal(err)
	}
	var index, check, typ string
	if err := conn.QueryRow(ctx, `SELECT set_config('search_path', 'pg_catalog, pg_temp, app, public', false),
		pg_get_indexdef('public.t_f'::regclass), (SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'public.t'::regclass AND contype = 'c'),
		(SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'public.t'::regclass AND attname = 'm'),
		set_config('search_path', 'app, public', false)`).Scan(nil, &index, &check, &typ, nil); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("dbguard.yaml", []byte("version: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, _, _, err := Introspect(ctx, conn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tb := s.Tables["t"]
	if tb == nil {
		t.Fatalf("no table t in %v", s.Keys())
	}
	if got := tb.Indexes["t_f"]; got != index {
		t.Errorf("index t_f:\n got %s\nwant %s (as the session reads it)", got, index)
	}
	if got := tb.Checks["t_n_check"]; got != check {
		t.Errorf("check t_n_check:\n got %s\nwant %s (as the session reads it)", got, check)
	}
	if got := tb.Columns["m"].Type; got != typ {
		t.Errorf("column m: got %s, want %s", got, typ)
	}
	var path string
	if err := conn.QueryRow(ctx, "SHOW search_path").Scan(&path); err != nil || path != "app, public" {
		t.Errorf("the session's search_path after Introspect: %q, %v", path, err)
	}
}
