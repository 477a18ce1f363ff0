package schema

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/dbguard/dbguard/internal/lazyre"
	"gopkg.in/yaml.v3"
)

// snapshotFile is the YAML shape of dbguard.schema.yaml, as read. It is
// written by writeSnapshot, which emits exactly this shape: maps sorted by
// key, each column on one line, so the file diffs well in review.
type snapshotFile struct {
	Version          int                      `yaml:"version"`
	MigrationVersion int                      `yaml:"migration_version"` // -1: none applied
	Tables           map[string]snapshotTable `yaml:"tables"`
}

type snapshotTable struct {
	Kind        string                    `yaml:"kind,omitempty"` // omitted for a plain table
	Columns     map[string]snapshotColumn `yaml:"columns"`
	PrimaryKey  string                    `yaml:"primary_key,omitempty"`
	Unique      map[string]string         `yaml:"unique,omitempty"`
	ForeignKeys map[string]string         `yaml:"foreign_keys,omitempty"`
	Checks      map[string]string         `yaml:"checks,omitempty"`
	Indexes     map[string]string         `yaml:"indexes,omitempty"`
	Definition  string                    `yaml:"definition,omitempty"`
}

type snapshotColumn struct {
	Type      string `yaml:"type"`
	NotNull   bool   `yaml:"not_null,omitempty"`
	Default   string `yaml:"default,omitempty"`
	Identity  string `yaml:"identity,omitempty"`
	Generated string `yaml:"generated,omitempty"`
}

// Snapshot is a schema as recorded in a snapshot file.
type Snapshot struct {
	Schema           *Schema
	MigrationVersion int
}

// WriteSnapshot writes s as a snapshot taken at migration version v; about
// names the database in the header comment (no credentials).
func WriteSnapshot(w io.Writer, s *Schema, v int, about string) error {
	b := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(b, "# The expected schema, written by `dbguard schema snapshot` from %s.\n", about)
	b.WriteString("# `dbguard verify` requires the live schema to match it exactly; after a\n# migration, take it again and commit it with the migration.\n")
	writeSnapshotBody(b, s, v)
	return b.Flush()
}

// snapshotWriter is where writeSnapshotBody writes: a *bufio.Writer, or a
// *matcher that compares instead of keeping (verify's common case).
type snapshotWriter interface {
	WriteString(string) (int, error)
	WriteByte(byte) error
}

// matcher compares the text written to it with want, keeping none of it:
// a 5,000-table snapshot is 3.3 MB, which building to compare cost verify
// a fifth of its own CPU (growing the buffer, copying into it).
type matcher struct {
	want     []byte
	mismatch bool
}

func (m *matcher) WriteString(s string) (int, error) {
	if m.mismatch || len(s) > len(m.want) || string(m.want[:len(s)]) != s {
		m.mismatch = true
		return len(s), nil
	}
	m.want = m.want[len(s):]
	return len(s), nil
}

func (m *matcher) WriteByte(c byte) error {
	if m.mismatch || len(m.want) == 0 || m.want[0] != c {
		m.mismatch = true
		return nil
	}
	m.want = m.want[1:]
	return nil
}

// writeSnapshotBody emits the YAML by hand: yaml.v3's encoder takes
// seconds on a 5,000-table schema, and the shape is fixed. Each piece is
// written on its own rather than joined first (no string built per line).
func writeSnapshotBody(b snapshotWriter, s *Schema, v int) {
	b.WriteString("version: 1\nmigration_version: ")
	b.WriteString(strconv.Itoa(v))
	b.WriteString("\ntables:")
	if len(s.Tables) == 0 {
		b.WriteString(" {}")
	}
	b.WriteByte('\n')
	writeTables(b, s, s.Keys())
}

// writeTables writes the tables keys of s, as writeSnapshotBody does.
func writeTables(b snapshotWriter, s *Schema, keys []string) {
	m, _ := b.(*matcher)
	for _, key := range keys {
		if m != nil && m.mismatch {
			return
		}
		t := s.Tables[key]
		b.WriteString("  ")
		b.WriteString(yamlKey(key))
		b.WriteString(":\n")
		if t.Kind != "table" {
			b.WriteString("    kind: ")
			b.WriteString(yamlValue(t.Kind, false))
			b.WriteByte('\n')
		}
		b.WriteString("    columns:")
		if len(t.Columns) == 0 {
			b.WriteString(" {}")
		}
		b.WriteByte('\n')
		for _, name := range sortedKeys(t.Columns) {
			c := t.Columns[name]
			b.WriteString("      ")
			b.WriteString(yamlKey(name))
			b.WriteString(": {type: ")
			b.WriteString(yamlValue(c.Type, true))
			if c.NotNull {
				b.WriteString(", not_null: true")
			}
			for _, kv := range [...][2]string{{"default", c.Default}, {"identity", c.Identity}, {"generated", c.Generated}} {
				if kv[1] != "" {
					b.WriteString(", ")
					b.WriteString(kv[0])
					b.WriteString(": ")
					b.WriteString(yamlValue(kv[1], true))
				}
			}
			b.WriteString("}\n")
		}
		if t.PrimaryKey != "" {
			b.WriteString("    primary_key: ")
			b.WriteString(yamlValue(t.PrimaryKey, false))
			b.WriteByte('\n')
		}
		for _, sec := range [...]struct {
			name string
			defs map[string]string
		}{{"unique", t.Unique}, {"foreign_keys", t.ForeignKeys}, {"checks", t.Checks}, {"indexes", t.Indexes}} {
			if len(sec.defs) == 0 {
				continue
			}
			b.WriteString("    ")
			b.WriteString(sec.name)
			b.WriteString(":\n")
			for _, name := range sortedKeys(sec.defs) {
				b.WriteString("      ")
				b.WriteString(yamlKey(name))
				b.WriteString(": ")
				b.WriteString(yamlValue(sec.defs[name], false))
				b.WriteByte('\n')
			}
		}
		if t.Definition != "" {
			b.WriteString("    definition: ")
			b.WriteString(yamlValue(t.Definition, false))
			b.WriteByte('\n')
		}
	}
}

// yamlSpecial are plain scalars YAML would read as something else.
var yamlSpecial = map[string]bool{"true": true, "false": true, "null": true, "yes": true, "no": true, "on": true, "off": true, "y": true, "n": true, "~": true}

// Byte classes for plain scalars: a short list rather than YAML's full
// rules, which parsers differ on. A table, since a 5,000-table snapshot
// checks a quarter of a million strings.
var keyPlain, blockPlain, flowPlain [256]bool

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		alnum := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_'
		keyPlain[c] = alnum || b == '.' || b == '$'
		flowPlain[c] = alnum || strings.IndexByte(" ().':/*+<>=|&!%\"$^~-", b) >= 0
		blockPlain[c] = flowPlain[c] || strings.IndexByte(",[]", b) >= 0
	}
}

func allIn(s string, class *[256]bool) bool {
	for i := 0; i < len(s); i++ {
		if !class[s[i]] {
			return false
		}
	}
	return true
}

func startsPlain(s string) bool {
	c := s[0]
	return c == '_' || c == '(' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func yamlKey(s string) string {
	if s != "" && startsPlain(s) && s[0] != '(' && allIn(s, &keyPlain) && !yamlSpecial[strings.ToLower(s)] {
		return s
	}
	return strconv.Quote(s)
}

// yamlValue writes s plain where YAML surely reads it back unchanged, else
// double quoted (Go's escapes are YAML's). In a flow mapping commas and
// brackets need quotes too.
func yamlValue(s string, flow bool) string {
	class := &blockPlain
	if flow {
		class = &flowPlain
	}
	if s != "" && startsPlain(s) && allIn(s, class) && !yamlSpecial[strings.ToLower(s)] &&
		s[len(s)-1] != ' ' && s[len(s)-1] != ':' && !strings.Contains(s, ": ") {
		return s
	}
	return strconv.Quote(s)
}

// SnapshotError is a snapshot file that cannot be read.
type SnapshotError struct {
	File string
	Line int
	Msg  string
}

func (e *SnapshotError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// Hint names the next step.
func (e *SnapshotError) Hint() string {
	return "take the snapshot again with: dbguard schema snapshot"
}

var yamlLineRE = lazyre.New(`line (\d+): (.*)`)

// ReadSnapshot reads a snapshot file; a missing file is (nil, nil).
func ReadSnapshot(path string) (*Snapshot, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &SnapshotError{File: path, Msg: err.Error()}
	}
	return ParseSnapshot(path, data)
}

// SnapshotMatches reports whether data is, comments aside, exactly what
// dbguard would write for live at version v: the common case of verify,
// answered without decoding YAML.
func SnapshotMatches(data []byte, live *Schema, v int) bool {
	for bytes.HasPrefix(data, []byte("#")) {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return false
		}
		data = data[i+1:]
	}
	if len(live.Tables) >= splitMatchTables && halvesMatch(data, live, v) {
		return true
	}
	m := &matcher{want: data}
	writeSnapshotBody(m, live, v)
	return !m.mismatch && len(m.want) == 0
}

// splitMatchTables is the size from which SnapshotMatches compares the
// two halves of the tables at once, on two cores: a 5,000-table snapshot
// (3.3 MB) took 30-45 ms of verify's wall time to compare, while the
// server had nothing to do (docs/performance.md, verify round 8).
const splitMatchTables = 1000

// halvesMatch reports whether data is exactly the body for live at
// version v, writing the first half of the tables in this goroutine and
// the second in another, against data cut where the second half's first
// table starts (its key line, as writeTables writes it). True only when
// the first half is exactly data's text up to the cut and the second
// exactly the rest, so exactly the body; false also when the cut is not
// where the body would put it (SnapshotMatches then compares in one go).
func halvesMatch(data []byte, live *Schema, v int) bool {
	keys := live.Keys()
	mid := len(keys) / 2
	i := bytes.Index(data, []byte("\n  "+yamlKey(keys[mid])+":\n"))
	if i < 0 {
		return false
	}
	second := make(chan bool, 1)
	go func() {
		m := &matcher{want: data[i+1:]}
		writeTables(m, live, keys[mid:])
		second <- !m.mismatch && len(m.want) == 0
	}()
	m := &matcher{want: data[:i+1]}
	m.WriteString("version: 1\nmigration_version: ")
	m.WriteString(strconv.Itoa(v))
	m.WriteString("\ntables:\n")
	writeTables(m, live, keys[:mid])
	first := !m.mismatch && len(m.want) == 0
	return <-second && first
}

// ParseSnapshot decodes snapshot text; path is used in errors.
func ParseSnapshot(path string, data []byte) (*Snapshot, error) {
	var f snapshotFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		e := &SnapshotError{File: path, Msg: err.Error()}
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = m[2]
		}
		return nil, e
	}
	if f.Version != 1 {
		return nil, &SnapshotError{File: path, Msg: fmt.Sprintf("snapshot format version %d is not supported (want 1)", f.Version)}
	}
	s := &Schema{Tables: map[string]*Table{}}
	for key, st := range f.Tables {
		t := &Table{Kind: st.Kind, Columns: map[string]*Column{}, PrimaryKey: st.PrimaryKey,
			Unique: orEmpty(st.Unique), ForeignKeys: orEmpty(st.ForeignKeys), Checks: orEmpty(st.Checks), Indexes: orEmpty(st.Indexes), Definition: st.Definition}
		if t.Kind == "" {
			t.Kind = "table"
		}
		t.Schema, t.Name = splitKey(key)
		for name, c := range st.Columns {
			t.Columns[name] = &Column{Type: c.Type, NotNull: c.NotNull, Default: c.Default, Identity: c.Identity, Generated: c.Generated}
		}
		s.Tables[key] = t
	}
	return &Snapshot{Schema: s, MigrationVersion: f.MigrationVersion}, nil
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func splitKey(key string) (schema, name string) {
	for i := 0; i < len(key); i++ {
		if key[i] == '.' {
			return key[:i], key[i+1:]
		}
	}
	return "public", key
}
