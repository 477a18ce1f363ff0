package models

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A prismaSchemaFolder layout: models split over files, an enum with
// @@map, @db native types, lists, @@schema, @ignore and a view.
func TestReadPrismaFolder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("base.prisma", "generator client {\n  provider = \"prisma-client-js\"\n  previewFeatures = [\"prismaSchemaFolder\"]\n}\nenum Mood {\n  HAPPY\n  @@map(\"mood\")\n}\n")
	write("user.prisma", `model Account {
  id      String   @id @default(uuid()) @db.Uuid
  name    String?  @db.VarChar(80) // "quoted // not a comment"
  balance Decimal  @db.Decimal(12, 2)
  score   Float
  mood    Mood
  tags    Int[]
  seen    DateTime @db.Timestamptz(6)
  secret  String   @ignore
  owner   Account? @relation("owns", fields: [ownerId], references: [id])
  ownerId String?  @map("owner_id") @db.Uuid
  geo     Unsupported("point")?

  @@schema("billing")
}

view Summary {
  id Int @unique
}
`)
	s, err := ReadPrisma(dir, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tables) != 1 {
		t.Fatalf("tables: %+v", s.Tables)
	}
	tab := s.Tables[0]
	if tab.Schema != "billing" || tab.Name != "Account" || tab.Line != 1 {
		t.Errorf("table: %+v", tab)
	}
	want := []struct {
		name, typ string
		null      bool
		line      int
	}{
		{"id", "uuid", false, 2},
		{"name", "varchar(80)", true, 3},
		{"balance", "numeric(12, 2)", false, 4},
		{"score", "double precision", false, 5},
		{"mood", "mood", false, 6},
		{"tags", "integer[]", false, 7},
		{"seen", "timestamptz(6)", false, 8},
		{"owner_id", "uuid", true, 11},
		{"geo", "point", true, 12},
	}
	if len(tab.Columns) != len(want) {
		t.Fatalf("columns: %+v", tab.Columns)
	}
	for i, w := range want {
		c := tab.Columns[i]
		if c.Name != w.name || c.Type != w.typ || c.Nullable != w.null || c.Line != w.line || filepath.Base(c.File) != "user.prisma" {
			t.Errorf("column %d: got %+v, want %+v", i, c, w)
		}
	}
	if !tab.Columns[5].NullUnknown {
		t.Errorf("a list column's nullability is not Prisma's to say: %+v", tab.Columns[5])
	}
}

// A schema.prisma that is a link out of the project (or a folder holding
// one) is refused, not read: a repository must not make dbguard read, and
// echo in its messages, a file elsewhere on the machine.
func TestAttackPrismaSchemaLinkOut(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "schema.prisma")
	if err := os.WriteFile(secret, []byte("model s3cret {\n  id Int @id\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "prisma"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "prisma", "schema.prisma")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	s, err := ReadPrisma(root, link)
	if err == nil {
		t.Fatalf("read a schema outside the project: %+v", s)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error shows the outside file: %v", err)
	}
	// The whole prisma folder a link out: nothing outside is read.
	if err := os.RemoveAll(filepath.Join(root, "prisma")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "prisma")); err != nil {
		t.Fatal(err)
	}
	if s, err := ReadPrisma(root, filepath.Join(root, "prisma")); err == nil && len(s.Tables) > 0 {
		t.Fatalf("read a schema folder outside the project: %+v", s)
	}
}

// A multiSchema enum with @@schema lives in that schema: its columns'
// type is schema-qualified, or the server would look it up on the search
// path and report "a type the database does not have".
func TestPrismaEnumInItsSchema(t *testing.T) {
	dir, _ := filepath.Abs("testdata/prisma/folder")
	s, err := ReadPrisma(dir, filepath.Join(dir, "schema"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tab := range s.Tables {
		for _, c := range tab.Columns {
			if tab.Name == "invoices" && c.Name == "state" && c.Type != "billing.invoice_state" {
				t.Errorf("invoices.state: type %q, want billing.invoice_state", c.Type)
			}
		}
	}
}
