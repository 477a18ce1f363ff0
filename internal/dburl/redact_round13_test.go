package dburl

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/testutil/lineartest"
)

// TestAttackRedactDigitPasswordBeforeBlank: a URL whose password starts
// with digits and a raw blank (libpq 15's URI parser reads the userinfo to
// the '@', blanks and all: postgres://u:1234 5678@h is the password
// "1234 5678"; pgx refuses it with its own masked message) was read as a
// host and its port, and the password was shown whole.
func TestAttackRedactDigitPasswordBeforeBlank(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:731905 846213@h/d":                 "postgres://u:****@h/d",
		"connecting postgres://u:731905 846213@h/d now":  "connecting postgres://u:****@h/d now",
		`parse "postgres://u:731905 846213@h/d": x`:      `parse "postgres://u:****@h/d": x`,
		`parse "postgres://u:s3 cZQ@h/d": invalid`:       `parse "postgres://u:****@h/d": invalid`,
		"postgres://u:731905 abcZQ@h/d":                  "postgres://u:****@h/d",
		"postgres://u:73 19 05 84@h:5432/d":              "postgres://u:****@h:5432/d",
		"postgres://u:731905\t846213@h/d":                "postgres://u:****@h/d",
		"postgresql://app:2024 Summer!@db.internal/app":  "postgresql://app:****@db.internal/app",
		"postgres://localhost:5432 me@x.org":             "postgres://localhost:****@x.org",
		"see postgres://localhost:5432 or mail me@x.org": "see postgres://localhost:5432 or mail me@x.org",
		"postgres://h:5432 and 1 more@x":                 "postgres://h:5432 and 1 more@x",
		"postgres://h:5432 12 /d@x":                      "postgres://h:5432 12 /d@x",
		"postgres://h:5432\nme@x.org":                    "postgres://h:5432\nme@x.org",
	} {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

// TestRedactConninfoPasswordFirst: a libpq keyword/value string that
// starts with its password, blanks around '=' (libpq's conninfo_parse
// reads them and ends a bare value at a blank), had its host and the rest
// masked with the value, read as an INI line's bare value. An INI or
// YAML value with blanks is still masked to its line's end.
func TestRedactConninfoPasswordFirst(t *testing.T) {
	for in, want := range map[string]string{
		"password = x host=db":                              "password = **** host=db",
		"password = x host=db user=app":                     "password = **** host=db user=app",
		"  password = x host = db port=5432 dbname='a b'\n": "  password = **** host = db port=5432 dbname='a b'\n",
		"sslpassword = k sslmode=verify-full":               "sslpassword = **** sslmode=verify-full",
		"password\t=\tx\thost=db":                           "password\t=\t****\thost=db",
		// libpq's bare value may start with a quoted piece; a blank ends
		// it (found by FuzzRedactQuotedSecret's new format: &ZQ showed).
		`password = ""&ZQ host=db`: "password = **** host=db",
		// INI and YAML: to the line's end, as before.
		"password = a b c":            "password = ****",
		"password = a host=b c":       "password = ****",
		"password = a host=b\nc = d":  "password = **** host=b\nc = d",
		"password = a color=red":      "password = ****",
		"password = a host='b":        "password = ****",
		"db_password = x host=db":     "db_password = ****",
		"Password = x Host=db":        "Password = ****",
		"password: a b":               "password: ****",
		"[db]\npassword = a b\nx = y": "[db]\npassword = ****\nx = y",
	} {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

// TestAttackRedactColonKeysOnOneLineLinear: each key before ':' whose
// value the unquoted-value rule reads (maskColonValues) made the search
// for the next key read the rest of the line again: at the base its match
// ran to the line's end, and after round 13's first fix the value's end
// was still found by reading to the line's end once a key (3,200 keys, 29
// KB: 18 s at the base; 8 times the keys cost 19-34 times as much after).
// No key starts the line: a key that starts it masks the whole rest in
// one go, and the next key's search ends there (the unit "pwd: x, " was
// linear at the base). 400 units on the smaller side: about 0.5 ms a run,
// the larger side's 4 ms forty times lineartest's 100 us slack; at round
// 13's first fix (c798244) each unit grew 35-38 times, at 8e71665 past
// lineartest.Beyond (200).
func TestAttackRedactColonKeysOnOneLineLinear(t *testing.T) {
	for _, unit := range []string{"a pwd: x, ", "a password: is b ", "{db_pass: y} ", "x: 1 pwd: a b: "} {
		line := func(n int) string { return strings.Repeat(unit, n) }
		if g := lineartest.Growth(line, func(s string) { RedactText(s) }, 400); g > 20 {
			t.Errorf("%q: 8 times the keys on one line cost %.1f times as much", unit, g)
		}
	}
}

// TestAttackRedactQuotedValuesOnOneLineLinear: a quoted value, closed,
// was read back to its line's start for the column a pprint literal on
// the next line would continue it at (continuedEnd), before asking
// whether a line break follows it: a line of many quoted values cost time
// quadratic in its length (8,000 `a password='x' `, 120 KB: 2 s; with 800
// units a side, 5 ms a run, 8 times the values cost 32-45 times as much;
// found in round 13's review). The line break is asked for first now.
func TestAttackRedactQuotedValuesOnOneLineLinear(t *testing.T) {
	for _, unit := range []string{"a password='x' ", `a "password": "x", `, "pwd: 'x' ", `{'pwd': b'x'} `} {
		line := func(n int) string { return strings.Repeat(unit, n) }
		if g := lineartest.Growth(line, func(s string) { RedactText(s) }, 800); g > 20 {
			t.Errorf("%q: 8 times the values on one line cost %.1f times as much", unit, g)
		}
	}
}

// TestLineBreaksAsIndexByte: the line break lineBreaks finds from
// positions that do not go back is the one strings.IndexByte finds.
func TestLineBreaksAsIndexByte(t *testing.T) {
	for _, s := range []string{"", "\n", "ab\ncd\n\nef", strings.Repeat("a b\n", 50) + strings.Repeat("x", 700), "no break"} {
		for step := 1; step <= 7; step += 3 {
			var nl lineBreaks
			for i := 0; i < len(s); i += step {
				want := strings.IndexByte(s[i:], '\n')
				if want >= 0 {
					want += i
				}
				if got := nl.next(s, i); got != want {
					t.Fatalf("%.20q from %d (step %d): %d, want %d", s, i, step, got, want)
				}
			}
		}
	}
}

// BenchmarkRedactLongLineOfKeywords: a 400 KB line of 8,000 pgx errors,
// each with a password: the password patterns' window found the line
// break after its 512 bytes again for each keyword (memchr over the rest
// of the line), and pgx's rule, once it read each error, to the line's
// end once an error. Both find it once now (round 13's review).
func BenchmarkRedactLongLineOfKeywords(b *testing.B) {
	s := strings.Repeat("cannot parse `password=a b` (missing \"=\" after \"b\") ", 8000)
	for b.Loop() {
		RedactText(s)
	}
}

// TestColonScanAsWholeLinePattern: maskColonValues, which finds a line's
// end once and its keys through a window, masks what the pattern with the
// value in it (the base's, to the line's end, run on the whole rest for
// each key) masks, on texts of keys, blanks, line breaks and values.
func TestColonScanAsWholeLinePattern(t *testing.T) {
	whole := regexp.MustCompile(`(?im)(^[ \t]*(?:-[ \t]+)?|[\s,;{(\[])(` + colonKeyword + `[ \t]*:[ \t]+)([^\r\n]*)`)
	reference := func(s string) string {
		var b strings.Builder
		last := 0
		for pos := 0; pos < len(s); {
			m := whole.FindStringSubmatchIndex(s[pos:])
			if m == nil {
				break
			}
			m = offsetBy(m, pos)
			valueEnd := max(m[6], len(strings.TrimRight(s[:m[7]], " \t\r")))
			from, to, ok := colonValueAt(s, m, valueEnd)
			if !ok {
				pos = m[5]
				continue
			}
			b.WriteString(s[last:from])
			b.WriteString(Mask)
			last, pos = to, to
		}
		if last == 0 {
			return s
		}
		b.WriteString(s[last:])
		return b.String()
	}
	pieces := []string{"pwd: ", "a password: ", "{db_pass: ", "- pwd:\t", "x", "y ", ", ", "} ", "\n", "\r\n", "  ", "\t", "'q' ", "host: db ", "****", strings.Repeat("z", 300), strings.Repeat(" ", 200)}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		var b strings.Builder
		for range 1 + rng.IntN(40) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := maskColonValues(s), reference(s); got != want {
			t.Fatalf("maskColonValues(%q)\n = %q\nwant %q", s, got, want)
		}
	}
}
