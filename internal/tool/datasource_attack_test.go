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
