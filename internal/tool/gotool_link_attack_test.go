package tool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// TestAttackGoToolMigrationNotRegular: a dbmate or goose migration that is
// a link out of its folder was listed by name and run by the tool, which
// read what it led to (a file outside the project, run on the guarded
// server; tool_attack_dbmate_migration_link_out.txtar shows dbmate applying
// it), and a FIFO was listed as a migration the tool would wait on for
// ever. Each is refused, exit 2, naming the file; a link inside the folder
// to a regular file is the tool's, as Alembic's are.
func TestAttackGoToolMigrationNotRegular(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		dir  string
		body string
	}{
		{Dbmate, "db/migrations", "-- migrate:up\nSELECT 1;\n"},
		{Goose, "migrations", "-- +goose Up\nSELECT 1;\n"},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			outside := filepath.Join(t.TempDir(), "steal.sql")
			if err := os.WriteFile(outside, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			root := tree(t, map[string]string{tc.dir + "/20240101000000_a.sql": tc.body, "notes/b.sql": tc.body})
			dir := filepath.Join(root, filepath.FromSlash(tc.dir))
			p, err := Resolve(cfgAt(root, func(m *config.Migrations) { m.Tool = string(tc.kind) }))
			if err != nil || p.Kind != tc.kind {
				t.Fatalf("Resolve = %+v, %v", p, err)
			}
			notes, _ := filepath.Rel(dir, filepath.Join(root, "notes", "b.sql")) // in the project, out of the folder
			for _, target := range []string{outside, notes, "nowhere.sql"} {
				link := filepath.Join(dir, "20240102000000_b.sql")
				os.Remove(link)
				if err := os.Symlink(target, link); err != nil {
					t.Fatal(err)
				}
				if _, err := p.files(); exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), tc.dir+"/20240102000000_b.sql is a link that leads outside its folder") {
					t.Errorf("link to %s: %v, want exit 2 naming the link", target, err)
				}
			}
			link := filepath.Join(dir, "20240102000000_b.sql")
			os.Remove(link)
			if err := os.Symlink("20240101000000_a.sql", link); err != nil {
				t.Fatal(err)
			}
			if fs, err := p.files(); err != nil || len(fs) != 2 {
				t.Errorf("link inside the folder: %v, %v; want both files", fs, err)
			}
			os.Remove(link)
			fifotest.Make(t, link)
			err, ok := fifotest.Within(5*time.Second, func() error { _, err := p.files(); return err })
			if !ok {
				t.Fatal("still waiting on the FIFO after 5 s")
			}
			if exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), "is not a regular file (a FIFO)") {
				t.Errorf("FIFO: %v, want exit 2", err)
			}
		})
	}
}

// TestAttackDbmateNamesAsDbmate: dbguard listed dbmate's migrations by
// goose's pattern (VERSION_NAME.sql or .go), so 20240102000000-b.sql and
// 20240103000000.sql, which dbmate runs, were hidden from migrate status
// and ci (0 pending), and a name with a line break, which dbmate passes
// over, was pending for ever. They are read as dbmate 2's
// migrationFileRegexp reads them, ^(\d+).*\.sql$.
func TestAttackDbmateNamesAsDbmate(t *testing.T) {
	body := "-- migrate:up\nSELECT 1;\n"
	root := tree(t, map[string]string{
		"db/migrations/20240101000000_a.sql":       body,
		"db/migrations/20240102000000-b.sql":       body,
		"db/migrations/20240103000000.sql":         body,
		"db/migrations/20240104000000_c\nd.sql":    body,
		"db/migrations/20240105000000_e.go":        body,
		"db/migrations/x20240106000000_f.sql":      body,
		"db/migrations/20240107000000_g.sql.bak":   body,
		"db/migrations/20240108000000_h.sql/x.sql": body, // a folder
	})
	p, err := Resolve(cfgAt(root, func(m *config.Migrations) { m.Tool = string(Dbmate) }))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := p.files()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.id)
	}
	if got, want := strings.Join(ids, " "), "20240101000000 20240102000000 20240103000000"; got != want {
		t.Errorf("dbmate's migrations: %s, want %s", got, want)
	}
}
