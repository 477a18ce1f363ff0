package dburl

import (
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/testutil/lineartest"
)

// TestAttackRedactDoubledQuote: a password holding a quote, written as its
// format escapes one (a doubled single quote in YAML's and SQL's single
// quotes, a doubled double quote in a .NET or INI connection string, the
// shell's quote-backslash-quote-quote in single quotes, JavaScript's
// backtick string), was masked only up to that quote: YAML's
// password: 'it'+'s-secret' (one quote doubled) showed s-secret after the
// mask. The masked span now runs as far as the format's quoting rules
// take the value.
func TestAttackRedactDoubledQuote(t *testing.T) {
	for in, want := range map[string]string{
		`password: 'it''s-secretXY'`:                    `password: '****'`,
		`  password: 'it''s-secretXY' # app`:            `  password: '****' # app`,
		`UPDATE users SET password = 'it''s-secretXY';`: `UPDATE users SET password = ****;`,
		`Password="it""s-secretXY";Host=db`:             `Password=****;Host=db`,
		`password = "it""s-secretXY"`:                   `password = ****`,
		`PGPASSWORD='it'\''s-secretXY' alembic upgrade`: `PGPASSWORD=**** alembic upgrade`,
		"connection: { password: `it's \"secretXY\"` }": "connection: { password: `****` }",
		`{'password': '', 'user': 'app'}`:               `{'password': '****', 'user': 'app'}`,
		`{"password": "", "user": "app"}`:               `{"password": "****", "user": "app"}`,
	} {
		if out := RedactText(in); out != want {
			t.Errorf("RedactText(%q) = %q, want %q", in, out, want)
		}
	}
}

// A secret's planted bytes are mapped onto markers no format's text around
// it holds, so any marker in the output is a piece of the secret.
const secretMarkers = "ZQXJ"

// plantSecret makes a secret of b: letters and digits become markers, the
// rest (quotes, backslashes, white space, signs, other bytes) stays, so
// the fuzzer explores how a format's quoting meets the pattern.
func plantSecret(b string) string {
	out := []byte(b)
	for i, c := range out {
		if 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' {
			out[i] = secretMarkers[int(c)%len(secretMarkers)]
		}
	}
	return string(out)
}

// quotingFormat writes a password as one format writes it, with text
// around it that holds no marker.
type quotingFormat struct {
	name  string
	write func(secret string) string
}

// pyRepr is Python's repr of a str: single quotes unless the text holds a
// single quote and no double quote.
func pyRepr(s string) string {
	q := "'"
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = `"`
	}
	r := strings.NewReplacer(`\`, `\\`, q, `\`+q, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return q + r.Replace(s) + q
}

// inspectString is Node's util.inspect of a string: single quotes, else
// double quotes when the text holds a single quote, else backticks, else
// single quotes with the quote escaped.
func inspectString(s string) string {
	q := "'"
	switch {
	case !strings.Contains(s, "'"):
	case !strings.Contains(s, `"`):
		q = `"`
	case !strings.Contains(s, "`") && !strings.Contains(s, "${"):
		q = "`"
	}
	r := strings.NewReplacer(`\`, `\\`, q, `\`+q, "\n", `\n`, "\r", `\r`)
	return q + r.Replace(s) + q
}

// libpqValue is a keyword/value string's value: bare when it can be,
// else in single quotes with \ and ' escaped.
func libpqValue(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n\r\f\v'\\") {
		return s
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

var quotingFormats = []quotingFormat{
	{"YAML single quotes", func(s string) string {
		return "database:\n  password: '" + strings.ReplaceAll(s, "'", "''") + "'\n  host: db\n"
	}},
	{"YAML double quotes", func(s string) string {
		return "password: " + jsonString(s) + "\nhost: db\n"
	}},
	{"JSON", func(s string) string { return `{"password": ` + jsonString(s) + `, "host": "db"}` }},
	{"JSON keyword/value string", func(s string) string {
		return `{"dsn": ` + jsonString("host=db password="+libpqValue(s)+" user=app") + `}`
	}},
	{"Python dict repr", func(s string) string { return `{'PASSWORD': ` + pyRepr(s) + `, 'HOST': 'db'}` }},
	{"Python bytes repr", func(s string) string { return `{'password': b` + pyRepr(s) + `}` }},
	{"util.inspect", func(s string) string { return `{ host: 'db', password: ` + inspectString(s) + ` }` }},
	{"SQL literal", func(s string) string {
		return "UPDATE users SET password = '" + strings.ReplaceAll(s, "'", "''") + "' WHERE id = 1;"
	}},
	{"keyword/value string", func(s string) string { return "host=db password=" + libpqValue(s) + " user=app" }},
	{"shell single quotes", func(s string) string {
		return "PGPASSWORD='" + strings.ReplaceAll(s, "'", `'\''`) + "' alembic upgrade head"
	}},
	{"shell double quotes", func(s string) string {
		return `PGPASSWORD="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`").Replace(s) + `" alembic upgrade head`
	}},
	{"INI or .NET doubled quotes", func(s string) string {
		return `Password="` + strings.ReplaceAll(s, `"`, `""`) + `";Host=db`
	}},
	{"TOML basic string", func(s string) string { return "password = " + jsonString(s) + "\nhost = \"db\"\n" }},
	{"Ruby hash", func(s string) string {
		return `{"adapter"=>"postgresql", "password"=>` + jsonString(s) + `, "host"=>"db"}`
	}},
	{"PHP array", func(s string) string {
		return `array('password' => '` + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + `', 'host' => 'db')`
	}},
	{"URL query", func(s string) string { return "postgres://db/app?password=" + url.QueryEscape(s) + "&sslmode=disable" }},
}

// checkQuotedSecret fails when a piece of the secret survives RedactText
// in a format.
func checkQuotedSecret(t *testing.T, secret string) {
	t.Helper()
	for _, f := range quotingFormats {
		in := f.write(secret)
		if out := RedactText(in); strings.ContainsAny(out, secretMarkers) {
			t.Fatalf("%s: secret %q\n in: %s\nout: %s", f.name, secret, in, out)
		}
	}
}

// TestRedactQuotedSecretsInEveryFormat: passwords made of the characters
// quoting turns on, in every format above.
func TestRedactQuotedSecretsInEveryFormat(t *testing.T) {
	for _, s := range quotedSecretSeeds {
		checkQuotedSecret(t, plantSecret(s))
	}
}

var quotedSecretSeeds = []string{
	"it's-secret", `a"b`, `a''b`, `a""b`, `a\`, `a\'b`, `a\"b`, "a'", "'a", `"a`, "a\"", "a'\"`b",
	"a b", "a\tb", "a\nb", "a&b=c", "a, 'b': 'c", `a", "b": "c`, "a' b='c", "${A}", "a`b", "a\\\\'",
	"'''a'''", `"""a"""`, "a\x00b", "ſa", "a\u2028b", "a#b", "a;b", "a=>b", "a:b",
}

// FuzzRedactQuotedSecret: no piece of a password, whatever it holds,
// survives in any of the formats' quoting.
func FuzzRedactQuotedSecret(f *testing.F) {
	for _, s := range quotedSecretSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkQuotedSecret(t, plantSecret(s))
	})
}

// TestRedactOrdinaryWordsEndingInPass: a word that ends in "pass"
// ("compass", "bypass") before ':' or '=' with a value was masked as a
// password keyword; glued keywords (dbpass, rootPass, DB_PASS, PGPASS,
// userpassword) still are.
func TestRedactOrdinaryWordsEndingInPass(t *testing.T) {
	for _, in := range []string{
		`{"compass": "north", "bypass": "cache"}`,
		`{'Compass': 'north'}`,
		`surpass: "x" trespass: 'y' overpass: "z" underpass: "w" encompass: "v"`,
		`cache?bypass=1&x=2`,
		`compass="north"`,
	} {
		if out := RedactText(in); out != in {
			t.Errorf("RedactText(%q) = %q", in, out)
		}
	}
	for _, in := range []string{
		`{"dbpass": "s3cretXY"}`, `rootPass: 's3cretXY'`, `DB_PASS="s3cretXY"`, `PGPASS=s3cretXY`,
		`{"userpassword": "s3cretXY"}`, `{"compass": "north", "password": "s3cretXY"}`,
		`{"compass": "password: 's3cretXY'"}`, `bypass=password=s3cretXY`, `{"adminPwd": "s3cretXY"}`,
		`{"compassword": "s3cretXY"}`,
	} {
		if out := RedactText(in); strings.Contains(out, "s3cret") {
			t.Errorf("RedactText(%q) = %q", in, out)
		}
	}
}

// TestRedactUnquotedValueEnds: an unquoted value runs to white space,
// or to the end of the string it is in, or to '&' in a URL's query.
func TestRedactUnquotedValueEnds(t *testing.T) {
	for in, want := range map[string]string{
		`{"dsn":"host=h password=s3cretXY","x":1}`:            `{"dsn":"host=h password=****","x":1}`,
		`('host=h password=s3cretXY', 1)`:                     `('host=h password=****', 1)`,
		`postgres://h/db?password=s3cretXY&sslmode=require`:   `postgres://h/db?password=****&sslmode=require`,
		`host=h password=it's"s3cret&XY user=app`:             `host=h password=**** user=app`,
		`error: couldn't connect: password=it's-s3cretXY end`: `error: couldn't connect: password=**** end`,
		`host=db password="Z"s3cretXY user=app`:               `host=db password=**** user=app`,
		`{"password"=>"s3cretXY", "host"=>"db"}`:              `{"password"=>****, "host"=>"db"}`,
	} {
		if out := RedactText(in); out != want {
			t.Errorf("RedactText(%q) = %q, want %q", in, out, want)
		}
	}
}

// TestAttackRedactKeywordsOnOneLineLinear: each keyword's value asked
// which quote the keyword sat in by reading its line from the start, so
// a line of 4,000 password= values took 0.18 s and 40,000 some 18 s
// (quadratic in the line); the quotes are now read on from the last
// keyword. The quoted piece followed by more (libpq's "")Z) reads back
// only over the pair before it.
func TestAttackRedactKeywordsOnOneLineLinear(t *testing.T) {
	for _, unit := range []string{"a=b password=xy ", `a=b password="")Z `, `x 'password=y' `} {
		if r := lineartest.Growth(func(n int) string { return strings.Repeat(unit, n) }, func(s string) { RedactText(s) }, 500); r > 20 {
			t.Errorf("%q: 8 times the keywords on one line cost %.1f times as much", unit, r)
		}
	}
}

// TestQuoteStateAsEnclosingQuote: the quotes read on from keyword to
// keyword are the ones enclosingQuote reads from the line's start.
func TestQuoteStateAsEnclosingQuote(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ab \"'\\\n="
	for range 2000 {
		b := make([]byte, 1+rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(b)
		var st quoteState
		for k := 0; k <= len(s); k += 1 + rng.IntN(4) {
			if got, want := st.at(s, k), enclosingQuote(s, k); got != want {
				t.Fatalf("%q at %d: %q, want %q", s, k, got, want)
			}
		}
	}
}
