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

// TestAttackToolMigrationsFolderLinkOut: Prisma's prisma/migrations,
// dbmate's db/migrations and goose's migrations as links to a folder
// outside the project were listed through the link (migrate status named
// the outside migrations), and the tool would run them. Now each is
// refused, exit 2, as golang-migrate's folder is.
func TestAttackToolMigrationsFolderLinkOut(t *testing.T) {
	outside := t.TempDir()
	for _, f := range []string{"20240101000000_x/migration.sql", "20240101000000_x.sql", "00001_x.sql"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(outside, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(outside, f), []byte("-- +goose Up\n-- migrate:up\nSELECT 1;\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		kind  Kind
		files map[string]string
		link  string
	}{
		{Prisma, map[string]string{"prisma/schema.prisma": "datasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n}\n"}, "prisma/migrations"},
		{Dbmate, map[string]string{"db/schema.sql": ""}, "db/migrations"},
		{Goose, map[string]string{"go.mod": "module x\n"}, "migrations"},
	} {
		root := tree(t, tc.files)
		if err := os.Symlink(outside, filepath.Join(root, filepath.FromSlash(tc.link))); err != nil {
			t.Fatal(err)
		}
		p, err := ResolveKind(config.Default(root), tc.kind, root)
		if err != nil {
			t.Fatal(err)
		}
		files, err := p.files()
		if err == nil || !strings.Contains(err.Error(), "leads outside the project") || exitcode.Of(err) != exitcode.Usage {
			t.Errorf("%s: files %v, %v; want the folder refused, exit 2", tc.kind, files, err)
		}
	}
}
