package dburl

import (
	"strings"
	"testing"
)

// TestAttackRedactUnquotedColonValue: a password keyword before ':' with
// an unquoted value, as a YAML file, a log line or an env dump prints it,
// is masked (before: shown whole; only a quoted value was masked, while a
// Redactor cut after the prompt masked the same text).
func TestAttackRedactUnquotedColonValue(t *testing.T) {
	for in, want := range map[string]string{
		"password: hunter2ZQ":                     "password: ****",
		"  password: a bZQ\n  host: db\n":         "  password: ****\n  host: db\n",
		"- password: aZQ # prod":                  "- password: ****",
		"DB_PASSWORD: hunter2ZQ":                  "DB_PASSWORD: ****",
		"env PGPASSWORD: hunter2ZQ":               "env PGPASSWORD: ****",
		"user: app, password: sZQ, host: db":      "user: app, password: ****, host: db",
		"user: app password: sZQ host: db":        "user: app password: **** host: db",
		"{user: app; db_pass: sZQ}":               "{user: app; db_pass: ****}",
		"spring.datasource.password: sZQ\r\nnext": "spring.datasource.password: ****\r\nnext",
		"password:\tsZQ  \n":                      "password:\t****  \n",
		"first\npassword: sZQ\n":                  "first\npassword: ****\n",
	} {
		if got := RedactText(in); got != want || strings.Contains(got, "ZQ") {
			t.Errorf("RedactText(%q)\n = %q, want %q", in, got, want)
		}
	}
}

// TestRedactUnquotedColonProseShows: what is no password value after ':'
// stays as written: prose after the keyword inside a line, dbguard's own
// messages, placeholders, a test runner's PASS verdicts, words that end
// in pass.
func TestRedactUnquotedColonProseShows(t *testing.T) {
	for _, in := range []string{
		"could not read password: no such file",
		`raw " " in the user name or password: percent-encode it as %20; dbguard env`,
		"No tracked file may carry a real PostgreSQL password: in a URL, a JDBC URL or a libpq keyword string.",
		"the connection string's parameter application_name holds the value of DB_PASSWORD: dbguard did not connect",
		"a real database password is being committed: password: **** (move it)",
		"password: <empty>",
		"  password: ${DB_PASSWORD}",
		"--- PASS: TestFoo (0.00s)",
		"PASS: t1.sh",
		"plan: pass: 0 danger, 0 warning(s)",
		"compass: north",
		"bypass: true",
		"Password:",
		"password: ",
		"password authentication failed for user \"app\"",
	} {
		if got := RedactText(in); got != in {
			t.Errorf("RedactText(%q)\n = %q", in, got)
		}
	}
}

// TestColonValuePrefilterRandom: the prefilter passes every text in which
// colonValueRE finds a keyword and a value, on texts made of the
// keywords' pieces.
func TestColonValuePrefilterRandom(t *testing.T) {
	pieces := []string{"pass", "PASS", "paſs", "word", "WoRd", "wort", "wd", "pwd", "PWD", "db_", "pg", "ssl", ":", ": ", ":\t", " ", "\t", "\n", "x", "'", "-", "{", ",", "ſ", "d", "s"}
	seed := uint64(1)
	for n := 0; n < 200000; n++ {
		var b strings.Builder
		for k := 0; k < 8; k++ {
			seed = seed*6364136223846793005 + 1442695040888963407
			b.WriteString(pieces[(seed>>33)%uint64(len(pieces))])
		}
		s := b.String()
		if mayHoldColonValue(s) {
			continue
		}
		for _, m := range colonValueRE.Regexp().FindAllStringSubmatchIndex(s, -1) {
			if strings.TrimRight(s[m[6]:m[7]], " \t\r") != "" {
				t.Fatalf("colonValueRE matches %q, the prefilter skips it", s)
			}
		}
	}
}
