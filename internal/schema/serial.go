package schema

import (
	"bytes"
	"strconv"
	"strings"
)

// A serial column's default is nextval of its sequence, a regclass
// constant: pg_get_expr writes it nextval('name'::regclass), the name
// as regclassout writes it, which looks the sequence up and, to decide
// whether to qualify it, every schema ahead of its own in the search_path.
// For the 5,000 serial columns of the bench's catalog that was a third of
// the defaults query's server time (docs/performance.md, verify round 7).
// Such a default is recognised by its node tree (serialSequence, on the
// tree every default is sent as) and named by finish from the sequence's name, its
// schema and the relations of the same name ahead of it in the session's
// effective search_path (current_schemas(true): the schemas that exist and
// the role may use, pg_catalog and pg_temp included), as RelationIsVisible
// decides (namespace.c). Anything else is left to pg_get_expr.

// serialCasts are the implicit casts of nextval's bigint to a serial's
// integer (int4(int8), oid 480) and a smallserial's smallint (int2(int8),
// 714), as the column's default holds them: pg_get_expr does not write an
// implicit cast (get_func_expr, showimplicit false, no parentheses
// without pretty printing).
var serialCasts = []string{
	`{FUNCEXPR :funcid 480 :funcresulttype 23 :funcretset false :funcvariadic false :funcformat 2 :funccollid 0 :inputcollid 0 :args (`,
	`{FUNCEXPR :funcid 714 :funcresulttype 21 :funcretset false :funcvariadic false :funcformat 2 :funccollid 0 :inputcollid 0 :args (`,
}

// serialPrefix is how such a call's node tree starts, up to the
// constant's location; serialSequence reads the rest by hand (a regexp
// over 5,000 trees cost more client time than the server saved).
const serialPrefix = `{FUNCEXPR :funcid 1574 :funcresulttype 20 :funcretset false :funcvariadic false :funcformat 0 :funccollid 0 :inputcollid 0 :args ({CONST :consttype 2205 :consttypmod -1 :constcollid 0 :constlen 4 :constbyval true :constisnull false :location `

// serialSequence is the oid of the sequence a serial default's node tree
// names, 0 when tree is not exactly nextval of a regclass constant. The
// constant's Datum is written byte by byte (outDatum: as signed or
// unsigned chars, by the server's platform); only a 64-bit little-endian
// server's layout is read (the oid in the first four bytes, zeros after),
// any other is left to pg_get_expr.
// The tree is read as the row's raw bytes (a string per row was 1.7 MB of
// garbage on the bench's catalog).
func serialSequence(tree []byte) uint32 {
	cast := false
	for _, c := range serialCasts {
		if rest, ok := bytes.CutPrefix(tree, []byte(c)); ok {
			tree, cast = rest, true
			break
		}
	}
	rest, ok := bytes.CutPrefix(tree, []byte(serialPrefix))
	if !ok {
		return 0
	}
	if rest, ok = skipInt(rest); !ok {
		return 0
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(" :constvalue 4 [ ")); !ok {
		return 0
	}
	var oid uint32
	for i := 0; i < 4; i++ {
		j := bytes.IndexByte(rest, ' ')
		if j < 0 {
			return 0
		}
		// As outDatum writes a char: decimal, a sign only when
		// negative (strconv.Atoi alone would take a "+" no server writes).
		if after, ok := skipInt(rest[:j]); !ok || len(after) > 0 {
			return 0
		}
		b, err := strconv.Atoi(string(rest[:j]))
		if err != nil || b < -128 || b > 255 {
			return 0
		}
		oid |= uint32(byte(b)) << (8 * i)
		rest = rest[j+1:]
	}
	if rest, ok = bytes.CutPrefix(rest, []byte("0 0 0 0 ]}) :location ")); !ok {
		return 0
	}
	if rest, ok = skipInt(rest); !ok {
		return 0
	}
	if cast {
		if rest, ok = bytes.CutPrefix(rest, []byte("}) :location ")); !ok {
			return 0
		}
		if rest, ok = skipInt(rest); !ok {
			return 0
		}
	}
	if string(rest) != "}" {
		return 0
	}
	return oid
}

// skipInt is s after the integer it starts with (a location).
func skipInt(s []byte) ([]byte, bool) {
	s = bytes.TrimPrefix(s, []byte("-"))
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[i:], i > 0
}

// serialDefault is a serial column's default, named by finish.
type serialDefault struct {
	dst      *string // the column's Default
	attrdef  uint32  // pg_attrdef's oid, for pg_get_expr if the sequence is gone
	sequence uint32
}

// laterExpr is a default left to pg_get_expr by finish.
type laterExpr struct {
	dst     *string
	attrdef uint32
}

// pathSQL is the session's effective search_path with each schema's
// position, as current_schemas(true) lists it.
const pathSQL = `SELECT pn.oid, s.ord FROM pg_catalog.unnest(pg_catalog.current_schemas(true)) WITH ORDINALITY s(name, ord)
	JOIN pg_catalog.pg_namespace pn ON pn.nspname OPERATOR(pg_catalog.=) s.name`

// sequencesSQL names the sequences $1 (their schema and name, and the
// schema's position in the search_path, NULL when not in it), and lists
// the relations of any kind (get_relname_relid's test) in the schemas of
// the search_path but its last, which may hide a sequence of the same
// name: on a usual search_path pg_catalog's few hundred. One scan of
// pg_class for both (apart, the two were twice the server time); the
// first column says which a row is.
const sequencesSQL = `WITH p AS (` + pathSQL + `)
	SELECT ` + namedSQL + `, c.oid, n.nspname, c.relname, p.ord
	FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
	LEFT JOIN p ON p.oid OPERATOR(pg_catalog.=) c.relnamespace
	WHERE ` + namedSQL + ` OR p.ord OPERATOR(pg_catalog.<) (SELECT pg_catalog.max(p.ord) FROM p)`

// namedSQL is whether c is one of the relations $1, as a hashed subplan:
// as c.oid = ANY ($1), the planner judged each of the thousands of oids
// (20 ms of planning, as long as the query itself; see inRelsSQL).
const namedSQL = `c.oid OPERATOR(pg_catalog.=) ANY (SELECT pg_catalog.unnest($1::pg_catalog.oid[]))`

// exprsSQL deparses the defaults $1 (pg_attrdef oids): without their
// relation, as a default cannot refer to a column (three to four times
// faster), but for an expression with a column reference in it (a VAR
// node: a generated column's), deparsed with the relation for its
// column names.
const exprsSQL = `SELECT d.oid, CASE WHEN pg_catalog.strpos(d.adbin::pg_catalog.text, '{VAR '::pg_catalog.text) OPERATOR(pg_catalog.=) 0
	            THEN pg_catalog.pg_get_expr(d.adbin, 0::pg_catalog.oid) ELSE pg_catalog.pg_get_expr(d.adbin, d.adrelid) END
	FROM pg_catalog.pg_attrdef d WHERE d.oid OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.oid[])`

// exprsManySQL is exprsSQL for many defaults (manyExprs or more): the
// list as one hashed subplan, not judged element by element by the
// planner (see inRelsSQL).
var exprsManySQL = strings.Replace(exprsSQL, "d.oid OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.oid[])", inRelsSQL("d.oid"), 1)

// manyExprs is where exprsManySQL takes over from exprsSQL's index probes.
const manyExprs = 50

// deparseOnce gives each distinct default one pg_attrdef oid to deparse
// it by: trees equal but for their locations (the offset of each node in
// the statement that made it) are deparsed alike, as ruleutils never
// reads a location. " :location " is how outNode writes that field; it
// cannot occur inside a string token, whose spaces outToken escapes. A
// tree with a column reference in it (a VAR node) is deparsed with its
// own relation, so it is its own.
type deparseOnce struct {
	seen map[string]uint32 // tree without locations -> the attrdef to deparse
	buf  []byte
}

func (d *deparseOnce) attrdef(tree []byte, attrdef uint32) uint32 {
	if bytes.Contains(tree, []byte("{VAR ")) {
		return attrdef
	}
	d.buf = withoutLocations(d.buf[:0], tree)
	if first, ok := d.seen[string(d.buf)]; ok {
		return first
	}
	if d.seen == nil {
		d.seen = map[string]uint32{}
	}
	d.seen[string(d.buf)] = attrdef
	return attrdef
}

// withoutLocations appends tree to dst with the value of each location
// field (" :location N") left out. It looks for "location ", whose first
// byte is rarer in a tree than a space or a colon (bytes.Index goes from
// one occurrence of the first byte to the next): about twice as fast on
// the bench's trees (BenchmarkWithoutLocations).
func withoutLocations(dst, tree []byte) []byte {
	const word = "location "
	for {
		i := bytes.Index(tree, []byte(word))
		if i < 0 {
			return append(dst, tree...)
		}
		dst = append(dst, tree[:i+len(word)]...)
		field := i >= 2 && tree[i-2] == ' ' && tree[i-1] == ':'
		tree = tree[i+len(word):]
		if rest, ok := skipInt(tree); ok && field {
			tree = rest
		}
	}
}

// relationsSQL lists, in one scan of pg_class, the relations of the
// schemas $1 that Introspect reads (read: a table, view, materialized
// view or foreign table, not one of the tables $3 in the schema $2), with
// a view's definition, and the relations that finish may name: the
// sequences of the schemas $1, and the relations of any kind in the
// schemas of the search_path but its last, as sequencesSQL lists them,
// each with its schema's position in the search_path (NULL when not in
// it) and whether that is ahead of the last. A second scan of pg_class for finish's names (sequencesSQL) was
// 17 of the ~190 ms of server CPU of a verify of the bench's 5,000 tables.
const relationsSQL = `WITH p AS (` + pathSQL + `)
	SELECT c.oid, n.nspname, c.relname, c.relkind::pg_catalog.text, c.relnatts,
	       CASE WHEN ` + readSQL + ` AND c.relkind OPERATOR(pg_catalog.=) ANY ('{v,m}'::pg_catalog."char"[]) THEN pg_catalog.pg_get_viewdef(c.oid) ELSE '' END,
	       ` + readSQL + `, p.ord, COALESCE(p.ord OPERATOR(pg_catalog.<) (SELECT pg_catalog.max(p.ord) FROM p), false)
	FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
	LEFT JOIN p ON p.oid OPERATOR(pg_catalog.=) c.relnamespace
	WHERE n.nspname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.name[]) AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,v,m,f,S}'::pg_catalog."char"[])
	   OR p.ord OPERATOR(pg_catalog.<) (SELECT pg_catalog.max(p.ord) FROM p)`

// readSQL is whether relationsSQL's c is a relation Introspect reads.
const readSQL = `(n.nspname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.name[]) AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,v,m,f}'::pg_catalog."char"[])
	AND NOT (n.nspname OPERATOR(pg_catalog.=) $2::pg_catalog.name AND c.relname OPERATOR(pg_catalog.=) ANY ($3::pg_catalog.name[])))`

// relNames are the relations relationsSQL read, by oid, and for each name
// the first position in the search_path of a relation so named, for
// regclassName: what sequencesSQL answers, without asking.
type relNames struct {
	rels  map[uint32]sequence
	ahead map[string]int64
}

// has reports whether the relations the serial defaults and foreign keys
// name are all among those read.
func (k relNames) has(serials []serialDefault, fks []foreignKey) bool {
	for _, d := range serials {
		if _, ok := k.rels[d.sequence]; !ok {
			return false
		}
	}
	for _, fk := range fks {
		if _, ok := k.rels[fk.ref]; !ok {
			return false
		}
	}
	return true
}

// sequence is a sequence as sequencesSQL reads it.
type sequence struct {
	schema, name string
	ord          int64 // position in the search_path, 0 for none
}

// nextval is pg_get_expr's text for nextval of seq: the name as
// regclassout writes it (quote_qualified_identifier, qualified unless
// visible), as a literal as simple_quote_literal writes it, then the
// cast (the function's and the type's names: pg_catalog's, first on the
// search_path, so never qualified). ahead holds, for each name, the first position in the search_path
// of a relation so named.
func nextval(seq sequence, ahead map[string]int64, q *identQuoter) string {
	name := regclassName(seq, ahead, q)
	var b strings.Builder
	b.Grow(len(name) + 25)
	b.WriteString(q.quote("nextval")) // quoted with quote_all_identifiers
	b.WriteString("('")
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '\'' || c == '\\' && q.escapeBackslash {
			b.WriteByte(c)
		}
		b.WriteByte(c)
	}
	b.WriteString("'::")
	b.WriteString(q.quote("regclass"))
	b.WriteByte(')')
	return b.String()
}

// regclassName names the relation rel as regclassout and
// generate_relation_name do: quote_qualified_identifier, qualified unless
// visible (RelationIsVisible: its schema is on the search_path and no
// relation of the same name is in a schema ahead of it). ahead holds, for
// each name, the first position in the search_path of a relation so named.
func regclassName(rel sequence, ahead map[string]int64, q *identQuoter) string {
	if first, hidden := ahead[rel.name]; rel.ord == 0 || hidden && first < rel.ord {
		return q.quote(rel.schema) + "." + q.quote(rel.name)
	}
	return q.quote(rel.name)
}
