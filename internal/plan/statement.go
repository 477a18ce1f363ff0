package plan

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/schema"
	"github.com/dbguard/dbguard/internal/sqlscan"
)

// The rules below the trace read a few statement shapes from the text: the
// table an ALTER TABLE names, the columns it drops or adds, whether an
// UPDATE or DELETE has a WHERE, the mode of a LOCK TABLE. The trace says
// what the server did; the text says what the statement meant by it.

// tok is one token (sqlscan's: strings, dollar-quoted bodies and quoted
// identifiers whole, comments gone): its text, its parenthesis depth and,
// but for strings and quoted identifiers, its upper-cased form.
type tok struct {
	text, up string
	depth    int
}

func tokens(sql string) []tok {
	var out []tok
	for _, t := range sqlscan.Tokens(sql) {
		k := tok{text: t.Text, depth: t.Depth}
		if t.Text[0] != '"' && !t.IsString() {
			k.up = strings.ToUpper(t.Text)
		}
		out = append(out, k)
	}
	return out
}

// ident is a token as the catalog spells the name: unquoted folds to lower
// case, quoted keeps its case.
func ident(t tok) string { return sqlscan.Ident(t.text) }

// qualified reads [schema.]name at ts[i], returning the schema ("" when
// absent), the name and the index after it.
func qualified(ts []tok, i int) (string, string, int) {
	if i >= len(ts) {
		return "", "", i
	}
	if i+2 < len(ts) && ts[i+1].text == "." {
		return ident(ts[i]), ident(ts[i+2]), i + 3
	}
	return "", ident(ts[i]), i + 1
}

// relationExpr reads the grammar's relation_expr at ts[i]: [ONLY]
// [schema.]name [*], or ONLY ( [schema.]name ), returning the schema, the
// name and the index after it. ALTER TABLE ONLY (orders) was read as a
// table named "(" (s13-review6c).
func relationExpr(ts []tok, i int) (string, string, int) {
	if i < len(ts) && ts[i].up == "ONLY" {
		i++
		if i < len(ts) && ts[i].text == "(" {
			sch, name, j := qualified(ts, i+1)
			if j < len(ts) && ts[j].text == ")" {
				return sch, name, j + 1
			}
			return "", "", i
		}
	}
	sch, name, i := qualified(ts, i)
	if i < len(ts) && ts[i].text == "*" {
		i++
	}
	return sch, name, i
}

// alterTable is an ALTER TABLE statement: its table and its actions, each
// the tokens between top-level commas.
type alterTable struct {
	schema, name string
	actions      [][]tok
}

// parseAlter reads ALTER TABLE [IF EXISTS] [ONLY] name [*] action, ...
func parseAlter(sql string) (alterTable, bool) { return alterOf(tokens(sql)) }

// alterOf is parseAlter of a statement's tokens: the rules tokenize each
// statement once for the three readings (about a tenth of the client's CPU
// in a plan135 trace, three times).
func alterOf(ts []tok) (alterTable, bool) {
	if len(ts) < 4 || ts[0].up != "ALTER" || ts[1].up != "TABLE" {
		return alterTable{}, false
	}
	i := 2
	if i+1 < len(ts) && ts[i].up == "IF" && ts[i+1].up == "EXISTS" {
		i += 2
	}
	var a alterTable
	a.schema, a.name, i = relationExpr(ts, i)
	start := i
	for j := i; j <= len(ts); j++ {
		if j == len(ts) || ts[j].depth == 0 && ts[j].text == "," {
			if j > start {
				a.actions = append(a.actions, ts[start:j])
			}
			start = j + 1
		}
	}
	return a, a.name != ""
}

// droppedColumns are the columns an ALTER TABLE's DROP [COLUMN] actions
// remove (not DROP CONSTRAINT, nor ALTER COLUMN ... DROP DEFAULT).
func (a alterTable) droppedColumns() []string {
	var out []string
	for _, act := range a.actions {
		if len(act) < 2 || act[0].up != "DROP" {
			continue
		}
		i := 1
		switch act[i].up {
		case "CONSTRAINT":
			continue
		case "COLUMN":
			i++
		}
		if i+1 < len(act) && act[i].up == "IF" && act[i+1].up == "EXISTS" {
			i += 2
		}
		if i < len(act) {
			out = append(out, ident(act[i]))
		}
	}
	return out
}

// requiredColumns are the columns an ALTER TABLE adds NOT NULL with
// nothing to fill the existing rows: no DEFAULT, no identity, not
// generated, not a serial type.
func (a alterTable) requiredColumns() []string {
	var out []string
	for _, act := range a.actions {
		if len(act) < 3 || act[0].up != "ADD" {
			continue
		}
		i := 1
		if act[i].up == "COLUMN" {
			i++
		}
		if i+2 < len(act) && act[i].up == "IF" && act[i+1].up == "NOT" && act[i+2].up == "EXISTS" {
			i += 3
		}
		switch act[i].up {
		case "CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE":
			continue
		}
		name := ident(act[i])
		notNull, filled := false, false
		for j := i + 1; j < len(act); j++ {
			switch act[j].up {
			case "NOT":
				if j+1 < len(act) && act[j+1].up == "NULL" {
					notNull = true
				}
			case "PRIMARY":
				notNull = true // a primary key is NOT NULL too
			case "DEFAULT", "GENERATED", "SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL4", "SERIAL8", "SERIAL2":
				filled = true
			}
		}
		if notNull && !filled {
			out = append(out, name)
		}
	}
	return out
}

// validated is the constraint a VALIDATE CONSTRAINT action names, or "".
func (a alterTable) validated() string {
	for _, act := range a.actions {
		if len(act) >= 3 && act[0].up == "VALIDATE" && act[1].up == "CONSTRAINT" {
			return ident(act[2])
		}
	}
	return ""
}

// dmlTarget reads UPDATE/DELETE FROM [ONLY] name ..., saying whether a
// WHERE follows at the top level (not inside a subquery).
func dmlTarget(sql string) (verb, sch, name string, where bool, ok bool) {
	return dmlTargetOf(tokens(sql))
}

// dmlTargetOf is dmlTarget of a statement's tokens.
func dmlTargetOf(ts []tok) (verb, sch, name string, where bool, ok bool) {
	if k := explained(ts); k > 0 {
		ts = ts[k:]
	}
	if k := afterWith(ts); k > 0 {
		ts = ts[k:]
	}
	if len(ts) < 2 {
		return "", "", "", false, false
	}
	i := 1
	switch ts[0].up {
	case "UPDATE":
	case "DELETE":
		if ts[1].up != "FROM" {
			return "", "", "", false, false
		}
		i = 2
	default:
		return "", "", "", false, false
	}
	sch, name, i = relationExpr(ts, i)
	for ; i < len(ts); i++ {
		if ts[i].depth == 0 && ts[i].up == "WHERE" {
			where = !alwaysTrue(ts[i+1:], ts[i].depth)
		}
	}
	return ts[0].up, sch, name, where, name != ""
}

// alwaysTrue reports whether a WHERE's condition (ts, up to a RETURNING
// at its depth) is written true for every row: TRUE, or a literal or a
// name equal to itself (1 = 1, 'a' = 'a', id = id), in parentheses or
// joined by AND and OR, or such an atom beside an OR.
// UPDATE users SET age = 1 WHERE true writes every row as UPDATE users
// SET age = 1 does, and was no whole-table-update (s15-review8a). A
// condition naming anything else (a column, a function, a parameter) is a
// filter; this reads only what a file writes as an idiom for none, and
// a condition an EXECUTE leaves open whole (runTimeName), which may be one.
func alwaysTrue(ts []tok, depth int) bool {
	var atoms []tok
	for _, t := range ts {
		if t.depth == depth && t.up == "RETURNING" {
			break
		}
		if t.text == "(" || t.text == ")" {
			continue
		}
		atoms = append(atoms, t)
	}
	if len(atoms) == 0 {
		return false
	}
	literal := func(t tok) bool {
		return t.up == "" && strings.HasPrefix(t.text, "'") || t.text[0] >= '0' && t.text[0] <= '9'
	}
	// trueAt is the length of a true atom at atoms[i]: TRUE (1), or a
	// literal or a name equal to itself (3: 1 = 1, id = id, which only a
	// NULL fails); 0 for none.
	trueAt := func(i int) int {
		switch {
		case atoms[i].up == "TRUE":
			return 1
		case atoms[i].text == `"`+runTimeName+`"`:
			// A condition given whole at run time (EXECUTE format('...
			// WHERE %s', c), '... WHERE ' || c): it may be true, and
			// was read as a boolean column's filter (review9b).
			return 1
		case i+2 < len(atoms) && atoms[i+1].text == "=" && atoms[i+2].text == atoms[i].text && atoms[i].text != "?" && !strings.HasPrefix(atoms[i].text, "$") && atoms[i].up != "NULL":
			if literal(atoms[i]) || atoms[i].up != "" || atoms[i].text[0] == '"' {
				return 3
			}
		}
		return 0
	}
	// A true atom beside an OR makes the condition true (a AND b OR true,
	// active OR true); with the parentheses not read, a AND (b OR true) is
	// taken for true too, a write reported that filters: the rule errs
	// toward the finding (review8g: WHERE active OR true was a filter).
	for i := 0; i < len(atoms); i++ {
		if n := trueAt(i); n > 0 && (i > 0 && atoms[i-1].up == "OR" || i+n < len(atoms) && atoms[i+n].up == "OR") {
			return true
		}
	}
	for i := 0; i < len(atoms); {
		n := trueAt(i)
		if n == 0 {
			return false
		}
		i += n
		if i < len(atoms) {
			if atoms[i].up != "AND" && atoms[i].up != "OR" || i+1 == len(atoms) {
				return false
			}
			i++
		}
	}
	return true
}

// explained is the index of the statement an EXPLAIN ANALYZE runs (EXPLAIN
// ANALYZE [VERBOSE] stmt, EXPLAIN (ANALYZE [true|on|1], ...) stmt), or
// -1: EXPLAIN ANALYZE DELETE FROM users deletes every row as DELETE FROM
// users does, and was no whole-table-delete (7ab1d57 and 4587ec5,
// s13-review6c). A plain EXPLAIN runs nothing.
func explained(ts []tok) int {
	if len(ts) < 3 || ts[0].up != "EXPLAIN" {
		return -1
	}
	analyze := func(w string) bool { return w == "ANALYZE" || w == "ANALYSE" }
	if analyze(ts[1].up) {
		if ts[2].up == "VERBOSE" {
			return 3
		}
		return 2
	}
	if ts[1].text != "(" {
		return -1
	}
	run := false
	for i := 2; i < len(ts); i++ {
		switch {
		case ts[i].text == ")" && ts[i].depth == 0:
			if run {
				return i + 1
			}
			return -1
		case ts[i].depth == 1 && analyze(ts[i].up):
			run = i+1 >= len(ts) || ts[i+1].text == "," || ts[i+1].text == ")" || ts[i+1].up == "TRUE" || ts[i+1].up == "ON" || ts[i+1].text == "1" || strings.EqualFold(ts[i+1].text, "'true'") || strings.EqualFold(ts[i+1].text, "'on'")
		}
	}
	return -1
}

// afterWith is the index of the statement a WITH clause's common table
// expressions stand before (the first UPDATE or DELETE at the top level
// right after a closing parenthesis), or -1: WITH x AS (SELECT 1) DELETE
// FROM users deletes every row too, and was no whole-table-delete (7ab1d57
// and 4587ec5, s13-review6c). A data-modifying expression inside the
// clause (WITH d AS (DELETE FROM users) SELECT 1) is not read.
func afterWith(ts []tok) int {
	if len(ts) < 2 || ts[0].up != "WITH" {
		return -1
	}
	for i := 2; i < len(ts); i++ {
		if ts[i].depth == 0 && (ts[i].up == "UPDATE" || ts[i].up == "DELETE") && ts[i-1].text == ")" && ts[i-1].depth == 0 {
			return i
		}
	}
	return -1
}

// cteWrite is an UPDATE or DELETE inside a WITH clause's expression.
type cteWrite struct {
	verb, sch, name string
	where           bool
}

// cteWrites reads the UPDATE and DELETE statements that are a WITH
// clause's expressions (WITH d AS (DELETE FROM users RETURNING id) SELECT
// ...), each as dmlTargetOf reads a statement: the expression's tokens
// one level up. WITH d AS (DELETE FROM users) SELECT 1 deleted every row
// with no whole-table-delete (7ab1d57 and 4587ec5, s13-review6c).
func cteWrites(ts []tok) []cteWrite {
	if len(ts) < 2 || ts[0].up != "WITH" {
		return nil
	}
	var out []cteWrite
	for i := 1; i+1 < len(ts); i++ {
		if ts[i].depth != 0 || ts[i].text != "(" || (ts[i+1].up != "UPDATE" && ts[i+1].up != "DELETE") {
			continue
		}
		if p := ts[i-1].up; p != "AS" && p != "MATERIALIZED" {
			continue // a column list, not the expression
		}
		j := i + 1
		for j < len(ts) && ts[j].depth > 0 {
			j++
		}
		body := make([]tok, j-i-1)
		for k, t := range ts[i+1 : j] {
			t.depth--
			body[k] = t
		}
		// (The server takes a data-modifying WITH only at the top level.)
		if v, sch, name, where, ok := dmlTargetOf(body); ok {
			out = append(out, cteWrite{verb: v, sch: sch, name: name, where: where})
		}
		i = j
	}
	return out
}

// lockTableMode is the lock a LOCK [TABLE] statement asks for, as pg_locks
// names it ("" when it is not one); with no IN ... MODE it is ACCESS
// EXCLUSIVE.
func lockTableMode(sql string) string { return lockTableModeOf(tokens(sql)) }

// lockTableModeOf is lockTableMode of a statement's tokens.
func lockTableModeOf(ts []tok) string {
	if len(ts) < 2 || ts[0].up != "LOCK" {
		return ""
	}
	var words []string
	in := false
	for _, t := range ts {
		switch {
		case t.up == "IN":
			in = true
		case t.up == "MODE":
			in = false
		case in:
			words = append(words, t.up)
		}
	}
	switch strings.Join(words, " ") {
	case "", "ACCESS EXCLUSIVE":
		return "AccessExclusiveLock"
	case "ACCESS SHARE":
		return "AccessShareLock"
	case "ROW SHARE":
		return "RowShareLock"
	case "ROW EXCLUSIVE":
		return "RowExclusiveLock"
	case "SHARE UPDATE EXCLUSIVE":
		return "ShareUpdateExclusiveLock"
	case "SHARE":
		return "ShareLock"
	case "SHARE ROW EXCLUSIVE":
		return "ShareRowExclusiveLock"
	case "EXCLUSIVE":
		return "ExclusiveLock"
	}
	return ""
}

// matchRel finds, among rels, the table a statement names: by schema and
// name when qualified, else by name.
func matchRel(rels map[int64]rel, sch, name string) (int64, rel, bool) {
	var found int64
	var fr rel
	for oid, r := range rels {
		if !isTable(r.kind) || r.name != name {
			continue
		}
		if sch != "" && r.key != schema.Key(sch, name) {
			continue
		}
		if found == 0 || oid < found {
			found, fr = oid, r
		}
	}
	return found, fr, found != 0
}

// matchWritten is matchRel among the tables the statement wrote: of the
// locked tables of the name (in the schema, when given), the first by oid
// that it scanned (scansOf) holding ROW EXCLUSIVE or stronger; else, when
// none of the name was, the first of the name (a partitioned table, which
// has no scans of its own). A table of the name in another schema that
// the statement only read is not the one it wrote.
func matchWritten(locked map[int64]rel, locks map[int64]string, scanned map[int64]bool, sch, name string) (int64, rel, bool) {
	for _, oid := range slices.Sorted(maps.Keys(locked)) {
		r := locked[oid]
		if !isTable(r.kind) || r.name != name || sch != "" && r.key != schema.Key(sch, name) {
			continue
		}
		if scanned[oid] && strength(locks[oid]) >= strength("RowExclusiveLock") {
			return oid, r, true
		}
	}
	return matchRel(locked, sch, name)
}

// written lists the tables a statement scanned (scansOf) holding ROW
// EXCLUSIVE or stronger, by oid; fresh: only those it took that lock on
// itself (held is what the file held before it).
func written(locked map[int64]rel, held, locks map[int64]string, scanned map[int64]bool, fresh bool) []int64 {
	var out []int64
	for _, oid := range slices.Sorted(maps.Keys(locked)) {
		if !isTable(locked[oid].kind) || !scanned[oid] || strength(locks[oid]) < strength("RowExclusiveLock") {
			continue
		}
		if fresh && strength(held[oid]) >= strength("RowExclusiveLock") {
			continue
		}
		out = append(out, oid)
	}
	return out
}

// prepared records the statement a PREPARE names, by name, for the
// EXECUTEs after it (executed); DEALLOCATE forgets it. Prepared
// statements last as long as the session, across files.
func (t *tracer) prepared(ts []tok) {
	if len(ts) < 2 {
		return
	}
	switch ts[0].up {
	case "PREPARE":
		i := 2
		if i < len(ts) && ts[i].text == "(" {
			for i++; i < len(ts) && !(ts[i].text == ")" && ts[i].depth == ts[1].depth); i++ {
			}
			i++
		}
		if i < len(ts) && ts[i].up == "AS" {
			if t.preparedText == nil {
				t.preparedText = map[string][]tok{}
			}
			t.preparedText[tokName(ts[1])] = ts[i+1:]
		}
	case "DEALLOCATE":
		name := ts[1]
		if name.up == "PREPARE" && len(ts) > 2 {
			name = ts[2]
		}
		if name.up == "ALL" {
			t.preparedText = nil
		} else {
			delete(t.preparedText, tokName(name))
		}
	}
}

// executed is the text of the prepared statement an EXECUTE runs.
func (t *tracer) executed(ts []tok) ([]tok, bool) {
	if len(ts) < 2 || ts[0].up != "EXECUTE" {
		return nil, false
	}
	name := tokName(ts[1])
	if body, ok := t.preparedText[name]; ok {
		return body, ok
	}
	// Prepared where the file's text does not say so (code's EXECUTE
	// 'PREPARE ...' in a DO block or a function): the session knows it,
	// by the text that made it (the query string, or the string code
	// ran), read after the EXECUTE; one deallocated since is not read.
	t.lookups++
	var text string
	if t.conn.QueryRow(context.Background(), `SELECT p.statement FROM pg_catalog.pg_prepared_statements p WHERE p.name OPERATOR(pg_catalog.=) $1::pg_catalog.text`, name).Scan(&text) != nil {
		return nil, false
	}
	for _, st := range sqlscan.Split(text) {
		if ps := tokens(st.Text); len(ps) > 1 && ps[0].up == "PREPARE" && tokName(ps[1]) == name {
			t.prepared(ps)
		}
	}
	body, ok := t.preparedText[name]
	return body, ok
}

// tokName is a name as the server folds it: a quoted one as written, an
// unquoted one in lower case.
func tokName(k tok) string {
	if strings.HasPrefix(k.text, `"`) {
		return strings.ReplaceAll(strings.Trim(k.text, `"`), `""`, `"`)
	}
	return strings.ToLower(k.text)
}

// doWrites reads the UPDATE and DELETE statements a DO block's PL/pgSQL
// body runs as written (its static SQL, an EXECUTE of a string literal,
// and SQL an EXECUTE builds at run time as far as its text says:
// runTimeText), each as dmlTargetOf reads a statement. The shadow's tables
// are empty, so rows cannot tell DO $$ BEGIN UPDATE users SET x = 1; END
// $$, which writes every row, from a batched loop (UPDATE ... WHERE id IN
// (SELECT ... LIMIT 1000) until nothing is left): the text can. A
// statement starts a body, or follows ;, BEGIN, LOOP, THEN, ELSE or a
// label's <<name>>, so FOR UPDATE, ON DELETE and a trigger's BEFORE UPDATE are
// none. SQL a function the block calls runs is read by the trace
// (calledWrites). A block in another LANGUAGE is not read.
func doWrites(ts []tok) []cteWrite {
	body, ok := doBody(ts)
	if !ok {
		return nil
	}
	return bodyWrites(tokens(body), 0)
}

// doBody is a DO block's PL/pgSQL body; false for another statement or
// another LANGUAGE.
func doBody(ts []tok) (string, bool) {
	if len(ts) < 2 || ts[0].up != "DO" {
		return "", false
	}
	var body string
	for i := 1; i < len(ts); i++ {
		switch {
		case ts[i].up == "LANGUAGE":
			if i+1 < len(ts) && !strings.EqualFold(sqlscan.Ident(ts[i+1].text), "plpgsql") && !strings.EqualFold(strings.Trim(ts[i+1].text, "'"), "plpgsql") {
				return "", false
			}
			i++
		case ts[i].up == "":
			if b, ok := sqlscan.StringBody(ts[i].text); ok && body == "" {
				body = b
			}
		}
	}
	return body, true
}

// runTimeName is the table name runTimeText gives a statement built at
// run time where its text leaves the name open (format's %I or %s, a
// piece concatenated in): such a write is judged on every table the
// statement wrote.
const runTimeName = "dbguard: a name given at run time"

// runTimeText is the SQL an EXECUTE's argument (arg, up to its USING or
// INTO) builds, as far as its text says: format('UPDATE %I SET x = %L',
// t, v) is UPDATE "<runTimeName>" SET x = '?', and 'UPDATE ' || t || '
// SET x = 1' is the literals with each other piece a name. EXECUTE
// format('UPDATE %I SET ...', t) in a loop over the tables passed at
// 4596c8b: only a lone literal was read. A piece that is a clause
// (format('... %s', 'WHERE id = 1'), a WHERE concatenated in) reads as a
// name, so such a write is reported: the rule errs toward the finding.
// false when the argument is neither a format of a literal nor pieces
// with a literal among them.
func runTimeText(arg []tok) (string, bool) {
	name := `"` + runTimeName + `"`
	for i, k := range arg {
		if k.depth == arg[0].depth && (k.up == "USING" || k.up == "INTO") {
			arg = arg[:i]
			break
		}
	}
	if len(arg) == 0 {
		return "", false
	}
	base := arg[0].depth
	if len(arg) >= 4 && arg[0].up == "FORMAT" && arg[1].text == "(" && arg[2].up == "" && arg[len(arg)-1].text == ")" {
		tmpl, ok := sqlscan.StringBody(arg[2].text)
		if !ok {
			return "", false
		}
		var b strings.Builder
		for i := 0; i < len(tmpl); i++ {
			if tmpl[i] != '%' {
				b.WriteByte(tmpl[i])
				continue
			}
			// %[n$][-][width]type
			j := i + 1
			for j < len(tmpl) && (tmpl[j] >= '0' && tmpl[j] <= '9' || tmpl[j] == '$' || tmpl[j] == '-' || tmpl[j] == '*') {
				j++
			}
			if j == len(tmpl) {
				return "", false
			}
			switch tmpl[j] {
			case '%':
				b.WriteByte('%')
			case 'L':
				b.WriteString(" '?' ")
			default: // I, s
				b.WriteString(" " + name + " ")
			}
			i = j
		}
		return b.String(), true
	}
	// Pieces joined by ||, at the argument's own depth.
	var b strings.Builder
	literal := false
	for i := 0; i < len(arg); {
		j := i
		for j < len(arg) && !(arg[j].depth == base && arg[j].text == "|" && j+1 < len(arg) && arg[j+1].text == "|") {
			j++
		}
		piece := arg[i:j]
		if len(piece) == 1 && piece[0].up == "" && !strings.HasPrefix(piece[0].text, `"`) {
			if body, ok := sqlscan.StringBody(piece[0].text); ok {
				b.WriteString(body)
				literal = true
			} else {
				b.WriteString(" " + name + " ")
			}
		} else {
			b.WriteString(" " + name + " ")
		}
		i = j + 2
	}
	return b.String(), literal
}

// calls is the names of the functions tokens call (a name followed by
// its parenthesis: f(), s.f(1), PERFORM g(x)), as the catalog spells
// them, each once; keywords before a parenthesis (IF, IN, VALUES) are
// among them and match no function of the repository's.
// notCalls are words a parenthesis follows in SQL where no function is
// called: unquoted, PostgreSQL's grammar lets none of them name one.
var notCalls = []string{"VALUES", "IN", "EXISTS", "ANY", "ALL", "SOME", "ARRAY", "ROW", "AS", "USING", "ON", "AND", "OR", "NOT", "WHERE", "SELECT", "THEN", "ELSE", "WHEN", "CASE", "FROM", "CHECK", "DEFAULT", "UNIQUE", "PRIMARY"}

func calls(ts []tok) []string {
	return callsIn(ts, 0, nil)
}

// callsIn is calls, appending to out, and reading the string literals
// among ts as SQL too, up to 4 strings deep: EXECUTE 'SELECT wipe()' in a
// DO block or a function calls wipe, and its whole-table write passed
// unread (review9b). Any literal is read so: a name in a string that is
// no SQL only costs the catalog query a name more.
func callsIn(ts []tok, depth int, out []string) []string {
	for _, k := range ts {
		if depth < 4 && k.up == "" && !strings.HasPrefix(k.text, `"`) {
			if b, ok := sqlscan.StringBody(k.text); ok && strings.Contains(b, "(") {
				out = callsIn(tokens(b), depth+1, out)
			}
		}
	}
	for i := 0; i+1 < len(ts); i++ {
		if ts[i+1].text != "(" || ts[i].up == "" && !strings.HasPrefix(ts[i].text, `"`) {
			continue
		}
		if c := ts[i].text[0]; ts[i].up != "" && !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80) {
			continue
		}
		// A reserved word before its parenthesis calls nothing, nor does
		// the table of INSERT INTO t (cols) or REFERENCES t (cols): with
		// every statement's calls read (calledWrites), such a name alone
		// would cost an INSERT's trace a catalog query.
		if slices.Contains(notCalls, ts[i].up) || i > 0 && (ts[i-1].up == "INTO" || ts[i-1].up == "REFERENCES") {
			continue
		}
		if n := ident(ts[i]); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// bodyWrites is doWrites of a PL/pgSQL body's tokens; depth counts the
// EXECUTE literals read inside one another (at most 4).
func bodyWrites(ts []tok, depth int) []cteWrite {
	var out []cteWrite
	start := true // a statement may start here
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		if t.depth != 0 {
			start = false
			continue
		}
		if start {
			j := i
			for j < len(ts) && (ts[j].depth != 0 || ts[j].text != ";") {
				j++
			}
			stmt := ts[i:j]
			switch {
			case t.up == "UPDATE" || t.up == "DELETE" || t.up == "WITH":
				if v, sch, name, where, ok := dmlTargetOf(stmt); ok {
					out = append(out, cteWrite{verb: v, sch: sch, name: name, where: where})
				}
				out = append(out, cteWrites(stmt)...)
			case t.up == "EXECUTE" && depth < 4:
				// The literal is the whole statement, in parentheses or
				// not (EXECUTE 'a' || 'b' builds it at run time: not
				// read). EXECUTE ('UPDATE users ...') passed at 17c7eff.
				arg := stmt[1:]
				for len(arg) > 2 && arg[0].text == "(" {
					k, open := 0, 0
					for k = range arg {
						if arg[k].text == "(" {
							open++
						} else if arg[k].text == ")" {
							if open--; open == 0 {
								break
							}
						}
					}
					if open != 0 {
						break
					}
					arg = append(slices.Clone(arg[1:k]), arg[k+1:]...)
				}
				if len(arg) > 0 && arg[0].up == "" && (len(arg) == 1 || arg[1].up == "USING" || arg[1].up == "INTO") {
					if b, ok := sqlscan.StringBody(arg[0].text); ok {
						out = append(out, bodyWrites(tokens(b), depth+1)...)
					}
				} else if b, ok := runTimeText(arg); ok {
					out = append(out, bodyWrites(tokens(b), depth+1)...)
				}
			case t.up == "DO" && depth < 4:
				out = append(out, doWrites(stmt)...) // a block EXECUTE runs
			}
		}
		switch t.up {
		case "BEGIN", "LOOP", "THEN", "ELSE":
			start = true
		default: // a statement's end, a label's (<<name>>: > >)
			start = t.text == ";" || t.text == ">" && i > 0 && ts[i-1].text == ">"
		}
	}
	return out
}
