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
