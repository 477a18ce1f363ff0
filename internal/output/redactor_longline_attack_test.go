package output

import (
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
)

// longLineEnds end lines whose written start is longer than the 1 KiB of
// it a Redactor kept (round 14): each needs what came before on its line.
// A double quote opened at the line's start and closed before the keyword
// leaves the value bare, to its blank (read alone from a later piece, the
// keyword sat inside a string and its value ended at the quote); a libpq
// pair before the keyword makes a bare value that starts with a quoted
// piece run to the blank; pgx's "cannot parse `" before a password masks
// the words after its value (read alone, they showed).
var longLineEnds = []struct{ start, end string }{
	{`echo "`, `" ; PGPASSWORD=sZQ"sZQ"sZQ`},
	{`echo '`, `' ; PGPASSWORD=sZQ'sZQ'sZQ`},
	{`conn: `, `host=db password=""&sZQ port=5432`},
	{`say "a`, `b" host=db password=''sZQ"sZQ`},
	{"goose: cannot parse `options='", "' password=xxxxx sZQ2 sZQ3`: failed to parse as keyword/value (invalid keyword/value)"},
	{"cannot parse `host=db application_name=", " password=xxxxx sZQ2 sZQ3 port=5`: failed to parse as keyword/value (invalid keyword/value)"},
}

// TestAttackRedactorLongLineStart: such lines, padded to 1-6 KiB with
// words and written a word a write (a child's output cut at blanks), are
// written as the whole line is masked, and show no part of the password.
func TestAttackRedactorLongLineStart(t *testing.T) {
	for _, e := range longLineEnds {
		for _, words := range []int{150, 203, 204, 205, 206, 410, 1200} {
			line := e.start + strings.Repeat("word ", words) + e.end + "\n"
			want := dburl.RedactText(line)
			if strings.Contains(want, "ZQ") {
				t.Fatalf("RedactText(%q) = %q", line, want)
			}
			var parts []string
			for rest := line; rest != ""; {
				i := strings.IndexAny(rest, " \n") + 1
				parts = append(parts, rest[:i])
				rest = rest[i:]
			}
			if got := writeParts(parts...); got != want {
				t.Errorf("%q with %d words, a word a write:\nwrote %q\n want %q", e.start+"..."+e.end, words, got[max(0, len(got)-80):], want[max(0, len(want)-80):])
			}
		}
	}
}
