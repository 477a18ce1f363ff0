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

// TestAttackPrismaConfigCodeTheReaderMisread: Prisma's loader (7.10.1,
// scripts/prisma-config-goldens.sh) connected with EVIL_URL for each of
// these files while dbguard read SAFE_URL and judged it. The tokenizer
// split the file otherwise than JavaScript does (a // comment ended only at
// \n, a template's ${"`"} ended the template, a regular expression's quote
// opened a string), the export was taken from a function's const, a NAME
// assigned again or a value that goes on after the literal, and env,
// defineConfig, process and the global object could be reached by code
// the reader did not look at (a function of the file's own, an import of
// another file, globalThis, process['env'], an alias of process,
// '__proto__'). Now each is read as JavaScript reads it or refused at its
// line.
func TestAttackPrismaConfigCodeTheReaderMisread(t *testing.T) {
	const head = "import { defineConfig, env } from 'prisma/config'\n"
	evil := "export default defineConfig({ datasource: { url: env('EVIL_URL') } })"
	safe := "export default defineConfig({ datasource: { url: env('SAFE_URL') } })"
	for _, tc := range []struct {
		name, src string
		wantVar   string // "": refused
	}{
		{"carriage return ends a line comment", head + "// note\r/*\n" + safe + "\n*/ " + evil + "\n", "EVIL_URL"},
		{"U+2028 ends a line comment", head + "// note\u2028/*\n" + safe + "\n*/ " + evil + "\n", "EVIL_URL"},
		{"template substitution holds a backtick", head + "const a = `${\"`\"}`; const b = \"/*\";\n" + evil + "\n// */ " + safe + "\n", "EVIL_URL"},
		{"regular expression holds a quote", head + "const r = /'/, x = '/; " + safe + " //'\n" + evil + "\n", ""},
		{"HTML-like comment", "const a = 1 <!-- /*\nmodule.exports = { datasource: { url: process.env.EVIL_URL } }\n// */ module.exports = { datasource: { url: process.env.SAFE_URL } }\n", ""},
		{"no-break space in a name", head + "let config = defineConfig({ datasource: { url: env('SAFE_URL') } })\nconfig\u00a0= defineConfig({ datasource: { url: env('EVIL_URL') } })\nexport default config\n", ""},
		{"export of a declare module block", head + "declare module 'x' { const c: any; export default c }\nconst c = defineConfig({ datasource: { url: env('SAFE_URL') } })\n" + evil + "\n", ""},
		{"const in a function", head + "function f() { const config = { datasource: { url: env('SAFE_URL') } }; return config }\nconst config = defineConfig({ datasource: { url: env('EVIL_URL') } })\nexport default config\n", ""},
		{"const assigned again", head + "let config = defineConfig({ datasource: { url: env('SAFE_URL') } })\nconfig = defineConfig({ datasource: { url: env('EVIL_URL') } })\nexport default config\n", ""},
		{"const handed to code", head + "const config = defineConfig({ datasource: { url: env('SAFE_URL') } })\nObject.assign(config.datasource, { url: env('EVIL_URL') })\nexport default config\n", ""},
		{"member of the literal", head + "export default { datasource: { url: env('SAFE_URL') }, x: { datasource: { url: env('EVIL_URL') } } }.x\n", ""},
		{"defineConfig given more", head + "export default defineConfig({ datasource: { url: env('SAFE_URL') } } && { datasource: { url: env('EVIL_URL') } })\n", ""},
		{"defineConfig of its own", "import { env } from 'prisma/config'\nfunction defineConfig(c: any) { return { ...c, datasource: { url: env('EVIL_URL') } } }\n" + safe + "\n", ""},
		{"env from another file", "import { defineConfig, env } from './myenv'\n" + safe + "\n", ""},
		{"a file imported for its effect", "import './set-env'\n" + head + safe + "\n", ""},
		{"env from require of another file", "const { defineConfig, env } = require('./myenv')\n" + safe + "\n", ""},
		{"env as a global", "import { defineConfig } from 'prisma/config'\n(globalThis as any).env = (n: string) => process.env.EVIL_URL\n" + safe + "\n", ""},
		{"env assigned without a declaration", "import { defineConfig } from 'prisma/config'\nenv = (n: string) => process.env.EVIL_URL\n" + safe + "\n", ""},
		{"process by index", head + "process['env'].SAFE_URL = process.env.EVIL_URL\n" + safe + "\n", ""},
		{"process by an alias", head + "const p = process; p.env.SAFE_URL = p.env.EVIL_URL\n" + safe + "\n", ""},
		{"process from node:process", head + "import proc from 'node:process'\nproc.env.SAFE_URL = proc.env.EVIL_URL\n" + safe + "\n", ""},
		{"Function built from text", head + "const f = [].map.constructor('process.env.SAFE_URL = process.env.EVIL_URL'); f()\n" + safe + "\n", ""},
		{"computed member", head + "const k = 'constr' + 'uctor'; const f = ([] as any)[k][k]('return 1')\n" + safe + "\n", ""},
		{"__proto__ key", head + "export default defineConfig({ '__proto__': { datasource: { url: env('EVIL_URL') } } })\n", ""},
	} {
		c, err := parsePrismaConfig("prisma.config.ts", tc.src)
		var ce *PrismaConfigError
		switch {
		case tc.wantVar == "" && err == nil:
			t.Errorf("%s: read as url %q, want it refused (Prisma connects with EVIL_URL)", tc.name, c.URLVar)
		case tc.wantVar == "" && (!errors.As(err, &ce) || ce.Line < 1 || ce.Line > strings.Count(tc.src, "\n") || exitcode.Of(err) != exitcode.Usage || ce.Hint() == ""):
			t.Errorf("%s: %v (exit %d), want exit 2 at a line of the file, with a hint", tc.name, err, exitcode.Of(err))
		case tc.wantVar != "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantVar != "" && c.URLVar != tc.wantVar:
			t.Errorf("%s: url read as %q, want %q (what Prisma's loader reads)", tc.name, c.URLVar, tc.wantVar)
		}
	}
}

// TestAttackPrismaConfigSharedPrototype: a datasource (or a
// shadowDatabaseUrl) written on Object.prototype is read by Prisma 7.10.1
// from a config that writes none: Prisma connected with EVIL_URL while
// dbguard read no datasource (and judged the schema's variable), or read
// no shadow database. Now the ways to the prototype are refused at their
// line, a member of an object literal read by a computed name ({}[k])
// among them.
func TestAttackPrismaConfigSharedPrototype(t *testing.T) {
	const head = "import { defineConfig, env } from 'prisma/config'\n"
	for _, src := range []string{
		head + "Object.assign(Object.getPrototypeOf({}), { datasource: { url: env('EVIL_URL') } })\nexport default defineConfig({ schema: 'prisma/schema.prisma' })\n",
		head + "Object.assign(Object.getPrototypeOf({}), { shadowDatabaseUrl: env('EVIL_URL') })\nexport default defineConfig({ datasource: { url: env('SAFE_URL') } })\n",
		head + "const O = Object; O.assign(O.getPrototypeOf({}), { datasource: { url: env('EVIL_URL') } })\nexport default defineConfig({})\n",
		head + "const k = 'constr' + 'uctor'; ({} as any)[k].assign(({} as any)['__pro' + 'to__'], { datasource: { url: env('EVIL_URL') } })\nexport default defineConfig({})\n",
		head + "const k = 'constr' + 'uctor'; const p = {}['__pro' + 'to__']; const o = {}[k]; o.assign(p, { datasource: { url: env('EVIL_URL') } })\nexport default defineConfig({})\n",
		head + "const { ['constr' + 'uctor']: O, ['__pro' + 'to__']: p } = {} as any; O.assign(p, { datasource: { url: env('EVIL_URL') } })\nexport default defineConfig({})\n",
	} {
		c, err := parsePrismaConfig("prisma.config.ts", src)
		var ce *PrismaConfigError
		switch {
		case err == nil:
			t.Errorf("%s: read as url %q shadow %q, want it refused (Prisma connects with EVIL_URL)", src, c.URLVar, c.ShadowVar)
		case !errors.As(err, &ce) || ce.Line != 2 || exitcode.Of(err) != exitcode.Usage:
			t.Errorf("%s: %v, want exit 2 at line 2", src, err)
		}
	}
}

// TestAttackPrismaConfigDeletesTheURL: delete process.env.DATABASE_URL
// before dotenv.config() made Prisma 7.10.1 take .env's DATABASE_URL over
// the direct URL dbguard gives it in the environment, as override: true
// does, and dbguard read the config as it reads one without the delete.
// Now it is refused at its line.
func TestAttackPrismaConfigDeletesTheURL(t *testing.T) {
	src := "import dotenv from 'dotenv'\nimport { defineConfig, env } from 'prisma/config'\ndelete process.env.DATABASE_URL\ndotenv.config()\nexport default defineConfig({ datasource: { url: env('DATABASE_URL') } })\n"
	c, err := parsePrismaConfig("prisma.config.ts", src)
	var ce *PrismaConfigError
	switch {
	case err == nil:
		t.Fatalf("read as url %q from %q, override at line %d; want it refused", c.URLVar, c.EnvFiles, c.OverrideLine)
	case !errors.As(err, &ce) || ce.Line != 3 || exitcode.Of(err) != exitcode.Usage:
		t.Fatalf("%v, want exit 2 at line 3", err)
	}
}

// TestAttackPrismaConfigDotenvUnderAnotherName: dotenv's loader called
// under a name the reader did not follow (config imported as load, the
// module bound to another name, config taken as a value) loaded
// .env.prod with override: true unseen: Prisma took its DATABASE_URL over
// the direct URL dbguard gives it, and dbguard saw no env file loaded and
// no override. Now each is refused at its line, or read as the trap.
func TestAttackPrismaConfigDotenvUnderAnotherName(t *testing.T) {
	const tail = "import { defineConfig, env } from 'prisma/config'\nexport default defineConfig({ datasource: { url: env('DATABASE_URL') } })\n"
	for _, src := range []string{
		"import { config as load } from 'dotenv'\nload({ path: '.env.prod', override: true })\n" + tail,
		"import * as de from 'dotenv'\nde.config({ path: '.env.prod', override: true })\n" + tail,
		"import de from 'dotenv'\nde.config({ path: '.env.prod', override: true })\n" + tail,
		"const d = require('dotenv')\nd.config({ path: '.env.prod', override: true })\n" + tail,
		"import dotenv from 'dotenv'\nconst c = dotenv.config; c({ path: '.env.prod', override: true })\n" + tail,
		"import { config } from 'dotenv'\nconst c = config; c({ path: '.env.prod', override: true })\n" + tail,
		"const { config: load } = require('dotenv')\nload({ path: '.env.prod', override: true })\n" + tail,
	} {
		c, err := parsePrismaConfig("prisma.config.ts", src)
		var ce *PrismaConfigError
		switch {
		case err == nil && c.OverrideLine == 0:
			t.Errorf("%s: read with env files %q and no override; want it refused", src, c.EnvFiles)
		case err != nil && (!errors.As(err, &ce) || ce.Line > 2 || exitcode.Of(err) != exitcode.Usage):
			t.Errorf("%s: %v, want exit 2 at line 1 or 2", src, err)
		}
	}
}

// TestAttackPrismaConfigDestructuringSetsEnv: a config that set the
// variable dbguard judges by a destructuring, a for-of or ++ (not by =)
// was read as env('DATABASE_URL'): Prisma, given the guarded URL by
// dbguard, connected to the URL the file wrote instead (node runs each
// form and sets process.env.DATABASE_URL). Now each is refused at its line.
func TestAttackPrismaConfigDestructuringSetsEnv(t *testing.T) {
	const head = "import { defineConfig, env } from 'prisma/config'\n"
	const tail = "export default defineConfig({ datasource: { url: env('DATABASE_URL') } })\n"
	for _, set := range []string{
		"[process.env.DATABASE_URL] = ['postgresql://evil/db']",
		";[, [process.env['DATABASE_URL']]] = [0, ['postgresql://evil/db']]",
		"({ a: process.env.DATABASE_URL } = { a: 'postgresql://evil/db' })",
		"({ a: { b: process.env.DATABASE_URL } } = { a: { b: 'postgresql://evil/db' } })",
		";[(process.env.DATABASE_URL)] = ['postgresql://evil/db']",
		"(process.env.DATABASE_URL) = 'postgresql://evil/db'",
		"(process.env.DATABASE_URL as string) = 'postgresql://evil/db'",
		"for (process.env.DATABASE_URL of ['postgresql://evil/db']) {}",
		"for (process.env.DATABASE_URL in { 'postgresql://evil/db': 1 }) {}",
		"for ([process.env.DATABASE_URL] of [['postgresql://evil/db']]) {}",
		"process.env.DATABASE_URL++",
		"--process.env.DATABASE_URL",
	} {
		c, err := parsePrismaConfig("prisma.config.ts", head+set+"\n"+tail)
		var ce *PrismaConfigError
		switch {
		case err == nil:
			t.Errorf("%s: read as url %q; want it refused", set, c.URLVar)
		case !errors.As(err, &ce) || ce.Line != 2 || exitcode.Of(err) != exitcode.Usage:
			t.Errorf("%s: %v, want exit 2 at line 2", set, err)
		}
	}
	// Reads beside it stay read: an array or object holding the value.
	for _, read := range []string{
		"const both = [process.env.DATABASE_URL, process.env.OTHER]",
		"const o = { a: process.env.DATABASE_URL }; if (o.a === undefined) throw new Error('x')",
		"for (const k of [process.env.DATABASE_URL]) console.log(typeof k)",
	} {
		if _, err := parsePrismaConfig("prisma.config.ts", head+read+"\n"+tail); err != nil {
			t.Errorf("%s: %v, want it read", read, err)
		}
	}
}

// TestAttackPrismaConfigPathModuleReplaced: path.join(...) in a config is
// read as Node's, so a config that replaced join through another name for
// the module (a second import, path.posix, destructuring) would have
// Prisma read a schema elsewhere than the one dbguard judged. Each is
// refused: the path is then not read.
func TestAttackPrismaConfigPathModuleReplaced(t *testing.T) {
	const head = "import path from 'node:path'\nimport { defineConfig } from 'prisma/config'\n"
	const tail = "export default defineConfig({ schema: path.join('prisma', 'schema.prisma') })\n"
	for _, swap := range []string{
		"import p2 from 'path'\np2.join = () => '/elsewhere/schema.prisma'",
		"import { posix } from 'path'\nposix.join = () => '/elsewhere/schema.prisma'",
		"const p2 = require('node:path')\np2['join'] = () => '/elsewhere/schema.prisma'",
		";({ j: path.posix.join } = { j: () => '/elsewhere/schema.prisma' })",
		"path.join = () => '/elsewhere/schema.prisma'",
		"const { join } = path",
	} {
		c, err := parsePrismaConfig("prisma.config.ts", head+swap+"\n"+tail)
		var ce *PrismaConfigError
		switch {
		case err == nil:
			t.Errorf("%s: read as schema %q; want it refused", swap, c.Schema)
		case !errors.As(err, &ce) || ce.Line < 1:
			t.Errorf("%s: %v, want a refusal at a line", swap, err)
		}
	}
}
