package tool

import (
	"errors"
	"strings"
	"testing"
)

// TestPrismaConfigPathsAndFallbacks reads the forms real configs write
// beside the docs' (path.join of literals, from __dirname or
// import.meta.dirname; process.env.X ?? '...'; a const named by url), and
// refuses each where the value would not be certain.
func TestPrismaConfigPathsAndFallbacks(t *testing.T) {
	const head = "import path from 'node:path'\nimport { defineConfig } from 'prisma/config'\n"
	read := []struct{ name, src, schema, urlVar string }{
		{"join literals", head + "export default defineConfig({ schema: path.join('prisma', 'schema.prisma') })", "prisma/schema.prisma", ""},
		{"join dirname", head + "export default defineConfig({ schema: path.join(__dirname, 'db', './x.prisma') })", "db/x.prisma", ""},
		{"resolve meta", head + "export default defineConfig({ schema: path.resolve(import.meta.dirname, 'prisma/schema.prisma') })", "prisma/schema.prisma", ""},
		{"fallback ??", head + "export default defineConfig({ datasource: { url: process.env.A_URL ?? '' } })", "", "A_URL"},
		{"fallback ||", head + "export default defineConfig({ datasource: { url: process.env['A_URL'] || 'postgresql://x@h/db' } })", "", "A_URL"},
		{"const", head + "const u = process.env.A_URL ?? 'postgresql://x@h/db'\nexport default defineConfig({ datasource: { url: u } })", "", "A_URL"},
		{"join up", head + "export default defineConfig({ schema: path.join(__dirname, '..', 'db', 'schema.prisma') })", "../db/schema.prisma", ""},
		{"resolve cwd", head + "export default defineConfig({ schema: path.resolve(process.cwd(), 'db/schema.prisma') })", "db/schema.prisma", ""},
		{"const typed", head + "const u: string | undefined = process.env.A_URL\nexport default defineConfig({ datasource: { url: u } })", "", "A_URL"},
		{"const shorthand", head + "const url = process.env.A_URL\nif (!url) throw new Error('x')\nexport default defineConfig({ datasource: { url } })", "", "A_URL"},
	}
	for _, c := range read {
		got, err := parsePrismaConfig("prisma.config.ts", c.src)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got.Schema != c.schema || got.URLVar != c.urlVar {
			t.Errorf("%s: schema %q url %q, want %q %q", c.name, got.Schema, got.URLVar, c.schema, c.urlVar)
		}
	}
	refused := []struct{ name, src string }{
		{"path of its own", "import { defineConfig } from 'prisma/config'\nconst path = { join: () => '/etc/x' }\nexport default defineConfig({ schema: path.join('a') })"},
		{"path rebound", head + "path = { join: () => 'x' }\nexport default defineConfig({ schema: path.join('a') })"},
		{"dirname assigned", head + "import.meta.dirname = '/etc'\nexport default defineConfig({ schema: path.join(import.meta.dirname, 'a') })"},
		{"__dirname declared", head + "const __dirname = '/etc'\nexport default defineConfig({ schema: path.join(__dirname, 'a') })"},
		{"resolve from cwd in .config", "SRC:.config/prisma.ts:" + head + "export default defineConfig({ schema: path.resolve('prisma/schema.prisma') })"},
		{"absolute segment", head + "export default defineConfig({ schema: path.join(__dirname, '/etc/x') })"},
		{"a variable segment", head + "const d = 'x'\nexport default defineConfig({ schema: path.join(d, 'a') })"},
		{"fallback to a variable", head + "export default defineConfig({ datasource: { url: process.env.A_URL ?? process.env.B_URL } })"},
		{"fallback then more", head + "export default defineConfig({ datasource: { url: process.env.A_URL ?? 'x' + process.env.B } })"},
		{"resolve cwd in .config", "SRC:.config/prisma.ts:" + head + "export default defineConfig({ schema: path.resolve(process.cwd(), 'db/schema.prisma') })"},
		{"undefined rebound", head + "let undefined = 'postgresql://x@h/db'\nexport default defineConfig({ datasource: { url: process.env.A_URL || undefined } })"},
		{"const typed otherwise", head + "const u: Record<string, string> = process.env.A_URL\nexport default defineConfig({ datasource: { url: u } })"},
		{"const let", head + "let u = process.env.A_URL\nexport default defineConfig({ datasource: { url: u } })"},
		{"const declared twice", head + "const u = process.env.A_URL\nfunction f(u) { return u }\nexport default defineConfig({ datasource: { url: u } })"},
		{"const before dotenv", head + "import dotenv from 'dotenv'\nconst u = process.env.A_URL\ndotenv.config({ path: '.env.local', override: true })\nexport default defineConfig({ datasource: { url: u } })"},
		{"const before dotenv's alias", head + "import { config as loadEnv } from 'dotenv'\nconst u = process.env.A_URL\nloadEnv()\nexport default defineConfig({ datasource: { url: u } })"},
		{"const computed", head + "const u = process.env.A_URL.replace('-pooler', '')\nexport default defineConfig({ datasource: { url: u } })"},
	}
	for _, c := range refused {
		file, src := "prisma.config.ts", c.src
		if rest, ok := strings.CutPrefix(src, "SRC:"); ok {
			file, src, _ = strings.Cut(rest, ":")
		}
		_, err := parsePrismaConfig(file, src)
		var ce *PrismaConfigError
		if !errors.As(err, &ce) || ce.Line < 1 {
			t.Errorf("%s: read (err %v), want a refusal at a line", c.name, err)
		}
		if err != nil && strings.Contains(err.Error(), "postgresql://") {
			t.Errorf("%s: the error quotes a URL: %v", c.name, err)
		}
	}
}

// TestPrismaConfigEnvPathFromDirname: dotenv.config({ path:
// path.join(__dirname, '.env.local') }) loads .env.local from the folder
// Prisma runs in when the config sits there; from .config/prisma.ts
// __dirname is another folder, and the path is refused.
func TestPrismaConfigEnvPathFromDirname(t *testing.T) {
	const src = "import path from 'node:path'\nimport dotenv from 'dotenv'\nimport { defineConfig, env } from 'prisma/config'\n" +
		"dotenv.config({ path: path.join(__dirname, '.env.local') })\n" +
		"export default defineConfig({ datasource: { url: env('A_URL') } })\n"
	c, err := parsePrismaConfig("prisma.config.ts", src)
	if err != nil || len(c.EnvFiles) != 1 || c.EnvFiles[0] != ".env.local" {
		t.Fatalf("prisma.config.ts: %v, env files %v; want .env.local", err, c)
	}
	var ce *PrismaConfigError
	if _, err := parsePrismaConfig(".config/prisma.ts", src); !errors.As(err, &ce) || ce.Line != 4 {
		t.Fatalf(".config/prisma.ts: %v, want a refusal at line 4", err)
	}
}
