package tool

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackPipenvSpellings: pipenv's own options before run (--python
// 3, --pypi-mirror URL take the next word), run's options and a -- before
// the command, and python -m pipenv were read as no pipenv run, or as a
// command named like the option. Checked with real pipenv 2022.12.19:
// `pipenv --pypi-mirror URL run ...`, `pipenv --python 3 run ...` and
// `python3 -m pipenv run ...` loaded the project's .env; with
// PIPENV_DONT_LOAD_ENV=1, `pipenv run -- alembic`, `pipenv run --python 3
// alembic` and `pipenv run -v alembic` ran the Pipfile's alembic script.
// Each passed exec's check before.
func TestAttackPipenvSpellings(t *testing.T) {
	root := t.TempDir()
	os.Unsetenv("PIPENV_DONT_LOAD_ENV")
	t.Setenv("PIPENV_DONT_LOAD_ENV", "")
	for line, refused := range map[string]bool{
		"pipenv --python 3 run alembic upgrade head":                      true,
		"pipenv --pypi-mirror https://x.example run alembic upgrade head": true,
		"pipenv --python=3 run alembic upgrade head":                      true,
		"python3 -m pipenv run alembic upgrade head":                      true,
		"python3 -mpipenv shell":                                          true,
		"/usr/bin/python3 -I -m pipenv run python -m alembic current":     true,
		"pipenv --python 3 graph":                                         false,
		"python3 -m pip install pipenv":                                   false,
		"python3 -c pipenv run":                                           false,
	} {
		if err := CheckPipenv(root, root, strings.Fields(line)); (err != nil) != refused {
			t.Errorf("%s: %v, want refused %v", line, err, refused)
		}
	}

	t.Setenv("PIPENV_DONT_LOAD_ENV", "1")
	if err := os.WriteFile(filepath.Join(root, "Pipfile"), []byte("[scripts]\nalembic = \"echo x\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for line, refused := range map[string]bool{
		"pipenv run -- alembic upgrade head":                   true,
		"pipenv run --python 3 alembic upgrade head":           true,
		"pipenv run --pypi-mirror https://x.example alembic":   true,
		"pipenv run -v alembic upgrade head":                   true,
		"pipenv --python 3 run alembic upgrade head":           true,
		"python3 -m pipenv run alembic upgrade head":           true,
		"pipenv run -- python -m alembic upgrade head":         false,
		"pipenv run --python 3 python -m alembic upgrade head": false,
	} {
		err := CheckPipenv(root, root, strings.Fields(line))
		if (err != nil) != refused {
			t.Errorf("%s: %v, want refused %v", line, err, refused)
		}
		if refused && err != nil && !strings.Contains(err.Error(), "Pipfile:2:") {
			t.Errorf("%s: %v, want the script's line", line, err)
		}
	}
	// The hint runs Alembic itself, without run's options or the --.
	var a *exitcode.Advice
	err := CheckPipenv(root, root, strings.Fields("pipenv run -- alembic upgrade head"))
	if !errors.As(err, &a) || !strings.HasSuffix(a.Next, "dbguard exec -- pipenv run python -m alembic upgrade head") {
		t.Errorf("hint: %v", err)
	}
}
