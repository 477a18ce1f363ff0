package models

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// Drizzle's schema is TypeScript, and running it (drizzle-kit export)
// would run the repository's code: its drizzle.config.ts and every module
// the schema imports. dbguard reads the pgTable(...) definitions as text
// instead, as Prisma's schema is read: tokens, not a TypeScript compiler.
// What the text does not say plainly (a column type built by a helper
// function, a table made in a loop) is not read; docs/schema.md lists it.

// drizzleLimit bounds the bytes of schema read.
const drizzleLimit = 16 << 20

// drizzleConfigs are the config files drizzle-kit looks for, in its order.
var drizzleConfigs = []string{"drizzle.config.ts", "drizzle.config.mts", "drizzle.config.js", "drizzle.config.mjs", "drizzle.config.cjs", "drizzle.config.json"}

var (
	drizzleSchemaRE = lazyre.New(`(?s)\bschema\s*:\s*(\[[^\]]*\]|"[^"]*"|'[^']*'|` + "`[^`$]*`" + `)`)
	drizzleStrRE    = lazyre.New(`"([^"]*)"|'([^']*)'|` + "`([^`$]*)`")
	drizzleCasingRE = lazyre.New(`\bcasing\s*:\s*["'](snake_case|camelCase)["']`)
)

// drizzleSource is the schema files drizzle.config names.
type drizzleSource struct {
	config string   // drizzle.config.*, absolute; "" when models.drizzle names the files
	files  []string // absolute
	casing string   // "snake_case": keys without a name become snake_case
}

// findDrizzle is models.drizzle, else the schema of drizzle.config.* in the
// migrations' working folder or the root; nil when there is none.
func findDrizzle(cfg *config.Config) (*drizzleSource, error) {
	if f := cfg.Models.Drizzle; f != "" {
		p := filepath.Join(cfg.Root, filepath.FromSlash(f))
		files, err := drizzleFiles(cfg.Root, p)
		if err != nil {
			return nil, &ReadError{Source: f + " in dbguard.yaml", Msg: err.Error(), Hint_: "set models.drizzle in dbguard.yaml to the schema file or folder (inside the project), or off"}
		}
		return &drizzleSource{files: files}, nil
	}
	for _, d := range []string{cfg.Workdir(), cfg.Root} {
		for _, name := range drizzleConfigs {
			p := filepath.Join(d, name)
			if st, err := os.Lstat(p); err != nil || !st.Mode().IsRegular() {
				continue
			}
			data, err := readInside(cfg.Root, p, maxSmallFile)
			if err != nil {
				return nil, &ReadError{Source: output.RelPath(p), Msg: tooLarge(err), Hint_: "set models.drizzle in dbguard.yaml to the schema file or folder, or off"}
			}
			src := &drizzleSource{config: p}
			if m := drizzleCasingRE.FindSubmatch(data); m != nil {
				src.casing = string(m[1])
			}
			m := drizzleSchemaRE.FindSubmatch(data)
			if m == nil {
				return nil, &ReadError{Source: output.RelPath(p), Msg: "no schema: \"...\" in it (dbguard reads the config as text and runs nothing)", Hint_: "write the schema path as a string literal in the config, or set models.drizzle in dbguard.yaml to the schema file or folder"}
			}
			for _, s := range drizzleStrRE.FindAllSubmatch(m[1], -1) {
				rel := string(s[1]) + string(s[2]) + string(s[3])
				files, err := drizzleFiles(cfg.Root, filepath.Join(d, filepath.FromSlash(rel)))
				if err != nil {
					return nil, &ReadError{Source: output.RelPath(p), Msg: fmt.Sprintf("schema %q: %v", rel, err), Hint_: "fix the schema path in the config, or set models.drizzle in dbguard.yaml to the schema file or folder"}
				}
				src.files = append(src.files, files...)
			}
			slices.Sort(src.files)
			src.files = slices.Compact(src.files)
			return src, nil
		}
	}
	return nil, nil
}

// drizzleFiles is a schema path: a file, a folder (its .ts/.js files) or a
// glob, inside the root.
func drizzleFiles(root, p string) ([]string, error) {
	if !safefile.Within(root, p) {
		return nil, fmt.Errorf("%s is outside the project", p)
	}
	var matches []string
	if strings.ContainsAny(p, "*?[") {
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, err
		}
		matches = m
		if len(m) == 0 {
			return nil, fmt.Errorf("no file matches")
		}
	} else {
		matches = []string{p}
	}
	var out []string
	for _, m := range matches {
		st, err := os.Stat(m)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, m)
			continue
		}
		err = filepath.WalkDir(m, func(f string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			if d.Type().IsRegular() && drizzleExt(f) {
				out = append(out, f)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func drizzleExt(f string) bool {
	for _, e := range []string{".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"} {
		if strings.HasSuffix(f, e) && !strings.HasSuffix(f, ".d.ts") {
			return true
		}
	}
	return false
}

func (s *drizzleSource) show() string {
	if s.config != "" {
		return "pgTable definitions of " + output.RelPath(s.config)
	}
	return "pgTable definitions in dbguard.yaml's models.drizzle"
}

// ReadDrizzle reads the pgTable(...) definitions of the files, through
// an os.Root at root (a link out of the project is refused).
func ReadDrizzle(root string, files []string, casing string) (*Set, error) {
	var byFile [][]tsToken
	total := 0
	for _, f := range files {
		// Each file is read only up to what is left of the limit: a
		// sparse 1 GiB schema file was read whole before the total
		// refused it.
		data, err := readInside(root, f, int64(drizzleLimit-total))
		var big *safefile.TooLargeError
		if errors.As(err, &big) {
			total = drizzleLimit + 1
		} else if err != nil {
			return nil, &ReadError{Source: output.RelPath(f), Msg: err.Error(), Hint_: "keep the Drizzle schema inside the project, or set models.drizzle: off"}
		}
		if total += len(data); total > drizzleLimit {
			return nil, &ReadError{Source: output.RelPath(f), Msg: fmt.Sprintf("more than %d MiB of schema", drizzleLimit>>20), Hint_: "point models.drizzle at the schema file or folder only"}
		}
		byFile = append(byFile, tsTokens(string(data), f))
	}
	d := &drizzleReader{enums: map[string]string{}, schemas: map[string]string{}, casing: casing}
	// First the enums and schemas every file may use, then the tables.
	for _, ft := range byFile {
		d.declarations(ft)
	}
	set := &Set{Source: "drizzle"}
	for _, ft := range byFile {
		set.Tables = append(set.Tables, d.tables(ft)...)
	}
	return set, nil
}

// tsToken is a token of TypeScript: an identifier, a string (its
// content), a number or one punctuation character.
type tsToken struct {
	kind byte // 'i' identifier, 's' string, 'n' number, 'p' punctuation
	text string
	file string
	line int
}

// tsTokens splits TypeScript into tokens, dropping comments. A template
// literal with ${...} is one string token with its text; regular
// expression literals are not told from division (schemas have none that
// matter).
func tsTokens(src, file string) []tsToken {
	var out []tsToken
	line := 1
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				end = len(src) - i - 2
			}
			line += strings.Count(src[i:i+2+end], "\n")
			i += end + 4
		case c == '"' || c == '\'' || c == '`':
			startLine := line
			i++
			var b strings.Builder
			for i < len(src) && src[i] != c {
				if src[i] == '\\' && i+1 < len(src) {
					i++
				}
				if src[i] == '\n' {
					line++
				}
				b.WriteByte(src[i])
				i++
			}
			i++
			out = append(out, tsToken{kind: 's', text: b.String(), file: file, line: startLine})
		case c == '_' || c == '$' || c >= 0x80 || unicode.IsLetter(rune(c)):
			j := i
			for j < len(src) && (src[j] == '_' || src[j] == '$' || src[j] >= 0x80 || unicode.IsLetter(rune(src[j])) || unicode.IsDigit(rune(src[j]))) {
				j++
			}
			out = append(out, tsToken{kind: 'i', text: src[i:j], file: file, line: line})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && (src[j] == '.' || src[j] == '_' || unicode.IsLetter(rune(src[j])) || unicode.IsDigit(rune(src[j]))) {
				j++
			}
			out = append(out, tsToken{kind: 'n', text: strings.ReplaceAll(src[i:j], "_", ""), file: file, line: line})
			i = j
		default:
			out = append(out, tsToken{kind: 'p', text: string(c), file: file, line: line})
			i++
		}
	}
	return out
}

type drizzleReader struct {
	enums   map[string]string // variable -> the type's name, quoted as needed
	schemas map[string]string // variable -> pgSchema's name
	casing  string
}

func (t tsToken) is(kind byte, text string) bool { return t.kind == kind && t.text == text }

// declarations reads `const x = pgEnum("name", ...)`, `const s =
// pgSchema("name")` and `s.enum("name", ...)`.
func (d *drizzleReader) declarations(toks []tsToken) {
	at := func(i int) tsToken {
		if i < len(toks) {
			return toks[i]
		}
		return tsToken{}
	}
	for i := 0; i+4 < len(toks); i++ {
		if !(toks[i].is('i', "const") || toks[i].is('i', "let") || toks[i].is('i', "var")) || toks[i+1].kind != 'i' || !toks[i+2].is('p', "=") {
			continue
		}
		name, j := toks[i+1].text, i+3
		switch {
		case at(j).is('i', "pgEnum") && at(j+1).is('p', "(") && at(j+2).kind == 's':
			d.enums[name] = quoteIdent(at(j + 2).text)
		case at(j).is('i', "pgSchema") && at(j+1).is('p', "(") && at(j+2).kind == 's':
			d.schemas[name] = at(j + 2).text
		case at(j).kind == 'i' && at(j+1).is('p', ".") && at(j+2).is('i', "enum") && at(j+3).is('p', "(") && at(j+4).kind == 's':
			if s, ok := d.schemas[at(j).text]; ok {
				d.enums[name] = quoteIdent(s) + "." + quoteIdent(at(j+4).text)
			}
		}
	}
}

// tables reads every pgTable("name", {...}, ...) and schema.table(...).
func (d *drizzleReader) tables(toks []tsToken) []Table {
	var out []Table
	for i := 0; i+3 < len(toks); i++ {
		schema := ""
		switch {
		case toks[i].is('i', "pgTable") && toks[i+1].is('p', "("):
			if i > 0 && toks[i-1].is('p', ".") {
				continue
			}
		case toks[i].is('i', "table") && toks[i+1].is('p', "(") && i >= 2 && toks[i-1].is('p', ".") && d.schemas[toks[i-2].text] != "":
			schema = d.schemas[toks[i-2].text]
		default:
			continue
		}
		// A call's tokens are read once: the search for tables goes on
		// after its closing bracket (a table inside a table's arguments
		// is not one of the schema), so a file of calls that never close
		// costs time linear in it, not quadratic.
		start, end := i, closing(toks, i+1)
		i = end
		args := splitTop(toks[start+2:end], ",")
		if len(args) < 2 || len(args[0]) != 1 || args[0][0].kind != 's' || args[0][0].text == "" {
			continue // a table whose name is not a literal: not read
		}
		if schema == "public" {
			schema = ""
		}
		t := Table{Schema: schema, Name: args[0][0].text, File: toks[start].file, Line: toks[start].line}
		cols := args[1]
		// The callback form: (t) => ({ id: t.integer() }); its parameter
		// is a prefix like a namespace import's (t.integer()).
		if k := indexTok(cols, "=>"); k >= 0 && !cols[0].is('p', "{") {
			cols = cols[k+1:]
			for len(cols) >= 2 && cols[0].is('p', "(") {
				cols = cols[1 : len(cols)-1]
			}
		}
		if len(cols) < 2 || !cols[0].is('p', "{") {
			continue
		}
		pk := map[string]bool{}
		if len(args) > 2 {
			pk = compositeKeys(args[2])
		}
		for _, prop := range splitTop(cols[1:len(cols)-1], ",") {
			if c, ok := d.column(prop, pk); ok {
				c.File = toks[start].file
				t.Columns = append(t.Columns, c)
			}
		}
		out = append(out, t)
	}
	return out
}

func indexTok(toks []tsToken, s string) int {
	// "=>" is two punctuation tokens.
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].is('p', s[:1]) && toks[i+1].is('p', s[1:]) {
			return i + 1
		}
	}
	return -1
}

// compositeKeys are the keys named in primaryKey(...) of a table's third
// argument: their columns are NOT NULL.
func compositeKeys(toks []tsToken) map[string]bool {
	out := map[string]bool{}
	for i := 0; i+1 < len(toks); i++ {
		if !toks[i].is('i', "primaryKey") || !toks[i+1].is('p', "(") {
			continue
		}
		end := closing(toks, i+1)
		for j := i + 2; j+2 < end; j++ {
			if toks[j].kind == 'i' && toks[j+1].is('p', ".") && toks[j+2].kind == 'i' {
				out[toks[j+2].text] = true
			}
		}
		i = end // nested calls are read once, with this one
	}
	return out
}

// closing is the index of the bracket closing the one at open.
func closing(toks []tsToken, open int) int {
	depth := 0
	for i := open; i < len(toks); i++ {
		if toks[i].kind != 'p' {
			continue
		}
		switch toks[i].text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(toks)
}

// splitTop splits tokens at sep outside brackets, dropping empty parts.
func splitTop(toks []tsToken, sep string) [][]tsToken {
	var out [][]tsToken
	depth, start := 0, 0
	for i, t := range toks {
		if t.kind != 'p' {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case sep:
			if depth == 0 {
				if i > start {
					out = append(out, toks[start:i])
				}
				start = i + 1
			}
		}
	}
	if start < len(toks) {
		out = append(out, toks[start:])
	}
	return out
}

// column reads `key: type("name", { options }).method()...`.
func (d *drizzleReader) column(prop []tsToken, pk map[string]bool) (Column, bool) {
	if len(prop) < 3 || !(prop[0].kind == 'i' || prop[0].kind == 's') || !prop[1].is('p', ":") {
		return Column{}, false // a spread (...common) or a method: not read
	}
	key, expr := prop[0].text, prop[2:]
	// t.integer(): a namespace import or the callback's parameter.
	for len(expr) > 3 && expr[0].kind == 'i' && expr[1].is('p', ".") && expr[2].kind == 'i' && d.schemas[expr[0].text] == "" {
		expr = expr[2:]
	}
	if len(expr) < 3 || expr[0].kind != 'i' || !expr[1].is('p', "(") {
		return Column{}, false
	}
	fn := expr[0].text
	end := closing(expr, 1)
	args := splitTop(expr[2:end], ",")
	name := ""
	var opts map[string]string
	for _, a := range args {
		switch {
		case len(a) == 1 && a[0].kind == 's' && name == "":
			name = a[0].text
		case len(a) > 1 && a[0].is('p', "{"):
			opts = objectLiteral(a)
		}
	}
	if name == "" {
		name = key
		if d.casing == "snake_case" {
			name = snakeCase(key)
		}
	}
	if name == "" {
		return Column{}, false // '': {...} names no column drizzle-kit would create
	}
	c := Column{Name: name, Nullable: true, Line: prop[0].line}
	typ, notNull := d.columnType(fn, opts)
	dims := 0
	for i := end + 1; i+2 < len(expr); i++ {
		if !expr[i].is('p', ".") || expr[i+1].kind != 'i' || !expr[i+2].is('p', "(") {
			continue
		}
		switch expr[i+1].text {
		case "notNull", "primaryKey", "generatedAlwaysAsIdentity", "generatedByDefaultAsIdentity":
			notNull = true
		case "array":
			dims++
		}
		i = closing(expr, i+2)
	}
	if strings.IndexFunc(typ, unicode.IsControl) >= 0 {
		typ = "" // an enum named with a line break: presence only, never a type on two lines
	}
	if typ != "" {
		c.Type = typ
		if dims > 0 {
			c.Type += "[]" // PostgreSQL's arrays have one type whatever the dimensions
		}
	}
	c.Nullable = !notNull && !pk[key]
	return c, true
}

// objectLiteral reads { key: literal, ... }: numbers, strings, booleans.
func objectLiteral(toks []tsToken) map[string]string {
	out := map[string]string{}
	for _, p := range splitTop(toks[1:len(toks)-1], ",") {
		if len(p) == 3 && (p[0].kind == 'i' || p[0].kind == 's') && p[1].is('p', ":") {
			out[p[0].text] = p[2].text
		}
	}
	return out
}

// columnType is the PostgreSQL type drizzle-kit writes for a column
// function, and whether the type alone makes it NOT NULL (serial).
func (d *drizzleReader) columnType(fn string, o map[string]string) (string, bool) {
	num := func(k string) string {
		if v, err := strconv.Atoi(o[k]); err == nil && v >= 0 {
			return strconv.Itoa(v)
		}
		return ""
	}
	paren := func(base string, mods ...string) string {
		var m []string
		for _, x := range mods {
			if x != "" {
				m = append(m, x)
			}
		}
		if len(m) == 0 {
			return base
		}
		return base + "(" + strings.Join(m, ",") + ")"
	}
	zone := func(base string) string {
		t := paren(base, num("precision"))
		if o["withTimezone"] == "true" {
			return t + " with time zone"
		}
		return t + " without time zone"
	}
	switch fn {
	case "serial":
		return "integer", true
	case "bigserial":
		return "bigint", true
	case "smallserial":
		return "smallint", true
	case "integer", "smallint", "bigint", "text", "boolean", "real", "date", "json", "jsonb", "uuid", "inet", "cidr", "macaddr", "macaddr8":
		return fn, false
	case "doublePrecision":
		return "double precision", false
	case "varchar":
		return paren("varchar", num("length")), false
	case "char":
		if num("length") == "" {
			return "char(1)", false // PostgreSQL's char is char(1)
		}
		return paren("char", num("length")), false
	case "numeric", "decimal":
		if num("scale") != "" && num("precision") == "" {
			return "", false
		}
		return paren("numeric", num("precision"), num("scale")), false
	case "timestamp":
		return zone("timestamp"), false
	case "time":
		return zone("time"), false
	case "interval":
		if o["fields"] != "" {
			return "", false // interval day to second: not compared
		}
		return paren("interval", num("precision")), false
	}
	if e, ok := d.enums[fn]; ok {
		return e, false
	}
	return "", false // a customType, an extension's type: presence only
}

func quoteIdent(s string) string {
	if s != "" && strings.ToLower(s) == s && !strings.ContainsAny(s, " .\"-") && !unicode.IsDigit(rune(s[0])) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// snakeCase is drizzle-orm's toSnakeCase: the words of
// /[\da-z]+|[A-Z]+(?![a-z])|[A-Z][\da-z]+/g, lower case, joined by "_"
// (userId: user_id, userID: user_id, htmlURL2: html_url_2).
func snakeCase(s string) string {
	lower := func(c byte) bool { return c >= 'a' && c <= 'z' }
	upper := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	var words []string
	for i := 0; i < len(s); {
		j := i
		switch {
		case lower(s[i]) || digit(s[i]):
			for j < len(s) && (lower(s[j]) || digit(s[j])) {
				j++
			}
		case upper(s[i]):
			for j < len(s) && upper(s[j]) {
				j++
			}
			if j < len(s) && lower(s[j]) {
				if j-i >= 2 {
					j-- // the last capital starts the next word
				} else {
					for j < len(s) && (lower(s[j]) || digit(s[j])) {
						j++
					}
				}
			}
		default:
			i++
			continue
		}
		words = append(words, strings.ToLower(s[i:j]))
		i = j
	}
	return strings.Join(words, "_")
}
