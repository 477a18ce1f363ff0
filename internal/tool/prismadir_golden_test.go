package tool

import (
	"bufio"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestPrismaMigrationsDirGoldens: dbguard reads the migrations folder the
// real Prisma 6.19.3 read for each layout of testdata/prismadir
// (scripts/prisma-migrations-dir-goldens.sh records which migration
// prisma migrate deploy applied; each candidate folder holds one of its
// own name), or refuses the layout (exit 2).
func TestPrismaMigrationsDirGoldens(t *testing.T) {
	goldens := map[string]string{}
	readLines(t, filepath.Join("testdata", "prismadir", "goldens.tsv"), func(line string) {
		c, applied, _ := strings.Cut(line, "\t")
		goldens[c] = applied
	})
	const ds = "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n"
	n := 0
	readLines(t, filepath.Join("testdata", "prismadir", "layouts.txt"), func(line string) {
		fields := strings.Fields(line)
		c := fields[0]
		applied, ok := goldens[c]
		if !ok {
			t.Errorf("%s: no golden (run scripts/prisma-migrations-dir-goldens.sh)", c)
			return
		}
		n++
		if applied == "error" {
			// Prisma 6.19.3 found no schema: a bare prisma/schema folder
			// is Prisma 5 to 6.5's last place (prismaSchemaFolder), where
			// dbguard keeps reading it; nothing to compare here.
			t.Logf("%s: Prisma %s ran nothing here", c, "6.19.3")
			return
		}
		files, folders, keys, cwd := map[string]string{}, map[string]string{}, "", ""
		for _, item := range fields[1:] {
			switch p, content, ok := strings.Cut(item, "="); {
			case strings.HasPrefix(item, "cwd:"):
				cwd = strings.TrimPrefix(item, "cwd:")
			case strings.HasPrefix(item, "config:"):
				keys += "  " + strings.TrimPrefix(item, "config:") + ",\n"
			case ok:
				if content == "DS" {
					content = ds
				}
				files[p] = strings.ReplaceAll(strings.ReplaceAll(content, `\s`, " "), `\n`, "\n") + "\n"
			default:
				files[item+"/migration.sql"] = "CREATE TABLE t (id int);\n"
				folders[path.Base(item)] = path.Dir(item)
			}
		}
		if keys != "" {
			files[path.Join(cwd, "prisma.config.ts")] = "export default {\n" + keys + "}\n"
		}
		root := tree(t, files)
		p, err := Resolve(cfgAt(root, func(m *config.Migrations) {
			if cwd != "" {
				m.Workdir = cwd
			}
		}))
		if err != nil {
			t.Errorf("%s: %v", c, err)
			return
		}
		if _, err := p.files(); err != nil {
			if exitcode.Of(err) != exitcode.Usage {
				t.Errorf("%s: %v", c, err)
			}
			return // refused
		}
		want, ok := folders[applied]
		if !ok {
			t.Errorf("%s: Prisma applied %q, no folder of the layout", c, applied)
			return
		}
		if p.Dir != filepath.Join(root, filepath.FromSlash(want)) {
			t.Errorf("%s: dbguard reads %s, Prisma read %s", c, relSlash(root, p.Dir), want)
		}
	})
	if n == 0 {
		t.Fatal("no layouts")
	}
}

func relSlash(root, p string) string {
	r, _ := filepath.Rel(root, p)
	return filepath.ToSlash(r)
}

func readLines(t *testing.T, name string, f func(string)) {
	t.Helper()
	fh, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			f(line)
		}
	}
}

// Prisma's CLI finds package.json by searching up from the folder it runs
// in (the goldens' pkg_up_* layouts): the schema a package.json above the
// workdir names is the one whose variables Prisma reads. Before, dbguard
// read only the workdir's package.json, judged the decoy
// prisma/schema.prisma's DECOY_URL, and checked its migrations folder.
func TestPrismaPackageJSONAbove(t *testing.T) {
	root := tree(t, map[string]string{
		"package.json":                  `{"prisma": {"schema": "apps/api/db/schema.prisma"}}`,
		"apps/api/db/schema.prisma":     "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"API_DB_URL\")\n}\n",
		"apps/api/prisma/schema.prisma": "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DECOY_URL\")\n}\n",
	})
	p, err := Resolve(cfgAt(root, func(m *config.Migrations) { m.Workdir = "apps/api" }))
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != Prisma || p.Datasource == nil || p.Datasource.URLVar != "API_DB_URL" {
		t.Fatalf("kind %s, datasource %+v; want API_DB_URL of apps/api/db/schema.prisma", p.Kind, p.Datasource)
	}
	if want := filepath.Join(root, "apps", "api", "db", "migrations"); p.Dir != want {
		t.Errorf("migrations %s, want %s", p.Dir, want)
	}
	// A package.json in the workdir itself decides, even without "prisma".
	if err := os.WriteFile(filepath.Join(root, "apps", "api", "package.json"), []byte(`{"name": "api"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err = Resolve(cfgAt(root, func(m *config.Migrations) { m.Workdir = "apps/api"; m.Table = "x" }))
	if err != nil {
		t.Fatal(err)
	}
	if p.Datasource == nil || p.Datasource.URLVar != "DECOY_URL" {
		t.Errorf("with apps/api/package.json: datasource %+v; want prisma/schema.prisma's DECOY_URL", p.Datasource)
	}
}

// A schema folder's datasource may be in a subfolder (Prisma 6 reads the
// folder's .prisma files at any depth: the goldens' *_nested layouts).
// Before, dbguard read the folder's own files only, found no datasource,
// and judged DATABASE_URL while Prisma read NESTED_URL.
func TestPrismaSchemaFolderNestedDatasource(t *testing.T) {
	root := tree(t, map[string]string{
		"prisma.config.ts":          "export default {\n  schema: 'db/schema',\n}\n",
		"db/schema/base/a.prisma":   "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"NESTED_URL\")\n}\n",
		"db/schema/models/b.prisma": "model User {\n  id Int @id\n}\n",
	})
	p, err := Resolve(cfgAt(root, nil))
	if err != nil {
		t.Fatal(err)
	}
	if p.Datasource == nil || p.Datasource.URLVar != "NESTED_URL" {
		t.Fatalf("datasource %+v; want NESTED_URL of db/schema/base/a.prisma", p.Datasource)
	}
}
