package dburl

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestAttackRedactPgxPasswordWithPair (round 14): a password written
// unquoted with a blank and a '=' in a later word (password=a b c=d, the
// secret "a b c=d") makes the real pgx 5.12 refuse the string, `missing
// "=" after "b"`, and print `password=xxxxx b c=d`: the word after the
// value was masked, but the mask stopped at c=d, a word with '=' in it,
// and showed it. c is no libpq keyword: after a word that is no pair,
// such a word is the rest of the password too; a libpq keyword's pair
// (host=db) ends it, and shows.
func TestAttackRedactPgxPasswordWithPair(t *testing.T) {
	for _, tc := range []struct{ conn, keep string }{
		{"host=db password=sZQ1 sZQ2 cZQ=dZQ", "host=db"},
		{"password=sZQ1 sZQ2 cZQ=dZQ host=db", "host=db"},
		{"password=sZQ1 sZQ2 cZQ=dZQ eZQ host=db port=5432", "host=db port=5432"},
		{"password = sZQ1 sZQ2 x=ZQ=ZQ sslmode=require", "sslmode=require"},
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
	// A pair right after the value, with no stray word before it, is
	// pgx's: a run-time parameter (application_name=x or any GUC) shows.
	_, err := pgconn.ParseConfig("password=x search_path=app hots")
	if err == nil {
		t.Fatal("pgx parsed it")
	}
	if got := RedactText(err.Error()); !strings.Contains(got, "search_path=app") {
		t.Errorf("masked %s", got)
	}
}
