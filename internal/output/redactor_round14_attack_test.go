package output

import (
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
)

// round14URLLines are URL passwords round 14 masks: digit groups past
// the 64 bytes round 13 read, and digits followed by words with letters
// before an '@' that a URL's host and path follow.
var round14URLLines = []string{
	"connecting to postgres://u:" + strings.Repeat("7319 ", 30) + "8462ZQ@h:5432/d now\n",
	"postgres://u:1234 abZQ cdZQ@h/db\n",
	"dsn=postgres://u:2024 Sommer ZQ!@h?sslmode=require and more\n",
	"see postgres://localhost:5432 or mail me@x.org\n",
}

// TestAttackRedactorURLPasswordRound14Split: each line, cut into two
// writes at every offset and written a byte a write, is written as the
// whole line is masked, and shows no part of the password.
func TestAttackRedactorURLPasswordRound14Split(t *testing.T) {
	for _, line := range round14URLLines {
		want := dburl.RedactText(line)
		if strings.Contains(want, "ZQ") || strings.Contains(want, "7319") {
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

// TestAttackRedactorINISectionAcrossWrites (round 14): an INI section's
// password = sZQ host=dZQ is the password "sZQ host=dZQ" (RedactText
// reads the [db] header above it); a child that writes the file a line a
// write, or cut anywhere, had its lines read alone by the writer, and the
// line read as a libpq string showed host=dZQ. The writer keeps whether
// its open line is in a section (a bit, not the lines).
func TestAttackRedactorINISectionAcrossWrites(t *testing.T) {
	text := "[db]\nuser = app\n\n; the password\npassword = sZQ host=dZQ\nport = 5432\n"
	want := dburl.RedactText(text)
	if strings.Contains(want, "ZQ") {
		t.Fatalf("RedactText(%q) = %q", text, want)
	}
	lines := strings.SplitAfter(text, "\n")
	if got := writeParts(lines...); got != want {
		t.Errorf("a line a write: wrote %q, want %q", got, want)
	}
	for cut := 0; cut <= len(text); cut++ {
		if got := writeParts(text[:cut], text[cut:]); got != want {
			t.Errorf("cut at %d: wrote %q, want %q", cut, got, want)
		}
	}
	var bytes []string
	for i := range len(text) {
		bytes = append(bytes, text[i:i+1])
	}
	if got := writeParts(bytes...); got != want {
		t.Errorf("a byte a write: wrote %q, want %q", got, want)
	}
	// Outside a section, libpq's string keeps its host, a line a write.
	if got := writeParts("x\n", "password = x host=db\n"); got != "x\npassword = **** host=db\n" {
		t.Errorf("wrote %q", got)
	}
}
