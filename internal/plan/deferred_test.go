package plan

import (
	"strings"
	"testing"
)

// TestPlanDeferredTriggerRewriteSeen: a file's deferred constraint trigger
// runs in migrate up's COMMIT, under the file's locks: here it rewrites
// s1.big. The plan's reads stopped at the file's last statement, so the
// file showed no lock on s1.big and no finding (before and after the
// batched reads of faae80c..089b82c: the JSON reports were the same). The
// batch reads the locks once more after SET CONSTRAINTS ALL IMMEDIATE and
// reports what the deferred triggers did at the file's last line.
func TestPlanDeferredTriggerRewriteSeen(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id serial PRIMARY KEY, email text);\nCREATE SCHEMA s1;\nCREATE TABLE s1.big (id int PRIMARY KEY, v int);\nINSERT INTO s1.big SELECT g, g FROM generate_series(1, 50) g;\n"
	file := "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE s1.big ALTER COLUMN v TYPE bigint; RETURN NULL; END $$;\n" +
		"CREATE CONSTRAINT TRIGGER tr AFTER INSERT ON users DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION f();\n" +
		"INSERT INTO users (email) VALUES ('x');\n"
	rep, err := planFiles(t, applied, file)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range rep.Findings {
		if f.Rule == "table-rewrite" && f.Relation == "s1.big" && f.Line == 3 && strings.HasSuffix(f.File, "000002_p.up.sql") {
			found = true
		}
	}
	if !found {
		t.Errorf("no table-rewrite of s1.big at 000002_p.up.sql:3: %+v", rep.Findings)
	}
	if rep.Status != "fail" {
		t.Errorf("status %s, want fail", rep.Status)
	}
	// A file without deferred work gets no extra statement.
	rep, err = planFiles(t, applied, "ALTER TABLE users ADD COLUMN c int;\n")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rep.Files[0].Statements); n != 1 {
		t.Errorf("%d statements reported for a one-statement file", n)
	}
}
