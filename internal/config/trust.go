package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/output"
)

// A pull request writes its own dbguard.yaml. Most of it is the branch's
// to say (its migrations folder, its expect:, its env files), but some
// settings decide which database the CI gate judges, which checks can
// fail and what they report: in a pull request's hands they would let
// the change under review weaken or redirect the gate that reviews it.
// Those are the trust-bearing settings: dbguard ci judges a pull request
// with the base branch's values of them (TrustFrom).

// TrustKey is one trust-bearing setting: its key path in dbguard.yaml,
// why it bears trust, and how to read and copy it.
type TrustKey struct {
	Key  string // dotted, as docs/configuration.md writes it
	path []any  // for Config.Line
	Why  string
	get  func(*Config) any
	set  func(dst, src *Config)
}

// TrustKeys are the settings dbguard ci takes from the base branch when it
// judges a pull request (docs/ci.md, docs/security.md).
var TrustKeys = []TrustKey{
	{Key: "database.url_var", path: []any{"database", "url_var"},
		Why: "names the variable whose database the gate connects to; a pull request could name another URL the CI job holds",
		get: func(c *Config) any { return []any{c.Database.URLVar, c.URLVarGiven} },
		set: func(d, s *Config) { d.Database.URLVar, d.URLVarGiven = s.Database.URLVar, s.URLVarGiven }},
	{Key: "database.direct_url_vars", path: []any{"database", "direct_url_vars"},
		Why: "the direct URL is the one connected to; a pull request could name another URL the CI job holds",
		get: func(c *Config) any { return c.Database.DirectURLVars },
		set: func(d, s *Config) { d.Database.DirectURLVars = slices.Clone(s.Database.DirectURLVars) }},
	{Key: "env.prefer", path: []any{"env", "prefer"},
		Why: "files lets the pull request's .env beat the CI job's DATABASE_URL",
		get: func(c *Config) any { return c.Env.Prefer },
		set: func(d, s *Config) { d.Env.Prefer = s.Env.Prefer }},
	{Key: "poolers", path: []any{"poolers"},
		Why: "a rule routes the job's URL to another host, which may be a server of the pull request's choosing",
		get: func(c *Config) any { return c.Poolers },
		set: func(d, s *Config) { d.Poolers = slices.Clone(s.Poolers) }},
	{Key: "migrations.tool", path: []any{"migrations", "tool"},
		Why: "tool: command makes the migrations check a skip, so an edited applied migration passes; another tool reads another version table",
		get: func(c *Config) any { return c.Migrations.Tool },
		set: func(d, s *Config) { d.Migrations.Tool = s.Migrations.Tool }},
	{Key: "migrations.command", path: []any{"migrations", "command"},
		Why: "goes with migrations.tool: command",
		get: func(c *Config) any { return c.Migrations.Command },
		set: func(d, s *Config) { d.Migrations.Command = s.Migrations.Command }},
	{Key: "migrations.table", path: []any{"migrations", "table"},
		Why: "another version table (one that does not exist) hides what is applied",
		get: func(c *Config) any { return c.Migrations.Table },
		set: func(d, s *Config) { d.Migrations.Table = s.Migrations.Table }},
	{Key: "migrations.ledger", path: []any{"migrations", "ledger"},
		Why: "another ledger holds no checksums, so an edited applied migration passes",
		get: func(c *Config) any { return c.Migrations.Ledger },
		set: func(d, s *Config) { d.Migrations.Ledger = s.Migrations.Ledger }},
	{Key: "hook.allow", path: []any{"hook", "allow"},
		Why: `a glob such as "**" silences the credentials check`,
		get: func(c *Config) any { return c.Hook.Allow },
		set: func(d, s *Config) { d.Hook.Allow = slices.Clone(s.Hook.Allow) }},
	{Key: "schema.shadow_url", path: []any{"schema", "shadow_url"},
		Why: "names the server the previews run the branch's migration SQL on; a pull request could name another server the CI job holds a URL of",
		get: func(c *Config) any { return c.Schema.ShadowURL },
		set: func(d, s *Config) { d.Schema.ShadowURL = s.Schema.ShadowURL }},
	{Key: "plan.severity", path: []any{"plan", "severity"},
		Why: "off or info silences the plan's findings on the pull request's own migrations",
		get: func(c *Config) any { return c.Plan.Severity },
		set: func(d, s *Config) {
			d.Plan.Severity = nil
			if s.Plan.Severity != nil {
				d.Plan.Severity = make(map[string]string, len(s.Plan.Severity))
				for k, v := range s.Plan.Severity {
					d.Plan.Severity[k] = v
				}
			}
		}},
	{Key: "plan.max_file_size", path: []any{"plan", "max_file_size"},
		Why: "a larger cap lets the pull request's own migration files cost the CI minutes of CPU in every preview",
		get: func(c *Config) any { return c.Plan.MaxFileSize },
		set: func(d, s *Config) { d.Plan.MaxFileSize = s.Plan.MaxFileSize }},
	{Key: "plan.max_total_size", path: []any{"plan", "max_total_size"},
		Why: "goes with plan.max_file_size: the cap of all the files a preview reads",
		get: func(c *Config) any { return c.Plan.MaxTotalSize },
		set: func(d, s *Config) { d.Plan.MaxTotalSize = s.Plan.MaxTotalSize }},
}

// TrustChange is a trust-bearing setting the pull request's dbguard.yaml
// sets otherwise than the base branch's: the gate judged with Base.
type TrustChange struct {
	Key  string
	File string // the pull request's dbguard.yaml, else the base's ("" with neither)
	Line int    // the key's line there, else its section's
	Base string // the value judged with, as dbguard.yaml would write it
	// Note, when set, is the message instead: not one setting, but why
	// the base's values are not known (its file did not read).
	Note string
}

// Message is the warning the gate gives for the change.
func (t TrustChange) Message() string {
	if t.Note != "" {
		return t.Note
	}
	return fmt.Sprintf("this pull request changes %s; ci judges with the base branch's value (%s) until it is merged", t.Key, t.Base)
}

// Untrusted lists the trust-bearing settings c's file sets to other
// values than the defaults (what a base branch without dbguard.yaml
// means). None: c is judged as a base without the file would judge it,
// and no base is needed.
func (c *Config) Untrusted() []TrustChange {
	return c.trustDiff(Default(c.Root))
}

// TrustFrom makes c, a pull request's configuration, take every
// trust-bearing setting from base, the base branch's configuration at the
// same path (Default when the base has no file there), and returns the
// settings whose values it changed, each at its line in c's file. Both
// are compared as their files say, before the variables a Prisma schema
// names were adopted (tool.AdoptURLVars): the caller adopts them again.
func (c *Config) TrustFrom(base *Config) []TrustChange {
	changes := c.trustDiff(base)
	from := base.written()
	for _, k := range TrustKeys {
		k.set(c, from)
	}
	// A copy of its own: a copy of c (a struct copy) keeps its own.
	c.asWritten = from.snapshot()
	return changes
}

func (c *Config) trustDiff(base *Config) []TrustChange {
	mine, theirs := c.written(), base.written()
	var out []TrustChange
	for _, k := range TrustKeys {
		if equalSetting(k.get(mine), k.get(theirs)) {
			continue
		}
		file, line := c.Path, c.Line(k.path...)
		if c.Path == "" && base.Path != "" {
			// No file on the pull request (deleted, or never there
			// while the walk found the base's above): the setting's
			// line in the base's file, which the pull request drops,
			// not the gate's fallback (.env).
			file, line = base.Path, base.Line(k.path...)
		}
		out = append(out, TrustChange{Key: k.Key, File: file, Line: line, Base: describeSetting(k.Key, theirs)})
	}
	return out
}

// snapshot copies c's trust-bearing settings.
func (c *Config) snapshot() *Config {
	s := &Config{}
	for _, k := range TrustKeys {
		k.set(s, c)
	}
	return s
}

// written is c's trust-bearing settings as its file (and the defaults)
// gave them, before anything adopted others.
func (c *Config) written() *Config {
	if c.asWritten != nil {
		return c.asWritten
	}
	return c
}

// equalSetting compares two values of one setting; an empty list or map
// is the same as none.
func equalSetting(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() == reflect.Slice || va.Kind() == reflect.Map {
		if va.Len() == 0 && vb.Len() == 0 {
			return true
		}
	}
	return reflect.DeepEqual(a, b)
}

// describeSetting writes base's value of key for a message: short, one
// line, nothing a reader could take for a command.
func describeSetting(key string, c *Config) string {
	var s string
	switch key {
	case "database.url_var":
		s = c.Database.URLVar
		if !c.URLVarGiven {
			// The variable the gate judges: "unset" named none, and the
			// env check's error then names this one.
			s = "unset: " + s + ", or the variable a Prisma schema names"
		}
	case "database.direct_url_vars":
		s = "[" + strings.Join(c.Database.DirectURLVars, ", ") + "]"
	case "env.prefer":
		s = c.Env.Prefer
	case "poolers":
		var names []string
		for _, p := range c.Poolers {
			names = append(names, p.Name)
		}
		s = "[" + strings.Join(names, ", ") + "]"
		if len(names) == 0 {
			s = "none"
		}
	case "migrations.tool":
		s = c.Migrations.Tool
		if s == "" {
			s = "detected"
		}
	case "migrations.command":
		s = "none"
		if c.Migrations.Command != (Commands{}) {
			s = "the base branch's command lines"
		}
	case "migrations.table":
		s = c.Migrations.Table
	case "migrations.ledger":
		s = c.Migrations.Ledger
	case "hook.allow":
		s = "[" + strings.Join(c.Hook.Allow, ", ") + "]"
	case "schema.shadow_url":
		s = c.Schema.ShadowURL
		if s == "" {
			s = "unset: a throwaway sandbox"
		}
	case "plan.max_file_size":
		s = c.Plan.MaxFileSize.String()
	case "plan.max_total_size":
		s = c.Plan.MaxTotalSize.String()
	case "plan.severity":
		var kv []string
		for k, v := range c.Plan.Severity {
			kv = append(kv, k+": "+v)
		}
		slices.Sort(kv)
		s = "{" + strings.Join(kv, ", ") + "}"
		if len(kv) == 0 {
			s = "none"
		}
	}
	return output.Clip(output.Escape(s), 120)
}

// Adopted says whether c judges other URL variables than its file and
// the defaults name: a Prisma schema's (tool.AdoptURLVars), which is the
// repository's word too.
func (c *Config) Adopted() bool {
	w := c.written()
	return c.Database.URLVar != w.Database.URLVar || !slices.Equal(c.Database.DirectURLVars, w.Database.DirectURLVars)
}
