package envload

import (
	"strings"
	"testing"
)

// FuzzScripts: any package.json (and entry file) is read without a panic,
// every file a script names stays inside the project, and no problem
// message quotes a URL.
func FuzzScripts(f *testing.F) {
	f.Add(`{"scripts": {"dev": "dotenv -e ../../.env -e .env -- next dev"}}`, "process.loadEnvFile('.env')")
	f.Add(`{"scripts": {"a": "cross-env A=1 dotenvx run -f '.env.production' --overload -- node app.js", "b": "node --env-file=.env app.js"}}`, "process.loadEnvFile(`x`)\nprocess.loadEnvFile(y)")
	f.Add(`{"scripts": {"u": "UV_ENV_FILE=.env uv run --env-file a\\ b.env -- x; dotenv -c prod -v K=\"$V\""}}`, "")
	f.Add(`{"scripts": {"q": "dotenv -e \"unterminated -- x"}}`, "")
	f.Fuzz(func(t *testing.T, pkg, entry string) {
		read := func(rel string) ([]byte, bool) { return []byte(entry), true }
		scripts, problems := Scripts("apps/web/package.json", []byte(pkg), read)
		for _, s := range scripts {
			for _, fl := range s.Files {
				if strings.HasPrefix(fl.Path, "../") || fl.Path == ".." || strings.HasPrefix(fl.Path, "/") {
					t.Fatalf("%s names %q, outside the project", s.Label(), fl.Path)
				}
			}
			_ = s.Loader()
		}
		for _, p := range problems {
			if strings.Contains(p.Msg, "://") {
				t.Fatalf("a problem quotes a URL: %s", p.Msg)
			}
		}
	})
}

// FuzzPythonCode: any Python file is read for load_dotenv calls and
// settings classes without a panic, and no problem quotes a URL.
func FuzzPythonCode(f *testing.F) {
	f.Add("from dotenv import load_dotenv\nload_dotenv('.env.local', override=True)\n")
	f.Add("load_dotenv(find_dotenv('.env.x', usecwd=True))\nload_dotenv(Path(__file__).parent / '.env')\n")
	f.Add("class S(BaseSettings):\n    model_config = SettingsConfigDict(env_file=('.env', '.env.prod'), env_prefix='A_', case_sensitive=True)\n    database_url: str = Field(alias='DB')\n    class Config:\n        env_file = '.env'\n")
	f.Add("load_dotenv(# c\n  'x', override=(\n")
	f.Fuzz(func(t *testing.T, src string) {
		calls, problems := PythonCalls("app/config.py", []byte(src))
		for _, c := range calls {
			_ = c.Loader()
		}
		classes, more := PydanticSettings("app/config.py", []byte(src))
		for _, s := range classes {
			_ = s.Loader()
		}
		for _, p := range append(problems, more...) {
			if strings.Contains(p.Msg, "://") {
				t.Fatalf("a problem quotes a URL: %s", p.Msg)
			}
		}
	})
}

// FuzzJSCode: any JavaScript or TypeScript file is read for dotenv config
// calls, and as a vite.config for envDir, without a panic; every file the
// calls name is resolved inside the project or reported outside it, and
// no problem quotes a URL.
func FuzzJSCode(f *testing.F) {
	f.Add("require('dotenv').config({ path: ['../../.env', `.env.local`], override: true });\n")
	f.Add("import * as dotenv from 'dotenv';\ndotenv.config({path: path.resolve(__dirname, '..', '/etc/x')});\nimport 'dotenv/config'\n")
	f.Add("const { config: c } = require('dotenv');\nc({ ...o, path: 'postgres://u:p@h/d' });\nc({ path: x ? 'a' : 'b' }\n")
	f.Add("import { config } from 'dotenv'; config({ path: '\\'', override: '")
	f.Add("const dotenvx = require('@dotenvx/dotenvx');\ndotenvx.config({ path: '../../.env, /etc/x,~/y', overload: true });\nimport '@dotenvx/dotenvx/config'\n")
	f.Add("import { config } from '@dotenvx/dotenvx'; config({ path: path.join(__dirname, 'a,b'), convention: 'nextjs' })")
	f.Add("export default defineConfig({ root: 'src', envDir: path.resolve(__dirname, '..'), envPrefix: [")
	f.Fuzz(func(t *testing.T, src string) {
		if _, _, problem := ViteEnvDir("apps/web", []byte(src)); strings.Contains(problem, "://") {
			t.Fatalf("a problem quotes a URL: %s", problem)
		}
		calls, problems := DotenvCalls("apps/api/src/index.ts", []byte(src))
		if calls != nil {
			inside, _ := calls.Resolve("apps/api")
			for _, p := range inside {
				if strings.HasPrefix(p, "../") || p == ".." || strings.HasPrefix(p, "/") {
					t.Fatalf("%s names %q, outside the project", calls.Label(), p)
				}
			}
			_ = calls.Loader("apps/api")
		}
		for _, p := range problems {
			if strings.Contains(p.Msg, "://") {
				t.Fatalf("a problem quotes a URL: %s", p.Msg)
			}
		}
	})
}
