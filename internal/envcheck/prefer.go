package envcheck

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// EnvironmentError is a process environment whose URL variable names
// another database than the env files do: a variable exported in a shell
// long ago and forgotten is how the incident happens. Mutating commands
// refuse it until told which source wins.
type EnvironmentError struct {
	Var      string // the variable the environment sets
	EnvDB    string // the database it names
	File     string // file:line of the definition the files go by
	FileDB   string // the database that names
	Variable string // the variable the files define
}

// ExitCode is 1, as for any other conflict.
func (e *EnvironmentError) ExitCode() int { return exitcode.CheckFailed }

func (e *EnvironmentError) Error() string {
	return fmt.Sprintf("%s in the process environment names %s, but %s names %s (%s); dbguard changes neither until told which wins",
		e.Var, e.EnvDB, e.File, e.FileDB, e.Variable)
}

// Hint names the next step.
func (e *EnvironmentError) Hint() string {
	return fmt.Sprintf("if the exported %s is stale, run: unset %s; else say which wins: --prefer files (%s) or --prefer env (%s), or env.prefer in dbguard.yaml",
		e.Var, e.Var, e.FileDB, e.EnvDB)
}

// FilesAlone compares the report with what the env files name without
// the process environment's URL variables. When the environment sets one
// and the report's database comes from it, it returns the files' own
// report and, if that names another database, an *EnvironmentError. It
// returns nil, nil when the environment sets none of them, when the files
// name no database (CI, where the environment is the only source), or
// when they name the same one.
func (r *Report) FilesAlone(ctx context.Context, o Options) (*Report, *EnvironmentError, error) {
	own := r.target()
	if own == nil || !own.FromEnvironment() {
		return nil, nil, nil
	}
	vars := append([]string{o.URLVar}, o.DirectVars...)
	fo := o
	fo.Environ = nil
	for _, kv := range o.Environ {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(vars, k) {
			fo.Environ = append(fo.Environ, kv)
		}
	}
	files, err := Resolve(ctx, fo)
	if err != nil {
		return nil, nil, err
	}
	theirs := files.target()
	if theirs == nil {
		return nil, nil, nil // the files name no database: nothing to disagree with
	}
	if files.Conflict() || sameDatabase(own, theirs) {
		return files, nil, nil
	}
	return files, &EnvironmentError{Var: own.Var, EnvDB: own.ID.String(), File: theirs.Def.Location(), FileDB: theirs.ID.String(), Variable: theirs.Var}, nil
}

// target is the definition migrations go by: the direct URL's, else the
// URL variable's.
func (r *Report) target() *Source {
	if r.Migrate != nil {
		return r.Migrate
	}
	return r.Effective
}
