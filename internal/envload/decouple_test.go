package envload

import (
	"strings"
	"testing"
)

// A settings.ini that configparser refuses, or a value it cannot
// interpolate, is an error at its line that never shows a value.
func TestDecoupleIniErrorsHoldNoValue(t *testing.T) {
	const secret = "Zm9vYmFyc2VjcmV0"
	for _, tc := range []struct {
		ini  string
		line int
	}{
		{"DATABASE_URL=postgres://app:" + secret + "@db/app\n", 1},
		{"[settings]\nDATABASE_URL=postgres://app:" + secret + "%40@db/app\n", 2},
		{"[settings]\nDATABASE_URL=postgres://app:%(" + strings.ToLower(secret) + ")s@db/app\n", 2},
		{"[settings]\nA=1\n" + secret + "\n", 3},
		{"[settings]\nA=" + secret + "\na=2\n", 3},
		{"[settings]\n[settings]\n", 2},
		{"[settings]\nA=%(B)s\nB=%(A)s\n", 2},
	} {
		_, _, err := parseDecouple("app/settings.ini", []byte(tc.ini))
		pe, ok := err.(*ParseError)
		if !ok {
			t.Errorf("%q: %T %v, want a *ParseError", tc.ini, err, err)
			continue
		}
		if pe.File != "app/settings.ini" || pe.Line != tc.line {
			t.Errorf("%q: error at %s:%d, want line %d", tc.ini, pe.File, pe.Line, tc.line)
		}
		if msg := pe.Error() + pe.Hint(); strings.Contains(msg, secret) || strings.Contains(msg, strings.ToLower(secret)) {
			t.Errorf("%q: error shows the value: %s", tc.ini, msg)
		}
	}
}

func FuzzDecoupleIni(f *testing.F) {
	for _, s := range []string{"[settings]\nA=1\n", "[DEFAULT]\nh=x\n[settings]\nB: %(h)s%%\n  more\n\n", "; c\n[a]b]\nk=v\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parseDecouple("settings.ini", []byte(s)) // no panic, no endless loop
	})
}
