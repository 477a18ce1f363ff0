//go:build linux

package services

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
)

// deepTree makes folders named name, depth deep, below root, each from
// its parent's descriptor (no path of the whole depth is ever built), and
// an env file in the deepest.
func deepTree(t *testing.T, root, name string, depth int) {
	t.Helper()
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range depth {
		if err := unix.Mkdirat(fd, name, 0o755); err != nil {
			t.Fatal(err)
		}
		next, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		fd = next
	}
	defer unix.Close(fd)
	f, err := unix.Openat(fd, ".env", unix.O_WRONLY|unix.O_CREAT, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	unix.Write(f, []byte("DATABASE_URL=postgres://app@db.example.com/app\n"))
	unix.Close(f)
}

// TestAttackFolderDeeperThanPathMax: a folder whose path is longer than
// the system allows (PATH_MAX, 4096 bytes) stopped every command with
// "lstat /abs/ddd.../dbguard.yaml: file name too long": no file:line in
// the project, no next step. It is now named relative to the project,
// exit 2, with what to do.
func TestAttackFolderDeeperThanPathMax(t *testing.T) {
	root := t.TempDir()
	name := strings.Repeat("d", 200)
	deepTree(t, root, name, 25)
	_, err := Load(config.Default(root))
	var long *PathTooLongError
	if !errors.As(err, &long) {
		t.Fatalf("Load: %v, want a PathTooLongError", err)
	}
	msg := err.Error()
	if strings.Contains(msg, root) || !strings.HasPrefix(msg, name+"/") || !strings.Contains(msg, "longer than") {
		t.Errorf("error %q: want the folder relative to the project, and why", msg)
	}
	if exitcode.Of(err) != exitcode.Usage || !strings.Contains(long.Hint(), "env.exclude") || !strings.Contains(long.Hint(), `"`+name+`"`) {
		t.Errorf("exit %d, hint %q: want exit 2 and env.exclude naming the top folder", exitcode.Of(err), long.Hint())
	}
	// With its top folder excluded, as the hint says, the project loads.
	cfg := config.Default(root)
	cfg.Env.Exclude = []string{name}
	if _, err := Load(cfg); err != nil {
		t.Errorf("with env.exclude: %v", err)
	}
}
