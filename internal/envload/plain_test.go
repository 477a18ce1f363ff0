package envload

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

var dialects = []*dialect{dialectDotenv, dialectNode, dialectPython, dialectGodotenv, dialectCompose, dialectEnvparse, dialectDecouple}

// agreeOnPlain checks the claim Input.plainSignature rests on: every
// dialect reads a plain file the same, line for line.
func agreeOnPlain(t *testing.T, data []byte) {
	t.Helper()
	if !plainFile(data) {
		return
	}
	in := &Input{Environ: map[string]string{}}
	first := parsePlain(".env", data)
	for _, d := range dialects {
		defs, _, err := d.parse(in, ".env", data)
		if err != nil {
			t.Fatalf("%s fails on a plain file %q: %v", d.name, data, err)
		}
		got := fmt.Sprint(keyValueLines(defs))
		if want := fmt.Sprint(keyValueLines(first)); got != want {
			t.Fatalf("plain file %q:\nthe shortcut reads %s\n%s reads %s", data, want, d.name, got)
		}
	}
}

func keyValueLines(defs []Def) []string {
	var out []string
	for _, d := range defs {
		out = append(out, fmt.Sprintf("%s=%q@%d", d.Key, d.Value, d.Line))
	}
	return out
}

func TestPlainFilesAgree(t *testing.T) {
	cases, _ := filepath.Glob("testdata/conformance/cases/*.txtar")
	plain := 0
	for _, file := range cases {
		for _, data := range loadCase(t, file).files {
			if plainFile(data) {
				plain++
			}
			agreeOnPlain(t, data)
		}
	}
	for _, s := range []string{
		"", "\n", "# c\n", "A=1\n", "A=\n", "A=1\nA=2\n", "# a=b\nA=x\n", "A=postgres://u:p@h:5432/db?sslmode=require\n",
		"A=x y\n", "export_A=1\n", "_A=1\n", "A1=1\n",
	} {
		agreeOnPlain(t, []byte(s))
	}
	// Random plain files from the characters URLs and configs use.
	rng := rand.New(rand.NewPCG(1, 2))
	const valueChars = "abcXYZ019:/@?=%&.-_+,;!()[]{}~* <>|^"
	for n := 0; n < 3000; n++ {
		var b strings.Builder
		for l := rng.IntN(6); l >= 0; l-- {
			switch rng.IntN(5) {
			case 0:
				b.WriteString("\n")
				continue
			case 1:
				b.WriteString("# note " + string(valueChars[rng.IntN(len(valueChars))]) + "\n")
				continue
			}
			b.WriteString([]string{"A", "DATABASE_URL", "_x1", "export_A", "Ab"}[rng.IntN(5)] + "=")
			v := make([]byte, rng.IntN(12))
			for i := range v {
				v[i] = valueChars[rng.IntN(len(valueChars))]
			}
			b.Write(v)
			b.WriteString("\n")
		}
		agreeOnPlain(t, []byte(b.String()))
	}
	if plain < 50 {
		t.Errorf("only %d plain files in the corpus: the shortcut is barely tested", plain)
	}
	for _, s := range []string{"A=1", "A= 1\n", "A=$B\n", "A='x'\n", "A=x#y\n", "export A=1\n", "1A=x\n", "A-B=1\n", "\uFEFFA=1\n", "A=1\r\n", "A x\n"} {
		if plainFile([]byte(s)) {
			t.Errorf("plainFile(%q) = true", s)
		}
	}
}

func FuzzPlainFile(f *testing.F) {
	for _, s := range []string{"A=1\n", "# c\nB=postgres://u:p@h/db\n", "A=\nA=2\n", "B=1\nA=x${B}y\nC=${C}\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		agreeOnPlain(t, data)
		agreeOnPlainRefs(t, data, map[string]string{})
		// No parser may panic on anything.
		in := &Input{Environ: map[string]string{}}
		for _, d := range dialects {
			d.parse(in, ".env", data)
		}
	})
}
