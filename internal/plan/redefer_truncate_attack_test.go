package plan

import (
	"path/filepath"
	"testing"
)

// A deferred trigger that defers the constraints again, TRUNCATEs a table
// with a deferrable trigger and writes as many rows into it as the
// transaction had written there: TRUNCATE sets the transaction's counts
// of the table back to zero (pgstat_count_truncate), so the round's rows
// written (rowsWrittenSQL) read the same before and after, and
// immediateSQL took the round for a quiet one while the new row's event
// was still queued, deferred, for COMMIT: its rewrite of s1.big passed the
// plan with no finding (review9b). Whether TRUNCATE gives the table a new
// file (made in an earlier transaction) or empties it in place (made in
// this one) is one case each.
func TestAttackTraceDeferredTruncateCounts(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id serial PRIMARY KEY, email text);\nCREATE SCHEMA s1;\nCREATE TABLE s1.big (id int PRIMARY KEY, v int);\nINSERT INTO s1.big SELECT g, g FROM generate_series(1, 50) g;\n"
	// fp rewrites s1.big for the row 2 only; p's trigger is immediate
	// until f1 defers it.
	const p = "CREATE FUNCTION fp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 2 THEN ALTER TABLE s1.big ALTER COLUMN v TYPE bigint; END IF; RETURN NULL; END $$;\n" +
		"CREATE TABLE p (id int);\n" +
		"CREATE CONSTRAINT TRIGGER tp AFTER INSERT ON p DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION fp();\n"
	const file = "SET lock_timeout = '5s';\n" +
		"INSERT INTO p VALUES (1);\n" +
		"CREATE FUNCTION f1() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN SET CONSTRAINTS ALL DEFERRED; TRUNCATE p; INSERT INTO p VALUES (2); RETURN NULL; END $$;\n" +
		"CREATE TABLE q1 (id int);\n" +
		"CREATE CONSTRAINT TRIGGER t1 AFTER INSERT ON q1 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION f1();\n" +
		"INSERT INTO q1 VALUES (1);\n"
	for _, c := range []struct{ applied, file string }{
		{applied + p, file}, // p made before: TRUNCATE gives it a new file
		{applied, p + file}, // p made in the file: emptied in place
		{applied, "BEGIN;\n" + p + file + "COMMIT;\n"},
	} {
		rep, err := planFiles(t, c.applied, c.file)
		if err != nil {
			t.Fatalf("%q: %v", c.file, err)
		}
		found := false
		for _, f := range rep.Findings {
			found = found || f.Rule == "table-rewrite" && f.Relation == "s1.big" && filepath.Base(f.File) == "000002_p.up.sql"
		}
		if !found {
			t.Errorf("%q: no table-rewrite of s1.big: %+v", c.file, rep.Findings)
		}
	}
}
