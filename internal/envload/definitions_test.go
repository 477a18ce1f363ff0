package envload

import (
	"path/filepath"
	"sort"
	"testing"
)

// portDefinitions is Definitions as each dialect's port reads the file,
// with no shortcut: what Definitions must return.
func portDefinitions(file string, data []byte) []Def {
	in := &Input{Environ: map[string]string{}}
	type at struct {
		line       int
		key, value string
	}
	seen := map[at]bool{}
	var out []Def
	for _, d := range definitionDialects {
		defs, _, _ := d.parse(in, file, data)
		for _, def := range defs {
			if k := (at{def.Line, def.Key, def.Value}); !seen[k] {
				seen[k] = true
				out = append(out, def)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// TestDefinitionsAsThePorts: Definitions, which parses a plain file once
// for every dialect, returns what the six ports read, in order, for the
// conformance suite's files and for plain, plain-refs and other files.
func TestDefinitionsAsThePorts(t *testing.T) {
	var files [][]byte
	cases, _ := filepath.Glob("testdata/conformance/cases/*.txtar")
	for _, file := range cases {
		for _, data := range loadCase(t, file).files {
			files = append(files, data)
		}
	}
	for _, s := range []string{
		"", "A=1\n", "A=1\nA=2\n", "# c\nDATABASE_URL=postgres://u:p@h/db\n", "B=1\nA=postgres://u:${B}@h/db\n",
		"A=${A}\n", "A='x'\nB=\"y\"\n", "A=1", "export A=1\n", "A=x # c\n", "A=$B\n",
	} {
		files = append(files, []byte(s))
	}
	if len(cases) == 0 {
		t.Fatal("no conformance cases")
	}
	plain := 0
	for _, data := range files {
		if plainFile(data) || plainRefsFile(data) {
			plain++
		}
		if got, want := defsShown(Definitions(".env", data)), defsShown(portDefinitions(".env", data)); got != want {
			t.Fatalf("file %.300q:\nthe ports read %.500s\nDefinitions reads %.500s", data, want, got)
		}
	}
	if plain == 0 {
		t.Fatal("no plain file compared")
	}
}
