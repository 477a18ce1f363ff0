package tool

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// TestAttackToolFilesFIFO: the tool's files were read with os.ReadFile and
// os.Open, so a FIFO named alembic.ini made every command hang (env, the
// pre-commit hook, ci, doctor, migrate status: each resolves the tool,
// seen with the built binary), and a FIFO among the .sql files detection
// reads or Alembic's versions/*.py made them hang too. Each is read
// without blocking, and only when it is a regular file.
func TestAttackToolFilesFIFO(t *testing.T) {
	for name, tc := range map[string]struct {
		files map[string]string
		fifo  string
		state bool // read the migrations folder too, as migrate status does
	}{
		"alembic.ini":       {map[string]string{"alembic/versions/.keep": ""}, "alembic.ini", false},
		"a .sql file":       {map[string]string{"migrations/.keep": ""}, "migrations/001_a.sql", false},
		"a dbmate .sql":     {map[string]string{"db/migrations/.keep": ""}, "db/migrations/20240101_a.sql", false},
		"an Alembic script": {map[string]string{"alembic.ini": "[alembic]\nscript_location = alembic\n", "alembic/versions/a.py": "revision = 'a'\ndown_revision = None\n"}, "alembic/versions/b.py", true},
	} {
		t.Run(name, func(t *testing.T) {
			root := tree(t, tc.files)
			fifo := filepath.Join(root, filepath.FromSlash(tc.fifo))
			fifotest.Make(t, fifo)
			err, ok := fifotest.Within(5*time.Second, func() error {
				p, err := Resolve(config.Default(root))
				if err == nil && tc.state {
					_, err = p.files()
				}
				return err
			})
			if !ok {
				t.Errorf("still waiting for a writer to %s after 5 s", tc.fifo)
			} else if err != nil {
				t.Errorf("%v, want the FIFO passed over", err)
			}
		})
	}
}
