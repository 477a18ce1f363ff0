package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// hintCommand is a dbguard command inside a hint: words, numbers and flags,
// up to what ends it (";", ",", "&&", ")" or the end).
var hintCommand = regexp.MustCompile(`dbguard (?:migrate|env|verify|schema|hook|ci|doctor|wait|exec)(?: (?:-?-?[A-Za-z0-9][A-Za-z0-9_-]*|-1))*`)

// Every command the migration errors print as the next step runs as
// printed: it parses (no usage error, exit 2) and does its work on a real
// database. "force -1" used to fail with "flag provided but not defined".
func TestEveryMigrateHintRuns(t *testing.T) {
	t.Parallel()
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
		&migrate.HolderUnreadError{Target: "db:5432/app", Err: errors.New("no answer within 3s")},
		&migrate.AcceptError{Version: 1, File: "m/000001_a.up.sql"},
		&migrate.AcceptError{Version: 1, File: "m/000001_a.up.sql", Missing: "t"},
		&migrate.StaleRecordError{Dirty: &migrate.DirtyError{Version: 2, Entry: &committed}, Fallback: &migrate.DirtyError{Version: 2, Prev: 1, File: "m/000002_b.up.sql"}},
	}
	var commands []string
	seen := map[string]bool{}
	for _, e := range errs {
		if p := placeholder.FindString(e.Hint()); p != "" {
			t.Errorf("%T: a hint prints a command with a placeholder, which does not run as printed: %q", e, p)
		}
		for _, c := range hintCommand.FindAllString(e.Hint(), -1) {
			if !seen[c] {
				seen[c] = true
				commands = append(commands, c)
			}
		}
	}
	for _, want := range []string{"dbguard migrate force -1", "dbguard migrate recover", "dbguard migrate recover --yes", "dbguard migrate down 1",
		"dbguard migrate up --allow-out-of-order", "dbguard migrate accept 1", "dbguard migrate accept --yes 1", "dbguard migrate status", "dbguard migrate create a_change", "dbguard migrate create b"} {
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
	p := startInproc(t, dir, "")
	for _, c := range commands {
		r := p.run(strings.Fields(c)[1:]...)
		if r.Code == exitUsage || strings.Contains(r.Stderr, "flag provided but not defined") {
			t.Errorf("%s: exit %d, as printed it does not run:\n%s", c, r.Code, r.Stderr)
		}
	}
}

// placeholder is a dbguard command with a word to fill in: NAME, ARGS,
// <version>, "...". A hint prints none: "migrate create NAME" became a
// name taken from the file.
var placeholder = regexp.MustCompile(`dbguard (?:migrate|env|verify|schema|hook|ci|doctor|wait|exec)\b[^;,()\n]*?(?:\b[A-Z]{2,}\b|<[^>\n]+>|\.\.\.)`)

// hintRun is a dbguard command a hint names, with file and folder
// arguments (".env backend/.env") but no placeholder such as COMMAND.
var hintRun = regexp.MustCompile(`dbguard (?:migrate|env|verify|schema|hook|ci|doctor|wait|exec)(?: (?:-?-?[A-Za-z0-9.][A-Za-z0-9./_-]*[A-Za-z0-9]|-?-?[A-Za-z0-9]|-1|--))*`)

// hintFlag is a flag a hint tells one to add to the command that printed it.
var hintFlag = regexp.MustCompile(`\b(?:pass|with) (--[a-z][a-z-]*(?: [0-9]+s)?)`)

// Every command any command prints as the next step (a hint, doctor's fix,
// ci's findings) runs as printed in the state that printed it: it parses
// (no usage error, exit 2). doctor used to suggest --allow-pending, which
// it rejects, and the conflict hint named no way to compare the databases.
//
// Each state runs in an inproc child in its folder, beside the others, so
// no two states share a database that a command (a hint run as printed:
// migrate up) changes.
func TestEveryCommandHintRuns(t *testing.T) {
	t.Parallel()
	shared := inprocSandboxes()
	dbURL := pgtest.DB(t)
	other := pgtest.DB(t)
	pending, planned, credential := pgtest.DB(t), pgtest.DB(t), pgtest.DB(t)
	verified, edited, tooled := pgtest.DB(t), pgtest.DB(t), pgtest.DB(t)
	pooledA := "postgresql://app:npg_hintS3cret@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb?sslmode=require"
	pooledB := "postgresql://app:npg_hintS3cret@ep-old-lake-ahgffap2-pooler.us-east-1.aws.neon.tech/neondb?sslmode=require"
	type state struct {
		name   string
		files  map[string]string
		stage  bool                                      // git add -A before running
		before func(t *testing.T, p *inproc, dir string) // sets the state up, in its folder
		cmds   []string
		want   []string // hints this state must print, so the test cannot pass on silence
	}
	states := []state{
		{name: "conflict", files: map[string]string{".env": "DATABASE_URL=" + pooledA + "\n", "backend/.env": "DATABASE_URL=" + pooledB + "\n"},
			cmds: []string{"env", "doctor", "migrate status", "ci --offline --format text"},
			want: []string{"dbguard schema diff .env backend/.env", "dbguard env"}},
		{name: "no url", files: map[string]string{"README": "x\n"},
			cmds: []string{"env", "doctor", "ci --offline --format text"}},
		{name: "pending", files: map[string]string{".env": "DATABASE_URL=" + pending + "\n", "migrations/000001_a.up.sql": "CREATE TABLE hint_p (id int);", "migrations/000001_a.down.sql": "DROP TABLE hint_p;"},
			cmds: []string{"doctor", "migrate status", "ci --format text", "verify"},
			want: []string{"dbguard migrate up"}},
		{name: "plan danger", files: map[string]string{".env": "DATABASE_URL=" + planned + "\n", "migrations/000001_a.up.sql": "ALTER TABLE hint_q ALTER COLUMN id TYPE bigint;"},
			cmds: []string{"migrate plan"},
			want: []string{"dbguard migrate plan"}},
		{name: "diff", files: map[string]string{"a.env": "DATABASE_URL=" + dbURL + "\n", "b.env": "DATABASE_URL=" + other + "\n", ".env": "DATABASE_URL=" + other + "\n", "migrations/000001_a.up.sql": "SELECT 1;"},
			cmds: []string{"schema diff a.env b.env"},
			want: []string{"dbguard migrate up"}},
		{name: "hook", files: map[string]string{".env": "DATABASE_URL=" + pooledA + "\n", "backend/.env": "DATABASE_URL=" + pooledB + "\n"}, stage: true,
			cmds: []string{"hook pre-commit"}},
		{name: "hook credential", files: map[string]string{".env": "DATABASE_URL=" + credential + "\n", "app.py": "DB = 'postgres://svc:npg_hintS3cretValue9@db.prod.internal/app'\n"}, stage: true,
			cmds: []string{"hook pre-commit", "ci --offline --format text"}},
		{name: "verify", files: map[string]string{".env": "DATABASE_URL=" + verified + "\n", "migrations/000001_a.up.sql": "CREATE TABLE hint_v (id int);",
			"dbguard.yaml": "version: 1\nexpect:\n  hint_v:\n    id: int\n    email: text not null\n"},
			cmds: []string{"migrate up", "verify", "schema snapshot", "doctor", "ci --format text"},
			want: []string{"dbguard verify"}},
		{name: "edited", files: map[string]string{".env": "DATABASE_URL=" + edited + "\n", "migrations/000001_users.up.sql": "CREATE TABLE hint_e (id int);"},
			before: func(t *testing.T, p *inproc, dir string) {
				if r := p.run("migrate", "up"); r.Code != 0 {
					t.Fatalf("migrate up: exit %d", r.Code)
				}
				if err := os.WriteFile(filepath.Join(dir, "migrations/000001_users.up.sql"), []byte("CREATE TABLE hint_e (id int, extra int);"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			cmds: []string{"migrate status", "migrate up", "migrate accept 1", "ci --format text", "doctor"},
			want: []string{"dbguard migrate create users_change", "dbguard migrate accept --yes 1"}},
		{name: "tool", files: map[string]string{".env": "DATABASE_URL=" + tooled + "\n", "db/migrations/20240101000000_a.sql": "-- migrate:up\nCREATE TABLE hint_t (id int);\n-- migrate:down\nDROP TABLE hint_t;\n"},
			cmds: []string{"migrate goto 1", "migrate history", "exec -- dbmate --url postgres://localhost/other up"},
			want: []string{"dbguard exec -- dbmate status", "dbguard exec -- dbmate up"}},
	}
	// One table differs between the two databases, for schema diff.
	psqlExec(t, dbURL, "CREATE TABLE hint_only_here (id int)")
	psqlExec(t, planned, "CREATE TABLE hint_q (id int)")
	for _, s := range states {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, body := range s.files {
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
			if s.stage {
				if out, err := exec.Command("git", "-C", dir, "add", "-A").CombinedOutput(); err != nil {
					t.Fatalf("git add: %v %s", err, out)
				}
			}
			p := startInproc(t, dir, shared, "DATABASE_URL")
			if s.before != nil {
				s.before(t, p, dir)
			}
			seen := map[string]bool{}
			var hinted []string
			stateErrs := map[string]bool{} // what is wrong in this state, as dbguard said it
			for _, c := range s.cmds {
				r := p.run(strings.Fields(c)...)
				for _, l := range strings.Split(r.Stderr, "\n") {
					if strings.HasPrefix(l, "dbguard: error: ") {
						stateErrs[l] = true
					}
				}
				if ph := placeholder.FindString(r.Stdout + "\n" + r.Stderr); ph != "" {
					t.Errorf("dbguard %s prints a command with a placeholder, which does not run as printed: %q", c, ph)
				}
				found := hintRun.FindAllString(r.Stdout+"\n"+r.Stderr, -1)
				// "pass --allow-pending", "with --wait 30s": a flag for the
				// command that printed it.
				for _, m := range hintFlag.FindAllStringSubmatch(r.Stdout+"\n"+r.Stderr, -1) {
					found = append(found, "dbguard "+c+" "+m[1])
				}
				for _, h := range found {
					if !seen[h] {
						seen[h] = true
						hinted = append(hinted, h)
					}
				}
			}
			for _, w := range s.want {
				if !seen[w] {
					t.Errorf("no command printed %q (found %q)", w, hinted)
				}
			}
			for _, h := range hinted {
				if strings.HasSuffix(h, " hook install") {
					continue // it would write .git/hooks, which is not the state under test
				}
				r := p.run(strings.Fields(h)[1:]...)
				// Exit 2 is allowed only for the configuration problem this
				// state already has (no DATABASE_URL anywhere), never for
				// the command line as printed.
				sameProblem := false
				for _, l := range strings.Split(r.Stderr, "\n") {
					sameProblem = sameProblem || stateErrs[l]
				}
				if r.Code == exitUsage && !sameProblem || strings.Contains(r.Stderr, "flag provided but not defined") {
					t.Errorf("%s: exit %d, as printed it does not run here:\n%s", h, r.Code, r.Stderr)
				}
			}
		})
	}
}

// psqlExec runs one statement on the database at url.
func psqlExec(t *testing.T, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
}
