package models

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// prismaScalar maps Prisma's scalar types to the PostgreSQL types Prisma
// Migrate creates for them without a @db attribute (Prisma's PostgreSQL
// connector reference, "Type mapping between PostgreSQL and Prisma
// schema").
var prismaScalar = map[string]string{
	"String":   "text",
	"Boolean":  "boolean",
	"Int":      "integer",
	"BigInt":   "bigint",
	"Float":    "double precision",
	"Decimal":  "numeric(65,30)",
	"DateTime": "timestamp(3) without time zone",
	"Json":     "jsonb",
	"Bytes":    "bytea",
}

// prismaNative maps @db.X to the PostgreSQL type; arguments follow in
// parentheses as written.
var prismaNative = map[string]string{
	"Text": "text", "VarChar": "varchar", "Char": "char", "Uuid": "uuid", "Xml": "xml", "Inet": "inet", "Citext": "citext",
	"Boolean": "boolean", "Bit": "bit", "VarBit": "varbit",
	"Integer": "integer", "SmallInt": "smallint", "BigInt": "bigint", "Oid": "oid",
	"Real": "real", "DoublePrecision": "double precision", "Decimal": "numeric", "Money": "money",
	"Timestamp": "timestamp", "Timestamptz": "timestamptz", "Date": "date", "Time": "time", "Timetz": "timetz",
	"Json": "json", "JsonB": "jsonb", "ByteA": "bytea",
}

var (
	prismaBlockRE = lazyre.New(`^(model|enum|view|type|datasource|generator)\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{\s*$`)
	prismaFieldRE = lazyre.New(`^([A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z_][A-Za-z0-9_]*(?:\("[^"]*"\))?)(\[\])?(\?)?(?:\s+(.*))?$`)
	prismaMapRE   = lazyre.New(`@map\(\s*(?:name\s*:\s*)?"([^"]*)"`)
	prismaMMapRE  = lazyre.New(`^@@map\(\s*(?:name\s*:\s*)?"([^"]*)"`)
	prismaSchRE   = lazyre.New(`^@@schema\(\s*"([^"]*)"`)
	prismaDbRE    = lazyre.New(`@db\.([A-Za-z]+)(?:\(([^)\r\n]*)\))?`)
	prismaUnsupRE = lazyre.New(`^Unsupported\("([^"]*)"\)$`)
)

// prismaLimit bounds the bytes read from a schema folder.
const prismaLimit = 16 << 20

type prismaField struct {
	name, typ, attrs string
	list, optional   bool
	line             int
}

type prismaModel struct {
	name, table, schema string
	file                string
	line                int
	ignored             bool
	fields              []prismaField
}

// ReadPrisma reads schema.prisma, or every .prisma file of a
// prismaSchemaFolder folder, with no Prisma engine: each model's table
// (@@map) and its scalar columns (@map), native types (@db.*), optional
// fields as nullable, enums by their (mapped) name. Relation fields have
// no column and are skipped, as are @ignore'd fields and views. Files are
// opened through an os.Root at root: a link out of the project is refused.
func ReadPrisma(root, path string) (*Set, error) {
	var files []string
	st, err := os.Stat(path)
	if err != nil {
		return nil, &ReadError{Source: output.RelPath(path), Msg: err.Error(), Hint_: "set models.prisma in dbguard.yaml to the schema file or folder, or off"}
	}
	if st.IsDir() {
		err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() && strings.HasSuffix(p, ".prisma") {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
	} else {
		files = []string{path}
	}
	var srcs []prismaSource
	total := 0
	for _, f := range files {
		// Only up to what is left of the limit (drizzle's reading says why).
		data, err := readInside(root, f, int64(prismaLimit-total))
		var big *safefile.TooLargeError
		if errors.As(err, &big) {
			total = prismaLimit + 1
		} else if err != nil {
			return nil, &ReadError{Source: output.RelPath(f), Msg: err.Error(), Hint_: "keep the Prisma schema inside the project (a real file, not a link out of it), or set models.prisma: off"}
		}
		if total += len(data); total > prismaLimit {
			return nil, &ReadError{Source: output.RelPath(path), Msg: fmt.Sprintf("more than %d MiB of schema", prismaLimit>>20), Hint_: "point models.prisma at the schema file or folder only"}
		}
		srcs = append(srcs, prismaSource{file: f, text: string(data)})
	}
	return parsePrisma(path, srcs), nil
}

// prismaSource is one .prisma file's text.
type prismaSource struct{ file, text string }

// parsePrisma reads the models of the files of one schema.
func parsePrisma(path string, srcs []prismaSource) *Set {
	models := map[string]*prismaModel{}
	var order []string
	enums := map[string]string{}       // name -> mapped name
	enumSchemas := map[string]string{} // name -> @@schema
	for _, src := range srcs {
		f, data := src.file, src.text
		var cur *prismaModel
		var block, enumName string
		for i, raw := range strings.Split(string(data), "\n") {
			line := strings.TrimSpace(stripComment(raw))
			if line == "" {
				continue
			}
			if block == "" {
				if m := prismaBlockRE.FindStringSubmatch(line); m != nil {
					block = m[1]
					switch block {
					case "model":
						cur = &prismaModel{name: m[2], table: m[2], file: f, line: i + 1}
						models[m[2]] = cur
						order = append(order, m[2])
					case "enum":
						enumName = m[2]
						enums[m[2]] = m[2]
					}
				}
				continue
			}
			if line == "}" {
				block, cur = "", nil
				continue
			}
			switch {
			case block == "enum":
				if m := prismaMMapRE.FindStringSubmatch(line); m != nil && m[1] != "" {
					enums[enumName] = m[1]
				} else if m := prismaSchRE.FindStringSubmatch(line); m != nil {
					enumSchemas[enumName] = m[1]
				}
			case block != "model":
			case strings.HasPrefix(line, "@@"):
				if m := prismaMMapRE.FindStringSubmatch(line); m != nil && m[1] != "" {
					cur.table = m[1]
				} else if m := prismaSchRE.FindStringSubmatch(line); m != nil {
					cur.schema = m[1]
				} else if strings.HasPrefix(line, "@@ignore") {
					cur.ignored = true
				}
			default:
				if m := prismaFieldRE.FindStringSubmatch(line); m != nil {
					cur.fields = append(cur.fields, prismaField{name: m[1], typ: m[2], list: m[3] != "", optional: m[4] != "", attrs: m[5], line: i + 1})
				}
			}
		}
	}
	set := &Set{Source: "prisma", From: output.RelPath(path)}
	for _, name := range order {
		m := models[name]
		if m.ignored {
			continue
		}
		schema := m.schema
		if schema == "public" {
			schema = ""
		}
		t := Table{Schema: schema, Name: m.table, File: m.file, Line: m.line}
		for _, f := range m.fields {
			if models[f.typ] != nil || strings.Contains(f.attrs, "@relation") || strings.Contains(f.attrs, "@ignore") {
				continue // a relation: the column is the scalar field it names
			}
			col := Column{Name: f.name, Nullable: f.optional, File: m.file, Line: f.line}
			if mm := prismaMapRE.FindStringSubmatch(f.attrs); mm != nil && mm[1] != "" {
				col.Name = mm[1]
			}
			switch {
			case prismaDbRE.MatchString(f.attrs):
				d := prismaDbRE.FindStringSubmatch(f.attrs)
				if base, ok := prismaNative[d[1]]; ok {
					col.Type = base
					if args := strings.TrimSpace(d[2]); args != "" {
						col.Type += "(" + args + ")"
					}
				}
			case prismaScalar[f.typ] != "":
				col.Type = prismaScalar[f.typ]
			case enums[f.typ] != "":
				col.Type = quoteIdent(enums[f.typ])
				if s := enumSchemas[f.typ]; s != "" && s != "public" {
					// multiSchema: the enum lives in its own schema.
					col.Type = quoteIdent(s) + "." + col.Type
				}
			default:
				if u := prismaUnsupRE.FindStringSubmatch(f.typ); u != nil {
					col.Type = u[1]
				}
			}
			if f.list && col.Type != "" {
				col.Type += "[]"
				col.NullUnknown = true // Prisma creates list columns without NOT NULL
			}
			t.Columns = append(t.Columns, col)
		}
		set.Tables = append(set.Tables, t)
	}
	return set
}

// stripComment drops a // comment outside a string.
func stripComment(s string) string {
	in := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"' && (i == 0 || s[i-1] != '\\'):
			in = !in
		case !in && s[i] == '/' && i+1 < len(s) && s[i+1] == '/':
			return s[:i]
		}
	}
	return s
}
