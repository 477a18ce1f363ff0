package plan

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/schema"
	"github.com/dbguard/dbguard/internal/verify"
)

// modelCheck is the shadow checked against the application's models.
type modelCheck struct {
	diffs  map[string]schema.Difference // keyed by what differs
	shadow *schema.Schema
}

func (t *tracer) modelDiffs(ctx context.Context) (modelCheck, error) {
	types, err := schema.CanonicalizeModels(ctx, t.conn, t.models)
	if err != nil {
		return modelCheck{}, err
	}
	s, _, _, err := verify.Introspect(ctx, t.conn, t.cfg)
	if err != nil {
		return modelCheck{}, err
	}
	out := map[string]schema.Difference{}
	for _, d := range schema.CheckModels(t.models, types, t.cfg.Schema.Schemas[0], s) {
		out[d.Object+"\x00"+d.Kind+"\x00"+d.Expected] = d
	}
	return modelCheck{diffs: out, shadow: s}, nil
}

// has reports whether the shadow has a table (key) or column (key.col).
func (c modelCheck) has(object string, table bool) bool {
	if table {
		return c.shadow.Tables[object] != nil
	}
	i := strings.LastIndexByte(object, '.')
	t := c.shadow.Tables[object[:max(i, 0)]]
	return i > 0 && t != nil && t.Columns[object[i+1:]] != nil
}

// modelsAhead reports what the models declare that the schema after the
// pending migrations lacks: a column they drop or change (it was there
// before them) or one no migration creates. Each finding is at the
// model's file:line.
func (t *tracer) modelsAhead(before, after modelCheck) {
	for _, k := range sortedKeys(after.diffs) {
		d := after.diffs[k]
		table := d.Kind == "missing" && d.Expected == "table"
		msg := strings.TrimPrefix(strings.Replace(d.Message, " in live database", "", 1), d.Object+": ")
		msg = strings.TrimSuffix(msg, fmt.Sprintf(" (model %s:%d)", d.File, d.Line))
		_, was := before.diffs[k]
		var why string
		switch {
		case d.Kind == "missing" && before.has(d.Object, table):
			why = "the pending migrations drop it"
		case d.Kind == "missing":
			why = "no migration creates it"
		case was:
			why = "no migration changes it to match"
		default:
			why = "the pending migrations change it"
		}
		rel := d.Object
		if i := strings.LastIndexByte(rel, '.'); i > 0 && !table {
			rel = rel[:i]
		}
		t.add(Finding{Rule: "models-ahead", File: d.File, Line: d.Line, Relation: rel, Size: t.size(rel),
			Message: fmt.Sprintf("models ahead of migrations: %s: %s, after the pending migrations: %s", d.Object, msg, why)})
	}
}

func sortedKeys(m map[string]schema.Difference) []string {
	keys := slices.Collect(maps.Keys(m))
	// Stable order: by the model's file:line, then the key.
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(m[a].File, m[b].File), cmp.Compare(m[a].Line, m[b].Line), cmp.Compare(a, b))
	})
	return keys
}
