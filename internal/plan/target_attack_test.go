package plan

import (
	"slices"
	"strings"
	"testing"
)

// ALTER TABLE ONLY (orders) and DELETE FROM ONLY (users), the grammar's
// parenthesized relation_expr, were read as a table named "(": the target
// read resolved it to no relation, and the OID read's "not a table known
// before the file" dropped the foreign key's scan of the live orders, which
// 7ab1d57 reported by the constraint's table (s13-review6c). The
// statement's table is read through the parentheses now, and a name that
// resolves to no relation is matched by name, as before the reads.
func TestAttackTargetOnlyParenthesized(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint, total int);\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nALTER TABLE ONLY (orders) ADD CONSTRAINT o_fk FOREIGN KEY (user_id) REFERENCES users (id);",
			[]string{"constraint-validated 000002_p.up.sql:2"}},
		{"SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT o_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE ONLY (orders) VALIDATE CONSTRAINT o_fk;",
			[]string{"constraint-validated 000002_p.up.sql:3"}},
		{"SET lock_timeout = '5s';\nDELETE FROM ONLY (users);", []string{"whole-table-delete 000002_p.up.sql:2"}},
		{"SET lock_timeout = '5s';\nALTER TABLE ONLY ( public . users ) DROP COLUMN name;", []string{"drop-column 000002_p.up.sql:2"}},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		if got := findingsOf(rep); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// EXPLAIN ANALYZE runs the statement it explains: EXPLAIN ANALYZE DELETE
// FROM users deleted every live row with no whole-table-delete in the plan
// (7ab1d57 and 4587ec5, s13-review6c), and so did one after a WITH
// clause or in one of its expressions. A plain EXPLAIN runs nothing.
func TestAttackExplainAnalyzeWholeTable(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n"
	rep, err := planFiles(t, applied,
		"SET lock_timeout = '5s';\nEXPLAIN ANALYZE DELETE FROM users;",
		"SET lock_timeout = '5s';\nEXPLAIN (ANALYZE, COSTS off) UPDATE users SET age = 1;",
		"SET lock_timeout = '5s';\nEXPLAIN ANALYZE VERBOSE UPDATE ONLY users SET age = 2;",
		"SET lock_timeout = '5s';\nEXPLAIN DELETE FROM users;\nEXPLAIN (ANALYZE false) DELETE FROM users;\nEXPLAIN ANALYZE DELETE FROM users WHERE id = 1;",
		// A WITH clause before the statement (7ab1d57 and 4587ec5
		// alike); one whose WHERE is the expression's is no finding.
		"SET lock_timeout = '5s';\nWITH x AS (SELECT 1 WHERE true), y AS MATERIALIZED (SELECT 2) DELETE FROM users;",
		"SET lock_timeout = '5s';\nWITH RECURSIVE r (n) AS (SELECT 1) UPDATE users SET age = (SELECT n FROM r WHERE n = 1);\nWITH update AS (SELECT 1) SELECT * FROM update;",
		// A data-modifying expression of the clause.
		"SET lock_timeout = '5s';\nWITH x AS (SELECT 1), d AS (DELETE FROM users RETURNING id) SELECT count(*) FROM d;",
		"SET lock_timeout = '5s';\nWITH u AS NOT MATERIALIZED (UPDATE users SET age = 3 WHERE id = 1 RETURNING id) SELECT 1;",
	)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"whole-table-delete 000002_p.up.sql:2", "whole-table-delete 000006_p.up.sql:2", "whole-table-update 000003_p.up.sql:2", "whole-table-update 000004_p.up.sql:2", "whole-table-update 000007_p.up.sql:2", "whole-table-delete 000008_p.up.sql:2"}
	slices.Sort(want)
	if got := findingsOf(rep); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A foreign key added to a partitioned table the file made is added to,
// and validated on, each partition, and so is a constraint VALIDATE names:
// a live table the file attached to it is scanned under the file's locks
// (and by the ATTACH itself: attach-partition-scan). 7ab1d57 reported the scan by the
// constraint's table; the OID read took the statement's table for a new
// one's and dropped the finding (s13-review6c). A temporary table named
// like a live one still gets none of the live one's (TestPlanTargetsByOID).
func TestAttackTargetNewPartitionedParent(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE TABLE logs (id int, user_id bigint);\n"
	const attach = "SET lock_timeout = '5s';\nCREATE TABLE np (id int, user_id bigint) PARTITION BY RANGE (id);\nALTER TABLE np ATTACH PARTITION logs FOR VALUES FROM (0) TO (1000000);\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{attach + "ALTER TABLE np ADD CONSTRAINT np_fk FOREIGN KEY (user_id) REFERENCES users (id);",
			[]string{"attach-partition-scan 000002_p.up.sql:3", "constraint-validated 000002_p.up.sql:4"}},
		// A CHECK added NOT VALID, then validated in the same file: the
		// partitions' scans under the lock the ATTACH took.
		{attach + "ALTER TABLE np ADD CONSTRAINT np_ck CHECK (user_id > 0) NOT VALID;\nALTER TABLE np VALIDATE CONSTRAINT np_ck;",
			[]string{"attach-partition-scan 000002_p.up.sql:3", "constraint-validated 000002_p.up.sql:5"}},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		if got := findingsOf(rep); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}
