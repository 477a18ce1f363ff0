package dburl

import (
	"path"
	"strings"
)

// Kind classifies an endpoint.
type Kind string

const (
	// Direct is a connection straight to PostgreSQL.
	Direct Kind = "direct"
	// Pooled is a pooler whose direct endpoint dbguard knows how to derive.
	Pooled Kind = "pooled"
	// PooledUnknown looks pooled, but no rule says where its direct endpoint is.
	PooledUnknown Kind = "pooled-unknown"
)

// Rule is a user-defined pooler: connections matching Host (a glob, matched
// case-insensitively; empty matches any) and Port (empty matches any, and a
// missing port is 5432) go to DirectHost:DirectPort instead, either of which
// may be empty to keep the original.
type Rule struct {
	Name       string
	Host       string
	Port       string
	DirectHost string
	DirectPort string
}

func (r Rule) matches(h Host) bool {
	if r.Host != "" {
		if ok, _ := path.Match(strings.ToLower(r.Host), strings.ToLower(h.Name)); !ok {
			return false
		}
	}
	return r.Port == "" || r.Port == portOrDefault(h.Port)
}

func portOrDefault(p string) string {
	if p == "" {
		return DefaultPort
	}
	return p
}

// Endpoint is what [Classify] found out about a connection string.
type Endpoint struct {
	Kind Kind
	// Provider names who runs the pooler: "neon", "supabase", "rule NAME",
	// or "" when the guess comes from a port or parameter.
	Provider string
	// Reason says, for a person, why the URL counts as pooled.
	Reason string
	// Direct is the URL to use for migrations: the input itself when it is
	// already direct, a rewritten copy when it is Pooled, nil when
	// PooledUnknown.
	Direct *URL
}

// Rewritten reports whether Direct differs from the input.
func (e Endpoint) Rewritten() bool { return e.Kind == Pooled }

// Classify decides whether u goes through a connection pooler and, if so,
// derives the direct URL. User rules are tried first, then Neon and Supabase,
// then the generic signs of a pooler (port 6543 or 6432, pgbouncer=true).
// The rewrite touches only the host, port, user or option that must change:
// a password or database name that happens to contain "-pooler" survives.
func Classify(u *URL, rules []Rule) Endpoint {
	hosts := u.Hosts()
	for _, r := range rules {
		if !anyHost(hosts, r.matches) {
			continue
		}
		d := u.Clone()
		d.mapHosts(func(h Host) Host {
			if !r.matches(h) {
				return h
			}
			if r.DirectHost != "" {
				h.Name = r.DirectHost
			}
			if r.DirectPort != "" {
				h.Port = r.DirectPort
			}
			return h
		})
		return Endpoint{Kind: Pooled, Provider: "rule " + r.Name, Reason: "matches pooler rule " + r.Name + " in dbguard.yaml", Direct: d}
	}
	if anyHost(hosts, isNeonPooler) {
		d := u.Clone()
		d.mapHosts(func(h Host) Host {
			if isNeonPooler(h) {
				label, rest, _ := strings.Cut(h.Name, ".")
				h.Name = label[:len(label)-len("-pooler")] + "." + rest
			}
			return h
		})
		d.fixNeonOptions()
		return Endpoint{Kind: Pooled, Provider: "neon", Reason: "Neon pooled endpoint (host label ends in -pooler)", Direct: d}
	}
	if anyHost(hosts, isSupabasePooler) {
		ref, ok := strings.CutPrefix(u.User(), "postgres.")
		if !ok || ref == "" {
			return Endpoint{Kind: PooledUnknown, Provider: "supabase",
				Reason: "Supabase pooler, but the user is not postgres.<project-ref>, so the direct host db.<project-ref>.supabase.co cannot be derived"}
		}
		d := u.Clone()
		d.mapHosts(func(h Host) Host {
			if isSupabasePooler(h) {
				h = Host{Name: "db." + ref + ".supabase.co", Port: DefaultPort}
			}
			return h
		})
		d.setUser("postgres")
		return Endpoint{Kind: Pooled, Provider: "supabase", Reason: "Supabase pooler (*.pooler.supabase.com)", Direct: d}
	}
	if reason := pooledHint(u, hosts); reason != "" {
		return Endpoint{Kind: PooledUnknown, Reason: reason}
	}
	return Endpoint{Kind: Direct, Direct: u}
}

func anyHost(hosts []Host, f func(Host) bool) bool {
	for _, h := range hosts {
		if f(h) {
			return true
		}
	}
	return false
}

// isNeonPooler: Neon's pooled host is the endpoint ID with "-pooler" added
// to the first label (ep-x-pooler.region.aws.neon.tech, sometimes with a
// .c-N. cell). Vercel Postgres serves Neon endpoints under its own domain
// with the same convention.
func isNeonPooler(h Host) bool {
	name := strings.ToLower(h.Name)
	if !strings.HasSuffix(name, ".neon.tech") && !strings.HasSuffix(name, ".vercel-storage.com") {
		return false
	}
	label, _, _ := strings.Cut(name, ".")
	return strings.HasSuffix(label, "-pooler") && len(label) > len("-pooler")
}

func isSupabasePooler(h Host) bool {
	return strings.HasSuffix(strings.ToLower(h.Name), ".pooler.supabase.com")
}

// pooledHint returns why u looks pooled although no rule knows it, or "".
func pooledHint(u *URL, hosts []Host) string {
	if strings.EqualFold(u.Param("pgbouncer"), "true") {
		return "pgbouncer=true parameter"
	}
	for _, h := range hosts {
		switch h.Port {
		case "6543":
			return "port 6543 (the usual transaction-pooler port)"
		case "6432":
			return "port 6432 (PgBouncer's default port)"
		}
		label, _, _ := strings.Cut(strings.ToLower(h.Name), ".")
		if strings.Contains(label, "pooler") || strings.Contains(label, "pgbouncer") {
			return "host name " + h.Name + " names a pooler"
		}
	}
	return ""
}

// fixNeonOptions removes "-pooler" from an endpoint=ID option, which Neon
// uses to route clients without SNI; the ID never carries that suffix.
func (u *URL) fixNeonOptions() {
	opts, ok := u.lookup("options")
	if !ok {
		return
	}
	fields := strings.Fields(opts)
	changed := false
	for i, f := range fields {
		if id, ok := strings.CutPrefix(f, "endpoint="); ok && strings.HasSuffix(id, "-pooler") {
			fields[i] = "endpoint=" + strings.TrimSuffix(id, "-pooler")
			changed = true
		}
	}
	if changed {
		u.setParam("options", strings.Join(fields, " "))
	}
}

// mapHosts rewrites every host in effect, writing names and ports back where
// they were given: the host/port parameters, or the URL's host list.
func (u *URL) mapHosts(f func(Host) Host) {
	old := u.Hosts()
	hosts := make([]Host, len(old))
	portChanged := false
	for i, h := range old {
		hosts[i] = f(h)
		if hosts[i].Port != h.Port {
			portChanged = true
		}
	}
	_, hostParam := u.lookup("host")
	_, portParam := u.lookup("port")
	if hostParam {
		names := make([]string, len(hosts))
		for i, h := range hosts {
			names[i] = h.Name
		}
		u.setParam("host", strings.Join(names, ","))
	} else {
		for i := range u.hosts {
			h := Host{Name: hosts[i].Name, Port: u.hosts[i].Port}
			if !portParam {
				h.Port = hosts[i].Port
			}
			if h != u.hosts[i] {
				u.hosts[i], u.rawHosts[i] = h, formatHost(h)
			}
		}
	}
	if !portChanged || (!portParam && !hostParam && u.form == FormURL) {
		return
	}
	ports := make([]string, len(hosts))
	for i, h := range hosts {
		ports[i] = portOrDefault(h.Port)
	}
	if !u.setParam("port", strings.Join(ports, ",")) {
		u.addParam("port", strings.Join(ports, ","))
	}
}

func (u *URL) addParam(key, value string) {
	if u.form == FormURL {
		u.hasQuery = true
		key, value = escapeComponent(key, ""), escapeComponent(value, queryKeep)
	}
	u.params = append(u.params, param{key: key, value: value})
}

func (u *URL) setUser(name string) {
	if u.setParam("user", name) {
		return
	}
	if u.form == FormURL {
		u.hasUserinfo = true
		u.rawUser = escapeComponent(name, "")
		return
	}
	u.addParam("user", name)
}
