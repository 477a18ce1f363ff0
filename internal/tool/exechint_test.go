package tool

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestLauncherHintsFromWords pins CheckLauncher's hints, byte for byte as
// they were when the runner's words were spliced into the finished text
// at "dbguard exec -- " (4596c8b), now that execHint builds each from
// words. The last two are the splice's miss: a project folder named
// "dbguard exec -- x" (the pyproject.toml's path is in the hint's text)
// had "uv run" put inside the path, and the command lost it.
func TestLauncherHintsFromWords(t *testing.T) {
	t.Setenv("PIPENV_DONT_LOAD_ENV", "")
	root := t.TempDir()
	t.Chdir(root) // the hints name files from where the user stands
	wd := filepath.Join(root, "dbguard exec -- x")
	if err := os.MkdirAll(wd, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(wd, "pyproject.toml"), []byte("[tool.pdm.scripts]\nalembic = \"echo hi\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		line []string
		want string
	}{
		{strings.Fields("uv run dotenv run alembic upgrade head"),
			"let dbguard give it the environment and run: dbguard exec -- uv run alembic upgrade head"},
		{strings.Fields("npx dotenv -- prisma migrate deploy"),
			"let dbguard give it the environment and run: dbguard exec -- npx prisma migrate deploy"},
		{strings.Fields("uv run dotenv run -- python x.py"),
			"keep what dbguard sets and run: dbguard exec -- uv run dotenv run --no-override python x.py"},
		{strings.Fields("poetry run dotenvx run -- alembic upgrade head"),
			"let dbguard give it the environment and run: dbguard exec -- poetry run alembic upgrade head"},
		{strings.Fields("uv run python -m pipenv run alembic upgrade head"),
			"let dbguard give the environment and run: PIPENV_DONT_LOAD_ENV=1 dbguard exec -- uv run python -m pipenv run alembic upgrade head"},
		{[]string{"uv", "run", "dotenv", "run", "alembic", "-x", "it's", "a\nb"},
			`let dbguard give it the environment and run: dbguard exec -- uv run alembic -x 'it'\''s' $'a\nb'`},
		{strings.Fields("npx dotenv -o -- node x.js"),
			"keep what dbguard sets and run: dbguard exec -- npx dotenv -- node x.js"},
		{strings.Fields("hatch run dotenv run alembic upgrade head"),
			"let dbguard give it the environment and run: dbguard exec -- hatch run alembic upgrade head"},
		{strings.Fields("dotenv run alembic upgrade head"),
			"let dbguard give it the environment and run: dbguard exec -- alembic upgrade head"},
		{strings.Fields("pnpm exec dotenv -e .env -- npx prisma migrate deploy"),
			"let dbguard give it the environment and run: dbguard exec -- npx prisma migrate deploy"},
		{strings.Fields("uv run pdm run alembic upgrade head"),
			"drop it from dbguard exec -- x/pyproject.toml (dbguard gives the command its environment), then run the command again: dbguard exec -- pdm run alembic upgrade head"},
		{strings.Fields("uv run python -m pdm run alembic upgrade head"),
			"drop it from dbguard exec -- x/pyproject.toml (dbguard gives the command its environment), then run the command again: dbguard exec -- uv run python -m pdm run alembic upgrade head"},
	} {
		var a *exitcode.Advice
		if err := CheckLauncher(root, wd, c.line); !errors.As(err, &a) {
			t.Errorf("%q: %v, want a refusal", c.line, err)
		} else if a.Next != c.want {
			t.Errorf("%q: hint\n%s\nwant\n%s", c.line, a.Next, c.want)
		}
	}
}
