package dburl

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// TestAttackServiceFileFIFO: an env file's connection string names the
// service file (servicefile=..., or PGSERVICEFILE beside it). dbguard
// opened it with os.Open, so a FIFO there (or /dev/stdin) made `dbguard
// env`, the hook and ci wait for a writer forever, and SIGTERM did not end
// the wait. The file is now opened without blocking and refused unless it
// is a regular file, as every other file a repository names.
func TestAttackServiceFileFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := fifotest.Make(t, filepath.Join(dir, "svc.conf"))
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
		err, ok := fifotest.Within(5*time.Second, func() error {
			_, _, err := u.Complete(env)
			return err
		})
		if !ok {
			t.Fatalf("%s: still waiting for a writer to the FIFO after 5 s", s)
		}
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%s: %v, want the service file refused as not a regular file", s, err)
		}
	}
}
