package hooks

import (
	"slices"
	"testing"
)

// The names checkTemplates reads come from the bytes it is given, not
// from an earlier reading of the same path with other bytes (a new file's
// added lines without its last newline, or an index that differs from
// what the diff showed): the memo is keyed by the bytes' digest too.
func TestKeysOfRereadsChangedBytes(t *testing.T) {
	r := &Report{}
	r.definitions("svc/.env", []byte("A=1\nB=2\n"))
	if got := r.keysOf("svc/.env", []byte("A=1\nB=2\n")); !slices.Equal(got, []string{"A", "B"}) {
		t.Fatalf("same bytes: keys %q, want [A B]", got)
	}
	if got := r.keysOf("svc/.env", []byte("A=1\nC=3\n")); !slices.Equal(got, []string{"A", "C"}) {
		t.Fatalf("other bytes at the same path: keys %q, want [A C]", got)
	}
	if got := r.keysOf("other/.env", []byte("A=1\nB=2\n")); !slices.Equal(got, []string{"A", "B"}) {
		t.Fatalf("another path: keys %q, want [A B]", got)
	}
	// A key every dialect reads once is named once, the first time.
	if got := r.keysOf("x/.env", []byte("B=1\nA=2\nB=3\n")); !slices.Equal(got, []string{"B", "A"}) {
		t.Fatalf("repeated key: keys %q, want [B A]", got)
	}
}
