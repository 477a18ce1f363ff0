package tool

import (
	"fmt"
	"strings"
	"testing"
)

// TestAttackPrismaConfigURL: since Prisma 7 the datasource's URL is written
// in prisma.config.ts, not in the schema, and prisma migrate deploy
// connects to what it names. dbguard never read the file: a config whose
// url was a literal URL, another variable of the environment (one CI sets
// for something else) or dotenv loaded with override: true migrated that
// database while dbguard guarded DATABASE_URL. Each is a trap now (nothing
// runs, under migrate or exec), at the config's line, never quoting the URL.
func TestAttackPrismaConfigURL(t *testing.T) {
	const head = "import 'dotenv/config'\nimport { defineConfig, env } from 'prisma/config'\n\nexport default defineConfig({\n  schema: 'prisma/schema.prisma',\n  datasource: {\n"
	for _, c := range []struct {
		name, file, body string
		line             int // 0: no trap
	}{
		{"literal", "prisma.config.ts", head + "    url: 'postgresql://app:s3cret@db-b:5432/app',\n  },\n})\n", 7},
		{"other variable", "prisma.config.ts", head + "    url: env('REPORTING_DATABASE_URL'),\n  },\n})\n", 7},
		{"process.env", "prisma.config.mjs", head + "    url: process.env.REPORTING_DATABASE_URL,\n  },\n})\n", 7},
		{"code", "prisma.config.ts", head + "    url: pick(process.env.DATABASE_URL),\n  },\n})\n", 7},
		{"dotenv override", "prisma.config.ts", "import dotenv from 'dotenv'\ndotenv.config({ override: true })\n" + head[len("import 'dotenv/config'\n"):] + "    url: env('DATABASE_URL'),\n  },\n})\n", 2},
		{"config folder", ".config/prisma.ts", head + "    url: \"postgresql://app:s3cret@db-b:5432/app\", // the staging database\n  },\n})\n", 7},
		{"env", "prisma.config.ts", head + "    url: env(\"DATABASE_URL\"), // from .env\n  },\n})\n", 0},
		{"process.env index", "prisma.config.ts", head + "    url: process.env['DATABASE_URL'],\n  },\n})\n", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := tree(t, map[string]string{
				"prisma/schema.prisma":                          "datasource db {\n  provider = \"postgresql\"\n}\n",
				"prisma/migrations/20240101_init/migration.sql": "CREATE TABLE t (id int);",
				"prisma/migrations/migration_lock.toml":         "",
				c.file:                                          c.body,
			})
			cfg := cfgAt(root, nil)
			cfg.Database.URLVar = "DATABASE_URL"
			p, err := Resolve(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != Prisma {
				t.Fatalf("kind %s, want prisma", p.Kind)
			}
			traps := p.Traps()
			if c.line == 0 {
				if len(traps) != 0 {
					t.Fatalf("traps = %+v, want none: the url reads DATABASE_URL", traps)
				}
				return
			}
			want := c.file + ":"
			if len(traps) != 1 || traps[0].File != fmt.Sprint(want, c.line) {
				t.Fatalf("traps = %+v, want one at %s%d", traps, want, c.line)
			}
			err = &TrapError{Kind: p.Kind, Traps: traps}
			if text := err.Error() + traps[0].Fix; strings.Contains(text, "s3cret") || strings.Contains(text, "db-b") {
				t.Errorf("the refusal quotes the URL: %q", text)
			}
		})
	}
}
