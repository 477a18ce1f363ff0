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
	"github.com/dbguard/dbguard/internal/sqlscan"
	"github.com/dbguard/dbguard/internal/verify"
)

// TestAttackPlanCopyFromStdinWaitsOnNothing: a pending file of 18 bytes,
// COPY t FROM STDIN, made the sandbox wait for rows the trace never sends
// (pgconn has no answer to a CopyInResponse in a simple query), and
// migrate plan, the ci plan check and verify --shadow with it in an
// applied file, waited without end (a CI job's timeout: 6 hours on
// GitHub). Before: each case below ran into the test's 60 s deadline. The
// file is now refused at its line before it runs, on each way a file is
// traced (whole, one query, statement by statement) and in the shadow's
// replay.
func TestAttackPlanCopyFromStdinWaitsOnNothing(t *testing.T) {
	pgtest.Must(t)
	for _, c := range []struct{ name, first, attack string }{
		{"whole", "", "CREATE TABLE t (id int);\n\ncopy public.t (id) from stdin with (format csv);\n"},
		{"one query", "CREATE TABLE t (id int);\n", "SELECT 1;\n\nCOPY t FROM STDIN;\n"},
		{"by statement", "CREATE TABLE t (id int);\n", "BEGIN;\n\nCOPY \"t\" FROM Stdin;\nCOMMIT;\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, liveURL := pgtest.NamedDB(t)
			dir := t.TempDir()
			mig := filepath.Join(dir, "migrations")
			if err := os.Mkdir(mig, 0o755); err != nil {
				t.Fatal(err)
			}
			files := map[string]string{"000002_copy.up.sql": c.attack}
			if c.first != "" {
				files["000001_base.up.sql"] = c.first
			}
			for name, text := range files {
				if err := os.WriteFile(filepath.Join(mig, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			u, _ := dburl.Parse(liveURL)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			_, err := Run(ctx, Options{Connect: pg.ConnectOptions{URL: u}, Config: config.Default(dir), Dir: mig})
			var failed *FailedError
			if !errors.As(err, &failed) || !strings.HasSuffix(failed.File, "000002_copy.up.sql") || failed.Line != 3 || !strings.Contains(err.Error(), "COPY ... FROM STDIN waits for rows from the client") {
				t.Errorf("plan: %v, want the file refused at line 3", err)
			} else if h := failed.Hint(); !strings.HasPrefix(h, "put the rows in INSERT statements") || !strings.HasSuffix(h, "then run: dbguard migrate plan") {
				// The fix, as migrate up gives it; "migrate up would
				// fail here too" was not what migrate up does.
				t.Errorf("plan's hint: %q, want the fix, then the command", h)
			}
		})
	}
	// The same file applied, replayed into verify --shadow's shadow.
	_, liveURL := pgtest.NamedDB(t)
	dir := t.TempDir()
	mig := filepath.Join(dir, "migrations")
	if err := os.Mkdir(mig, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mig, "000001_copy.up.sql"), []byte("CREATE TABLE t (id int);\nCOPY t FROM STDIN;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	u, _ := dburl.Parse(liveURL)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := verify.WithShadow(ctx, verify.Options{Connect: pg.ConnectOptions{URL: u}, Config: config.Default(dir), MigrationsDir: mig}, 1, func(pg.ConnectOptions) error { return nil })
	var cf *verify.CopyFromClientError
	if !errors.As(err, &cf) || cf.Line != 2 {
		t.Errorf("verify's shadow: %v, want the applied file refused at line 2", err)
	}
}

// TestCopyFromClient: COPY ... FROM STDIN in any case and shape, and
// nothing else.
func TestCopyFromClient(t *testing.T) {
	for text, want := range map[string]bool{
		"COPY t FROM STDIN": true,
		"copy public.t (a, b) from stdin with (format csv)":     true,
		`COPY "t" ("a","b","c","d","e","f","g","h") FROM stdin`: true,
		"COPY t FROM 'stdin'":                  false,
		"COPY t TO STDOUT":                     false,
		"COPY (SELECT * FROM stdin) TO STDOUT": false,
		"SELECT 'COPY t FROM STDIN'":           false,
		"COPY t FROM PROGRAM 'cat'":            false,
	} {
		sts := sqlscan.Split(text)
		if len(sts) != 1 || sts[0].CopyFromClient() != want {
			t.Errorf("%s: %v, want %v", text, len(sts) == 1 && sts[0].CopyFromClient(), want)
		}
	}
}
