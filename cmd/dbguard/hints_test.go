package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// hintCommand is a dbguard command inside a hint: words, numbers and flags,
// up to what ends it (";", ",", "&&", ")" or the end).
var hintCommand = regexp.MustCompile(`dbguard (?:migrate|env|verify|schema|hook|ci|doctor|wait|exec)(?: (?:-?-?[A-Za-z0-9][A-Za-z0-9-]*|-1))*`)

// Every command the migration errors print as the next step runs as
// printed: it parses (no usage error, exit 2) and does its work on a real
// database. "force -1" used to fail with "flag provided but not defined".
func TestEveryMigrateHintRuns(t *testing.T) {
	entry := &migrate.Entry{Version: 2, Direction: migrate.DirUp, VersionBefore: 1, VersionDirty: 2, File: "000002_b.up.sql", StartedAt: time.Now()}
	down := *entry
	down.Direction, down.VersionDirty, down.VersionBefore = migrate.DirDown, 1, 2
	nontx := *entry
	nontx.Transactional = false
	tx := *entry
	tx.Transactional = true
	now := time.Now()
	committed := tx
	committed.Committed = &now
	errs := []interface{ Hint() string }{
		&migrate.DirtyError{Version: 2, Prev: 1, File: "m/000002_b.up.sql"},
		&migrate.DirtyError{Version: 0, Prev: -1, File: "m/000000_a.up.sql", Other: "m/000001_b.down.sql", OtherVersion: 1},
		&migrate.DirtyError{Version: 2, Entry: &tx},
		&migrate.DirtyError{Version: 2, Entry: &nontx},
		&migrate.DirtyError{Version: 1, Entry: &down},
		&migrate.DirtyError{Version: 2, Entry: &committed},
		&migrate.MigrationError{Version: 2, Failed: 2, Prev: -1, Direction: "up"},
		&migrate.MigrationError{Version: 1, Failed: 2, Prev: 1, Direction: "down"},
		&migrate.MigrationError{Ledger: true, Transactional: true, Direction: "up"},
		&migrate.MigrationError{Ledger: true, Transactional: true, Committed: true, Direction: "up"},
		&migrate.MigrationError{Ledger: true, Direction: "down", Why: "line 2: COMMIT"},
		&migrate.MissingVersionError{Version: 7, Below: -1},
		&migrate.EditedError{Edited: []migrate.Edited{{Version: 1, File: "m/000001_a.up.sql"}}},
		&migrate.LateError{Files: []string{"m/000002_b.up.sql"}, Current: 3},
		&migrate.NoSuchVersionError{Version: 9},
		&migrate.PendingError{Count: 1},
		&migrate.InterruptedError{},
		&migrate.StatementTimeoutError{Transactional: true},
		&migrate.StatementTimeoutError{},
		&migrate.LockTimeoutError{},
		&migrate.AcceptError{Version: 1, File: "m/000001_a.up.sql"},
		&migrate.AcceptError{Version: 1, File: "m/000001_a.up.sql", Missing: "t"},
		&migrate.StaleRecordError{Dirty: &migrate.DirtyError{Version: 2, Entry: &committed}, Fallback: &migrate.DirtyError{Version: 2, Prev: 1, File: "m/000002_b.up.sql"}},
	}
	var commands []string
	seen := map[string]bool{}
	for _, e := range errs {
		for _, c := range hintCommand.FindAllString(e.Hint(), -1) {
			if !seen[c] {
				seen[c] = true
				commands = append(commands, c)
			}
		}
	}
	for _, want := range []string{"dbguard migrate force -1", "dbguard migrate recover", "dbguard migrate recover --yes", "dbguard migrate down 1",
		"dbguard migrate up --allow-out-of-order", "dbguard migrate accept 1", "dbguard migrate accept --yes 1", "dbguard migrate status", "dbguard migrate create NAME"} {
		if !seen[want] {
			t.Errorf("no hint prints %q (found %q)", want, commands)
		}
	}

	dbURL := pgtest.DB(t)
	dir := t.TempDir()
	for name, body := range map[string]string{
		".env":                          "DATABASE_URL=" + dbURL + "\n",
		"migrations/000001_a.up.sql":    "CREATE TABLE hint_a (id int);",
		"migrations/000001_a.down.sql":  "DROP TABLE hint_a;",
		"migrations/000002_b.up.sql":    "CREATE TABLE hint_b (id int);",
		"migrations/000002_b.down.sql":  "DROP TABLE hint_b;",
		"migrations/000003_c.up.sql":    "CREATE TABLE hint_c (id int);",
		"migrations/000003_c.down.sql":  "DROP TABLE hint_c;",
		"migrations/000007_g.up.sql":    "SELECT 1;",
		"migrations/000009_i.up.sql":    "SELECT 1;",
		"migrations/000009_i.down.sql":  "SELECT 1;",
		"migrations/000000_zero.up.sql": "SELECT 1;",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("git", "-C", dir, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	t.Chdir(dir)
	for _, c := range commands {
		args := strings.Fields(c)
		var stdout, stderr bytes.Buffer
		code := run(args, strings.NewReader(""), &stdout, &stderr)
		if code == exitUsage || strings.Contains(stderr.String(), "flag provided but not defined") {
			t.Errorf("%s: exit %d, as printed it does not run:\n%s", c, code, stderr.String())
		}
	}
}
