package plan

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// calledWrites read the functions only a DO block, a CALL or a query
// (SELECT, WITH, EXPLAIN) called: the same function called from an
// INSERT's VALUES or SELECT, a bare VALUES, or an EXECUTE of a statement
// prepared to call it ran its whole-table UPDATE of users with no finding
// (review9b). Every statement's calls are read now, an EXECUTE's by its
// prepared text.
func TestAttackWholeTableCalledFromAnyStatement(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, age int);\n" +
		"CREATE TABLE audit (x text);\n" +
		"CREATE FUNCTION wipe_ages() RETURNS text LANGUAGE plpgsql AS $f$ BEGIN UPDATE users SET age = 0; RETURN 'x'; END $f$;\n" +
		"CREATE FUNCTION one_age(i bigint) RETURNS text LANGUAGE plpgsql AS $f$ BEGIN UPDATE users SET age = 0 WHERE id = i; RETURN 'x'; END $f$;\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nINSERT INTO audit SELECT wipe_ages();", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nINSERT INTO audit VALUES (wipe_ages());", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nVALUES (wipe_ages());", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nPREPARE p AS SELECT wipe_ages();\nEXECUTE p;", []string{"whole-table-update 000002_p.up.sql:3 users"}},
		// A WHERE: silent, as from a SELECT.
		{"SET lock_timeout = '5s';\nINSERT INTO audit VALUES (one_age(1));", nil},
		// A SQL-standard body (BEGIN ATOMIC): its prosrc is empty, and it
		// was not read.
		{"SET lock_timeout = '5s';\nCREATE FUNCTION w2() RETURNS void LANGUAGE sql BEGIN ATOMIC UPDATE users SET age = 0; END;\nSELECT w2();", []string{"whole-table-update 000002_p.up.sql:3 users"}},
		{"SET lock_timeout = '5s';\nCREATE FUNCTION w3() RETURNS void LANGUAGE sql BEGIN ATOMIC UPDATE users SET age = 0 WHERE id = 1; END;\nSELECT w3();", nil},
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

// A call in a string an EXECUTE runs (EXECUTE 'SELECT wipe_ages()', in a
// DO block or in a function the statement calls) was not among the names
// calledWrites read: only the tokens outside strings were, and the
// whole-table UPDATE passed (review9b). String literals are read as SQL
// for their calls too.
func TestAttackWholeTableCalledFromExecutedString(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, age int);\n" +
		"CREATE FUNCTION wipe_ages() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN UPDATE users SET age = 0; END $f$;\n" +
		"CREATE FUNCTION via_exec() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN EXECUTE 'SELECT wipe_ages()'; END $f$;\n" +
		"CREATE FUNCTION one_age(i bigint) RETURNS void LANGUAGE plpgsql AS $f$ BEGIN UPDATE users SET age = 0 WHERE id = i; END $f$;\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE 'SELECT wipe_ages()'; END $$;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nSELECT via_exec();", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE 'SELECT one_age(1)'; END $$;", nil},
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

// calledWrites read four calls deep: a chain of five wrappers (f1 calls
// f2 ... calls f5, whose UPDATE has no WHERE) hid the write (review9b).
// It reads until no name is new.
func TestAttackWholeTableCalledDeepChain(t *testing.T) {
	t.Parallel()
	applied := "CREATE TABLE users (id bigserial PRIMARY KEY, email text, age int);\n" +
		"CREATE FUNCTION f8() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN UPDATE users SET age = 0; END $f$;\n"
	for i := 7; i >= 1; i-- {
		applied += fmt.Sprintf("CREATE FUNCTION f%d() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN PERFORM f%d(); END $f$;\n", i, i+1)
	}
	// A recursion ends: r calls itself and f1.
	applied += "CREATE FUNCTION r(n int) RETURNS void LANGUAGE plpgsql AS $f$ BEGIN IF n > 0 THEN PERFORM r(n - 1); ELSE PERFORM f1(); END IF; END $f$;\n"
	for _, sql := range []string{"SET lock_timeout = '5s';\nSELECT f1();", "SET lock_timeout = '5s';\nSELECT r(3);"} {
		rep, err := planFiles(t, applied, sql)
		if err != nil {
			t.Fatalf("%q: %v", sql, err)
		}
		found := false
		for _, f := range rep.Findings {
			found = found || f.Rule == "whole-table-update" && f.Relation == "users"
		}
		if !found {
			t.Errorf("%q: no whole-table-update of users: %+v", sql, rep.Findings)
		}
	}
}

// The functions a statement runs without naming them: a trigger of a
// table it writes, a column default it fills. INSERT INTO audit VALUES
// ('x') ran the audit trigger's UPDATE users SET age = 0, and INSERT INTO
// audit2 (y) VALUES (1) the default dflt()'s, with no finding (review9b):
// only names in the statement's text were read. The triggers' and
// defaults' functions of the relations the statement wrote are read too.
func TestAttackWholeTableTriggerOrDefault(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, age int);\n" +
		"CREATE TABLE audit (x text);\n" +
		"CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN UPDATE users SET age = 0; RETURN NEW; END $f$;\n" +
		"CREATE TRIGGER t BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION tf();\n" +
		"CREATE FUNCTION dflt() RETURNS text LANGUAGE plpgsql AS $f$ BEGIN UPDATE users SET age = 0; RETURN 'x'; END $f$;\n" +
		"CREATE TABLE audit2 (x text DEFAULT dflt(), y int);\n" +
		"CREATE FUNCTION one() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN UPDATE users SET age = 0 WHERE id = 1; RETURN NEW; END $f$;\n" +
		"CREATE TABLE audit3 (x text);\n" +
		"CREATE TRIGGER t3 AFTER INSERT ON audit3 FOR EACH ROW EXECUTE FUNCTION one();\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nINSERT INTO audit VALUES ('x');", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nINSERT INTO audit2 (y) VALUES (1);", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nINSERT INTO audit3 VALUES ('x');", nil},
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
