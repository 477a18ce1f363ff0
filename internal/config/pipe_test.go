package config

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestConfigPipeRootedAtProject: --config <(...) is read (a pipe, the
// user's word), and the project is where the command runs, its git root:
// it was rooted at the pipe's folder, /dev/fd, so that env discovery
// looked for /dev/fd/.env ("no env file under ../../../../dev/fd").
func TestConfigPipeRootedAtProject(t *testing.T) {
	repo := t.TempDir()
	sub := filepath.Join(repo, "sub")
	for _, d := range []string{filepath.Join(repo, ".git"), sub} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := w.WriteString("version: 1\nmigrations:\n  dir: db/migrations\n"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	c, err := Discover(sub, fmt.Sprintf("/dev/fd/%d", r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	if c.Root != repo || c.MigrationsDir() != filepath.Join(repo, "db", "migrations") {
		t.Errorf("root %s, migrations %s; want the git root %s", c.Root, c.MigrationsDir(), repo)
	}
	// A regular file named with --config keeps its own folder as the root.
	other := t.TempDir()
	file := filepath.Join(other, "dbguard.yaml")
	if err := os.WriteFile(file, []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, err := Discover(sub, file); err != nil || c.Root != other {
		t.Errorf("--config %s: %v, root %v; want %s", file, err, c, other)
	}
}
