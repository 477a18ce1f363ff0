package envcheck

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/output"
)

func TestParseFile(t *testing.T) {
	type def struct {
		key, value string
		line       int
	}
	tests := []struct {
		name string
		in   string
		want []def
	}{
		{"plain", "A=1\nB=two\n", []def{{"A", "1", 1}, {"B", "two", 2}}},
		{"comments and blanks keep line numbers", "# c\n\n  A = 1  # trailing\n", []def{{"A", "1", 3}}},
		{"BOM and CRLF", "\xEF\xBB\xBFA=1\r\nB=2\r\n", []def{{"A", "1", 1}, {"B", "2", 2}}},
		{"export with any spacing", "export A=1\nexport\tB=2\nexport  C=3\n", []def{{"A", "1", 1}, {"B", "2", 2}, {"C", "3", 3}}},
		{"a key named export", "export=1\n", []def{{"export", "1", 1}}},
		{"quoted # is kept", `P="pa#ss"` + "\n" + `Q='pa#ss'`, []def{{"P", "pa#ss", 1}, {"Q", "pa#ss", 2}}},
		{"unquoted # ends the value (go-envparse)", "P=pa#ss\n", []def{{"P", "pa", 1}}},
		{"empty values stay", "A=\nB=\"\"\n", []def{{"A", "", 1}, {"B", "", 2}}},
		{"multi-line double quotes", "K=\"line1\nline2\"\nN=1\n", []def{{"K", "line1\nline2", 1}, {"N", "1", 3}}},
		{"multi-line single quotes", "K='a\\n\nb'\n", []def{{"K", "a\\n\nb", 1}}},
		{"escapes in double quotes", `K="a\"b\\c"`, []def{{"K", `a"b\c`, 1}}},
		{"duplicate keys are all kept", "A=1\nA=2\n", []def{{"A", "1", 1}, {"A", "2", 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defs, err := ParseFile(".env", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var got []def
			for _, d := range defs {
				got = append(got, def{d.Key, d.Value, d.Line})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("definition %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestParseFileErrors(t *testing.T) {
	tests := []struct {
		in   string
		line int
		want string
	}{
		{"A=1\nthis line has no equals\n", 2, "no '='"},
		{"A=1\n=value\n", 2, "nothing before '='"},
		{"1ABC=x\n", 1, `not a variable name: an unexpected character at the start of the line`},
		{"MY-VAR=x\n", 1, `not a variable name: an unexpected character after MY`},
		{"my.var=x\n", 1, `not a variable name`},
		{"A=1\nB=\"never closed\nC=3\n", 2, "the quote is never closed"},
		{"A='x\n", 1, "unmatched '"},
		{"A=\"bad \\q escape\"\n", 1, "invalid escape sequence"},
		{"MY VAR=x\n", 1, "a space after MY"},
		// The text before '=' can be a secret: it is never quoted.
		{"POSTGRES_PASSWORD: Zm9vYmFyc2VjcmV0=\n", 1, "':' after POSTGRES_PASSWORD: write KEY=value"},
		{"DATABASE_URL postgres://app:pw=@h/db\n", 1, "a space after DATABASE_URL"},
	}
	for _, tt := range tests {
		_, err := ParseFile("backend/.env", []byte(tt.in))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("ParseFile(%q) = %v, want a *ParseError", tt.in, err)
			continue
		}
		if pe.Line != tt.line || pe.File != "backend/.env" {
			t.Errorf("ParseFile(%q): at %s:%d, want line %d", tt.in, pe.File, pe.Line, tt.line)
		}
		if !strings.Contains(pe.Error(), tt.want) {
			t.Errorf("ParseFile(%q) = %q, want it to contain %q", tt.in, pe, tt.want)
		}
		for _, secret := range []string{"Zm9vYmFy", "app:pw"} {
			if strings.Contains(pe.Error(), secret) {
				t.Errorf("ParseFile(%q) = %q quotes the value", tt.in, pe)
			}
		}
		if !strings.HasPrefix(pe.Error(), "backend/.env:") {
			t.Errorf("error does not start with file:line: %q", pe)
		}
	}
}

func FuzzParseFile(f *testing.F) {
	for _, s := range []string{
		"A=1\n# c\nexport B='x y'\n",
		"K=\"multi\nline\"\n",
		"\xEF\xBB\xBFDATABASE_URL=postgres://u:pa#ss@h/db\r\n",
		"BAD LINE\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		defs, err := ParseFile("f", []byte(s))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 || pe.Line > strings.Count(s, "\n")+1 {
				t.Fatalf("error %v has no valid line", err)
			}
			return
		}
		last := 0
		for _, d := range defs {
			if d.Line <= last || d.Line > strings.Count(s, "\n")+1 {
				t.Fatalf("definition %s at line %d after line %d", d.Key, d.Line, last)
			}
			last = d.Line
			if checkKey(d.Key) != "" {
				t.Fatalf("accepted bad key %q", d.Key)
			}
		}
	})
}

// An unclosed quote used to make ParseFile quadratic (80 KB: 5.9 s, 1 MB:
// 14.5 s). Run: go test -bench UnclosedQuote ./internal/envcheck; the two
// sizes should differ by about their ratio.
func BenchmarkParseFileUnclosedQuote(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		data := []byte("A=\"open\n" + strings.Repeat("K=value\n", n))
		b.Run(fmt.Sprint(n, "lines"), func(b *testing.B) {
			for b.Loop() {
				ParseFile(".env", data)
			}
		})
	}
}

// Location is the escaped file name, a colon and the line, as
// fmt.Sprintf("%s:%d") wrote it.
func TestDefinitionLocation(t *testing.T) {
	for _, d := range []Definition{{File: ".env", Line: 1}, {File: "services/s1/app/.env.local", Line: 1234}, {File: "a\nb/.env\x1b[31m", Line: 7}, {File: "x", Line: 0}, {File: "", Line: 3}} {
		want := fmt.Sprintf("%s:%d", output.Escape(d.File), d.Line)
		if d.File == "" {
			want = "environment"
		}
		if got := d.Location(); got != want {
			t.Errorf("Location of %q:%d = %q, want %q", d.File, d.Line, got, want)
		}
	}
}
