package envcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// ConflictError is returned by [Report.Err] when the databases disagree.
type ConflictError struct {
	Var   string
	Count int
	// Who says, per database, where it is defined and which loaders read
	// it: "backend/.env:1 (python-dotenv in backend/)".
	Who []string
	// Files are two env files naming different databases, for schema diff.
	Files []string
}

// ExitCode is 1: more than one database is in effect.
func (e *ConflictError) ExitCode() int { return exitcode.CheckFailed }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("conflict: %s names %d different databases", e.Var, e.Count)
}

// Hint names the next step.
func (e *ConflictError) Hint() string {
	h := ""
	if len(e.Who) > 0 {
		h = strings.Join(e.Who, "; ") + "; "
	}
	if len(e.Files) == 2 {
		h += "see how their schemas differ with: dbguard schema diff " + e.Files[0] + " " + e.Files[1] + "; "
	}
	return h + "make every env file name one database (or delete the stale ones); then run: dbguard env"
}

// conflictReaders says, per database in conflict, where the programs that
// read it start and its first definition: which file the migration tool
// reads and which the app, as "what runs in backend/ reads backend/.env:1".
func (r *Report) conflictReaders() []string {
	dbs := r.Databases
	if len(r.EnvDatabases) > len(dbs) {
		dbs = r.EnvDatabases
	}
	var out []string
	for _, d := range dbs {
		if len(d.Sources) == 0 {
			continue
		}
		var places, services, scripts []string
		for k, rd := range d.Readers {
			// Where the folder starts, as labelList wrote it: the last
			// " in " is inside a folder named "x in y".
			i := strings.LastIndex(rd, " in ")
			if k < len(d.readerIn) {
				i = d.readerIn[k]
			}
			switch {
			case strings.HasPrefix(rd, "npm run ") || strings.HasPrefix(rd, "load_dotenv() at "):
				scripts = append(scripts, rd) // a script or a call in the code: name it
			case i >= 0 && strings.HasPrefix(rd, "compose service "):
				services = append(services, rd[:i]) // a container, not a folder
			case i >= 0 && !slices.Contains(places, rd[i+4:]):
				places = append(places, rd[i+4:])
			}
		}
		w := d.Sources[0].Def.Location()
		if len(places) > 3 {
			places = append(places[:2], fmt.Sprintf("%d more folders", len(places)-2))
		}
		if len(places) > 0 {
			scripts = append([]string{"what runs in " + strings.Join(places, " or ")}, scripts...)
		}
		switch {
		case len(scripts) > 0:
			w = strings.Join(scripts, " or ") + " reads " + w
		case len(services) > 0:
			w = strings.Join(services, " and ") + " reads " + w
		}
		out = append(out, w)
	}
	return out
}

// conflictFiles names two env files that define different databases, when
// the conflict is between files (schema diff reads each file's URL).
func (r *Report) conflictFiles() []string {
	// Only an env file is one schema diff reads: not a compose file's
	// environment: entry, a package.json script's NAME=value or a Python
	// default.
	envFile := make(map[string]bool, len(r.Files))
	for _, f := range r.Files {
		envFile[f.Path] = true
	}
	// Two different files: schema diff takes one database from each, so
	// both databases in one .env (.env:1 and .env:2) have no diff to name.
	var out []string
	for _, d := range r.Databases {
		for _, s := range d.Sources {
			if envFile[s.Def.File] && !slices.Contains(out, s.Def.File) && !strings.ContainsAny(s.Def.File, " \t'\"$`;&|<>()*?[]{}") && !isYAML(s.Def.File) {
				out = append(out, s.Def.File)
				break
			}
		}
		if len(out) == 2 {
			return out
		}
	}
	return nil
}

// NoURLError means no loader reads a value for the URL variable.
type NoURLError struct {
	Var, Root, Mode string
	// Empty is where it is set, but empty, when it is.
	Empty string
	// Container names the compose service that receives it when only
	// containers do: dbguard connects from the host.
	Container string
	// Unknowable is where it is set to a value dbguard cannot know (a
	// command's output, a value dotenvx decrypts), and UnknowableHint the
	// command that judges it.
	Unknowable, UnknowableHint string
}

func (e *NoURLError) Error() string {
	if e.Empty != "" {
		return fmt.Sprintf("%s is set but empty (%s), and no loader reads another value for it (mode %s)", e.Var, e.Empty, e.Mode)
	}
	if e.Unknowable != "" {
		return fmt.Sprintf("%s is set (%s) to a value dbguard cannot know (the warning above), and no loader reads another value for it (mode %s)", e.Var, e.Unknowable, e.Mode)
	}
	if e.Container != "" {
		return fmt.Sprintf("no env file under %s nor the environment sets %s (mode %s); only %s receives it, inside its container, and dbguard connects from the host", fromHere(e.Root), e.Var, e.Mode, e.Container)
	}
	return fmt.Sprintf("no env file under %s nor the environment sets %s (mode %s)", fromHere(e.Root), e.Var, e.Mode)
}

// fromHere is the folder dir as a person here would type it: relative to
// the working directory ("." for it), absolute only when no relative path
// leads there. A CI log then shows no runner's checkout path.
func fromHere(dir string) string {
	if wd, err := os.Getwd(); err == nil && filepath.IsAbs(dir) {
		if rel, err := filepath.Rel(wd, dir); err == nil {
			return rel
		}
	}
	return dir
}

// Hint names the next step.
func (e *NoURLError) Hint() string {
	if e.Empty != "" {
		return fmt.Sprintf("give %s a value there (or unset it: an empty variable still hides the env files from most loaders), then run: dbguard env", e.Var)
	}
	if e.Unknowable != "" {
		return e.UnknowableHint
	}
	return fmt.Sprintf("add %s=postgres://... to %s; or check --mode, env.files and env.loaders in dbguard.yaml", e.Var, filepath.Join(fromHere(e.Root), ".env"))
}

// StrictError means warnings were found under --strict.
type StrictError struct{ Count int }

// ExitCode is 1: warnings under --strict.
func (e *StrictError) ExitCode() int { return exitcode.CheckFailed }

func (e *StrictError) Error() string {
	return fmt.Sprintf("%d warning(s) and --strict is set", e.Count)
}

// Hint names the next step.
func (e *StrictError) Hint() string {
	return "resolve the warnings above, or drop --strict"
}

// Err returns the verdict as an error: nil when exactly one database is in
// effect (and, under strict, nothing was worth a warning).
func (r *Report) Err(strict bool) error {
	if r.Conflict() {
		n := len(r.Databases)
		if len(r.EnvDatabases) > n {
			n = len(r.EnvDatabases)
		}
		return &ConflictError{Var: r.URLVar, Count: n, Who: r.conflictReaders(), Files: r.scopedFiles(r.conflictFiles())}
	}
	if r.Effective == nil {
		e := &NoURLError{Var: r.URLVar, Root: filepath.Join(r.Root, filepath.FromSlash(scopeDir(r.Scope))), Mode: r.Mode}
		for _, lr := range r.Readings {
			if loc := lr.Empty[r.URLVar]; loc != "" && e.Empty == "" {
				e.Empty = loc
			}
			if lr.container && lr.Reads[r.URLVar] != nil && e.Container == "" {
				e.Container = lr.Label()
			}
		}
		if u, ok := r.unknowable[r.URLVar]; ok && e.Empty == "" {
			e.Unknowable, e.UnknowableHint = u[0], u[1]
		}
		return e
	}
	if strict && len(r.Warnings) > 0 {
		return &StrictError{Count: len(r.Warnings)}
	}
	return nil
}

// ValueError is a URL variable whose value is not a PostgreSQL connection
// string. It never includes the value.
type ValueError struct {
	Location, Var string
	Err           error
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("%s: %s is not a usable PostgreSQL connection string: %v", e.Location, e.Var, e.Err)
}

func (e *ValueError) Unwrap() error { return e.Err }

// Hint names the next step.
func (e *ValueError) Hint() string {
	return "write it as postgres://user:password@host:port/dbname (percent-encode special characters in the password), then run: dbguard env"
}
