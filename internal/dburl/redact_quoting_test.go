package dburl

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/lazyre"
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
	{"keyword/value string, password first, blanks around '='", func(s string) string {
		return "password = " + libpqValue(s) + " host=db user=app\n"
	}},
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
	{"bash $'...'", func(s string) string { return "PGPASSWORD=" + ansiC(s) + " alembic upgrade head" }},
	{"bash printf %q", func(s string) string { return "export PGPASSWORD=" + shellQ(s) + "; alembic upgrade head" }},
	{"Python raw string", func(s string) string { return pyRaw("r", s, "password = ", "\nhost = 'db'") }},
	{"Python raw bytes", func(s string) string { return pyRaw("rb", s, "DB_PASSWORD=", ", host='db'") }},
	{"Python raw string in a dict", func(s string) string { return pyRaw("R", s, "{'PASSWORD': ", ", 'HOST': 'db'}") }},
	{"Python bytes", func(s string) string { return "password = b" + pyRepr(s) + ", host = 'db'" }},
	{"Python f-string", func(s string) string {
		return `password = f` + strings.ReplaceAll(strings.ReplaceAll(pyRepr(s), "{", "{{"), "}", "}}") + ", host = 'db'"
	}},
	{"Python triple double quotes", func(s string) string { return "PASSWORD = " + pyTriple(`"`, s) + "; HOST = 'db'" }},
	{"Python triple single quotes", func(s string) string { return "password=" + pyTriple(`'`, s) + ", host='db'" }},
	{"Python triple quotes in a dict", func(s string) string { return "{'PASSWORD': r" + pyTriple(`"`, s) + ", 'HOST': 'db'}" }},
	{".NET connection string", func(s string) string { return "Host=db;Password=" + dotnetValue(s) + ";Port=5432" }},
	{".NET connection string, last pair", func(s string) string { return "Server=db;User ID=app;Pwd = " + dotnetValue(s) }},
	{".NET User Password", func(s string) string { return "Data Source=db; User Password=" + dotnetValue(s) + "; Pooling=true" }},
	{".NET in JSON", func(s string) string {
		return `{"ConnectionStrings": {"Default": ` + jsonString("Password = "+dotnetValue(s)+";Host=db") + `}}`
	}},
}

// ansiC is bash's $'...' quoting (printf %q of a string with a control
// character).
func ansiC(s string) string {
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == '\'':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String() + "'"
}

// shellQ is bash's printf %q: ANSI-C quoting for a control character,
// else a backslash before each byte the shell reads.
func shellQ(s string) string {
	if s == "" {
		return "''"
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return ansiC(s)
		}
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x80 && !('a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || strings.IndexByte(",._+:@%/-", c) >= 0) {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// pyRaw writes a Python raw string with prefix p, in the quote s does not
// hold; one it cannot write (both quotes, a line break, a last backslash)
// is written with Python's repr instead, after the same prefix less r.
func pyRaw(p, s, before, after string) string {
	q := ""
	switch {
	case strings.ContainsAny(s, "\n\r") || strings.HasSuffix(s, `\`):
	case !strings.Contains(s, `"`):
		q = `"`
	case !strings.Contains(s, "'"):
		q = "'"
	}
	if q == "" {
		return before + strings.Trim(p, "rR") + pyRepr(s) + after
	}
	return before + p + q + s + q + after
}

// pyTriple writes a Python triple-quoted string on one line: a backslash
// and the line breaks escaped, and a quote q where it starts or ends the
// text or another q follows it.
func pyTriple(q, s string) string {
	r := strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`).Replace(s)
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		if r[i] == q[0] && (i == 0 || i == len(r)-1 || r[i+1] == q[0]) {
			b.WriteByte('\\')
		}
		b.WriteByte(r[i])
	}
	return q + q + q + b.String() + q + q + q
}

// dotnetValue is a value as .NET's DbConnectionStringBuilder writes it:
// bare unless it holds a quote, a ';' or a line break, or starts or ends
// with white space (or is empty); then in double quotes (a quote doubled),
// or in single quotes when it holds a double quote and no single one.
func dotnetValue(s string) string {
	if s != "" && !strings.ContainsAny(s, "'\";\n\r") && strings.TrimSpace(s) == s {
		return s
	}
	if strings.Contains(s, `"`) && !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
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
	"a'b c", "a b c", `a\'b c`, "a\\ b", "a=b c", " a", "a ", `a"" b`, "a'' b", `"a b"`, "'a b'", "a\tb c\n",
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

// TestAttackRedactQuotingLeftAfterBlank: a password in bash's ANSI-C
// quotes, in a Python string with a prefix or in triple quotes, or bare
// in a .NET connection string (where a bare value runs to ';' and holds
// blanks) was masked only to its first blank, and the rest was shown:
// PGPASSWORD=$'a\'b c' showed c', password = r"a b" showed b", Password =
// a b; showed b;. The masked span now follows each format's quoting.
func TestAttackRedactQuotingLeftAfterBlank(t *testing.T) {
	for in, want := range map[string]string{
		`PGPASSWORD=$'a\'b cXY' alembic upgrade head`:       `PGPASSWORD=**** alembic upgrade head`,
		`export PGPASSWORD=$'a b\ncXY'`:                     `export PGPASSWORD=****`,
		`password = r"a b\"cXY"`:                            `password = ****`,
		`password = b"a bXY", host = 'db'`:                  `password = ****, host = 'db'`,
		`password = rb'a bXY'`:                              `password = ****`,
		`password = Rb'a bXY'`:                              `password = ****`,
		`password = f"a {{bXY}}"`:                           `password = ****`,
		`PASSWORD = """a " bXY"""; HOST = 'db'`:             `PASSWORD = ****; HOST = 'db'`,
		`password='''it's bXY''', host='db'`:                `password=****, host='db'`,
		`{'PASSWORD': r'''a ' bXY''', 'HOST': 'db'}`:        `{'PASSWORD': r'''****''', 'HOST': 'db'}`,
		`{'password': rb"a bXY"}`:                           `{'password': rb"****"}`,
		`Password = a bXY;Host=db`:                          `Password = ****;Host=db`,
		`Host=db;Password=a b cXY;Port=5432`:                `Host=db;Password=****;Port=5432`,
		`Server=db;User ID=app;Pwd=a bXY`:                   `Server=db;User ID=app;Pwd=****`,
		`Data Source=db; User Password=a bXY; Pooling=true`: `Data Source=db; User Password=****; Pooling=true`,
		`Host=db;Password="a;b cXY";Port=5432`:              `Host=db;Password=****;Port=5432`,
		`Host=db;Password='a b"cXY';Port=5432`:              `Host=db;Password=****;Port=5432`,
		`{"Default": "Host=db;Password=a bXY"}`:             `{"Default": "Host=db;Password=****"}`,
	} {
		if out := RedactText(in); out != want {
			t.Errorf("RedactText(%q) = %q, want %q", in, out, want)
		}
	}
	// Not a .NET pair: the shell's command after PGPASSWORD=x, libpq's
	// next keyword, prose.
	for in, want := range map[string]string{
		`PGPASSWORD=xY alembic upgrade head; echo done`: `PGPASSWORD=**** alembic upgrade head; echo done`,
		`host=db password=xY user=app; next`:            `host=db password=**** user=app; next`,
		`the password=xY is wrong, user=app; retry`:     `the password=**** is wrong, user=app; retry`,
	} {
		if out := RedactText(in); out != want {
			t.Errorf("RedactText(%q) = %q, want %q", in, out, want)
		}
	}
}

// TestRedactLibpqStringStartingWithPassword: a keyword/value string that
// starts with password= is no .NET pair: its value ends at the blank.
func TestRedactLibpqStringStartingWithPassword(t *testing.T) {
	for in, want := range map[string]string{
		"password=xY host=db dbname=app":  "password=**** host=db dbname=app",
		"log:\npassword=xY host=db\nnext": "log:\npassword=**** host=db\nnext",
		"Password=a bXY":                  "Password=****",
	} {
		if out := RedactText(in); out != want {
			t.Errorf("RedactText(%q) = %q, want %q", in, out, want)
		}
	}
}

// TestFindWindowedAsWholeText: the patterns' first run on a window finds
// the match the whole text gives, on texts of the pieces quoting turns on
// that are longer than the window.
func TestFindWindowedAsWholeText(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	pieces := []string{"password", "pwd", "PGPASSWORD", "=", "=>", ": ", "'", `"`, `"""`, "'''", `\`, " ", "\n", "\n",
		"x", "yz", "$'", "r", "rb", ";", "`", "''", `""`, "\t", strings.Repeat("a", 40), strings.Repeat(" ", 30)}
	for range 3000 {
		var b strings.Builder
		for b.Len() < matchWindow+rng.IntN(3*matchWindow) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		for _, re := range []*lazyre.Regexp{passwordRE, passwordColonRE} {
			for _, pos := range []int{0, rng.IntN(len(s)), rng.IntN(len(s))} {
				want := re.Regexp().FindStringSubmatchIndex(s[pos:])
				if want != nil {
					want = offsetBy(want, pos)
				}
				if got := findWindowed(re.Regexp(), s, pos, nil); !slices.Equal(got, want) {
					t.Fatalf("at %d: %v, want %v in\n%q", pos, got, want, s)
				}
			}
		}
	}
}
