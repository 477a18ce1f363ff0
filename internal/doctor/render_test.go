package doctor

import (
	"strings"
	"testing"
)

// An error's continuation lines become clauses; a line ending in a colon
// introduces the next, so "changed since they ran:" is not "ran:;".
func TestWrapJoinsLines(t *testing.T) {
	got := wrap("1 applied migration file(s) changed since they ran:\n  migrations/000001_a.up.sql\nit ran as one transaction", "  ")
	want := "1 applied migration file(s) changed since they ran: migrations/000001_a.up.sql; it ran as one transaction"
	if strings.Join(strings.Fields(got), " ") != want {
		t.Errorf("wrap:\n got %q\nwant %q", got, want)
	}
	if strings.Contains(got, ":;") {
		t.Errorf("wrap left %q in %q", ":;", got)
	}
}
