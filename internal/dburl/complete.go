package dburl

import (
	"fmt"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"unicode"
)

// Environment is what a PostgreSQL driver reads besides the connection
// string. The zero value is an empty environment with no operating-system
// user and no Unix-socket directory, so that tests are deterministic;
// [ProcessEnvironment] is this process's.
type Environment struct {
	// Vars is the environment in os.Environ form; a later entry for a name
	// wins. The PG* variables are read from it, and HOME (USERPROFILE and
	// APPDATA on Windows) to find the default service file.
	Vars []string
	// OSUser returns the operating-system user name, the default PostgreSQL
	// user, or "" if unknown. It is called only when nothing else names a
	// user. Nil means unknown.
	OSUser func() string
	// Exists reports whether a path exists; pgx probes for a Unix-socket
	// directory with it to pick the default host. Nil means nothing exists.
	Exists func(path string) bool
}

// ProcessEnvironment returns this process's environment, OS user and file
// system: what pgx reads when it connects.
func ProcessEnvironment() Environment {
	return Environment{
		Vars: os.Environ(),
		OSUser: func() string {
			u, err := user.Current()
			if err != nil {
				return ""
			}
			return u.Username
		},
		Exists: func(path string) bool {
			_, err := os.Stat(path)
			return err == nil
		},
	}
}

func (e Environment) lookup(name string) (string, bool) {
	val, found := "", false
	for _, kv := range e.Vars {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			val, found = v, true
		}
	}
	return val, found
}

// pgVars is every variable of e whose name starts with PG (every one of
// envVars does), by name, the later entry winning as in lookup: one pass
// over the environment where a lookup per variable of envVars made 26
// (6% of a no-op migrate up's instructions, which completes its URL five
// times).
func (e Environment) pgVars() map[string]string {
	m := map[string]string{}
	for _, kv := range e.Vars {
		if strings.HasPrefix(kv, "PG") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				m[k] = v
			}
		}
	}
	return m
}

// goos is runtime.GOOS, a variable so that tests can take pgx's Windows path.
var goos = runtime.GOOS

// envVars are the variables pgx reads (pgconn parseEnvSettings), and
// libpq's PGHOSTADDR, and the settings they stand for, in the order completions are reported.
var envVars = []struct{ name, key string }{
	{"PGHOST", "host"},
	// pgx does not read PGHOSTADDR, libpq does: dbguard connects to it
	// (internal/pg), as psql and psycopg2 do.
	{"PGHOSTADDR", "hostaddr"},
	{"PGPORT", "port"},
	{"PGDATABASE", "database"},
	{"PGUSER", "user"},
	{"PGPASSWORD", "password"},
	{"PGSERVICE", "service"},
	{"PGSERVICEFILE", "servicefile"},
	{"PGPASSFILE", "passfile"},
	{"PGSSLMODE", "sslmode"},
	{"PGSSLNEGOTIATION", "sslnegotiation"},
	{"PGSSLROOTCERT", "sslrootcert"},
	{"PGSSLCERT", "sslcert"},
	{"PGSSLKEY", "sslkey"},
	{"PGSSLCERTMODE", "sslcertmode"},
	{"PGSSLSNI", "sslsni"},
	{"PGSSLPASSWORD", "sslpassword"},
	{"PGCHANNELBINDING", "channel_binding"},
	{"PGREQUIREAUTH", "require_auth"},
	{"PGTARGETSESSIONATTRS", "target_session_attrs"},
	{"PGMINPROTOCOLVERSION", "min_protocol_version"},
	{"PGMAXPROTOCOLVERSION", "max_protocol_version"},
	{"PGCONNECT_TIMEOUT", "connect_timeout"},
	{"PGAPPNAME", "application_name"},
	{"PGTZ", "timezone"},
	{"PGOPTIONS", "options"},
}

// canonicalKey is pgx's name for a keyword: it reads dbname and database
// alike.
func canonicalKey(k string) string {
	if k == "dbname" {
		return "database"
	}
	return k
}

// Completion is one part of a connection as the driver completes it from
// outside the connection string.
type Completion struct {
	// Part is the setting: host, port, database, user, password, or another
	// libpq keyword such as sslmode.
	Part string `json:"part"`
	// Value is what the driver uses; [Mask] for a password.
	Value string `json:"value"`
	// From says where the value comes from: an environment variable
	// ("PGDATABASE"), a line of a service file, or a default.
	From string `json:"from"`
}

// String is "database other (from PGDATABASE)", or "password (from
// PGPASSWORD)" for a secret.
func (c Completion) String() string {
	if secretKeys[c.Part] {
		return fmt.Sprintf("%s (from %s)", c.Part, c.From)
	}
	if c.Value == "" {
		return fmt.Sprintf("%s empty (from %s)", c.Part, c.From)
	}
	return fmt.Sprintf("%s %s (from %s)", c.Part, c.Value, c.From)
}

// FromDefault reports whether the value is the driver's own default (port
// 5432, the OS user, the socket directory) rather than something the
// environment or a service file says.
func (c Completion) FromDefault() bool {
	switch c.From {
	case fromDefaultPort, fromDefaultUser, fromDefaultDB, fromSocketDir, fromLocalhost, fromHostAddr, fromDefaultServiceFile:
		return true
	}
	return false
}

// Where a default comes from, as a [Completion] says it.
const (
	fromDefaultPort = "libpq's default port"
	fromDefaultUser = "libpq's default, the operating-system user"
	fromDefaultDB   = "libpq's default, the user name"
	fromSocketDir   = "pgx's default, the first Unix-socket directory that exists"
	fromLocalhost   = "pgx's default when no Unix-socket directory exists"
	fromHostAddr    = "libpq's default, the hostaddr"
	// fromDefaultServiceFile is ~/.pg_service.conf, or its Windows place.
	fromDefaultServiceFile = "pgx's default service file"
)

// socketDirs are the directories pgx probes, in order, for its default host
// (pgconn defaultHost): libpq's compiled-in socket directory is not known
// to a Go program.
var socketDirs = []string{"/var/run/postgresql", "/private/tmp", "/tmp"}

// SettingError is a host or port list that the driver rejects once it is
// completed from the environment or a service file.
type SettingError struct {
	Part   string // host or port
	From   string // where the bad value came from
	Reason string
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("%s from %s: %s", e.Part, e.From, e.Reason)
}

// Hint names the next step.
func (e *SettingError) Hint() string {
	switch {
	case strings.HasPrefix(e.From, "PG"):
		return "fix or unset " + e.From + ", or give the " + e.Part + " in the connection string"
	case e.From == fromConnString:
		return "give one port for all hosts, or one per host"
	}
	return "fix the " + e.Part + " in " + e.From + ", or give it in the connection string"
}

// setting is one value pgx reads and where it came from; from is "" for the
// connection string itself.
type setting struct {
	value, from string
}

const fromConnString = "the connection string"

// source says where a setting came from, for an error.
func (s setting) source() string {
	if s.from == "" {
		return fromConnString
	}
	return s.from
}

// Complete returns a copy of u with every part that pgx would take from
// outside the string filled in, and says where each came from. pgx merges,
// each overriding the one before (pgconn ParseConfigWithOptions): its
// defaults, the PG* environment variables, the service named by the service
// parameter or PGSERVICE (read from the servicefile parameter, PGSERVICEFILE
// or ~/.pg_service.conf), and the connection string itself; then it takes
// the OS user for a missing user, and the server takes the user name for a
// missing database. The copy keeps u's form, so it prints and redacts as u
// does, and needs nothing from the environment but a service file that the
// string itself names. A password pgx would look up in a .pgpass file is not
// filled in.
func (u *URL) Complete(env Environment) (*URL, []Completion, error) {
	conn := u.driverSettings()
	envs := map[string]setting{}
	pgVars := env.pgVars()
	for _, v := range envVars {
		val, ok := pgVars[v.name]
		// pgx skips an empty variable, but keeps an empty PGSSLCERTMODE so
		// that it is rejected as libpq does.
		if val != "" || (ok && v.key == "sslcertmode") {
			envs[v.key] = setting{val, v.name}
		}
	}
	merged := merge(envs, conn)

	if svc, ok := merged["service"]; ok {
		from := svc.source()
		path := env.defaultServiceFile()
		if f, ok := merged["servicefile"]; ok {
			path = f.value
		}
		s, sf, err := lookupService(svc.value, from, path)
		if err != nil {
			return nil, nil, err
		}
		fromService := map[string]setting{}
		for k, v := range s.settings {
			if k == "" || strings.IndexFunc(k, unicode.IsSpace) >= 0 {
				// pgx would send it to the server, which refuses it.
				return nil, nil, &ServiceError{Service: s.name, From: from, File: sf.path, Line: v.line,
					Reason: "a setting whose name is empty or has a space in it"}
			}
			fromService[k] = setting{v.value, fmt.Sprintf("service %q in %s:%d", s.name, sf.path, v.line)}
		}
		merged = merge(envs, fromService, conn)
		// A service the string names itself stays in the copy (without it,
		// PGSERVICE would apply), so the copy names its file too.
		if _, ok := conn["service"]; ok && merged["servicefile"].from == "" && path != "" {
			if _, ok := conn["servicefile"]; !ok {
				merged["servicefile"] = setting{path, fromDefaultServiceFile}
			}
		}
	}

	c := u.Clone()
	var out []Completion
	report := func(part, value, from string) {
		if secretKeys[part] {
			value = Mask
		}
		for _, o := range out {
			if o.Part == part && o.From == from {
				return
			}
		}
		out = append(out, Completion{Part: part, Value: value, From: from})
	}

	if err := c.completeHostsPorts(merged, env, report); err != nil {
		return nil, nil, err
	}

	userName, userSet := merged["user"]
	if !userSet && env.OSUser != nil {
		// pgx asks the OS only when nothing names a user; a user given
		// empty stays empty.
		if name := env.OSUser(); name != "" {
			if goos == "windows" {
				name = name[strings.LastIndex(name, `\`)+1:]
			}
			userName, userSet = setting{name, fromDefaultUser}, true
		}
	}
	switch {
	case !userSet || userName.from == "":
	case userName.value != "":
		c.setUser(userName.value)
		report("user", userName.value, userName.from)
	case c.form == FormURL:
		// An empty user in the URL's user info is no user at all; an empty
		// parameter hides PGUSER and the OS user, as an empty user in a
		// service file does. A keyword string cannot say it: pgx skips an
		// empty user keyword.
		c.putParam("user", "")
		report("user", "", userName.from)
	}

	db, dbSet := merged["database"]
	if (!dbSet || db.value == "") && userName.value != "" {
		db, dbSet = setting{userName.value, fromDefaultDB}, true
	}
	if dbSet && db.from != "" {
		c.setDatabase(db.value)
		report("database", db.value, db.from)
	}

	if pw, ok := merged["password"]; ok && pw.from != "" {
		c.setPassword(pw.value)
		report("password", pw.value, pw.from)
	}

	var rest []string
	for k, s := range merged {
		switch k {
		case "host", "port", "user", "database", "password":
			continue
		case "service":
			// The service's settings are copied in instead.
			continue
		case "servicefile":
			if _, ok := conn["service"]; !ok {
				continue
			}
		}
		if s.from != "" {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		c.putParam(k, merged[k].value)
		report(k, merged[k].value, merged[k].from)
	}
	return c, out, nil
}

func merge(layers ...map[string]setting) map[string]setting {
	out := map[string]setting{}
	for _, l := range layers {
		for k, v := range l {
			out[k] = v
		}
	}
	return out
}

// defaultServiceFile is pgx's default servicefile setting, "" if none.
func (e Environment) defaultServiceFile() string {
	if goos == "windows" {
		// pgx prefers libpq's %APPDATA% location, and keeps its own older
		// ~/.pg_service.conf when that one exists and libpq's does not.
		home, _ := e.lookup("USERPROFILE")
		appData, _ := e.lookup("APPDATA")
		var path string
		if appData != "" {
			path = filepath.Join(appData, "postgresql", ".pg_service.conf")
		}
		if home != "" {
			homeFile := filepath.Join(home, ".pg_service.conf")
			if path == "" || !e.exists(path) && e.exists(homeFile) {
				path = homeFile
			}
		}
		return path
	}
	if home, _ := e.lookup("HOME"); home != "" {
		return filepath.Join(home, ".pg_service.conf")
	}
	return ""
}

func (e Environment) exists(path string) bool { return e.Exists != nil && e.Exists(path) }

// defaultHost is pgx's default host and what the completion says of it.
func (e Environment) defaultHost() (string, string) {
	if goos != "windows" {
		for _, dir := range socketDirs {
			if e.exists(dir) {
				return dir, fromSocketDir
			}
		}
	}
	return "localhost", fromLocalhost
}

// driverSettings returns the settings pgx reads from the string itself
// (pgconn parseURLSettings and parseKeywordValueSettings): a part written
// empty is absent, except where pgx keeps it, and then it hides the
// environment's value.
func (u *URL) driverSettings() map[string]setting {
	s := map[string]setting{}
	if u.form == FormURL {
		if v, _ := url.PathUnescape(u.rawUser); v != "" {
			s["user"] = setting{value: v}
		}
		if v, _ := url.PathUnescape(u.rawPassword); u.hasPassword && v != "" {
			s["password"] = setting{value: v}
		}
		var names, ports []string
		for _, h := range u.hosts {
			names, ports = append(names, h.Name), append(ports, h.Port)
		}
		// postgres://a,b has the port list ",": every host takes 5432, and
		// PGPORT does not apply.
		if v := strings.Join(names, ","); v != "" {
			s["host"] = setting{value: v}
		}
		if v := strings.Join(ports, ","); v != "" {
			s["port"] = setting{value: v}
		}
		if v, _ := url.PathUnescape(u.rawPath); v != "" {
			s["database"] = setting{value: v}
		}
	}
	sslWasLast := false
	for _, p := range u.params {
		k, v := canonicalKey(u.decodeKey(p.key)), u.decodeValue(p.value)
		if u.form == FormKeyValue && k == "user" && v == "" {
			continue
		}
		switch k {
		case "ssl":
			sslWasLast = true
		case "sslmode":
			sslWasLast = false
		}
		s[k] = setting{value: v}
	}
	// In a URL, ssl=true is pgx's alias for sslmode=require.
	if v, ok := s["ssl"]; ok && u.form == FormURL && v.value == "true" {
		delete(s, "ssl")
		if sslWasLast {
			s["sslmode"] = setting{value: "require"}
		}
	}
	return s
}

// completeHostsPorts fills in the host and port lists as pgx completes them:
// the merged value or the default, then the default again for every empty
// element of a list.
func (u *URL) completeHostsPorts(merged map[string]setting, env Environment, report func(part, value, from string)) error {
	defHost, defHostFrom := env.defaultHost()
	host, ok := merged["host"]
	if ha := merged["hostaddr"]; !ok && strings.Trim(ha.value, ", ") != "" {
		// libpq connects to hostaddr over TCP when no host is named;
		// pgx's default host would be a Unix socket.
		host, defHost, defHostFrom = setting{ha.value, fromHostAddr}, "", fromHostAddr
	} else if !ok {
		host = setting{defHost, defHostFrom}
	}
	port, ok := merged["port"]
	if !ok {
		port = setting{DefaultPort, fromDefaultPort}
	}
	names, ports := strings.Split(host.value, ","), strings.Split(port.value, ",")
	if len(ports) > 1 && len(ports) != len(names) {
		return &SettingError{Part: "port", From: port.source(),
			Reason: fmt.Sprintf("%d ports for %d hosts from %s", len(ports), len(names), host.source())}
	}
	fill := func(list []string, part string, s setting, def, defFrom string) bool {
		changed := s.from != ""
		var given []string
		for i, v := range list {
			if v == "" {
				list[i], changed = def, true
				report(part, def, defFrom)
			} else {
				given = append(given, v)
			}
		}
		if s.from != "" && len(given) > 0 {
			report(part, strings.Join(given, ","), s.from)
		}
		return changed
	}
	hostChanged := fill(names, "host", host, defHost, defHostFrom)
	portChanged := fill(ports, "port", port, DefaultPort, fromDefaultPort)
	for _, p := range ports {
		if !validPort(p) {
			return &SettingError{Part: "port", From: port.source(), Reason: "not a number from 1 to 65535"}
		}
	}
	if !hostChanged && !portChanged {
		return nil
	}

	_, hostParam := u.lookup("host")
	_, portParam := u.lookup("port")
	if u.form == FormKeyValue || hostParam || portParam {
		// A parameter overrides the URL's host list, so writing both as
		// parameters leaves no doubt which one pgx reads.
		if hostChanged {
			u.putParam("host", strings.Join(names, ","))
		}
		if portChanged {
			u.putParam("port", strings.Join(ports, ","))
		}
		return nil
	}
	hosts := make([]Host, len(names))
	for i, n := range names {
		hosts[i] = Host{Name: n, Port: ports[0]}
		if len(ports) > 1 {
			hosts[i].Port = ports[i]
		}
	}
	if len(hosts) != len(u.hosts) {
		u.hosts, u.rawHosts = make([]Host, len(hosts)), make([]string, len(hosts))
	}
	for i, h := range hosts {
		if h != u.hosts[i] || u.rawHosts[i] == "" {
			u.hosts[i], u.rawHosts[i] = h, formatHost(h)
		}
	}
	return nil
}

// putParam sets key to value, adding it if absent.
func (u *URL) putParam(key, value string) {
	if !u.setParam(key, value) {
		u.addParam(key, value)
	}
}

func (u *URL) setPassword(pw string) {
	if u.setParam("password", pw) {
		return
	}
	// An empty password in the user info is none; an empty parameter hides
	// PGPASSWORD.
	if u.form == FormURL && pw != "" {
		u.hasUserinfo, u.hasPassword, u.rawPassword = true, true, escapeComponent(pw, "")
		return
	}
	u.addParam("password", pw)
}
