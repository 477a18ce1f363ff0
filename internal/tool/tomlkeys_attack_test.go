package tool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttackTomlScriptsHidden: the runner checks read a pyproject.toml or
// Pipfile a line at a time, so TOML that pdm reads as a script named like
// the command was read as none. Checked with real pdm 2.2.1, each ran
// [tool.pdm.scripts] alembic with its env's DATABASE_URL in Alembic's
// place: a comment after the header ("[tool.pdm.scripts] # tasks" named
// no table), and a multi-line string whose line looks like a header
// ([tool.lint] inside lint's """...""" moved what follows into it). An
// inline table assigned above the path (pdm = { scripts = { ... } }) and
// an escaped key inside an inline table were none too. All passed exec's
// check before; a key in a string or another table is still none.
func TestAttackTomlScriptsHidden(t *testing.T) {
	for _, c := range []struct {
		toml string
		at   int
	}{
		{"[tool.pdm.scripts] # the project's tasks\nalembic = \"x\"\n", 2},
		{"[tool.pdm.scripts]\nlint = \"\"\"ruff\n[tool.lint]\n\"\"\"\nalembic = \"x\"\n", 5},
		{"[tool.pdm.scripts]\nlint = '''ruff\n[tool.lint]\n'''\nalembic = \"x\"\n", 5},
		{"[tool.pdm.scripts]\nlint = [\n\"a\",\n[\"b\"],\n]\nalembic = \"x\"\n", 6},
		{"[tool]\npdm = { scripts = { alembic = \"x\" } }\n", 2},
		{"tool = { pdm = { scripts = { alembic = { shell = \"x\" } } } }\n", 1},
		{"[tool.pdm]\nscripts = { lint = \"ruff\", \"\\u0061lembic\" = \"x\" }\n", 2},
		{"[tool.pdm]\nscripts = { lint = \"ruff\", _ = { env = { A = \"1\" } } }\n", 2},
		{"[ tool . pdm . \"scripts\" ] # x\n'alembic' = \"x\"\n", 2},
		{"[\"tool.pdm\".scripts]\nalembic = \"x\"\n", 0}, // one key named tool.pdm
		{"[tool.pdm.scripts]\nlint = \"\"\"\nalembic = x\n\"\"\"\n", 0},
		{"[tool.pdm.scripts]\nlint = \"ruff # alembic = 1\"\n", 0},
		{"[tool.pdm]\nscripts = { lint = \"alembic check\" }\n", 0},
		{"[tool.other]\nx = \"\"\"\n[tool.pdm.scripts]\nalembic = 1\n\"\"\"\n", 0},
	} {
		root := t.TempDir()
		if err := os.WriteFile(filepath.Join(root, "pyproject.toml"), []byte(c.toml), 0o644); err != nil {
			t.Fatal(err)
		}
		err := CheckRunnerScripts(root, root, strings.Fields("pdm run alembic upgrade head"))
		if (err != nil) != (c.at > 0) {
			t.Errorf("%q: %v, want refused %v", c.toml, err, c.at > 0)
			continue
		}
		if c.at > 0 && !strings.Contains(err.Error(), "pyproject.toml:"+string(rune('0'+c.at))+":") {
			t.Errorf("%q: %v, want line %d", c.toml, err, c.at)
		}
	}
	// The Pipfile is read so too.
	root := t.TempDir()
	t.Setenv("PIPENV_DONT_LOAD_ENV", "1")
	os.WriteFile(filepath.Join(root, "Pipfile"), []byte("[packages]\nalembic = \"*\"\n\n[scripts] # tasks\nalembic = \"sh -c x\"\n"), 0o644)
	if err := CheckPipenv(root, root, strings.Fields("pipenv run alembic upgrade head")); err == nil || !strings.Contains(err.Error(), "Pipfile:5:") {
		t.Errorf("a Pipfile's [scripts] # tasks: %v", err)
	}
}

// FuzzTomlDefines: any text is read to its end, without a panic or a
// loop, and a line found is one of the text's.
func FuzzTomlDefines(f *testing.F) {
	for _, s := range []string{"[tool.pdm.scripts]\nalembic = \"x\"\n", "a = \"\"\"\n[x]\n\"\"\"\n", "t = { a = { b = [1, {c = 2}] } }\n", "[\"a", "x = '", "= {", "a.\"b\\u00\" = 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if line := tomlDefines([]byte(s), []string{"tool", "pdm", "scripts"}, "alembic"); line < 0 || line > strings.Count(s, "\n")+1 {
			t.Fatalf("line %d of %d", line, strings.Count(s, "\n")+1)
		}
	})
}
