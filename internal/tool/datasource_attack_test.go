package tool

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
)

// A Prisma schema folder (prismaSchemaFolder) is read whole: dbguard read
// its first 256 entries in directory order, so a pull request adding
// model files pushed the one holding the datasource out of sight, and
// dbguard judged DATABASE_URL while the app reads the schema's variable.
// The datasource file is put last in the folder's own order, past 256.
func TestAttackPrismaSchemaFolderPastTheFirstEntries(t *testing.T) {
	files := map[string]string{}
	for i := range 400 {
		files[fmt.Sprintf("prisma/schema/m%03d.prisma", i)] = fmt.Sprintf("model M%d {\n  id Int @id\n}\n", i)
	}
	dir := tree(t, files)
	d, err := os.Open(filepath.Join(dir, "prisma", "schema"))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := d.ReadDir(-1) // directory order, not sorted
	d.Close()
	if err != nil || len(entries) != 400 {
		t.Fatalf("%d entries: %v", len(entries), err)
	}
	last := filepath.Join(dir, "prisma", "schema", entries[len(entries)-1].Name())
	if err := os.WriteFile(last, []byte("datasource db {\n  provider = \"postgresql\"\n  url = env(\"APP_DB\")\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default(dir)
	if err := AdoptURLVars(cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Database.URLVar != "APP_DB" {
		t.Errorf("url_var %s, want APP_DB (the datasource in %s)", cfg.Database.URLVar, filepath.Base(last))
	}
}

// A Prisma schema is read with Prisma's own grammar (prisma-engines'
// datamodel.pest): a line ends at "\n", "\r\n" or a lone "\r", white
// space is a tab or any Unicode space separator (U+00A0, U+3000, ...),
// and `env ("X")` is a function call like `env("X")`. dbguard's reading
// knew only "\n" and ASCII spaces, so a schema saved with old Mac line
// endings or a no-break space before `=` left its datasource unread:
// dbguard judged DATABASE_URL while Prisma Client reads APP_DB.
func TestAttackPrismaDatasourceOddSpacing(t *testing.T) {
	for name, schema := range map[string]string{
		"CRLF line ends":    "datasource db {\r\n  url = env(\"APP_DB\")\r\n}\r\n",
		"lone CR line ends": "datasource db {\r  provider = \"postgresql\"\r  url = env(\"APP_DB\")\r}\r",
		"no-break space":    "datasource db {\n  provider = \"postgresql\"\n  url\u00a0= env(\"APP_DB\")\n}\n",
		"ideographic space": "datasource\u3000db {\n  url =\u3000env(\"APP_DB\")\n}\n",
		"space before (":    "datasource db {\n  url = env (\"APP_DB\")\n}\n",
		"hyphenated name":   "datasource main-db {\n  url = env(\"APP_DB\")\n}\n",
	} {
		t.Run(name, func(t *testing.T) {
			cfg := config.Default(tree(t, map[string]string{"prisma/schema.prisma": schema}))
			if err := AdoptURLVars(cfg); err != nil {
				t.Fatal(err)
			}
			if cfg.Database.URLVar != "APP_DB" {
				t.Errorf("url_var %s, want APP_DB, which Prisma reads from %q", cfg.Database.URLVar, schema)
			}
		})
	}
}
