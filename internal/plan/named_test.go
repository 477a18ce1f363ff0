package plan

import "testing"

// named picked a relation of the name in Go's map order, random from run
// to run: with a table of the name in two schemas (or a table and a view),
// an index build's finding named either table, and in a file run whole
// (which skipped a view it picked) none at all, as the walk fell. It is
// the lowest oid now, every run; a file run whole takes a table of the
// name (matchRel).
func TestNamedLowestOID(t *testing.T) {
	rels := map[int64]rel{}
	for oid := int64(16400); oid < 16440; oid++ {
		rels[oid] = rel{name: "users", key: "s" + string(rune('a'+oid-16400)) + ".users", kind: "r"}
	}
	rels[16399] = rel{name: "users", key: "public.users", kind: "v"}
	rels[16300] = rel{name: "orders", key: "public.orders", kind: "r"}
	for range 200 {
		if oid, r, ok := named(rels, "users"); !ok || oid != 16399 || r.key != "public.users" {
			t.Fatalf("named: %d %q %v, want 16399 public.users", oid, r.key, ok)
		}
		if oid, r, ok := matchRel(rels, "", "users"); !ok || oid != 16400 || r.key != "sa.users" {
			t.Fatalf("matchRel: %d %q %v, want 16400 sa.users", oid, r.key, ok)
		}
	}
	if _, _, ok := named(rels, "nope"); ok {
		t.Fatal("named found a name no relation has")
	}
}
