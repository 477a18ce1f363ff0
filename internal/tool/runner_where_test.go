package tool

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestRunnerRefusalsFromSubfolder: exec run in a subfolder of the
// project, whose Pipfile or pyproject.toml is at the top. The refusal
// names the file as typed from there, to paste into an editor (before:
// "Pipfile:5", which from sub/ is no file), and a Pipfile script of any
// name is told the command to run again (before: "rename the script in
// Pipfile, then run the command again").
func TestRunnerRefusalsFromSubfolder(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	t.Setenv("PIPENV_DONT_LOAD_ENV", "1")
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Pipfile", "[packages]\nalembic = \"*\"\n\n[scripts]\nmigrate = \"alembic -c deploy.ini upgrade head\"\n")
	write("pyproject.toml", "[tool.poetry.scripts]\nalembic = \"x:main\"\n")
	for _, c := range []struct {
		args      string
		err, hint string
	}{
		{"pipenv run migrate", "../Pipfile:5: ", "rename the script in ../Pipfile, then run: PIPENV_DONT_LOAD_ENV=1 dbguard exec -- pipenv run migrate"},
		{"poetry run alembic upgrade head", "../pyproject.toml:2: ", "drop it from ../pyproject.toml (dbguard gives the command its environment), then run the command again: dbguard exec -- poetry run alembic upgrade head"},
	} {
		err := CheckLauncher(root, sub, strings.Fields(c.args))
		var a *exitcode.Advice
		if !errors.As(err, &a) || a.Code != exitcode.Usage {
			t.Errorf("%s: %v, want a refusal (exit 2)", c.args, err)
			continue
		}
		if !strings.HasPrefix(a.Error(), c.err) || a.Hint() != c.hint {
			t.Errorf("%s:\n got %q\n hint %q\nwant %q... and %q", c.args, a.Error(), a.Hint(), c.err, c.hint)
		}
	}
}
