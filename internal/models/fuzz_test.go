package models

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// checkSet holds what every reading promises whatever the input: each
// table and column has a name, lines inside the text, types on one line,
// and the set converts to expect: entries without a panic.
func checkSet(t *testing.T, s *Set, text string) {
	lines := strings.Count(text, "\n") + 1
	for _, tab := range s.Tables {
		if tab.Name == "" || tab.Line < 1 || tab.Line > lines {
			t.Fatalf("table %+v (text of %d lines)", tab, lines)
		}
		for _, c := range tab.Columns {
			if c.Name == "" || c.Line < 1 || c.Line > lines || strings.ContainsAny(c.Type, "\n\r") {
				t.Fatalf("column %+v of %s (text of %d lines)", c, tab.Name, lines)
			}
		}
	}
	s.Tables = append([]Table(nil), s.Tables...)
	(&Result{Sets: []Set{*s}}).Expect()
}

func FuzzPrisma(f *testing.F) {
	for _, seed := range []string{
		"model User {\n  id    Int    @id @default(autoincrement())\n  email String @unique @db.VarChar(255)\n  name  String? @map(\"full_name\")\n  @@map(\"users\")\n}\n",
		"enum Role {\n  USER\n  ADMIN\n  @@map(\"role\")\n}\nmodel A {\n  r Role @default(USER)\n  tags String[]\n  b B @relation(fields: [bId], references: [id])\n  bId Int\n  @@schema(\"s\")\n}\nmodel B {\n  id Int @id\n}\n",
		"model X {\n  geo Unsupported(\"point\")?\n  n Decimal @db.Decimal(12, 2) // \"x // y\"\n  @@ignore\n}\n",
		"datasource db {\n  provider = \"postgresql\"\n}\nmodel {\n}\n}\nmodel Y{\n",
		"model Z {\n  a String @map(\n  b Int @db.VarChar(\n}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			t.Skip()
		}
		checkSet(t, parsePrisma("schema.prisma", []prismaSource{{file: "schema.prisma", text: text}}), text)
	})
}

func FuzzDrizzle(f *testing.F) {
	for _, seed := range []string{
		"export const users = pgTable(\"users\", {\n  id: serial(\"id\").primaryKey(),\n  email: varchar(\"email\", { length: 255 }).notNull(),\n});\n",
		"const r = pgEnum(\"role\", [\"a\"]);\nconst s = pgSchema(\"s\");\nconst e = s.enum(\"e\", [\"x\"]);\nexport const t = s.table(\"t\", (c) => ({\n  a: c.integer().array(),\n  b: r(),\n  c: e().notNull(),\n}), (t) => [primaryKey({ columns: [t.a] })]);\n",
		"pgTable(\"a\", { /* unclosed",
		"pgTable(`x`, { a: t.text(`y`), ...base, get b() { return 1 } })",
		"pgTable(\"p\", { n: numeric({ precision: 5, scale: 2 }), ts: timestamp({ withTimezone: true, precision: 3 }), q: char() })",
		"pgTable(\"u\", { 'quoted key': text(), x: customType()(\"x\") }, ) )) ]] }}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			t.Skip()
		}
		toks := tsTokens(text, "schema.ts")
		d := &drizzleReader{enums: map[string]string{}, schemas: map[string]string{}, casing: "snake_case"}
		d.declarations(toks)
		checkSet(t, &Set{Source: "drizzle", Tables: d.tables(toks)}, text)
	})
}
