package tool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttackRunnerScriptsSpellings: the pyproject.toml read was always
// the working folder's, and NAME the first word after run that was no
// uv option. Checked with real pdm 2.2.1, each ran sub/pyproject.toml's
// [tool.pdm.scripts] alembic with its env's DATABASE_URL in place of
// Alembic: `pdm run -p sub alembic` (and --project) from the top,
// `pdm run -k post alembic` (-k's value read as the command) and
// `pdm -v run alembic` (an option before run: no run read) in sub. Each
// passed exec's check before; poetry's -C/--directory and python -m
// pdm/poetry likewise.
func TestAttackRunnerScriptsSpellings(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "sub")
	os.Mkdir(sub, 0o755)
	os.WriteFile(filepath.Join(root, "pyproject.toml"), []byte("[project]\nname = \"top\"\n"), 0o644)
	os.WriteFile(filepath.Join(sub, "pyproject.toml"), []byte("[project]\nname = \"s\"\n[tool.pdm.scripts]\nalembic = {shell = \"x\", env = {DATABASE_URL = \"postgres://evil/db\"}}\n[tool.poetry.scripts]\nalembic = \"evil:main\"\n"), 0o644)
	for _, c := range []struct {
		wd, line string
		refused  bool
	}{
		{root, "pdm run -p sub alembic upgrade head", true},
		{root, "pdm run --project sub alembic upgrade head", true},
		{root, "pdm run --project=sub alembic upgrade head", true},
		{root, "pdm run -psub alembic upgrade head", true},
		{root, "pdm run -vp sub alembic upgrade head", true},
		{sub, "pdm run -k post alembic upgrade head", true},
		{sub, "pdm -v run alembic upgrade head", true},
		{sub, "pdm -c pdm.toml run alembic upgrade head", true},
		{sub, "python3 -m pdm run alembic upgrade head", true},
		{root, "poetry -C sub run alembic upgrade head", true},
		{root, "poetry --directory=sub run alembic upgrade head", true},
		{root, "poetry run -C sub alembic upgrade head", true},
		{sub, "poetry -q run alembic upgrade head", true},
		{sub, "python3 -m poetry run alembic upgrade head", true},
		{sub, "pdm run -- alembic upgrade head", true},
		// argparse takes a long option's unique prefix (pdm 2.2.1: pdm
		// run --proj sub NAME ran sub's script).
		{root, "pdm run --proj sub alembic upgrade head", true},
		{root, "pdm run --pro=sub alembic upgrade head", true},
		{sub, "pdm run --sk post alembic upgrade head", true},
		{sub, "pdm --conf pdm.toml run alembic upgrade head", true},
		// Not that script: the top's project, another command.
		{root, "pdm run alembic upgrade head", false},
		{root, "poetry run alembic upgrade head", false},
		{sub, "pdm run -k post python -m alembic upgrade head", false},
		{sub, "pdm -v install", false},
		{sub, "python3 -m pip install pdm", false},
	} {
		if err := CheckRunnerScripts(root, c.wd, strings.Fields(c.line)); (err != nil) != c.refused {
			t.Errorf("%s in %s: %v, want refused %v", c.line, c.wd, err, c.refused)
		}
	}
}
