package tool

import (
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackAlembicVersionLocationsOutside: alembic.ini's version_locations
// are folders Alembic imports revisions from besides script_location's.
// dbguard checked only script_location, so version_locations =
// /elsewhere made migrate up run Python revisions from outside the project
// (the real alembic 1.8 ran one that wrote a file), while migrate status
// saw nothing pending. Each entry, split as Alembic splits them, is now
// held inside the project: exit 2 at its line, before Alembic runs.
func TestAttackAlembicVersionLocationsOutside(t *testing.T) {
	outside := t.TempDir()
	for name, c := range map[string]struct{ ini, want string }{
		"absolute":         {"[alembic]\nscript_location = alembic\nversion_locations = " + outside + "\n", "outside the project"},
		"here dot dot":     {"[alembic]\nscript_location = alembic\nversion_locations = %(here)s/../..\n", "outside the project"},
		"legacy comma":     {"[alembic]\nscript_location = alembic\nversion_locations = alembic/versions, " + outside + "\n", "outside the project"},
		"legacy space":     {"[alembic]\nscript_location = alembic\nversion_locations = alembic/versions " + outside + "\n", "outside the project"},
		"os separator":     {"[alembic]\nscript_location = alembic\nversion_path_separator = os\nversion_locations = alembic/versions:" + outside + "\n", "outside the project"},
		"space separator":  {"[alembic]\nscript_location = alembic\nversion_path_separator = space\nversion_locations = alembic/versions " + outside + "\n", "outside the project"},
		"default section":  {"[DEFAULT]\nversion_locations = " + outside + "\n[alembic]\nscript_location = alembic\n", "outside the project"},
		"package resource": {"[alembic]\nscript_location = alembic\nversion_locations = myapp:versions\n", "package resource"},
	} {
		t.Run(name, func(t *testing.T) {
			root := tree(t, map[string]string{"alembic.ini": c.ini, "alembic/versions/a.py": "revision = 'insiderev'\ndown_revision = None\n"})
			p, err := Resolve(config.Default(root))
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.files()
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "version_locations") || exitcode.Of(err) != exitcode.Usage {
				t.Errorf("files: %v, want refused (%q), exit 2", err, c.want)
			}
			if _, err := p.UpSteps(); err == nil {
				t.Error("UpSteps ran Alembic with a version location outside the project")
			}
		})
	}
	// Inside the project, whatever the separator: still the project's.
	for name, ini := range map[string]string{
		"relative": "[alembic]\nscript_location = alembic\nversion_locations = alembic/versions\n",
		"here":     "[alembic]\nscript_location = alembic\nversion_locations = %(here)s/alembic/versions %(here)s/more\n",
		"os":       "[alembic]\nscript_location = alembic\nversion_path_separator = os\nversion_locations = alembic/versions:more\n",
	} {
		t.Run("inside/"+name, func(t *testing.T) {
			root := tree(t, map[string]string{"alembic.ini": ini, "alembic/versions/a.py": "revision = 'insiderev'\ndown_revision = None\n"})
			p, err := Resolve(config.Default(root))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.files(); err != nil {
				t.Errorf("files: %v", err)
			}
			if _, err := p.UpSteps(); err != nil {
				t.Errorf("UpSteps: %v", err)
			}
		})
	}
}
