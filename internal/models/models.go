// Package models reads the columns an application's own models declare:
// SQLAlchemy and SQLModel metadata through the project's Python (Alembic's
// target_metadata, or a module:attribute in dbguard.yaml), Django's
// INSTALLED_APPS through manage.py's settings module, and Prisma's
// schema.prisma and Drizzle's pgTable definitions read by dbguard itself. verify compares the live schema
// with them as it compares expect: entries, a subset check, so each
// difference names the model's file:line.
package models

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pyshim"
	"github.com/dbguard/dbguard/internal/tool"
)

// RunPythonVar, set to 1, lets verify, ci and doctor import the models
// with the project's Python, as --read-models does. dbguard.yaml cannot:
// the repository under review must not decide to run its own code.
const RunPythonVar = "DBGUARD_READ_MODELS"

// Column is one column a model declares.
type Column struct {
	Name     string
	Type     string // as PostgreSQL would spell it in DDL; "" when unknown
	Nullable bool
	// NullUnknown: the source does not say (a Prisma list column).
	NullUnknown bool
	File        string // absolute
	Line        int
}

// Table is one model's table.
type Table struct {
	Schema  string // "" for the default schema
	Name    string
	File    string
	Line    int
	Columns []Column
}

// Set is what one source declares.
type Set struct {
	Source string // "sqlalchemy", "django", "prisma", "drizzle"
	From   string // where it was read, for messages
	Tables []Table
}

// Options says which sources to read.
type Options struct {
	Config *config.Config
	// RunPython allows importing the SQLAlchemy and Django models, on
	// the user's word (--read-models, DBGUARD_READ_MODELS=1).
	RunPython bool
	// RunAlembic allows importing the SQLAlchemy models only: migrate up
	// sets it when Alembic has just run the repository's env.py anyway.
	RunAlembic bool
	// AlembicRead is the reading Alembic's own process did of env.py's
	// target_metadata after the upgrade (AlembicAfter); when it read,
	// its answer stands for the separate reader's.
	AlembicRead *pyshim.After
	// URL is the guarded database, set in the URL variables for settings
	// modules that require one; the import still may not connect.
	URL *dburl.URL
	Log io.Writer
}

// Result is every source read, and notes on those not read.
type Result struct {
	Sets  []Set
	Notes []string
}

// read is what Read has read in this command: ci's schema check and its
// plan, and migrate up --plan's plan and its check after, read the same
// models with the same settings, and each Python reading is an interpreter
// start (0.5-0.7 s of CPU) importing the repository's code. Keyed by the
// command's configuration (one *config.Config per command), so a reading
// never answers another command.
var read struct {
	sync.Mutex
	done map[readKey]*Result
}

type readKey struct {
	cfg             *config.Config
	python, alembic bool
	url             string
	after           *pyshim.After
}

// Read reads every models source the project has. A source that is
// configured or found but cannot be read is an error naming it. Read again
// in the same command with the same options, it answers as it did.
func Read(ctx context.Context, o Options) (*Result, error) {
	k := readKey{cfg: o.Config, python: o.RunPython, alembic: o.RunAlembic, after: o.AlembicRead}
	if o.URL != nil {
		k.url = o.URL.String()
	}
	read.Lock()
	r, ok := read.done[k]
	read.Unlock()
	if ok {
		return &Result{Sets: slices.Clip(r.Sets), Notes: slices.Clip(r.Notes)}, nil
	}
	r, err := readAll(ctx, o)
	if err != nil {
		return nil, err
	}
	read.Lock()
	if read.done == nil {
		read.done = map[readKey]*Result{}
	}
	read.done[k] = r
	read.Unlock()
	return &Result{Sets: slices.Clip(r.Sets), Notes: slices.Clip(r.Notes)}, nil
}

func readAll(ctx context.Context, o Options) (*Result, error) {
	r := &Result{}
	cfg := o.Config
	if cfg.Models.SQLAlchemy != config.ModelsOff {
		if src := findSQLAlchemy(cfg); src != nil {
			if !o.RunPython && !o.RunAlembic {
				r.Notes = append(r.Notes, fmt.Sprintf("the SQLAlchemy models (%s) were not read: that imports the repository's Python; to compare them, pass --read-models or set %s=1", src.show(), RunPythonVar))
			} else {
				s, err := readSQLAlchemy(ctx, cfg, src, o.URL, o.AlembicRead)
				if err != nil {
					return nil, err
				}
				if s != nil {
					r.Sets = append(r.Sets, *s)
				}
			}
		}
	}
	if cfg.Models.Django != config.ModelsOff {
		if src := findDjango(cfg); src != nil {
			if !o.RunPython {
				r.Notes = append(r.Notes, fmt.Sprintf("the Django models (%s) were not read: that imports the repository's Python; to compare them, pass --read-models or set %s=1", src.show(), RunPythonVar))
			} else {
				s, err := readDjango(ctx, cfg, src, o.URL)
				if err != nil {
					return nil, err
				}
				r.Sets = append(r.Sets, *s)
			}
		}
	}
	if cfg.Models.Drizzle != config.ModelsOff {
		src, err := findDrizzle(cfg)
		if err != nil {
			return nil, err
		}
		if src != nil {
			s, err := ReadDrizzle(cfg.Root, src.files, src.casing)
			if err != nil {
				return nil, err
			}
			s.From = src.show()
			r.Sets = append(r.Sets, *s)
		}
	}
	if cfg.Models.Prisma != config.ModelsOff {
		if p := findPrisma(cfg); p != "" {
			s, err := ReadPrisma(cfg.Root, p)
			if err != nil {
				return nil, err
			}
			r.Sets = append(r.Sets, *s)
		}
	}
	return r, nil
}

// Expect is the sets as expect: entries, for schema.CheckModels. A type
// the check cannot parse is presence only.
func (r *Result) Expect() []config.ExpectTable {
	var out []config.ExpectTable
	for _, s := range r.Sets {
		for _, t := range s.Tables {
			et := config.ExpectTable{Schema: t.Schema, Name: t.Name, Line: t.Line, File: output.RelPath(t.File)}
			for _, c := range t.Columns {
				ec := config.ExpectColumn{Name: c.Name, Line: c.Line, File: output.RelPath(c.File)}
				if c.Type != "" {
					text := c.Type + " not null"
					switch {
					case c.NullUnknown:
						text = c.Type
					case c.Nullable:
						text = c.Type + " null"
					}
					if spec, err := config.ParseTypeSpec(text); err == nil && !spec.Serial {
						ec.Spec = spec
					}
				}
				et.Columns = append(et.Columns, ec)
			}
			out = append(out, et)
		}
	}
	return out
}

// Sources names the sets read, for the report.
func (r *Result) Sources() []string {
	var out []string
	for _, s := range r.Sets {
		out = append(out, s.Source+" models ("+s.From+")")
	}
	return out
}

// sqlaSource is where the SQLAlchemy metadata comes from.
type sqlaSource struct {
	mode string // alembic or attr
	what string // env.py's path or module:attribute
	dir  string // the folder first on sys.path and the working directory
}

func (s *sqlaSource) show() string {
	if s.mode == "alembic" {
		return "target_metadata in " + output.RelPath(s.what)
	}
	return s.what + " in dbguard.yaml"
}

// findSQLAlchemy is models.sqlalchemy, else Alembic's env.py when the
// migrations run with Alembic; nil when there is neither.
func findSQLAlchemy(cfg *config.Config) *sqlaSource {
	p, err := tool.Resolve(cfg)
	if m := cfg.Models.SQLAlchemy; m != "" {
		dir := cfg.Workdir()
		if err == nil && p.Kind == tool.Alembic {
			dir = p.Workdir
		}
		return &sqlaSource{mode: "attr", what: m, dir: dir}
	}
	if err != nil || p.Kind != tool.Alembic {
		return nil
	}
	env := filepath.Join(filepath.Dir(p.Dir), "env.py")
	if _, err := os.Stat(env); err != nil {
		return nil
	}
	return &sqlaSource{mode: "alembic", what: env, dir: p.Workdir}
}

// findPrisma is models.prisma, else the schema Prisma's CLI reads where
// the Prisma project is (tool.SchemaPath: package.json's prisma.schema,
// prisma/schema.prisma, the prisma/schema folder, schema.prisma): the
// models are the ones the guard's datasource was read from.
func findPrisma(cfg *config.Config) string {
	if f := cfg.Models.Prisma; f != "" {
		return filepath.Join(cfg.Root, filepath.FromSlash(f))
	}
	dirs := []string{cfg.Workdir()}
	if p, err := tool.Resolve(cfg); err == nil && p.Kind == tool.Prisma {
		dirs = append([]string{p.Workdir}, dirs...)
	}
	for _, d := range dirs {
		if p := tool.SchemaPath(cfg.Root, d); p != "" {
			return p
		}
	}
	return ""
}
