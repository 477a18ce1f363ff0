package tool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackAlembicScriptLocationOutside: alembic.ini is the repository's,
// and its script_location (an absolute path, %(here)s/.., a link in the
// project) made dbguard list and read the revision files of a folder
// outside the project (migrate status showed "migrations
// /elsewhere/versions", ci named it) and run Alembic there. Each is
// refused, exit 2, before anything there is read or run.
func TestAttackAlembicScriptLocationOutside(t *testing.T) {
	outside := t.TempDir()
	if err := os.MkdirAll(filepath.Join(outside, "versions"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "versions", "x.py"), []byte("revision = 'outsiderev'\ndown_revision = None\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, loc := range map[string]string{
		"absolute":   outside,
		"here above": "", // %(here)s/../..., computed from the root
		"a link":     "linked",
	} {
		t.Run(name, func(t *testing.T) {
			root := tree(t, map[string]string{"alembic.ini": "[alembic]\nscript_location = " + loc + "\n"})
			if name == "a link" {
				if err := os.Symlink(outside, filepath.Join(root, "linked")); err != nil {
					t.Fatal(err)
				}
			} else if name == "here above" {
				// %(here)s/.. from a root beside outside's folder.
				loc = "%(here)s/" + mustRel(t, root, outside)
				if err := os.WriteFile(filepath.Join(root, "alembic.ini"), []byte("[alembic]\nscript_location = "+loc+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			p, err := Resolve(config.Default(root))
			if err != nil {
				t.Fatal(err)
			}
			files, err := p.files()
			if err == nil || !strings.Contains(err.Error(), "outside the project") || exitcode.Of(err) != exitcode.Usage {
				t.Errorf("files: %v (%d read), want refused as outside the project, exit 2", err, len(files))
			}
			if _, err := p.UpSteps(); err == nil {
				t.Error("UpSteps ran Alembic with a script_location outside the project")
			}
		})
	}
}

func mustRel(t *testing.T, from, to string) string {
	r, err := filepath.Rel(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAttackAlembicRevisionLinkOut: a revision file in versions/ that is a
// link to a file outside the project was read through the link (its
// revision listed by migrate status) and Alembic would run it. Now it is
// refused, exit 2, reading nothing outside.
func TestAttackAlembicRevisionLinkOut(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "x.py")
	if err := os.WriteFile(outside, []byte("revision = 'outsiderev'\ndown_revision = None\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := tree(t, map[string]string{
		"alembic.ini":                "[alembic]\nscript_location = alembic\n",
		"alembic/env.py":             "",
		"alembic/versions/0001_a.py": "revision = '0001'\ndown_revision = None\n",
	})
	if err := os.Symlink(outside, filepath.Join(root, "alembic", "versions", "0002_b.py")); err != nil {
		t.Fatal(err)
	}
	p, err := Resolve(config.Default(root))
	if err != nil {
		t.Fatal(err)
	}
	files, err := p.files()
	if err == nil || !strings.Contains(err.Error(), "versions/0002_b.py is a link that leads outside") || exitcode.Of(err) != exitcode.Usage {
		t.Fatalf("files: %v (%v), want the link refused, exit 2", err, files)
	}
}
