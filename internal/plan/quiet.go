package plan

import (
	"bytes"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/sqlscan"
)

// The trace runs with client_min_messages = debug1 because three of the
// server's debug messages feed rules: "building index X on table T",
// "verifying table T" and "validating foreign key constraint C"
// (statementFindings, whole). Every debug message costs the server a
// flush and the client a wake-up (plan135: 810 a plan, six a file, none of
// them read by a rule), so a traced file's batch lowers the level to
// notice around the statements whose debug messages provably cannot feed
// a rule (quiet), and raises it again before the next one.
//
// A message can feed a rule only through a relation known before the file
// (statementFindings looks the named table up among the relations the
// transaction locked, by name; constraintTable among the same). A quiet
// statement runs no code of the repository's (see quietAllowed) and its
// debug messages name only the table it creates or indexes, a table new
// in this file, and that table's TOAST table (pg_toast_N): so it is quiet
// when no relation known before the file has either name.
//
// The statements:
//   - CREATE [UNLOGGED] TABLE [IF NOT EXISTS] name ( ... ), with nothing
//     after the parentheses and none of LIKE, INHERITS, PARTITION, EXCLUDE,
//     REFERENCES, FOREIGN in them, and no generated column (its
//     expression is simplified when the table is made, running an
//     immutable function of constants): no other relation is read, locked
//     or indexed, and the table is empty, so its DEFAULT and CHECK
//     expressions are stored, never run (TestQuietCreateRunsNoCode);
//   - CREATE [UNIQUE] INDEX [name] ON table (col [ASC|DESC] [NULLS
//     FIRST|LAST], ...) [INCLUDE (col, ...)], on a table a quiet CREATE
//     TABLE of the same run made, named the same way: no expression, no
//     operator class, no predicate, an empty table. An unqualified name
//     is looked up in pg_temp first: a temporary table of that name with
//     partitions would have its partitions indexed too (their names are
//     not the table's), so a batch with a quiet index ends with a guard
//     that fails (and the file is traced again one statement at a time,
//     at debug1) when the session has a temporary partitioned table.
//
// Nothing else is quiet. When unsure, the messages are read.
//
// Nor does a quiet statement lock, rewrite or drop a relation known before
// the file (it reads none, and makes or indexes a new table), or change a
// setting: the locks read after it would return the rows of the read
// after the statement before it. So a quiet statement right after one
// whose locks were read has no read of its own; its rows are that one's
// (TestQuietCreateRunsNoCode compares pg_locks around each). A read also
// keeps each statement's results in their place when the server could
// split the text otherwise than sqlscan did (see locksNothing), so only a
// statement that every lexing reads alike goes without: no backslash (the
// quiet forms have none) and no comment (readsAlike).

// quietCheck is the query that says whether no code but the server's own
// can run in a quiet statement: no event trigger (they run a function
// after any DDL), and the session's role is not a superuser and cannot
// become one (SET ROLE) or call a superuser's SECURITY DEFINER function,
// so no event trigger can be made during the plan (only a superuser can),
// and no type, operator class or access method whose functions are C (only
// a superuser can make one): what remains a non-superuser can make (SQL
// and PL/pgSQL functions, domains, enums, composite and range types) runs
// in a CREATE TABLE or CREATE INDEX only on rows or in a constant folded
// by the planner, and a quiet statement has neither. The sandbox's role is
// such a role; a schema.shadow_url session as a superuser keeps every
// message.
const quietCheck = `SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger)
	AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolsuper AND (pg_catalog.pg_has_role(SESSION_USER, r.oid, 'MEMBER') OR pg_catalog.pg_has_role(CURRENT_USER, r.oid, 'MEMBER')))
	AND NOT EXISTS (SELECT FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) p.proowner WHERE p.prosecdef AND r.rolsuper)`

// quietTempCheck is what the read of what changed (changedSQL) checks at
// the end of a batch with a quiet CREATE INDEX (its parameter $4): a
// partitioned table in the session's temporary schema fails the batch.
// Until 139e3a89 the guard searched pg_class for relkind 'p' in
// pg_my_temp_schema(), a scan of the whole catalog (pg_class has no index
// on relnamespace: 1,200 rows and 0.13 ms in plan135's shadow, for every
// file). A partitioned table is exactly a relation with a row in
// pg_partitioned_table (tables only: a partitioned index has none), so
// the search starts there, from a catalog that is empty in most shadows,
// and reads pg_class by oid; and only when the session has a temporary
// schema, which it has from its first temporary object on
// (pg_my_temp_schema() is 0 before; AND reads its operands left to right,
// and the search is an InitPlan, run when first asked).
const quietTempCheck = `$4 AND pg_catalog.pg_my_temp_schema() OPERATOR(pg_catalog.<>) '0'::pg_catalog.oid AND EXISTS (SELECT FROM pg_catalog.pg_partitioned_table pt JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) pt.partrelid WHERE c.relnamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema())`

// quietMessages can be set false by tests: every statement then runs at
// debug1, as before the quiet statements were known.
var quietMessages = true

// messagesSettings finds a file that may change what the session's
// messages are or how its strings are read: client_min_messages set or
// reset (RESET ALL, DISCARD, a function's SET clause), or
// standard_conforming_strings and its kin, which change how the server
// splits a batch that sqlscan split (see locksNothing). From such a file
// on, every statement of the plan is traced at debug1, exactly as before:
// lowering and raising the level around quiet statements would undo what
// the file set.
var messagesSettings = lazyre.New(`(?i)client_min_messages|standard_conforming_strings|escape_string_warning|backslash_quote|\bRESET\s+ALL\b|\bDISCARD\b`)

// changesMessages is messagesSettings.MatchString(text), in time a
// regexp's NFA does not take: a case-insensitive alternation has no
// literal prefix to search for, and on a 3.9 MB file it was a third of
// the plan's client CPU. An ASCII text is searched for the four names
// in lower case (the server folds ASCII only), and for RESET ALL and
// DISCARD as whole words; any other text (a non-ASCII letter may fold to
// an ASCII one in the regexp) goes to the regexp.
func changesMessages(text string) bool {
	low := make([]byte, len(text))
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= 0x80:
			return messagesSettings.MatchString(text)
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		low[i] = c
	}
	for _, name := range []string{"client_min_messages", "standard_conforming_strings", "escape_string_warning", "backslash_quote"} {
		if bytes.Contains(low, []byte(name)) {
			return true
		}
	}
	// \bDISCARD\b and \bRESET\s+ALL\b at each place the word stands
	// (pg_stat_reset() is in many files: the regexp on every such text
	// cost as much as before).
	word := func(c byte) bool { return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' }
	at := func(w string, from int) int {
		i := bytes.Index(low[from:], []byte(w))
		if i < 0 {
			return -1
		}
		return from + i
	}
	for i := at("discard", 0); i >= 0; i = at("discard", i+1) {
		if (i == 0 || !word(low[i-1])) && (i+7 == len(low) || !word(low[i+7])) {
			return true
		}
	}
	for i := at("reset", 0); i >= 0; i = at("reset", i+1) {
		if i > 0 && word(low[i-1]) {
			continue
		}
		k := i + 5
		for k < len(low) && (low[k] == ' ' || low[k] == '\t' || low[k] == '\n' || low[k] == '\f' || low[k] == '\r') {
			k++
		}
		if k > i+5 && bytes.HasPrefix(low[k:], []byte("all")) && (k+3 == len(low) || !word(low[k+3])) {
			return true
		}
	}
	return false
}

// messagesLevel finds a statement that may change client_min_messages: a
// SET or set_config of it (pg_dump's files start with SET
// client_min_messages = warning), RESET ALL, DISCARD. The rules read the
// server's debug messages, so the trace sets debug1 again after it, in the
// same round trip: a file that lowered the level hid its index builds and
// scans, and those of every file after it, from the plan. (Only a name
// built at run time, in a DO block or a function, still can.)
var messagesLevel = lazyre.New(`(?i)client_min_messages|\bRESET\s+ALL\b|\bDISCARD\b`)

// levelAgain is the statement that sets debug1 again after st when st may
// have changed the level (messagesLevel), or "".
func levelAgain(st sqlscan.Statement) string {
	if mayFold(st.Text, "client_min_messages", "reset", "discard") && messagesLevel.MatchString(st.Text) {
		return "SET client_min_messages = debug1;\n"
	}
	return ""
}

// mayFold reports whether text may match a case-insensitive expression
// every match of which holds one of words (ASCII, lower case): a text
// with no byte above ASCII that has none of them in any case cannot
// (regexp's (?i) also folds ſ to s and the Kelvin sign to k, so a text
// with other bytes is left to the expression). The expressions of the
// level (messagesSettings, messagesLevel) cost about 17 ms of backtracking
// a plan135 plan, run on every file and every statement; this scan, about
// one.
func mayFold(text string, words ...string) bool {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= 0x80 {
			return true
		}
		c |= 0x20 // an ASCII letter in lower case; what else changes matches no word's first letter
		for _, w := range words {
			if w[0] == c && len(text)-i >= len(w) && strings.EqualFold(text[i:i+len(w)], w) {
				return true
			}
		}
	}
	return false
}

// quietRun is what the batch knows of the quiet statements since the last
// statement that was not quiet: the tables quiet CREATE TABLEs made, as
// written (schema "" when unqualified).
type quietRun struct {
	tables [][2]string
	// renamed: a statement of the file before this run may have given a
	// relation known before the file a new name (any statement but a
	// quiet one or a plain SET, see locksNothing). Then CREATE TABLE IF
	// NOT EXISTS is not quiet: with the name taken by a live table
	// renamed onto it (ALTER TABLE users RENAME TO u_new, or the same in
	// a DO block), it makes nothing, and the quiet CREATE INDEX after it
	// built a blocking index on the live table at notice level, with the
	// locks read before it as its own (TestQuietIfNotExistsRenamedLiveTable).
	// Without IF NOT EXISTS, a name taken fails the statement.
	renamed bool
}

// quietStatement reports whether st is quiet (see above), given the
// relations known before the file (before, and toast: whether one of them
// is named pg_toast_..., beforeToast), and records a table it creates in
// run. index is true for a quiet CREATE INDEX.
func quietStatement(st sqlscan.Statement, before map[int64]rel, toast bool, run *quietRun) (quiet, index bool) {
	return quietTokens(st, quietTokensOf(st), func(name string) bool { return knownName(before, name) }, toast, run)
}

// quietTokensOf is st's tokens when it may be quiet (a CREATE with no
// backslash or ampersand), else nil: what quietTokens reads.
func quietTokensOf(st sqlscan.Statement) []sqlscan.Token {
	if len(st.Words) < 3 || st.Words[0] != "CREATE" || strings.ContainsAny(st.Text, `\&`) {
		return nil
	}
	return sqlscan.Tokens(st.Text)
}

// quietAsks is the name quietTokens asks known about for st, of tokens ts
// (quietTokensOf): the table a CREATE TABLE makes or a CREATE INDEX
// indexes; false when it asks none.
func quietAsks(st sqlscan.Statement, ts []sqlscan.Token) (string, bool) {
	if ts == nil {
		return "", false
	}
	switch {
	case st.Words[1] == "TABLE" || st.Words[1] == "UNLOGGED":
		_, name, _, ok := quietTable(ts)
		return name, ok
	case st.Words[1] == "INDEX" || st.Words[1] == "UNIQUE":
		_, name, ok := quietIndex(ts)
		return name, ok
	}
	return "", false
}

// quietTokens is quietStatement of st's tokens ts (quietTokensOf), with
// known saying whether a relation known before the file has a name
// (knownName).
func quietTokens(st sqlscan.Statement, ts []sqlscan.Token, known func(string) bool, toast bool, run *quietRun) (quiet, index bool) {
	if ts == nil {
		return false, false
	}
	switch {
	case st.Words[1] == "TABLE" || st.Words[1] == "UNLOGGED":
		if toast {
			return false, false
		}
		sch, name, ifNotExists, ok := quietTable(ts)
		if !ok || known(name) || ifNotExists && run.renamed {
			return false, false
		}
		run.tables = append(run.tables, [2]string{sch, name})
		return true, false
	case st.Words[1] == "INDEX" || st.Words[1] == "UNIQUE":
		sch, name, ok := quietIndex(ts)
		if !ok || !slices.Contains(run.tables, [2]string{sch, name}) || known(name) {
			return false, false
		}
		return true, true
	}
	return false, false
}

// quietTable reads CREATE [UNLOGGED] TABLE [IF NOT EXISTS] name ( ... ).
func quietTable(ts []sqlscan.Token) (sch, name string, ifNotExists, ok bool) {
	i := 1
	if i < len(ts) && ts[i].Upper == "UNLOGGED" {
		i++
	}
	if i >= len(ts) || ts[i].Upper != "TABLE" {
		return "", "", false, false
	}
	i++
	if i+2 < len(ts) && ts[i].Upper == "IF" && ts[i+1].Upper == "NOT" && ts[i+2].Upper == "EXISTS" {
		i, ifNotExists = i+3, true
	}
	if sch, name, i, ok = quietName(ts, i); !ok {
		return "", "", false, false
	}
	if i >= len(ts) || ts[i].Text != "(" || ts[len(ts)-1].Text != ")" || ts[len(ts)-1].Depth != 0 {
		return "", "", false, false
	}
	in := ts[i+1 : len(ts)-1]
	for j, t := range in {
		if t.Depth == 0 {
			return "", "", false, false // more than one parenthesized list
		}
		switch t.Upper {
		case "LIKE", "INHERITS", "PARTITION", "EXCLUDE", "REFERENCES", "FOREIGN":
			return "", "", false, false
		case "GENERATED":
			// An identity column, not a generated one: a generation
			// expression is simplified when the table is made, and an
			// immutable function of constants in it runs then.
			k := j + 1
			if k+1 < len(in) && in[k].Upper == "BY" && in[k+1].Upper == "DEFAULT" {
				k += 2
			} else if k < len(in) && in[k].Upper == "ALWAYS" {
				k++
			} else {
				return "", "", false, false
			}
			if k+1 >= len(in) || in[k].Upper != "AS" || in[k+1].Upper != "IDENTITY" {
				return "", "", false, false
			}
		}
	}
	return sch, name, ifNotExists, true
}

// quietIndex reads CREATE [UNIQUE] INDEX [name] ON table (col [ASC|DESC]
// [NULLS FIRST|LAST], ...) [INCLUDE (col, ...)], returning the table.
func quietIndex(ts []sqlscan.Token) (sch, name string, ok bool) {
	i := 1
	if i < len(ts) && ts[i].Upper == "UNIQUE" {
		i++
	}
	if i >= len(ts) || ts[i].Upper != "INDEX" {
		return "", "", false
	}
	i++
	if i < len(ts) && ts[i].Upper != "ON" {
		if _, _, i, ok = quietName(ts, i); !ok || i > 0 && ts[i-2].Text == "." {
			return "", "", false // an index's name is never qualified
		}
	}
	if i >= len(ts) || ts[i].Upper != "ON" {
		return "", "", false
	}
	if sch, name, i, ok = quietName(ts, i+1); !ok {
		return "", "", false
	}
	if i, ok = quietColumns(ts, i, true); !ok {
		return "", "", false
	}
	if i < len(ts) && ts[i].Upper == "INCLUDE" {
		if i, ok = quietColumns(ts, i+1, false); !ok {
			return "", "", false
		}
	}
	return sch, name, i == len(ts)
}

// quietColumns reads ( col [ASC|DESC] [NULLS FIRST|LAST], ... ) at ts[i]
// (only the column names when !order), returning the index after it.
func quietColumns(ts []sqlscan.Token, i int, order bool) (int, bool) {
	if i >= len(ts) || ts[i].Text != "(" {
		return i, false
	}
	i++
	for {
		if _, _, next, ok := quietName(ts, i); !ok || next != i+1 {
			return i, false // a column: one name, unqualified
		}
		i++
		if order && i < len(ts) && (ts[i].Upper == "ASC" || ts[i].Upper == "DESC") {
			i++
		}
		if order && i+1 < len(ts) && ts[i].Upper == "NULLS" && (ts[i+1].Upper == "FIRST" || ts[i+1].Upper == "LAST") {
			i += 2
		}
		switch {
		case i < len(ts) && ts[i].Text == ",":
			i++
		case i < len(ts) && ts[i].Text == ")":
			return i + 1, true
		default:
			return i, false
		}
	}
}

// quietName reads [schema.]name at ts[i] as the server names it, refusing
// what it cannot fold exactly: an unquoted word with anything but ASCII
// letters, digits, _ and $ (the server folds only ASCII to lower case), and
// a name of 64 bytes or more (the server cuts it).
func quietName(ts []sqlscan.Token, i int) (sch, name string, next int, ok bool) {
	one := func(i int) (string, bool) {
		if i >= len(ts) || ts[i].Text == "" {
			return "", false
		}
		t := ts[i]
		var n string
		switch {
		case t.Word:
			for _, c := range []byte(t.Text) {
				if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$') {
					return "", false
				}
			}
			n = strings.ToLower(t.Text)
		case len(t.Text) > 2 && t.Text[0] == '"' && t.Text[len(t.Text)-1] == '"':
			n = strings.ReplaceAll(t.Text[1:len(t.Text)-1], `""`, `"`)
		default:
			return "", false
		}
		return n, n != "" && len(n) < 64
	}
	first, ok := one(i)
	if !ok {
		return "", "", i, false
	}
	if i+2 < len(ts) && ts[i+1].Text == "." {
		second, ok := one(i + 2)
		if !ok {
			return "", "", i, false
		}
		return first, second, i + 3, true
	}
	return "", first, i + 1, true
}

// readsAlike reports whether a statement's text has no comment: with no
// backslash either (quietStatement), the server splits it where sqlscan
// did, however it reads strings and nested comments.
func readsAlike(st sqlscan.Statement) bool {
	return !strings.Contains(st.Text, "--") && !strings.Contains(st.Text, "/*")
}

// knownName reports whether a relation known before the file has the
// name. A scan, not a set: a set per file, with the collector off below
// 64 MB (cmd/dbguard/gc.go), stayed in the heap (plan135: 3.5 MB).
func knownName(before map[int64]rel, name string) bool {
	for _, r := range before {
		if r.name == name {
			return true
		}
	}
	return false
}

// fileBefore is what a batch asks of the relations known before its file,
// read in one walk of them (walkBefore): floor, the highest oid
// (changedRead), beforeToast, and knownName of the names the file's
// statements may ask about (quietAsks). Five walks of the map per file
// were 13% of the client's CPU in plan135's trace (s14-plan9).
type fileBefore struct {
	from  int64 // floor
	top   int64 // the highest oid
	toast bool  // beforeToast
	// asked are the names known may be asked about, found whether a
	// relation has each: a few, compared in the walk (a set of every name
	// per file stayed in the heap, knownName).
	asked []string
	found []bool
	rels  map[int64]rel
}

// walkBefore reads fileBefore of before in one walk, with the names asked.
func walkBefore(before map[int64]rel, asked []string) fileBefore {
	b := fileBefore{from: catalogOIDs, asked: asked, found: make([]bool, len(asked)), rels: before}
	for oid, r := range before {
		if oid < catalogOIDs {
			b.from = 0
		}
		b.top = max(b.top, oid)
		if !b.toast && strings.HasPrefix(r.name, "pg_toast_") {
			b.toast = true
		}
		for i, n := range asked {
			if r.name == n {
				b.found[i] = true
			}
		}
	}
	return b
}

// known is knownName: from the walk for a name it was asked, else by a
// walk of its own.
func (b *fileBefore) known(name string) bool {
	if i := slices.Index(b.asked, name); i >= 0 {
		return b.found[i]
	}
	return knownName(b.rels, name)
}

// beforeToast reports whether a relation known before a file has a name
// like a TOAST table's (pg_toast_N).
func beforeToast(before map[int64]rel) bool {
	for _, r := range before {
		if strings.HasPrefix(r.name, "pg_toast_") {
			return true
		}
	}
	return false
}
