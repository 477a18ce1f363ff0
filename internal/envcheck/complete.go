package envcheck

import (
	"fmt"

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
