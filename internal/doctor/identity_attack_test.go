package doctor

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestAttackDoctorIdentityShadowCatalog: two databases whose migrations
// each added a public.current_database() and a public.pg_database naming
// "app" with one oid, and put public before pg_catalog (ALTER DATABASE
// ... SET search_path), are still told apart: doctor reads who an
// endpoint is from pg_catalog.
func TestAttackDoctorIdentityShadowCatalog(t *testing.T) {
	ctx := context.Background()
	var eps []*Endpoint
	var names []string
	for range 2 {
		name, dbURL := pgtest.NamedDB(t)
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			"CREATE FUNCTION public.current_database() RETURNS name LANGUAGE sql AS $$ SELECT 'app'::pg_catalog.name $$",
			"CREATE VIEW public.pg_database AS SELECT 1::pg_catalog.oid AS oid, 'app'::pg_catalog.name AS datname",
			"DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = public, pg_catalog', pg_catalog.current_database()); END $$",
		} {
			if _, err := conn.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		conn.Close(ctx)
		u, err := dburl.Parse(dbURL)
		if err != nil {
			t.Fatal(err)
		}
		e := probe(ctx, "direct", u, pg.ConnectOptions{URL: u})
		if e.Err != nil {
			t.Fatalf("probe %s: %v", name, e.Err)
		}
		if e.Database != name {
			t.Errorf("probe read database %q, want %q", e.Database, name)
		}
		eps, names = append(eps, e), append(names, name)
	}
	if got := sameDatabase(eps[0], eps[1]); !strings.HasPrefix(got, "DIFFERENT") {
		t.Errorf("%s and %s: %q, want DIFFERENT databases", names[0], names[1], got)
	}
}
