package plan

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A deferred trigger that defers the constraints again and queues another
// deferred event (SET CONSTRAINTS ALL DEFERRED, then a write to a table
// whose trigger is deferred) left that event for COMMIT, after the plan's
// last read: the second trigger's rewrite of s1.big, which migrate up's
// COMMIT does under the file's locks, passed with no finding at 4596c8b
// (a documented limit, review8e). The trace now runs SET CONSTRAINTS ALL
// IMMEDIATE again while the one before it wrote rows (immediateSQL), so
// every deferred event has run before the read.
func TestAttackTraceDeferredDefersAgain(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id serial PRIMARY KEY, email text);\nCREATE SCHEMA s1;\nCREATE TABLE s1.big (id int PRIMARY KEY, v int);\nINSERT INTO s1.big SELECT g, g FROM generate_series(1, 50) g;\n"
	// f2 rewrites s1.big; f1 defers again and queues f2's event; a chain
	// of three when f0 queues f1's.
	const setup = "CREATE FUNCTION f2() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE s1.big ALTER COLUMN v TYPE bigint; RETURN NULL; END $$;\n" +
		"CREATE TABLE q2 (id int);\n" +
		"CREATE CONSTRAINT TRIGGER t2 AFTER INSERT ON q2 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION f2();\n" +
		"CREATE FUNCTION f1() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN SET CONSTRAINTS ALL DEFERRED; INSERT INTO q2 VALUES (1); RETURN NULL; END $$;\n" +
		"CREATE TABLE q1 (id int);\n" +
		"CREATE CONSTRAINT TRIGGER t1 AFTER INSERT ON q1 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION f1();\n" +
		"CREATE FUNCTION f0() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN SET CONSTRAINTS ALL DEFERRED; INSERT INTO q1 VALUES (1); RETURN NULL; END $$;\n" +
		"CREATE TABLE q0 (id int);\n" +
		"CREATE CONSTRAINT TRIGGER t0 AFTER INSERT ON q0 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION f0();\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		// Batched: the file's one query.
		{setup + "INSERT INTO q1 VALUES (1);", []string{"table-rewrite 000002_p.up.sql:10 s1.big"}},
		{setup + "INSERT INTO q0 VALUES (1);", []string{"table-rewrite 000002_p.up.sql:10 s1.big"}},
		// A file with its own BEGIN and COMMIT: the COMMIT's read.
		{"BEGIN;\n" + setup + "INSERT INTO q1 VALUES (1);\nCOMMIT;", []string{"table-rewrite 000002_p.up.sql:12 s1.big"}},
		// One trigger, deferring nothing again: as before.
		{setup + "INSERT INTO q2 VALUES (1);", []string{"table-rewrite 000002_p.up.sql:10 s1.big"}},
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
		got = slices.Compact(got)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: findings\n%s\nwant\n%s", c.sql, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
	// The triggers made by an earlier pending file, or applied: the file
	// that fires them has no word of code, and the deferrable trigger
	// the last read found (or could not know of) sends the rounds still.
	for _, files := range [][]string{
		{applied, setup, "SET lock_timeout = '5s';\nINSERT INTO q1 VALUES (1);"},
		{applied + setup, "SELECT 1;", "SET lock_timeout = '5s';\nINSERT INTO q1 VALUES (1);"},
	} {
		rep, err := planFiles(t, files[0], files[1:]...)
		if err != nil {
			t.Fatalf("%q: %v", files[2], err)
		}
		found := false
		for _, f := range rep.Findings {
			found = found || f.Rule == "table-rewrite" && f.Relation == "s1.big" && filepath.Base(f.File) == "000003_p.up.sql" && f.Line == 2
		}
		if !found {
			t.Errorf("%q after %q: no table-rewrite of s1.big at 000003_p.up.sql:2: %+v", files[2], files[1], rep.Findings)
		}
	}
}

// A deferred trigger that queues its own event again, deferred, without
// end would hold migrate up's COMMIT without end: the plan stops after
// maxImmediate rounds and says so, at the file's last line.
func TestAttackTraceDeferredWithoutEnd(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id serial PRIMARY KEY, email text);\n"
	const file = "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN SET CONSTRAINTS ALL DEFERRED; INSERT INTO q VALUES (1); RETURN NULL; END $$;\n" +
		"CREATE TABLE q (id int);\n" +
		"CREATE CONSTRAINT TRIGGER t AFTER INSERT ON q DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION f();\n" +
		"INSERT INTO q VALUES (1);\n"
	for _, sql := range []string{file, "BEGIN;\n" + file + "COMMIT;\n"} {
		_, err := planFiles(t, applied, sql)
		var fe *FailedError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "still queue deferred work after 100 rounds") {
			t.Fatalf("%q: %v, want a FailedError saying the deferred work does not end", sql, err)
		}
	}
}
