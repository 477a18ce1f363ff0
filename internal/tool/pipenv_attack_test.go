package tool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttackPipenvRun: pipenv run loads the project's .env with override
// (checked with pipenv 2022.12.19: a .env's DATABASE_URL and PYTHONPATH
// replaced the ones it was given) and runs a Pipfile [scripts] entry
// named like the command in its place. exec let both through; now pipenv
// run and shell are refused unless PIPENV_DONT_LOAD_ENV reads as true to
// pipenv, and a script of the command's name at its Pipfile's line.
func TestAttackPipenvRun(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "api")
	os.Mkdir(sub, 0o755)
	for v, loads := range map[string]bool{"": true, "0": true, "false": true, "OFF": true, "no": true, "1": false, "true": false, "Yes": false, "anything": false} {
		t.Setenv("PIPENV_DONT_LOAD_ENV", v)
		err := CheckPipenv(root, sub, strings.Fields("pipenv run alembic upgrade head"))
		if (err != nil) != loads {
			t.Errorf("PIPENV_DONT_LOAD_ENV=%q: %v, want refused %v", v, err, loads)
		}
	}
	os.Unsetenv("PIPENV_DONT_LOAD_ENV")
	for line, refused := range map[string]bool{
		"pipenv run alembic upgrade head":         true,
		"pipenv --quiet run alembic upgrade head": true,
		"pipenv shell":                          true,
		"pipenv graph":                          false,
		"poetry run alembic upgrade head":       false,
		"/usr/bin/pipenv run python -m alembic": true,
	} {
		if err := CheckPipenv(root, sub, strings.Fields(line)); (err != nil) != refused {
			t.Errorf("%s: %v, want refused %v", line, err, refused)
		}
	}

	t.Setenv("PIPENV_DONT_LOAD_ENV", "1")
	for pipfile, line := range map[string]int{
		"[packages]\nalembic = \"*\"\n":                                     0,
		"[packages]\nalembic = \"*\"\n\n[scripts]\nalembic = \"sh -c x\"\n": 5,
		"[scripts]\n\"alembic\" = \"x\"\n":                                  2,
		"[ scripts ]\nmigrate = \"x\"\nalembic='x'\n":                       3,
		"scripts.alembic = \"x\"\n":                                         1,
		"scripts = { alembic = \"x\" }\n":                                   1,
		"[scripts]\nalembic-check = \"x\"\n":                                0,
	} {
		for _, where := range []string{root, sub} {
			os.Remove(filepath.Join(root, "Pipfile"))
			os.Remove(filepath.Join(sub, "Pipfile"))
			if err := os.WriteFile(filepath.Join(where, "Pipfile"), []byte(pipfile), 0o644); err != nil {
				t.Fatal(err)
			}
			err := CheckPipenv(root, sub, strings.Fields("pipenv run alembic upgrade head"))
			if (err != nil) != (line > 0) {
				t.Errorf("%q in %s: %v, want refused %v", pipfile, where, err, line > 0)
			}
			if line > 0 && err != nil && !strings.Contains(err.Error(), "Pipfile:"+string(rune('0'+line))+":") {
				t.Errorf("%q: %v, want its line %d", pipfile, err, line)
			}
		}
	}
	// pipenv reads the nearest Pipfile (pipenv 2022.12.19: pipenv --where
	// in svc/ with a Pipfile there and one above says svc/): a script in
	// the one above is not what runs, and is no refusal.
	os.WriteFile(filepath.Join(root, "Pipfile"), []byte("[scripts]\nalembic = \"x\"\n"), 0o644)
	os.WriteFile(filepath.Join(sub, "Pipfile"), []byte("[packages]\nalembic = \"*\"\n"), 0o644)
	if err := CheckPipenv(root, sub, strings.Fields("pipenv run alembic upgrade head")); err != nil {
		t.Errorf("a script in a Pipfile above the nearest one: %v", err)
	}
	// A Pipfile above the project is not the repository's to read.
	os.Remove(filepath.Join(root, "Pipfile"))
	os.Remove(filepath.Join(sub, "Pipfile"))
	os.WriteFile(filepath.Join(filepath.Dir(root), "Pipfile"), []byte("[scripts]\nalembic = \"x\"\n"), 0o644)
	defer os.Remove(filepath.Join(filepath.Dir(root), "Pipfile"))
	if err := CheckPipenv(root, sub, strings.Fields("pipenv run alembic upgrade head")); err != nil {
		t.Errorf("a Pipfile above the project: %v", err)
	}
}

// TestAttackRunnerScripts: pdm run NAME runs [tool.pdm.scripts] NAME, and
// its shared options (_: env, env_file) apply to every command (checked
// with pdm 2.2.1: a DATABASE_URL and PYTHONPATH = "" there replaced the
// guarded URL and dropped the guard); poetry run NAME runs
// [tool.poetry.scripts] NAME (poetry 1.3.2). Each was let through; now
// refused at the nearest pyproject.toml's line, in TOML's forms.
func TestAttackRunnerScripts(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "api")
	os.Mkdir(sub, 0o755)
	for _, c := range []struct {
		line, toml string
		at         int
	}{
		{"pdm run alembic upgrade head", "[tool.pdm.scripts]\nalembic = \"x\"\n", 2},
		{"pdm run alembic upgrade head", "[tool.pdm.scripts]\n_.env = {DATABASE_URL = \"x\"}\n", 2},
		{"pdm run -s alembic upgrade head", "[tool.pdm.scripts._]\nenv_file = {override = \".env\"}\n", 1},
		{"pdm run alembic upgrade head", "[tool.pdm]\nscripts.alembic.cmd = \"x\"\n", 2},
		{"pdm run alembic upgrade head", "[tool]\npdm.scripts = { alembic = \"x\" }\n", 2},
		{"pdm run alembic upgrade head", "[tool.pdm.scripts.\"alembic\"]\ncmd = \"x\"\n", 1},
		{"pdm run alembic upgrade head", "[tool.pdm.scripts]\n\"\\u0061lembic\" = \"x\"\n", 2},
		{"pdm run alembic upgrade head", "[tool.\"pdm\".\"\\u0073cripts\"]\n_ = {env = {A = \"1\"}}\n", 2},
		{"poetry run alembic upgrade head", "[tool.poetry.scripts]\nalembic = \"evil:main\"\n", 2},
		{"poetry run -C . alembic upgrade head", "[tool.poetry]\nname = \"app\"\n\n[tool.poetry.scripts]\n'alembic' = \"evil:main\"\n", 5},
		// Not theirs: another table, another name, another runner's.
		{"pdm run alembic upgrade head", "[project]\ndependencies = [\"alembic\"]\n[tool.pdm.scripts]\nlint = \"ruff\"\n", 0},
		{"poetry run alembic upgrade head", "[tool.poetry.dependencies]\nalembic = \"*\"\n[tool.pdm.scripts]\nalembic = \"x\"\n", 0},
		{"poetry run alembic upgrade head", "[tool.poetry.scripts]\n_ = \"x\"\n", 0},
		{"uv run alembic upgrade head", "[tool.pdm.scripts]\nalembic = \"x\"\n", 0},
	} {
		for _, where := range []string{root, sub} {
			os.Remove(filepath.Join(root, "pyproject.toml"))
			os.Remove(filepath.Join(sub, "pyproject.toml"))
			if err := os.WriteFile(filepath.Join(where, "pyproject.toml"), []byte(c.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			err := CheckRunnerScripts(root, sub, strings.Fields(c.line))
			if (err != nil) != (c.at > 0) {
				t.Errorf("%s with %q in %s: %v, want refused %v", c.line, c.toml, where, err, c.at > 0)
			}
			if c.at > 0 && err != nil && !strings.Contains(err.Error(), "pyproject.toml:"+string(rune('0'+c.at))+":") {
				t.Errorf("%s with %q: %v, want line %d", c.line, c.toml, err, c.at)
			}
		}
	}
	// The nearest pyproject.toml is the project's: a clean one in api/
	// hides the root's script, as it does from pdm.
	os.WriteFile(filepath.Join(root, "pyproject.toml"), []byte("[tool.pdm.scripts]\nalembic = \"x\"\n"), 0o644)
	os.WriteFile(filepath.Join(sub, "pyproject.toml"), []byte("[project]\nname = \"api\"\n"), 0o644)
	if err := CheckRunnerScripts(root, sub, strings.Fields("pdm run alembic upgrade head")); err != nil {
		t.Errorf("api's own pyproject.toml: %v", err)
	}
}
