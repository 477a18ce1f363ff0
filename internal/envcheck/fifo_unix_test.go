//go:build unix

package envcheck

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// TestAttackFIFOHangsNothing: a repository puts a named pipe where a
// package.json script, a compose file, the code's load_dotenv or a
// pydantic-settings class names a file. Opening a FIFO for reading waits
// for a writer, forever: env, ci and doctor hung (and caught SIGTERM). Each
// is now passed over, as the discovered env files always were.
func TestAttackFIFOHangsNothing(t *testing.T) {
	env := "DATABASE_URL=" + dbA + "\n"
	cases := []struct {
		name  string
		files map[string]string
		fifo  string
	}{
		{"node entry file", map[string]string{".env": env, "package.json": `{"scripts":{"dev":"node --env-file=.env app.js"}}`}, "app.js"},
		{"dotenv -e file", map[string]string{".env": env, "package.json": `{"scripts":{"dev":"dotenv -e fifo.env -- node a.js"}}`}, "fifo.env"},
		{"process.loadEnvFile", map[string]string{".env": env, "package.json": `{"scripts":{"dev":"node app.js"}}`, "app.js": `process.loadEnvFile("fifo.env")` + "\n"}, "fifo.env"},
		{"compose env_file", map[string]string{".env": env, "compose.yaml": "services:\n  app:\n    build: .\n    env_file: fifo.env\n"}, "fifo.env"},
		{"compose include", map[string]string{".env": env, "compose.yaml": "include:\n  - inc.yaml\nservices:\n  app:\n    build: .\n"}, "inc.yaml"},
		{"compose's .env", map[string]string{"compose.yaml": "services:\n  app:\n    build: .\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n"}, ".env"},
		{"load_dotenv path", map[string]string{".env": env, "requirements.txt": "python-dotenv\n", "app.py": "from dotenv import load_dotenv\nload_dotenv(\"fifo.env\")\n"}, "fifo.env"},
		{"pydantic env_file", map[string]string{".env": env, "requirements.txt": "pydantic-settings\n", "config.py": "from pydantic_settings import BaseSettings, SettingsConfigDict\n\nclass Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_file=\"fifo.env\")\n    database_url: str\n"}, "fifo.env"},
		{"python module", map[string]string{".env": env, "requirements.txt": "python-dotenv\n", "app.py": "from dotenv import load_dotenv\nload_dotenv()\n"}, "fifo.py"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := tree(t, c.files)
			fifotest.Make(t, filepath.Join(root, c.fifo))
			// An error or a verdict: either way it returned. Not a speed
			// bound: a FIFO blocks until a writer comes, which never
			// happens; a minute is a hang on any machine.
			if _, ok := fifotest.Within(60*time.Second, func() error {
				_, err := resolve(t, root, nil)
				return err
			}); !ok {
				t.Fatalf("Resolve still waits on the FIFO %s after a minute", c.fifo)
			}
		})
	}
}

// TestAttackManifestFIFOHangsNothing: the walk lists a FIFO named like a
// manifest (package.json, requirements.txt, pyproject.toml) as it lists a
// regular one, and the manifests were read with os.ReadFile: dbguard env,
// ci and doctor waited for a writer forever (seen with the built binary).
// A manifest is read without blocking, and only when regular.
func TestAttackManifestFIFOHangsNothing(t *testing.T) {
	env := "DATABASE_URL=" + dbA + "\n"
	for _, fifo := range []string{"package.json", "web/requirements.txt", "web/pyproject.toml"} {
		t.Run(fifo, func(t *testing.T) {
			root := tree(t, map[string]string{".env": env, "web/app.py": "x = 1\n"})
			fifotest.Make(t, filepath.Join(root, filepath.FromSlash(fifo)))
			if _, ok := fifotest.Within(10*time.Second, func() error {
				_, err := resolve(t, root, nil)
				return err
			}); !ok {
				t.Errorf("Resolve still waits on the FIFO %s after 10 s", fifo)
			}
		})
	}
}
