package tool

import (
	"strings"
	"testing"
)

// TestAttackKindOfRunnerGlobalOptions: a runner's option before run, and python
// -m RUNNER, made the line no runner's to KindOf, so exec ran Alembic
// with none of its checks (exec_attack_runner_global_options.txtar, with
// real pdm). alembicArgs reads the same words, so -c behind them counts.
func TestAttackKindOfRunnerGlobalOptions(t *testing.T) {
	for line, want := range map[string]string{
		"pdm -v run alembic -c x.ini upgrade head":            "-c x.ini upgrade head",
		"poetry -q run alembic -c x.ini upgrade head":         "-c x.ini upgrade head",
		"poetry -C . run alembic -c x.ini upgrade head":       "-c x.ini upgrade head",
		"uv --quiet run alembic -c x.ini upgrade head":        "-c x.ini upgrade head",
		"uv --directory . run alembic -c x.ini upgrade head":  "-c x.ini upgrade head",
		"hatch -e prod run alembic -c x.ini upgrade head":     "-c x.ini upgrade head",
		"python3 -m pdm run alembic -c x.ini upgrade head":    "-c x.ini upgrade head",
		"python3 -m poetry run python -m alembic -c x.ini":    "-c x.ini",
		"pipenv --python 3 run alembic -c x.ini upgrade head": "-c x.ini upgrade head",
	} {
		args := strings.Fields(line)
		if k := KindOf(args); k != Alembic {
			t.Errorf("%s: KindOf %q, want alembic", line, k)
		}
		if got := strings.Join(alembicArgs(args), " "); got != want {
			t.Errorf("%s: alembicArgs %q, want %q", line, got, want)
		}
	}
	for _, line := range []string{"pdm -v install alembic", "uv --quiet pip install alembic", "python3 -m pip install alembic", "poetry -q run python app.py"} {
		if k := KindOf(strings.Fields(line)); k != "" {
			t.Errorf("%s: KindOf %q, want none", line, k)
		}
	}
}
