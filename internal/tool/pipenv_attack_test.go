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
	// A Pipfile above the project is not the repository's to read.
	os.Remove(filepath.Join(root, "Pipfile"))
	os.Remove(filepath.Join(sub, "Pipfile"))
	os.WriteFile(filepath.Join(filepath.Dir(root), "Pipfile"), []byte("[scripts]\nalembic = \"x\"\n"), 0o644)
	defer os.Remove(filepath.Join(filepath.Dir(root), "Pipfile"))
	if err := CheckPipenv(root, sub, strings.Fields("pipenv run alembic upgrade head")); err != nil {
		t.Errorf("a Pipfile above the project: %v", err)
	}
}
