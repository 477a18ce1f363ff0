package output

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
)

// splitMarkers stand for a planted password's letters and digits: no
// text around it holds them.
const splitMarkers = "ZQXJ"

// splitFormats write a password as formats do, on one line or on two.
var splitFormats = []func(string) string{
	func(s string) string {
		return "database:\n  password: '" + strings.ReplaceAll(s, "'", "''") + "'\n  host: db\n"
	},
	func(s string) string {
		b, _ := json.Marshal(s)
		return `{"password" : ` + string(b) + ", \"host\": \"db\"}\n"
	},
	func(s string) string {
		return "PGPASSWORD='" + strings.ReplaceAll(s, "'", `'\''`) + "' alembic upgrade head\n"
	},
	func(s string) string {
		return "alter role app with password '" + strings.ReplaceAll(s, "'", "''") + "';\n"
	},
	func(s string) string {
		return "Host=db;Password = \"" + strings.ReplaceAll(s, `"`, `""`) + "\";Port=5432\r\n"
	},
	func(s string) string {
		return "host=db password\t=\t'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "' user=app\n"
	},
	func(s string) string {
		b, _ := json.Marshal(s)
		return "{\"adapter\"=>\"postgresql\",\n \"password\"=>\n  " + string(b) + "}\n"
	},
	func(s string) string { b, _ := json.Marshal(s); return "pwd\t:\t" + string(b) + "\n" },
	// An INI bare value (one line), pprint's split string, a raw blank
	// in a URL's password, Unicode blanks at the separator.
	func(s string) string { return "[db]\ndb_password = " + oneLine(s) + "\nhost = db\n" },
	func(s string) string {
		return "{'host': 'db',\n 'password': 'aaaa '\n             '" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'}\n"
	},
	func(s string) string { return "connecting to postgres://app:" + oneLine(s) + "@db/app now\n" },
	func(s string) string { return "x password\u00a0=\u00a0\"" + strings.ReplaceAll(s, `"`, `""`) + "\"\n" },
	// An unquoted value after a key's ':' (YAML's plain scalar), a
	// quoted value on the line after its key's (util.inspect), libpq's
	// value after a blank line.
	func(s string) string { return "db:\n  password: " + oneLine(s) + "\n  host: db\n" },
	func(s string) string {
		return "{ host: 'db',\n  password:\n   '" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "' }\n"
	},
	func(s string) string { return "host=db password=\n\n" + strings.Fields(oneLine(s) + " x")[0] + "\n" },
}

// oneLine is s with its line breaks as blanks.
func oneLine(s string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(s) }

// FuzzRedactorSplitSecret: a text cut into two writes anywhere shows no
// more of a password than the whole text masked at once.
func FuzzRedactorSplitSecret(f *testing.F) {
	for _, s := range []string{"s3cret XY", "a b", "it's", `a"b`, "a\nb", "a\tb c", `a\`, "a: b", "a=b c"} {
		f.Add(s, uint16(5))
	}
	f.Fuzz(func(t *testing.T, raw string, cut uint16) {
		b := []byte(raw)
		for i, c := range b {
			if 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' {
				b[i] = splitMarkers[int(c)%len(splitMarkers)]
			}
		}
		secret := string(b)
		for _, format := range splitFormats {
			text := format(secret)
			if strings.ContainsAny(dburl.RedactText(text), splitMarkers) {
				continue // the patterns' own limit, FuzzRedactQuotedSecret's ground
			}
			at := int(cut) % (len(text) + 1)
			var out strings.Builder
			r := NewRedactor(&out)
			r.Write([]byte(text[:at]))
			r.Write([]byte(text[at:]))
			r.Flush()
			if strings.ContainsAny(out.String(), splitMarkers) {
				t.Fatalf("cut at %d:\n in: %q\nout: %q", at, text, out.String())
			}
		}
	})
}
