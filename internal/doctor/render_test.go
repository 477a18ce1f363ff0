package doctor

import (
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/output"
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

// TestAttackWrapNoCommandLine: doctor folds its paragraphs at 80 columns,
// and an env folder named "x ::warning::forged" had its "::warning::" word
// start a continuation line: GitHub's runner trims the indent and reads a
// workflow command there (doctor runs in CI logs too). Such a word stays
// on the line before.
func TestAttackWrapNoCommandLine(t *testing.T) {
	text := "what runs in " + strings.Repeat("x", 60) + " ::warning::forged/ reads .env:1"
	got := wrap(text, "     ")
	for _, l := range strings.Split(got, "\n") {
		if output.CommandStart(l) {
			t.Errorf("line %q starts a workflow command; wrapped:\n%s", l, got)
		}
	}
	if strings.Join(strings.Fields(got), " ") != text {
		t.Errorf("wrap changed the words: %q", got)
	}
}
