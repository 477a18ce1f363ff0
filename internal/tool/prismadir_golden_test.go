package tool

import (
	"bufio"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

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
		files, folders, keys := map[string]string{}, map[string]string{}, ""
		for _, item := range fields[1:] {
			switch p, content, ok := strings.Cut(item, "="); {
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
			files["prisma.config.ts"] = "export default {\n" + keys + "}\n"
		}
		root := tree(t, files)
		p, err := Resolve(cfgAt(root, nil))
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
