package tool

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackRunnerProjectOption: poetry -C/--directory/-P/--project,
// pdm run -p/--project and hatch -p/--project move Alembic to another
// project (review9a): poetry 2's -C changes to the folder (its
// documentation; poetry 1.3.2 here has no -C), pdm 2.2.1's run -p runs
// the command here with that project's pyproject.toml and environment
// (pdm run -p sub python -c 'print(os.getcwd())' printed this folder),
// hatch -p names another project. `exec -- poetry -C tools run alembic
// upgrade head` passed with tools/alembic.ini unchecked. Refused now as
// uv --directory is, the hint the line without the option run from there.
func TestAttackRunnerProjectOption(t *testing.T) {
	root := t.TempDir()
	tools := filepath.Join(root, "tools")
	os.Mkdir(tools, 0o755)
	os.WriteFile(filepath.Join(root, "alembic.ini"), []byte("[alembic]\nscript_location = %(here)s/alembic\n"), 0o644)
	os.WriteFile(filepath.Join(tools, "alembic.ini"), []byte("[alembic]\nscript_location = /elsewhere\n"), 0o644)
	p := &Project{Kind: Alembic, Workdir: root, root: root}
	t.Setenv("ALEMBIC_CONFIG", "")
	for line, want := range map[string]string{
		"poetry -C tools run alembic upgrade head":            "poetry run alembic upgrade head",
		"poetry -Ctools run alembic upgrade head":             "poetry run alembic upgrade head",
		"poetry --directory tools run alembic upgrade head":   "poetry run alembic upgrade head",
		"poetry --directory=tools run alembic upgrade head":   "poetry run alembic upgrade head",
		"poetry run -C tools alembic upgrade head":            "poetry run alembic upgrade head",
		"poetry -P tools run alembic upgrade head":            "poetry run alembic upgrade head",
		"poetry --project tools run alembic upgrade head":     "poetry run alembic upgrade head",
		"pdm run -p tools alembic upgrade head":               "pdm run alembic upgrade head",
		"pdm run -ptools alembic upgrade head":                "pdm run alembic upgrade head",
		"pdm run --project tools alembic upgrade head":        "pdm run alembic upgrade head",
		"pdm run --proj=tools alembic upgrade head":           "pdm run alembic upgrade head",
		"pdm run --proj tools alembic upgrade head":           "pdm run alembic upgrade head",
		"pdm -v run -p tools alembic upgrade head":            "pdm -v run alembic upgrade head",
		"python3 -m pdm run -p tools alembic upgrade head":    "python3 -m pdm run alembic upgrade head",
		"python3 -m poetry -C tools run alembic upgrade head": "python3 -m poetry run alembic upgrade head",
		"pdm run -p x -p tools alembic upgrade head":          "pdm run alembic upgrade head",
		"hatch -p tools run alembic upgrade head":             "hatch run alembic upgrade head",
		"hatch --project tools run alembic upgrade head":      "hatch run alembic upgrade head",
		"uv --directory tools run alembic upgrade head":       "uv run alembic upgrade head",
		"poetry -C . run alembic upgrade head":                "",
		"pdm run alembic upgrade head":                        "",
		"uv run -p 3.12 alembic upgrade head":                 "", // uv's -p is --python
		"poetry run alembic -C tools upgrade head":            "", // Alembic's word
		"hatch run alembic upgrade head":                      "",
	} {
		err := CheckAlembicConfig(p, root, strings.Fields(line))
		if want == "" {
			if err != nil {
				t.Errorf("%s: refused: %v", line, err)
			}
			continue
		}
		var a *exitcode.Advice
		if !errors.As(err, &a) || a.Code != exitcode.Usage || !strings.HasPrefix(a.Next, "run it from there: cd ") || !strings.HasSuffix(a.Next, "tools && dbguard exec -- "+want) {
			t.Errorf("%s: %v, want refused with hint ending %q", line, err, want)
		}
	}
	// Run as printed, from tools/, its alembic.ini is the one read, and
	// refused as not the project's.
	if err := CheckAlembicConfig(p, tools, strings.Fields("poetry run alembic upgrade head")); err == nil {
		t.Error("from tools/: tools/alembic.ini not refused")
	}
}
