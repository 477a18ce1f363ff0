package plan

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// An EXECUTE whose WHERE is given whole at run time (format('... WHERE
// %s', c), '... WHERE ' || c) read as WHERE <a name>, a boolean column's
// filter: with c 'true' the UPDATE wrote every row with no finding
// (review9b). A condition left open whole may be true for every row, so
// the write is reported; one that compares a column with a run-time value
// still filters.
func TestAttackWholeTableRunTimeWhere(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, age int);\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE format('UPDATE users SET age = 0 WHERE %s', 'true'); END $$;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO $$ DECLARE c text := 'true'; BEGIN EXECUTE 'DELETE FROM users WHERE ' || c; END $$;", []string{"whole-table-delete 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE format('UPDATE users SET age = 0 WHERE id = %s', 1); END $$;", nil},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE format('UPDATE users SET age = 0 WHERE %s AND id = 1', 'true'); END $$;", nil},
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

// An EXECUTE whose table is schema-qualified with a part given at run time
// (format('UPDATE %I.%I ...', s, t), 'UPDATE public.' || t, 'UPDATE ' ||
// s || '.users') named a schema or a table no relation has, and its
// whole-table write passed (review9b): only an unqualified name given at
// run time stood for the tables the statement wrote.
func TestAttackWholeTableRunTimeQualifiedName(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, age int);\nCREATE TABLE orders (id bigserial PRIMARY KEY, n int);\nINSERT INTO orders (n) SELECT g FROM generate_series(1, 10) g;\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE format('UPDATE %I.%I SET age = 0', 'public', 'users'); END $$;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO $$ DECLARE t text := 'users'; BEGIN EXECUTE 'UPDATE public.' || t || ' SET age = 0'; END $$;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO $$ DECLARE s text := 'public'; BEGIN EXECUTE 'DELETE FROM ' || s || '.users'; END $$;", []string{"whole-table-delete 000002_p.up.sql:2 users"}},
		// The name known, the schema open: only the tables of that name.
		{"SET lock_timeout = '5s';\nDO $$ DECLARE s text := 'public'; BEGIN UPDATE orders SET n = 0 WHERE id = 1; EXECUTE 'UPDATE ' || s || '.users SET age = 0'; END $$;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE format('UPDATE %I.%I SET age = 0 WHERE id = 1', 'public', 'users'); END $$;", nil},
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
