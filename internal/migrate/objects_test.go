package migrate

import (
	"reflect"
	"testing"
)

// What adoption, recover and accept look up in the catalog for a file.
func TestCreatedObjects(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []object
	}{
		{"CREATE TABLE a (id int);", []object{{Rel: "a"}}},
		{"create table if not exists public.b (id int); CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS b_id ON b (id);", []object{{Rel: "public.b"}, {Rel: "b_id"}}},
		{`CREATE TABLE "Odd ""Name""" (id int); CREATE OR REPLACE VIEW v AS SELECT 1; CREATE MATERIALIZED VIEW mv AS SELECT 1; CREATE SEQUENCE s;`,
			[]object{{Rel: `"Odd ""Name"""`}, {Rel: "v"}, {Rel: "mv"}, {Rel: "s"}}},
		{"ALTER TABLE ONLY a ADD COLUMN IF NOT EXISTS note text; ALTER TABLE a ADD CONSTRAINT c CHECK (true); ALTER TABLE a ADD b int; ALTER TABLE a ADD PRIMARY KEY (id); ALTER TABLE a ADD UNIQUE (b);",
			[]object{{Rel: "a", Column: "note"}, {Rel: "a", Column: "b"}}},
		{"CREATE TEMP TABLE scratch (id int); INSERT INTO a VALUES (1); -- CREATE TABLE commented (id int)", nil},
		{"CREATE UNLOGGED TABLE u (id int);", []object{{Rel: "u"}}},
	} {
		if got := createdObjects(tc.text); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("createdObjects(%q) = %+v, want %+v", tc.text, got, tc.want)
		}
	}
	if !undoneLater(object{Rel: "public.b"}, []string{undoing("ALTER TABLE b RENAME TO c;")}) || undoneLater(object{Rel: "b"}, []string{undoing("CREATE TABLE bb (id int);")}) {
		t.Error("undoneLater")
	}
	if got := unquote(`"Odd ""Name"""`); got != `Odd "Name"` {
		t.Errorf("unquote = %q", got)
	}
}
