package tool

import (
	"strings"
	"testing"
)

// TestAttackAlembicRevisionDecoys: a revision file's id and down_revision
// were the first line that started "revision =" / "down_revision =", also
// inside a docstring, so a file whose docstring says revision = "0001" (an
// applied one) and whose code says revision = "0002" was counted as 0001:
// migrate status and ci said 0 pending while alembic upgrade head would
// run 0002. Python keeps the last top-level assignment, and a line inside
// a string (triple-quoted, or a one-line string a backslash continues) is
// none.
func TestAttackAlembicRevisionDecoys(t *testing.T) {
	for name, tc := range map[string]struct{ body, id, down string }{
		"docstring before": {"\"\"\"users\n\nrevision = \"0001\"\ndown_revision = None\n\"\"\"\nrevision = \"0002\"\ndown_revision = \"0001\"\n", "0002", "0001"},
		"docstring after":  {"revision = \"0002\"\ndown_revision = \"0001\"\n'''\nrevision = \"0001\"\ndown_revision = None\n'''\n", "0002", "0001"},
		"continued string": {"revision = \"0002\"\ndown_revision = \"0001\"\nx = 'a\\\nrevision = \"0001\"'\n", "0002", "0001"},
		"comment quote":    {"# it's a comment\nrevision = \"0002\"\ndown_revision = \"0001\"  # was 'x'\n", "0002", "0001"},
		"reassigned":       {"revision = \"0001\"\nrevision = \"0002\"\ndown_revision = None\ndown_revision = \"0001\"\n", "0002", "0001"},
		"template":         {"\"\"\"add users\n\nRevision ID: 0002\nRevises: 0001\n\"\"\"\nfrom alembic import op\n\nrevision: str = \"0002\"\ndown_revision: Union[str, None] = \"0001\"\n\ndef upgrade():\n    op.execute(\"\"\"\nrevision = 'x'\n\"\"\")\n", "0002", "0001"},
		"merge tuple":      {"\"\"\"m\"\"\"\nrevision = \"0003\"\ndown_revision = (\n    \"0001\",  # a\n    \"0002\",\n)\n", "0003", "0001,0002"},
	} {
		t.Run(name, func(t *testing.T) {
			root := tree(t, map[string]string{
				"alembic.ini":              "[alembic]\nscript_location = alembic\n",
				"alembic/versions/0001.py": "revision = \"0001\"\ndown_revision = None\n",
				"alembic/versions/x.py":    tc.body,
			})
			p, err := Resolve(cfgAt(root, nil))
			if err != nil {
				t.Fatal(err)
			}
			fs, err := p.files()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				if f.name == "x.py" && (f.id != tc.id || f.down != tc.down) {
					t.Errorf("x.py read as revision %q down %q, want %q down %q", f.id, f.down, tc.id, tc.down)
				}
			}
			if len(fs) != 2 || !strings.HasSuffix(fs[1].name, "x.py") {
				t.Errorf("files %+v, want 0001.py then x.py", fs)
			}
		})
	}
}
