package plan

import (
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbguard/dbguard/internal/sqlscan"
)

// The table an ALTER TABLE, UPDATE or DELETE acts on is the one its name
// resolves to in the session when it starts: after the file's own
// renames, its temporary tables (pg_temp comes first in search_path), and
// its SET search_path. Matched by name against the relations known before
// the file, a table renamed earlier in the file was missed (ALTER TABLE
// users RENAME TO accounts; ALTER TABLE accounts ADD CONSTRAINT ... CHECK
// scans the live users) and a temporary table named like a live one got
// the live one's findings. So the trace asks the server: a read sent just
// before such a statement, in the same round trip, gives the OID its name
// resolves to (pg_catalog.to_regclass, which runs no user code and takes
// no lock), and the rules judge that relation.

// target is what the trace knows of the relation a statement names.
type target struct {
	ts []tok // the statement's tokens (nil: not read yet)
	// read: the OID below was read from the server before the statement
	// ran; else the rules match the name among the locked relations, as
	// before.
	read bool
	oid  int64 // 0: the name resolved to no relation
	// scans: the relation's scans (scansOf) just before the statement,
	// -1 unknown: the baseline of its count for the statement, whatever
	// an earlier scan no locks read saw (one whose lock a
	// subtransaction's rollback released) left behind.
	scans int64
}

// targetName is the table an ALTER TABLE, UPDATE or DELETE names, with the
// statement's tokens: ok is false for any other statement.
func targetName(st sqlscan.Statement) (ts []tok, sch, name string, ok bool) {
	if len(st.Words) == 0 {
		return nil, "", "", false
	}
	switch st.Words[0] {
	case "ALTER", "UPDATE", "DELETE", "EXPLAIN", "WITH":
	default:
		return nil, "", "", false
	}
	ts = tokens(st.Text)
	if a, ok := alterOf(ts); ok {
		return ts, a.schema, a.name, true
	}
	if _, sch, name, _, ok := dmlTargetOf(ts); ok {
		return ts, sch, name, true
	}
	return ts, "", "", false
}

// targetColumn names the single column of the target read, after the
// run's marker: a file cannot know it, so a result of the file's own
// cannot pass for the read without pushing the read out of its place.
func (t *tracer) targetColumn() string {
	return "dbguard_target_" + strings.TrimPrefix(t.marker, "dbguard_locks_")
}

// targetRead is the query that resolves a statement's table name in the
// session, as the statement will, to its OID (NULL: no such relation).
// The name goes in an escape string (E'...'), whose backslashes mean the same
// whatever standard_conforming_strings a file set.
func (t *tracer) targetRead(sch, name string) string {
	t.chooseMarker()
	id := pgx.Identifier{name}
	if sch != "" {
		id = pgx.Identifier{sch, name}
	}
	lit := strings.NewReplacer(`\`, `\\`, `'`, `''`, "\x00", "").Replace(id.Sanitize())
	return "SELECT r::pg_catalog.int8 AS " + pgx.Identifier{t.targetColumn()}.Sanitize() +
		", pg_catalog.pg_stat_get_numscans(r) OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_numscans(r) FROM (SELECT pg_catalog.to_regclass(E'" + lit + "'::pg_catalog.text)::pg_catalog.oid AS r) x"
}

// isTargetRead reports whether a result's columns are the target read's.
func (t *tracer) isTargetRead(fds []pgconn.FieldDescription) bool {
	return len(fds) == 2 && fds[0].Name == t.targetColumn()
}

// readTarget reads the target read's result: the OID, 0 for NULL.
func readTarget(rows [][][]byte) (int64, bool) {
	if len(rows) != 1 || len(rows[0]) != 2 {
		return 0, false
	}
	if rows[0][0] == nil {
		return 0, true
	}
	oid, err := strconv.ParseInt(string(rows[0][0]), 10, 64)
	return oid, err == nil
}

// targetScans reads the target read's scans column: -1 when unknown.
func targetScans(rows [][][]byte) int64 {
	if len(rows) != 1 || len(rows[0]) != 2 || rows[0][1] == nil {
		return -1
	}
	n, err := strconv.ParseInt(string(rows[0][1]), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// known reports whether the statement's table is known by OID: read, and
// resolved to a relation. A name that resolved to none is one the trace
// read otherwise than the server (the statement would fail on a table
// that does not exist, or do nothing under IF EXISTS): ALTER TABLE ONLY
// (orders) was read as a table named "(", and its foreign key's scan of
// the live orders, which 7ab1d57 reported by the constraint's table, was
// taken for a new table's (s13-review6c). Such a statement is matched by
// name, as before the reads.
func (tg target) known() bool { return tg.read && tg.oid != 0 }

// table is the relation a statement names, among the relations it holds a
// lock on that existed before the file: by the OID read before it ran,
// else by its name (schema-qualified when the statement qualifies it).
func (tg target) table(locked map[int64]rel, sch, name string) (int64, rel, bool) {
	if !tg.known() {
		return matchRel(locked, sch, name)
	}
	b, ok := locked[tg.oid]
	if !ok || !isTable(b.kind) {
		return 0, rel{}, false
	}
	return tg.oid, b, true
}

// readTarget2 is readTarget and targetScans.
func readTarget2(rows [][][]byte) (int64, bool, int64) {
	oid, ok := readTarget(rows)
	return oid, ok, targetScans(rows)
}
