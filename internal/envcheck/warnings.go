package envcheck

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envload"
)

// warn adds a warning unless the same one is already there, in the order
// first given. The set of those given makes each call constant time: a
// repository can make thousands (a file per warning), and a scan of the
// list per call made that quadratic. Warnings appended to r.Warnings
// directly join the set on the next call.
func (r *Report) warn(code, loc, msg string) {
	if r.warned == nil {
		r.warned = make(map[Warning]struct{})
	}
	for ; r.nwarned < len(r.Warnings); r.nwarned++ {
		r.warned[r.Warnings[r.nwarned]] = struct{}{}
	}
	w := Warning{Code: code, Location: loc, Message: msg}
	if _, ok := r.warned[w]; ok {
		return
	}
	r.warned[w] = struct{}{}
	r.Warnings = append(r.Warnings, w)
	r.nwarned++
}

func errLocation(err error) string {
	var pe *envload.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%s:%d", pe.File, pe.Line)
	}
	return ""
}

func errMessage(err error) string {
	var pe *envload.ParseError
	if errors.As(err, &pe) {
		if pe.Key != "" {
			return pe.Key + ": " + pe.Msg
		}
		return pe.Msg
	}
	return err.Error()
}

// readingWarnings: the loaders that read nothing usable where others read
// a URL (grouped by cause), the same database read with other passwords,
// a process environment that hides what the files say, and parts of the
// URL the driver takes from the environment.
func (r *Report) readingWarnings(vars []string) {
	r.readsNothingWarnings(vars)
	r.passwordWarnings()
	r.environmentWarnings()
}

// readsNothingWarnings: the loaders that read nothing usable where others
// read a URL, grouped by cause.
func (r *Report) readsNothingWarnings(vars []string) {
	for _, v := range vars {
		if v != r.URLVar && !r.someEmpty(v) {
			// Only a reading that has v empty can be warned of for a
			// direct-URL variable: without one, the search for a reader
			// below was a lookup in every reading's Reads (16,000 on
			// 1,000 env files, where most readings' Empty is nil).
			continue
		}
		var reader *LoaderReading
		for _, lr := range r.Readings {
			if lr.Reads[v] != nil {
				reader = lr
				break
			}
		}
		if reader == nil {
			continue
		}
		causes, byCause := []string{}, map[string][]*LoaderReading{}
		locs := map[string]string{}
		for _, lr := range r.Readings {
			if v != r.URLVar && lr.Empty[v] == "" || lr.Reads[v] != nil || slices.Contains(lr.unusable, v) {
				continue
			}
			if len(lr.Files) == 0 && lr.Err == nil && !lr.configured {
				continue // nothing here for it to read: no app starts here
			}
			loc, cause := lr.explainMissing(v)
			k := loc + "\x00" + cause
			if _, ok := byCause[k]; !ok {
				causes = append(causes, k)
				locs[k] = loc
			}
			byCause[k] = append(byCause[k], lr)
		}
		for _, k := range causes {
			_, cause, _ := strings.Cut(k, "\x00")
			r.warn("reads-nothing", locs[k], fmt.Sprintf("%s %s, while %s reads %s from %s", labels(byCause[k]), cause, reader.Label(), v, reader.Reads[v].Def.Location()))
		}
	}
}

// someEmpty reports whether some reading reads v as empty.
func (r *Report) someEmpty(v string) bool {
	for _, lr := range r.Readings {
		if lr.Empty[v] != "" {
			return true
		}
	}
	return false
}

// passwordWarnings: one database and user, another password: one of them
// fails to log in.
func (r *Report) passwordWarnings() {
	inEffect := r.inEffect()
	// One database and user, another password: one of them fails to log in.
	// (Grouped by database and user first: a monorepo has a thousand.)
	type login struct {
		db   dburl.Identity
		user string
	}
	first := map[login]*Source{}
	for _, s := range inEffect {
		k := login{s.ID, s.URL.User()}
		if s.Endpoint.Kind == dburl.PooledUnknown {
			k.db = dburl.Identity{Database: s.ID.Database}
		}
		a, seen := first[k]
		if !seen {
			first[k] = s
			continue
		}
		if a.URL.Password() != s.URL.Password() {
			r.warn("password-differs", s.Def.Location(), fmt.Sprintf("%s (%s) and %s (%s) name the same database %s as user %q with different passwords: one of them fails to log in",
				a.Def.Location(), strings.Join(a.Readers, ", "), s.Def.Location(), strings.Join(s.Readers, ", "), a.ID, k.user))
		}
	}
}

// environmentWarnings: a process environment that hides what the files
// say, and parts of a URL the driver takes from the environment.
func (r *Report) environmentWarnings() {
	inEffect := r.inEffect()
	if r.Effective != nil && r.Effective.FromEnvironment() {
		for _, s := range r.Sources {
			if !s.FromEnvironment() && s.Var == r.URLVar && !sameDatabase(s, r.Effective) {
				r.warn("env-override", "environment", fmt.Sprintf("%s in the process environment names %s, but %s names %s; loaders that do not override the environment (dotenv, python-dotenv, Vite, godotenv.Load) use the environment's",
					r.URLVar, r.Effective.ID, s.Def.Location(), s.ID))
				break
			}
		}
	}
	for _, s := range inEffect {
		if len(s.CompletedFrom) > 0 {
			msg := fmt.Sprintf("%s leaves out what the driver then takes from the environment: %s", s.Var, strings.Join(s.CompletedFrom, ", "))
			if s.Elsewhere != nil {
				msg += fmt.Sprintf("; dbguard's own connection reads its own environment and would reach %s, so migrate and the other commands that connect refuse it until the URL says it", s.Elsewhere)
			}
			r.warn("driver-completes", s.Def.Location(), msg)
		}
	}
}
