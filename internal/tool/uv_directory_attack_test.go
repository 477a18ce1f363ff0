package tool

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackUvDirectory: uv --directory D (a global option or run's)
// changes to D before it runs the command (uv 0.9's documentation and
// source; uv is not installable here), so Alembic read D's alembic.ini,
// while exec checked the alembic.ini of the folder it ran in: `exec --
// uv run --directory tools alembic upgrade head`, tools/alembic.ini's
// script_location outside the project, passed the check. Refused now,
// the hint running it from D, where the check reads D's alembic.ini.
func TestAttackUvDirectory(t *testing.T) {
	root := t.TempDir()
	tools := filepath.Join(root, "tools")
	os.Mkdir(tools, 0o755)
	os.WriteFile(filepath.Join(root, "alembic.ini"), []byte("[alembic]\nscript_location = %(here)s/alembic\n"), 0o644)
	os.WriteFile(filepath.Join(tools, "alembic.ini"), []byte("[alembic]\nscript_location = /elsewhere\n"), 0o644)
	p := &Project{Kind: Alembic, Workdir: root, root: root}
	t.Setenv("ALEMBIC_CONFIG", "")
	for line, refused := range map[string]bool{
		"uv run --directory tools alembic upgrade head":    true,
		"uv --directory tools run alembic upgrade head":    true,
		"uv run --directory=tools alembic upgrade head":    true,
		"uv --directory " + tools + " run alembic upgrade": true,
		"uv run --directory . alembic upgrade head":        false,
		"uv run alembic upgrade head":                      false,
		"uv run alembic --directory tools":                 false, // Alembic's own word
	} {
		err := CheckAlembicConfig(p, root, strings.Fields(line))
		if (err != nil) != refused {
			t.Errorf("%s: %v, want refused %v", line, err, refused)
		}
	}
	var a *exitcode.Advice
	err := CheckAlembicConfig(p, root, strings.Fields("uv run --directory tools alembic upgrade head"))
	if !errors.As(err, &a) || !strings.HasPrefix(a.Next, "run it from there: cd ") || !strings.HasSuffix(a.Next, "tools && dbguard exec -- uv run alembic upgrade head") {
		t.Fatalf("hint: %v", err)
	}
	// Run as printed, from tools/, its alembic.ini is the one read, and
	// refused as not the project's.
	if err := CheckAlembicConfig(p, tools, strings.Fields("uv run alembic upgrade head")); err == nil {
		t.Error("from tools/: tools/alembic.ini not refused")
	}
}
