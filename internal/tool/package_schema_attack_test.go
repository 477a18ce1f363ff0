package tool

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAttackPackageSchemaPastSchemaCap: a package.json over 1 MiB (a long
// description) whose "prisma": {"schema": ...} names db/schema.prisma,
// reading PRISMA_DB_URL, beside a decoy prisma/schema.prisma reading
// DATABASE_URL. dbguard read package.json only up to the schema files' cap,
// found no JSON, and judged the decoy's variable, while Prisma's CLI reads
// package.json whole and connects with PRISMA_DB_URL.
func TestAttackPackageSchemaPastSchemaCap(t *testing.T) {
	pkg, err := json.Marshal(map[string]any{
		"description": strings.Repeat("x", 2*maxSchema),
		"prisma":      map[string]string{"schema": "db/schema.prisma"},
	})
	if err != nil {
		t.Fatal(err)
	}
	root := tree(t, map[string]string{
		"package.json":         string(pkg),
		"db/schema.prisma":     "datasource db {\n  provider = \"postgresql\"\n  url = env(\"PRISMA_DB_URL\")\n}\n",
		"prisma/schema.prisma": "datasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n}\n",
	})
	ds, err := readDatasource(root, root)
	if err != nil {
		t.Fatal(err)
	}
	if ds == nil || ds.URLVar != "PRISMA_DB_URL" || ds.File != "db/schema.prisma" {
		t.Fatalf("datasource %+v, want PRISMA_DB_URL from db/schema.prisma", ds)
	}
}
