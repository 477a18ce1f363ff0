package migrate

import (
	"context"
	"strings"
	"time"

	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/sqlscan"
)

// An object a migration creates that the catalog can confirm: a relation
// (table, view, sequence, index), or a column added to one.
type object struct {
	Rel    string // as written: name or schema.name, quoted or not
	Column string // for ADD COLUMN: the column, as written
}

func (o object) String() string {
	if o.Column != "" {
		return o.Rel + "." + o.Column
	}
	return o.Rel
}

const identPat = `(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`

var (
	createRelRE = lazyre.New(`(?is)^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?` +
		`(?:TABLE|VIEW|MATERIALIZED\s+VIEW|SEQUENCE|(?:UNIQUE\s+)?INDEX(?:\s+CONCURRENTLY)?)\s+(?:IF\s+NOT\s+EXISTS\s+)?(` + identPat + `(?:\s*\.\s*` + identPat + `)?)`)
	createTempRE = lazyre.New(`(?i)^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?TEMP`)
	addColumnRE  = lazyre.New(`(?is)^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(` + identPat + `(?:\s*\.\s*` + identPat + `)?)\s+ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(` + identPat + `)`)
)

// tableConstraint are the words after ADD that start a constraint, not a
// column.
var tableConstraint = map[string]bool{"CONSTRAINT": true, "PRIMARY": true, "UNIQUE": true, "FOREIGN": true, "CHECK": true, "EXCLUDE": true}

// createdObjects lists what a migration's text creates that the catalog
// can confirm. Temporary tables are left out (they end with the session).
func createdObjects(text string) []object {
	var out []object
	for _, st := range sqlscan.Split(text) {
		if m := createRelRE.FindStringSubmatch(st.Text); m != nil {
			if !createTempRE.MatchString(st.Text) {
				out = append(out, object{Rel: m[1]})
			}
			continue
		}
		if m := addColumnRE.FindStringSubmatch(st.Text); m != nil && !tableConstraint[strings.ToUpper(m[2])] {
			out = append(out, object{Rel: m[1], Column: m[2]})
		}
	}
	return out
}

// undoing is the part of a migration's text that may undo what an
// earlier one created: its DROP and RENAME statements, lower-cased.
func undoing(text string) string {
	var b strings.Builder
	for _, st := range sqlscan.Split(text) {
		t := strings.ToLower(st.Text)
		if strings.HasPrefix(t, "drop") || strings.Contains(t, "rename") || strings.Contains(t, " drop ") {
			b.WriteString(t)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// undoneLater reports whether a later migration (later: their undoing
// texts) may drop or rename o or its table: then its absence proves
// nothing.
func undoneLater(o object, later []string) bool {
	name := strings.ToLower(unquote(lastPart(o.Rel)))
	col := strings.ToLower(unquote(o.Column))
	for _, t := range later {
		if t != "" && (strings.Contains(t, name) || col != "" && strings.Contains(t, col)) {
			return true
		}
	}
	return false
}

func lastPart(rel string) string {
	rel = strings.TrimSpace(rel)
	if strings.HasSuffix(rel, `"`) {
		if i := strings.LastIndex(rel[:len(rel)-1], `"`); i >= 0 {
			return rel[i:]
		}
	}
	if i := strings.LastIndex(rel, "."); i >= 0 {
		return strings.TrimSpace(rel[i+1:])
	}
	return rel
}

// unquote is an identifier as PostgreSQL stores it: a quoted one as
// written, an unquoted one folded to lower case.
func unquote(id string) string {
	id = strings.TrimSpace(id)
	if len(id) >= 2 && id[0] == '"' && id[len(id)-1] == '"' {
		return strings.ReplaceAll(id[1:len(id)-1], `""`, `"`)
	}
	return strings.ToLower(id)
}

// missingObjects returns the objects of the list the catalog does not
// have, as the migration session's search_path resolves them: one round
// trip, whatever the count (status checks every unrecorded version). Only
// the objects' names go through the search_path: the functions, types,
// operators and pg_attribute that look them up are pg_catalog's, which an
// applied migration may have shadowed (ALTER DATABASE ... SET search_path
// = public, pg_catalog and a public.to_regclass that finds every name).
func (r *Runner) missingObjects(objs []object) ([]object, error) {
	if len(objs) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rels, cols := make([]string, len(objs)), make([]string, len(objs))
	for i, o := range objs {
		rels[i] = dotSpace.Regexp().ReplaceAllString(o.Rel, ".")
		if o.Column != "" {
			cols[i] = unquote(o.Column)
		}
	}
	rows, err := r.db.QueryContext(ctx, `
		SELECT o.i FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.text[])) WITH ORDINALITY AS o(rel, col, i)
		WHERE CASE WHEN o.col OPERATOR(pg_catalog.=) '' THEN pg_catalog.to_regclass(o.rel) IS NULL
			ELSE NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
				WHERE a.attrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(o.rel)
				  AND a.attname OPERATOR(pg_catalog.=) o.col::pg_catalog.name AND NOT a.attisdropped) END
		ORDER BY o.i`, rels, cols)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var missing []object
	for rows.Next() {
		var i int
		if err := rows.Scan(&i); err != nil {
			return nil, err
		}
		missing = append(missing, objs[i-1])
	}
	return missing, rows.Err()
}

var dotSpace = lazyre.New(`\s*\.\s*`)
