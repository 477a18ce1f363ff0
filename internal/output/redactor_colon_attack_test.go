package output

import (
	"strings"
	"testing"
)

// colonValueLines hold a password (its letters ZQ) as an unquoted value
// after a keyword's ':'.
var colonValueLines = []string{
	"password: hunter2ZQ\n",
	"  password: a bZQ\n  host: db\n",
	"DB_PASSWORD: hunter2ZQ\n",
	"PGPASSWORD: hunter2ZQ\n",
	"log user: app password: sZQ host: db\n",
	"log user: app, password: sZQ\n",
}

// writeParts writes parts through a Redactor, then flushes it.
func writeParts(parts ...string) string {
	var b strings.Builder
	r := NewRedactor(&b)
	for _, p := range parts {
		r.Write([]byte(p))
	}
	r.Flush()
	return b.String()
}

// TestAttackRedactorUnquotedColonValue: each line, in one write, cut into
// two at every offset, and a byte a write, shows no part of the password
// (before: one write showed it, the same text cut after "password: "
// masked it).
func TestAttackRedactorUnquotedColonValue(t *testing.T) {
	for _, line := range colonValueLines {
		for cut := 0; cut <= len(line); cut++ {
			if got := writeParts(line[:cut], line[cut:]); strings.Contains(got, "ZQ") {
				t.Errorf("%q cut at %d: wrote %q", line, cut, got)
				break
			}
		}
		var bytes []string
		for i := range len(line) {
			bytes = append(bytes, line[i:i+1])
		}
		if got := writeParts(bytes...); strings.Contains(got, "ZQ") {
			t.Errorf("%q a byte a write: wrote %q", line, got)
		}
	}
}

// TestRedactorTestVerdictsShow: a test runner's verdicts, written a byte
// a write by a child, show as written (before: "--- PASS: " read as a
// password prompt, and the rest of the line, the test's name, was
// written as ****).
func TestRedactorTestVerdictsShow(t *testing.T) {
	for _, line := range []string{"--- PASS: TestFoo (0.00s)\n", "PASS: t1.sh\n", "plan: pass: 0 danger\n", "compass: north\n"} {
		var bytes []string
		for i := range len(line) {
			bytes = append(bytes, line[i:i+1])
		}
		if got := writeParts(bytes...); got != line {
			t.Errorf("%q a byte a write: wrote %q", line, got)
		}
	}
}
