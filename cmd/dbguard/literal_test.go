package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// uniqueSecret is a password no other test in this process uses: the
// secrets dbguard learns are process-wide, so a shared one could be masked
// because some earlier test registered it, not because this path does.
func uniqueSecret(t *testing.T) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "Lit-S3cret-" + hex.EncodeToString(b)
}

// roleDB returns the URL of a fresh database owned by a fresh role whose
// password is pw, both dropped when t ends.
func roleDB(t *testing.T, pw string) string {
	t.Helper()
	s, err := pgtest.Get()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, s.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	role := "lit_" + strings.ToLower(pw[len(pw)-12:])
	if _, err := admin.Exec(ctx, "CREATE ROLE "+role+" LOGIN PASSWORD '"+strings.ReplaceAll(pw, "'", "''")+"'"); err != nil {
		t.Fatal(err)
	}
	// Registered before the database's cleanup, so it runs after it.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, s.AdminURL); err == nil {
			_, _ = c.Exec(ctx, "DROP ROLE IF EXISTS "+role)
			c.Close(ctx)
		}
	})
	dbURL := pgtest.DB(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" OWNER TO "+role); err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, pw)
	return u.String()
}

// inDir writes files into a fresh directory and changes into it.
func inDir(t *testing.T, files map[string]string) {
	t.Chdir(repoDir(t, files))
}

// repoDir makes files a new folder, with a .git folder that stops config
// discovery there, and returns it.
func repoDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, body := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A migration that puts the password in a RAISE message (and so in the
// error, with the failing SQL line) must not show it: the server's text is
// not a URL, so only the password as a literal can be masked.
// In an inproc child (a folder of its own), beside the parallel tests.
func TestMigrateRaiseIsRedacted(t *testing.T) {
	t.Parallel() // its own role, database, folder and child
	pw := uniqueSecret(t)
	p := startInproc(t, repoDir(t, map[string]string{
		".env":                          "DATABASE_URL=" + roleDB(t, pw) + "\n",
		"migrations/000001_leak.up.sql": "DO $$ BEGIN\n  RAISE EXCEPTION 'pw is %', '" + pw + "';\nEND $$;\n",
	}), "")
	r := p.run("migrate", "up")
	all := r.Stdout + r.Stderr
	if r.Code != exitCheckFailed || !strings.Contains(all, "pw is ****") {
		t.Fatalf("exit %d, want %d and the RAISE message masked:\n%s", r.Code, exitCheckFailed, all)
	}
	if strings.Contains(all+p.Output(), pw) {
		t.Errorf("the RAISE message showed the password:\n%s%s", all, p.Output())
	}
}

// literalPanic panics on its first write with the bare password.
type literalPanic struct {
	pw   string
	done bool
}

func (p *literalPanic) Write(b []byte) (int, error) {
	if !p.done {
		p.done = true
		panic("boom: the password is " + p.pw)
	}
	return len(b), nil
}

// A panic's message goes through the same literal masking as everything
// else; the password here is known from the command line.
func TestPanicLiteralIsRedacted(t *testing.T) {
	pw := uniqueSecret(t)
	var stderr bytes.Buffer
	code := run([]string{"dbguard", "--config", "postgres://app:" + pw + "@db/app", "--help"}, strings.NewReader(""), &literalPanic{pw: pw}, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "the password is ****") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), pw) {
		t.Errorf("panic message showed the password:\n%s", stderr.String())
	}
}
