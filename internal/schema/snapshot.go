package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// snapshotFile is the YAML shape of dbguard.schema.yaml. Maps are written
// sorted by key, and each column on one line, so the file diffs well in
// review.
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

// MarshalYAML writes a column as a one-line flow mapping.
func (c snapshotColumn) MarshalYAML() (any, error) {
	type plain snapshotColumn
	var n yaml.Node
	if err := n.Encode(plain(c)); err != nil {
		return nil, err
	}
	n.Style = yaml.FlowStyle
	return &n, nil
}

// Snapshot is a schema as recorded in a snapshot file.
type Snapshot struct {
	Schema           *Schema
	MigrationVersion int
}

// WriteSnapshot writes s as a snapshot taken at migration version v; about
// names the database in the header comment (no credentials).
func WriteSnapshot(w io.Writer, s *Schema, v int, about string) error {
	f := snapshotFile{Version: 1, MigrationVersion: v, Tables: map[string]snapshotTable{}}
	for key, t := range s.Tables {
		st := snapshotTable{Columns: map[string]snapshotColumn{}, PrimaryKey: t.PrimaryKey,
			Unique: t.Unique, ForeignKeys: t.ForeignKeys, Checks: t.Checks, Indexes: t.Indexes, Definition: t.Definition}
		if t.Kind != "table" {
			st.Kind = t.Kind
		}
		for name, c := range t.Columns {
			st.Columns[name] = snapshotColumn(*c)
		}
		f.Tables[key] = st
	}
	fmt.Fprintf(w, "# The expected schema, written by `dbguard schema snapshot` from %s.\n", about)
	fmt.Fprintf(w, "# `dbguard verify` requires the live schema to match it exactly; after a\n# migration, take it again and commit it with the migration.\n")
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return err
	}
	return enc.Close()
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

var yamlLineRE = regexp.MustCompile(`line (\d+): (.*)`)

// ReadSnapshot reads a snapshot file; a missing file is (nil, nil).
func ReadSnapshot(path string) (*Snapshot, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &SnapshotError{File: path, Msg: err.Error()}
	}
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
			col := Column(c)
			t.Columns[name] = &col
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
