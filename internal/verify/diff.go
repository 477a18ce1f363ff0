package verify

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/schema"
)

// DiffOptions says which two databases dbguard schema diff compares.
type DiffOptions struct {
	Config  *config.Config
	A, B    string            // each a connection string or an env file
	Connect pg.ConnectOptions // how to connect; each side says where
	Stdout  io.Writer         // one line per difference
	Stderr  io.Writer         // which databases, and the verdict
}

// Diff compares the schemas of two databases, each through its direct
// endpoint when it is pooled and that is known.
func Diff(ctx context.Context, o DiffOptions) error {
	talk := output.Talk{W: o.Stderr}
	var sides [2]schema.Side
	var ids [2]dburl.Identity
	for i, arg := range []string{o.A, o.B} {
		u, label, err := diffSide(o.Config, arg)
		if err != nil {
			return err
		}
		ep := dburl.Classify(u, o.Config.Rules())
		pooled := ep.Direct == nil
		if !pooled {
			u = ep.Direct
		}
		ids[i] = pg.Resolve(u).Identity()
		talk.Infof("%s: %s: %s", string(rune('A'+i)), label, u.Redacted())
		s, _, _, err := Load(ctx, o.Connect.To(u, pooled), o.Config)
		sides[i] = schema.Side{Name: label, Schema: s}
		if err != nil {
			return err
		}
	}
	if ids[0] == ids[1] {
		talk.Infof("A and B name the same database (%s)", ids[0])
	}
	diffs := schema.Compare(sides[0], sides[1])
	for _, d := range diffs {
		fmt.Fprintln(o.Stdout, output.Escape(d.Message)) // the databases' names: one line, no workflow command
	}
	if len(diffs) > 0 {
		return &schema.DiffError{Count: len(diffs), A: sides[0].Name, B: sides[1].Name}
	}
	talk.Infof("the schemas match (%d tables)", len(sides[0].Schema.Tables))
	return nil
}

// diffSide resolves one argument of schema diff to a URL and a label.
func diffSide(cfg *config.Config, arg string) (*dburl.URL, string, error) {
	if strings.Contains(arg, "://") || (strings.Contains(arg, "=") && !fileExists(arg)) {
		u, err := dburl.Parse(arg)
		if err != nil {
			return nil, "", fmt.Errorf("%s is not a usable connection string: %w", dburl.Redact(arg), err)
		}
		return u, pg.Target(u), nil
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		if strings.ContainsAny(arg, ":@=") {
			// A mistyped URL (postgres:/...) is no file name: it may
			// hold a password, so neither it nor the open error is shown.
			return nil, "", fmt.Errorf("%s is neither a connection string nor a readable env file (write postgres://user:password@host/db, or name an env file)", dburl.Redact(arg))
		}
		return nil, "", fmt.Errorf("%s is neither a connection string nor a readable env file: %v", arg, err)
	}
	defs, err := envcheck.ParseFile(arg, data)
	if err != nil {
		return nil, "", err
	}
	var last *envcheck.Definition
	for i := range defs {
		if defs[i].Key == cfg.Database.URLVar {
			last = &defs[i]
		}
	}
	if last == nil {
		return nil, "", fmt.Errorf("%s does not define %s", arg, cfg.Database.URLVar)
	}
	u, err := dburl.Parse(last.Value)
	if err != nil {
		return nil, "", &envcheck.ValueError{Location: last.Location(), Var: last.Key, Err: err}
	}
	return u, last.Location(), nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
