package dburl

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestAttackServiceFileFIFO: an env file's connection string names the
// service file (servicefile=..., or PGSERVICEFILE beside it). dbguard
// opened it with os.Open, so a FIFO there (or /dev/stdin) made `dbguard
// env`, the hook and ci wait for a writer forever, and SIGTERM did not end
// the wait. The file is now opened without blocking and refused unless it
// is a regular file, as every other file a repository names.
func TestAttackServiceFileFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "svc.conf")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Let a reader still waiting go (the test has failed then).
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	for _, tc := range []struct {
		s    string
		vars []string
	}{
		{"postgres://u:S3cret-x@db.example.com/app?service=x&servicefile=" + fifo, nil},
		{"host=db.example.com dbname=app service=x servicefile=" + fifo, nil},
		{"postgres://u:S3cret-x@db.example.com/app?service=x", []string{"PGSERVICEFILE=" + fifo}},
	} {
		s, env := tc.s, Environment{Vars: tc.vars}
		u, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, _, err := u.Complete(env)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("%s: %v, want the service file refused as not a regular file", s, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: still waiting for a writer to the FIFO after 5 s", s)
		}
	}
}
