package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// Attacks on the guard's input that held when they were tried; each stays
// here so that none can come back. (Migrations: internal/migrate's
// TestAttack*; the hook: internal/hooks' TestAttackCredentials; passwords
// in output: TestPasswordSweep; faults: faults_test.go, process_test.go.)
func TestAttackInputsThatHeld(t *testing.T) {
	dbguard := func(t *testing.T, args ...string) (int, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"dbguard"}, args...), strings.NewReader(""), &stdout, &stderr)
		return code, stdout.String() + stderr.String()
	}
	write := func(t *testing.T, dir, name, body string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("yaml bomb in dbguard.yaml", func(t *testing.T) {
		dir := t.TempDir()
		bomb := "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" +
			"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n" +
			"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
		write(t, dir, "dbguard.yaml", "version: 1\n"+bomb)
		write(t, dir, ".env", "DATABASE_URL=postgres://u@db/app\n")
		t.Chdir(dir)
		if code, out := dbguard(t, "env"); code != exitUsage || !strings.Contains(out, "dbguard.yaml") {
			t.Errorf("exit %d, want 2 naming dbguard.yaml:\n%s", code, out)
		}
	})

	t.Run("a FIFO named .env", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, ".env", "DATABASE_URL=postgres://u@db/app\n")
		if err := os.MkdirAll(filepath.Join(dir, "backend"), 0o755); err != nil {
			t.Fatal(err)
		}
		fifotest.Make(t, filepath.Join(dir, "backend", ".env"))
		t.Chdir(dir)
		// Reading the FIFO would block for ever: it is not an env file.
		if code, out := dbguard(t, "env"); code != exitOK {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})

	t.Run("symlink loops in the tree", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, ".env", "DATABASE_URL=postgres://u@db/app\n")
		for _, l := range [][2]string{{".", "loop/up"}, {"loop", "loop/self"}, {"backend/.env", "backend/.env"}} {
			p := filepath.Join(dir, filepath.FromSlash(l[1]))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(dir, l[0]), p); err != nil {
				t.Fatal(err)
			}
		}
		t.Chdir(dir)
		if code, out := dbguard(t, "env"); code != exitOK {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})

	t.Run("path traversal in migrate create", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "project/.env", "DATABASE_URL=postgres://u@db/app\n")
		t.Chdir(filepath.Join(dir, "project"))
		for _, name := range []string{"../../evil", "/etc/evil", "a/../../b", "..\\..\\c"} {
			if code, out := dbguard(t, "migrate", "create", name); code != exitOK && code != exitUsage {
				t.Errorf("create %q: exit %d:\n%s", name, code, out)
			}
		}
		var outside []string
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasPrefix(p, filepath.Join(dir, "project", "migrations")+string(filepath.Separator)) && filepath.Base(p) != ".env" {
				outside = append(outside, p)
			}
			return nil
		})
		if len(outside) > 0 {
			t.Errorf("migrate create wrote outside migrations/: %v", outside)
		}
	})
}
