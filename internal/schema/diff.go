package schema

import (
	"fmt"
	"sort"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// Difference is one way the live schema differs from what was expected.
// Its JSON shape is documented in the README.
type Difference struct {
	Source   string `json:"source"` // expect, snapshot, shadow, or the name of side B in schema diff
	Object   string `json:"object"` // user, user.password_hash, user index user_email_idx
	Kind     string `json:"kind"`   // missing, unexpected, changed
	Expected string `json:"expected,omitempty"`
	Actual   string `json:"actual,omitempty"`
	Message  string `json:"message"` // the line dbguard prints
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
}

// Side is one schema of a comparison and the name messages use for it:
// "snapshot", "shadow", "live database", or an env file in schema diff.
type Side struct {
	Name   string
	Schema *Schema
}

// Compare lists every difference between an expected schema and an actual
// one, exactly: missing, unexpected and changed tables, columns,
// constraints, indexes and view definitions.
func Compare(wantSide, gotSide Side) []Difference {
	var out []Difference
	source, want, got := wantSide.Name, wantSide.Schema, gotSide.Schema
	in := gotSide.Name
	add := func(object, kind, expected, actual, msg string) {
		out = append(out, Difference{Source: source, Object: object, Kind: kind, Expected: expected, Actual: actual, Message: object + ": " + msg})
	}
	for _, key := range union(want.Keys(), got.Keys()) {
		w, g := want.Tables[key], got.Tables[key]
		switch {
		case g == nil:
			add(key, "missing", w.Kind, "", fmt.Sprintf("%s missing in %s", w.Kind, in))
			continue
		case w == nil:
			add(key, "unexpected", "", g.Kind, fmt.Sprintf("%s not expected (not in %s)", g.Kind, source))
			continue
		case w.Kind != g.Kind:
			add(key, "changed", w.Kind, g.Kind, fmt.Sprintf("is a %s, expected a %s", g.Kind, w.Kind))
		}
		for _, name := range union(sortedKeys(w.Columns), sortedKeys(g.Columns)) {
			obj := key + "." + name
			wc, gc := w.Columns[name], g.Columns[name]
			switch {
			case gc == nil:
				add(obj, "missing", wc.Spec(), "", fmt.Sprintf("missing in %s (expected %s)", in, wc.Spec()))
			case wc == nil:
				add(obj, "unexpected", "", gc.Spec(), fmt.Sprintf("column not expected (not in %s): %s", source, gc.Spec()))
			default:
				for _, d := range columnDiffs(wc, gc) {
					add(obj, "changed", d[1], d[2], d[0])
				}
			}
		}
		compareDefs := func(what string, wm, gm map[string]string) {
			for _, name := range union(sortedKeys(wm), sortedKeys(gm)) {
				obj := key + " " + what
				if name != "" {
					obj += " " + name
				}
				wd, wok := wm[name]
				gd, gok := gm[name]
				switch {
				case !gok:
					add(obj, "missing", wd, "", fmt.Sprintf("missing in %s: %s", in, wd))
				case !wok:
					add(obj, "unexpected", "", gd, fmt.Sprintf("not expected (not in %s): %s", source, gd))
				case wd != gd:
					add(obj, "changed", wd, gd, fmt.Sprintf("is %s, expected %s", gd, wd))
				}
			}
		}
		pk := func(t *Table) map[string]string {
			if t.PrimaryKey == "" {
				return nil
			}
			return map[string]string{"": t.PrimaryKey}
		}
		compareDefs("primary key", pk(w), pk(g))
		compareDefs("unique", w.Unique, g.Unique)
		compareDefs("foreign key", w.ForeignKeys, g.ForeignKeys)
		compareDefs("check", w.Checks, g.Checks)
		compareDefs("index", w.Indexes, g.Indexes)
		if w.Definition != g.Definition {
			add(key, "changed", w.Definition, g.Definition, "view definition differs")
		}
	}
	return out
}

// columnDiffs returns [message, expected, actual] for each attribute of a
// column that differs.
func columnDiffs(w, g *Column) [][3]string {
	var out [][3]string
	if w.Type != g.Type {
		out = append(out, [3]string{fmt.Sprintf("type %s, expected %s", g.Type, w.Type), w.Type, g.Type})
	}
	if w.NotNull != g.NotNull {
		out = append(out, [3]string{fmt.Sprintf("%s, expected %s", nullText(g.NotNull), nullText(w.NotNull)), nullText(w.NotNull), nullText(g.NotNull)})
	}
	if w.Default != g.Default {
		out = append(out, [3]string{fmt.Sprintf("default %s, expected %s", orNone(g.Default), orNone(w.Default)), w.Default, g.Default})
	}
	if w.Identity != g.Identity {
		out = append(out, [3]string{fmt.Sprintf("identity %s, expected %s", orNone(g.Identity), orNone(w.Identity)), w.Identity, g.Identity})
	}
	if w.Generated != g.Generated {
		out = append(out, [3]string{fmt.Sprintf("generated as %s, expected %s", orNone(g.Generated), orNone(w.Generated)), w.Generated, g.Generated})
	}
	return out
}

func nullText(notNull bool) string {
	if notNull {
		return "not null"
	}
	return "nullable"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, list := range [][]string{a, b} {
		for _, k := range list {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// DiffError is schema diff's verdict: two databases' schemas differ.
type DiffError struct {
	Count int
	A, B  string // what was compared, for people (no passwords)
}

// ExitCode is 1: the two schemas differ.
func (e *DiffError) ExitCode() int { return exitcode.CheckFailed }

func (e *DiffError) Error() string {
	return fmt.Sprintf("%d schema difference(s) between %s and %s", e.Count, e.A, e.B)
}

// Hint names the next step: comparing two databases, the one behind is
// usually missing migrations. It names no command that needs one database
// in effect: schema diff is what people run while env files disagree.
func (e *DiffError) Hint() string {
	return "the database missing objects is usually behind on migrations: make every env file name the one you mean to keep (each definition: dbguard env), then run: dbguard migrate up"
}
