package plan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pgtest"
	"github.com/dbguard/dbguard/internal/verify"
)

// TestAttackPlanSleepEnds: a pending file of 25 bytes, SELECT
// pg_sleep(1e9), or a DO block that catches the cancel and sleeps again,
// held migrate plan and the ci plan check until the CI job's own timeout
// (six hours on GitHub): the preview had no time limit. Before: each case
// ran into the test's 90 s deadline. Now the shadow's work stops at the
// limit, exit 1 at the file and line it was running.
func TestAttackPlanSleepEnds(t *testing.T) {
	pgtest.Must(t)
	for _, c := range []struct {
		name, text string
		line       int
	}{
		// One query for the file: its first statement's line.
		{"sleep", "CREATE TABLE t (id int);\nSELECT pg_sleep(1e9);\n", 1},
		{"catches the cancel", "CREATE TABLE t (id int);\n\nDO $$\nBEGIN\n  LOOP\n    BEGIN\n      PERFORM pg_sleep(1e9);\n    EXCEPTION WHEN query_canceled THEN NULL;\n    END;\n  END LOOP;\nEND $$;\n", 1},
		// Its own transaction: statement by statement, from the one the
		// trace sent with the sleep.
		{"by statement", "BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\nSET statement_timeout = 0;\nSELECT pg_sleep(1e9);\n", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, liveURL := pgtest.NamedDB(t)
			dir := t.TempDir()
			mig := filepath.Join(dir, "migrations")
			if err := os.Mkdir(mig, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(mig, "000001_sleep.up.sql"), []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			u, _ := dburl.Parse(liveURL)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			start := time.Now()
			_, err := Run(ctx, Options{Connect: pg.ConnectOptions{URL: u}, Config: config.Default(dir), Dir: mig, Timeout: 3 * time.Second})
			var te *verify.TimeoutError
			if !errors.As(err, &te) || !strings.HasSuffix(te.File, "000001_sleep.up.sql") || te.Line != c.line || ctx.Err() != nil {
				t.Fatalf("plan: %v (after %s), want the time limit at line %d", err, time.Since(start).Round(time.Millisecond), c.line)
			}
			if !strings.Contains(err.Error(), "ran past its time limit (3s)") {
				t.Errorf("message: %v", err)
			}
		})
	}
}
