package plan

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Code that lowers client_min_messages, builds an index on a live table
// and raises the level again before the statement ends leaves the locks
// read nothing to find (the level is debug1 again) and the server sent no
// "building index" message: the plan passed the blocking build, at
// 7ab1d57 and 4587ec5 alike; a function of the live version's whose SET
// clause lowers the level was only a note (s13-review6c). The new index
// is among the relations the statement made: it is reported.
func TestAttackTraceLevelLoweredAndRestored(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, name text, age int);\n" +
		"CREATE FUNCTION quiet_index(col text) RETURNS void LANGUAGE plpgsql SET client_min_messages = error AS $$ BEGIN EXECUTE format('CREATE INDEX ON users (%I)', col); END $$;\n"
	const lower = "PERFORM pg_catalog.set_config('client_min_' || 'messages', 'error', true)"
	const raise = "PERFORM pg_catalog.set_config('client_min_' || 'messages', 'debug1', true)"
	for _, c := range []struct {
		sql  string
		line int
	}{
		// A DO block, in the file's one query.
		{"SET lock_timeout = '5s';\nDO $$ BEGIN " + lower + "; CREATE INDEX users_email ON users (email); " + raise + "; END $$;", 2},
		// The same, in a file with its own BEGIN and COMMIT (one
		// statement at a time).
		{"BEGIN;\nSET lock_timeout = '5s';\nDO $$ BEGIN " + lower + "; CREATE INDEX users_email ON users (email); " + raise + "; END $$;\nCOMMIT;", 3},
		// A function with no SET clause, made by the file.
		{"SET lock_timeout = '5s';\nCREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN " + lower + "; CREATE INDEX users_name ON users (name); " + raise + "; END $$;\nSELECT f();", 3},
		// The live version's function, whose SET clause lowers the level.
		{"SET lock_timeout = '5s';\nSELECT quiet_index('age');", 2},
	} {
		rep, err := planFiles(t, applied, c.sql)
		if err != nil {
			t.Fatalf("%q: %v", c.sql, err)
		}
		want := fmt.Sprintf("index-not-concurrent 000002_p.up.sql:%d", c.line)
		if got := findingsOf(rep); !slices.Contains(got, want) || rep.Status != "fail" {
			t.Errorf("%q: status %s, findings\n%s\nwant among them %s", c.sql, rep.Status, strings.Join(got, "\n"), want)
		}
	}
}
