package plan

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Code that lowers client_min_messages, scans a live table under a
// strong lock (SET NOT NULL, a CHECK, a foreign key) and raises the level
// again before the statement ends sends no "verifying table" message and
// leaves the locks read no level to find: the plan passed the scan at
// 6b709a6 (stop 37, "Security, open: Plan"). The locks read counts each
// table's sequential scans (pg_stat_get_numscans and its pending count):
// a scan of a live table whose ACCESS EXCLUSIVE or SHARE ROW EXCLUSIVE
// lock the statement took is the finding the message would have given.
func TestAttackTraceScanWithLevelLowered(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint);\nCREATE INDEX orders_user_id ON orders (user_id);\n" +
		"CREATE FUNCTION quiet_not_null(col text) RETURNS void LANGUAGE plpgsql SET client_min_messages = error AS $$ BEGIN EXECUTE format('ALTER TABLE users ALTER COLUMN %I SET NOT NULL', col); END $$;\n"
	const lower = "PERFORM pg_catalog.set_config('client_min_' || 'messages', 'error', true)"
	const raise = "PERFORM pg_catalog.set_config('client_min_' || 'messages', 'debug1', true)"
	for _, c := range []struct {
		sql  string
		want string
	}{
		// A DO block, in the file's one query.
		{"SET lock_timeout = '5s';\nDO $$ BEGIN " + lower + "; ALTER TABLE users ALTER COLUMN email SET NOT NULL; " + raise + "; END $$;", "set-not-null-scan 000002_p.up.sql:2"},
		// The same in a file with its own BEGIN and COMMIT (one
		// statement at a time).
		{"BEGIN;\nSET lock_timeout = '5s';\nDO $$ BEGIN " + lower + "; ALTER TABLE users ALTER COLUMN email SET NOT NULL; " + raise + "; END $$;\nCOMMIT;", "set-not-null-scan 000002_p.up.sql:3"},
		// A CHECK added in a function the file makes, with no SET clause.
		{"SET lock_timeout = '5s';\nCREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN " + lower + "; ALTER TABLE users ADD CONSTRAINT age_ok CHECK (age > 0); " + raise + "; END $$;\nSELECT f();", "constraint-validated 000002_p.up.sql:3"},
		// A foreign key validated in a procedure.
		{"SET lock_timeout = '5s';\nCREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN " + lower + "; ALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id); " + raise + "; END $$;\nCALL p();", "constraint-validated 000002_p.up.sql:3"},
		// The same with sequential scans off: the foreign key's check
		// reads both tables through their indexes.
		{"SET lock_timeout = '5s';\nSET enable_seqscan = off;\nDO $$ BEGIN " + lower + "; ALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id); " + raise + "; END $$;", "constraint-validated 000002_p.up.sql:3"},
		// The live version's function, whose SET clause lowers the level:
		// the text does not say which check scanned.
		{"SET lock_timeout = '5s';\nSELECT quiet_not_null('name');", "constraint-validated 000002_p.up.sql:2"},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		if got := findingsOf(rep); !slices.Contains(got, c.want) || rep.Status != "fail" {
			t.Errorf("%q: status %s, findings\n%s\nwant among them %s", c.sql, rep.Status, strings.Join(got, "\n"), c.want)
		}
	}
}

// The scan the server's message reports is reported once: by the
// message, not again by the count of scans; and a statement that takes
// ACCESS EXCLUSIVE without scanning (ADD COLUMN), or scans under a lock an
// earlier statement took (a batched UPDATE after it), is not a scan under
// its lock.
func TestTraceScanReportedOnce(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint);\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN email SET NOT NULL;", []string{"set-not-null-scan 000002_p.up.sql:2"}},
		{"SET lock_timeout = '5s';\nALTER TABLE users ADD CONSTRAINT age_ok CHECK (age > 0);", []string{"constraint-validated 000002_p.up.sql:2"}},
		{"SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id);", []string{"constraint-validated 000002_p.up.sql:2"}},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN ALTER TABLE users ALTER COLUMN email SET NOT NULL; END $$;", []string{"set-not-null-scan 000002_p.up.sql:2"}},
		{"SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN x int;\nUPDATE users SET x = 1 WHERE age > 3;", nil},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN PERFORM pg_catalog.set_config('client_min_messages', 'error', true); ALTER TABLE users ADD COLUMN x int; PERFORM pg_catalog.set_config('client_min_messages', 'debug1', true); END $$;", nil},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		if got := findingsOf(rep); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// ALTER TABLE ... ATTACH PARTITION of a live table scans it under ACCESS
// EXCLUSIVE to check its rows against the bound (PostgreSQL's
// "ATTACH PARTITION"), and a default partition's rows too: no rule
// reported it at 6b709a6. A validated CHECK that implies the bound spares
// the scan (the safe recipe), and is silent; so is attaching a table the
// file made.
func TestPlanAttachPartitionScan(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE TABLE events (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);\n" +
		"CREATE TABLE events_2025 (id bigint NOT NULL, at date NOT NULL);\n" +
		"CREATE TABLE events_checked (id bigint NOT NULL, at date NOT NULL, CONSTRAINT events_checked_bound CHECK (at >= '2024-01-01' AND at < '2025-01-01'));\n" +
		"CREATE TABLE metrics (id bigint NOT NULL, at date) PARTITION BY RANGE (at);\n" +
		"CREATE TABLE events_nullable (id bigint NOT NULL, at date, CONSTRAINT events_nullable_bound CHECK (at >= '2023-01-01' AND at < '2024-01-01'));\n" +
		"CREATE TABLE events_recipe (id bigint NOT NULL, at date, CONSTRAINT events_recipe_bound CHECK (at IS NOT NULL AND at >= '2022-01-01' AND at < '2023-01-01'));\n" +
		"CREATE TABLE logs (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);\n" +
		"CREATE TABLE logs_default PARTITION OF logs DEFAULT;\n"
	const lower = "PERFORM pg_catalog.set_config('client_min_' || 'messages', 'error', true)"
	const raise = "PERFORM pg_catalog.set_config('client_min_' || 'messages', 'debug1', true)"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
			[]string{"attach-partition-scan 000002_p.up.sql:2 events_2025"}},
		// The default partition is scanned for rows of the new bound.
		{"SET lock_timeout = '5s';\nALTER TABLE logs ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
			[]string{"attach-partition-scan 000002_p.up.sql:2 events_2025", "attach-partition-scan 000002_p.up.sql:2 logs_default"}},
		// The message hidden: the count of scans finds it.
		{"SET lock_timeout = '5s';\nDO $$ BEGIN " + lower + "; ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01'); " + raise + "; END $$;",
			[]string{"attach-partition-scan 000002_p.up.sql:2 events_2025"}},
		// The safe recipe: a validated CHECK implies the bound.
		{"SET lock_timeout = '5s';\nALTER TABLE events ATTACH PARTITION events_checked FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');", nil},
		// A nullable key (the parent's column allows NULL): the bound alone as the CHECK passes NULLs, and
		// the server still scans (PostgreSQL 15: "verifying table"); the
		// rule's recipe, with IS NOT NULL, spares it.
		{"SET lock_timeout = '5s';\nALTER TABLE metrics ATTACH PARTITION events_nullable FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');",
			[]string{"attach-partition-scan 000002_p.up.sql:2 events_nullable"}},
		{"SET lock_timeout = '5s';\nALTER TABLE metrics ATTACH PARTITION events_recipe FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');", nil},
		{"SET lock_timeout = '5s';\nCREATE TABLE events_2026 (id bigint NOT NULL, at date NOT NULL);\nALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');", nil},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		var got []string
		for _, f := range rep.Findings {
			if f.Rule != "lock-timeout-missing" {
				got = append(got, fmt.Sprintf("%s %s:%d %s", f.Rule, filepath.Base(f.File), f.Line, f.Relation))
			}
		}
		slices.Sort(got)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
	// The finding's recipe is the one that spared events_recipe: its
	// CHECK has IS NOT NULL (before: CHECK (<the bound as an expression>),
	// which on a nullable key is events_nullable's, still scanned).
	for _, r := range Rules {
		if r.ID == "attach-partition-scan" && !strings.Contains(r.Fix, "CHECK (key IS NOT NULL AND <the bound") {
			t.Errorf("attach-partition-scan's recipe: %s", r.Fix)
		}
	}
}

// A whole-table UPDATE or DELETE whose text names no live table passed at
// 6b709a6: through a view (auto-updatable, or with an INSTEAD rule), or a
// prepared statement run by EXECUTE (stop 37). The table is the one the
// statement locked ROW EXCLUSIVE and scanned (scansOf), by OID: so is a
// WITH clause's DELETE target, where a table of the same name in another
// schema is not the one deleted from.
func TestAttackWholeTableWriteHidden(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE VIEW users_v AS SELECT id, email, age FROM users;\n" +
		"CREATE VIEW users_r AS SELECT id, email FROM users;\n" +
		"CREATE RULE users_r_upd AS ON UPDATE TO users_r DO INSTEAD UPDATE users SET email = new.email WHERE users.id = old.id;\n" +
		"CREATE RULE users_r_del AS ON DELETE TO users_r DO INSTEAD DELETE FROM users WHERE users.id = old.id;\n" +
		"CREATE SCHEMA s2;\nCREATE TABLE s2.users (id bigserial PRIMARY KEY, email text);\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nUPDATE users_v SET age = 1;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDELETE FROM users_v;", []string{"whole-table-delete 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nUPDATE users_r SET email = 'x';", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDELETE FROM users_r;", []string{"whole-table-delete 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nPREPARE wipe AS DELETE FROM users;\nEXECUTE wipe;", []string{"whole-table-delete 000002_p.up.sql:3 users"}},
		{"SET lock_timeout = '5s';\nPREPARE fill (int) AS UPDATE users_v SET age = $1;\nEXECUTE fill(3);", []string{"whole-table-update 000002_p.up.sql:3 users"}},
		// s2.users is read, not written: the CTE's target is public's.
		{"SET lock_timeout = '5s';\nWITH d AS (DELETE FROM users RETURNING id) SELECT count(*) FROM d, s2.users;", []string{"whole-table-delete 000002_p.up.sql:2 users"}},
		// The other way round: s2.users (no rows live) is the target;
		// public.users, read, was reported by its name.
		{"SET lock_timeout = '5s';\nSET search_path = s2, public;\nWITH d AS (DELETE FROM users RETURNING id) SELECT count(*) FROM d, public.users;", nil},
		// With a WHERE: batched, silent.
		{"SET lock_timeout = '5s';\nUPDATE users_v SET age = 1 WHERE id < 100;", nil},
		{"SET lock_timeout = '5s';\nPREPARE del_some AS DELETE FROM users WHERE id < $1;\nEXECUTE del_some(100);", nil},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		var got []string
		for _, f := range rep.Findings {
			if f.Rule != "lock-timeout-missing" {
				got = append(got, fmt.Sprintf("%s %s:%d %s", f.Rule, filepath.Base(f.File), f.Line, f.Relation))
			}
		}
		slices.Sort(got)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// The scans a file makes where no locks read follows them (a file run
// whole, CREATE INDEX CONCURRENTLY alone; a file with its own BEGIN and
// COMMIT, read one statement at a time; an earlier statement's) are not
// blamed on the next file's statement that takes ACCESS EXCLUSIVE on the
// table and scans nothing: the baseline is read again with the relations.
func TestTraceScanBaselineAcrossFiles(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n"
	const alter = "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN x int;"
	for _, files := range [][]string{
		{"CREATE INDEX CONCURRENTLY users_email ON users (email);", alter},
		{"BEGIN;\nSELECT count(*) FROM users;\nCOMMIT;", alter},
		{"SELECT count(*) FROM users;", alter},
		{"SET lock_timeout = '5s';\nSELECT count(*) FROM users;\nALTER TABLE users ADD COLUMN x int;"},
	} {
		rep, err := planFiles(t, applied, files...)
		if err != nil {
			t.Fatalf("%q: %v", files, err)
		}
		if got := findingsOf(rep); len(got) != 0 {
			t.Errorf("%q: findings\n%s\nwant none", files, strings.Join(got, "\n"))
		}
	}
}

// A scan hidden by a lowered level under a lock an earlier statement of
// the file took passed at 1e31445: a quick ALTER TABLE ... ADD COLUMN
// takes ACCESS EXCLUSIVE, then a DO block (a procedure, the live version's
// function) lowers client_min_messages and runs SET NOT NULL or a CHECK
// on the same table. Left out only for a plain query (a batched UPDATE
// after the ALTER TABLE scans the empty shadow table).
func TestAttackTraceScanUnderEarlierLock(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE FUNCTION quiet_not_null(col text) RETURNS void LANGUAGE plpgsql SET client_min_messages = error AS $$ BEGIN EXECUTE format('ALTER TABLE users ALTER COLUMN %I SET NOT NULL', col); END $$;\n"
	const lower = "PERFORM pg_catalog.set_config('client_min_' || 'messages', 'error', true)"
	const raise = "PERFORM pg_catalog.set_config('client_min_' || 'messages', 'debug1', true)"
	const add = "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN x int;\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{add + "DO $$ BEGIN " + lower + "; ALTER TABLE users ALTER COLUMN email SET NOT NULL; " + raise + "; END $$;", []string{"set-not-null-scan 000002_p.up.sql:3"}},
		{add + "DO $$ BEGIN " + lower + "; ALTER TABLE users ADD CONSTRAINT age_ok CHECK (age > 0); " + raise + "; END $$;", []string{"constraint-validated 000002_p.up.sql:3"}},
		{add + "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN " + lower + "; ALTER TABLE users ADD CONSTRAINT age_ok CHECK (age > 0); " + raise + "; END $$;\nCALL p();", []string{"constraint-validated 000002_p.up.sql:4"}},
		{add + "SELECT quiet_not_null('name');", []string{"constraint-validated 000002_p.up.sql:3"}},
		// Plain queries under the earlier lock: silent.
		{add + "UPDATE users SET x = 1 WHERE id BETWEEN 1 AND 1000;", nil},
		{add + "DO $$ BEGIN " + lower + "; ALTER TABLE users ADD COLUMN y int; " + raise + "; END $$;", nil},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		if got := findingsOf(rep); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// A statement prepared by code (EXECUTE 'PREPARE ...' in a DO block) and
// run by a plain EXECUTE deleted every row of a live table with no
// finding at 1e31445: only a PREPARE in the file's text was read. The
// session's pg_prepared_statements gives the text at the EXECUTE.
func TestAttackWholeTablePreparedByCode(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE VIEW users_v AS SELECT id, email, age FROM users;\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE 'PREPARE wipe AS DELETE FROM users'; END $$;\nEXECUTE wipe;", []string{"whole-table-delete 000002_p.up.sql:3 users"}},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE 'PREPARE \"Fill\" AS UPDATE users_v SET age = 1'; END $$;\nEXECUTE \"Fill\";", []string{"whole-table-update 000002_p.up.sql:3 users"}},
		{"BEGIN;\nSET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE 'PREPARE wipe AS DELETE FROM users'; END $$;\nEXECUTE wipe;\nCOMMIT;", []string{"whole-table-delete 000002_p.up.sql:4 users"}},
		// Batched: silent.
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE 'PREPARE del_some AS DELETE FROM users WHERE id < $1'; END $$;\nEXECUTE del_some(100);", nil},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		var got []string
		for _, f := range rep.Findings {
			if f.Rule != "lock-timeout-missing" {
				got = append(got, fmt.Sprintf("%s %s:%d %s", f.Rule, filepath.Base(f.File), f.Line, f.Relation))
			}
		}
		slices.Sort(got)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// A scan the server's message names, by a statement whose text does not
// say which check it is (code built the ALTER TABLE's text, a live
// function ran it, a deferred trigger ran it at the file's end), passed
// at 1e31445 with the message there: the message was taken as the
// scan's report, and the rules, reading the text, reported nothing.
func TestAttackTraceScanMessageTextSilent(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE FUNCTION loud_not_null(col text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE format('ALTER TABLE users ALTER COLUMN %I SET NOT NULL', col); END $$;\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE 'ALTER TABLE users ALTER COLUMN email SET ' || 'NOT NULL'; END $$;", []string{"constraint-validated 000002_p.up.sql:2"}},
		{"SET lock_timeout = '5s';\nSELECT loud_not_null('name');", []string{"constraint-validated 000002_p.up.sql:2"}},
		{"SET lock_timeout = '5s';\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE users ALTER COLUMN email SET NOT NULL; RETURN NULL; END $$;\nCREATE TABLE tmp (id int);\nCREATE CONSTRAINT TRIGGER tg AFTER INSERT ON tmp DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION f();\nINSERT INTO tmp VALUES (1);",
			[]string{"constraint-validated 000002_p.up.sql:5"}},
		// The text says: reported once, by the message.
		{"SET lock_timeout = '5s';\nDO $$ BEGIN ALTER TABLE users ALTER COLUMN email SET NOT NULL; END $$;", []string{"set-not-null-scan 000002_p.up.sql:2"}},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		if got := findingsOf(rep); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// A file with its own BEGIN and COMMIT is traced a statement at a time,
// and its COMMIT ran the deferred triggers with no read after them and
// their messages dropped: a deferred constraint trigger that ran SET NOT
// NULL on a live table there passed at 1e31445, at any message level. The
// deferred triggers run before the COMMIT now, a locks read after them.
// A deferrable foreign key checked there reads the live table's index:
// counted then, the next ADD COLUMN of that table is no scan.
func TestAttackTraceDeferredAtOwnCommit(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED);\n"
	const loud = "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE users ALTER COLUMN email SET NOT NULL; RETURN NULL; END $$;\nCREATE TABLE tmp (id int);\nCREATE CONSTRAINT TRIGGER tg AFTER INSERT ON tmp DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION f();\nINSERT INTO tmp VALUES (1);\n"
	const quiet = "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_catalog.set_config('client_min_messages', 'error', true); ALTER TABLE users ALTER COLUMN email SET NOT NULL; PERFORM pg_catalog.set_config('client_min_messages', 'debug1', true); RETURN NULL; END $$;\nCREATE TABLE tmp (id int);\nCREATE CONSTRAINT TRIGGER tg AFTER INSERT ON tmp DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION f();\nINSERT INTO tmp VALUES (1);\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"BEGIN;\nSET lock_timeout = '5s';\n" + loud + "COMMIT;", []string{"constraint-validated 000002_p.up.sql:7"}},
		{"BEGIN;\nSET lock_timeout = '5s';\n" + quiet + "COMMIT;", []string{"constraint-validated 000002_p.up.sql:7"}},
		// After the file's COMMIT, in the trace's own transaction.
		{"BEGIN;\nSET lock_timeout = '5s';\nCOMMIT;\nSET lock_timeout = '5s';\n" + loud, []string{"constraint-validated 000002_p.up.sql:8"}},
		{"BEGIN;\nSET lock_timeout = '5s';\nINSERT INTO users (email) VALUES ('a');\nINSERT INTO orders (user_id) SELECT id FROM users;\nCOMMIT;\nBEGIN;\nSET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN x int;\nCOMMIT;", nil},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		if got := findingsOf(rep); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// A whole-table write through a view was judged on the tables the
// statement took ROW EXCLUSIVE on itself: one UPDATE or DELETE of a single
// row of the view's table earlier in the file (the batched form) took
// that lock first, and the whole-table write through the view after it
// passed at 1e31445. The view's own rules (pg_depend) name its table.
func TestAttackWholeTableViewAfterOneRow(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint);\n" +
		"CREATE VIEW users_v AS SELECT id, email, age FROM users;\n" +
		"CREATE VIEW users_r AS SELECT id, email FROM users;\n" +
		"CREATE RULE users_r_del AS ON DELETE TO users_r DO INSTEAD DELETE FROM users WHERE users.id = old.id;\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nUPDATE users SET age = 2 WHERE id = 1;\nUPDATE users_v SET age = 1;", []string{"whole-table-update 000002_p.up.sql:3 users"}},
		{"SET lock_timeout = '5s';\nDELETE FROM users WHERE id = 1;\nDELETE FROM users_r;", []string{"whole-table-delete 000002_p.up.sql:3 users"}},
		{"SET lock_timeout = '5s';\nCREATE VIEW mine AS SELECT id, age FROM users;\nUPDATE users SET age = 2 WHERE id = 1;\nUPDATE mine SET age = 1;", []string{"whole-table-update 000002_p.up.sql:4 users"}},
		// A WITH clause's write through the view: its name resolved now.
		{"SET lock_timeout = '5s';\nUPDATE users SET age = 2 WHERE id = 1;\nWITH x AS (UPDATE users_v SET age = 1 RETURNING 1) SELECT count(*) FROM x;", []string{"whole-table-update 000002_p.up.sql:3 users"}},
		{"SET lock_timeout = '5s';\nUPDATE users SET age = 2 WHERE id = 1;\nWITH x AS (UPDATE users_v SET age = 1 WHERE id < 10 RETURNING 1) SELECT count(*) FROM x;", nil},
		// orders, written before and read by a subquery only, is not
		// the view's table.
		{"SET lock_timeout = '5s';\nUPDATE orders SET user_id = 1 WHERE id = 1;\nUPDATE users_v SET age = (SELECT count(*) FROM orders) WHERE id < 100;", nil},
		{"SET lock_timeout = '5s';\nUPDATE orders SET user_id = 1 WHERE id = 1;\nUPDATE users_v SET age = (SELECT count(*) FROM orders);", []string{"whole-table-update 000002_p.up.sql:3 users"}},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		var got []string
		for _, f := range rep.Findings {
			if f.Rule != "lock-timeout-missing" {
				got = append(got, fmt.Sprintf("%s %s:%d %s", f.Rule, filepath.Base(f.File), f.Line, f.Relation))
			}
		}
		slices.Sort(got)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// The baseline kept across files traced a statement at a time (no scans
// read with the relations after them) still finds the next file's hidden
// scan, and blames it on no earlier file's.
func TestTraceScanBaselineKept(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED);\n"
	const hidden = "SET lock_timeout = '5s';\nDO $$ BEGIN PERFORM pg_catalog.set_config('client_min_messages', 'error', true); ALTER TABLE users ALTER COLUMN email SET NOT NULL; PERFORM pg_catalog.set_config('client_min_messages', 'debug1', true); END $$;"
	const own = "BEGIN;\nSET lock_timeout = '5s';\nSELECT count(*) FROM users;\nINSERT INTO users (email) VALUES ('a');\nINSERT INTO orders (user_id) SELECT id FROM users;\nCOMMIT;"
	for _, c := range []struct {
		files []string
		want  []string
	}{
		{[]string{own, own, hidden}, []string{"set-not-null-scan 000004_p.up.sql:2"}},
		{[]string{own, "BEGIN;\n" + hidden + "\nCOMMIT;"}, []string{"set-not-null-scan 000003_p.up.sql:3"}},
		{[]string{own, own, "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN x int;"}, nil},
	} {
		rep, err := planFiles(t, applied, c.files...)
		if err != nil {
			t.Fatalf("%q: %v", c.files, err)
		}
		if got := findingsOf(rep); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.files, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// ALTER DOMAIN ... ADD CONSTRAINT (without NOT VALID) or SET NOT NULL
// checks every row of every table with a column of the domain, each
// under SHARE (writes wait), and sends no message: it passed at 1e31445.
// REFRESH MATERIALIZED VIEW CONCURRENTLY scans the view under EXCLUSIVE,
// reads going on: a false constraint-validated at 1e31445.
func TestAttackTraceDomainScanAndRefresh(t *testing.T) {
	t.Parallel()
	const applied = "CREATE DOMAIN email_t AS text;\nCREATE TABLE users (id bigserial PRIMARY KEY, email email_t, name text, age int);\n" +
		"CREATE MATERIALIZED VIEW mv AS SELECT id, age FROM users;\nCREATE UNIQUE INDEX mv_id ON mv (id);\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nALTER DOMAIN email_t ADD CONSTRAINT email_ok CHECK (VALUE <> '');", []string{"constraint-validated 000002_p.up.sql:2"}},
		{"SET lock_timeout = '5s';\nALTER DOMAIN email_t SET NOT NULL;", []string{"constraint-validated 000002_p.up.sql:2"}},
		// Code: the text says SET NOT NULL, not which object's.
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE 'ALTER DOM' || 'AIN email_t SET NOT NULL'; END $$;", []string{"set-not-null-scan 000002_p.up.sql:2"}},
		{"SET lock_timeout = '5s';\nALTER DOMAIN email_t ADD CONSTRAINT email_ok CHECK (VALUE <> '') NOT VALID;", nil},
		{"SET lock_timeout = '5s';\nREFRESH MATERIALIZED VIEW CONCURRENTLY mv;", nil},
		{"SET lock_timeout = '5s';\nCREATE INDEX users_age ON users (age);", []string{"index-not-concurrent 000002_p.up.sql:2"}},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		if got := findingsOf(rep); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// A scan whose lock a subtransaction's rollback released (a DO block
// that reads users, then raises and catches an error) was seen by no
// locks read, and the next statement's ALTER TABLE ... ADD COLUMN (no
// scan) was a false constraint-validated at 1e31445, in the same file or
// a later one. The ALTER TABLE's target is read with its count just
// before it.
func TestTraceScanRolledBackSubtransaction(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n"
	const sub = "SET lock_timeout = '5s';\nDO $$ BEGIN PERFORM count(*) FROM users; RAISE EXCEPTION 'x'; EXCEPTION WHEN others THEN NULL; END $$;\n"
	for _, files := range [][]string{
		{sub + "ALTER TABLE users ADD COLUMN x int;"},
		{"BEGIN;\n" + sub + "ALTER TABLE users ADD COLUMN x int;\nCOMMIT;"},
		{"BEGIN;\n" + sub + "COMMIT;", "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN x int;"},
	} {
		rep, err := planFiles(t, applied, files...)
		if err != nil {
			t.Fatalf("%q: %v", files, err)
		}
		if got := findingsOf(rep); len(got) != 0 {
			t.Errorf("%q: findings\n%s\nwant none", files, strings.Join(got, "\n"))
		}
	}
}

// A write through a view whose definition has a WHERE reaches only the
// rows it selects, and was a false whole-table-update at 8e71665 (the
// statement's own WHERE was all that counted). Still reported: a view
// with no WHERE (or over one with none), a view whose INSTEAD rule or
// INSTEAD OF trigger writes the table itself, a join, and a filtering
// view's table written directly.
func TestWholeTableFilteredView(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, active boolean, age int);\n" +
		"CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint);\n" +
		"CREATE VIEW active_users AS SELECT id, email, age FROM users WHERE active;\n" +
		"CREATE VIEW all_active AS SELECT * FROM active_users;\n" +
		"CREATE VIEW plain AS SELECT * FROM users;\n" +
		"CREATE VIEW over_plain AS SELECT * FROM plain WHERE false;\n" +
		"CREATE VIEW ruled AS SELECT id, email FROM users WHERE active;\n" +
		"CREATE RULE ruled_upd AS ON UPDATE TO ruled DO INSTEAD UPDATE users SET email = new.email;\n" +
		"CREATE VIEW trig AS SELECT id, age FROM users WHERE active;\n" +
		"CREATE FUNCTION trig_upd() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE users SET age = NEW.age; RETURN NEW; END $$;\n" +
		"CREATE TRIGGER trig_upd INSTEAD OF UPDATE ON trig FOR EACH ROW EXECUTE FUNCTION trig_upd();\n" +
		"CREATE VIEW over_ruled AS SELECT * FROM ruled WHERE id > 0;\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nUPDATE active_users SET age = 1;", nil},
		{"SET lock_timeout = '5s';\nDELETE FROM active_users;", nil},
		{"SET lock_timeout = '5s';\nUPDATE all_active SET age = 1;", nil},
		{"SET lock_timeout = '5s';\nUPDATE over_plain SET age = 1;", nil},
		{"SET lock_timeout = '5s';\nCREATE VIEW mine AS SELECT id, age FROM users WHERE age > 60;\nUPDATE mine SET age = 1;", nil},
		{"SET lock_timeout = '5s';\nWITH x AS (DELETE FROM active_users RETURNING 1) SELECT count(*) FROM x;", nil},
		{"SET lock_timeout = '5s';\nPREPARE p AS UPDATE active_users SET age = 2;\nEXECUTE p;", nil},
		// The true cases stay.
		{"SET lock_timeout = '5s';\nUPDATE plain SET age = 1;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nUPDATE users SET age = 1;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nUPDATE ruled SET email = 'x';", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		// A WHERE above a view whose INSTEAD rule writes every row.
		{"SET lock_timeout = '5s';\nUPDATE over_ruled SET email = 'x';", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nUPDATE users SET age = 2 WHERE id = 1;\nUPDATE trig SET age = 1;", []string{"whole-table-update 000002_p.up.sql:3 users"}},
		{"SET lock_timeout = '5s';\nCREATE VIEW mine AS SELECT id, age FROM users;\nUPDATE mine SET age = 1;", []string{"whole-table-update 000002_p.up.sql:3 users"}},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		var got []string
		for _, f := range rep.Findings {
			if f.Rule != "lock-timeout-missing" {
				got = append(got, fmt.Sprintf("%s %s:%d %s", f.Rule, filepath.Base(f.File), f.Line, f.Relation))
			}
		}
		slices.Sort(got)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// A whole-table UPDATE or DELETE inside a DO block passed at 8e71665: the
// statement's text is DO, and the shadow's tables are empty, so rows
// cannot tell it from a batched loop. The block's body is read
// (doWrites): a write with no WHERE of a table the block wrote is
// reported at the DO; a batched loop (a WHERE), FOR UPDATE, a trigger's
// ON DELETE, another language's block are not.
func TestAttackWholeTableInDoBlock(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, active boolean, age int);\n" +
		"CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint);\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nDO $$ BEGIN UPDATE users SET age = 1; END $$;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO $do$\nDECLARE n int;\nBEGIN\n  DELETE FROM users;\n  GET DIAGNOSTICS n = ROW_COUNT;\nEND\n$do$;", []string{"whole-table-delete 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO LANGUAGE plpgsql 'BEGIN IF true THEN UPDATE users SET email = ''x''; END IF; END';", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE 'UPDATE public.users SET age = 2'; END $$;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE 'DO $i$ BEGIN DELETE FROM users; END $i$'; END $$;", []string{"whole-table-delete 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE 'UPDATE users SET age = 2' || ' WHERE id = 1'; END $$;", nil},
		// In parentheses, it is the literal still (passed at 17c7eff).
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE ('UPDATE users SET age = 2'); END $$;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE (($q$DELETE FROM users$q$)); END $$;", []string{"whole-table-delete 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE ('UPDATE users SET age = 2 WHERE id = 1'); END $$;", nil},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE ('UPDATE users SET age = 2') || ' WHERE id = 1'; END $$;", nil},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN <<fill>> LOOP WITH x AS (SELECT 1) UPDATE users SET age = 3; EXIT; END LOOP; END $$;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		// A batched loop, a row lock, a one-row write: silent.
		{"SET lock_timeout = '5s';\nDO $$ DECLARE n int; BEGIN LOOP UPDATE users SET age = 0 WHERE id IN (SELECT id FROM users WHERE age IS NULL LIMIT 1000); GET DIAGNOSTICS n = ROW_COUNT; EXIT WHEN n = 0; END LOOP; END $$;", nil},
		{"SET lock_timeout = '5s';\nDO $$ DECLARE r record; BEGIN FOR r IN SELECT id FROM users FOR UPDATE LOOP UPDATE users SET age = 1 WHERE id = r.id; END LOOP; END $$;", nil},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN DELETE FROM orders WHERE id = 1; UPDATE users SET age = CASE WHEN active THEN 1 ELSE 2 END WHERE id < 10; END $$;", nil},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN RAISE NOTICE 'UPDATE users SET age = 1'; END $$;", nil},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		var got []string
		for _, f := range rep.Findings {
			if f.Rule != "lock-timeout-missing" {
				got = append(got, fmt.Sprintf("%s %s:%d %s", f.Rule, filepath.Base(f.File), f.Line, f.Relation))
			}
		}
		slices.Sort(got)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// TestWholeTableExecuteNamesStatement: the finding at an EXECUTE names
// the prepared statement it runs, as the file writes it, escaped: the
// line shows "EXECUTE wipe" while the DELETE is in a PREPARE elsewhere
// or in code that ran one. Before, it read "DELETE with no WHERE removes
// every row of users", naming no statement the line holds.
func TestWholeTableExecuteNamesStatement(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n"
	for _, c := range []struct{ sql, want string }{
		{"SET lock_timeout = '5s';\nPREPARE wipe AS DELETE FROM users;\nEXECUTE wipe;",
			"EXECUTE wipe runs a prepared DELETE with no WHERE, which removes every row of users"},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE 'PREPARE \"Fill\" AS UPDATE users SET age = 1'; END $$;\nEXECUTE \"Fill\";",
			`EXECUTE "Fill" runs a prepared UPDATE with no WHERE, which writes every row of users in the migration's transaction`},
		{"SET lock_timeout = '5s';\nPREPARE \"w\x1b[2Jipe\" AS DELETE FROM users;\nEXECUTE \"w\x1b[2Jipe\";",
			`EXECUTE "w\x1b[2Jipe" runs a prepared DELETE with no WHERE`},
		// A statement of its own names no EXECUTE.
		{"SET lock_timeout = '5s';\nDELETE FROM users;", "DELETE with no WHERE removes every row of users"},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		var msgs []string
		for _, f := range rep.Findings {
			if strings.HasPrefix(f.Rule, "whole-table-") {
				msgs = append(msgs, f.Message)
			}
		}
		if len(msgs) != 1 || !strings.HasPrefix(msgs[0], c.want) {
			t.Errorf("%q: whole-table findings %q, want one starting %q", c.sql, msgs, c.want)
		}
	}
}

// A file traced a statement at a time sends its COMMIT alone when no work
// can wait for it (deferredSQL): no trigger deferrable, and none changed
// in the transaction. A foreign key made NOT DEFERRABLE after its check
// was queued leaves no trigger deferrable, yet the check runs in COMMIT
// (it locks and scans the referencing table there, as migrate up's COMMIT
// does): with the skip judged on tgdeferrable alone, the report lost what
// the COMMIT's deferred triggers did. The same file without the ALTER
// CONSTRAINT, and files whose COMMIT nothing can wait for (the read left
// out), report as before, findings included.
func TestAttackTraceDeferredMadeNotDeferrable(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE TABLE p (id int PRIMARY KEY);\n" +
		"CREATE TABLE c (pid int REFERENCES p DEFERRABLE INITIALLY DEFERRED);\n"
	const queued = "BEGIN;\nSET lock_timeout = '5s';\nINSERT INTO p VALUES (1);\nDELETE FROM p;\n"
	for _, c := range []struct {
		sql      string
		findings []string
		deferred string // the COMMIT's deferred triggers in the report: line and locks, "" for none
	}{
		{queued + "ALTER TABLE c ALTER CONSTRAINT c_pid_fkey NOT DEFERRABLE;\nCOMMIT;", nil, "6 []"},
		{queued + "COMMIT;", nil, "5 [c RowShareLock]"},
		// Made NOT DEFERRABLE in a subtransaction, and by code: the
		// trigger's row is the transaction's too (its xmin a
		// subtransaction's), so the COMMIT is not sent alone.
		{queued + "SAVEPOINT s;\nALTER TABLE c ALTER CONSTRAINT c_pid_fkey NOT DEFERRABLE;\nRELEASE s;\nCOMMIT;", nil, "8 []"},
		{queued + "DO $$ BEGIN ALTER TABLE c ALTER CONSTRAINT c_pid_fkey NOT DEFERRABLE; EXCEPTION WHEN others THEN NULL; END $$;\nCOMMIT;", nil, "6 []"},
		// Nothing deferrable: the COMMITs alone, the findings as before.
		{"BEGIN;\nSET lock_timeout = '5s';\nALTER TABLE c DROP CONSTRAINT c_pid_fkey;\nCOMMIT;\nBEGIN;\nSET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\nCOMMIT;", []string{"set-not-null-scan 000002_p.up.sql:7"}, ""},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		if got := findingsOf(rep); fmt.Sprint(got) != fmt.Sprint(c.findings) {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.findings, "\n"))
		}
		var deferred []string
		for _, f := range rep.Files {
			for _, s := range f.Statements {
				if s.SQL == "COMMIT: the file's deferred triggers" {
					var locks []string
					for _, l := range s.Locks {
						locks = append(locks, l.Relation+" "+l.Mode)
					}
					deferred = append(deferred, fmt.Sprintf("%d %v", s.Line, locks))
				}
			}
		}
		if got := strings.Join(deferred, ", "); got != c.deferred {
			t.Errorf("%q: the COMMIT's deferred triggers in the report: %q, want %q", c.sql, got, c.deferred)
		}
	}
}

// A WHERE written true for every row filters nothing: UPDATE users SET
// age = 1 WHERE true (or 1 = 1), in a file, a DO block or a WITH clause,
// and a write through a view whose WHERE reads no column (WHERE true,
// 1 = 1, now() IS NOT NULL) wrote every row and passed at 17c7eff, as
// a filter (s15-review8a). A WHERE that reads a column still filters, a
// constant false view selects nothing.
func TestAttackWholeTableAlwaysTrue(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, active boolean, age int);\n" +
		"CREATE VIEW v_true AS SELECT * FROM users WHERE true;\n" +
		"CREATE VIEW v_one AS SELECT * FROM users WHERE 1 = 1;\n" +
		"CREATE VIEW v_user AS SELECT * FROM users WHERE now() IS NOT NULL;\n" +
		"CREATE VIEW v_over AS SELECT * FROM v_true;\n" +
		"CREATE VIEW v_active AS SELECT * FROM users WHERE true AND active;\n" +
		"CREATE VIEW v_none AS SELECT * FROM users WHERE false;\n" +
		"CREATE VIEW v_or AS SELECT * FROM users WHERE active OR true;\n" +
		"CREATE VIEW v_notnull AS SELECT * FROM users WHERE id IS NOT NULL;\n" +
		"CREATE VIEW v_old AS SELECT * FROM users WHERE age > 60;\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nUPDATE users SET age = 1 WHERE true;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDELETE FROM users WHERE 1 = 1 RETURNING id;", []string{"whole-table-delete 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nUPDATE users SET age = 1 WHERE (TRUE) AND 'a' = 'a';", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN UPDATE users SET age = 1 WHERE true; END $$;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nWITH x AS (DELETE FROM users WHERE 1=1 RETURNING 1) SELECT count(*) FROM x;", []string{"whole-table-delete 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nUPDATE v_true SET age = 1;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nUPDATE v_one SET age = 1;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDELETE FROM v_user;", []string{"whole-table-delete 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nUPDATE v_over SET age = 1;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		// An OR beside a true atom, a name equal to itself, a view whose
		// WHERE has an OR or only asks IS NOT NULL (review8g).
		{"SET lock_timeout = '5s';\nUPDATE users SET age = 1 WHERE active OR true;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nUPDATE users SET age = 1 WHERE id = 1 OR 1 = 1;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDELETE FROM users WHERE id = id;", []string{"whole-table-delete 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nUPDATE v_or SET age = 1;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nUPDATE v_notnull SET age = 1;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		// Filters: silent.
		{"SET lock_timeout = '5s';\nUPDATE v_old SET age = 1;", nil},
		{"SET lock_timeout = '5s';\nUPDATE users SET age = 1 WHERE id = 1 OR id = 2;", nil},
		{"SET lock_timeout = '5s';\nUPDATE users SET age = 1 WHERE NULL = NULL;", nil},
		{"SET lock_timeout = '5s';\nPREPARE one(bigint) AS UPDATE users SET age = 1 WHERE id = $1;\nEXECUTE one(1);", nil},
		{"SET lock_timeout = '5s';\nUPDATE users SET age = 1 WHERE true AND id = 1;", nil},
		{"SET lock_timeout = '5s';\nUPDATE users SET age = 1 WHERE id = 1 RETURNING true;", nil},
		{"SET lock_timeout = '5s';\nUPDATE users SET email = 'true' WHERE email = 'x';", nil},
		{"SET lock_timeout = '5s';\nUPDATE v_active SET age = 1;", nil},
		{"SET lock_timeout = '5s';\nUPDATE v_none SET age = 1;", nil},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		var got []string
		for _, f := range rep.Findings {
			if f.Rule != "lock-timeout-missing" {
				got = append(got, fmt.Sprintf("%s %s:%d %s", f.Rule, filepath.Base(f.File), f.Line, f.Relation))
			}
		}
		slices.Sort(got)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}
