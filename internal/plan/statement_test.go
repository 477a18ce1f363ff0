package plan

import (
	"fmt"
	"testing"
)

// TestStatementShapes checks what the data-loss and required-column rules
// read from a statement's text.
func TestStatementShapes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sql, want string
	}{
		{`ALTER TABLE IF EXISTS ONLY app."Users" DROP COLUMN a, DROP b, DROP CONSTRAINT c, ALTER COLUMN d DROP DEFAULT`, `app Users drop=[a b] req=[] val=`},
		{"ALTER TABLE t DROP COLUMN IF EXISTS x -- DROP COLUMN y\n", `"" t drop=[x] req=[] val=`},
		{`ALTER TABLE t ADD COLUMN a text NOT NULL, ADD b int NOT NULL DEFAULT 0, ADD c bigserial, ADD d int NOT NULL GENERATED ALWAYS AS IDENTITY, ADD CONSTRAINT k CHECK (e IS NOT NULL)`, `"" t drop=[] req=[a] val=`},
		{`ALTER TABLE orders VALIDATE CONSTRAINT "users_Orders_fk"`, `"" orders drop=[] req=[] val=users_Orders_fk`},
	} {
		a, ok := parseAlter(tc.sql)
		got := fmt.Sprintf("%q %s drop=%v req=%v val=%s", a.schema, a.name, a.droppedColumns(), a.requiredColumns(), a.validated())
		if a.schema != "" {
			got = fmt.Sprintf("%s %s drop=%v req=%v val=%s", a.schema, a.name, a.droppedColumns(), a.requiredColumns(), a.validated())
		}
		if !ok || got != tc.want {
			t.Errorf("parseAlter(%q) = %s (%v), want %s", tc.sql, got, ok, tc.want)
		}
	}
	for _, tc := range []struct {
		sql, want string
	}{
		{"UPDATE accounts SET note = 'x'", "UPDATE accounts where=false"},
		{"UPDATE ONLY s.accounts SET note = (SELECT 1 WHERE true)", "UPDATE accounts where=false"},
		{"UPDATE accounts SET note = 'x' WHERE id < 5", "UPDATE accounts where=true"},
		{"DELETE FROM logs", "DELETE logs where=false"},
		{"DELETE FROM logs WHERE id IN (SELECT id FROM logs LIMIT 10)", "DELETE logs where=true"},
	} {
		v, _, name, where, ok := dmlTarget(tc.sql)
		if got := fmt.Sprintf("%s %s where=%v", v, name, where); !ok || got != tc.want {
			t.Errorf("dmlTarget(%q) = %s, want %s", tc.sql, got, tc.want)
		}
	}
	for sql, want := range map[string]string{
		"LOCK TABLE a IN SHARE MODE": "ShareLock",
		"LOCK a":                     "AccessExclusiveLock",
		"LOCK TABLE a, b IN SHARE ROW EXCLUSIVE MODE": "ShareRowExclusiveLock",
		"LOCK TABLE a IN ROW EXCLUSIVE MODE NOWAIT":   "RowExclusiveLock",
		"SELECT 1": "",
	} {
		if got := lockTableMode(sql); got != want {
			t.Errorf("lockTableMode(%q) = %q, want %q", sql, got, want)
		}
	}
}
