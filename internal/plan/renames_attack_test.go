package plan

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// An index build on a live table renamed earlier in the same file is
// found by its index only where the file can rename (mayRename). Each
// case hides the rename where no RENAME is written in the file that
// builds the index: a DO block's EXECUTE of a built string, a function
// an earlier pending file made or the applied migrations made, called
// directly or by a CHECK constraint, a column's default, a trigger, a
// procedure, or a trigger behind EXECUTE of a prepared INSERT. Each must
// still report the build on users (TestAttackTraceIndexOnRenamedTable
// has the plain RENAME).
func TestAttackTraceIndexOnTableRenamedByCode(t *testing.T) {
	t.Parallel()
	const users = "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n"
	// The rename, its keyword built at run time.
	const mv = "EXECUTE 'ALTER TABLE users REN' || 'AME TO u2'"
	const index = "CREATE INDEX u2_email ON u2 (email);"
	for _, c := range []struct {
		name    string
		applied string
		pending []string
	}{
		{"do block", users, []string{"SET lock_timeout = '5s';\nDO $$ BEGIN " + mv + "; END $$;\n" + index}},
		{"function of an earlier file", users, []string{
			"CREATE FUNCTION mv() RETURNS void LANGUAGE plpgsql AS $$ BEGIN " + mv + "; END $$;",
			"SET lock_timeout = '5s';\nSELECT mv();\n" + index}},
		{"function of the applied migrations", users + "CREATE FUNCTION mv() RETURNS void LANGUAGE plpgsql AS $$ BEGIN " + mv + "; END $$;\n",
			[]string{"SET lock_timeout = '5s';\nSELECT mv();\n" + index}},
		{"check constraint", users + "CREATE FUNCTION ok(int) RETURNS bool LANGUAGE plpgsql AS $$ BEGIN " + mv + "; RETURN true; END $$;\nCREATE TABLE logs (id int CHECK (ok(id)));\n",
			[]string{"SET lock_timeout = '5s';\nINSERT INTO logs VALUES (1);\n" + index}},
		{"default", users + "CREATE FUNCTION d() RETURNS int LANGUAGE plpgsql AS $$ BEGIN " + mv + "; RETURN 1; END $$;\nCREATE TABLE logs (id int DEFAULT d());\n",
			[]string{"SET lock_timeout = '5s';\nINSERT INTO logs DEFAULT VALUES;\n" + index}},
		{"trigger", users + "CREATE TABLE logs (id int);\nCREATE FUNCTION tg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " + mv + "; RETURN NEW; END $$;\nCREATE TRIGGER tg BEFORE INSERT ON logs FOR EACH ROW EXECUTE FUNCTION tg();\n",
			[]string{"SET lock_timeout = '5s';\nINSERT INTO logs VALUES (1);\n" + index}},
		{"procedure", users + "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN " + mv + "; END $$;\n",
			[]string{"SET lock_timeout = '5s';\nCALL p();\n" + index}},
		{"execute", users + "CREATE TABLE logs (id int);\nCREATE FUNCTION tg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " + mv + "; RETURN NEW; END $$;\nCREATE TRIGGER tg BEFORE INSERT ON logs FOR EACH ROW EXECUTE FUNCTION tg();\n",
			[]string{"SET lock_timeout = '5s';\nPREPARE ins AS INSERT INTO logs VALUES (1);\nEXECUTE ins;\n" + index}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rep, err := planFiles(t, c.applied, c.pending...)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Findings {
				got = append(got, fmt.Sprintf("%s %s:%d %s", f.Rule, f.File[strings.LastIndexByte(f.File, '/')+1:], f.Line, f.Relation))
			}
			last := c.pending[len(c.pending)-1]
			want := fmt.Sprintf("index-not-concurrent %06d_p.up.sql:%d users", len(c.pending)+1, strings.Count(last, "\n")+1)
			if !slices.Contains(got, want) {
				t.Errorf("findings\n%s\nwant among them %s", strings.Join(got, "\n"), want)
			}
		})
	}
}

// Which files may rename a relation: with no code in the trace, only a
// file with RENAME or a word that makes or runs code; a file that makes
// code makes every file after it one.
func TestMayRename(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"SET lock_timeout = '5s';\nALTER TABLE t_1 ADD COLUMN note_1 text;\nCREATE TABLE u_1 (id bigserial PRIMARY KEY, t_id bigint NOT NULL, at timestamptz);\nCREATE INDEX u_1_t ON u_1 (t_id);\n", false},
		{"CREATE TABLE u (id int DEFAULT 1 CHECK (id > 0));\nINSERT INTO u VALUES (1);\nUPDATE u SET id = 2 WHERE id = 1;", false},
		{"ALTER TABLE users RENAME TO u2;", true},
		{"alter index users_pkey rename to u2_pkey;", true},
		{"ALTER TABLE users RENAME COLUMN a TO b;", true},
		{"-- rename\nCREATE INDEX i ON users (email);", true},
		{"DO $$ BEGIN NULL; END $$;", true},
		{"do $x$ begin end $x$;", true},
		{"INSERT INTO u VALUES (1) ON CONFLICT DO NOTHING;", true},
		{"CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';", true},
		{"CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';", true},
		{"CALL p();", true},
		{"PREPARE s AS SELECT 1;\nEXECUTE s;", true},
		{"CREATE TRIGGER tg BEFORE INSERT ON u FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();", true},
		{"CREATE EXTENSION IF NOT EXISTS pgcrypto;", true},
		{"CREATE AGGREGATE a (int) (SFUNC = int4pl, STYPE = int);", true},
		{"COPY u FROM PROGRAM 'true';", true},
		{"LOAD 'auto_explain';", true},
		{"CREATE RULE r AS ON INSERT TO u DO ALSO NOTIFY u;", true},
		{"IMPORT FOREIGN SCHEMA s FROM SERVER x INTO public;", true},
		// Words inside other words are not keywords.
		{"CREATE TABLE to_do (function_name text, renamed bool, executed_at timestamptz);", false},
	} {
		tr := &tracer{codeFree: true}
		if got := tr.mayRename(c.text); got != c.want {
			t.Errorf("%q: mayRename %v, want %v", c.text, got, c.want)
		}
	}
	tr := &tracer{codeFree: true}
	if tr.mayRename("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';"); tr.codeFree {
		t.Errorf("a file that makes a function leaves codeFree set")
	}
	if !tr.mayRename("SELECT 1;") {
		t.Errorf("a file after one that made a function: mayRename false")
	}
	if (&tracer{}).mayRename("SELECT 1;") != true {
		t.Errorf("code unknown: mayRename false")
	}
}
