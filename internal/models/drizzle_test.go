package models

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
