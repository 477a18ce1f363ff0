package envcheck

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/output"
)

// JSONReport is the stable shape of `dbguard env --format json`, documented
// in the README. Every URL in it is redacted. Fields are only ever added.
type JSONReport struct {
	Version       int              `json:"version"`
	Verdict       string           `json:"verdict"` // ok, conflict, none, warnings
	Root          string           `json:"root"`
	Mode          string           `json:"mode"`
	URLVar        string           `json:"url_var"`
	DirectURLVars []string         `json:"direct_url_vars"`
	Files         []EnvFile        `json:"files"`
	Definitions   []JSONDefinition `json:"definitions"`
	Databases     []JSONDatabase   `json:"databases"`
	EnvDatabases  []JSONDatabase   `json:"environment_databases"`
	Effective     *JSONDefinition  `json:"effective"`
	Migrate       *JSONMigrate     `json:"migrate"`
	Warnings      []Warning        `json:"warnings"`
	Loaders       []JSONLoader     `json:"loaders"`
}

// JSONLoader is what one loader, run in one folder, reads.
type JSONLoader struct {
	Loader string   `json:"loader"`
	Call   string   `json:"call"`
	Dir    string   `json:"dir"`
	Caller string   `json:"caller,omitempty"`
	InUse  bool     `json:"in_use"` // configured or detected, not assumed
	Why    string   `json:"why"`
	Files  []string `json:"files"`
	// Reads are the URL variables it reads, as definitions.
	Reads map[string]JSONDefinition `json:"reads"`
	// Empty are the URL variables it reads as empty, with where from.
	Empty map[string]string `json:"empty,omitempty"`
	Error string            `json:"error,omitempty"`
}

// JSONDefinition is one definition of a URL variable.
type JSONDefinition struct {
	Var       string         `json:"var"`
	Source    string         `json:"source"` // "file" or "environment"
	File      string         `json:"file,omitempty"`
	Line      int            `json:"line,omitempty"`
	Location  string         `json:"location"`
	URL       string         `json:"url"`
	Kind      dburl.Kind     `json:"kind"`
	Provider  string         `json:"provider,omitempty"`
	Reason    string         `json:"reason,omitempty"`
	DirectURL string         `json:"direct_url,omitempty"`
	Database  dburl.Identity `json:"database"`
	InEffect  bool           `json:"in_effect"`
	// ReadBy are the loaders that read it ("vite in backend/"); Via the
	// variables it was expanded from; Completed what the driver fills in.
	ReadBy    []string           `json:"read_by"`
	Via       []string           `json:"via,omitempty"`
	Completed []dburl.Completion `json:"completed,omitempty"`
}

// JSONDatabase is one distinct database and who names it.
type JSONDatabase struct {
	Database    dburl.Identity `json:"database"`
	Definitions []string       `json:"definitions"` // locations
	ReadBy      []string       `json:"read_by"`
}

// JSONMigrate is the URL migrations would use.
type JSONMigrate struct {
	Location  string `json:"location"`
	Var       string `json:"var"`
	URL       string `json:"url"`
	Rewritten bool   `json:"rewritten"`
}

// Verdict names the outcome of [Report.Err] in one word.
func Verdict(err error) string {
	var conflict *ConflictError
	var none *NoURLError
	var strict *StrictError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &conflict):
		return "conflict"
	case errors.As(err, &none):
		return "none"
	case errors.As(err, &strict):
		return "warnings"
	}
	return "error"
}

func jsonDef(s *Source) JSONDefinition {
	d := JSONDefinition{
		Var: s.Var, Source: "file", File: s.Def.File, Line: s.Def.Line, Location: s.Def.Location(),
		URL: s.URL.Redacted(), Kind: s.Endpoint.Kind, Provider: s.Endpoint.Provider, Reason: s.Endpoint.Reason,
		Database: s.ID, InEffect: s.InEffect,
		ReadBy: append([]string{}, s.Readers...), Via: s.Via, Completed: s.Completed,
	}
	if s.FromEnvironment() {
		d.Source = "environment"
	}
	if s.Endpoint.Direct != nil && s.Endpoint.Rewritten() {
		d.DirectURL = s.Endpoint.Direct.Redacted()
	}
	return d
}

func jsonDBs(dbs []Database) []JSONDatabase {
	out := []JSONDatabase{}
	for _, db := range dbs {
		j := JSONDatabase{Database: db.ID, Definitions: []string{}, ReadBy: append([]string{}, db.Readers...)}
		for _, s := range db.Sources {
			j.Definitions = append(j.Definitions, s.Def.Location())
		}
		out = append(out, j)
	}
	return out
}

// JSON returns the report in its stable JSON shape; verdict is [Report.Err].
func (r *Report) JSON(verdict error) JSONReport {
	j := JSONReport{
		Version: 1, Verdict: Verdict(verdict), Root: r.Root, Mode: r.Mode, URLVar: r.URLVar,
		DirectURLVars: append([]string{}, r.DirectVars...), Files: append([]EnvFile{}, r.Files...),
		Definitions: []JSONDefinition{}, Databases: jsonDBs(r.Databases), EnvDatabases: jsonDBs(r.EnvDatabases),
		Warnings: append([]Warning{}, r.Warnings...),
	}
	for _, s := range r.Sources {
		j.Definitions = append(j.Definitions, jsonDef(s))
	}
	if r.Effective != nil {
		d := jsonDef(r.Effective)
		j.Effective = &d
	}
	j.Loaders = []JSONLoader{}
	for _, lr := range r.Readings {
		jl := JSONLoader{Loader: lr.Loader, Call: lr.Call, Dir: lr.Dir, InUse: lr.InUse, Why: lr.Why,
			Files: append([]string{}, lr.Files...), Reads: map[string]JSONDefinition{}, Empty: lr.Empty}
		if lr.Caller != lr.Dir {
			jl.Caller = lr.Caller
		}
		for v, s := range lr.Reads {
			jl.Reads[v] = jsonDef(s)
		}
		if lr.Err != nil {
			jl.Error = lr.Err.Error()
		}
		j.Loaders = append(j.Loaders, jl)
	}
	if r.MigrateURL != nil {
		j.Migrate = &JSONMigrate{Location: r.Migrate.Def.Location(), Var: r.Migrate.Var, URL: r.MigrateURL.Redacted(), Rewritten: r.Migrate.Endpoint.Rewritten()}
	}
	return j
}

func describeKind(ep dburl.Endpoint) string {
	switch {
	case ep.Kind == dburl.Direct:
		return "direct"
	case ep.Provider != "":
		return fmt.Sprintf("%s (%s)", ep.Kind, ep.Provider)
	}
	return string(ep.Kind)
}

// WriteText writes the report for a person. verdict is [Report.Err].
func (r *Report) WriteText(w io.Writer, verdict error) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s in %s (mode %s)\n", r.URLVar, filepath.Join(r.Root, filepath.FromSlash(scopeDir(r.Scope))), r.Mode)

	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nenv files\n")
	if len(r.Files) == 0 {
		fmt.Fprintf(tw, "  (none found)\n")
	}
	for _, f := range r.Files {
		status := map[Status]string{
			InEffect:  "loaded",
			Template:  "template, never loaded",
			OtherMode: "mode " + f.Mode + ", not loaded",
			TestLocal: "not loaded in mode test",
			NotRead:   "not read by the loaders in use",
		}[f.Status]
		fmt.Fprintf(tw, "  %s\t%s\n", output.Escape(f.Path), status)
	}
	fmt.Fprintf(tw, "\ndefinitions\n")
	if len(r.Sources) == 0 {
		fmt.Fprintf(tw, "  (none)\n")
	}
	for _, s := range r.Sources {
		note := ""
		if !s.InEffect {
			note = "  (shadowed)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s%s\n", s.Def.Location(), s.Var, describeKind(s.Endpoint), s.URL.Redacted(), note)
	}
	r.writeLoaders(tw)
	if err := tw.Flush(); err != nil {
		return err
	}

	for _, set := range []struct {
		what string
		dbs  []Database
	}{{"env files", r.Databases}, {"process environment", r.EnvDatabases}} {
		if len(set.dbs) < 2 {
			continue
		}
		what := set.what
		if set.what == "env files" && len(r.EnvDatabases) > 0 {
			what = "env files and the process environment"
		}
		fmt.Fprintf(&b, "\nconflict: the %s name %d databases\n", what, len(set.dbs))
		for i, db := range set.dbs {
			fmt.Fprintf(&b, "  %d) %s\n", i+1, db.ID)
			for _, s := range db.Sources {
				fmt.Fprintf(&b, "       %s %s = %s\n", s.Def.Location(), s.Var, s.URL.Redacted())
				for _, v := range s.Via {
					fmt.Fprintf(&b, "         via %s\n", v)
				}
				for _, c := range s.CompletedFrom {
					fmt.Fprintf(&b, "         the driver adds %s\n", c)
				}
			}
			for _, reader := range db.Readers {
				fmt.Fprintf(&b, "       read by %s\n", reader)
			}
		}
	}

	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	if r.Effective != nil && !r.Conflict() {
		note := ""
		if len(r.Effective.CompletedFrom) > 0 {
			note = "; the driver adds " + strings.Join(r.Effective.CompletedFrom, ", ")
		}
		fmt.Fprintf(tw, "database\t%s\t(%s%s)\n", r.Effective.ID, r.Effective.Def.Location(), note)
		switch {
		case r.MigrateURL == nil:
			fmt.Fprintf(tw, "migrations use\tunknown: %s is pooled and has no known direct URL\n", r.URLVar)
		case r.Migrate.Endpoint.Rewritten():
			fmt.Fprintf(tw, "migrations use\t%s\t(%s %s, rewritten from pooled: %s)\n", r.MigrateURL.Redacted(), r.Migrate.Def.Location(), r.Migrate.Var, r.Migrate.Endpoint.Provider)
		default:
			fmt.Fprintf(tw, "migrations use\t%s\t(%s %s, direct)\n", r.MigrateURL.Redacted(), r.Migrate.Def.Location(), r.Migrate.Var)
		}
	}
	fmt.Fprintf(tw, "verdict\t%s\n", verdictLine(r, verdict))
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func verdictLine(r *Report, verdict error) string {
	switch Verdict(verdict) {
	case "ok":
		if len(r.Warnings) > 0 {
			return fmt.Sprintf("ok: one database in effect (%d warning(s))", len(r.Warnings))
		}
		return "ok: one database in effect"
	case "warnings":
		return fmt.Sprintf("failed: one database in effect, but %d warning(s) under --strict", len(r.Warnings))
	}
	return "failed: " + verdict.Error()
}

// writeLoaders lists which value of the URL variable each loader reads,
// loaders reading the same thing in one folder on one line: the heart of
// the verdict. Where many folders read alike (a monorepo), they share one
// line naming the first and how many more.
func (r *Report) writeLoaders(tw io.Writer) {
	fmt.Fprintf(tw, "\nloaders (mode %s)\n", r.Mode)
	type row struct {
		what, db, why string
		lrs           []*LoaderReading
	}
	var rows []*row
	byKey := map[[4]string]*row{}
	for _, lr := range r.Readings {
		if len(lr.Files) == 0 && lr.Err == nil && !lr.configured && lr.Reads[r.URLVar] == nil {
			continue // nothing there for it to read
		}
		what, db := "no "+r.URLVar, ""
		switch s := lr.Reads[r.URLVar]; {
		case s != nil:
			what, db = s.Def.Location(), s.ID.String()
		case lr.Err != nil:
			what = "cannot read " + errLocation(lr.Err)
		case lr.Empty[r.URLVar] != "":
			what = "empty at " + lr.Empty[r.URLVar]
		case slices.Contains(lr.unusable, r.URLVar):
			what = "an unusable " + r.URLVar
		}
		k := [4]string{what, db, lr.Why, lr.Dir}
		found := byKey[k]
		if found == nil {
			found = &row{what: what, db: db, why: lr.Why}
			rows = append(rows, found)
			byKey[k] = found
		}
		found.lrs = append(found.lrs, lr)
	}
	// Folders whose rows say the same but for the folder share a line.
	type rowShape struct{ loaders, db, why, what string }
	var shapes []rowShape
	groups := map[rowShape][]*row{}
	for _, x := range rows {
		loaders := x.lrs[0].Loader
		for _, lr := range x.lrs[1:] {
			loaders += "," + lr.Loader
		}
		shape := rowShape{loaders, x.db, x.why, strings.TrimPrefix(x.what, x.lrs[0].Dir+"/")}
		if _, ok := groups[shape]; !ok {
			shapes = append(shapes, shape)
		}
		groups[shape] = append(groups[shape], x)
	}
	for _, shape := range shapes {
		g := groups[shape]
		if len(g) <= 3 {
			for _, x := range g {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t(%s)\n", labels(x.lrs), x.what, x.db, x.why)
			}
			continue
		}
		x := g[0]
		fmt.Fprintf(tw, "  %s and %d more folders alike\t%s and %d more\t%s\t(%s)\n", labels(x.lrs), len(g)-1, x.what, len(g)-1, x.db, x.why)
	}
	if len(rows) == 0 {
		fmt.Fprintf(tw, "  (none reads a file)\n")
	}
}
