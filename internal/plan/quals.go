package plan

import (
	"strconv"
	"strings"
)

// A view's WHERE, as its _RETURN rule stores it (nodeToString's text),
// read into a tree: which shapes select some rows and not others. The
// text is the server's own, but names (an alias, a column name) in it
// come from the file that made the view; a text that does not read as a
// tree is taken for no filter, so the write is reported.

// qnode is a node of the tree: its type (OPEXPR, VAR, ...) and fields,
// each a list of values (a *qnode, a []any of values, or a token).
type qnode struct {
	kind   string
	fields map[string][]any
}

// qualsTokens splits a node text as pg_strtok does: white space
// separates tokens, (, ), { and } are tokens of their own, and a
// backslash keeps the next byte in its token.
func qualsTokens(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\r':
			flush()
		case '(', ')', '{', '}':
			flush()
			out = append(out, string(c))
		case '\\':
			if i+1 < len(s) {
				i++
				cur.WriteByte('\\')
				cur.WriteByte(s[i])
			}
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

// qualsParser reads tokens into nodes, with a budget of nodes: a tree
// deeper or larger than any WHERE a migration writes is no filter.
type qualsParser struct {
	ts   []string
	i    int
	left int
}

// parseQuals is the tree of a node text, or nil.
func parseQuals(s string) *qnode {
	p := &qualsParser{ts: qualsTokens(s), left: 100000}
	n, ok := p.node(0)
	if !ok || p.i != len(p.ts) {
		return nil
	}
	return n
}

// node reads {TYPE :field value ... }, ts[i] being its {.
func (p *qualsParser) node(depth int) (*qnode, bool) {
	if p.left--; p.left < 0 || depth > 200 || p.i+1 >= len(p.ts) || p.ts[p.i] != "{" {
		return nil, false
	}
	n := &qnode{kind: p.ts[p.i+1], fields: map[string][]any{}}
	p.i += 2
	field := ""
	for p.i < len(p.ts) {
		t := p.ts[p.i]
		switch {
		case t == "}":
			p.i++
			return n, true
		case strings.HasPrefix(t, ":") && len(t) > 1:
			field = t[1:]
			n.fields[field] = nil
			p.i++
		default:
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			n.fields[field] = append(n.fields[field], v)
		}
	}
	return nil, false
}

// value reads a node, a list ( ... ) or one token.
func (p *qualsParser) value(depth int) (any, bool) {
	switch p.ts[p.i] {
	case "{":
		return p.node(depth)
	case "(":
		p.i++
		var list []any
		for p.i < len(p.ts) && p.ts[p.i] != ")" {
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			list = append(list, v)
		}
		if p.i >= len(p.ts) {
			return nil, false
		}
		p.i++
		return list, true
	case ")", "}":
		return nil, false
	}
	p.i++
	return p.ts[p.i-1], true
}

// token is a field's one token ("" when it is not one).
func (n *qnode) token(field string) string {
	if v := n.fields[field]; len(v) == 1 {
		if s, ok := v[0].(string); ok {
			return s
		}
	}
	return ""
}

// child is a field's one node, or nil.
func (n *qnode) child(field string) *qnode {
	if v := n.fields[field]; len(v) == 1 {
		if c, ok := v[0].(*qnode); ok {
			return c
		}
	}
	return nil
}

// args is a field's list of nodes (an OPEXPR's :args); nil when it holds
// anything else.
func (n *qnode) args(field string) []*qnode {
	v := n.fields[field]
	if len(v) != 1 {
		return nil
	}
	list, ok := v[0].([]any)
	if !ok {
		return nil
	}
	out := make([]*qnode, 0, len(list))
	for _, x := range list {
		c, ok := x.(*qnode)
		if !ok {
			return nil
		}
		out = append(out, c)
	}
	return out
}

// vars is the set of columns (VAR: varno, varattno, varlevelsup) the tree
// under n reads.
func (n *qnode) vars(into map[string]bool) map[string]bool {
	if into == nil {
		into = map[string]bool{}
	}
	if n == nil {
		return into
	}
	if n.kind == "VAR" {
		into[n.token("varno")+"."+n.token("varattno")+"."+n.token("varlevelsup")] = true
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case *qnode:
			x.vars(into)
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	for _, vs := range n.fields {
		for _, v := range vs {
			walk(v)
		}
	}
	return into
}

// outer reports whether the tree under n reads a column of the query one
// level up (a correlated subquery's VAR with :varlevelsup 1).
func (n *qnode) outer() bool {
	for k := range n.vars(nil) {
		if strings.HasSuffix(k, ".1") {
			return true
		}
	}
	return false
}

// selects reports whether a view's WHERE can select some rows of its
// table and not others, or none: a shape known to filter. A column
// compared with something that is not the same columns (age > 60,
// status IN ('a', 'b'), created < updated, lower(email) LIKE '%@x'), a
// boolean column or its NOT, IS NULL, IS TRUE or IS FALSE of a column, a
// function of columns, a subquery that reads the row (id IN (SELECT ...),
// a correlated EXISTS), a constant false or NULL (none), or an AND with
// one of these. What is true for every row is none of them: TRUE, 1 = 1,
// now() IS NOT NULL (no column); x = x, coalesce(x, 0) = coalesce(x, 0),
// x + 0 = x (the same columns on both sides: true but for NULLs); NOT
// false; x IS NOT NULL (of a NOT NULL column); and any OR (x IS NULL OR
// x IS NOT NULL, x < 1 OR x >= 1): an OR is taken for no filter, as in a
// statement's own WHERE (alwaysTrue). A filter of another shape (CASE,
// an OR of real filters) is reported: the rule errs toward the finding.
func (n *qnode) selects() bool {
	if n == nil {
		return false
	}
	switch n.kind {
	case "CONST":
		// false, or NULL (:constvalue <>): selects no row.
		return n.token("constisnull") == "true" || n.token("consttype") == "16" && strings.HasPrefix(strings.Join(tokensOf(n.fields["constvalue"]), " "), "1 [ 0 ")
	case "BOOLEXPR":
		args := n.args("args")
		switch n.token("boolop") {
		case "and":
			for _, a := range args {
				if a.selects() {
					return true
				}
			}
		case "not":
			if len(args) == 1 {
				switch args[0].kind {
				case "VAR", "OPEXPR", "SCALARARRAYOPEXPR", "SUBLINK", "FUNCEXPR":
					return args[0].selects()
				}
			}
		}
		return false
	case "VAR":
		return n.token("varlevelsup") == "0"
	case "NULLTEST":
		// IS NULL (0) of a column; IS NOT NULL (1) may hold for every row.
		return n.token("nulltesttype") == "0" && len(n.child("arg").vars(nil)) > 0
	case "BOOLEANTEST":
		// IS TRUE, IS NOT TRUE, IS FALSE, IS NOT FALSE, IS UNKNOWN of a
		// column, or of a test that filters; IS NOT UNKNOWN (5) is IS NOT
		// NULL. (id = id) IS NOT FALSE reads a column and holds for every
		// row: it filtered at review9b's start.
		arg := n.child("arg")
		if n.token("booltesttype") == "5" || arg == nil {
			return false
		}
		return arg.selects()
	case "OPEXPR", "SCALARARRAYOPEXPR", "DISTINCTEXPR":
		args := n.args("args")
		return len(args) == 2 && twoSides(args[0], args[1])
	case "FUNCEXPR":
		// A boolean function of columns; of two arguments, as an
		// operator: int8eq(id, id), the function of id = id, holds for
		// every row, and filtered at review9b's start.
		if n.token("funcresulttype") != "16" {
			return false
		}
		if args := n.args("args"); len(args) == 2 {
			return twoSides(args[0], args[1])
		}
		return len(n.vars(nil)) > 0
	case "SUBLINK":
		if t := n.child("testexpr"); t != nil && len(t.vars(nil)) > 0 {
			return true // id IN (SELECT ...): the row's id is compared
		}
		if s := n.child("subselect"); s != nil {
			return s.outer() // a correlated EXISTS or subquery
		}
	}
	return false
}

// twoSides reports whether a comparison of l with r can select some rows
// and not others: it reads a column, and not the same columns on both
// sides (x = x, coalesce(x, 0) = coalesce(x, 0) are true but for NULLs).
func twoSides(l, r *qnode) bool {
	lv, rv := l.vars(nil), r.vars(nil)
	if len(lv) == 0 && len(rv) == 0 {
		return false
	}
	if len(lv) != len(rv) {
		return true
	}
	for k := range lv {
		if !rv[k] {
			return true
		}
	}
	return false // the same columns on both sides
}

// tokensOf is the tokens of a field's values.
func tokensOf(vs []any) []string {
	var out []string
	for _, v := range vs {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// viewBase reads a view's _RETURN rule (pg_rewrite.ev_action: a list of
// one QUERY) for the one relation of its FROM (its jointree's one
// RANGETBLREF, whose rtable entry is a relation: its relid) and its WHERE
// (the jointree's quals, nil for none). false for anything else: a join,
// a subquery in FROM, two relations, a text that does not read whole. A
// subquery in the WHERE (id IN (SELECT ... FROM orders)) has its own
// rtable, not the view's: before, the view's relations were those the
// rule depends on, two here, and such a filter was read as none.
func viewBase(action string) (int64, *qnode, bool) {
	p := &qualsParser{ts: qualsTokens(action), left: 100000}
	if len(p.ts) == 0 || p.ts[0] != "(" {
		return 0, nil, false
	}
	v, ok := p.value(0)
	list, _ := v.([]any)
	if !ok || p.i != len(p.ts) || len(list) != 1 {
		return 0, nil, false
	}
	q, _ := list[0].(*qnode)
	if q == nil || q.kind != "QUERY" {
		return 0, nil, false
	}
	jt := q.child("jointree")
	if jt == nil || jt.kind != "FROMEXPR" {
		return 0, nil, false
	}
	from := jt.args("fromlist")
	if len(from) != 1 || from[0].kind != "RANGETBLREF" {
		return 0, nil, false
	}
	idx, err := strconv.Atoi(from[0].token("rtindex"))
	rt := q.args("rtable")
	if err != nil || idx < 1 || idx > len(rt) || rt[idx-1].kind != "RANGETBLENTRY" || rt[idx-1].token("rtekind") != "0" {
		return 0, nil, false
	}
	relid, err := strconv.ParseInt(rt[idx-1].token("relid"), 10, 64)
	if err != nil || relid <= 0 {
		return 0, nil, false
	}
	return relid, jt.child("quals"), true
}
