package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dbguard/dbguard/internal/lazyre"
)

// ExpectTable is one table of the expect: mapping.
type ExpectTable struct {
	Schema  string // "" for the first configured schema
	Name    string
	Line    int
	Columns []ExpectColumn
	// File is where the table is declared when not in dbguard.yaml (a
	// model's source file); "" for dbguard.yaml.
	File string
}

// ExpectColumn is one expected column. A nil Spec means presence only (~).
type ExpectColumn struct {
	Name string
	Spec *TypeSpec
	Line int
	File string // as ExpectTable.File
}

// TypeSpec is a parsed column spec such as "varchar(255) not null".
type TypeSpec struct {
	Text string // as written
	// Base is the type name without modifiers or array brackets
	// ("varchar", "timestamp with time zone", "public.mood").
	Base string
	// Mods are the modifiers in parentheses ("255"; "12", "2").
	Mods []string
	// Dims is the number of array dimensions ([] per dimension).
	Dims int
	// Nullable is nil when the spec does not say, else whether NULL is allowed.
	Nullable *bool
	// Serial marks serial/bigserial/smallserial: not null, default nextval(...).
	Serial bool
}

var (
	tableNameRE = lazyre.New(`^(?:([A-Za-z_][A-Za-z0-9_$]*)\.)?([A-Za-z_][A-Za-z0-9_$]*)$`)
	typeRE      = lazyre.New(`^[A-Za-z_][A-Za-z0-9_ ."$]*(?:\(\s*[0-9A-Za-z_]+(?:\s*,\s*[0-9A-Za-z_]+)*\s*\))?[A-Za-z0-9_ ]*((?:\s*\[\s*[0-9]*\s*\])*)$`)
)

// parseExpect reads expect: — table: {column: spec or ~} — keeping lines.
func parseExpect(file string, n *yaml.Node) ([]ExpectTable, error) {
	if n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil, nil
	}
	bad := func(line int, format string, args ...any) error {
		return &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	if n.Kind != yaml.MappingNode {
		return nil, bad(n.Line, "expect: want a mapping of tables to columns")
	}
	var tables []ExpectTable
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		m := tableNameRE.FindStringSubmatch(k.Value)
		if m == nil {
			return nil, bad(k.Line, "expect: %q is not a table name (want table or schema.table, letters, digits and _)", k.Value)
		}
		if seen[k.Value] {
			return nil, bad(k.Line, "expect: table %q is listed twice", k.Value)
		}
		seen[k.Value] = true
		t := ExpectTable{Schema: m[1], Name: m[2], Line: k.Line}
		if v.Kind != yaml.MappingNode {
			return nil, bad(v.Line, "expect: %s: want a mapping of columns to type specs (column: varchar(255) not null, or column: ~)", k.Value)
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			ck, cv := v.Content[j], v.Content[j+1]
			if !identRE.MatchString(ck.Value) {
				return nil, bad(ck.Line, "expect: %s: column name %q is not valid", k.Value, ck.Value)
			}
			col := ExpectColumn{Name: ck.Value, Line: ck.Line}
			switch {
			case cv.Kind == yaml.ScalarNode && (cv.Tag == "!!null" || cv.Value == ""):
			case cv.Kind == yaml.ScalarNode:
				spec, err := ParseTypeSpec(cv.Value)
				if err != nil {
					return nil, bad(cv.Line, "expect: %s.%s: %v", k.Value, ck.Value, err)
				}
				col.Spec = spec
			default:
				return nil, bad(cv.Line, "expect: %s.%s: want a type spec string or ~", k.Value, ck.Value)
			}
			t.Columns = append(t.Columns, col)
		}
		tables = append(tables, t)
	}
	return tables, nil
}

// ParseTypeSpec parses "TYPE [not null | null]". TYPE is any PostgreSQL type
// name with optional modifiers and array brackets; the server resolves it
// when verifying. serial, bigserial and smallserial stand for their
// integer type, not null, with a nextval() default.
func ParseTypeSpec(text string) (*TypeSpec, error) {
	s := &TypeSpec{Text: text}
	rest := strings.Join(strings.Fields(text), " ")
	lower := strings.ToLower(rest)
	if lower == "not null" || lower == "null" {
		return nil, fmt.Errorf("no type in %q (write e.g. integer not null, or ~ for presence only)", text)
	}
	switch {
	case strings.HasSuffix(lower, " not null"):
		f := false
		s.Nullable, rest = &f, rest[:len(rest)-len(" not null")]
	case strings.HasSuffix(lower, " null"):
		t := true
		s.Nullable, rest = &t, rest[:len(rest)-len(" null")]
	}
	if rest == "" {
		return nil, fmt.Errorf("no type in %q", text)
	}
	m := typeRE.FindStringSubmatch(rest)
	if m == nil {
		return nil, fmt.Errorf("type spec %q is not valid (want e.g. varchar(255) not null, integer, timestamptz null, text[])", text)
	}
	s.Dims = strings.Count(m[1], "[")
	base := strings.TrimSpace(strings.TrimSuffix(rest, m[1]))
	if i := strings.IndexByte(base, '('); i >= 0 {
		j := strings.IndexByte(base, ')')
		for _, mod := range strings.Split(base[i+1:j], ",") {
			s.Mods = append(s.Mods, strings.TrimSpace(mod))
		}
		base = strings.TrimSpace(base[:i] + " " + base[j+1:])
	}
	s.Base = strings.Join(strings.Fields(base), " ")
	switch strings.ToLower(s.Base) {
	case "serial", "serial4":
		s.Base, s.Serial = "integer", true
	case "bigserial", "serial8":
		s.Base, s.Serial = "bigint", true
	case "smallserial", "serial2":
		s.Base, s.Serial = "smallint", true
	}
	if s.Serial {
		if s.Nullable != nil && *s.Nullable {
			return nil, fmt.Errorf("type spec %q: a serial column is never null", text)
		}
		if len(s.Mods) > 0 || s.Dims > 0 {
			return nil, fmt.Errorf("type spec %q: serial takes no modifiers", text)
		}
	}
	return s, nil
}
