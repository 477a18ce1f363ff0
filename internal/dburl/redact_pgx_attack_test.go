package dburl

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestAttackRedactPgxCannotParse: pgx's error for a keyword/value string
// it cannot parse prints the string, masking password= and the bytes to
// the next blank itself, and a password with blanks around '=' not at
// all. A password written with a blank and no quotes (password=sZQ1 sZQ2:
// libpq and pgx refuse it, "missing \"=\" after \"sZQ2\""), one whose
// quote is never closed (password='sZQ1 sZQ2: pgx writes password=xxxxx
// sZQ2), and one whose blank is escaped (password=sZQ1\ sZQ2, libpq's
// "sZQ1 sZQ2", and a stray word after it) showed its second word: in the
// string and in pgx's "missing \"=\" after" message. The error is the real
// pgx's; the words after the value up to the next keyword=value pair are
// masked, and that message's word when it was one of them.
func TestAttackRedactPgxCannotParse(t *testing.T) {
	for _, tc := range []struct{ conn, keep string }{
		{"password = sZQ1 sZQ2 host=db", "host=db"},
		{"password=sZQ1 sZQ2 host=db", "host=db"},
		{"host=db password = sZQ1 sZQ2", "host=db"},
		{"host=db password=sZQ1 sZQ2", "host=db"},
		{"host=db password=sZQ1 sZQ2 sZQ3", "host=db"},
		{"host=db password = sZQ1 sZQ2 port=5432", "port=5432"},
		{"password = 1234 5678sZQ host=db", "host=db"},
		{"host=db password='sZQ1 sZQ2", "host=db"},
		{"host=db password=sZQ1\\ sZQ2 x", "host=db"},
		{"host=db sslpassword=sZQ1 sZQ2 sslmode=require", "sslmode=require"},
	} {
		_, err := pgconn.ParseConfig(tc.conn)
		if err == nil {
			t.Fatalf("pgx parsed %q", tc.conn)
		}
		got := RedactText(err.Error())
		if strings.Contains(got, "ZQ") || !strings.Contains(got, tc.keep) {
			t.Errorf("pgx's error for %q:\n %s\nmasked %s", tc.conn, err, got)
		}
	}
	// Two errors on one line (a tool's log joined): the second is read
	// too (before: only the first of a line was).
	_, one := pgconn.ParseConfig("host=db password = sZQ1 sZQ2 port=5")
	_, two := pgconn.ParseConfig("password = sZQ3 sZQ4 host=db")
	if got := RedactText(one.Error() + "; " + two.Error()); strings.Contains(got, "ZQ") {
		t.Errorf("masked %s", got)
	}
	// A word pgx names that follows no password's value shows (a typo).
	_, err := pgconn.ParseConfig("hots db=a host=db password=x")
	if got := RedactText(err.Error()); !strings.Contains(got, `after "hots"`) {
		t.Errorf("masked %s", got)
	}
}
