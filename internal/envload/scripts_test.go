package envload

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/testutil/lineartest"
	"github.com/rogpeppe/go-internal/txtar"
)

// TestScriptConformance compares what each package.json script of the
// script: cases starts its process with, as Scripts and the script's
// Loader model it, with what the real wrappers (dotenv-cli, dotenvx, node)
// gave the process (recorded by scripts/conformance.sh).
func TestScriptConformance(t *testing.T) {
	files, err := filepath.Glob("testdata/conformance/cases/script-*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no script cases: %v", err)
	}
	total := 0
	for _, file := range files {
		c := loadCase(t, file)
		a, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var specs []string
		for _, line := range strings.Split(string(a.Comment), "\n") {
			if v, ok := strings.CutPrefix(line, "script: "); ok {
				specs = append(specs, v)
			}
		}
		data, err := os.ReadFile(filepath.Join("testdata/conformance/golden", c.name+".json"))
		if err != nil {
			t.Errorf("%s: no golden (run make conformance): %v", c.name, err)
			continue
		}
		var g struct {
			Scripts map[string]struct {
				Vars   map[string]*string `json:"vars"`
				Driver *map[string]string `json:"driver"`
				Error  string             `json:"error"`
			} `json:"scripts"`
		}
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatal(err)
		}
		read := func(rel string) ([]byte, bool) { d, ok := c.files[rel]; return d, ok }
		for _, spec := range specs {
			total++
			manifest, name, _ := strings.Cut(spec, " ")
			want, ok := g.Scripts[spec]
			if !ok {
				t.Errorf("%s: the golden has no %q (run make conformance)", c.name, spec)
				continue
			}
			scripts, problems := Scripts(manifest, c.files[manifest], read)
			if len(problems) > 0 {
				t.Errorf("%s: %v", c.name, problems)
			}
			i := slices.IndexFunc(scripts, func(s *Script) bool { return s.Name == name })
			if i < 0 {
				t.Errorf("%s: %s: script %q not recognised as starting with env files", c.name, manifest, name)
				continue
			}
			s := scripts[i]
			r := Read(s.Loader(), c.input(), s.Dir, s.Dir)
			diff := compareReading(r, want.Vars, want.Error)
			if diff == "" && want.Error == "" {
				diff = compareDriver(r, want.Driver)
			}
			if diff != "" {
				t.Errorf("%s: %s (%s): %s", c.name, spec, s.Tool, diff)
			}
		}
	}
	t.Logf("%d scripts compared with the real wrappers", total)
}

func TestScriptsParse(t *testing.T) {
	read := func(rel string) ([]byte, bool) {
		if rel == "apps/api/src/main.js" {
			return []byte("// start\nprocess.loadEnvFile(`../.env.shared`)\nprocess.loadEnvFile(process.env.F)\n"), true
		}
		return nil, false
	}
	pkg := `{
  "name": "api",
  "scripts": {
    "build": "tsc -p .",
    "dev": "cross-env NODE_ENV=development dotenv -e ../../.env -e .env -- next dev",
    "start": "NODE_ENV=production dotenvx run -f '.env.production' --overload -- node dist/index.js",
    "quoted": "dotenv -e \"config/my app.env\" -- app",
    "node": "node --require ./tracing.js --env-file=.env --env-file-if-exists .env.local dist/server.js",
    "uv": "UV_ENV_FILE=.env.uv uv run --with pytest pytest",
    "uv2": "uv run --env-file .env --env-file ../.env.ci -- python -m app",
    "dynamic": "dotenv -e .env.$APP_ENV -- next start",
    "outside": "node --env-file=/etc/app.env server.js",
    "up": "node --env-file=../../../x.env server.js",
    "entry": "node src/main.js",
    "chain": "echo hi; dotenv -- prisma migrate deploy && next build",
    "print": "dotenv -p DATABASE_URL"
  }
}`
	scripts, problems := Scripts("apps/api/package.json", []byte(pkg), read)
	got := map[string]string{}
	for _, s := range scripts {
		var fs []string
		for _, f := range s.Files {
			fs = append(fs, f.Path+"@"+f.At)
		}
		over := ""
		if s.Override {
			over = " override"
		}
		got[s.Name] = s.Tool + over + " " + strings.Join(fs, ",")
	}
	want := map[string]string{
		"dev":    "dotenv-cli .env@apps/api/package.json:5,apps/api/.env@apps/api/package.json:5",
		"start":  "dotenvx override apps/api/.env.production@apps/api/package.json:6",
		"quoted": "dotenv-cli apps/api/config/my app.env@apps/api/package.json:7",
		"node":   "node apps/api/.env@apps/api/package.json:8,apps/api/.env.local@apps/api/package.json:8",
		"uv":     "uv apps/api/.env.uv@apps/api/package.json:9",
		"uv2":    "uv apps/api/.env@apps/api/package.json:10,apps/.env.ci@apps/api/package.json:10",
		"chain":  "dotenv-cli apps/api/.env@apps/api/package.json:15",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: recognised (%q), want not", k, got[k])
		}
	}
	var msgs []string
	for _, p := range problems {
		msgs = append(msgs, p.At+" "+p.Msg)
	}
	all := strings.Join(msgs, "\n")
	for _, w := range []string{
		`apps/api/package.json:11 script "dynamic": the env file .env.$APP_ENV is only known when the shell runs the script`,
		`apps/api/package.json:12 script "outside": the env file /etc/app.env is outside the project`,
		`apps/api/package.json:13 script "up": the env file ../../../x.env is outside the project`,
		`apps/api/package.json:14 script "entry": apps/api/src/main.js:3: process.loadEnvFile with a path computed at run time`,
	} {
		if !strings.Contains(all, w) {
			t.Errorf("problems lack %q; got:\n%s", w, all)
		}
	}
}

// TestScriptDotenvxCommandIsUnknowable: dotenvx runs $(...) in a value
// as a command; dbguard never does, and marks the value as unknowable.
func TestScriptDotenvxCommandIsUnknowable(t *testing.T) {
	files := map[string][]byte{
		".env":         []byte("DATABASE_URL=$(cat /run/secrets/db)\n"),
		"package.json": []byte(`{"scripts": {"dev": "dotenvx run -- next dev"}}`),
	}
	scripts, problems := Scripts("package.json", files["package.json"], nil)
	if len(scripts) != 1 || len(problems) > 0 {
		t.Fatalf("scripts %v, problems %v", scripts, problems)
	}
	in := &Input{Mode: "development", Environ: map[string]string{}, Files: func(rel string) ([]byte, bool, error) {
		d, ok := files[rel]
		return d, ok, nil
	}}
	r := Read(scripts[0].Loader(), in, ".", ".")
	v, ok := r.Lookup("DATABASE_URL")
	if !ok || !v.Command {
		t.Errorf("DATABASE_URL = %+v (set %v), want a value marked Command", v, ok)
	}
}

// TestAttackScriptProblemsShowNoPassword: a script or a call dbguard
// cannot model is reported without quoting a value that may hold a
// password.
func TestAttackScriptProblemsShowNoPassword(t *testing.T) {
	pkg := `{"scripts": {
  "a": "dotenv -v \"DATABASE_URL=postgres://app:s3cret@db/$DB\" -- next dev",
  "b": "dotenvx run -e \"DATABASE_URL=postgres://app:s3cret@db/$DB\" -- next dev"
}}`
	_, problems := Scripts("package.json", []byte(pkg), nil)
	py := "from dotenv import load_dotenv\nload_dotenv(stream=None, dsn='postgres://app:s3cret@db/x')\nload_dotenv(get('postgres://app:s3cret@db/x'))\n"
	_, pyProblems := PythonCalls("app.py", []byte(py))
	cls := "class S(BaseSettings):\n    model_config = SettingsConfigDict(env_file=f('postgres://app:s3cret@db/x'))\n    database_url: str\n"
	_, clsProblems := PydanticSettings("s.py", []byte(cls))
	all := append(append(problems, pyProblems...), clsProblems...)
	if len(all) != 5 {
		t.Errorf("want 5 problems, got %v", all)
	}
	for _, p := range all {
		if strings.Contains(p.Msg, "s3cret") {
			t.Errorf("%s: %s", p.At, p.Msg)
		}
	}
}

// TestAttackScriptEntriesLinear: a megabyte of short scripts took about a
// second per package.json, each script's line counted from the top. Now
// 8 times the scripts take about 8 times as long, and the lines are right.
func TestAttackScriptEntriesLinear(t *testing.T) {
	manifest := func(n int) []byte {
		var b strings.Builder
		b.WriteString("{\n  \"scripts\": {")
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "\n    \"%x\": \"\"", i)
		}
		b.WriteString("\n  }\n}\n")
		return []byte(b.String())
	}
	if r := lineartest.Growth(manifest, func(b []byte) { scriptEntries(b) }, 4000); r > 20 {
		t.Errorf("8 times the scripts take %.0f times as long (linear: about 8)", r)
	}
	names, lines, _ := scriptEntries(manifest(1000))
	if len(names) != 1000 || lines[0] != 3 || lines[999] != 1002 {
		t.Fatalf("want 1000 scripts on lines 3 to 1002, got %d, first %d, last %d", len(names), lines[0], lines[len(lines)-1])
	}
}

// TestDotenvConfigPreload: the options dotenv 16/17's preload reads
// (`node -r dotenv/config`) decide its file and precedence, and what
// dbguard cannot read is a problem, never a guess.
func TestDotenvConfigPreload(t *testing.T) {
	for _, c := range []struct{ script, dotenv, want, problem string }{
		{script: "node -r dotenv/config app.js dotenv_config_path=.env.other", want: "dotenv/config .env.other"},
		{script: "node -r dotenv/config app.js dotenv_config_path=.env.other", dotenv: "^17.2.3", want: "dotenv/config .env.other"},
		// dotenv 18: no arguments; DOTENV_X before DOTENV_CONFIG_X; false is false.
		{script: "node -r dotenv/config app.js dotenv_config_path=.env.other", dotenv: "^18.0.10", want: ""},
		{script: "DOTENV_PATH=b.env DOTENV_CONFIG_PATH=a.env node -r dotenv/config app.js", dotenv: "18.x", want: "dotenv/config b.env"},
		{script: "DOTENV_CONFIG_OVERRIDE=off node -r dotenv/config app.js", dotenv: ">=18", want: "dotenv/config .env"},
		{script: "DOTENV_OVERRIDE=yes node -r dotenv/config app.js", dotenv: "~18.1.0", want: "dotenv/config override .env"},
		{script: "DOTENV_FAST=1 node -r dotenv/config app.js", dotenv: "^18", problem: "fast parser"},
		// An option's text is the repository's: a message names the option, never its value.
		{script: "node -r dotenv/config app.js dotenv_config_encoding=postgres://u:s3cret@h/db", problem: "in another encoding"},
		{script: "DOTENV_CONFIG_OVERRIDE=postgres://u:s3cret@$H/db node -r dotenv/config app.js", problem: "override option is only known"},
		{script: "node -r dotenv/config app.js dotenv_config_path=.env dotenv_config_x$H=postgres://u:s3cret@h/db", problem: "a dotenv_config_ option"},
		{script: "DOTENV_CONFIG_PATH=cfg/a.env node --import dotenv/config app.js", want: "dotenv/config cfg/a.env"},
		{script: "DOTENV_CONFIG_PATH= DOTENV_CONFIG_OVERRIDE=0 node -r dotenv/config.js app.js", want: "dotenv/config override .env"},
		{script: "DOTENV_CONFIG_OVERRIDE= DOTENV_CONFIG_ENCODING=UTF-8 tsx -r dotenv/config app.ts", want: "dotenv/config .env"},
		{script: "node -r dotenv/config -e 'x()' dotenv_config_path=.env.e", want: "dotenv/config .env.e"},
		{script: "node -r dotenv/config app.js", want: ""},                        // the folder's loader reads .env
		{script: "node -r ./trace.js app.js dotenv_config_path=.env.x", want: ""}, // no preload: an argument
		{script: "node -r dotenv/config app.js dotenv_config_path=$ENVF", problem: "only known when the shell runs"},
		{script: "node -r dotenv/config app.js dotenv_config_path=~/.env", problem: "outside the project"},
		{script: "node -r dotenv/config app.js dotenv_config_path=../../x.env", problem: "outside the project"},
		{script: "node -r dotenv/config app.js dotenv_config_encoding=latin1", problem: "reads its file in latin1"},
		{script: "DOTENV_CONFIG_DOTENV_KEY=dotenv://:k@x/vault/.env.vault node -r dotenv/config app.js", problem: ".env.vault"},
		{script: "node --env-file=.env -r dotenv/config app.js dotenv_config_path=.env.x", problem: "not modelled yet"},
		{script: "DOTENV_CONFIG_PATH=.env.m node main.js", want: "dotenv/config .env.m"},
		{script: "node server.mjs dotenv_config_path=.env.y", problem: "process.loadEnvFile in the entry file is not modelled yet"},
		{script: "node app.js dotenv_config_path=.env.x", want: ""}, // app.js loads no dotenv: an argument
	} {
		pkg, _ := json.Marshal(map[string]any{"scripts": map[string]string{"dev": c.script}})
		if c.dotenv != "" {
			pkg, _ = json.Marshal(map[string]any{"dependencies": map[string]string{"dotenv": c.dotenv}, "scripts": map[string]string{"dev": c.script}})
		}
		scripts, problems := Scripts("package.json", pkg, func(rel string) ([]byte, bool) {
			switch rel {
			case "server.mjs": // its own preload, beside process.loadEnvFile
				return []byte("import 'dotenv/config'\nprocess.loadEnvFile('.env.x')\n"), true
			case "main.js":
				return []byte("const x = 1\nimport('dotenv/config.js')\n"), true
			}
			return nil, false
		})
		got := ""
		for _, s := range scripts {
			over := ""
			if s.Override {
				over = " override"
			}
			got = s.Tool + over
			for _, f := range s.Files {
				got += " " + f.Path
			}
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.script, got, c.want)
		}
		switch {
		case c.problem == "" && len(problems) > 0:
			t.Errorf("%s: %v", c.script, problems)
		case c.problem != "" && (len(problems) != 1 || !strings.Contains(problems[0].Msg, c.problem)):
			t.Errorf("%s: problems %v, want one saying %q", c.script, problems, c.problem)
		}
		for _, p := range problems {
			if strings.Contains(p.Msg, "s3cret") {
				t.Errorf("%s: a problem quotes the password: %s", c.script, p.Msg)
			}
		}
	}
}
