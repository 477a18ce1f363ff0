package migrate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-migrate/migrate/v4/source"
)

func TestScan(t *testing.T) {
	t.Parallel()
	dir := files(t, map[string]string{
		"000002_b.up.sql":   "",
		"000001_a.up.sql":   "",
		"000001_a.down.sql": "",
		"README.md":         "notes",
		".hidden.sql":       "",
	})
	src, err := Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Migrations) != 2 || src.Migrations[0].Version != 1 || src.Migrations[1].Down != "" {
		t.Fatalf("migrations: %+v", src.Migrations)
	}
	if src.Prev(2) != 1 || src.Prev(1) != -1 || src.Last() != 2 {
		t.Errorf("Prev/Last: %d %d %d", src.Prev(2), src.Prev(1), src.Last())
	}
}

func TestScanErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		files map[string]string
		path  string
		want  string
	}{
		{map[string]string{"001-init.up.sql": ""}, "001-init.up.sql", "golang-migrate would silently skip it"},
		{map[string]string{"1_a.up.sql": "", "01_a.up.sql": ""}, "", "has two up files"},
		{map[string]string{"1_a.down.sql": ""}, "1_a.down.sql", "has a down file but no up file"},
	}
	for _, tt := range tests {
		dir := files(t, tt.files)
		_, err := Scan(dir)
		var se *SourceError
		if !errors.As(err, &se) || !strings.Contains(se.Error(), tt.want) {
			t.Errorf("Scan(%v) = %v, want %q", tt.files, err, tt.want)
			continue
		}
		if tt.path != "" && se.Path != filepath.Join(dir, tt.path) {
			t.Errorf("error names %s, want %s", se.Path, tt.path)
		}
		if se.Hint() == "" {
			t.Errorf("no hint for %v", err)
		}
	}
	// What golang-migrate accepts is accepted, with a warning naming it.
	for names, want := range map[string]string{
		"1_a.up.sql 1_b.down.sql": "version 1: the up and down files are named differently (1_a.up.sql, 1_b.down.sql)",
		"1_a.up.sql.bak":          "1_a.up.sql.bak: golang-migrate runs it as the up migration of version 1",
	} {
		m := map[string]string{}
		for _, f := range strings.Fields(names) {
			m[f] = ""
		}
		src, err := Scan(files(t, m))
		if err != nil || len(src.Warnings) != 1 || !strings.Contains(src.Warnings[0], want) {
			t.Errorf("Scan(%s) = %v %q, want one warning %q", names, err, src.Warnings, want)
		}
	}
	_, err := Scan(filepath.Join(t.TempDir(), "nope"))
	var se *SourceError
	if !errors.As(err, &se) || !strings.Contains(se.Hint(), "dbguard migrate create") {
		t.Errorf("missing folder: %v", err)
	}
}

func TestCreate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "migrations")
	now := time.Date(2026, 11, 27, 4, 5, 6, 0, time.UTC)
	paths, err := Create(CreateOptions{Dir: dir, Name: "Add users!", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 || filepath.Base(paths[0]) != "20261127040506_add_users.up.sql" || filepath.Base(paths[1]) != "20261127040506_add_users.down.sql" {
		t.Fatalf("paths: %v", paths)
	}
	// The same second again: the version still goes up.
	paths, err = Create(CreateOptions{Dir: dir, Name: "more", Now: now})
	if err != nil || filepath.Base(paths[0]) != "20261127040507_more.up.sql" {
		t.Fatalf("second create: %v %v", paths, err)
	}
	src, err := Scan(dir)
	if err != nil || len(src.Migrations) != 2 {
		t.Fatalf("created files do not scan: %v", err)
	}

	seq := t.TempDir()
	for i, want := range []string{"000001_init.up.sql", "000002_next.up.sql"} {
		name := []string{"init", "next"}[i]
		paths, err := Create(CreateOptions{Dir: seq, Name: name, Seq: i == 0, Now: now})
		if err != nil || filepath.Base(paths[0]) != want {
			t.Fatalf("create %s: %v %v", name, paths, err)
		}
	}
	if _, err := Create(CreateOptions{Dir: seq, Name: "!!"}); err == nil {
		t.Error("a name with no letters was accepted")
	}
	if b, _ := os.ReadFile(filepath.Join(seq, "000002_next.down.sql")); !strings.HasPrefix(string(b), "-- next: undo") {
		t.Errorf("down file: %q", b)
	}
}

func FuzzScanName(f *testing.F) {
	for _, s := range []string{"000001_a.up.sql", "1_x.down.sql", "001-init.up.sql", "20260101_a_b.up.sql"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		src, err := scan("migrations", []string{name}, nil)
		if err != nil {
			var se *SourceError
			if !errors.As(err, &se) || se.Hint() == "" {
				t.Fatalf("scan error without hint: %v", err)
			}
			if suggested, ok := strings.CutPrefix(se.Hint(), "rename it, e.g. "); ok {
				if _, err := source.Parse(suggested); err != nil {
					t.Fatalf("suggested name %q is not a migration name: %v", suggested, err)
				}
			}
			return
		}
		for _, m := range src.Migrations {
			if m.Up == "" {
				t.Fatalf("migration without up file: %+v", m)
			}
		}
	})
}
