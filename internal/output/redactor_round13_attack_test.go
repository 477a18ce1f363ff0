package output

import (
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
)

// round13Lines are the forms round 13 masks, or masks less of: a URL's
// password of digits before a raw blank (read as a port before), and a
// libpq keyword/value string that starts with its password (its host was
// masked with the value).
var round13Lines = []string{
	"connecting to postgres://u:731905 846213@h/d now\n",
	"postgres://u:73 19 05 84@h:5432/d\n",
	"parse \"postgres://u:731905 846213@h/d\": net/url: invalid userinfo\n",
	"password = 731905 host=db user=app\n",
	"see postgres://localhost:5432 or mail me@x.org\n",
}

// TestAttackRedactorDigitPasswordSplit: each line, cut into two writes
// at every offset and written a byte a write, is written as the whole
// line is masked: no digit group of the password shows (before: a cut
// after "u:731905 " wrote the URL as a host and port, and the rest alone).
func TestAttackRedactorDigitPasswordSplit(t *testing.T) {
	for _, line := range round13Lines {
		want := dburl.RedactText(line)
		for _, leak := range []string{"731905", "846213", " 05 84"} {
			if strings.Contains(want, leak) {
				t.Fatalf("RedactText(%q) = %q: shows %q", line, want, leak)
			}
		}
		for cut := 0; cut <= len(line); cut++ {
			if got := writeParts(line[:cut], line[cut:]); got != want {
				t.Errorf("%q cut at %d: wrote %q, want %q", line, cut, got, want)
				break
			}
		}
		var bytes []string
		for i := range len(line) {
			bytes = append(bytes, line[i:i+1])
		}
		if got := writeParts(bytes...); got != want {
			t.Errorf("%q a byte a write: wrote %q, want %q", line, got, want)
		}
	}
}

// TestAttackRedactorPgxErrorSplit: pgx's error for a keyword/value string
// whose password holds an unquoted blank, as a Go migration tool prints
// it, cut into two writes at every offset and written a byte a write, is
// written as the whole line is masked, and shows no word of the password
// (round 13's review: the second word showed, in one write too).
func TestAttackRedactorPgxErrorSplit(t *testing.T) {
	for _, line := range []string{
		"goose: failed to open DB: cannot parse `password = sZQ1 sZQ2 host=db`: failed to parse as keyword/value (missing \"=\" after \"sZQ2\" in connection info string)\n",
		"cannot parse `host=db password=xxxxx sZQ2 sZQ3`: failed to parse as keyword/value (invalid keyword/value)\n",
	} {
		want := dburl.RedactText(line)
		if strings.Contains(want, "ZQ") {
			t.Fatalf("RedactText(%q) = %q", line, want)
		}
		for cut := 0; cut <= len(line); cut++ {
			if got := writeParts(line[:cut], line[cut:]); got != want {
				t.Errorf("%q cut at %d: wrote %q, want %q", line, cut, got, want)
				break
			}
		}
		var bytes []string
		for i := range len(line) {
			bytes = append(bytes, line[i:i+1])
		}
		if got := writeParts(bytes...); got != want {
			t.Errorf("%q a byte a write: wrote %q, want %q", line, got, want)
		}
	}
}
