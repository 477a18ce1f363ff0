package migrate

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// What adoption, recover and accept look up in the catalog for a file.
func TestCreatedObjects(t *testing.T) {
	t.Parallel()
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

// TestHasETAgreesWithPattern: hasET, the prefilter of changesSession, is
// true of every text the pattern matches (case folds included: ſ for s),
// over texts built at random, with a fixed seed, from the pattern's words.
func TestHasETAgreesWithPattern(t *testing.T) {
	t.Parallel()
	parts := []string{"s", "S", "ſ", "e", "E", "t", "T", "_config", " ", "\n", "role", "r", "local ", "session ", "authorization", "transaction", "é", "K", "default_",
		"set ", "SeT ", "reset ", "RESET ", "ſet ", "reſet ", "set_config", "SET_CONFIG", "x"}
	rng := rand.New(rand.NewPCG(26, 6))
	matched := 0
	for range 50_000 {
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		text := b.String()
		if changesSession.MatchString(text) {
			matched++
			if !hasET(text) {
				t.Fatalf("changesSession matches %q, hasET says no", text)
			}
		}
	}
	for _, text := range []string{"SET ROLE x", "ReSeT role", "select set_config('a', 'b', false)", "DO $$ BEGIN EXECUTE 'SET SESSION AUTHORIZATION x'; END $$"} {
		if !changesSession.MatchString(text) || !hasET(text) {
			t.Errorf("%q: pattern %v, hasET %v", text, changesSession.MatchString(text), hasET(text))
		}
	}
	if matched < 100 {
		t.Errorf("only %d random texts matched the pattern: the test reads too little", matched)
	}
	if hasET("CREATE TABLE a (id int)") {
		t.Error("hasET without e-t")
	}
}
