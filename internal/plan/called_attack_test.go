package plan

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A whole-table UPDATE or DELETE that code runs for a DO block, a CALL or
// a SELECT passed at 4596c8b: the block's own text was read (doWrites),
// not the functions it calls, nor SQL it builds at run time (EXECUTE
// format('UPDATE %I SET ...', t), EXECUTE 'UPDATE ' || t || ...). The
// shadow's tables are empty, so the rows changed cannot tell it from a
// batch (pg_stat_xact_user_tables.n_tup_upd is 0 either way). The trace
// reads the called functions' sources (calledWrites) and the text an
// EXECUTE builds as far as it says (runTimeText); batched writes and
// writes with a WHERE stay silent.
func TestAttackWholeTableCalledOrBuilt(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, active boolean, age int);\n" +
		"CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint);\nINSERT INTO orders (user_id) SELECT g FROM generate_series(1, 10) g;\n" +
		"CREATE FUNCTION wipe_ages() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN UPDATE users SET age = 0; END $f$;\n" +
		"CREATE FUNCTION clear_orders() RETURNS void LANGUAGE sql AS 'DELETE FROM orders';\n" +
		"CREATE FUNCTION outer_fn() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN PERFORM wipe_ages(); END $f$;\n" +
		"CREATE PROCEDURE wipe_proc() LANGUAGE plpgsql AS $f$ BEGIN UPDATE users SET email = NULL; END $f$;\n" +
		"CREATE FUNCTION one_age(i bigint) RETURNS void LANGUAGE plpgsql AS $f$ BEGIN UPDATE users SET age = 0 WHERE id = i; END $f$;\n" +
		"CREATE FUNCTION batch_ages() RETURNS void LANGUAGE plpgsql AS $f$ DECLARE n int; BEGIN LOOP UPDATE users SET age = 0 WHERE id IN (SELECT id FROM users WHERE age IS NULL LIMIT 1000); GET DIAGNOSTICS n = ROW_COUNT; EXIT WHEN n = 0; END LOOP; END $f$;\n"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SET lock_timeout = '5s';\nDO $$ BEGIN PERFORM wipe_ages(); END $$;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nSELECT clear_orders();", []string{"whole-table-delete 000002_p.up.sql:2 orders"}},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN PERFORM public.outer_fn(); END $$;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nCALL wipe_proc();", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nWITH x AS (SELECT wipe_ages()) SELECT count(*) FROM x;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nEXPLAIN ANALYZE SELECT clear_orders();", []string{"whole-table-delete 000002_p.up.sql:2 orders"}},
		// A function the pending file makes.
		{"SET lock_timeout = '5s';\nCREATE FUNCTION mine() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN DELETE FROM orders; END $f$;\nDO $$ BEGIN PERFORM mine(); END $$;", []string{"whole-table-delete 000002_p.up.sql:3 orders"}},
		// Built at run time.
		{"SET lock_timeout = '5s';\nDO $$ DECLARE t text; BEGIN FOR t IN SELECT 'users' LOOP EXECUTE format('UPDATE %I SET age = 0', t); END LOOP; END $$;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO $$ DECLARE t text := 'users'; BEGIN EXECUTE 'UPDATE ' || quote_ident(t) || ' SET age = 0'; END $$;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE format('DELETE FROM %s', 'orders'); END $$;", []string{"whole-table-delete 000002_p.up.sql:2 orders"}},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN EXECUTE format('UPDATE users SET email = %L', 'x'); END $$;", []string{"whole-table-update 000002_p.up.sql:2 users"}},
		// With a WHERE, a batch: silent.
		{"SET lock_timeout = '5s';\nSELECT one_age(1);", nil},
		{"SET lock_timeout = '5s';\nDO $$ BEGIN PERFORM batch_ages(); END $$;", nil},
		{"SET lock_timeout = '5s';\nDO $$ DECLARE t text := 'users'; BEGIN EXECUTE format('UPDATE %I SET age = 0 WHERE id = $1', t) USING 1; END $$;", nil},
		{"SET lock_timeout = '5s';\nDO $$ DECLARE t text := 'users'; BEGIN EXECUTE 'UPDATE ' || quote_ident(t) || ' SET age = 0 WHERE id = 1'; END $$;", nil},
		{"SET lock_timeout = '5s';\nSELECT count(*) FROM users;", nil},
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

// TestRunTimeText: the SQL an EXECUTE's argument builds, as far as its
// text says.
func TestRunTimeText(t *testing.T) {
	for _, c := range []struct{ arg, want string }{
		{`format('UPDATE %I SET x = %L', t, v)`, `UPDATE  "` + runTimeName + `"  SET x =  '?' `},
		{`format('a %% b %1$s', t) USING 1`, `a % b  "` + runTimeName + `" `},
		{`'UPDATE ' || t || ' SET x = 1'`, `UPDATE  "` + runTimeName + `"  SET x = 1`},
		{`'a' || 'b'`, `ab`},
		{`t || u`, ""},
		{`format(t, 1)`, ""},
	} {
		got, ok := runTimeText(tokens(c.arg))
		if !ok {
			got = ""
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.arg, got, c.want)
		}
	}
}
