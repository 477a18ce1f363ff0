package models

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/testutil/lineartest"
)

func TestDrizzleSnakeCase(t *testing.T) {
	for in, want := range map[string]string{"userId": "user_id", "userID": "user_id", "htmlURL2": "html_url_2", "IDs": "i_ds", "already_snake": "already_snake", "A1b": "a_1b"} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

// A schema file that is a link out of the project is refused, not read:
// the repository must not make dbguard read (and echo) a file elsewhere.
func TestAttackDrizzleSchemaLinkOut(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "schema.ts")
	if err := os.WriteFile(secret, []byte(`export const t = pgTable("s3cret_table", { id: integer("id") });`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(root, "schema.ts")); err != nil {
		t.Fatal(err)
	}
	s, err := ReadDrizzle(root, []string{filepath.Join(root, "schema.ts")}, "")
	if err == nil {
		t.Fatalf("read a schema outside the project: %+v", s)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error shows the outside file: %v", err)
	}
}

// TestAttackDrizzleTablesLinear: calls of pgTable that never close (or
// close only at the end of the file) took 2.35 s for 192 KB and more than
// 30 s for a megabyte, each table's arguments read to the end of the file
// again. Now a call's tokens are read once, and 8 times the calls take
// about 8 times as long.
func TestAttackDrizzleTablesLinear(t *testing.T) {
	for name, src := range map[string]func(n int) string{
		"unclosed": func(n int) string { return strings.Repeat("export const a = pgTable(\"t\", {\n", n) },
		"nested": func(n int) string {
			return strings.Repeat("export const a = pgTable(\"t\", { id: integer(), x:\n", n) + strings.Repeat("})", n)
		},
	} {
		t.Run(name, func(t *testing.T) {
			// The tokens are made outside the timing: splitting text into
			// tokens was linear before and is noisier than the rest.
			read := func(toks []tsToken) {
				d := &drizzleReader{enums: map[string]string{}, schemas: map[string]string{}}
				d.declarations(toks)
				if got := d.tables(toks); len(got) != 1 || got[0].Name != "t" || got[0].Line != 1 {
					t.Fatalf("want the outermost table t at line 1, got %d tables", len(got))
				}
			}
			// A ratio, not a wall-clock bound: linear is about 8, quadratic 64.
			if r := lineartest.Growth(func(n int) []tsToken { return tsTokens(src(n), "schema.ts") }, read, 4000); r > 20 {
				t.Errorf("8 times the calls take %.0f times as long (linear: about 8)", r)
			}
		})
	}
}
