package sqlscan

import (
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		text  string
		lines []int
		heads []string
	}{
		{"two", "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n", []int{1, 2}, []string{"CREATE", "CREATE"}},
		{"comments hide semicolons", "-- a; b\n/* c; /* nested; */ d; */ SELECT 1;", []int{2}, []string{"SELECT"}},
		{"strings hide semicolons", "INSERT INTO t VALUES ('a;b', E'c\\';d', \"e;f\");\nSELECT 2", []int{1, 2}, []string{"INSERT", "SELECT"}},
		{"dollar quotes", "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN; RETURN 1; END; $body$ LANGUAGE plpgsql;\n\nDO $$ BEGIN PERFORM 1; END $$;", []int{1, 3}, []string{"CREATE", "DO"}},
		{"parameter is not a quote", "PREPARE p AS SELECT $1; EXECUTE p(1);", []int{1, 1}, []string{"PREPARE", "EXECUTE"}},
		{"begin atomic", "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;\nSELECT 3;", []int{1, 2}, []string{"CREATE", "SELECT"}},
		{"empty", ";;\n-- only a comment\n", nil, nil},
		{"unterminated quote runs to the end", "SELECT 'a;\nb; SELECT 2", []int{1}, []string{"SELECT"}},
		{"lines counted inside strings", "SELECT 'a\nb\n';\nSELECT 1;", []int{1, 4}, []string{"SELECT", "SELECT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Split(tc.text)
			if len(got) != len(tc.lines) {
				t.Fatalf("Split(%q) = %d statements %+v, want %d", tc.text, len(got), got, len(tc.lines))
			}
			for i, st := range got {
				if st.Line != tc.lines[i] || st.Words[0] != tc.heads[i] {
					t.Errorf("statement %d = line %d %v, want line %d %s", i, st.Line, st.Words, tc.lines[i], tc.heads[i])
				}
			}
		})
	}
}

func TestAnalyze(t *testing.T) {
	for _, tc := range []struct {
		text string
		tx   bool
		why  string
	}{
		{"CREATE TABLE a (id int); ALTER TABLE a ADD COLUMN b text;", true, ""},
		// Alone in a file, CALL and DO run outside any transaction (one
		// statement in a simple query), so a procedure or block may COMMIT;
		// beside others they are in the implicit transaction and may not.
		{"SELECT 1; DO $$ BEGIN COMMIT; END $$;", true, ""},
		{"DO $$ BEGIN PERFORM 1; END $$;", true, ""},
		{"DO $$ BEGIN COMMIT; END $$;", false, "line 1: DO commits inside its body"},
		{"-- backfill in batches\nCALL backfill(1000);", false, "line 2: CALL runs alone, outside a transaction, so the procedure may COMMIT"},
		{"CALL backfill(1000); SELECT 1;", true, ""},
		{"CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS 'BEGIN END';", true, ""},
		{"REFRESH MATERIALIZED VIEW CONCURRENTLY v;", true, ""},
		{"BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;", false, "line 1: BEGIN: the file controls its own transactions"},
		{"CREATE TABLE a (id int);\ncommit;", false, "line 2: COMMIT"},
		{"START TRANSACTION; SELECT 1; END;", false, "START TRANSACTION"},
		{"create unique index concurrently i on t (a);", false, "line 1: CREATE UNIQUE INDEX CONCURRENTLY cannot run inside a transaction"},
		{"\n\nDROP INDEX CONCURRENTLY i;", false, "line 3: DROP INDEX CONCURRENTLY"},
		{"VACUUM t;", false, "VACUUM cannot"},
		{"ALTER SYSTEM SET work_mem = '8MB';", false, "ALTER SYSTEM"},
		{"discard all;", false, "DISCARD ALL cannot"},
		{"DISCARD PLANS;", true, ""},
		{"ALTER DATABASE app SET TABLESPACE fast;", false, "SET TABLESPACE cannot"},
		{"ALTER DATABASE app SET work_mem = '8MB';", true, ""},
		{"-- BEGIN;\nSELECT 'COMMIT';", true, ""},
	} {
		sh := Analyze(tc.text)
		if sh.Transactional != tc.tx || !strings.Contains(sh.Why, tc.why) {
			t.Errorf("Analyze(%q) = %v %q, want %v containing %q", tc.text, sh.Transactional, sh.Why, tc.tx, tc.why)
		}
	}
}

func TestHead(t *testing.T) {
	st := Split("CREATE TABLE users (\n  id int\n);")[0]
	if got := st.Head(80); got != "CREATE TABLE users ( ..." {
		t.Errorf("Head = %q", got)
	}
	if got := st.Head(6); got != "CREATE..." {
		t.Errorf("Head(6) = %q", got)
	}
}

// FuzzSplit: any text splits without panicking, and every statement's text
// is found in the input at or after its line.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"SELECT 1; SELECT 2", "$$;$$", "'", "/* /* */", "E'\\'", "$a$ $b$ $a$;x", "BEGIN ATOMIC END;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, st := range Split(text) {
			if st.Text == "" || st.Line < 1 || !strings.Contains(text, st.Text) {
				t.Fatalf("statement %+v not in %q", st, text)
			}
			if st.Line > strings.Count(text, "\n")+1 {
				t.Fatalf("line %d past the end of %q", st.Line, text)
			}
		}
		Analyze(text)
	})
}

// TestUnterminated: a text that ends inside a quote, an identifier, a
// dollar quote or a block comment says so (migrate then sends nothing
// after it in the same query); one that ends cleanly, or in a line
// comment, does not.
func TestUnterminated(t *testing.T) {
	for text, want := range map[string]bool{
		"SELECT 1;":                       false,
		"SELECT 'a'; -- trailing comment": false,
		"SELECT $$a$$":                    false,
		"SELECT 'it''s'":                  false,
		"/* a /* b */ c */ SELECT 1":      false,
		"SELECT 'abc":                     true,
		"INSERT INTO t VALUES (E'\\":      true,
		"SELECT E'a\\'":                   true,
		`SELECT "col`:                     true,
		"DO $body$ BEGIN":                 true,
		"SELECT 1 /* never closed":        true,
		"/* a /* b */ c":                  true,
	} {
		if got := Analyze(text).Unterminated; got != want {
			t.Errorf("Analyze(%q).Unterminated = %v, want %v", text, got, want)
		}
	}
}
