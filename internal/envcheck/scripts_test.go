package envcheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
)

const (
	dbA = "postgres://app:s3cret@db-a.example.com:5432/app"
	dbB = "postgres://app:s3cret@db-b.example.com:5432/app"
)

// readersOf lists, per value of DATABASE_URL, the loaders that read it.
func readersOf(r *Report) map[string][]string {
	out := map[string][]string{}
	for _, lr := range r.Readings {
		if s := lr.Reads["DATABASE_URL"]; s != nil {
			out[s.Def.Location()] = append(out[s.Def.Location()], lr.Label())
		}
	}
	return out
}

// TestScriptsDecideTheFiles: the incident's monorepo, where apps/web's
// dev script is `dotenv -e ../../.env -e .env -- next dev`: dotenv-cli's
// first file wins, so the app reads the root .env, not apps/web/.env, and
// the reading says which script it is.
func TestScriptsDecideTheFiles(t *testing.T) {
	root := tree(t, map[string]string{
		".env":                  "DATABASE_URL=" + dbA + "\n",
		"apps/web/.env":         "DATABASE_URL=" + dbB + "\n",
		"apps/web/package.json": `{"scripts": {"dev": "dotenv -e ../../.env -e .env -- next dev"}, "dependencies": {"next": "16"}}`,
	})
	r := mustResolve(t, root, nil)
	got := readersOf(r)
	if !strings.Contains(strings.Join(got[".env:1"], ";"), "npm run dev (dotenv-cli) in apps/web/") {
		t.Errorf("the dev script should read .env:1; readers: %v", got)
	}
	if strings.Contains(strings.Join(got["apps/web/.env:1"], ";"), "npm run dev") {
		t.Errorf("the dev script should not read apps/web/.env:1; readers: %v", got)
	}
}

// TestScriptModeFiles: a script whose file is named for a mode
// (.env.production) counts in that mode only.
func TestScriptModeFiles(t *testing.T) {
	root := tree(t, map[string]string{
		".env":            "DATABASE_URL=" + dbA + "\n",
		".env.production": "DATABASE_URL=" + dbB + "\n",
		"app.js":          "",
		"package.json":    `{"scripts": {"start": "dotenvx run -f .env.production -- node app.js"}, "dependencies": {"dotenv": "16"}}`,
	})
	r := mustResolve(t, root, func(o *Options) { o.Mode = "development" })
	if r.Conflict() {
		t.Errorf("mode development: the production script should not count; readers: %v", readersOf(r))
	}
	r = mustResolve(t, root, func(o *Options) { o.Mode = "production" })
	if !r.Conflict() {
		t.Errorf("mode production: the start script reads .env.production against dotenv's .env; readers: %v", readersOf(r))
	}
}

// TestAttackScriptFileOutsideProject: a script cannot make dbguard read a
// file outside the project, by a path (../../x.env, /etc/x) or by a link
// inside the project that points out of it.
func TestAttackScriptFileOutsideProject(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "outside.env")
	if err := os.WriteFile(outside, []byte("DATABASE_URL=postgres://app:s3cret@db-outside.example.com:5432/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(base, "project")
	for name, body := range map[string]string{
		".env":         "DATABASE_URL=" + dbA + "\n",
		"server.js":    "process.loadEnvFile('linked.env')\n",
		"package.json": `{"scripts": {"a": "dotenv -e ../outside.env -- next dev", "b": "node --env-file=` + outside + ` server.js", "c": "node --env-file=config/app.env server.js", "d": "node server.js"}}`,
	} {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{"config/app.env", "linked.env"} {
		if err := os.Symlink(outside, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	r, err := resolve(t, root, nil)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	for _, s := range r.Sources {
		if strings.Contains(s.Def.Value, "db-outside") {
			t.Errorf("read %s from outside the project (%s)", s.Def.Value, s.Def.Location())
		}
	}
	var warned []string
	for _, w := range r.Warnings {
		warned = append(warned, w.Location+" "+w.Message)
	}
	all := strings.Join(warned, "\n")
	for _, w := range []string{
		`script "a": the env file ../outside.env is outside the project`,
		`script "b": the env file ` + outside + ` is outside the project`,
		`script "c" names config/app.env, which dbguard does not read (path escapes from parent)`,
		`server.js:1 script "c" names linked.env, which dbguard does not read`,
	} {
		if !strings.Contains(all, w) {
			t.Errorf("no warning %q; warnings:\n%s", w, all)
		}
	}
	if strings.Contains(all, "s3cret") {
		t.Errorf("a warning shows a password:\n%s", all)
	}
}

// TestAttackScriptInlineVar: a NAME=value a script sets before its tool
// (a shell prefix, cross-env, env) is the tool's environment, which its
// env files never override (node --env-file, dotenv-cli and dotenvx
// without -o/--overload); set in the command the wrapper starts (-- env
// NAME=value) it beats every file. Either way the app connects where the
// package.json line says, not where .env does: two databases.
func TestAttackScriptInlineVar(t *testing.T) {
	for _, script := range []string{
		"DATABASE_URL=" + dbB + " node --env-file=.env app.js",
		"cross-env DATABASE_URL=" + dbB + " node --env-file=.env app.js",
		"env DATABASE_URL=" + dbB + " dotenv -e .env -- node app.js",
		"dotenvx run -f .env -- env DATABASE_URL=" + dbB + " node app.js",
		"dotenv -o -e .env -- env DATABASE_URL=" + dbB + " node app.js",
		"uv run --env-file .env -- env DATABASE_URL=" + dbB + " python app.py",
	} {
		t.Run(script[:20], func(t *testing.T) {
			root := tree(t, map[string]string{
				".env":         "DATABASE_URL=" + dbA + "\n",
				"app.js":       "",
				"package.json": "{\n  \"scripts\": {\n    \"dev\": \"" + script + "\"\n  }\n}\n",
			})
			r := mustResolve(t, root, nil)
			got := readersOf(r)
			if !strings.Contains(strings.Join(got["package.json:3"], ";"), "npm run dev") || !r.Conflict() {
				t.Errorf("%s: the dev script reads package.json:3 against .env:1; readers: %v", script, got)
			}
		})
	}
	// dotenvx --overload: the file beats an assignment made before it.
	root := tree(t, map[string]string{
		".env":         "DATABASE_URL=" + dbA + "\n",
		"app.js":       "",
		"package.json": `{"scripts": {"dev": "DATABASE_URL=` + dbB + ` dotenvx run --overload -f .env -- node app.js"}}`,
	})
	r := mustResolve(t, root, nil)
	if got := readersOf(r); !strings.Contains(strings.Join(got[".env:1"], ";"), "npm run dev") || r.Conflict() {
		t.Errorf("--overload: the dev script reads .env:1; readers: %v", got)
	}
	// A value the shell computes is not guessed, but said.
	for _, value := range []string{"$OTHER", "$(cat /run/db url)"} {
		root = tree(t, map[string]string{
			".env":         "DATABASE_URL=" + dbA + "\n",
			"app.js":       "",
			"package.json": `{"scripts": {"dev": "DATABASE_URL=` + value + ` node --env-file=.env app.js"}}`,
		})
		r = mustResolve(t, root, nil)
		var warned []string
		for _, w := range r.Warnings {
			warned = append(warned, w.Location+" "+w.Message)
		}
		if all := strings.Join(warned, "\n"); !strings.Contains(all, `package.json:1 script "dev" sets DATABASE_URL to a value the shell computes`) {
			t.Errorf("no warning for DATABASE_URL=%s; warnings:\n%s", value, all)
		}
	}
}

// BenchmarkResolveScripts500 is BenchmarkResolve1000's tree with a
// package.json of four scripts in each of the 500 folders (two that wrap
// the app, one of them `node --env-file=.env server.js`, whose entry file
// is searched for process.loadEnvFile). Run: go test -bench
// ResolveScripts ./internal/envcheck
func BenchmarkResolveScripts500(b *testing.B) {
	files := map[string]string{}
	for i := 0; i < 500; i++ {
		dir := fmt.Sprintf("services/s%03d/app", i)
		files[dir+"/.env"] = fmt.Sprintf("# service %d\nPORT=%d\nSECRET_KEY=abc%d\nDATABASE_URL=postgres://app:pw@db.internal:5432/app?sslmode=require\nDIRECT_URL=postgres://app:pw@db.internal:5432/app\n", i, 3000+i, i)
		files[dir+"/.env.local"] = "DATABASE_URL=postgres://app:pw@DB.internal/app\n"
		files[dir+"/package.json"] = `{"name":"s","scripts":{"build":"tsc -p .","dev":"dotenv -e .env.local -e .env -- next dev","start":"node --env-file=.env server.js","test":"vitest run"},"dependencies":{"next":"16","dotenv-cli":"11"}}`
		files[dir+"/server.js"] = "const http = require('http')\n"
	}
	root := tree(b, files)
	o := OptionsFor(config.Default(root), "", nil)
	b.ResetTimer()
	for b.Loop() {
		r, err := Resolve(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		if r.Err(false) != nil || len(r.Readings) != 8+3*500 {
			b.Fatalf("verdict %v, %d readings", r.Err(false), len(r.Readings))
		}
	}
}

// TestLoadDotenvCallsReplaceTheAssumption: where the code's load_dotenv
// calls are found, they replace "load_dotenv() called from the manifest's
// folder"; a project whose code calls none keeps the assumption.
func TestLoadDotenvCallsReplaceTheAssumption(t *testing.T) {
	files := map[string]string{
		"backend/pyproject.toml":   "[project]\ndependencies = [\"python-dotenv\"]\n",
		"backend/.env":             "DATABASE_URL=" + dbA + "\n",
		"backend/app/.env":         "DATABASE_URL=" + dbB + "\n",
		"backend/app/core/conf.py": "from dotenv import load_dotenv\nload_dotenv(override=True)\n",
	}
	r := mustResolve(t, tree(t, files), nil)
	var labels []string
	for _, lr := range r.Readings {
		if strings.Contains(lr.Label(), "backend/") {
			labels = append(labels, lr.Label())
		}
	}
	got := strings.Join(labels, "; ")
	if got != "load_dotenv() at backend/app/core/conf.py:2 in backend/" {
		t.Errorf("readings in backend/: %s", got)
	}
	if r.Conflict() || r.Effective == nil || !strings.Contains(r.Effective.Def.Value, "db-b") {
		t.Errorf("want db-b only (backend/app/.env, found upward from the calling file); readers: %v", readersOf(r))
	}
	delete(files, "backend/app/core/conf.py")
	r = mustResolve(t, tree(t, files), nil)
	if !r.Conflict() {
		t.Errorf("no call in the code: python-dotenv from backend/ and backend/app/ read two databases; readers: %v", readersOf(r))
	}
}

// TestAttackCodeNamedFileOutsideProject: a file the Python code names
// (pydantic-settings env_file, load_dotenv's path) is read inside the
// project only: a link out of it and a path above it are not read.
func TestAttackCodeNamedFileOutsideProject(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "outside.env")
	if err := os.WriteFile(outside, []byte("DATABASE_URL=postgres://app:s3cret@db-outside.example.com:5432/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(base, "project")
	for name, body := range map[string]string{
		".env":                   "DATABASE_URL=" + dbA + "\n",
		"backend/pyproject.toml": "[project]\ndependencies = [\"pydantic-settings\", \"python-dotenv\"]\n",
		"backend/app/config.py":  "from pydantic_settings import BaseSettings, SettingsConfigDict\n\nclass Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_file=\"config/app.env\")\n    database_url: str\n",
		"backend/app/db.py":      "from dotenv import load_dotenv\nload_dotenv(\"../../outside.env\")\n",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "backend/config"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "backend/config/app.env")); err != nil {
		t.Fatal(err)
	}
	r, err := resolve(t, root, nil)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	for _, s := range r.Sources {
		if strings.Contains(s.Def.Value, "db-outside") {
			t.Errorf("read %s from outside the project (%s)", s.Def.Value, s.Def.Location())
		}
	}
	var warned []string
	for _, w := range r.Warnings {
		warned = append(warned, w.Location+" "+w.Message)
	}
	if all := strings.Join(warned, "\n"); !strings.Contains(all, "backend/app/config.py:3 class Settings names config/app.env, which dbguard does not read (path escapes from parent)") {
		t.Errorf("no warning for the linked env_file; warnings:\n%s", all)
	}
}

// TestAttackCodeNamedFileAbsoluteOrAbove: a load_dotenv call or a
// pydantic-settings env_file naming a file outside the project (an
// absolute path, ../..) is what Python reads; dbguard does not read it,
// and says so at the call's file:line rather than pass in silence.
func TestAttackCodeNamedFileAbsoluteOrAbove(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "outside.env")
	if err := os.WriteFile(outside, []byte("DATABASE_URL=postgres://app:s3cret@db-outside.example.com:5432/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(base, "project")
	for name, body := range map[string]string{
		".env":                   "DATABASE_URL=" + dbA + "\n",
		"backend/pyproject.toml": "[project]\ndependencies = [\"pydantic-settings\", \"python-dotenv\"]\n",
		"backend/app/config.py":  "from pydantic_settings import BaseSettings, SettingsConfigDict\n\nclass Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_file=\"" + outside + "\")\n    database_url: str\n",
		"backend/app/db.py":      "from dotenv import load_dotenv\nload_dotenv(\"../../outside.env\")\n",
		"backend/app/abs.py":     "from dotenv import load_dotenv\nload_dotenv(\"" + outside + "\")\n",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := resolve(t, root, nil)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	var warned []string
	for _, w := range r.Warnings {
		warned = append(warned, w.Location+" "+w.Message)
	}
	all := strings.Join(warned, "\n")
	for _, w := range []string{
		"backend/app/db.py:2 load_dotenv names the env file ../../outside.env, which is outside the project",
		"backend/app/abs.py:2 load_dotenv names the env file " + outside + ", which is outside the project",
		"backend/app/config.py:3 class Settings names the env file " + outside + ", which is outside the project",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("no warning %q; warnings:\n%s", w, all)
		}
	}
	if strings.Contains(all, "s3cret") {
		t.Errorf("a warning shows a password:\n%s", all)
	}
}

// BenchmarkResolvePython is a Python project of N modules in N/10
// packages (each with an env file; one module in 200 calls load_dotenv,
// one declares a settings class) under a manifest naming python-dotenv and
// pydantic-settings: the code is read for calls and classes. Run: go test
// -bench ResolvePython ./internal/envcheck
func BenchmarkResolvePython(b *testing.B) {
	for _, n := range []int{200, 2000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			files := map[string]string{
				"backend/pyproject.toml": "[project]\ndependencies = [\"fastapi\", \"python-dotenv\", \"pydantic-settings\"]\n",
				"backend/.env":           "DATABASE_URL=postgres://app:pw@db.internal:5432/app\n",
				"backend/app/config.py":  "from pydantic_settings import BaseSettings, SettingsConfigDict\n\nclass Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_file=\".env\", extra=\"ignore\")\n    database_url: str\n",
			}
			body := strings.Repeat("def handler(request):\n    return {\"ok\": True}\n\n", 40)
			for i := 0; i < n; i++ {
				src := body
				if i%200 == 0 {
					src = "from dotenv import load_dotenv\nload_dotenv()\n" + body
				}
				files[fmt.Sprintf("backend/app/pkg%03d/mod%02d.py", i/10, i%10)] = src
			}
			for i := 0; i < n/10; i++ {
				files[fmt.Sprintf("backend/app/pkg%03d/.env", i)] = "PORT=8000\n"
			}
			root := tree(b, files)
			o := OptionsFor(config.Default(root), "", nil)
			b.ResetTimer()
			for b.Loop() {
				r, err := Resolve(context.Background(), o)
				if err != nil {
					b.Fatal(err)
				}
				if r.Err(false) != nil {
					b.Fatalf("verdict %v", r.Err(false))
				}
			}
		})
	}
}

// TestConfiguredLoadersReplaceScriptsAndCode: with env.loaders set, the
// configuration is the user's word: scripts and the code's calls are not
// added to it.
func TestConfiguredLoadersReplaceScriptsAndCode(t *testing.T) {
	root := tree(t, map[string]string{
		".env":                   "DATABASE_URL=" + dbA + "\n",
		"config/app.env":         "DATABASE_URL=" + dbB + "\n",
		"package.json":           `{"scripts": {"start": "node --env-file=config/app.env server.js"}}`,
		"backend/pyproject.toml": "[project]\ndependencies = [\"python-dotenv\"]\n",
		"backend/app.py":         "from dotenv import load_dotenv\nload_dotenv('../config/app.env')\n",
	})
	r := mustResolve(t, root, nil)
	if !r.Conflict() {
		t.Errorf("without env.loaders the script and the call read config/app.env; readers: %v", readersOf(r))
	}
	r = mustResolve(t, root, func(o *Options) { o.Loaders = []config.LoaderRun{{Loader: "dotenv", Dir: "."}} })
	if r.Conflict() || len(r.Readings) != 1 {
		t.Errorf("with env.loaders only the configured dotenv reads; readers: %v", readersOf(r))
	}
}

// TestScriptFilesInTheHook: the hook judges the contents it is given; a
// file a script names that is not among them is not read from the work
// tree.
func TestScriptFilesInTheHook(t *testing.T) {
	pkg := `{"scripts": {"start": "node --env-file=config/app.env server.js"}}`
	root := tree(t, map[string]string{"config/app.env": "DATABASE_URL=" + dbB + "\n"})
	contents := map[string][]byte{".env": []byte("DATABASE_URL=" + dbA + "\n"), "package.json": []byte(pkg)}
	r := mustResolve(t, root, func(o *Options) { o.Contents = contents })
	if r.Conflict() {
		t.Errorf("read config/app.env from the work tree; readers: %v", readersOf(r))
	}
	contents["config/app.env"] = []byte("DATABASE_URL=" + dbB + "\n")
	r = mustResolve(t, root, func(o *Options) { o.Contents = contents })
	if !r.Conflict() {
		t.Errorf("given config/app.env, the start script reads it; readers: %v", readersOf(r))
	}
}
