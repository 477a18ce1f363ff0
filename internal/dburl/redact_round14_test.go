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

// TestAttackRedactURLPasswordLongDigitWords (round 14): libpq reads a
// URL's userinfo to its '@', blanks and all; a password of digit groups
// longer than 64 bytes before its last blank was read as a port and
// prose, and shown whole.
func TestAttackRedactURLPasswordLongDigitWords(t *testing.T) {
	for _, in := range []string{
		"postgres://u:" + strings.TrimSpace(strings.Repeat("12 ", 40)) + " 99ZQ@h/db",
		"connecting to postgres://u:" + strings.Repeat("1234 ", 30) + "5678ZQ@h:5432/db now",
		"parse \"postgres://u:" + strings.Repeat("0", 70) + " " + strings.Repeat("9", 70) + "ZQ@h/d\": net/url: invalid userinfo",
	} {
		got := RedactText(in)
		if strings.Contains(got, "ZQ") || strings.Contains(got, "12 12") || strings.Contains(got, "1234 1234") || strings.Contains(got, "0000") {
			t.Errorf("RedactText(%q)\n = %q", in, got)
		}
		if !strings.Contains(got, "postgres://u:****@h") {
			t.Errorf("RedactText(%q)\n = %q: the URL lost its host", in, got)
		}
	}
}

// TestAttackRedactURLPasswordDigitsThenWords (round 14): a password of
// digits, a blank and words with letters (1234 ab cd) was read as a port
// and prose when a word before the last held a letter: libpq reads it to
// the '@' as the password "1234 ab cd". Where the word the '@' ends is
// followed by a URL's host and a '/', ':' and a port, or '?' (what an
// e-mail address after a port is not), the words are the password.
func TestAttackRedactURLPasswordDigitsThenWords(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:1234 abZQ cdZQ@h/db":                   "postgres://u:****@h/db",
		"postgres://u:123 aZQ bZQ cZQ@db.example:5432":       "postgres://u:****@db.example:5432",
		"dsn=postgres://u:2024 Sommer ZQ!@h?sslmode=require": "dsn=postgres://u:****@h?sslmode=require",
		"postgres://localhost:5432 or mail me@x.org":         "postgres://localhost:5432 or mail me@x.org",
		"postgres://localhost:5432 and admin@x.org now":      "postgres://localhost:5432 and admin@x.org now",
	} {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

// TestAttackRedactINIPasswordThatLooksLikePairs (round 14): an INI
// file's (configparser's, pg_service.conf's) bare value runs to its
// line's end, so password = sZQ hZQ=dZQ is the password "sZQ hZQ=dZQ";
// round 13 read a line that starts with libpq's password and whose words
// after the value are libpq pairs as a keyword/value string, and showed
// hZQ=dZQ. Under a section's header, with only INI lines between, the
// line is the INI's; quoted, it is masked whole; alone, libpq's string
// keeps its host.
func TestAttackRedactINIPasswordThatLooksLikePairs(t *testing.T) {
	for in, want := range map[string]string{
		"[db]\npassword = sZQ host=dZQ\n":                                                  "[db]\npassword = ****\n",
		"[main]\nuser = app\n; a comment\n\n  # another\npassword = sZQ host=dZQ user=aZQ": "[main]\nuser = app\n; a comment\n\n  # another\npassword = ****",
		"[svc]\r\nhost: db\r\nsslpassword = sZQ port=5ZQ\r\n":                              "[svc]\r\nhost: db\r\nsslpassword = ****\r\n",
		"[db]\npassword = \"\"&sZQ host=dZQ\n":                                             "[db]\npassword = ****\n",
		"password = 'sZQ host=dZQ'":                                                        "password = ****",
		"password = \"sZQ host=dZQ\"":                                                      "password = ****",
		"password = x host=db user=app":                                                    "password = **** host=db user=app",
		"[db]\nnot an ini line\npassword = x host=db":                                      "[db]\nnot an ini line\npassword = **** host=db",
		"[db]\n" + strings.Repeat("k = v\n", 800) + "password = x host=db":                 "[db]\n" + strings.Repeat("k = v\n", 800) + "password = **** host=db",
	} {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}
