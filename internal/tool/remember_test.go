package tool

import (
	"os"
	"path/filepath"
	"testing"
)

// TestResolveRemembered: while a command remembers its configuration,
// Resolve gives its first answer again (a copy the caller may change)
// instead of detecting the tool anew; a change of the migrations settings
// is answered afresh, and after Forget detection runs again.
func TestResolveRemembered(t *testing.T) {
	root := tree(t, map[string]string{"migrations/000001_a.up.sql": "SELECT 1;"})
	cfg := cfgAt(root, nil)
	Remember(cfg, nil)
	t.Cleanup(func() { Forget(cfg) })
	kind := func() Kind {
		t.Helper()
		p, err := Resolve(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return p.Kind
	}
	if k := kind(); k != GolangMigrate {
		t.Fatalf("Resolve = %s, want golang-migrate", k)
	}
	// A goose file now: the command goes on with the tool it started with.
	if err := os.WriteFile(filepath.Join(root, "migrations", "00002_b.sql"), []byte("-- +goose Up\nSELECT 1;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, _ := Resolve(cfg)
	if p.Kind != GolangMigrate {
		t.Errorf("remembered: Resolve = %s, want the first answer, golang-migrate", p.Kind)
	}
	p.Kind, p.Dir = Dbmate, "elsewhere"
	if q, _ := Resolve(cfg); q.Kind != GolangMigrate || q.Dir != cfg.MigrationsDir() {
		t.Errorf("a caller's change of its copy reached the next answer: %s in %s", q.Kind, q.Dir)
	}
	// Other settings: another answer.
	cfg.Migrations.Tool = string(Dbmate)
	if k := kind(); k != Dbmate {
		t.Errorf("migrations.tool changed to dbmate: Resolve = %s", k)
	}
	cfg.Migrations.Tool = ""
	if k := kind(); k != Goose {
		t.Errorf("migrations.tool back to detection: Resolve = %s, want goose (detected again)", k)
	}
	// Seeded with the answer the command found.
	other := cfgAt(root, nil)
	Remember(other, &Project{Kind: Prisma, Vars: []string{"X"}})
	t.Cleanup(func() { Forget(other) })
	if p, _ := Resolve(other); p.Kind != Prisma || len(p.Vars) != 1 {
		t.Errorf("seeded: Resolve = %+v, want the seed", p)
	}
	Forget(cfg)
	Forget(other)
	if p, _ := Resolve(other); p.Kind != Goose {
		t.Errorf("after Forget: Resolve = %s, want goose (detected)", p.Kind)
	}
}

// TestRecall: Recall answers a configuration from Resolve's last answer
// for it (a copy), detects anew when the migrations settings changed
// since, and detects for a configuration Resolve never answered.
func TestRecall(t *testing.T) {
	root := tree(t, map[string]string{"migrations/000001_a.up.sql": "SELECT 1;"})
	cfg := cfgAt(root, nil)
	if p, err := Resolve(cfg); err != nil || p.Kind != GolangMigrate {
		t.Fatalf("Resolve = %v, %v; want golang-migrate", p, err)
	}
	// Only golang-migrate's file is gone: detection would say goose now.
	if err := os.Remove(filepath.Join(root, "migrations", "000001_a.up.sql")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "migrations", "00002_b.sql"), []byte("-- +goose Up\nSELECT 1;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Recall(cfg)
	if err != nil || p.Kind != GolangMigrate {
		t.Fatalf("Recall = %v, %v; want Resolve's answer, golang-migrate", p, err)
	}
	p.Kind, p.Dir = Dbmate, "elsewhere"
	if q, _ := Recall(cfg); q.Kind != GolangMigrate || q.Dir != cfg.MigrationsDir() {
		t.Errorf("a caller's change of its copy reached the next answer: %s in %s", q.Kind, q.Dir)
	}
	if p, _ := Recall(cfgAt(root, nil)); p.Kind != Goose {
		t.Errorf("another configuration of the same root: Recall = %s, want goose (detected)", p.Kind)
	}
	cfg.Migrations.Table = "other"
	if p, _ := Recall(cfg); p.Kind != Goose {
		t.Errorf("migrations settings changed: Recall = %s, want goose (detected anew)", p.Kind)
	}
}
