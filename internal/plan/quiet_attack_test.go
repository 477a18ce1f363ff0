package plan

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// A live table renamed, in the same file, to a name no relation had
// before the file, then "created" again by CREATE TABLE IF NOT EXISTS
// (which does nothing: the name is taken) and indexed: the CREATE TABLE
// looked quiet (a name new to the file's before), so the CREATE INDEX on
// the live table ran at notice level with no locks read of its own, and
// its blocking build was missing from the plan (s12-review5c). The same
// with the rename in a DO block, with the quiet statements following a
// SET (a read of their own) rather than the rename's read, and with a live
// table attached as a partition of a new table of that name. The live
// table is partitioned (or a partition): the server's message names the
// partition, whose name did not change, so e58cec6 reported the build.
func TestQuietIfNotExistsRenamedLiveTable(t *testing.T) {
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE TABLE events (id int, email text) PARTITION BY RANGE (id);\nCREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (0) TO (1000);\n" +
		"CREATE TABLE logs (id int, email text);\n"
	for _, pending := range []string{
		"SET lock_timeout = '5s';\nALTER TABLE events RENAME TO u_new;\nCREATE TABLE IF NOT EXISTS u_new (id int, email text);\nCREATE INDEX u_new_email ON u_new (email);",
		// A live table attached to a new partitioned table of the name.
		"SET lock_timeout = '5s';\nCREATE TABLE u_new (id int, email text) PARTITION BY RANGE (id);\nALTER TABLE u_new ATTACH PARTITION logs FOR VALUES FROM (0) TO (1000);\nCREATE TABLE IF NOT EXISTS u_new (id int, email text);\nCREATE INDEX u_new_email ON u_new (email);",
		"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE 'ALTER TABLE events RENAME TO u_new'; END $$;\nSET statement_timeout = '1min';\nCREATE TABLE IF NOT EXISTS u_new (id int, email text);\nCREATE INDEX u_new_email ON u_new (email);",
	} {
		rep, err := planFiles(t, applied, pending)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range rep.Findings {
			got = append(got, fmt.Sprintf("%s %s:%d", f.Rule, f.File[strings.LastIndexByte(f.File, '/')+1:], f.Line))
		}
		want := fmt.Sprintf("index-not-concurrent 000002_p.up.sql:%d", strings.Count(pending, "\n")+1)
		if !slices.Contains(got, want) {
			t.Errorf("%q: findings\n%s\nwant among them %s", pending, strings.Join(got, "\n"), want)
		}
	}
}

// A file that lowers client_min_messages under a name built at run time
// (set_config's name a concatenation, a DO block's EXECUTE, a function
// with the setting in its SET clause under a built name), which the
// trace's text match cannot see, hid every later index build and scan of
// the plan, its own statements' after it and every later file's. The
// trace's locks read, after every statement but a plain SET, sets debug1
// again (s12-review5c).
func TestAttackTraceLevelLoweredAtRunTime(t *testing.T) {
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n"
	rep, err := planFiles(t, applied,
		"SET lock_timeout = '5s';\nSELECT pg_catalog.set_config('client_min_' || 'messages', 'warning', false);\nCREATE INDEX users_email ON users (email);",
		"SET lock_timeout = '5s';\nCREATE INDEX users_name ON users (name);",
		"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE format('SET %s = %s', 'client_min_' || 'messages', 'error'); END $$;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;",
		"BEGIN;\nSET lock_timeout = '5s';\nSELECT pg_catalog.set_config(pg_catalog.concat('client_min_', 'messages'), 'log', true);\nCREATE INDEX users_age ON users (age);\nCOMMIT;",
		"SET lock_timeout = '5s';\nCREATE INDEX users_id2 ON users (id);",
	)
	if err != nil {
		t.Fatal(err)
	}
	got := findingsOf(rep)
	want := []string{
		"index-not-concurrent 000002_p.up.sql:3",
		"index-not-concurrent 000003_p.up.sql:2",
		"index-not-concurrent 000005_p.up.sql:4",
		"index-not-concurrent 000006_p.up.sql:2",
		// What each of those statements did after lowering the level
		// is unseen: the file fails (TestAttackTraceLevelLoweredThenActs).
		"message-level-changed 000002_p.up.sql:2",
		"message-level-changed 000004_p.up.sql:2",
		"message-level-changed 000005_p.up.sql:3",
		"set-not-null-scan 000004_p.up.sql:3",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A statement whose text names client_min_messages (in a comment, a
// string, a column's default) is followed by SET client_min_messages =
// debug1; in a file traced one statement at a time (its own BEGIN and
// COMMIT), that SET's result, with no rows, was taken for the locks read:
// the statement's rewrite, scan and locks were gone from the plan, where
// e58cec6 reported them (s12-review5c).
func TestAttackTraceLevelAgainTakenForLocksRead(t *testing.T) {
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n"
	for _, pending := range []string{
		"BEGIN;\nSET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN age TYPE bigint, ALTER COLUMN name SET DEFAULT 'client_min_messages';\nCOMMIT;",
		"SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN age TYPE bigint, ALTER COLUMN name SET DEFAULT 'client_min_messages';",
	} {
		rep, err := planFiles(t, applied, pending)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range rep.Findings {
			got = append(got, fmt.Sprintf("%s %s:%d", f.Rule, f.File[strings.LastIndexByte(f.File, '/')+1:], f.Line))
		}
		if !slices.Contains(got, "table-rewrite 000002_p.up.sql:3") && !slices.Contains(got, "table-rewrite 000002_p.up.sql:2") {
			t.Errorf("%q: findings\n%s\nwant a table-rewrite", pending, strings.Join(got, "\n"))
		}
		if len(rep.Files) != 1 || len(rep.Files[0].Locks) == 0 {
			t.Errorf("%q: no locks recorded: %+v", pending, rep.Files)
		}
	}
}

// A live table renamed and indexed in the same file: the server's message
// names the table by its new name, which no relation had before the file,
// so the blocking build was not reported (at e58cec6 too); the next file's
// index on it was (s12-review5c).
func TestAttackTraceIndexOnRenamedTable(t *testing.T) {
	rep, err := planFiles(t, "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n",
		"SET lock_timeout = '5s';\nALTER TABLE users RENAME TO u2;\nCREATE INDEX u2_email ON u2 (email);",
		"SET lock_timeout = '5s';\nCREATE INDEX u2_id ON u2 (id);")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, fmt.Sprintf("%s %s:%d %s", f.Rule, f.File[strings.LastIndexByte(f.File, '/')+1:], f.Line, f.Relation))
	}
	slices.Sort(got)
	want := []string{"index-not-concurrent 000002_p.up.sql:3 users", "index-not-concurrent 000003_p.up.sql:2 u2"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A statement that lowers the message level under a name built at run
// time and then acts hid its own messages: the DO block below built a
// blocking index on the live users and the plan passed (s12-review5c's
// open hole). The locks read after it finds the level other than the one
// the trace set, and the file fails at the statement's line, in a batch,
// in a file traced statement by statement (its own BEGIN/COMMIT), after a
// quiet statement (the read runs at notice), and in a file whose
// deferred trigger lowers the level and builds the index in SET
// CONSTRAINTS ALL IMMEDIATE.
func TestAttackTraceLevelLoweredThenActs(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n"
	const do = "DO $$ BEGIN PERFORM set_config('client_min_'||'messages','warning',true); EXECUTE 'CREATE INDEX i ON users(id)'; END $$;"
	for _, c := range []struct {
		name, applied, pending string
		line                   int
	}{
		{"batch", applied, "SET lock_timeout = '5s';\n" + do, 2},
		{"statement by statement", applied, "BEGIN;\nSET lock_timeout = '5s';\n" + do + "\nCOMMIT;", 3},
		{"after a quiet statement", applied, "SET lock_timeout = '5s';\nCREATE TABLE u_1 (id int);\n" + do + "\nCREATE INDEX u_1_id ON u_1 (id);", 3},
		{"session level", applied, "SET lock_timeout = '5s';\nSELECT set_config('client_min_'||'messages','error',false), 1;\nSELECT 2;", 2},
		{"deferred trigger", applied + "CREATE TABLE logs (id int);\nCREATE FUNCTION tg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM set_config('client_min_'||'messages','warning',true); EXECUTE 'CREATE INDEX i ON users(id)'; RETURN NULL; END $$;\n" +
			"CREATE CONSTRAINT TRIGGER tg AFTER INSERT ON logs DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tg();\n",
			"SET lock_timeout = '5s';\nINSERT INTO logs VALUES (1);", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rep, err := planFiles(t, c.applied, c.pending)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Findings {
				got = append(got, fmt.Sprintf("%s %s:%d", f.Rule, f.File[strings.LastIndexByte(f.File, '/')+1:], f.Line))
			}
			want := fmt.Sprintf("message-level-changed 000002_p.up.sql:%d", c.line)
			if !slices.Contains(got, want) {
				t.Errorf("findings\n%s\nwant among them %s", strings.Join(got, "\n"), want)
			}
			if rep.Status == "pass" {
				t.Errorf("the plan passes")
			}
		})
	}
}

// Only a level that sends fewer messages than the one the trace set
// hides a statement's: a file that raises it to debug5 loses nothing.
func TestHidesLevel(t *testing.T) {
	for _, c := range []struct {
		level, want string
		hides       bool
	}{
		{"debug1", "debug1", false}, {"debug5", "debug1", false}, {"debug2", "debug1", false},
		{"log", "debug1", true}, {"notice", "debug1", true}, {"warning", "debug1", true}, {"error", "debug1", true},
		{"notice", "notice", false}, {"debug1", "notice", false}, {"log", "notice", false}, {"warning", "notice", true},
		{"panic", "debug1", true}, {"", "debug1", true},
	} {
		if got := hides(c.level, c.want); got != c.hides {
			t.Errorf("hides(%q, %q) = %v, want %v", c.level, c.want, got, c.hides)
		}
	}
}

// A function whose SET clause lowers the message level hides what it
// does while it runs, and the locks read after the statement that called
// it finds the level restored: a pending file that makes one (or alters
// one to) fails at the line naming it; one the applied migrations made is
// a note. A SET clause that raises the level hides nothing.
func TestAttackTraceFunctionLowersLevel(t *testing.T) {
	t.Parallel()
	const users = "CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n"
	const body = " LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'CREATE INDEX i ON users (id)'; END $$"
	for _, c := range []struct {
		name, applied string
		pending       []string
		want, note    string
	}{
		{name: "made in the file", applied: users,
			pending: []string{"SET lock_timeout = '5s';\nCREATE FUNCTION f() RETURNS void SET client_min_messages = warning" + body + ";\nSELECT f();"},
			want:    "message-level-changed 000002_p.up.sql:2"},
		{name: "altered in an earlier file", applied: users + "CREATE FUNCTION f() RETURNS void" + body + ";\n",
			pending: []string{"ALTER FUNCTION f() SET \"client_min_messages\" TO 'error';", "SET lock_timeout = '5s';\nSELECT f();"},
			want:    "message-level-changed 000002_p.up.sql:1"},
		{name: "applied", applied: users + "CREATE PROCEDURE p() SET client_min_messages = notice" + body + ";\n",
			pending: []string{"SET lock_timeout = '5s';\nCALL p();"},
			note:    "function p lowers client_min_messages to notice while it runs"},
		{name: "raised", applied: users,
			pending: []string{"SET lock_timeout = '5s';\nCREATE FUNCTION f() RETURNS void SET client_min_messages = debug5" + body + ";\nSELECT f();"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rep, err := planFiles(t, c.applied, c.pending...)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Findings {
				if f.Rule == "message-level-changed" {
					got = append(got, fmt.Sprintf("%s %s:%d", f.Rule, f.File[strings.LastIndexByte(f.File, '/')+1:], f.Line))
				}
			}
			if want := []string{c.want}; c.want == "" && len(got) > 0 || c.want != "" && !slices.Equal(got, want) {
				t.Errorf("findings %q, want %q", got, c.want)
			}
			notes := strings.Join(rep.Notes, "\n")
			if c.note != "" && !strings.Contains(notes, c.note) || c.note == "" && strings.Contains(notes, "client_min_messages") {
				t.Errorf("notes %q, want %q", notes, c.note)
			}
		})
	}
}
