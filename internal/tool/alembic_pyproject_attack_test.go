package tool

import (
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackAlembicPyprojectPaths: Alembic 1.16 and later read
// version_locations (and script_location, prepend_sys_path) from
// pyproject.toml's [tool.alembic] as well, where dbguard read nothing: an
// alembic.ini holding only script_location beside a pyproject.toml whose
// version_locations named /elsewhere/versions made Alembic run revisions
// from outside the project while migrate status saw none (reviewer, from
// Alembic's config.py). Any such key in pyproject.toml, in whatever TOML
// form, is refused (exit 2) before Alembic runs; a commented one, or a
// pyproject.toml without one, is not.
func TestAttackAlembicPyprojectPaths(t *testing.T) {
	outside := t.TempDir()
	for name, py := range map[string]string{
		"table":        "[project]\nname = \"app\"\n\n[tool.alembic]\nversion_locations = [\"" + outside + "/versions\"]\n",
		"quoted key":   "[tool.alembic]\n\"version_locations\" = [\"" + outside + "\"]\n",
		"dotted":       "tool.alembic.version_locations = [\"" + outside + "\"]\n",
		"inline table": "[tool]\nalembic = { version_locations = [\"" + outside + "\"] }\n",
		"script":       "[tool.alembic]\nscript_location = \"" + outside + "\"\n",
		"sys path":     "[tool.alembic]\nprepend_sys_path = [\"" + outside + "\"]\n",
	} {
		t.Run(name, func(t *testing.T) {
			root := tree(t, map[string]string{
				"alembic.ini":           "[alembic]\nscript_location = alembic\n",
				"pyproject.toml":        py,
				"alembic/versions/a.py": "revision = 'insiderev'\ndown_revision = None\n",
			})
			p, err := Resolve(config.Default(root))
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.files()
			if err == nil || !strings.Contains(err.Error(), "pyproject.toml:") || exitcode.Of(err) != exitcode.Usage {
				t.Errorf("files: %v, want refused at pyproject.toml's line, exit 2", err)
			}
			if _, err := p.UpSteps(); err == nil {
				t.Error("UpSteps ran Alembic beside a pyproject.toml that names its paths")
			}
		})
	}
	for name, py := range map[string]string{
		"none":      "[project]\nname = \"app\"\ndependencies = [\"alembic>=1.16\"]\n",
		"commented": "[tool.alembic]\n# version_locations = [\"%(here)s/alembic/versions\"]\n",
		"other key": "[tool.other]\nmy_version_locations = 1\n",
	} {
		t.Run("read on/"+name, func(t *testing.T) {
			root := tree(t, map[string]string{
				"alembic.ini":           "[alembic]\nscript_location = alembic\n",
				"pyproject.toml":        py,
				"alembic/versions/a.py": "revision = 'insiderev'\ndown_revision = None\n",
			})
			p, err := Resolve(config.Default(root))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.files(); err != nil {
				t.Errorf("files: %v", err)
			}
		})
	}
}
