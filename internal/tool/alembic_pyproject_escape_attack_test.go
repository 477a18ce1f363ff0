package tool

import (
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackAlembicPyprojectEscapedKey: the pyproject.toml keys Alembic
// 1.16 and later read paths from were looked for as text, so a quoted
// key with TOML's escapes ("version\u005flocations", which tomllib, and
// so Alembic, reads as version_locations) was none, and its outside
// folder's revisions would run. Read from Alembic 1.19's config.py
// (tomllib.load), not run here: Alembic 1.8 is what is installed.
func TestAttackAlembicPyprojectEscapedKey(t *testing.T) {
	outside := t.TempDir()
	for name, py := range map[string]string{
		"escaped":        "[tool.alembic]\n\"version\\u005flocations\" = [\"" + outside + "\"]\n",
		"escaped inline": "[tool]\nalembic = { \"script\\u005flocation\" = \"" + outside + "\" }\n",
		"escaped dotted": "tool.alembic.\"prepend\\u005fsys\\u005fpath\" = [\"" + outside + "\"]\n",
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
			if _, err = p.files(); err == nil || !strings.Contains(err.Error(), "pyproject.toml:") || exitcode.Of(err) != exitcode.Usage {
				t.Errorf("files: %v, want refused at pyproject.toml's line, exit 2", err)
			}
		})
	}
}
