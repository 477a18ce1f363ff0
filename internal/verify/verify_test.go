package verify

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pgtest"
	"github.com/dbguard/dbguard/internal/schema"
)

func TestMain(m *testing.M) { os.Exit(pgtest.MainSharingSandbox(m)) }

// A schema built by hundreds of migrations round-trips through the
// snapshot and matches its shadow: no false differences from either.
func TestHundredsOfMigrationsRoundTrip(t *testing.T) {
	t.Parallel() // its own folder and database; its preview waits for a free shared sandbox
	ctx := context.Background()
	root := t.TempDir()
	dir := filepath.Join(root, "migrations")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("000001_base.up.sql", `CREATE TYPE status AS ENUM ('new', 'paid'); CREATE DOMAIN email AS varchar(255) CHECK (VALUE LIKE '%@%');
CREATE TABLE "user" (id serial PRIMARY KEY, email email NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now());`)
	for i := 2; i <= 250; i++ {
		var body string
		switch i % 5 {
		case 0:
			body = fmt.Sprintf(`CREATE TABLE t%d (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id int REFERENCES "user"(id) ON DELETE CASCADE, s status DEFAULT 'new', amount numeric(12,2) CHECK (amount >= 0));`, i)
		case 1:
			body = fmt.Sprintf(`CREATE INDEX t%d_user ON t%d (user_id) WHERE s = 'paid';`, i-1, i-1)
		case 2:
			body = fmt.Sprintf(`ALTER TABLE "user" ADD COLUMN c%d text[] DEFAULT '{}';`, i)
		case 3:
			body = fmt.Sprintf(`CREATE VIEW v%d AS SELECT id, email FROM "user" WHERE id > %d;`, i, i)
		case 4:
			body = fmt.Sprintf(`CREATE TABLE g%d (a int, b int GENERATED ALWAYS AS (a * 2) STORED, UNIQUE (a, b));`, i)
		}
		write(fmt.Sprintf("%06d_m%d.up.sql", i, i), body)
	}
	dbURL := pgtest.DB(t)
	u, err := dburl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	r, err := migrate.Open(ctx, migrate.Options{Connect: pg.ConnectOptions{URL: u}, Dir: dir, LockTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Up(ctx, 0); err != nil {
		t.Fatal(err)
	}
	r.Close()

	cfg := config.Default(root)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	live, version, _, err := Introspect(ctx, conn, cfg)
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if version != 250 || len(live.Tables) < 150 {
		t.Fatalf("version %d, %d tables", version, len(live.Tables))
	}
	var buf bytes.Buffer
	if err := schema.WriteSnapshot(&buf, live, version, "test"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.SnapshotPath(), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, Options{Connect: pg.ConnectOptions{URL: u}, Config: cfg, MigrationsDir: dir, SnapshotPath: "dbguard.schema.yaml", Shadow: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Sources, ",") != "snapshot,shadow" {
		t.Errorf("sources %v", rep.Sources)
	}
	for _, d := range rep.Differences {
		t.Errorf("false difference (%s): %s", d.Source, d.Message)
	}
	// The slow path (decoding the YAML) agrees with the fast one.
	snap, err := schema.ParseSnapshot("dbguard.schema.yaml", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if d := schema.Compare(schema.Side{Name: "snapshot", Schema: snap.Schema}, schema.Side{Name: "live", Schema: live}); len(d) != 0 {
		t.Errorf("decoded snapshot differs: %s", d[0].Message)
	}
}
