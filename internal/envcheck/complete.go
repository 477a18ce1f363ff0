package envcheck

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/dbguard/dbguard/internal/dburl"
)

// complete fills in what the driver takes from PG* variables, a service
// file and libpq's defaults, and identifies the database by it.
//
// The driver reads the environment the application has after loading: a
// PGHOST an env file sets beside a URL without a host counts (lr, when
// known).
func (j *judging) complete(s *Source, lr *LoaderReading) {
	driver, pg := j.driver, ""
	if lr != nil && lr.container {
		// A container's driver sees what compose passed, not the shell.
		driver.Vars, pg = nil, "\x00container"
	}
	if lr != nil && len(lr.pgEnv()) > 0 {
		driver.Vars = append(append([]string{}, driver.Vars...), lr.pgEnv()...)
		pg += "\x00" + lr.pgSig()
	}
	if f, from := repoServiceFile(s.URL, lr); f != "" && usesService(s.URL, driver) && !j.insideProject(f) {
		j.r.warn("driver", s.Def.Location(), fmt.Sprintf("%s: the driver reads the service file %s (from %s), outside the project; dbguard reads nothing outside it for a repository, so the service's settings are not judged", s.Var, f, from))
		return
	}
	c := j.completion(s.URL, s.Def.Value+pg, driver)
	if c.err != nil {
		j.r.warn("driver", s.Def.Location(), fmt.Sprintf("%s: the driver cannot complete this connection string: %v", s.Var, c.err))
		return
	}
	done := c.done
	s.Completed = done
	target := c.id
	if s.Endpoint.Direct != nil {
		if dc := j.completion(s.Endpoint.Direct, "direct\x00"+s.Def.Value+pg, driver); dc.err == nil {
			target = dc.id
		}
	}
	s.ID = target
	if lr != nil && len(lr.pgEnv()) > 0 {
		// The application's driver sees the file's PG* variables,
		// dbguard's own connection (guard.Resolve) does not.
		own := j.completion(s.URL, s.Def.Value, j.driver)
		if s.Endpoint.Direct != nil {
			own = j.completion(s.Endpoint.Direct, "direct\x00"+s.Def.Value, j.driver)
		}
		if own.err == nil && own.id != target {
			s.Elsewhere = &own.id
		}
	}
	for _, c := range done {
		if c.FromDefault() {
			continue // port 5432, the OS user: they surprise nobody
		}
		if c.Part == "host" || c.Part == "port" || c.Part == "database" || c.Part == "user" {
			s.CompletedFrom = append(s.CompletedFrom, c.String())
		}
	}
}

// completed is what the driver makes of one connection string.
type completed struct {
	id   dburl.Identity
	done []dburl.Completion
	err  error
}

// completion completes a URL once per spelling (key: the text it was
// parsed from): a monorepo writes the same one in a thousand files, and
// the environment does not change.
func (j *judging) completion(u *dburl.URL, key string, driver dburl.Environment) completed {
	if c, ok := j.completions[key]; ok {
		return c
	}
	var c completed
	var full *dburl.URL
	if full, c.done, c.err = u.Complete(driver); c.err == nil {
		c.id = full.Identity()
		dburl.AddURLSecrets(full) // PGPASSWORD, a service file's password
	}
	if j.completions == nil {
		j.completions = map[string]completed{}
	}
	j.completions[key] = c
	return c
}

// repoServiceFile is the service file the repository names for u, and
// where: the connection string's servicefile, else a PGSERVICEFILE an env
// file sets beside it; "" when the repository names none (the user's
// PGSERVICEFILE or ~/.pg_service.conf is the user's word).
func repoServiceFile(u *dburl.URL, lr *LoaderReading) (string, string) {
	if f := u.Param("servicefile"); f != "" {
		return f, "the connection string"
	}
	if lr != nil && lr.reading.Loader.SetsEnviron() {
		if v, ok := lr.reading.Var("PGSERVICEFILE"); ok && v.Def != nil && v.Value != "" {
			return v.Value, v.Def.Location()
		}
	}
	return "", ""
}

// usesService reports whether the driver looks a service up for u (the
// service parameter, else PGSERVICE): only then does it read the file.
func usesService(u *dburl.URL, driver dburl.Environment) bool {
	if u.Param("service") != "" {
		return true
	}
	for _, kv := range driver.Vars {
		if v, ok := strings.CutPrefix(kv, "PGSERVICE="); ok && v != "" {
			return true
		}
	}
	return false
}

// insideProject reports whether the file at p (relative to the working
// directory, as the driver opens it), its links resolved, is inside the
// project root. A file that does not exist is read by no one.
func (j *judging) insideProject(p string) bool {
	abs, err := filepath.Abs(p)
	if err != nil {
		return false
	}
	real, err := filepath.EvalSymlinks(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return true
	} else if err != nil {
		return false
	}
	root, err := filepath.EvalSymlinks(j.o.Root)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(root, real)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
