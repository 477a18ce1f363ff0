package migrate

import (
	"context"
	"regexp"
	"strings"
	"time"

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
	createRelRE = regexp.MustCompile(`(?is)^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?` +
		`(?:TABLE|VIEW|MATERIALIZED\s+VIEW|SEQUENCE|(?:UNIQUE\s+)?INDEX(?:\s+CONCURRENTLY)?)\s+(?:IF\s+NOT\s+EXISTS\s+)?(` + identPat + `(?:\s*\.\s*` + identPat + `)?)`)
	addColumnRE = regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(` + identPat + `(?:\s*\.\s*` + identPat + `)?)\s+ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(` + identPat + `)`)
)

// createdObjects lists what a migration's text creates that the catalog
// can confirm. Temporary tables are left out (they end with the session).
func createdObjects(text string) []object {
	var out []object
	for _, st := range sqlscan.Split(text) {
		if m := createRelRE.FindStringSubmatch(st.Text); m != nil {
			if !regexp.MustCompile(`(?i)^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?TEMP`).MatchString(st.Text) {
				out = append(out, object{Rel: m[1]})
			}
			continue
		}
		if m := addColumnRE.FindStringSubmatch(st.Text); m != nil && !strings.EqualFold(m[2], "CONSTRAINT") {
			out = append(out, object{Rel: m[1], Column: m[2]})
		}
	}
	return out
}

// undoneLater reports whether a later migration's text may drop or rename
// o (or its table): then its absence proves nothing.
func undoneLater(o object, later []string) bool {
	name := strings.ToLower(unquote(lastPart(o.Rel)))
	col := strings.ToLower(unquote(o.Column))
	for _, text := range later {
		for _, st := range sqlscan.Split(text) {
			t := strings.ToLower(st.Text)
			if !(strings.HasPrefix(t, "drop") || strings.Contains(t, "rename") || strings.Contains(t, "drop column") || strings.Contains(t, " drop ")) {
				continue
			}
			if strings.Contains(t, name) || (col != "" && strings.Contains(t, col)) {
				return true
			}
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
// have, as the migration session's search_path resolves them.
func (r *Runner) missingObjects(objs []object) ([]object, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var missing []object
	for _, o := range objs {
		rel := regexp.MustCompile(`\s*\.\s*`).ReplaceAllString(o.Rel, ".")
		var ok bool
		var err error
		if o.Column == "" {
			err = r.db.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL`, rel).Scan(&ok)
		} else {
			err = r.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped)`,
				rel, unquote(o.Column)).Scan(&ok)
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			missing = append(missing, o)
		}
	}
	return missing, nil
}
