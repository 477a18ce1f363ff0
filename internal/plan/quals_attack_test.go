package plan

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A view whose WHERE reads a column but holds for every row (x = x on a
// NOT NULL column, x IS NULL OR x IS NOT NULL, coalesce(x, 0) =
// coalesce(x, 0), NOT false, x < 1 OR x >= 1) counted as a filter at
// 4596c8b: any column read in the WHERE did. An UPDATE with no WHERE
// through it wrote every row of users with no whole-table-update. The
// WHERE is now read as a tree (qnode.selects): only shapes known to
// filter do; the real filters stay silent.
func TestAttackWholeTableViewTrueForEveryRow(t *testing.T) {
	t.Parallel()
	const applied = "CREATE TABLE users (id bigserial PRIMARY KEY, email text, active boolean, age int NOT NULL DEFAULT 0, created timestamptz, updated timestamptz, deleted_at timestamptz, status text);\n" +
		"CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint);\n"
	views := []struct {
		where  string
		filter bool
	}{
		{"id = id", false},
		{"age = age", false},
		{"email IS NULL OR email IS NOT NULL", false},
		{"coalesce(age, 0) = coalesce(age, 0)", false},
		{"NOT false", false},
		{"age < 1 OR age >= 1", false},
		{"age + 0 = age", false},
		{"age IS NOT NULL", false},
		{"NOT (age IS NULL)", false},
		{"active IS NOT UNKNOWN", false},
		{"id = id AND true", false},
		{"lower(email) = lower(email)", false},
		// The same through a function or a boolean test (review9b).
		{"int8eq(id, id)", false},
		{"texteq(lower(email), lower(email))", false},
		{"(id = id) IS NOT FALSE", false},
		{"(id = id) IS TRUE", false},
		// Filters: silent.
		{"age > 60", true},
		{"active", true},
		{"NOT active", true},
		{"active IS TRUE", true},
		{"deleted_at IS NULL", true},
		{"status IN ('a', 'b')", true},
		{"created < updated", true},
		{"lower(email) LIKE '%@x.com'", true},
		{"created > now() - interval '1 day'", true},
		{"id = id AND age > 60", true},
		{"NOT (age > 60)", true},
		{"age::bigint = 3", true},
		{"email = 'a' COLLATE \"C\"", true},
		{"starts_with(email, 'a')", true},
		{"int4lt(age, 60)", true},
		{"(age > 60) IS TRUE", true},
		{"starts_with(email, 'a') IS NOT FALSE", true},
		{"false", true},
		// A subquery that reads the row filters (viewBase: the view's own
		// relation, not every one its rule depends on; reported before).
		{"id IN (SELECT user_id FROM orders)", true},
		{"EXISTS (SELECT 1 FROM orders o WHERE o.user_id = users.id)", true},
		{"age > (SELECT count(*) FROM orders)", true},
	}
	// One plan: the views applied, one UPDATE through each pending.
	views_ := applied
	sql := "SET lock_timeout = '5s';\n"
	var want []string
	for i, v := range views {
		views_ += fmt.Sprintf("CREATE VIEW v%d AS SELECT * FROM users WHERE %s;\n", i, v.where)
		sql += fmt.Sprintf("UPDATE v%d SET age = 1;\n", i)
		if !v.filter {
			want = append(want, fmt.Sprintf("whole-table-update 000002_p.up.sql:%d users WHERE %s", i+2, v.where))
		}
	}
	rep, err := planFiles(t, views_, sql)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		if f.Rule != "lock-timeout-missing" {
			where := "?"
			if f.Line >= 2 && f.Line-2 < len(views) {
				where = views[f.Line-2].where
			}
			got = append(got, fmt.Sprintf("%s %s:%d %s WHERE %s", f.Rule, filepath.Base(f.File), f.Line, f.Relation, where))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestParseQualsRefusesBrokenText: a text that does not read as one tree
// (cut, unbalanced, a stray closing brace) filters nothing.
func TestParseQualsRefusesBrokenText(t *testing.T) {
	for _, s := range []string{"", "{", "{OPEXPR :args ({VAR :varno 1}", "{VAR :varno 1}}", "{VAR :varno 1} {VAR}", ")", "{VAR :x (}"} {
		if parseQuals(s).selects() {
			t.Errorf("%q read as a filter", s)
		}
	}
	for _, s := range []string{"", "({QUERY})", "({QUERY :jointree {FROMEXPR :fromlist ({RANGETBLREF :rtindex 2}) :quals <>} :rtable ({RANGETBLENTRY :rtekind 0 :relid 5})})", "({QUERY :jointree {FROMEXPR :fromlist ({RANGETBLREF :rtindex 1}) :quals <>} :rtable ({RANGETBLENTRY :rtekind 1 :relid 5})})", "({QUERY} {QUERY})"} {
		if _, _, ok := viewBase(s); ok {
			t.Errorf("viewBase(%q) read a base relation", s)
		}
	}
	if relid, quals, ok := viewBase("({QUERY :rtable ({RANGETBLENTRY :rtekind 0 :relid 7}) :jointree {FROMEXPR :fromlist ({RANGETBLREF :rtindex 1}) :quals {VAR :varno 1 :varattno 2 :varlevelsup 0}}})"); !ok || relid != 7 || !quals.selects() {
		t.Errorf("viewBase of a one-table view: %d %v %v", relid, quals, ok)
	}
	if !parseQuals(`{OPEXPR :opno 521 :args ({VAR :varno 3 :varattno 4 :varlevelsup 0 :location 7} {CONST :consttype 23 :constisnull false :constvalue 4 [ 60 0 0 0 0 0 0 0 ]}) :location 9}`).selects() {
		t.Error("age > 60 read as no filter")
	}
}

// FuzzParseQuals: any text (a view's rule text holds names a file chose)
// reads as a tree or as nothing, without a panic, and a tree's answer is
// the same when read again.
func FuzzParseQuals(f *testing.F) {
	f.Add(`{OPEXPR :opno 521 :args ({VAR :varno 3 :varattno 4 :varlevelsup 0} {CONST :consttype 23 :constisnull false :constvalue 4 [ 60 0 0 0 0 0 0 0 ]})}`)
	f.Add(`{BOOLEXPR :boolop not :args ({CONST :consttype 16 :constisnull false :constvalue 1 [ 0 0 0 0 0 0 0 0 ]})}`)
	f.Add(`{SUBLINK :subLinkType 2 :testexpr {OPEXPR :args ({VAR :varno 3} {PARAM :paramid 1})} :subselect {QUERY :x \{ \) }}`)
	f.Fuzz(func(t *testing.T, s string) {
		viewBase(s)
		a := parseQuals(s).selects()
		if b := parseQuals(s).selects(); a != b {
			t.Fatalf("%q: %v then %v", s, a, b)
		}
	})
}
