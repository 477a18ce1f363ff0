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

func TestMain(m *testing.M) { os.Exit(pgtest.MainSharingSandbox(m)) }

// base is applied to the live database, which then gets rows.
const base = `CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int, status text);
CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint, total int);
CREATE TABLE accounts (id bigserial PRIMARY KEY, status text, balance int, legacy text, note text);
CREATE TABLE events (id bigint, kind text, payload text);
CREATE TABLE logs (id bigserial PRIMARY KEY, msg text);
CREATE TABLE tags (id bigserial PRIMARY KEY, name text);
CREATE TABLE tag_links (tag_id bigint REFERENCES tags (id), what text);
CREATE TABLE items (id bigserial PRIMARY KEY, sku varchar(100), qty int DEFAULT 0, note text);
CREATE TABLE empty_a (id int, a text);
CREATE TABLE empty_b (id int, a text);
CREATE TABLE empty_c (id int, a text);
`

// pending are the files the plan runs, in order, in one shadow: each
// rule's unsafe form, and its safe form, which must stay silent. Each is
// dangerous (want holds a danger rule), caution (warnings only) or safe
// (want is empty).
var pending = []struct {
	name, sql string
	want      []string // rules expected to fire at danger or warning
	rel       string   // when set: the table every finding names
	line      int      // when set: the line of every finding but lock-timeout-missing
}{
	// Rolling plans (issue 21, 5): a table an earlier pending file creates
	// is judged as live in the files after it.
	{name: "new_table", sql: "CREATE TABLE audit (id bigserial PRIMARY KEY, at timestamptz, what text);\nCREATE INDEX audit_at_idx ON audit (at);\nALTER TABLE audit ALTER COLUMN what TYPE varchar(10);"},
	{name: "new_table_later", sql: "CREATE INDEX audit_what_idx ON audit (what);\nALTER TABLE audit ADD CONSTRAINT what_ck CHECK (what <> '');", want: []string{"index-not-concurrent", "constraint-validated", "lock-timeout-missing", "lock-timeout-missing"}, rel: "audit"},
	{name: "new_table_safe", sql: "CREATE INDEX CONCURRENTLY audit_at2_idx ON audit (at);"},
	{name: "index_unsafe", sql: "CREATE INDEX users_email_idx ON users (email);", want: []string{"index-not-concurrent", "lock-timeout-missing"}},
	{name: "index_safe", sql: "CREATE INDEX CONCURRENTLY users_name_idx ON users (name);"},
	{name: "default_const", sql: "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN flag boolean NOT NULL DEFAULT false;"},
	{name: "retype", sql: "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN age TYPE bigint;", want: []string{"table-rewrite", "column-type-change"}},
	{name: "check_unsafe", sql: "SET lock_timeout = '5s';\nALTER TABLE users ADD CONSTRAINT age_pos CHECK (age >= 0);", want: []string{"constraint-validated"}},
	{name: "check_not_valid", sql: "SET lock_timeout = '5s';\nALTER TABLE users ADD CONSTRAINT age_max CHECK (age < 200) NOT VALID;"},
	{name: "check_validate", sql: "ALTER TABLE users VALIDATE CONSTRAINT age_max;"},
	{name: "check_same_file", sql: "SET lock_timeout = '5s';\nALTER TABLE users ADD CONSTRAINT age_min CHECK (age > -1) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT age_min;", want: []string{"constraint-validated"}},
	{name: "fk_unsafe", sql: "SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);", want: []string{"constraint-validated"}},
	{name: "fk_not_valid", sql: "SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_user_fk2 FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;"},
	{name: "fk_validate", sql: "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk2;"},
	// The constraint's name holds another locked table's name (Ent's
	// naming): the finding names the constraint's own table.
	{name: "validate_named", sql: "SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT users_orders_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT users_orders_fk;", want: []string{"constraint-validated"}, rel: "orders", line: 3},
	{name: "not_null_unsafe", sql: "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN email SET NOT NULL;", want: []string{"set-not-null-scan"}},
	{name: "not_null_check", sql: "SET lock_timeout = '5s';\nALTER TABLE users ADD CONSTRAINT name_nn CHECK (name IS NOT NULL) NOT VALID;"},
	{name: "not_null_validate", sql: "ALTER TABLE users VALIDATE CONSTRAINT name_nn;"},
	{name: "not_null_safe", sql: "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN name SET NOT NULL;\nALTER TABLE users DROP CONSTRAINT name_nn;"},
	{name: "allowed", sql: "SET lock_timeout = '5s';\n-- dbguard:allow table-rewrite orders is tiny and read by a batch job only\nALTER TABLE orders ALTER COLUMN total TYPE bigint;", want: []string{"column-type-change"}},
	{name: "drop_expected", sql: "SET lock_timeout = '5s';\nALTER TABLE users DROP COLUMN status;", want: []string{"expect-broken"}},
	// Rewrites the trace sees and no static rule does.
	{name: "volatile_default", sql: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN seen timestamptz DEFAULT clock_timestamp();", want: []string{"table-rewrite"}},
	{name: "default_now", sql: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT now();"},
	{name: "add_bigserial", sql: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN seq bigserial;", want: []string{"table-rewrite"}},
	{name: "set_unlogged", sql: "SET lock_timeout = '5s';\nALTER TABLE tag_links SET UNLOGGED;", want: []string{"table-rewrite"}},
	{name: "cluster", sql: "SET lock_timeout = '5s';\nCLUSTER orders USING orders_pkey;", want: []string{"table-rewrite"}},
	{name: "vacuum_full", sql: "VACUUM FULL tag_links;", want: []string{"table-rewrite"}},
	{name: "varchar_widen", sql: "SET lock_timeout = '5s';\nALTER TABLE items ALTER COLUMN sku TYPE varchar(200);", want: []string{"column-type-change"}},
	{name: "unique_unsafe", sql: "SET lock_timeout = '5s';\nALTER TABLE items ADD CONSTRAINT items_sku_uq UNIQUE (sku);", want: []string{"index-not-concurrent"}},
	{name: "unique_index_safe", sql: "CREATE UNIQUE INDEX CONCURRENTLY items_sku_uidx ON items (sku);"},
	{name: "unique_using_index", sql: "SET lock_timeout = '5s';\nALTER TABLE items ADD CONSTRAINT items_sku_key UNIQUE USING INDEX items_sku_uidx;"},
	{name: "pk_add", sql: "SET lock_timeout = '5s';\n\n-- events had no primary key\nALTER TABLE events\n  ADD PRIMARY KEY (id);", want: []string{"index-not-concurrent"}, rel: "events", line: 4},
	{name: "fk_new_table", sql: "CREATE TABLE payments (id bigserial PRIMARY KEY, user_id bigint REFERENCES users (id));", want: []string{"lock-timeout-missing"}},
	{name: "fk_new_table_safe", sql: "SET lock_timeout = '5s';\nCREATE TABLE refunds (id bigserial PRIMARY KEY, user_id bigint REFERENCES users (id));"},
	{name: "small_changes", sql: "SET lock_timeout = '5s';\nALTER TABLE items ALTER COLUMN qty SET DEFAULT 1;\nALTER TABLE items ALTER COLUMN qty DROP DEFAULT;\nCOMMENT ON TABLE items IS 'stock';\nCREATE VIEW item_skus AS SELECT sku FROM items;\nINSERT INTO tags (name) VALUES ('new');"},
	{name: "rename_column", sql: "SET lock_timeout = '5s';\nALTER TABLE tags RENAME COLUMN name TO label;"},
	{name: "no_timeout", sql: "ALTER TABLE accounts ADD COLUMN note2 text;", want: []string{"lock-timeout-missing"}},
	// Files with their own BEGIN/COMMIT (issue 21, 1): traced block by
	// block, with the same rules, at each statement's own line.
	{name: "tx_not_null", sql: "BEGIN;\nALTER TABLE accounts ALTER COLUMN status SET NOT NULL;\nCOMMIT;", want: []string{"set-not-null-scan", "lock-timeout-missing"}, rel: "accounts", line: 2},
	{name: "tx_check", sql: "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE accounts ADD CONSTRAINT bal_pos CHECK (balance >= 0);\nCOMMIT;", want: []string{"constraint-validated"}, rel: "accounts", line: 3},
	{name: "tx_fk", sql: "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_user_fk3 FOREIGN KEY (user_id) REFERENCES users (id);\nCOMMIT;", want: []string{"constraint-validated"}, rel: "orders", line: 3},
	{name: "tx_not_valid", sql: "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE accounts ADD CONSTRAINT bal_max CHECK (balance < 1000000) NOT VALID;\nCOMMIT;"},
	{name: "tx_two_blocks", sql: "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE accounts ADD CONSTRAINT bal_min CHECK (balance > -1) NOT VALID;\nCOMMIT;\nBEGIN;\nALTER TABLE accounts VALIDATE CONSTRAINT bal_min;\nCOMMIT;"},
	{name: "tx_one_block", sql: "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE accounts ADD CONSTRAINT bal_lim CHECK (balance > -2) NOT VALID;\nALTER TABLE accounts VALIDATE CONSTRAINT bal_lim;\nCOMMIT;", want: []string{"constraint-validated"}, line: 4},
	{name: "tx_no_timeout", sql: "BEGIN;\nALTER TABLE accounts ADD COLUMN note3 text;\nCOMMIT;", want: []string{"lock-timeout-missing"}, line: 2},
	// The primary key a rewrite rebuilds is part of the rewrite: one
	// finding, at the ALTER's line, not index-not-concurrent at BEGIN.
	{name: "tx_rewrite_pk", sql: "BEGIN;\nSET LOCAL lock_timeout = '5s';\n-- a volatile default rewrites the table and rebuilds its primary key\nALTER TABLE tags ADD COLUMN created timestamptz DEFAULT clock_timestamp();\nCOMMIT;", want: []string{"table-rewrite"}, rel: "tags", line: 4},
	// REINDEX (issue 21, 4): not a table rewrite, and it blocks reads.
	{name: "reindex_index", sql: "SET lock_timeout = '5s';\nREINDEX INDEX items_pkey;", want: []string{"reindex-not-concurrent"}, rel: "items", line: 2},
	{name: "reindex_table", sql: "SET lock_timeout = '5s';\nREINDEX TABLE items;", want: []string{"reindex-not-concurrent"}, rel: "items", line: 2},
	{name: "reindex_concurrently", sql: "REINDEX INDEX CONCURRENTLY items_pkey;"},
	// ADD COLUMN ... NOT NULL with no default (issue 21, 2): migrate up
	// would fail on the live rows.
	{name: "add_required", sql: "SET lock_timeout = '5s';\nALTER TABLE items ADD COLUMN color text NOT NULL;", want: []string{"add-required-column"}, rel: "items", line: 2},
	{name: "add_required_default", sql: "SET lock_timeout = '5s';\nALTER TABLE items ADD COLUMN size int NOT NULL DEFAULT 0;"},
	{name: "add_nullable", sql: "SET lock_timeout = '5s';\nALTER TABLE items ADD COLUMN descr text;"},
	{name: "add_required_empty", sql: "SET lock_timeout = '5s';\nALTER TABLE empty_a ADD COLUMN b text NOT NULL;"},
	// Data loss (issue 21, 3).
	{name: "update_all", sql: "UPDATE accounts SET note = 'x';", want: []string{"whole-table-update"}, rel: "accounts", line: 1},
	{name: "update_subquery", sql: "UPDATE accounts SET note = (SELECT max(msg) FROM logs WHERE id > 0);", want: []string{"whole-table-update"}, rel: "accounts"},
	{name: "update_batched", sql: "UPDATE accounts SET note = 'y' WHERE id BETWEEN 1 AND 1000;"},
	{name: "update_empty", sql: "UPDATE empty_a SET a = 'x';"},
	{name: "lock_share", sql: "SET lock_timeout = '5s';\nLOCK TABLE accounts IN SHARE MODE;\nUPDATE accounts SET note = 'z';", want: []string{"lock-table", "whole-table-update"}, rel: "accounts"},
	{name: "lock_default", sql: "SET lock_timeout = '5s';\nLOCK accounts;", want: []string{"lock-table"}, rel: "accounts", line: 2},
	{name: "lock_row_exclusive", sql: "LOCK TABLE accounts IN ROW EXCLUSIVE MODE;\nUPDATE accounts SET note = 'w' WHERE id = 1;"},
	{name: "delete_all", sql: "DELETE FROM logs;", want: []string{"whole-table-delete"}, rel: "logs"},
	{name: "delete_where", sql: "DELETE FROM logs WHERE id < 10;"},
	{name: "drop_column", sql: "SET lock_timeout = '5s';\nALTER TABLE accounts DROP COLUMN legacy;", want: []string{"drop-column"}, rel: "accounts", line: 2},
	{name: "drop_column_mixed", sql: "SET lock_timeout = '5s';\nALTER TABLE items ALTER COLUMN qty DROP NOT NULL, DROP CONSTRAINT items_sku_key, DROP COLUMN IF EXISTS note;", want: []string{"drop-column"}, rel: "items"},
	{name: "drop_column_empty", sql: "SET lock_timeout = '5s';\nALTER TABLE empty_b DROP COLUMN a;"},
	{name: "truncate", sql: "SET lock_timeout = '5s';\nTRUNCATE events;", want: []string{"truncate"}, rel: "events", line: 2},
	{name: "truncate_cascade", sql: "SET lock_timeout = '5s';\nTRUNCATE tags CASCADE;", want: []string{"truncate", "truncate"}},
	{name: "truncate_empty", sql: "SET lock_timeout = '5s';\nTRUNCATE empty_c;"},
	{name: "drop_table", sql: "SET lock_timeout = '5s';\nDROP TABLE logs;", want: []string{"drop-table"}, rel: "logs", line: 2},
	{name: "drop_table_empty", sql: "SET lock_timeout = '5s';\nDROP TABLE empty_c;"},
	{name: "drop_table_new", sql: "CREATE TABLE scratch (id int);\nINSERT INTO scratch VALUES (1);\nUPDATE scratch SET id = 2;\nLOCK TABLE scratch;\nDROP TABLE scratch;"},
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
	t.Parallel()
	ctx := context.Background()
	co, cfg, mig, conn := rulesLive(t, nil)
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
		for _, f := range rep.Findings {
			if filepath.Base(f.File) != name {
				continue
			}
			if p.rel != "" && f.Relation != p.rel {
				t.Errorf("%s: %s names %s, want %s", name, f.Rule, f.Relation, p.rel)
			}
			if p.line != 0 && f.Rule != "lock-timeout-missing" && f.Line != p.line {
				t.Errorf("%s: %s at line %d, want %d", name, f.Rule, f.Line, p.line)
			}
		}
	}
	rulesChecks(t, ctx, co, cfg, mig, conn, rep, got, liveBefore)
}

// rulesLive makes TestPlanRules' live database (base, its rows and
// expectYAML), with pending and then more written as the pending files
// after it: the database's URL as options, the config, the migrations
// folder and a connection to the live database (closed with the test).
func rulesLive(t *testing.T, more []string) (pg.ConnectOptions, *config.Config, string, *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	// The same live database for each caller: built once, copied for each
	// (pgtest.TemplateDB).
	_, dbURL := pgtest.TemplateDB(t, "plan rulesLive", buildRulesLive)
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
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	for i, p := range pending {
		write(fmt.Sprintf("%06d_%s.up.sql", i+2, p.name), p.sql+"\n")
	}
	for i, sql := range more {
		write(fmt.Sprintf("%06d_more.up.sql", len(pending)+2+i), sql+"\n")
	}
	return co, cfg, mig, conn
}

// buildRulesLive migrates base up on dbURL, as 000001_base.up.sql, and
// gives it its rows and statistics.
func buildRulesLive(ctx context.Context, dbURL string) error {
	dir, err := os.MkdirTemp("", "plan-rules-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "000001_base.up.sql"), []byte(base), 0o644); err != nil {
		return err
	}
	u, err := dburl.Parse(dbURL)
	if err != nil {
		return err
	}
	r, err := migrate.Open(ctx, migrate.Options{Connect: pg.ConnectOptions{URL: u}, Dir: dir})
	if err != nil {
		return err
	}
	err = r.Up(ctx, 0)
	r.Close()
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	// Rows live only in the live database: the shadow has none, and the
	// sizes come from here.
	for _, q := range []string{
		"INSERT INTO users (email, name, age, status) SELECT 'u' || g || '@example.com', 'n' || g, g % 90, 'active' FROM generate_series(1, 5000) g",
		"INSERT INTO orders (user_id, total) SELECT 1 + g % 5000, g FROM generate_series(1, 2000) g",
		"INSERT INTO accounts (status, balance, legacy, note) SELECT 'open', g, 'l', 'n' FROM generate_series(1, 3000) g",
		"INSERT INTO events (id, kind, payload) SELECT g, 'k', 'p' FROM generate_series(1, 3000) g",
		"INSERT INTO logs (msg) SELECT 'm' || g FROM generate_series(1, 1000) g",
		"INSERT INTO tags (name) SELECT 't' || g FROM generate_series(1, 500) g",
		"INSERT INTO tag_links (tag_id, what) SELECT 1 + g % 500, 'w' FROM generate_series(1, 500) g",
		"INSERT INTO items (sku, qty) SELECT 's' || g, g FROM generate_series(1, 2000) g",
		analyzeLive,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// rulesChecks is the rest of TestPlanRules, on its report.
func rulesChecks(t *testing.T, ctx context.Context, co pg.ConnectOptions, cfg *config.Config, mig string, conn *pgx.Conn, rep *Report, got map[string][]string, liveBefore string) {
	t.Helper()
	if a := got[fileOf("allowed")]; !contains(a, "allowed:table-rewrite") {
		t.Errorf("the dbguard:allow comment did not accept table-rewrite: %v", a)
	}
	if rep.Status != "fail" || rep.Err() == nil {
		t.Errorf("status %s with %d danger: want fail", rep.Status, rep.Danger)
	}
	// Sizes come from the live pg_class.
	for _, f := range rep.Findings {
		if f.Rule == "index-not-concurrent" && f.Relation == "users" && (f.Rows == nil || *f.Rows != 5000 || f.Bytes == nil || *f.Bytes == 0) {
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
	rep2.judge(sev, nil, nil)
	for _, f := range rep2.Findings {
		if f.Rule == "expect-broken" {
			t.Errorf("expect-broken reported while off")
		}
		if f.Rule == "lock-timeout-missing" && f.Severity != Danger {
			t.Errorf("lock-timeout-missing is %s, configured danger", f.Severity)
		}
	}
	// A rolling plan: at the version before new_table_later, planning it
	// alone gives it the findings it got in the batch (its table is live
	// now, not created by an earlier pending file).
	cfg.Plan.Severity = nil
	r, err := migrate.Open(ctx, migrate.Options{Connect: co, Dir: mig})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Up(ctx, 1); err != nil {
		t.Fatal(err)
	}
	r.Close()
	alone, err := Run(ctx, Options{Connect: co, Config: cfg, Dir: mig, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	verdicts := func(rep *Report) []string {
		var out []string
		for _, f := range rep.Findings {
			if filepath.Base(f.File) == fileOf("new_table_later") {
				out = append(out, fmt.Sprintf("%s %s:%d %s", f.Severity, f.Rule, f.Line, f.Relation))
			}
		}
		return sorted(out)
	}
	if a, b := verdicts(alone), verdicts(rep); len(a) == 0 || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("planned alone: %v\nin the batch: %v", a, b)
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

// fileOf is the migration file name of a pending case.
func fileOf(name string) string {
	for i, p := range pending {
		if p.name == name {
			return fmt.Sprintf("%06d_%s.up.sql", i+2, p.name)
		}
	}
	return ""
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
