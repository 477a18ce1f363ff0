package dburl

import (
	"math/rand/v2"
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
	"passwd\t\f\r=hunter2",    // every white space \s has
	"x_PASSWORT =hunter2 y=z", // inside a longer keyword
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
	for _, s := range []string{"migrations/000001_init.up.sql:3: CREATE TABLE users", "dbguard: 1 database, 3 env files", "a compass, no keyword", "a=b @ c",
		// A plan's JSON report: "pass" and '=', but no keyword before an '='.
		`{"status": "pass", "sql": "SET lock_timeout = '5s'", "passes": 1, "pwd": "x=y", "passwords = 2"}`} {
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
	s = maskKeywords(s, passwordRE, assignMask)
	return maskKeywords(s, passwordColonRE, colonMask)
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
		if passwordColonRE.MatchString(s) && !mayHoldPasswordColon(s) {
			t.Fatalf("passwordColonRE matches %q, the prefilter skips it", s)
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

// userinfoWordCases are text where masking word by word could differ
// from the pattern over the whole text: matches next to each other, white
// space \s does not include (\v, no-break space), escapes, several '@'.
var userinfoWordCases = []string{
	"a postgres://u:pw@h b postgres://v:pw2@h2\n",
	"x\vpostgres://u:pw@h\fmysql://a:b@c\rp://q:r@s",
	"postgres://u:pw@h\u00a0postgres://v:p@w@h2 tail@x",
	"postgres://u:p@ss@h/postgres://v:q@h",
	`{"a":"postgres:\/\/u:pw@h","b":"postgres:/\/v:pw@h"}`,
	"1ſk://u:pw@h KK://u:pw@h :// @ ://@ a:/@",
	"postgres://app:****@db.internal:5432/app  (services/s1/app/.env:2)",
	"no url here @ but : and /",
}

// TestRedactUserinfoWordByWord: masking only the words that can hold a
// URL gives what the pattern over the whole text gives.
func TestRedactUserinfoWordByWord(t *testing.T) {
	for _, s := range append(userinfoWordCases, fastPathCases...) {
		if got, want := redactUserinfo(s), userinfoRE.ReplaceAllString(s, "${1}:"+Mask+"@"); got != want {
			t.Errorf("redactUserinfo(%q) = %q, the pattern gives %q", s, got, want)
		}
	}
	// Text made of the characters the pattern turns on, where random
	// bytes would seldom spell a URL.
	alphabet := []string{"a", "Z", "1", "+", ".", "-", ":", "/", "//", "://", `\`, `:\/\/`, "?", "#", "@", "*", "****", " ", "\t", "\v", "ſ", "K", "é"}
	rng := rand.New(rand.NewPCG(26, 26))
	for range 200_000 {
		var b strings.Builder
		for range rng.IntN(16) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		s := b.String()
		if got, want := redactUserinfo(s), userinfoRE.ReplaceAllString(s, "${1}:"+Mask+"@"); got != want {
			t.Fatalf("redactUserinfo(%q) = %q, the pattern gives %q", s, got, want)
		}
	}
}

// FuzzRedactUserinfoWords: the same on any text.
func FuzzRedactUserinfoWords(f *testing.F) {
	for _, s := range append(userinfoWordCases, fastPathCases...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := redactUserinfo(s), userinfoRE.ReplaceAllString(s, "${1}:"+Mask+"@"); got != want {
			t.Fatalf("redactUserinfo(%q) = %q, the pattern gives %q", s, got, want)
		}
	})
}

// BenchmarkRedactTextEnvReport is dbguard env's definitions table: a URL
// (already masked) on each line among file names and padding.
func BenchmarkRedactTextEnvReport(b *testing.B) {
	line := strings.Repeat("  services/s100/app/.env:2        DATABASE_URL  direct  postgres://app:****@db.internal:5432/app\n", 40)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		RedactText(line)
	}
}

// TestPasswordPrefilterRandom: text made of the pieces passwordRE's
// keywords and their '=' are made of; the prefilter lets through every
// one the pattern matches.
func TestPasswordPrefilterRandom(t *testing.T) {
	alphabet := []string{"p", "P", "a", "s", "S", "ſ", "w", "o", "r", "d", "t", "K", "pass", "pwd", "word", "wd", "wort", "pg", "ssl", " ", "\t", "\n", "\v", "\f", "\r", "=", "'", "é", "_", "1"}
	rng := rand.New(rand.NewPCG(19, 26))
	for range 300_000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		s := b.String()
		if passwordRE.MatchString(s) && !mayHoldPasswordKeyword(s) {
			t.Fatalf("passwordRE matches %q, the prefilter skips it", s)
		}
	}
}

// BenchmarkRedactTextKeywords is text the password patterns mask: a
// traceback's settings dict, a JSON log line, a keyword/value string and
// a shell line, among ordinary lines.
func BenchmarkRedactTextKeywords(b *testing.B) {
	line := strings.Repeat("  File \"mysite/settings.py\", line 12, in <module>\n"+
		"    'PASSWORD': 'it''s-s3cretXY', 'HOST': 'db.internal',\n"+
		"{\"level\":\"error\",\"dsn\":\"host=db password=s3cretXY user=app\",\"password\": \"s3c\\\"retXY\"}\n"+
		"PGPASSWORD='it'\\''s' alembic upgrade head  # compass: \"north\"\n", 10)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		RedactText(line)
	}
}

// holdsQuote is ContainsAny's answer for the quotes passwordColonRE ends
// with, wherever the quote stands.
func TestHoldsQuoteAsContainsAny(t *testing.T) {
	for _, s := range []string{"", "a", "password: x", `password: "x"`, "pw: 'x'", "pw: `x`", strings.Repeat("x", 100) + `"`, "'" + strings.Repeat("x", 100), "é`", "\"'`"} {
		if got, want := holdsQuote(s), strings.ContainsAny(s, "'\"`"); got != want {
			t.Errorf("holdsQuote(%q) = %v, want %v", s, got, want)
		}
	}
}
