package schema

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/output"
)

// ExpectError is an expect: entry the server cannot make sense of, such as
// an unknown type. It names the dbguard.yaml line.
type ExpectError struct{ output.At }

// Hint names the next step.
func (e *ExpectError) Hint() string {
	return "fix the expect: entry (a PostgreSQL type name such as varchar(255), integer, timestamptz, text[]), then run: dbguard verify"
}

// Conn is what the expect check needs: a *pgx.Conn.
type Conn interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type canonical struct {
	oid      uint32
	name     string // format_type(oid, NULL)
	typmodin string // schema.function of the type's modifier input function, "-" for none
}

// Canonicalize lets the server spell each spec's type as format_type
// would, so that varchar(255), character varying(255) and a domain named
// by its search_path name all compare equal to what introspection reads.
// It returns the canonical type per spec, in one round trip (two with
// modifiers).
func Canonicalize(ctx context.Context, conn Conn, file string, tables []config.ExpectTable) (map[*config.TypeSpec]string, error) {
	return canonicalize(ctx, conn, file, tables, false)
}

// CanonicalizeModels is Canonicalize for types read from models: a type
// the server does not know (an enum no migration created) is left out of
// the map, for CheckModels to report, rather than an error.
func CanonicalizeModels(ctx context.Context, conn Conn, tables []config.ExpectTable) (map[*config.TypeSpec]string, error) {
	return canonicalize(ctx, conn, "", tables, true)
}

func canonicalize(ctx context.Context, conn Conn, file string, tables []config.ExpectTable, lenient bool) (map[*config.TypeSpec]string, error) {
	var specs []*config.TypeSpec
	lines := map[*config.TypeSpec]int{}
	bases := map[string]bool{}
	var baseList []string
	for _, t := range tables {
		for _, c := range t.Columns {
			if c.Spec == nil {
				continue
			}
			specs = append(specs, c.Spec)
			lines[c.Spec] = c.Line
			if !bases[c.Spec.Base] {
				bases[c.Spec.Base] = true
				baseList = append(baseList, c.Spec.Base)
			}
		}
	}
	out := map[*config.TypeSpec]string{}
	if len(specs) == 0 {
		return out, nil
	}
	// The spec's own name is resolved by the session's search_path, as
	// the application's would be; every name of dbguard's is pg_catalog's
	// (the shadow's session ran the migrations: see Introspect), and the
	// modifier function is named by its schema, not by regproc's text.
	rows, err := conn.Query(ctx, `SELECT b, coalesce(t.oid, 0::pg_catalog.oid), coalesce(pg_catalog.format_type(t.oid, NULL), ''),
		       coalesce((SELECT pg_catalog.quote_ident(pn.nspname) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(pp.proname)
		                 FROM pg_catalog.pg_proc pp JOIN pg_catalog.pg_namespace pn ON pn.oid OPERATOR(pg_catalog.=) pp.pronamespace
		                 WHERE pp.oid OPERATOR(pg_catalog.=) t.typmodin), '-')
		FROM pg_catalog.unnest($1::pg_catalog.text[]) b LEFT JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) pg_catalog.to_regtype(b)`, baseList)
	if err != nil {
		return nil, fmt.Errorf("resolving expected types: %w", err)
	}
	found := map[string]canonical{}
	for rows.Next() {
		var base string
		var c canonical
		if err := rows.Scan(&base, &c.oid, &c.name, &c.typmodin); err != nil {
			rows.Close()
			return nil, fmt.Errorf("resolving expected types: %w", err)
		}
		found[base] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("resolving expected types: %w", err)
	}
	var withMods []*config.TypeSpec
	for _, s := range specs {
		c := found[s.Base]
		if c.oid == 0 && lenient {
			continue
		}
		if c.oid == 0 {
			return nil, &ExpectError{output.At{File: file, Line: lines[s], Msg: fmt.Sprintf("expect: type %q does not exist in the database (check the spelling, or create the enum/domain in a migration)", s.Base)}}
		}
		if len(s.Mods) > 0 {
			if c.typmodin == "-" && lenient {
				continue
			}
			if c.typmodin == "-" {
				return nil, &ExpectError{output.At{File: file, Line: lines[s], Msg: fmt.Sprintf("expect: type %s takes no modifiers, got (%s)", c.name, strings.Join(s.Mods, ","))}}
			}
			withMods = append(withMods, s)
			continue
		}
		out[s] = c.name + strings.Repeat("[]", s.Dims)
	}
	if len(withMods) > 1 && canonicalizeMods(ctx, conn, withMods, found, out) {
		return out, nil
	}
	for _, s := range withMods {
		c := found[s.Base]
		// typmodin is schema.function, quoted by the server.
		var name string
		err := conn.QueryRow(ctx, fmt.Sprintf("SELECT pg_catalog.format_type($1::pg_catalog.oid, %s($2::pg_catalog.cstring[]))", c.typmodin), c.oid, s.Mods).Scan(&name)
		if err != nil && lenient {
			continue
		}
		if err != nil {
			return nil, &ExpectError{output.At{File: file, Line: lines[s], Msg: fmt.Sprintf("expect: %s: %v", s.Text, serverMessage(err))}}
		}
		out[s] = name + strings.Repeat("[]", s.Dims)
	}
	return out, nil
}

// canonicalizeMods spells every type with modifiers in one round trip:
// one query per modifier function (varchar's, numeric's, ...) over the
// distinct (type, modifiers) pairs, in one batch, rather than one query
// per column (600 round trips for a 200-model project). False when any
// fails: the caller then asks per spec, for the error and its line.
func canonicalizeMods(ctx context.Context, conn Conn, specs []*config.TypeSpec, found map[string]canonical, out map[*config.TypeSpec]string) bool {
	type pair struct {
		oid  uint32
		mods string // a cstring[] literal
	}
	bq, ok := conn.(interface {
		SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	})
	if !ok {
		return false
	}
	byFn := map[string][]pair{}
	seen := map[pair]bool{}
	var fns []string
	for _, s := range specs {
		c := found[s.Base]
		p := pair{c.oid, arrayLiteral(s.Mods)}
		if seen[p] {
			continue
		}
		seen[p] = true
		if byFn[c.typmodin] == nil {
			fns = append(fns, c.typmodin)
		}
		byFn[c.typmodin] = append(byFn[c.typmodin], p)
	}
	b := &pgx.Batch{}
	for _, fn := range fns {
		var oids []uint32
		var mods []string
		for _, p := range byFn[fn] {
			oids, mods = append(oids, p.oid), append(mods, p.mods)
		}
		// typmodin is schema.function, quoted by the server.
		b.Queue(fmt.Sprintf("SELECT o, m, pg_catalog.format_type(o, %s(m::pg_catalog.cstring[])) FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.oid[]), pg_catalog.unnest($2::pg_catalog.text[])) AS u(o, m)", fn), oids, mods)
	}
	names := map[pair]string{}
	res := bq.SendBatch(ctx, b)
	for range fns {
		rows, err := res.Query()
		if err != nil {
			res.Close()
			return false
		}
		for rows.Next() {
			var p pair
			var name string
			if err := rows.Scan(&p.oid, &p.mods, &name); err != nil {
				rows.Close()
				res.Close()
				return false
			}
			names[p] = name
		}
		if rows.Err() != nil {
			res.Close()
			return false
		}
	}
	if res.Close() != nil {
		return false
	}
	for _, s := range specs {
		name, ok := names[pair{found[s.Base].oid, arrayLiteral(s.Mods)}]
		if !ok {
			return false
		}
		out[s] = name + strings.Repeat("[]", s.Dims)
	}
	return true
}

// arrayLiteral is mods as a PostgreSQL array literal, each quoted.
func arrayLiteral(mods []string) string {
	q := make([]string, len(mods))
	for i, m := range mods {
		q[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(m) + `"`
	}
	return "{" + strings.Join(q, ",") + "}"
}

func serverMessage(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "ERROR: ")
	return msg
}

// CheckExpect compares the live schema with expect: entries: a subset
// check, so other tables and columns may exist. defaultSchema is where a
// table named without a schema lives.
func CheckExpect(file string, tables []config.ExpectTable, types map[*config.TypeSpec]string, defaultSchema string, live *Schema) []Difference {
	return checkSubset("expect", file, tables, types, defaultSchema, live)
}

// CheckModels is CheckExpect for the columns the application's models
// declare (tables from CanonicalizeModels): each difference names the
// model's file:line.
func CheckModels(tables []config.ExpectTable, types map[*config.TypeSpec]string, defaultSchema string, live *Schema) []Difference {
	return checkSubset("models", "", tables, types, defaultSchema, live)
}

func checkSubset(source, file string, tables []config.ExpectTable, types map[*config.TypeSpec]string, defaultSchema string, live *Schema) []Difference {
	var out []Difference
	at := func(f string, line int) string {
		if f == "" {
			f = file
		}
		return fmt.Sprintf("%s:%d", f, line)
	}
	add := func(object, kind, expected, actual, f string, line int, msg string) {
		if f == "" {
			f = file
		}
		if source == "models" {
			msg += " (model " + at(f, line) + ")"
		}
		out = append(out, Difference{Source: source, Object: object, Kind: kind, Expected: expected, Actual: actual, File: f, Line: line, Message: object + ": " + msg})
	}
	for _, et := range tables {
		schema := et.Schema
		if schema == "" {
			schema = defaultSchema
		}
		key := Key(schema, et.Name)
		t := live.Tables[key]
		if t == nil {
			if source == "models" {
				add(key, "missing", "table", "", et.File, et.Line, "table missing in live database")
			} else {
				add(key, "missing", "table", "", et.File, et.Line, fmt.Sprintf("table missing in live database (expected by %s)", at(et.File, et.Line)))
			}
			continue
		}
		for _, ec := range et.Columns {
			obj := key + "." + ec.Name
			want := "a column"
			if ec.Spec != nil && types[ec.Spec] == "" {
				// A model's type the server does not know.
				want = ec.Spec.Text
			} else if ec.Spec != nil {
				want = describeSpec(ec.Spec, types[ec.Spec])
			}
			c := t.Columns[ec.Name]
			if c == nil {
				add(obj, "missing", want, "", ec.File, ec.Line, fmt.Sprintf("missing in live database (expected %s)", want))
				continue
			}
			if ec.Spec == nil {
				continue
			}
			if wt := types[ec.Spec]; wt == "" {
				add(obj, "changed", ec.Spec.Base, c.Type, ec.File, ec.Line, fmt.Sprintf("type %s, expected %s, a type the database does not have", c.Type, ec.Spec.Base))
			} else if wt != c.Type {
				add(obj, "changed", wt, c.Type, ec.File, ec.Line, fmt.Sprintf("type %s, expected %s", c.Type, wt))
			}
			notNull := ec.Spec.Serial || (ec.Spec.Nullable != nil && !*ec.Spec.Nullable)
			if (ec.Spec.Nullable != nil || ec.Spec.Serial) && notNull != c.NotNull {
				add(obj, "changed", nullText(notNull), nullText(c.NotNull), ec.File, ec.Line, fmt.Sprintf("%s, expected %s", nullText(c.NotNull), nullText(notNull)))
			}
			if ec.Spec.Serial && !strings.HasPrefix(c.Default, "nextval(") && c.Identity == "" {
				add(obj, "changed", "default nextval(...)", orNone(c.Default), ec.File, ec.Line, fmt.Sprintf("default %s, expected a sequence (serial)", orNone(c.Default)))
			}
		}
	}
	return out
}

func describeSpec(s *config.TypeSpec, canonicalType string) string {
	switch {
	case s.Serial:
		return canonicalType + " not null default nextval(...)"
	case s.Nullable == nil:
		return canonicalType
	case *s.Nullable:
		return canonicalType + " null"
	}
	return canonicalType + " not null"
}
