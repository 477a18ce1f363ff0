package tool

import (
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackAlembicPathSeparator: Alembic 1.16 reads path_separator before
// the deprecated version_path_separator, knows "newline" besides space, os,
// ':' and ';', and strips each entry (`alembic init` writes path_separator
// = os since). dbguard read version_path_separator only, without newline,
// and kept an entry's spaces: each of these held a folder outside the
// project that Alembic imports revisions from, and dbguard took it for the
// project's (one entry, relative, with a newline, ';' or a space in it).
func TestAttackAlembicPathSeparator(t *testing.T) {
	outside := t.TempDir()
	for name, ini := range map[string]string{
		"path_separator newline":          "[alembic]\nscript_location = alembic\npath_separator = newline\nversion_locations = alembic/versions\n    " + outside + "\n",
		"path_separator over the old one": "[alembic]\nscript_location = alembic\npath_separator = ;\nversion_path_separator = space\nversion_locations = alembic/versions;" + outside + "\n",
		"version_path_separator newline":  "[alembic]\nscript_location = alembic\nversion_path_separator = newline\nversion_locations =\n    alembic/versions\n    " + outside + "\n",
		"entry stripped":                  "[alembic]\nscript_location = alembic\npath_separator = ;\nversion_locations = alembic/versions; " + outside + "\n",
		"os separator, entry stripped":    "[alembic]\nscript_location = alembic\npath_separator = os\nversion_locations = alembic/versions: " + outside + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			root := tree(t, map[string]string{"alembic.ini": ini, "alembic/versions/a.py": "revision = 'insiderev'\ndown_revision = None\n"})
			p, err := Resolve(config.Default(root))
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.files()
			if err == nil || !strings.Contains(err.Error(), "outside the project") || !strings.Contains(err.Error(), "version_locations") || exitcode.Of(err) != exitcode.Usage {
				t.Errorf("files: %v, want refused (outside the project), exit 2", err)
			}
		})
	}
	// Inside, with the new option and a newline list, it is the project's.
	root := tree(t, map[string]string{"alembic.ini": "[alembic]\nscript_location = alembic\npath_separator = newline\nversion_locations =\n    alembic/versions\n    %(here)s/more\n", "alembic/versions/a.py": "revision = 'insiderev'\ndown_revision = None\n"})
	p, err := Resolve(config.Default(root))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.files(); err != nil {
		t.Errorf("inside, path_separator = newline: %v", err)
	}
}
