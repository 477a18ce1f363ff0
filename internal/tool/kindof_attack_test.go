package tool

import (
	"strings"
	"testing"
)

// TestAttackKindOfPythonForms: dbguard exec knew Alembic only as alembic
// or python -m alembic with -m a word of its own, so python3 -malembic,
// python3 -Im alembic, uv run alembic or poetry run python -m alembic ran
// Alembic without the checks exec gives it (alembic.ini's script_location
// out of the project, env.py's load_dotenv(override=True)): each is
// Alembic now; a script, -c, or -m of another module is not.
func TestAttackKindOfPythonForms(t *testing.T) {
	for line, want := range map[string]Kind{
		"alembic upgrade head":                             Alembic,
		"python -m alembic upgrade head":                   Alembic,
		"python3 -malembic upgrade head":                   Alembic,
		"python3 -Im alembic upgrade head":                 Alembic,
		"python3 -Imalembic upgrade head":                  Alembic,
		"python3.12 -W ignore -m alembic upgrade head":     Alembic,
		"python3 -Wignore -X dev -m alembic upgrade head":  Alembic,
		"python3 -X importtime -Bm alembic upgrade head":   Alembic,
		"python3 --check-hash-based-pycs never -m alembic": Alembic,
		"uv run alembic upgrade head":                      Alembic,
		"poetry run alembic upgrade head":                  Alembic,
		"pipenv run python -m alembic upgrade head":        Alembic,
		"pdm run python3 -Im alembic upgrade head":         Alembic,
		"python3 manage.py -m alembic":                     "",
		"python3 -c import alembic -m alembic":             "",
		"python3 -m pip install alembic":                   "",
		"python3 -W -m alembic":                            "", // -m is -W's value; alembic the script
		"uv run pytest -m alembic":                         "",
		"uv pip install alembic":                           "",
		"dbmate up":                                        Dbmate,
	} {
		if got := KindOf(strings.Fields(line)); got != want {
			t.Errorf("KindOf(%s) = %q, want %q", line, got, want)
		}
	}
}
