package main

import (
	"bytes"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestPasswordSweep runs every command in every failure mode and checks
// that no password reaches stdout, stderr, or a report file (JSON, JUnit,
// SARIF, snapshot). It runs dbguard in-process, so it is fast enough to
// cover the whole matrix: each mode in an inproc child of its own, in its
// folder, so the modes run beside each other and beside the package's
// other parallel tests; what a child writes outside the commands' answers
// is swept too.
func TestPasswordSweep(t *testing.T) {
	t.Parallel()
	shared := inprocSandboxes()
	const fake = "npg_SweepS3cretPw"
	dbURL, dirtyURL := pgtest.DB(t), pgtest.DB(t)
	passwords := []string{pgtest.Password, fake}
	raiseURL := pgtest.DB(t)
	raisePW := sweepPassword(t, raiseURL)
	const special, specialEncoded = `Sweep Sp3cial"/pw`, "Sweep%20Sp3cial%22%2Fpw"
	passwords = append(passwords, raisePW, special, specialEncoded)

	modes := map[string]map[string]string{
		"healthy": {
			".env":                       "DATABASE_URL=" + dbURL + "\n",
			"migrations/000001_a.up.sql": "CREATE TABLE a (id int);",
			"dbguard.yaml":               "version: 1\nexpect:\n  a:\n    id: integer\n    gone: text\n",
		},
		"unreachable": {".env": "DATABASE_URL=postgres://app:" + fake + "@127.0.0.1:1/app?connect_timeout=1\n"},
		"conflict": {
			".env":         "DATABASE_URL=postgres://app:" + fake + "@db1.internal/app\n",
			"backend/.env": "DATABASE_URL=postgres://app:" + fake + "@db2.internal/app\n",
		},
		"malformed-env": {".env": "DATABASE_URL=\"postgres://app:" + fake + "@db/app\n"},
		// The loader-model error paths: a loader in use refusing a line that
		// holds a secret (godotenv quotes the whole rest of the file in its
		// own error), a key-less secret line, a value cut at '#' for some
		// loaders, a composed URL, a BOM.
		"loader-refuses": {
			".env":   "POSTGRES_PASSWORD: " + fake + "=\nDATABASE_URL=\"postgres://app:" + fake + "@db/app\n",
			"go.mod": "module x\nrequire github.com/joho/godotenv v1.5.1\n",
		},
		"space-not-equals": {".env": "DATABASE_URL postgres://app:" + fake + "=@db/app\n", "go.mod": "module x\nrequire github.com/joho/godotenv v1.5.1\n"},
		"hash-cut":         {".env": "DATABASE_URL=postgres://app:" + fake + "#x@db.internal/app\n"},
		"composed": {
			".env":         "POSTGRES_PASSWORD=" + fake + "\nPOSTGRES_HOST=db1.internal\nDATABASE_URL=postgres://app:${POSTGRES_PASSWORD}@${POSTGRES_HOST}/app\n",
			"backend/.env": "POSTGRES_PASSWORD=" + fake + "\nPOSTGRES_HOST=db2.internal\nDATABASE_URL=postgres://app:${POSTGRES_PASSWORD}@${POSTGRES_HOST}/app\n",
		},
		"bom":            {".env": "\uFEFFDATABASE_URL=postgres://app:" + fake + "@db.internal/app\n"},
		"malformed-url":  {".env": "DATABASE_URL=postgres://app:" + fake + "\n"},
		"pooled-unknown": {".env": "DATABASE_URL=postgres://app:" + fake + "@pool.internal:6543/app\n"},
		"wrong-password": {".env": "DATABASE_URL=" + strings.Replace(dbURL, pgtest.Password, fake, 1) + "\n"},
		"bad-config":     {".env": "DATABASE_URL=" + dbURL + "\n", "dbguard.yaml": "version: 1\nexpect:\n  a:\n    id: integr\n"},
		"dirty": {
			".env":                         "DATABASE_URL=" + dirtyURL + "\n",
			"migrations/000001_a.up.sql":   "CREATE TABLE IF NOT EXISTS a (id int);",
			"migrations/000002_b.up.sql":   "SELEC 1;",
			"leak.py":                      "DB = 'postgres://svc:" + fake + "@db.prod.internal/app'\n",
			"migrations/000001_a.down.sql": "SELECT 1;",
		},
		// The password as a literal, where no pattern finds it: a migration
		// RAISEs it (the error quotes the message and the SQL line), and
		// an exec child prints it bare, as JSON and cut across writes.
		"raise": {
			".env":                          "DATABASE_URL=" + raiseURL + "\n",
			"migrations/000001_leak.up.sql": "DO $$ BEGIN RAISE EXCEPTION 'pw is %', '" + raisePW + "'; END $$;",
		},
		"special-password": {".env": "DATABASE_URL=postgres://app:" + specialEncoded + "@127.0.0.1:1/app?connect_timeout=1\n"},
	}
	commands := [][]string{
		{"env"}, {"env", "--format", "json"}, {"env", "--strict"},
		{"migrate", "up"}, {"migrate", "status"}, {"migrate", "status", "--format", "json"}, {"migrate", "version"},
		{"migrate", "down", "1", "--yes"}, {"migrate", "goto", "1"}, {"migrate", "force", "1"},
		{"migrate", "history"}, {"migrate", "history", "--format", "json"}, {"migrate", "recover", "--yes"},
		{"migrate", "accept", "1"}, {"migrate", "plan"}, {"migrate", "plan", "--format", "markdown"},
		{"verify"}, {"verify", "--format", "json"}, {"verify", "--shadow"},
		{"schema", "snapshot", "--output", "snap.yaml"}, {"schema", "diff", ".env", ".env"},
		{"ci"}, {"ci", "--format", "json"}, {"ci", "--format", "github"},
		{"ci", "--format", "junit", "--output", "ci.xml"}, {"ci", "--format", "sarif", "--output", "ci.sarif"},
		{"doctor"},
		// Long enough for a retry message and the final error (the first
		// backoff is at most 250 ms), not a second more: it is a sleep in
		// each mode with no server.
		{"wait", "--timeout", "300ms"}, {"exec", "--", "sh", "-c", "echo $DATABASE_URL; exit 3"},
		{"hook", "pre-commit"},
		{"exec", "--", "sh", "-c", printsPassword},
	}
	for name, files := range modes {
		dir := t.TempDir()
		for p, body := range files {
			full := filepath.Join(dir, filepath.FromSlash(p))
			os.MkdirAll(filepath.Dir(full), 0o755)
			if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		git := exec.Command("sh", "-c", "git init -q && git add -A")
		git.Dir = dir
		if out, err := git.CombinedOutput(); err != nil {
			t.Fatalf("git: %v %s", err, out)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := startInproc(t, dir, shared)
			t.Cleanup(func() {
				p.close()
				for _, pw := range passwords {
					if strings.Contains(p.Output(), pw) {
						t.Errorf("the dbguard runs printed a password to the process's own output:\n%s", p.Output())
					}
				}
			})
			for _, args := range commands {
				r := p.run(args...)
				code := r.Code
				all := r.Stdout + r.Stderr
				for _, f := range []string{"snap.yaml", "ci.xml", "ci.sarif"} {
					f = filepath.Join(dir, f)
					if b, err := os.ReadFile(f); err == nil {
						all += string(b)
						os.Remove(f)
					}
				}
				for _, pw := range passwords {
					if strings.Contains(all, pw) {
						t.Errorf("dbguard %s (exit %d) printed a password:\n%s", strings.Join(args, " "), code, all)
					}
				}
				if code < 0 || code > 3 && code != 130 {
					// exec passes its child's code through.
					if args[0] != "exec" {
						t.Errorf("dbguard %s: exit %d is not one of dbguard's codes", strings.Join(args, " "), code)
					}
				}
			}
		})
	}
}

// printsPassword is an exec child that prints its URL's password in the
// ways a tool might: percent-encoded as it got it, decoded, in JSON, and
// cut across two writes at a space.
const printsPassword = `p=${DATABASE_URL#*://*:}; p=${p%%@*}
raw=$(printf '%s' "$p" | sed 's/%20/ /g; s/%22/"/g; s/%2F/\//g')
printf 'encoded %s\nbare %s\n' "$p" "$raw"
printf '{"password": "%s"}\n' "$(printf '%s' "$raw" | sed 's/"/\\"/g')"
printf 'split %s ' "${raw%% *}"; sleep 0.1; printf '%s end\n' "${raw#* }"`

func sweepPassword(t *testing.T, dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	return pw
}

// panicky panics on its first write with a message holding a password.
type panicky struct{ done bool }

func (p *panicky) Write(b []byte) (int, error) {
	if !p.done {
		p.done = true
		panic("boom: postgres://app:npg_PanicS3cret@db.internal/app")
	}
	return len(b), nil
}

func TestPanicIsRedacted(t *testing.T) {
	var stderr bytes.Buffer
	code := run([]string{"dbguard", "--help"}, strings.NewReader(""), &panicky{}, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "internal error, a bug in dbguard") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "npg_PanicS3cret") || !strings.Contains(stderr.String(), "postgres://app:****@db.internal/app") {
		t.Errorf("panic message not redacted:\n%s", stderr.String())
	}
}
