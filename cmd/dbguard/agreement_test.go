package main

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// env, doctor and ci judge the same input with the same exit code: they
// read one answer (internal/exitcode). They used to classify errors in
// three places and disagree (a malformed .env: env 2, doctor 1; a held
// migration lock: ci 2, migrate up 1). Each case runs in an inproc child,
// in its folder, beside the others.
func TestCommandsAgreeOnExitCodes(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.DB(t)
	u, _ := url.Parse(dbURL)
	tests := []struct {
		name     string
		files    map[string]string
		lock     bool
		commands [][]string
		want     int
	}{
		{"malformed env file", map[string]string{
			".env":   "A=1\nDATABASE_URL=\"postgres://app:pw@db/app\n",
			"go.mod": "module x\nrequire github.com/joho/godotenv v1.5.1\n",
		}, false, [][]string{{"env"}, {"doctor"}, {"ci"}, {"migrate", "up"}}, exitUsage},
		{"not a PostgreSQL URL", map[string]string{".env": "DATABASE_URL=mysql://root:pw@db/app\n"}, false,
			[][]string{{"env"}, {"doctor"}, {"ci"}, {"migrate", "up"}}, exitUsage},
		{"a migration lock held by another run", map[string]string{
			".env":                       "DATABASE_URL=" + dbURL + "\n",
			"dbguard.yaml":               "version: 1\nmigrations:\n  lock_timeout: 250ms\n",
			"migrations/000001_a.up.sql": "CREATE TABLE agree_a (id int);",
		}, true, [][]string{{"migrate", "up"}, {"ci"}}, exitCheckFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for p, body := range tt.files {
				full := filepath.Join(dir, filepath.FromSlash(p))
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if out, err := exec.Command("git", "-C", dir, "init", "-q").CombinedOutput(); err != nil {
				t.Fatalf("git init: %v %s", err, out)
			}
			if tt.lock {
				pgtest.HoldMigrationLock(t, strings.TrimPrefix(u.Path, "/"), dbURL, "")
			}
			p := startInproc(t, dir, "")
			for _, args := range tt.commands {
				if r := p.run(args...); r.Code != tt.want {
					t.Errorf("dbguard %s: exit %d, want %d\n%s%s", strings.Join(args, " "), r.Code, tt.want, r.Stdout, r.Stderr)
				}
			}
		})
	}
}
