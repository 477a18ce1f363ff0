package envcheck

import "github.com/dbguard/dbguard/internal/dburl"

// Source is one value of a URL variable, judged: where it is defined, what
// the loaders that read it make of it, the database it names.
type Source struct {
	Var      string
	Def      Definition // Value is what the loaders read, expanded
	Dir      string     // the folder of the loaders that read it
	URL      *dburl.URL
	Endpoint dburl.Endpoint // pooled or direct, and the direct URL
	// ID is the database it names, after de-pooling, as the driver
	// completes it (PGHOST, PGDATABASE, a service file, libpq's defaults).
	ID       dburl.Identity
	InEffect bool // some loader reads it
	// Readers are the loaders that read it: "vite in backend/".
	Readers []string
	// Via are the variables its value was expanded from, with where each
	// came from: "POSTGRES_HOST from backend/.env:2".
	Via []string
	// Completed are the parts the driver fills in; CompletedFrom the host,
	// port and database among them, for people.
	Completed     []dburl.Completion
	CompletedFrom []string
	// Elsewhere is the database dbguard's own connection reaches with
	// URL, completed from dbguard's environment alone, when an env file's
	// PG* variables (which the application's loader exports) make ID
	// another: the commands that connect refuse it (guard.ElsewhereError).
	Elsewhere *dburl.Identity
	// db is its database's place in Report.Databases plus one, 0 for
	// none (groupDatabases).
	db int
}

// FromEnvironment reports whether the source is the process environment.
func (s *Source) FromEnvironment() bool { return s.Def.File == "" }

// Database is one distinct database among the definitions in effect.
type Database struct {
	ID      dburl.Identity
	Sources []*Source
	// Readers says which loaders, started where, read this database.
	Readers []string
	// readerIn is where each reader's " in " before its folder is (-1:
	// none): a folder may be named "x in y" (see conflictReaders).
	readerIn []int
}

// Warning is something that does not make the databases disagree but that a
// person should know. Under --strict every warning fails the check.
type Warning struct {
	Code     string `json:"code"`
	Location string `json:"location,omitempty"`
	Message  string `json:"message"`
}

// Report is everything Resolve found.
type Report struct {
	Root       string
	Mode       string
	URLVar     string
	DirectVars []string
	Files      []EnvFile
	Sources    []*Source // every URL-variable definition: environment first, then files
	// Databases are the distinct databases named by the env files in effect;
	// more than one is a conflict. EnvDatabases are those named by the
	// process environment's URL variables; more than one is a conflict too.
	Databases    []Database
	EnvDatabases []Database
	// Effective is the URL variable's definition in effect, nil if none.
	Effective *Source
	// Readings are what each loader, in each folder, reads.
	Readings []*LoaderReading
	// Migrate is the definition migrations use; MigrateURL its direct URL,
	// nil when the endpoint is pooled and no direct form is known.
	Migrate    *Source
	MigrateURL *dburl.URL
	Warnings   []Warning
	// Scope is the service folder judged (Options.Scope), "" for all.
	Scope string

	// warned holds the first nwarned of Warnings, for warn's dedup.
	warned map[Warning]struct{}
	// unknowable: where a variable is set to a value dbguard cannot know
	// (a command's output, a value dotenvx decrypts), with the hint that
	// judges it; the first only.
	unknowable map[string][2]string
	nwarned    int
}

// Where says where u, a judged URL or its direct form, was written:
// "DATABASE_URL at .env:3", "DATABASE_URL in the environment"; "" when it
// is none of the sources' (a URL of dbguard's making). It names the
// variable and the file:line, never the URL: the errors about what a
// connection string names say it.
func (r *Report) Where(u *dburl.URL) string {
	if r == nil || u == nil {
		return ""
	}
	for _, s := range r.Sources {
		if s.URL != u && s.Endpoint.Direct != u {
			continue
		}
		if s.FromEnvironment() {
			return s.Var + " in the environment"
		}
		return s.Var + " at " + s.Def.Location()
	}
	return ""
}

// Conflict reports whether more than one database is in effect.
func (r *Report) Conflict() bool { return len(r.Databases) > 1 || len(r.EnvDatabases) > 1 }
