package dburl

import (
	"strings"
	"testing"
)

// fastPathCases are text the redactor's patterns find, written so that a
// prefilter that looked only for ASCII "pass" or "://" would let them through.
var fastPathCases = []string{
	"paſsword=hunter2",                 // U+017F folds to 's' under (?i)
	"PAſſWORD = 'hunter 2'",            // both
	"pgpaſs=hunter2",                   // PGPASS=
	"sslpaſſword=hunter2 host=db",      // sslpassword=
	"Passwort=hunter2",                 // German
	"PWD=hunter2",                      // pwd=
	"dbname=app\npassword\n=\nhunter2", // \s spans lines
	"postgres://app:hunter2@db/app",
	"POSTGRES://app:hunter2@db/app",
	`{"url":"postgres:\/\/app:hunter2@db\/app"}`, // JSON's escaped slash
	`postgres:/\/app:hunter2@db/app`,
}

// TestRedactFastPathMissesNothing: the prefilters in front of the
// patterns let every line the patterns would mask through, the folded
// spellings included, and RedactText masks what it masked without them.
func TestRedactFastPathMissesNothing(t *testing.T) {
	for _, s := range fastPathCases {
		if got := RedactText(s); strings.Contains(got, "hunter") {
			t.Errorf("RedactText(%q) = %q: the password is shown", s, got)
		}
		if got, want := RedactText(s), slowRedact(s); got != want {
			t.Errorf("RedactText(%q) = %q, the patterns alone give %q", s, got, want)
		}
	}
	for _, s := range []string{"migrations/000001_init.up.sql:3: CREATE TABLE users", "dbguard: 1 database, 3 env files", "a compass, no keyword", "a=b @ c"} {
		if mayHoldUserinfo(s) || mayHoldPasswordKeyword(s) {
			t.Errorf("%q: the fast path should skip it", s)
		}
	}
}

// slowRedact is RedactText with the patterns run on every text.
func slowRedact(s string) string {
	s = redactSecrets(s)
	s = redactHexForms(s)
	s = userinfoRE.ReplaceAllString(s, "${1}:"+Mask+"@")
	return passwordRE.ReplaceAllString(s, "${1}"+Mask)
}

// FuzzRedactFastPath: a prefilter never says no where its pattern matches.
func FuzzRedactFastPath(f *testing.F) {
	for _, s := range fastPathCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if userinfoRE.MatchString(s) && !mayHoldUserinfo(s) {
			t.Fatalf("userinfoRE matches %q, the prefilter skips it", s)
		}
		if passwordRE.MatchString(s) && !mayHoldPasswordKeyword(s) {
			t.Fatalf("passwordRE matches %q, the prefilter skips it", s)
		}
	})
}

func BenchmarkRedactTextPlain(b *testing.B) {
	line := strings.Repeat("backend/services/api/.env.production:12: DATABASE_URL (direct) -> db.internal:5432/app\n", 40)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		RedactText(line)
	}
}
