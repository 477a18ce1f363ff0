package tool

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestParsePrismaConfig: the shapes the reader understands, and the ones
// it refuses at their line rather than guess.
func TestParsePrismaConfig(t *testing.T) {
	const head = "import { defineConfig, env } from 'prisma/config'\n"
	for _, c := range []struct {
		name, src string
		urlVar    string
		env       []string
		schema    string
		errLine   int
		errHas    string
	}{
		{name: "require dotenv config path", src: "require('dotenv').config({ path: '.env.prod' })\nmodule.exports = { datasource: { url: process.env.DB } }\n", urlVar: "DB", env: []string{".env.prod"}},
		{name: "named config import", src: "import { config } from 'dotenv'\nconfig()\n" + head + "export default defineConfig({ datasource: { url: env('X') } })\n", urlVar: "X", env: []string{".env"}},
		{name: "loadEnvFile", src: head + "process.loadEnvFile('.env.dev')\nexport default defineConfig({ datasource: { url: env(\"X\") } })\n", urlVar: "X", env: []string{".env.dev"}},
		{name: "comments and strings with slashes", src: head + "// export default {}\n/* datasource: { url: env('NO') } */\nexport default defineConfig({\n  schema: 'a//b.prisma', // a comment\n  datasource: { url: env('YES') },\n})\n", urlVar: "YES", schema: "a//b.prisma"},
		{name: "typed const", src: head + "import type { PrismaConfig } from 'prisma'\nconst c: PrismaConfig = { datasource: { url: process.env['Y']! } }\nexport default c\n", urlVar: "Y"},
		{name: "other config call", src: head + "const x = thing.config({ path: 1 })\nexport default defineConfig({})\n"},
		{name: "template schema", src: head + "const d = 'db'\nexport default defineConfig({\n  schema: `${d}/schema.prisma`,\n})\n", errLine: 4, errHas: "schema is not a string literal"},
		{name: "spread", src: head + "const base = {}\nexport default defineConfig({\n  ...base,\n})\n", errLine: 4, errHas: "spreads"},
		{name: "datasource spread", src: head + "export default defineConfig({\n  datasource: { ...ds },\n})\n", errLine: 3, errHas: "datasource spreads"},
		{name: "dotenv-flow", src: "import 'dotenv-flow/config'\n" + head + "export default defineConfig({})\n", errLine: 1, errHas: "dotenv-flow/config"},
		{name: "dotenv path variable", src: "import dotenv from 'dotenv'\nconst p = '.env.x'\ndotenv.config({ path: p })\n" + head + "export default defineConfig({})\n", errLine: 3, errHas: "path is not a string literal"},
		{name: "function export", src: head + "export default defineConfig(() => ({}))\n", errLine: 2, errHas: "not defineConfig"},
		{name: "no export", src: head, errLine: 1, errHas: "no export default"},
		{name: "open string", src: head + "export default defineConfig({ schema: 'x\n})\n", errLine: 2, errHas: "never closed"},
		// dotenv reads a path it is handed starting with ~ from the home
		// folder (its _resolveHome); path.resolve's ~ is a folder of the
		// working folder, and Node's loadEnvFile expands nothing.
		{name: "dotenv path under home", src: "require('dotenv').config({ path: '~/app.env' })\n" + head + "export default defineConfig({})\n", errLine: 1, errHas: "home folder"},
		{name: "dotenv path joined under home", src: "import path from 'node:path'\nimport dotenv from 'dotenv'\ndotenv.config({ path: path.join('~', 'app.env') })\n" + head + "export default defineConfig({})\n", errLine: 3, errHas: "home folder"},
		{name: "dotenv path resolved from a folder named ~", src: "import path from 'node:path'\nimport dotenv from 'dotenv'\ndotenv.config({ path: path.resolve('~/app.env') })\n" + head + "export default defineConfig({ datasource: { url: env('X') } })\n", urlVar: "X", env: []string{"~/app.env"}},
		{name: "loadEnvFile from a folder named ~", src: head + "process.loadEnvFile('~/app.env')\nexport default defineConfig({ datasource: { url: env('X') } })\n", urlVar: "X", env: []string{"~/app.env"}},
		{name: "env with another variable as fallback", src: head + "export default defineConfig({\n  datasource: { url: env('A') || env('B') },\n})\n", errLine: 3, errHas: "datasource.url is not"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parsePrismaConfig("prisma.config.ts", c.src)
			if c.errLine != 0 {
				var ce *PrismaConfigError
				if !errors.As(err, &ce) || ce.Line != c.errLine || !strings.Contains(ce.Error(), c.errHas) || ce.Hint() == "" {
					t.Fatalf("err = %v, want line %d with %q and a hint", err, c.errLine, c.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.URLVar != c.urlVar || !slices.Equal(got.EnvFiles, c.env) || got.Schema != c.schema {
				t.Fatalf("got url %q env %q schema %q, want %q %q %q", got.URLVar, got.EnvFiles, got.Schema, c.urlVar, c.env, c.schema)
			}
		})
	}
}

// FuzzPrismaConfig: any text is read or refused, never a panic, and an
// error always names a line of the file.
func FuzzPrismaConfig(f *testing.F) {
	f.Add("import 'dotenv/config'\nimport { defineConfig, env } from 'prisma/config'\nexport default defineConfig({ schema: 'p/s.prisma', migrations: { path: 'm' }, datasource: { url: env('X'), shadowDatabaseUrl: process.env.Y! } })\n")
	f.Add("module.exports = { datasource: { url: process.env['A'] } }")
	f.Add("const c = { datasource: { url: `x${y}` } } satisfies PrismaConfig\nexport default c")
	f.Add("dotenv.config({ path: '.e' }); require('dotenv').config(); export default {")
	f.Add("const config: X\nexport default config\n=")
	f.Add("const a = `${\"`\"}` // \r/*\nexport default { datasource: { url: env('A') } }\n*/ export default {}")
	f.Fuzz(func(t *testing.T, src string) {
		_, err := parsePrismaConfig("prisma.config.ts", src)
		var ce *PrismaConfigError
		if err != nil && (!errors.As(err, &ce) || ce.Line < 1 || ce.Line > strings.Count(src, "\n")+1) {
			t.Fatalf("error %v: not at a line of the file", err)
		}
	})
}
