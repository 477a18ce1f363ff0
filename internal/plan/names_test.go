package plan

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pgtest"
	"github.com/dbguard/dbguard/internal/sqlscan"
)

// namesCases are files that build an index on a new table named like a
// live, locked one in another schema (the server's messages name both
// without their schema), and the true findings next to them. Each runs
// after TestPlanRules' pending files, in the same shadow.
// liveCase is a pending file run against rulesLive's live database and
// the findings it must give (danger and warning only).
type liveCase struct {
	name, sql string
	want      []string // rule@relation:line, sorted
}

var namesCases = []liveCase{
	// The brief's case: the file locks the live public.users, then
	// CREATE TABLE s2.users builds s2.users_pkey; it was reported as
	// "builds index users_pkey on users".
	{name: "pkey_other_schema", sql: "SET lock_timeout = '5s';\nCREATE SCHEMA s2;\nALTER TABLE users ADD COLUMN nick text;\nCREATE TABLE s2.users (id bigserial PRIMARY KEY);"},
	// A CREATE INDEX on the new table, named as no live index is.
	{name: "index_other_schema", sql: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN memo text;\nCREATE TABLE s2.orders (id bigint, total int);\nCREATE INDEX orders_total_s2 ON s2.orders (total);"},
	// Files with their own BEGIN/COMMIT are traced statement by
	// statement: the same.
	{name: "pkey_other_schema_tx", sql: "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE tags ADD COLUMN memo text;\nCREATE TABLE s2.tags (id bigserial PRIMARY KEY);\nCOMMIT;"},
	// The true findings stay: the live table's own build, next to a new
	// table of the same name.
	{name: "live_index_kept", sql: "SET lock_timeout = '5s';\nCREATE TABLE s2.items (id bigserial PRIMARY KEY);\nCREATE INDEX items_qty_idx ON items (qty);",
		want: []string{"index-not-concurrent@items:3"}},
	// The same index name in both schemas, the other schema's first:
	// only the live table's build is reported.
	{name: "same_index_name", sql: "SET lock_timeout = '5s';\nALTER TABLE accounts ADD COLUMN memo text;\nCREATE TABLE s2.accounts (id int, note text);\nCREATE INDEX acc_note_idx ON s2.accounts (note);\nCREATE INDEX acc_note_idx ON accounts (note);",
		want: []string{"index-not-concurrent@accounts:5"}},
	{name: "same_index_name_tx", sql: "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE events ADD COLUMN memo text;\nCREATE TABLE s2.events (id int, kind text);\nCREATE INDEX ev_kind_idx ON events (kind);\nCREATE INDEX ev_kind_idx ON s2.events (kind);\nCOMMIT;",
		want: []string{"index-not-concurrent@events:5"}},
	// A primary key added to the live table by the same name a new
	// table's key has.
	{name: "pkey_live_kept", sql: "SET lock_timeout = '5s';\nCREATE TABLE s2.empty_a (id int PRIMARY KEY);\nALTER TABLE tag_links ADD COLUMN id bigserial;\nALTER TABLE tag_links ADD CONSTRAINT empty_a_pkey PRIMARY KEY (id);",
		want: []string{"index-not-concurrent@tag_links:4", "table-rewrite@tag_links:3"}},
	// Attempts to hide a true build behind the lookup by OID: one
	// statement building the same index name on the live table and on a
	// new one, and the live table's index renamed after its build and its
	// name given to a new table's index. Both stay reported.
	{name: "do_block_both", sql: "SET lock_timeout = '5s';\nDO $$ BEGIN CREATE INDEX ix_both ON users (name); CREATE TABLE s2.t_both (id int); CREATE INDEX ix_both ON s2.t_both (id); END $$;",
		want: []string{"index-not-concurrent@users:2"}},
	{name: "renamed_later", sql: "SET lock_timeout = '5s';\nCREATE INDEX ix_ren ON orders (total);\nALTER INDEX ix_ren RENAME TO ix_ren2;\nCREATE TABLE s2.t_ren (id int);\nCREATE INDEX ix_ren ON s2.t_ren (id);",
		want: []string{"index-not-concurrent@orders:2"}},
}

// TestPlanNamesBySchema checks that the plan judges an index build by the
// index's own table (by OID), not by the table's bare name, on a real
// server: a new table named like a live one in another schema gets no
// finding of the live one's, and every true finding stays.
func TestPlanNamesBySchema(t *testing.T) {
	t.Parallel()
	checkLiveCases(t, namesCases)
}

// checkLiveCases plans every case's file as one more pending migration
// of rulesLive's and compares each file's findings with its want.
func checkLiveCases(t *testing.T, cases []liveCase) {
	t.Helper()
	more := make([]string, len(cases))
	for i, c := range cases {
		more[i] = c.sql
	}
	co, cfg, mig, _ := rulesLive(t, more)
	rep, err := Run(context.Background(), Options{Connect: co, Config: cfg, Dir: mig})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		file := fmt.Sprintf("%06d_more.up.sql", len(pending)+2+i)
		var got []string
		for _, f := range rep.Findings {
			if filepath.Base(f.File) == file && (f.Severity == Danger || f.Severity == Warning) {
				got = append(got, fmt.Sprintf("%s@%s:%d", f.Rule, f.Relation, f.Line))
			}
		}
		slices.Sort(got)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s (%s): findings %v, want %v", c.name, file, got, c.want)
		}
	}
}

// TestIdentAsServer checks sqlscan's reading of an identifier against the
// server's: the column name PostgreSQL gives SELECT 1 AS <ident>.
func TestIdentAsServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, ident := range []string{
		`users`, `Users`, `USERS`, `"Users"`,
		`"a"""`, `"""a"`, `""""`, `"a""b"`,
		`ÄB`, `"ÄB"`, `straße`, `ÉTÉ_x`, `İx`,
		`U&"d\0061ta"`, `u&"\00C4B"`, `U&"a!0062" UESCAPE '!'`, `U&"\+01F600x"`, `U&"\\x"`, `U&"x""y"`,
		strings.Repeat("a", 70), `"` + strings.Repeat("B", 70) + `"`, strings.Repeat("é", 40), strings.Repeat("x", 62) + "é",
	} {
		rows, err := conn.Query(ctx, "SELECT 1 AS "+ident)
		if err != nil {
			t.Fatalf("%s: %v", ident, err)
		}
		server := rows.FieldDescriptions()[0].Name
		rows.Close()
		ts := sqlscan.Tokens(ident)
		if len(ts) != 1 {
			t.Errorf("%s: %d tokens, want 1", ident, len(ts))
			continue
		}
		if got := ts[0].Name(); got != server {
			t.Errorf("%s: Name() %q, the server %q", ident, got, server)
		}
	}
}
