package tool

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackAlembicScriptLocationMisread: dbguard found script_location
// with a regular expression (the first "script_location =" line of the
// file, the key in lower case, %(here)s its only interpolation), while
// Alembic reads it with Python's ConfigParser. So an alembic.ini could
// send Alembic out of the project while dbguard judged a folder inside
// it: the key after ':' or in another case, a decoy in another section
// before [alembic], or %(name)s of another option. Each is now read as
// ConfigParser reads it and refused (exit 2) when it leaves the project,
// and a package resource ("pkg:path", found through Python's import
// path) is refused as not known.
func TestAttackAlembicScriptLocationMisread(t *testing.T) {
	outside := t.TempDir()
	if err := os.MkdirAll(filepath.Join(outside, "versions"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "versions", "x.py"), []byte("revision = 'outsiderev'\ndown_revision = None\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct{ ini, want string }{
		"colon":           {"[alembic]\nscript_location: " + outside + "\n", "outside the project"},
		"upper case key":  {"[alembic]\nScript_Location = " + outside + "\n", "outside the project"},
		"decoy section":   {"[other]\nscript_location = alembic\n\n[alembic]\nscript_location = " + outside + "\n", "outside the project"},
		"other option":    {"[alembic]\nbase = " + outside + "\nscript_location = %(base)s\n", "outside the project"},
		"default section": {"[DEFAULT]\nbase = " + outside + "\n[alembic]\nscript_location = %(BASE)s\n", "outside the project"},
		"here set again":  {"[alembic]\nhere = " + outside + "\nscript_location = %(here)s\n", "outside the project"},
		"package":         {"[alembic]\nscript_location = myapp:migrations\n", "package resource"},
		"unset name":      {"[alembic]\nscript_location = %(nope)s/alembic\n", "%(nope)s is not set"},
	} {
		t.Run(name, func(t *testing.T) {
			root := tree(t, map[string]string{"alembic.ini": c.ini, "alembic/versions/a.py": "revision = 'insiderev'\ndown_revision = None\n"})
			p, err := Resolve(config.Default(root))
			if err != nil {
				t.Fatal(err)
			}
			files, err := p.files()
			if err == nil || !strings.Contains(err.Error(), c.want) || exitcode.Of(err) != exitcode.Usage {
				t.Errorf("files: %v (%d read, dir %s), want refused (%q), exit 2", err, len(files), p.Dir, c.want)
			}
			if _, err := p.UpSteps(); err == nil {
				t.Error("UpSteps ran Alembic with a script_location it could not place inside the project")
			}
		})
	}
	// Read as Alembic reads them, inside: still the project's.
	for name, ini := range map[string]string{
		"here":          "[alembic]\nscript_location = %(here)s/alembic\n",
		"plain":         "[alembic]\nscript_location = alembic\n",
		"option":        "[alembic]\nsub = alembic\nscript_location = %(here)s/%(sub)s\n",
		"comment, crlf": "# script_location = /elsewhere\r\n[alembic]\r\n; x\r\nscript_location = alembic\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			root := tree(t, map[string]string{"alembic.ini": ini, "alembic/versions/a.py": "revision = 'insiderev'\ndown_revision = None\n"})
			p, err := Resolve(config.Default(root))
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(root, "alembic", "versions"); p.Dir != want {
				t.Errorf("dir %s, want %s", p.Dir, want)
			}
			if files, err := p.files(); err != nil || len(files) != 1 {
				t.Errorf("files: %v, %d read; want the one revision", err, len(files))
			}
		})
	}
}

// TestAttackAlembicURLMisread: the trap for a literal sqlalchemy.url that
// env.py never replaces read alembic.ini with a regular expression: the
// key after '=' in lower case, and skipped any value holding %(. Alembic
// reads it with ConfigParser, so "sqlalchemy.url: ...", "SQLAlchemy.URL =
// ...", a URL in another option interpolated (%(prod)s), or in [DEFAULT],
// sent Alembic to another database with no trap: migrate up ran there.
func TestAttackAlembicURLMisread(t *testing.T) {
	const envPy = "from alembic import context\nconfig = context.config\n"
	for name, c := range map[string]struct {
		ini  string
		line int
	}{
		"colon":         {"[alembic]\nscript_location = alembic\nsqlalchemy.url: postgresql://app:s3cret@other/app\n", 3},
		"case":          {"[alembic]\nscript_location = alembic\nSQLAlchemy.URL = postgresql://app:s3cret@other/app\n", 3},
		"interpolated":  {"[alembic]\nprod = postgresql://app:s3cret@other/app\nscript_location = alembic\nsqlalchemy.url = %(prod)s\n", 4},
		"default":       {"[DEFAULT]\nsqlalchemy.url = postgresql://app:s3cret@other/app\n[alembic]\nscript_location = alembic\n", 2},
		"after a decoy": {"[other]\nsqlalchemy.url = driver://u:p@h/db\n[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql://app:s3cret@other/app\n", 5},
	} {
		t.Run(name, func(t *testing.T) {
			root := tree(t, map[string]string{"alembic.ini": c.ini, "alembic/env.py": envPy, "alembic/versions/": ""})
			p, err := Resolve(cfgAt(root, nil))
			if err != nil {
				t.Fatal(err)
			}
			traps := p.Traps()
			if len(traps) != 1 || traps[0].File != "alembic.ini:"+itoa(c.line) {
				t.Errorf("traps %+v, want one at alembic.ini:%d", traps, c.line)
			}
			for _, tr := range traps {
				if strings.Contains(tr.What+tr.Fix+tr.File, "s3cret") {
					t.Errorf("a trap shows the password: %+v", tr)
				}
			}
		})
	}
	// The placeholder alembic init writes, a name env.py sets, and a URL
	// in another section are no trap.
	for name, ini := range map[string]string{
		"placeholder":   "[alembic]\nscript_location = alembic\nsqlalchemy.url = driver://user:pass@localhost/dbname\n",
		"unset name":    "[alembic]\nscript_location = alembic\nsqlalchemy.url = %(DATABASE_URL)s\n",
		"other section": "[tests]\nsqlalchemy.url = postgresql://app:s3cret@other/app\n[alembic]\nscript_location = alembic\n",
	} {
		t.Run(name, func(t *testing.T) {
			root := tree(t, map[string]string{"alembic.ini": ini, "alembic/env.py": envPy, "alembic/versions/": ""})
			p, err := Resolve(cfgAt(root, nil))
			if err != nil {
				t.Fatal(err)
			}
			if traps := p.Traps(); len(traps) != 0 {
				t.Errorf("traps %+v, want none", traps)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestAttackAlembicIniInterpolationBomb: alembic.ini's %(name)s references
// were followed without a bound, ten levels deep, so names that each name
// the next eight times made a few hundred bytes of file into gigabytes of
// script_location or sqlalchemy.url. Now the bytes they may produce are
// bounded as python-decouple's settings.ini's are (pyini.Budget).
func TestAttackAlembicIniInterpolationBomb(t *testing.T) {
	dir := t.TempDir()
	ini := "[alembic]\nscript_location = %(a9)s\na0 = xxxxxxxxxxxxxxxx\n"
	for i := 1; i <= 9; i++ {
		ini += fmt.Sprintf("a%d = %s\n", i, strings.Repeat(fmt.Sprintf("%%(a%d)s", i-1), 8))
	}
	if err := os.WriteFile(filepath.Join(dir, "alembic.ini"), []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := alembicVersions(dir)
	if err == nil || !strings.Contains(err.Error(), "expand to more than dbguard reads") {
		t.Fatalf("a 8^9-fold script_location: %v, want the budget's error", err)
	}
}
