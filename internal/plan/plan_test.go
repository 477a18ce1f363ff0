package plan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// base is applied to the live database, which then gets rows.
const base = `CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int, status text);
CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint, total int);
`

// pending are the files the plan runs: each rule's unsafe form, and its
// safe form, which must stay silent.
var pending = []struct {
	name, sql string
	want      []string // rules expected to fire at danger or warning
}{
	{"index_unsafe", "CREATE INDEX users_email_idx ON users (email);", []string{"index-not-concurrent", "lock-timeout-missing"}},
	{"index_safe", "CREATE INDEX CONCURRENTLY users_name_idx ON users (name);", nil},
	{"default_const", "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN flag boolean NOT NULL DEFAULT false;", nil},
	{"retype", "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN age TYPE bigint;", []string{"table-rewrite", "column-type-change"}},
	{"check_unsafe", "SET lock_timeout = '5s';\nALTER TABLE users ADD CONSTRAINT age_pos CHECK (age >= 0);", []string{"constraint-validated"}},
	{"check_not_valid", "SET lock_timeout = '5s';\nALTER TABLE users ADD CONSTRAINT age_max CHECK (age < 200) NOT VALID;", nil},
	{"check_validate", "ALTER TABLE users VALIDATE CONSTRAINT age_max;", nil},
	{"check_same_file", "SET lock_timeout = '5s';\nALTER TABLE users ADD CONSTRAINT age_min CHECK (age > -1) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT age_min;", []string{"constraint-validated"}},
	{"fk_unsafe", "SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);", []string{"constraint-validated"}},
	{"fk_not_valid", "SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_user_fk2 FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;", nil},
	{"fk_validate", "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk2;", nil},
	{"not_null_unsafe", "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN email SET NOT NULL;", []string{"set-not-null-scan"}},
	{"not_null_check", "SET lock_timeout = '5s';\nALTER TABLE users ADD CONSTRAINT name_nn CHECK (name IS NOT NULL) NOT VALID;", nil},
	{"not_null_validate", "ALTER TABLE users VALIDATE CONSTRAINT name_nn;", nil},
	{"not_null_safe", "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN name SET NOT NULL;\nALTER TABLE users DROP CONSTRAINT name_nn;", nil},
	{"new_table", "CREATE TABLE audit (id bigserial PRIMARY KEY, at timestamptz, what text);\nCREATE INDEX audit_at_idx ON audit (at);\nALTER TABLE audit ALTER COLUMN what TYPE varchar(10);", nil},
	{"new_table_later", "CREATE INDEX audit_what_idx ON audit (what);\nALTER TABLE audit ADD CONSTRAINT what_ck CHECK (what <> '');", nil},
	{"allowed", "SET lock_timeout = '5s';\n-- dbguard:allow table-rewrite orders is tiny and read by a batch job only\nALTER TABLE orders ALTER COLUMN total TYPE bigint;", []string{"column-type-change"}},
	{"drop_expected", "SET lock_timeout = '5s';\nALTER TABLE users DROP COLUMN status;", []string{"expect-broken"}},
}

const expectYAML = `version: 1
expect:
  users:
    id: ~
    status: text
`

// TestPlanRules plans every pending file in one shadow and checks each
// rule fires on the unsafe form and not on the safe one; the live
// database keeps its schema and version.
func TestPlanRules(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.DB(t)
	dir := t.TempDir()
	mig := filepath.Join(dir, "migrations")
	if err := os.Mkdir(mig, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(mig, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("000001_base.up.sql", base)
	cfgPath := filepath.Join(dir, "dbguard.yaml")
	if err := os.WriteFile(cfgPath, []byte(expectYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	u, err := dburl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	co := pg.ConnectOptions{URL: u}
	r, err := migrate.Open(ctx, migrate.Options{Connect: co, Dir: mig})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Up(ctx, 0); err != nil {
		t.Fatal(err)
	}
	r.Close()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Rows live only in the live database: the shadow has none, and the
	// sizes come from here.
	for _, q := range []string{
		"INSERT INTO users (email, name, age, status) SELECT 'u' || g || '@example.com', 'n' || g, g % 90, 'active' FROM generate_series(1, 5000) g",
		"INSERT INTO orders (user_id, total) SELECT 1 + g % 5000, g FROM generate_series(1, 2000) g",
		"ANALYZE",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range pending {
		write(fmt.Sprintf("%06d_%s.up.sql", i+2, p.name), p.sql+"\n")
	}
	liveBefore := liveState(t, conn)

	rep, err := Run(ctx, Options{Connect: co, Config: cfg, Dir: mig})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	t.Log(text.String())
	got := map[string][]string{}
	for _, f := range rep.Findings {
		if f.Allowed != "" {
			got[filepath.Base(f.File)] = append(got[filepath.Base(f.File)], "allowed:"+f.Rule)
			continue
		}
		if f.Severity == Danger || f.Severity == Warning {
			got[filepath.Base(f.File)] = append(got[filepath.Base(f.File)], f.Rule)
		}
	}
	for i, p := range pending {
		name := fmt.Sprintf("%06d_%s.up.sql", i+2, p.name)
		var fired []string
		for _, r := range got[name] {
			if !strings.HasPrefix(r, "allowed:") {
				fired = append(fired, r)
			}
		}
		if fmt.Sprint(sorted(fired)) != fmt.Sprint(sorted(p.want)) {
			t.Errorf("%s: fired %v, want %v", name, fired, p.want)
		}
	}
	if a := got["000019_allowed.up.sql"]; !contains(a, "allowed:table-rewrite") {
		t.Errorf("the dbguard:allow comment did not accept table-rewrite: %v", a)
	}
	if rep.Status != "fail" || rep.Err() == nil {
		t.Errorf("status %s with %d danger: want fail", rep.Status, rep.Danger)
	}
	// Sizes come from the live pg_class.
	for _, f := range rep.Findings {
		if f.Rule == "index-not-concurrent" && (f.Rows == nil || *f.Rows != 5000 || f.Bytes == nil || *f.Bytes == 0) {
			t.Errorf("index-not-concurrent without live size: %+v", f.Size)
		}
		if f.Rule == "expect-broken" && (!strings.Contains(f.Message, "users.status") || !strings.Contains(f.Message, "dbguard.yaml:5")) {
			t.Errorf("expect-broken does not name the column and the expect line: %s", f.Message)
		}
	}
	if after := liveState(t, conn); after != liveBefore {
		t.Errorf("the live database changed:\nbefore %s\nafter  %s", liveBefore, after)
	}
	var shadows int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname LIKE 'dbguard_shadow%'").Scan(&shadows); err != nil || shadows != 0 {
		t.Errorf("%d shadow databases left (%v)", shadows, err)
	}

	// plan.severity turns a rule off or up; an unknown rule is refused at
	// its line.
	cfg.Plan.Severity = map[string]string{"lock-timeout-missing": "danger", "expect-broken": "off"}
	rep2 := &Report{Findings: append([]Finding(nil), rep.Findings...)}
	sev, err := severities(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep2.judge(sev, nil)
	for _, f := range rep2.Findings {
		if f.Rule == "expect-broken" {
			t.Errorf("expect-broken reported while off")
		}
		if f.Rule == "lock-timeout-missing" && f.Severity != Danger {
			t.Errorf("lock-timeout-missing is %s, configured danger", f.Severity)
		}
	}
	bad, err := config.Parse("dbguard.yaml", []byte("plan:\n  severity:\n    no-such-rule: off\n"))
	if err != nil {
		t.Fatal(err)
	}
	var ce *config.Error
	if _, err := severities(bad); !errors.As(err, &ce) || ce.Line != 3 {
		t.Errorf("unknown rule: %v", err)
	}
}

// liveState is the live schema's columns, constraints and indexes and the
// migration version, as one string.
func liveState(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	var s string
	err := conn.QueryRow(context.Background(), `SELECT
		(SELECT string_agg(table_name || '.' || column_name || ':' || data_type || ':' || is_nullable, ',' ORDER BY table_name, column_name) FROM information_schema.columns WHERE table_schema = 'public')
		|| (SELECT coalesce(string_agg(conname, ',' ORDER BY conname), '') FROM pg_constraint WHERE connamespace = 'public'::regnamespace)
		|| (SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public')
		|| (SELECT version::text || dirty::text FROM schema_migrations)`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
