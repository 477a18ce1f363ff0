package models_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/models"
	"github.com/dbguard/dbguard/internal/pgtest"
	"github.com/dbguard/dbguard/internal/schema"
)

// djangoPython is the interpreter of the django-admin on PATH, as dbguard
// finds it; in CI (CI=true) Django's absence fails the test.
func djangoPython(t *testing.T) string {
	return scriptPython(t, "django-admin", "Django", ".ci/run installs python3-django", "apt-get install python3-django")
}

// scriptPython is the interpreter a Python program on PATH names in its
// first line; in CI (CI=true) the program's absence fails the test, with
// ci saying what installs it there, elsewhere it skips with local.
func scriptPython(t *testing.T, program, name, ci, local string) string {
	t.Helper()
	a, err := exec.LookPath(program)
	if err == nil {
		var f *os.File
		if f, err = os.Open(a); err == nil {
			line, _ := bufio.NewReader(f).ReadString('\n')
			f.Close()
			if py, ok := strings.CutPrefix(strings.TrimSpace(line), "#!"); ok && !strings.Contains(py, " ") {
				return py
			}
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (%s): %v", name, ci, err)
	}
	t.Skipf("%s is not installed (%s)", name, local)
	return ""
}

// TestDjangoAgainstMigrate checks dbguard's reading of Django models
// against Django itself: the fixture project (testdata/django/shop: two
// apps, contrib.auth, an abstract base, multi-table inheritance, a
// many-to-many with and without a through model, db_column, an
// ArrayField, an unmanaged model) is migrated by Django's own
// makemigrations and migrate into a real PostgreSQL, and the tables and
// columns dbguard reads must be exactly those, with the same types (as the
// server spells them) and nullability.
func TestDjangoAgainstMigrate(t *testing.T) {
	py := djangoPython(t)
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/django/shop")); err != nil {
		t.Fatal(err)
	}
	url := pgtest.DB(t)
	for _, args := range [][]string{{"makemigrations", "people", "inventory"}, {"migrate", "--no-input"}} {
		cmd := exec.Command(py, append([]string{"manage.py"}, args...)...)
		cmd.Dir = dir
		env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "DJANGO_SETTINGS_MODULE=") })
		cmd.Env = append(env, "DATABASE_URL="+url, "PYTHONDONTWRITEBYTECODE=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("manage.py %v: %v\n%s", args, err, out)
		}
	}
	r, err := models.Read(ctx, models.Options{Config: config.Default(dir), RunPython: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sets) != 1 || r.Sets[0].Source != "django" {
		t.Fatalf("sets: %+v", r.Sets)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	live, err := schema.Introspect(ctx, conn, schema.Options{ExcludeSchema: "public", ExcludeTables: []string{"django_migrations"}})
	if err != nil {
		t.Fatal(err)
	}
	exp := r.Expect()
	types, err := schema.CanonicalizeModels(ctx, conn, exp)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range schema.CheckModels(exp, types, "public", live) {
		t.Errorf("Django's migrate and dbguard differ: %s", d.Message)
	}
	read := map[string][]models.Column{}
	for _, tab := range r.Sets[0].Tables {
		read[tab.Name] = tab.Columns
		for _, c := range tab.Columns {
			through := slices.Contains([]string{"auth_group_permissions", "auth_user_groups", "auth_user_user_permissions", "inventory_items_buddies"}, tab.Name)
			if through && c.Name == "id" {
				// Presence only: Django 3.2's migrate made these bigint
				// (DEFAULT_AUTO_FIELD) where contrib.auth's model says integer.
				if c.Type != "" {
					t.Errorf("%s.id: type %q read for a through table's id", tab.Name, c.Type)
				}
				continue
			}
			if c.Type == "" || c.Line == 0 || !strings.HasSuffix(c.File, ".py") {
				t.Errorf("%s.%s: no type or file:line read: %+v", tab.Name, c.Name, c)
			}
		}
	}
	if _, ok := read["legacy_view"]; ok {
		t.Errorf("an unmanaged model was read")
	}
	for key, lt := range live.Tables {
		cols, ok := read[key]
		if !ok {
			t.Errorf("table %s: created by Django's migrate, not read", key)
			continue
		}
		for name := range lt.Columns {
			if !slices.ContainsFunc(cols, func(c models.Column) bool { return c.Name == name }) {
				t.Errorf("column %s.%s: created by Django's migrate, not read", key, name)
			}
		}
	}
	// The field's own line: handle is people/models.py's slug.
	for _, c := range read["people_person"] {
		if c.Name == "handle" && (filepath.Base(c.File) != "models.py" || c.Line != 24) {
			t.Errorf("people_person.handle at %s:%d, want people/models.py:24", c.File, c.Line)
		}
	}
}
