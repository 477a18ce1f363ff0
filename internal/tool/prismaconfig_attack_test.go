package tool

import (
	"errors"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackPrismaConfigDotenvOverride: prisma.config.ts calls
// dotenv.config({ override: true }), so the env file's URL replaces the
// direct URL dbguard gives prisma migrate deploy: Prisma migrates
// whatever .env names (a pooler, another database). dbguard ran it
// anyway; now it is a trap at the config's line, before anything runs.
func TestAttackPrismaConfigDotenvOverride(t *testing.T) {
	for _, opts := range []string{"{ override: true }", "{ path: '.env', override: process.env.CI !== 'true' }"} {
		root := tree(t, map[string]string{
			"prisma.config.ts":                              "import dotenv from 'dotenv'\nimport { defineConfig, env } from 'prisma/config'\n\ndotenv.config(" + opts + ")\n\nexport default defineConfig({ datasource: { url: env('DATABASE_URL') } })\n",
			"prisma/schema.prisma":                          "datasource db {\n  provider = \"postgresql\"\n}\n",
			"prisma/migrations/20240101_init/migration.sql": "CREATE TABLE t (id int);",
		})
		p, err := Resolve(cfgAt(root, nil))
		if err != nil {
			t.Fatal(err)
		}
		traps := p.Traps()
		if len(traps) != 1 || traps[0].File != "prisma.config.ts:4" || !strings.Contains(traps[0].Fix, "drop override: true") {
			t.Fatalf("%s: traps = %+v, want the config's line 4: the env file would replace the URL dbguard gives Prisma", opts, traps)
		}
		if err := (&TrapError{Kind: p.Kind, Traps: traps}); exitcode.Of(err) != exitcode.CheckFailed {
			t.Errorf("exit code %d, want 1", exitcode.Of(err))
		}
	}
	// override: false is dotenv's default: nothing to refuse.
	root := tree(t, map[string]string{
		"prisma.config.ts":     "import dotenv from 'dotenv'\ndotenv.config({ override: false })\nexport default { datasource: { url: process.env.DATABASE_URL } }\n",
		"prisma/schema.prisma": "datasource db {\n  provider = \"postgresql\"\n}\n",
	})
	if p, err := Resolve(cfgAt(root, nil)); err != nil || len(p.Traps()) != 0 {
		t.Fatalf("override: false: %v %+v", err, p.Traps())
	}
}

// TestAttackPrismaExecConfigFlag: dbguard exec -- npx prisma migrate
// deploy --config other.config.ts makes Prisma read a config dbguard never
// read, whose url: env('OTHER_URL') names a database dbguard neither
// judged nor set: Prisma migrated it. Now exec refuses, with the command
// line to run instead.
func TestAttackPrismaExecConfigFlag(t *testing.T) {
	root := tree(t, map[string]string{
		"prisma.config.ts":     "import { defineConfig, env } from 'prisma/config'\nexport default defineConfig({ datasource: { url: env('DATABASE_URL') } })\n",
		"other.config.ts":      "import { defineConfig, env } from 'prisma/config'\nexport default defineConfig({ datasource: { url: env('OTHER_URL') } })\n",
		"prisma/schema.prisma": "datasource db {\n  provider = \"postgresql\"\n}\n",
	})
	p, err := Resolve(cfgAt(root, nil))
	if err != nil || p.Kind != Prisma {
		t.Fatal(p, err)
	}
	for _, args := range [][]string{
		{"npx", "prisma", "migrate", "deploy", "--config", "other.config.ts"},
		{"npx", "prisma", "migrate", "deploy", "--config=other.config.ts"},
	} {
		err := p.CheckArgs(args)
		var a *exitcode.Advice
		if !errors.As(err, &a) || a.Code != exitcode.Usage || !strings.Contains(a.Msg, "--config") || !strings.HasSuffix(a.Next, "dbguard exec -- npx prisma migrate deploy") {
			t.Fatalf("%q: err = %v (%+v), want exit 2 with the command without --config", args, err, a)
		}
	}
	if err := p.CheckArgs([]string{"prisma", "migrate", "deploy"}); err != nil {
		t.Fatal(err)
	}
}

// TestAttackPrismaConfigKeysTheReaderMissed: JavaScript sets a key of the
// config in more ways than "key: value". A name spelled with escapes
// ('d\u0061tasource', d\u0061tasource), a computed key (['datasource']),
// a shorthand ({ datasource } of a const above), an accessor written after
// the value (get url() {...}) and a datasource written twice (the last
// object kept whole) each made the reader judge DATABASE_URL or A while
// Prisma connected with what the other spelling said; so did code that
// changes the value after it is written (process.env.A = ..., a member
// assigned, an env of the file's own). Now the reader reads the escapes as
// JavaScript does and refuses the rest at their line.
func TestAttackPrismaConfigKeysTheReaderMissed(t *testing.T) {
	const head = "import { defineConfig, env } from 'prisma/config'\n"
	for _, tc := range []struct {
		body    string
		wantVar string // "" with wantErr: refused
		wantErr bool
	}{
		{"export default defineConfig({ datasource: { url: env('A') } , 'd\\u0061tasource': { url: env('B') } })", "B", false},
		{"export default defineConfig({ 'd\\x61tasource': { url: env('B') } })", "B", false},
		{"export default defineConfig({ datasource: { url: env('A') }, datasource: { shadowDatabaseUrl: env('S') } })", "", false},
		{"export default defineConfig({ d\\u0061tasource: { url: env('B') } })", "", true},
		{"export default defineConfig({ ['datasource']: { url: env('B') } })", "", true},
		{"export default defineConfig({ datasource: { url: env('A'), [`url`]: env('B') } })", "", true},
		{"const datasource = { url: env('B') }\nexport default defineConfig({ datasource })", "", true},
		{"export default defineConfig({ datasource: { url: env('A'), get url() { return process.env.B } } })", "", true},
		{"process.env.A = process.env.B\nexport default defineConfig({ datasource: { url: env('A') } })", "", true},
		{"process.env['A'] ??= process.env.B\nexport default defineConfig({ datasource: { url: env('A') } })", "", true},
		{"Object.assign(process.env, { A: process.env.B })\nexport default defineConfig({ datasource: { url: env('A') } })", "", true},
		{"const c = defineConfig({ datasource: { url: env('A') } })\nc.datasource.url = env('B')\nexport default c", "", true},
		{"const env = (k: string) => process.env.B\nexport default defineConfig({ datasource: { url: env('A') } })", "", true},
		{"export default defineConfig({ datasource: { url: process.env.A! } })", "A", false},
	} {
		c, err := parsePrismaConfig("prisma.config.ts", head+tc.body)
		switch {
		case tc.wantErr && err == nil:
			t.Errorf("%s: read as url %q, want it refused", tc.body, c.URLVar)
		case tc.wantErr && (exitcode.Of(err) != exitcode.Usage || !strings.HasPrefix(err.Error(), "prisma.config.ts:2: ") && !strings.HasPrefix(err.Error(), "prisma.config.ts:3: ")):
			t.Errorf("%s: %v (exit %d), want exit 2 at the config's line", tc.body, err, exitcode.Of(err))
		case !tc.wantErr && err != nil:
			t.Errorf("%s: %v", tc.body, err)
		case !tc.wantErr && c.URLVar != tc.wantVar:
			t.Errorf("%s: url read as %q, want %q (what Prisma's loader sees)", tc.body, c.URLVar, tc.wantVar)
		}
	}
}
