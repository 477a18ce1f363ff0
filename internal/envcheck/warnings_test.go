package envcheck

import (
	"slices"
	"testing"
)

func TestWarnKeepsFirstOrderAndDropsRepeats(t *testing.T) {
	r := &Report{}
	r.warn("a", ".env:1", "one")
	r.warn("b", ".env:2", "two")
	r.warn("a", ".env:1", "one")
	// Appended directly, as services' shared-database warning is: a later
	// warn of the same warning must still see it.
	r.Warnings = append(r.Warnings, Warning{Code: "c", Location: "x:3", Message: "three"})
	r.warn("c", "x:3", "three")
	r.warn("a", ".env:1", "other")
	r.warn("b", ".env:2", "two")
	var got []string
	for _, w := range r.Warnings {
		got = append(got, w.Code+" "+w.Location+" "+w.Message)
	}
	want := []string{"a .env:1 one", "b .env:2 two", "c x:3 three", "a .env:1 other"}
	if !slices.Equal(got, want) {
		t.Fatalf("warnings %q, want %q", got, want)
	}
}
