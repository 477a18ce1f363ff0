package tool

import (
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackPrismaLiteralURL: a schema whose datasource url is written in
// it (url = "postgresql://...", which Prisma's docs allow) makes prisma
// migrate deploy migrate that database whatever DATABASE_URL, the one
// dbguard guards, names. dbguard ran it anyway; now it is a trap (nothing
// runs, under migrate or exec), named at the schema's line with the fix,
// never quoting the URL.
func TestAttackPrismaLiteralURL(t *testing.T) {
	for _, c := range []struct{ name, line, field string }{
		{"url", `  url      = "postgresql://app:s3cret@db-b:5432/app"`, "url"},
		{"directUrl", `  directUrl = "postgresql://app:s3cret@db-b:5432/app"`, "directUrl"},
	} {
		t.Run(c.name, func(t *testing.T) {
			schema := "datasource db {\n  provider = \"postgresql\"\n" + c.line + "\n}\n"
			if c.field == "directUrl" {
				schema = "datasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n" + c.line + "\n}\n"
			}
			root := tree(t, map[string]string{
				"prisma/schema.prisma":                          schema,
				"prisma/migrations/20240101_init/migration.sql": "CREATE TABLE t (id int);",
				"prisma/migrations/migration_lock.toml":         "",
			})
			p, err := Resolve(cfgAt(root, nil))
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != Prisma {
				t.Fatalf("kind %s, want prisma", p.Kind)
			}
			traps := p.Traps()
			line := "3"
			if c.field == "directUrl" {
				line = "4"
			}
			if len(traps) != 1 || traps[0].File != "prisma/schema.prisma:"+line || !strings.Contains(traps[0].What, "the datasource's "+c.field) || !strings.Contains(traps[0].Fix, c.field+` = env("DATABASE_URL")`) {
				t.Fatalf("traps = %+v, want the schema's line and the fix: Prisma would migrate the schema's own database", traps)
			}
			err = &TrapError{Kind: p.Kind, Traps: traps}
			if exitcode.Of(err) != exitcode.CheckFailed {
				t.Errorf("exit code %d, want 1", exitcode.Of(err))
			}
			if text := err.Error() + traps[0].Fix; strings.Contains(text, "s3cret") || strings.Contains(text, "db-b") {
				t.Errorf("the refusal quotes the URL: %q", text)
			}
		})
	}
}
