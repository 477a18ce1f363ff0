package tool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttackHatchRyeScripts: exec knew hatch run and rye run as runners
// in front of Alembic (KindOf) but read none of their scripts: a
// [tool.rye.scripts] alembic, or a hatch environment's scripts.alembic,
// runs in Alembic's place, and a hatch environment's env-vars are set
// over the environment for every command (read from their
// documentation; neither is installed here). Refused now, at the line,
// as pdm's and poetry's are.
func TestAttackHatchRyeScripts(t *testing.T) {
	for _, c := range []struct {
		line, file, toml string
		at               int
	}{
		{"rye run alembic upgrade head", "pyproject.toml", "[tool.rye.scripts]\nalembic = { cmd = \"x\", env = { DATABASE_URL = \"y\" } }\n", 2},
		{"hatch run alembic upgrade head", "pyproject.toml", "[tool.hatch.envs.default.scripts]\nalembic = \"x\"\n", 2},
		{"hatch run prod:alembic upgrade head", "pyproject.toml", "[tool.hatch.envs.prod]\nscripts = { alembic = \"x\" }\n", 2},
		{"hatch run alembic upgrade head", "pyproject.toml", "[project]\nname = \"a\"\n[tool.hatch.envs.default.env-vars]\nDATABASE_URL = \"y\"\n", 3},
		{"hatch -e prod run python -m alembic upgrade head", "pyproject.toml", "[tool.hatch.envs.prod]\nenv-vars = { PYTHONPATH = \"\" }\n", 2},
		{"hatch run alembic upgrade head", "hatch.toml", "[envs.default.scripts]\nalembic = \"x\"\n", 2},
		// None: a dependency, another name.
		{"rye run alembic upgrade head", "pyproject.toml", "[project]\ndependencies = [\"alembic\"]\n[tool.rye.scripts]\nlint = \"ruff\"\n", 0},
		{"hatch run alembic upgrade head", "pyproject.toml", "[tool.hatch.envs.default]\ndependencies = [\"alembic\"]\n[tool.hatch.envs.default.scripts]\nlint = \"ruff\"\n", 0},
	} {
		root := t.TempDir()
		os.WriteFile(filepath.Join(root, "pyproject.toml"), []byte("[project]\nname = \"app\"\n"), 0o644)
		if err := os.WriteFile(filepath.Join(root, c.file), []byte(c.toml), 0o644); err != nil {
			t.Fatal(err)
		}
		err := CheckLauncher(root, root, strings.Fields(c.line))
		if (err != nil) != (c.at > 0) {
			t.Errorf("%s with %s %q: %v, want refused %v", c.line, c.file, c.toml, err, c.at > 0)
			continue
		}
		if c.at > 0 && !strings.Contains(err.Error(), c.file+":"+string(rune('0'+c.at))+":") {
			t.Errorf("%s with %q: %v, want %s:%d", c.line, c.toml, err, c.file, c.at)
		}
	}
}
