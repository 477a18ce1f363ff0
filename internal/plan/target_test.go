package plan

import (
	"testing"
)

// targetCases are files whose ALTER TABLE, UPDATE or DELETE names its
// table by a name that is not the live table's name before the file, or
// that another table shares: the rules judge the table the name resolves
// to in the session when the statement starts (by OID), on a real server.
// Each runs after TestPlanRules' pending files, in the same shadow.
var targetCases = []liveCase{
	// The brief's case: a scan of a live table renamed earlier in the
	// same file was missed (the server's message names it as it is now).
	{name: "renamed_check", sql: "SET lock_timeout = '5s';\nALTER TABLE users RENAME TO accounts_r;\nALTER TABLE accounts_r ADD CONSTRAINT r_id_pos CHECK (id > 0);\nALTER TABLE accounts_r RENAME TO users;",
		want: []string{"constraint-validated@users:3"}},
	// Every rule that reads the statement's table, after a rename; and
	// a file with its own BEGIN/COMMIT, traced statement by statement.
	{name: "renamed_rules", sql: "SET lock_timeout = '5s';\nALTER TABLE orders RENAME TO orders_r;\nALTER TABLE orders_r ALTER COLUMN user_id SET NOT NULL;\nUPDATE orders_r SET total = 0;\nALTER TABLE orders_r DROP COLUMN seq;\nALTER TABLE orders_r ALTER COLUMN total TYPE numeric;\nALTER TABLE orders_r RENAME TO orders;",
		want: []string{"column-type-change@orders:6", "drop-column@orders:5", "set-not-null-scan@orders:3", "table-rewrite@orders:6", "whole-table-update@orders:4"}},
	{name: "renamed_tx", sql: "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE accounts RENAME TO accounts_t;\nALTER TABLE accounts_t ADD CONSTRAINT t_bal CHECK (balance > -5);\nDELETE FROM accounts_t;\nALTER TABLE accounts_t RENAME TO accounts;\nCOMMIT;",
		want: []string{"constraint-validated@accounts:4", "whole-table-delete@accounts:5"}},
	// A temporary table named like the live one the file locked: pg_temp
	// comes first in search_path, so these act on it, not on the live
	// items. They were reported as the live table's.
	{name: "temp_shadow", sql: "SET lock_timeout = '5s';\nLOCK TABLE items IN ROW EXCLUSIVE MODE;\nCREATE TEMP TABLE items (id int, qty int, sku text) ON COMMIT DROP;\nALTER TABLE items ADD CONSTRAINT t_qty CHECK (qty > 0);\nALTER TABLE items ALTER COLUMN sku SET NOT NULL;\nUPDATE items SET qty = 1;\nDELETE FROM items;\nALTER TABLE items DROP COLUMN qty;\nALTER TABLE items ALTER COLUMN id TYPE bigint;"},
	// The live table named past the temporary one keeps its findings.
	{name: "temp_shadow_qualified", sql: "SET lock_timeout = '5s';\nCREATE TEMP TABLE items (id int, qty int) ON COMMIT DROP;\nALTER TABLE public.items ADD CONSTRAINT p_qty CHECK (qty > -1);\nALTER TABLE items ADD CONSTRAINT t_qty2 CHECK (qty > 0);",
		want: []string{"constraint-validated@items:3"}},
	// Schema-qualified targets, a table of each name locked: each
	// finding names the table the statement named.
	{name: "schema_setup", sql: "SET lock_timeout = '5s';\nCREATE SCHEMA s3;\nCREATE TABLE s3.users (id int, nick text);\nCREATE TABLE s3.\"we'ird\\\" (id int);"},
	{name: "schema_qualified", sql: "SET lock_timeout = '5s';\nALTER TABLE s3.users ADD COLUMN note text;\nALTER TABLE public.users ADD COLUMN nick2 text;\nALTER TABLE s3.users ADD CONSTRAINT s3_id CHECK (id > 0);\nALTER TABLE public.users ALTER COLUMN nick2 SET NOT NULL;\nUPDATE s3.users SET note = 'x';",
		want: []string{"constraint-validated@s3.users:4", "set-not-null-scan@users:5", "whole-table-update@s3.users:6"}},
	// A search_path the file sets: users is s3.users from line 4 on,
	// while the live public.users is locked too.
	{name: "search_path", sql: "SET lock_timeout = '5s';\nLOCK TABLE public.users IN ROW EXCLUSIVE MODE;\nSET search_path = s3, public;\nALTER TABLE users ADD CONSTRAINT s3_id2 CHECK (id > 1);\nUPDATE users SET nick = 'x';\nSET search_path = public;\nALTER TABLE users ADD CONSTRAINT p_id2 CHECK (id > 1);",
		want: []string{"constraint-validated@s3.users:4", "constraint-validated@users:7", "whole-table-update@s3.users:5"}},
	// A name with a quote and a backslash, read while the file has
	// standard_conforming_strings off: the read's literal holds.
	{name: "quoted_name", sql: "SET lock_timeout = '5s';\nSET standard_conforming_strings = off;\nALTER TABLE s3.\"we'ird\\\" ADD CONSTRAINT w_ck CHECK (id > 0);\nSET standard_conforming_strings = on;",
		want: []string{"constraint-validated@s3.we'ird\\:3"}},
	// A statement that names no table (a DO block) is still matched by
	// the message's name among the tables it locked.
	{name: "do_block_kept", sql: "SET lock_timeout = '5s';\nDO $$ BEGIN ALTER TABLE items ALTER COLUMN sku SET NOT NULL; END $$;",
		want: []string{"set-not-null-scan@items:2"}},
}

// TestPlanTargetsByOID checks that the table an ALTER TABLE, UPDATE or
// DELETE names, and the server's "verifying table" message about it, are
// matched by OID: a table renamed earlier in the file keeps its findings,
// a temporary table named like a live one gets none of the live one's,
// and schema-qualified names and a file's search_path find their own
// table.
func TestPlanTargetsByOID(t *testing.T) {
	t.Parallel()
	checkLiveCases(t, targetCases)
}
