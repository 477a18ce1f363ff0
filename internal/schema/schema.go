// Package schema reads a live PostgreSQL schema from pg_catalog and
// compares it with what a project expects: hand-written expect: entries, a
// snapshot file, or a shadow database built from the migrations.
//
// Introspection is one batch of five catalog queries, whatever the number
// of tables: information_schema is orders of magnitude slower on large
// catalogs and hides objects the role may not see.
package schema

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Schema is the introspected state of some schemas of one database.
type Schema struct {
	Tables map[string]*Table // by Key
}

// Table is a table, view, materialized view or foreign table.
type Table struct {
	Schema      string
	Name        string
	Kind        string // table, partitioned table, view, materialized view, foreign table
	Columns     map[string]*Column
	Order       []string          // column names in attnum order
	PrimaryKey  string            // pg_get_constraintdef, "" for none
	Unique      map[string]string // constraint name -> definition
	ForeignKeys map[string]string
	Checks      map[string]string
	Indexes     map[string]string // index name -> pg_get_indexdef (not those backing constraints)
	Definition  string            // views: pg_get_viewdef
}

// Column is one column.
type Column struct {
	Type      string // format_type: "character varying(255)", "integer[]"
	NotNull   bool
	Default   string // pg_get_expr of the default, "" for none
	Identity  string // "always", "by default" or ""
	Generated string // the expression of a stored generated column
}

// Key names a table as dbguard shows it: "name" in the schema "public",
// else "schema.name". Names are shown as they are: user, not "user".
func Key(schema, name string) string {
	if schema == "public" {
		return name
	}
	return schema + "." + name
}

// Key is the table's key.
func (t *Table) Key() string { return Key(t.Schema, t.Name) }

// Options says what to introspect.
type Options struct {
	Schemas []string // default public
	// Exclude: the migration tables (golang-migrate's and dbguard's
	// ledger) in the schema that holds them.
	ExcludeSchema string
	ExcludeTables []string
}

var relkinds = map[string]string{"r": "table", "p": "partitioned table", "v": "view", "m": "materialized view", "f": "foreign table"}

// Querier is what Introspect needs: a *pgx.Conn.
type Querier interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Introspect reads the schema in one round trip.
func Introspect(ctx context.Context, q Querier, o Options) (*Schema, error) {
	schemas := o.Schemas
	if len(schemas) == 0 {
		schemas = []string{"public"}
	}
	rels := `
		SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = ANY($1) AND c.relkind IN ('r','p','v','m','f')
		  AND NOT (n.nspname = $2 AND c.relname = ANY($3))`
	b := &pgx.Batch{}
	b.Queue(`SELECT c.oid, n.nspname, c.relname, c.relkind::text,
		       CASE WHEN c.relkind IN ('v','m') THEN pg_get_viewdef(c.oid) ELSE '' END
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.oid IN (`+rels+`)`, schemas, o.ExcludeSchema, o.ExcludeTables)
	// No ORDER BY: on a large catalog the sort spills to disk; the
	// attnum order is restored below. A default cannot refer to a column,
	// so it is deparsed without its relation (pg_get_expr(adbin, 0)),
	// three to four times faster; only a generated column's expression
	// needs the relation for its column names.
	b.Queue(`SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
		       coalesce(CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, 0) ELSE pg_get_expr(d.adbin, d.adrelid) END, ''),
		       a.attidentity::text, a.attgenerated::text
		FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE a.attrelid IN (`+rels+`) AND a.attnum > 0 AND NOT a.attisdropped`, schemas, o.ExcludeSchema, o.ExcludeTables)
	b.Queue(`SELECT conrelid, conname, contype::text, pg_get_constraintdef(oid)
		FROM pg_constraint WHERE conrelid IN (`+rels+`) AND contype IN ('p','u','f','c','x')`, schemas, o.ExcludeSchema, o.ExcludeTables)
	b.Queue(`SELECT i.indrelid, ic.relname, pg_get_indexdef(i.indexrelid)
		FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
		WHERE i.indrelid IN (`+rels+`)
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p','u','x'))`,
		schemas, o.ExcludeSchema, o.ExcludeTables)
	br := q.SendBatch(ctx, b)
	defer br.Close()

	s := &Schema{Tables: map[string]*Table{}}
	byOID := map[uint32]*Table{}
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("reading the catalog: %w", err)
	}
	for rows.Next() {
		var oid uint32
		var kind string
		t := &Table{Columns: map[string]*Column{}, Unique: map[string]string{}, ForeignKeys: map[string]string{}, Checks: map[string]string{}, Indexes: map[string]string{}}
		if err := rows.Scan(&oid, &t.Schema, &t.Name, &kind, &t.Definition); err != nil {
			return nil, err
		}
		t.Kind = relkinds[kind]
		t.Definition = strings.TrimSpace(t.Definition)
		byOID[oid] = t
		s.Tables[t.Key()] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the catalog: %w", err)
	}
	rows, err = br.Query()
	if err != nil {
		return nil, fmt.Errorf("reading columns: %w", err)
	}
	attnum := map[*Column]int16{}
	for rows.Next() {
		var oid uint32
		var num int16
		var name, identity, generated string
		c := &Column{}
		if err := rows.Scan(&oid, &num, &name, &c.Type, &c.NotNull, &c.Default, &identity, &generated); err != nil {
			return nil, err
		}
		attnum[c] = num
		switch identity {
		case "a":
			c.Identity = "always"
		case "d":
			c.Identity = "by default"
		}
		if generated == "s" {
			c.Generated, c.Default = c.Default, ""
		}
		if t := byOID[oid]; t != nil {
			t.Columns[name] = c
			t.Order = append(t.Order, name)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading columns: %w", err)
	}
	for _, t := range s.Tables {
		sort.Slice(t.Order, func(i, j int) bool { return attnum[t.Columns[t.Order[i]]] < attnum[t.Columns[t.Order[j]]] })
	}
	rows, err = br.Query()
	if err != nil {
		return nil, fmt.Errorf("reading constraints: %w", err)
	}
	for rows.Next() {
		var oid uint32
		var name, typ, def string
		if err := rows.Scan(&oid, &name, &typ, &def); err != nil {
			return nil, err
		}
		t := byOID[oid]
		if t == nil {
			continue
		}
		switch typ {
		case "p":
			t.PrimaryKey = def
		case "u", "x":
			t.Unique[name] = def
		case "f":
			t.ForeignKeys[name] = def
		case "c":
			t.Checks[name] = def
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading constraints: %w", err)
	}
	rows, err = br.Query()
	if err != nil {
		return nil, fmt.Errorf("reading indexes: %w", err)
	}
	for rows.Next() {
		var oid uint32
		var name, def string
		if err := rows.Scan(&oid, &name, &def); err != nil {
			return nil, err
		}
		if t := byOID[oid]; t != nil {
			t.Indexes[name] = def
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading indexes: %w", err)
	}
	return s, br.Close()
}

// Keys returns the table keys, sorted.
func (s *Schema) Keys() []string {
	keys := make([]string, 0, len(s.Tables))
	for k := range s.Tables {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Spec describes a column the way dbguard writes it: the type, then
// "not null", the default, identity and generation.
func (c *Column) Spec() string {
	var b strings.Builder
	b.WriteString(c.Type)
	if c.NotNull {
		b.WriteString(" not null")
	}
	if c.Default != "" {
		b.WriteString(" default " + c.Default)
	}
	if c.Identity != "" {
		b.WriteString(" generated " + c.Identity + " as identity")
	}
	if c.Generated != "" {
		b.WriteString(" generated always as (" + c.Generated + ") stored")
	}
	return b.String()
}
