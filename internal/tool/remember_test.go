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
