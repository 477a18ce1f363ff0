package envload

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/testutil/lineartest"
	"github.com/rogpeppe/go-internal/txtar"
)

func TestDotenvCallsParse(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      string // one line per call: line, paths, override
		problem   string
	}{
		{"require", "require('dotenv').config();\n", "1 [.env]", ""},
		{"side effect", "import 'dotenv/config';\nimport x from 'y';\n", "1 [.env]", ""},
		{"require side effect", "require(\"dotenv/config\")\n", "1 [.env]", ""},
		{"path string", "require('dotenv').config({ path: '../../.env' });\n", "1 [../../.env]", ""},
		{"path array", "const dotenv = require('dotenv');\ndotenv.config({ path: ['.env.local', '.env'] })\n", "2 [.env.local .env]", ""},
		{"dirname", "const path = require('path');\nrequire('dotenv').config({ path: path.resolve(__dirname, '../../../.env') });\n", "2 [file:../../../.env]", ""},
		{"join dirname", "import * as dotenv from 'dotenv';\ndotenv.config({path: path.join(import.meta.dirname, '..', '.env')});\n", "2 [file:../.env]", ""},
		{"cwd", "require('dotenv').config({ path: path.resolve(process.cwd(), '.env.local') });\n", "1 [.env.local]", ""},
		{"named import", "import { config } from 'dotenv';\nconfig({ override: true, path: `.env.test` });\n", "2 [.env.test] override", ""},
		{"renamed", "const { config: loadEnv } = require('dotenv');\nloadEnv();\nconfig();\n", "2 [.env]", ""},
		{"sequence", "const dotenv = require('dotenv');\ndotenv.config();\ndotenv.config({ path: '.env.local', override: true });\n", "2 [.env]\n3 [.env.local] override", ""},
		{"commented", "// require('dotenv').config({ path: '.env.old' })\nrequire('dotenv').config();\n", "2 [.env]", ""},
		{"none", "const x = require('other').config();\nconfig();\n", "", ""},
		{"computed path", "require('dotenv').config({ path: `.env.${process.env.NODE_ENV}` });\n", "", "dotenv.config's path is computed at run time: what it loads is not judged (pass a literal path, or name the loader in dbguard.yaml's env.loaders (loader: dotenv"},
		{"computed override", "require('dotenv').config({ override: process.env.CI !== 'true' });\n", "", "override is computed"},
		{"variable options", "require('dotenv').config(opts);\n", "", "not an object literal"},
		{"process env", "require('dotenv').config({ processEnv: myEnv });\n", "", "processEnv"},
	} {
		calls, problems := DotenvCalls("apps/api/src/index.js", []byte(tc.src))
		var got []string
		if calls != nil {
			for _, l := range calls.Loads {
				var ps []string
				for _, p := range l.Paths {
					ps = append(ps, map[bool]string{true: "file:"}[p.FromFile]+p.Name)
				}
				s := fmt.Sprintf("%d %v", l.Line, ps)
				if l.Override {
					s += " override"
				}
				got = append(got, s)
			}
		}
		if g := strings.Join(got, "\n"); g != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, g, tc.want)
		}
		var msgs []string
		for _, p := range problems {
			msgs = append(msgs, p.At+": "+p.Msg)
		}
		if m := strings.Join(msgs, "\n"); tc.problem == "" && m != "" || tc.problem != "" && !strings.Contains(m, tc.problem) {
			t.Errorf("%s: problems %q, want %q", tc.name, m, tc.problem)
		}
	}
}

// TestNodeCallConformance compares, for the nodecall: cases, what dbguard
// makes of a file's dotenv config calls (DotenvCalls and their Loader,
// started in each run folder) with what process.env held after the real
// dotenv ran that file there (recorded by scripts/conformance.sh).
func TestNodeCallConformance(t *testing.T) {
	files, err := filepath.Glob("testdata/conformance/cases/nodecall-*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no nodecall cases: %v", err)
	}
	total := 0
	for _, file := range files {
		c := loadCase(t, file)
		a, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var jsfiles []string
		for _, line := range strings.Split(string(a.Comment), "\n") {
			if v, ok := strings.CutPrefix(line, "nodecall: "); ok {
				jsfiles = append(jsfiles, v)
			}
		}
		data, err := os.ReadFile(filepath.Join("testdata/conformance/golden", c.name+".json"))
		if err != nil {
			t.Errorf("%s: no golden (run make conformance): %v", c.name, err)
			continue
		}
		var g struct {
			NodeCalls map[string]map[string]struct {
				Vars   map[string]*string `json:"vars"`
				Driver *map[string]string `json:"driver"`
				Error  string             `json:"error"`
			} `json:"nodecalls"`
		}
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatal(err)
		}
		for _, js := range jsfiles {
			calls, problems := DotenvCalls(js, c.files[js])
			if calls == nil || len(problems) > 0 {
				t.Errorf("%s: %s: want its calls, got none (problems %v)", c.name, js, problems)
				continue
			}
			runs := g.NodeCalls[js]
			if len(runs) == 0 {
				t.Errorf("%s: the golden has no nodecalls for %s (run make conformance)", c.name, js)
			}
			for _, run := range slices.Sorted(maps.Keys(runs)) {
				total++
				want := runs[run]
				r := Read(calls.Loader(run), c.input(), run, run)
				diff := compareReading(r, want.Vars, want.Error)
				if diff == "" && want.Error == "" {
					diff = compareDriver(r, want.Driver)
				}
				if diff != "" {
					t.Errorf("%s: %s run in %s: %s", c.name, js, run, diff)
				}
			}
		}
	}
	t.Logf("%d runs of dotenv and ConfigModule calls compared with dotenv and @nestjs/config", total)
}

func TestNestConfigModuleParse(t *testing.T) {
	for _, tc := range []struct {
		name, src, want, problem string
	}{
		{"default", "import { ConfigModule } from '@nestjs/config';\n@Module({ imports: [ConfigModule.forRoot()] })\n", "ConfigModule.forRoot 2 [.env]", ""},
		{"array", "import { ConfigModule } from '@nestjs/config';\nConfigModule.forRoot({\n  isGlobal: true,\n  envFilePath: ['.env.local', '.env'],\n})\n", "ConfigModule.forRoot 2 [.env.local .env]", ""},
		{"ignore", "import { ConfigModule } from '@nestjs/config';\nConfigModule.forRoot({ ignoreEnvFile: true })\n", "ConfigModule.forRoot 2 []", ""},
		{"expand", "import { ConfigModule } from '@nestjs/config';\nConfigModule.forRoot({ expandVariables: true })\n", "", "expands variables"},
		{"computed", "import { ConfigModule } from '@nestjs/config';\nConfigModule.forRoot({ envFilePath: `.env.${process.env.NODE_ENV}` })\n", "", "envFilePath is computed at run time: what it loads is not judged (pass a literal path, or list the files it loads in dbguard.yaml's env.files (env.loaders has no name for ConfigModule.forRoot), then run: dbguard env)"},
		{"not nest", "ConfigModule.forRoot({ envFilePath: '.env.x' })\n", "", ""},
	} {
		calls, problems := DotenvCalls("apps/api/src/app.module.ts", []byte(tc.src))
		got := ""
		if calls != nil {
			l := calls.Loads[0]
			var ps []string
			for _, p := range l.Paths {
				ps = append(ps, p.Name)
			}
			got = fmt.Sprintf("%s %d %v", l.Via, l.Line, ps)
			if ps == nil {
				got = fmt.Sprintf("%s %d []", l.Via, l.Line)
			}
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
		var msgs []string
		for _, p := range problems {
			msgs = append(msgs, p.Msg)
		}
		if m := strings.Join(msgs, "\n"); tc.problem == "" && m != "" || tc.problem != "" && !strings.Contains(m, tc.problem) {
			t.Errorf("%s: problems %q, want %q", tc.name, m, tc.problem)
		}
	}
}

// TestAttackDotenvCallsLinear: the JS reader's work is linear in the file,
// as the Python one's: a call's line is counted on from the call before,
// not from the start (a megabyte of calls was quadratic), a long line of
// calls is not scanned back for a comment once per call, and a file names
// at most maxCallProblems calls it cannot read, then how many more.
//
// A call a line is measured from 16,000 calls: each call's own work is
// tens of times a byte's, so a line counted from the start of the file
// (strings.Count(src[:pos], "\n") per call) was a sixth of the work at
// 4,000 and grew 8 times the calls only 16 to 17 times, under 20; at
// 16,000 it grows them about 30 times.
//
// The problems are checked on the unclosed calls' larger input, the
// measurement's last run (32,000 calls none of which closes, 832 KB): a
// run of its own on 80,000 calls cost 0.7 s of CPU for the same count.
func TestAttackDotenvCallsLinear(t *testing.T) {
	for name, tc := range map[string]struct {
		unit string
		n    int
	}{
		"a call a line":     {"require('dotenv').config()\n", 16_000},
		"calls on one line": {"x = 1; require('dotenv').config(); ", 4000},
		"unclosed calls":    {"require('dotenv').config(\n", 4000},
		"named imports":     {"import { config as c } from 'dotenv'; c(); ", 4000},
	} {
		t.Run(name, func(t *testing.T) {
			var problems []ScriptProblem
			if r := lineartest.Growth(func(n int) []byte { return []byte(strings.Repeat(tc.unit, n)) }, func(b []byte) { _, problems = DotenvCalls("b.js", b) }, tc.n); r > 20 {
				t.Errorf("8 times the calls take %.0f times as long (linear: about 8)", r)
			}
			if name == "unclosed calls" {
				checkCallProblems(t, problems, "b.js", 8*tc.n)
			}
		})
	}
}

// checkCallProblems checks the problems of a file of calls none of which
// can be read (the last run of a growth measurement, on its larger
// input): the first maxCallProblems named, then one line counting the
// rest, at the first call not named.
func checkCallProblems(t *testing.T, problems []ScriptProblem, file string, calls int) {
	t.Helper()
	rest := fmt.Sprintf("and %d more ", calls-maxCallProblems)
	if len(problems) != maxCallProblems+1 || !strings.Contains(problems[maxCallProblems].Msg, rest) {
		t.Fatalf("want %d problems and one counting the rest (%q), got %d", maxCallProblems, rest, len(problems))
	}
	if want := fmt.Sprintf("%s:%d", file, maxCallProblems+1); problems[maxCallProblems].At != want {
		t.Errorf("the count of the rest is at %s, want the first not named (%s)", problems[maxCallProblems].At, want)
	}
}

func TestDotenvxConfigParse(t *testing.T) {
	for _, tc := range []struct {
		name, src, want, problem string
	}{
		{"default", "require('@dotenvx/dotenvx').config()\n", "dotenvx.config 1 [.env] false", ""},
		{"side effect", "import '@dotenvx/dotenvx/config'\n", "dotenvx.config 1 [.env] false", ""},
		{"comma list", "const dotenvx = require('@dotenvx/dotenvx')\ndotenvx.config({ path: '.env.local, .env', overload: true })\n", "dotenvx.config 2 [.env.local .env] true", ""},
		{"override", "import { config as load } from '@dotenvx/dotenvx'\nload({ path: ['.env.a,b'], override: true })\n", "dotenvx.config 2 [.env.a,b] true", ""},
		{"namespace", "import * as dotenvx from '@dotenvx/dotenvx'\ndotenvx.config({ path: path.resolve(__dirname, '../.env') })\n", "dotenvx.config 2 [../.env] false", ""},
		{"not dotenv's", "require('@dotenvx/dotenvx').config()\nrequire('dotenv').config({ path: '.env.x' })\n", "dotenvx.config 1 [.env] false", ""},
		{"convention", "require('@dotenvx/dotenvx').config({ convention: 'nextjs' })\n", "", "convention option is not modelled"},
		{"process env", "require('@dotenvx/dotenvx').config({ processEnv: myEnv })\n", "", "another object"},
		{"computed", "require('@dotenvx/dotenvx').config({ path: `.env.${process.env.NODE_ENV}` })\n", "", "is computed at run time: what it loads is not judged (pass a literal path, or list the files it loads in dbguard.yaml's env.files (env.loaders has no name for dotenvx.config), then run: dbguard env)"},
		{"computed overload", "require('@dotenvx/dotenvx').config({ overload: process.env.CI })\n", "", "overload is computed"},
		{"comma after dirname", "require('@dotenvx/dotenvx').config({ path: path.join(__dirname, '.env,.env.local') })\n", "", "holds a comma"},
		{"empty list", "require('@dotenvx/dotenvx').config({ path: ' , ' })\n", "", "names no file"},
		{"spread", "require('@dotenvx/dotenvx').config({ ...opts })\n", "", "spread"},
		{"not dotenvx", "config({ path: '.env.x' })\n", "", ""},
	} {
		calls, problems := DotenvCalls("index.js", []byte(tc.src))
		got := ""
		if calls != nil {
			l := calls.Loads[0]
			var ps []string
			for _, p := range l.Paths {
				ps = append(ps, p.Name)
			}
			got = fmt.Sprintf("%s %d %v %v", l.Via, l.Line, ps, l.Override)
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
		var msgs []string
		for _, p := range problems {
			msgs = append(msgs, p.Msg)
		}
		if m := strings.Join(msgs, "\n"); tc.problem == "" && m != "" || tc.problem != "" && !strings.Contains(m, tc.problem) {
			t.Errorf("%s: problems %q, want %q", tc.name, m, tc.problem)
		}
	}
}

// TestDotenvxEncrypted: a value dotenvx encrypted is marked for dotenvx's
// readings (config() and `dotenvx run`), which decrypt it with a key
// dbguard never reads, and for no other loader, which hand it over as
// written (the golden nodecall-dotenvx-encrypted: the text, with no key).
func TestDotenvxEncrypted(t *testing.T) {
	c := loadCase(t, "testdata/conformance/cases/nodecall-dotenvx-encrypted.txtar")
	calls, _ := DotenvCalls("index.js", c.files["index.js"])
	r := Read(calls.Loader("."), c.input(), ".", ".")
	if v, ok := r.Lookup("DATABASE_URL"); !ok || !v.Encrypted || !strings.HasPrefix(v.Value, DotenvxEncrypted) {
		t.Errorf("dotenvx.config: DATABASE_URL %+v, want the encrypted text, marked", v)
	}
	if v, _ := r.Lookup("PGHOST"); v.Encrypted {
		t.Errorf("dotenvx.config: PGHOST is marked encrypted")
	}
	s := &Script{Dir: ".", Tool: "dotenvx", Files: []ScriptFile{{Path: ".env"}}}
	if v, _ := Read(s.Loader(), c.input(), ".", ".").Lookup("DATABASE_URL"); !v.Encrypted {
		t.Errorf("dotenvx run: DATABASE_URL is not marked encrypted")
	}
	for _, l := range Loaders {
		if v, _ := Read(l, c.input(), ".", ".").Lookup("DATABASE_URL"); v.Encrypted {
			t.Errorf("%s: DATABASE_URL is marked encrypted, but %s does not decrypt", l.Name, l.Name)
		}
	}
}

// TestAttackDotenvxPathOutside: a dotenvx config path that leaves the
// project, in a comma list too (a ~ that dotenvx's resolveHome takes for
// the home folder, ../.., an absolute path), is never resolved inside it.
func TestAttackDotenvxPathOutside(t *testing.T) {
	calls, problems := DotenvCalls("apps/api/index.js", []byte("require('@dotenvx/dotenvx').config({ path: '~/db.env, ../../../x.env,/etc/app.env, .env' })\n"))
	if calls == nil || len(problems) > 0 {
		t.Fatalf("calls %v, problems %v", calls, problems)
	}
	inside, outside := calls.Resolve("apps/api")
	if !slices.Equal(inside, []string{"apps/api/.env"}) || !slices.Equal(outside, []string{"~/db.env", "../../../x.env", "/etc/app.env"}) {
		t.Errorf("inside %q, outside %q", inside, outside)
	}
}
