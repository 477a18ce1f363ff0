// Package pg connects to PostgreSQL for every command: it applies the
// connect timeout, retries for a server still starting, tells a server
// that refused us from one that cannot be reached (exit 2 and exit 3), and
// runs work on one connection.
package pg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// ConnectOptions says how to reach the database.
type ConnectOptions struct {
	URL            *dburl.URL
	ConnectTimeout time.Duration // 0: the URL's connect_timeout, else 10s
	// MaxConnectTimeout, when set, caps the timeout whatever the URL or
	// ConnectTimeout says: both may be the repository's word (an env
	// file's connect_timeout, dbguard.yaml's), and a host that accepts and
	// never answers must not hold a command for a day.
	MaxConnectTimeout time.Duration
	// Wait retries connection errors with jittered backoff for this long.
	// Zero means one attempt: a suspended Neon compute wakes within one
	// connect, so retries are only for a server that is not up yet.
	Wait time.Duration
	// SimpleProtocol is for a connection through a transaction pooler
	// (--allow-pooler): no prepared statements (pgx's cached statements
	// collide there, SQLSTATE 42P05) and no session state.
	SimpleProtocol bool
	// LockTimeout, when set, becomes the session's lock_timeout until the
	// migration lock is held (see migrate's lockingDriver).
	LockTimeout time.Duration
	Log         io.Writer // retry messages; nil for none
	// OnNotice, when set, receives the server's notices (and, with
	// client_min_messages lowered, its debug messages): dbguard migrate
	// plan reads "rewriting table" and "verifying table" from them.
	OnNotice func(*pgconn.Notice)
	// ReadOnly makes every transaction of the session read-only
	// (default_transaction_read_only, a startup parameter the session
	// cannot be talked out of by accident): a preview's connections to the
	// live server. Through a pooler, which rejects the parameter, each
	// query starts its transaction read-only instead (readOnlyWire).
	ReadOnly bool
	// Unnamed makes pgx prepare no statement by name (it caches only the
	// descriptions, QueryExecModeCacheDescribe): for a session a
	// repository's SQL runs in between dbguard's reads (the plan's trace),
	// where a file can find pgx's statements in pg_prepared_statements,
	// DEALLOCATE one and PREPARE its own under the name for pgx to run.
	Unnamed bool
	// Root is the project root: a password, service or client-certificate
	// file the connection string itself names must be inside it (see
	// checkWrittenFiles). "": not checked (a URL of dbguard's own making).
	Root string
	// AllowPooler (--allow-pooler): a connection the server's answers show
	// goes through a pooler (PoolerFoundError) is made again with
	// SimpleProtocol, as for a URL known to be pooled.
	AllowPooler bool
	// session, when it serves these options, is where WithConn runs (see
	// Sharing).
	session *Session
	// From says where URL was written, for the errors about what it
	// names: the variable and its file:line ("DATABASE_URL at .env:3",
	// as guard.Target.Where gives it); "" when not known. Never the URL.
	From string
}

// DefaultConnectTimeout applies when neither the options nor the URL say.
const DefaultConnectTimeout = 10 * time.Second

// RepositoryConnectTimeout caps one connection attempt's timeout when it
// comes from the repository (the URL's connect_timeout, dbguard.yaml's
// migrations.connect_timeout): --connect-timeout, the user's word, may go
// beyond it, and --wait retries for as long as it says.
const RepositoryConnectTimeout = 60 * time.Second

// config builds the pgx configuration for o.URL, applying the options.
func (o ConnectOptions) config() (*pgx.ConnConfig, bool, error) {
	u := Resolve(o.URL)
	addrs, err := u.HostAddrs()
	if err != nil {
		return nil, false, fmt.Errorf("the database URL is not usable: %w", err)
	}
	if err := checkSettingFiles(u); err != nil {
		return nil, false, err
	}
	if err := checkWrittenFiles(o.URL, o.Root, "", o.From); err != nil {
		return nil, false, err
	}
	cfg, err := pgx.ParseConfig(u.DriverString())
	if err != nil {
		return nil, false, fmt.Errorf("the database URL is not usable: %w", err)
	}
	if addrs != nil {
		// libpq's hostaddr: connect to the address, and still verify TLS
		// against the host name (pgx set ServerName from it).
		lookup := cfg.LookupFunc
		cfg.LookupFunc = func(ctx context.Context, host string) ([]string, error) {
			if a, ok := addrs[host]; ok {
				return []string{a}, nil
			}
			return lookup(ctx, host)
		}
	}
	switch {
	case o.ConnectTimeout > 0:
		cfg.ConnectTimeout = o.ConnectTimeout
	case cfg.ConnectTimeout == 0:
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "dbguard"
	}
	injected := false
	// Not through a pooler: PgBouncer rejects the startup parameter, and a
	// session setting would leak to other clients of the server connection.
	if o.LockTimeout > 0 && !o.SimpleProtocol && cfg.RuntimeParams["lock_timeout"] == "" && !strings.Contains(cfg.RuntimeParams["options"], "lock_timeout") {
		cfg.RuntimeParams["lock_timeout"] = fmt.Sprint(o.LockTimeout.Milliseconds())
		injected = true
	}
	if o.ReadOnly && !o.SimpleProtocol {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	if o.ReadOnly && o.SimpleProtocol {
		cfg.BuildFrontend = readOnlyFrontend
	}
	if o.OnNotice != nil {
		cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { o.OnNotice(n) }
	}
	if o.Unnamed {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	}
	if o.SimpleProtocol {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	}
	guardEnvironmentPassword(o.URL, cfg)
	if err := refuseSecretInStartup(o.URL, cfg); err != nil {
		return nil, false, err
	}
	return cfg, injected, nil
}

// refuseSecretInStartup refuses a connection to a host the repository
// chose (not one the environment's own strings name) whose startup
// message would carry the operator's secret: the user name, the database
// name and the runtime parameters (application_name, options) go to the
// host in the clear before any authentication, so SCRAM keeps nothing
// there. A .env's postgres://${DB_PASSWORD}@HOST/app, .../${DB_PASSWORD}
// or ?application_name=${DB_PASSWORD}, expanded by a loader, would send
// the job's secret to the repository's host. Only a secret that looks
// generated and is 8 bytes or more is looked for (DB_PASSWORD=postgres
// beside a user postgres is a developer's own machine).
func refuseSecretInStartup(u *dburl.URL, cfg *pgx.ConnConfig) error {
	if hostFromEnvironment(u) {
		return nil
	}
	// In a fixed order, so the error names the same field every run.
	fields := [][2]string{{"user name", cfg.User}, {"database name", cfg.Database}}
	for _, k := range slices.Sorted(maps.Keys(cfg.RuntimeParams)) {
		fields = append(fields, [2]string{"parameter " + k, cfg.RuntimeParams[k]})
	}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		var secret string
		switch {
		case dburl.EnvironSecret(k, v):
			secret = v
		case operatorConnVar(k) && (strings.Contains(v, "postgres") || strings.Contains(v, "password")):
			if e, err := dburl.Parse(v); err == nil {
				secret = e.Password()
			}
		}
		if len(secret) < 8 || !dburl.LooksGenerated(secret) {
			continue
		}
		for _, f := range fields {
			if strings.Contains(f[1], secret) {
				return &SecretInStartupError{Hosts: hostNames(u), Field: f[0], Var: k}
			}
		}
	}
	return nil
}

func hostNames(u *dburl.URL) string {
	var names []string
	for _, h := range u.Hosts() {
		names = append(names, h.Name)
	}
	return strings.Join(names, ",")
}

// EnvironmentAuth is the authentication policy (libpq's require_auth) for
// a password the connection string does not carry: the driver's
// PGPASSWORD, password file or service file, which the operator set for
// the database they meant, while the host may be a repository's word (a
// pull request changing .env's host). Such a password goes only where it
// cannot be read: never in cleartext nor as md5, whose hash is as good as
// the password to a server replaying it; SCRAM, GSS, a server that asks
// for none, all as before. PGREQUIREAUTH, the operator's own, replaces it.
const EnvironmentAuth = "!password,!md5"

// guardEnvironmentPassword sets cfg's require_auth when the password
// comes from the environment rather than from the connection string u
// (the written one, before Resolve filled in PGPASSWORD). A require_auth
// the connection string writes is the repository's word and cannot loosen
// it; PGREQUIREAUTH, the operator's, can.
//
// The host is the operator's too, and the rule is off, when the connection
// string writes none (PGHOST, the operator's service or the local socket
// decide), or when a connection string in the process environment names
// the same hosts (a job's DATABASE_URL without a password, PGPASSWORD
// beside it, and an md5 server of its own).
//
// A password the string carries is kept to the same rule when it is the
// operator's (operatorsPassword: a secret variable's value, or the
// password of a connection string of the process environment): a .env's
// postgres://app:${DB_PASSWORD}@HOST/app that a loader expands, or the
// job's own DATABASE_URL with its host rewritten by a `poolers` rule of
// the repository's dbguard.yaml.
func guardEnvironmentPassword(u *dburl.URL, cfg *pgx.ConnConfig) {
	if cfg.Password == "" || hostFromEnvironment(u) {
		return
	}
	if p := u.Password(); p != "" {
		if _, mine := operatorsPassword(p, u); !mine {
			return
		}
	}
	if v, ok := os.LookupEnv("PGREQUIREAUTH"); ok && v != "" {
		cfg.RequireAuth = v
		return
	}
	cfg.RequireAuth = EnvironmentAuth
}

// ChildRequireAuth is the PGREQUIREAUTH a child handed u (exec's command,
// a migration tool) must get, "" for none: EnvironmentAuth where u, as
// written, carries no password and names a host the process environment
// does not (the child's driver would answer that host with PGPASSWORD, a
// password file or a service file), unless the operator set PGREQUIREAUTH,
// which the child inherits. Unlike guardEnvironmentPassword it does not
// read a password file to see whether it has a line for u: it asks only
// whether the operator has a password the child's driver could find
// (operatorPasswordAround), and a child without one has nothing to send.
// libpq 16+ and pgx honour the variable; lib/pq (dbmate) refuses to
// connect when it is set, and libpq 15 and older refuse require_auth in a
// URL, so it is given only where there is a password to keep: a local
// server with trust authentication and no password anywhere works with
// every tool.
//
// A u that carries the operator's password (operatorsPassword) to such a
// host gets the rule too: the child has that password in the URL itself.
func ChildRequireAuth(u *dburl.URL) string {
	if u == nil || os.Getenv("PGREQUIREAUTH") != "" || hostFromEnvironment(u) {
		return ""
	}
	if p := u.Password(); p != "" {
		if _, mine := operatorsPassword(p, u); mine {
			return EnvironmentAuth
		}
		return ""
	}
	if !operatorPasswordAround(u) {
		return ""
	}
	return EnvironmentAuth
}

// operatorPasswordAround reports whether a driver handed u could find a
// password of the operator's that u does not carry: PGPASSWORD, a password
// file (PGPASSFILE, or the default ~/.pgpass, %APPDATA%\postgresql\pgpass.conf
// on Windows) that exists, or a service, whose file can hold one. A
// service file that exists counts even when nothing names a service: the
// child's own loader (dbmate's, python-dotenv in an env.py, Prisma's
// dotenv) reads the repository's .env, whose PGSERVICE=name makes libpq
// and pgx take that service's password for the URL's host. A relative
// PGPASSFILE or PGSERVICEFILE counts as there: the child reads it from its
// own folder. It stats, never reads.
func operatorPasswordAround(u *dburl.URL) bool {
	if os.Getenv("PGPASSWORD") != "" || os.Getenv("PGSERVICE") != "" || u.Param("service") != "" {
		return true
	}
	for _, v := range []string{"PGPASSFILE", "PGSERVICEFILE"} {
		if f := os.Getenv(v); f != "" && !filepath.IsAbs(f) {
			return true
		}
	}
	for _, f := range operatorFiles() {
		if _, err := os.Stat(f); err == nil {
			return true
		}
	}
	return false
}

// passwdHome is the operator's home folder as the password database says
// ("" when it cannot say); a variable for tests.
var passwdHome = func() string {
	if u, err := user.Current(); err == nil {
		return u.HomeDir
	}
	return ""
}

// operatorFiles are the password and service files a driver reads
// without being told (PGPASSFILE and PGSERVICEFILE replace the defaults
// under the home folder): under $HOME (where libpq 15+, pgx 5.12+ and
// lib/pq look; the drivers that take the home folder from the password
// database instead, older libpq and pgx, honour no PGREQUIREAUTH either;
// libpq 16+ does when HOME is unset, so that home is looked in too),
// and pg_service.conf in PGSYSCONFDIR, or where libpq is built to look
// when it is not set.
func operatorFiles() []string {
	var out []string
	homes := []string{}
	if runtime.GOOS == "windows" {
		if d := os.Getenv("APPDATA"); d != "" {
			homes = append(homes, filepath.Join(d, "postgresql"))
		}
	} else {
		if h, err := os.UserHomeDir(); err == nil {
			homes = append(homes, h)
		}
		// libpq takes the home from the password database when HOME is
		// unset or empty (a cron job, a systemd unit), libpq 16+ included.
		if h := passwdHome(); h != "" && !slices.Contains(homes, h) {
			homes = append(homes, h)
		}
	}
	pass, service := ".pgpass", ".pg_service.conf"
	if runtime.GOOS == "windows" {
		pass = "pgpass.conf"
	}
	for _, h := range homes {
		out = append(out, filepath.Join(h, pass), filepath.Join(h, service))
	}
	if f := os.Getenv("PGPASSFILE"); f != "" {
		out = append(out[:0], f)
		for _, h := range homes {
			out = append(out, filepath.Join(h, service))
		}
	}
	if f := os.Getenv("PGSERVICEFILE"); f != "" {
		out = slices.DeleteFunc(out, func(p string) bool { return filepath.Base(p) == service })
		out = append(out, f)
	}
	if d := os.Getenv("PGSYSCONFDIR"); d != "" {
		return append(out, filepath.Join(d, "pg_service.conf"))
	}
	for _, d := range sysconfDirs {
		out = append(out, filepath.Join(d, "pg_service.conf"))
	}
	return out
}

// sysconfDirs are where packaged libpq builds look for pg_service.conf
// when PGSYSCONFDIR is not set: Debian and Ubuntu, Red Hat and Fedora, a
// source build, Homebrew.
var sysconfDirs = []string{"/etc/postgresql-common", "/etc", "/etc/sysconfig/pgsql", "/usr/local/pgsql/etc", "/usr/local/etc", "/opt/homebrew/etc"}

// settingFiles are the settings whose file pgx's ParseConfig reads
// (servicefile, passfile, sslrootcert, sslcert, sslkey), with the variable
// it reads each from when the connection string does not say.
var settingFiles = []struct{ key, env string }{
	{"servicefile", "PGSERVICEFILE"},
	{"passfile", "PGPASSFILE"},
	{"sslrootcert", "PGSSLROOTCERT"},
	{"sslcert", "PGSSLCERT"},
	{"sslkey", "PGSSLKEY"},
}

// checkSettingFiles refuses a file setting that names a FIFO, a device or
// a folder: pgx opens it blocking, so servicefile=./fifo or
// sslrootcert=/dev/stdin in a repository's env file would make every
// command that connects wait for a writer, deaf to SIGTERM. A stat does not
// block; a file that does not exist is left for pgx to report.
func checkSettingFiles(u *dburl.URL) error {
	for _, s := range settingFiles {
		path, from := u.Param(s.key), "the connection string"
		if path == "" {
			path, from = os.Getenv(s.env), s.env
		}
		if path == "" || s.key == "sslrootcert" && path == "system" {
			continue
		}
		if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
			return &exitcode.Advice{Code: exitcode.Usage,
				Msg:  fmt.Sprintf("the database URL is not usable: %s %s (from %s) is not a regular file, and the driver would wait on it", s.key, output.Escape(path), from),
				Next: fmt.Sprintf("point %s at a regular file, or remove it from %s (dbguard env shows the file:line each setting comes from); then run: dbguard env", s.key, from)}
		}
	}
	return nil
}

// writtenFiles are the file settings whose content can leave the machine
// or decide what does: a password file's or a service file's password goes
// to the host the connection string names, and a client certificate is
// sent to it. sslrootcert is not among them: a CA file is only read, to
// check the server, and a system bundle outside the project is common.
var writtenFiles = []struct{ key, env string }{
	{"passfile", "PGPASSFILE"},
	{"servicefile", "PGSERVICEFILE"},
	{"sslcert", "PGSSLCERT"},
	{"sslkey", "PGSSLKEY"},
}

// checkWrittenFiles refuses a passfile, servicefile, sslcert or sslkey that
// the connection string u (as written, before Resolve) names outside the
// project root, by its path or through a link: the string may be a
// repository's word, naming the operator's ~/.pgpass or client certificate
// for a host of its own. The same settings from the environment (PGPASSFILE,
// PGSSLCERT...) are the operator's and not checked, nor a file a
// connection string in the process environment names (a deploy job's
// DATABASE_URL=...?sslcert=/secrets/client.crt).
//
// dir is the folder a relative path is read from: "" for this process's
// working directory (pgx's), a child's own folder for CheckChildFiles.
// from says where u was written (ConnectOptions.From), "" when unknown.
func checkWrittenFiles(u *dburl.URL, root, dir, from string) error {
	if root == "" || u == nil {
		return nil
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		realRoot = root
	}
	for _, s := range writtenFiles {
		p := u.Param(s.key)
		if p == "" {
			continue
		}
		abs := p
		if dir != "" && !filepath.IsAbs(abs) {
			abs = filepath.Join(dir, abs)
		}
		abs, err := filepath.Abs(abs)
		if err != nil {
			continue
		}
		real := abs
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			real = r
		}
		if safefile.Within(realRoot, real) || namedByEnvironment(s.key, p) {
			continue
		}
		written, where := "", "the connection string"
		if from != "" {
			written, where = " ("+from+")", from
		}
		return &exitcode.Advice{Code: exitcode.Usage,
			Msg:  fmt.Sprintf("the database URL%s is not usable: its %s %s is outside the project %s, and the connection string may be a repository's word: dbguard does not read it (a password or client certificate in it would go to the host the string names)", written, s.key, output.Escape(p), output.Escape(realRoot)),
			Next: fmt.Sprintf("move the file into the project, or remove %s from %s and set %s in the environment instead; then run: dbguard env", s.key, where, s.env)}
	}
	return nil
}

// CheckChildFiles refuses, as a connection does, a passfile, servicefile,
// sslcert or sslkey that u names outside the project root, for a child
// run in dir and handed u: its driver would read the operator's file and
// send what it holds to the host u names, as dbguard's own would.
//
// from says where u was written, as ConnectOptions.From.
func CheckChildFiles(u *dburl.URL, root, dir, from string) error {
	return checkWrittenFiles(u, root, dir, from)
}

// CheckChildStartup refuses, as a connection does (refuseSecretInStartup),
// a u whose startup message would carry the operator's secret (in its user
// or database name, application_name, options, any parameter) to a host
// the repository chose, for a child handed u: exec's command connects
// without dbguard connecting first, and its driver sends those fields in
// the clear before any authentication. A u the driver cannot parse is
// left to the child's driver to refuse.
func CheckChildStartup(u *dburl.URL) error {
	if u == nil || hostFromEnvironment(u) {
		return nil
	}
	r := Resolve(u)
	if err := checkSettingFiles(r); err != nil {
		return err
	}
	cfg, err := pgx.ParseConfig(r.DriverString())
	if err != nil {
		return nil
	}
	return refuseSecretInStartup(u, cfg)
}

// hostFromEnvironment reports whether the server u reaches is the
// operator's word: u writes no host, address or service, or a connection
// string in the process environment writes the same ones (in a variable
// named for one: operatorConnVar).
func hostFromEnvironment(u *dburl.URL) bool {
	where := func(u *dburl.URL) string {
		var b strings.Builder
		for _, h := range u.Hosts() {
			b.WriteString(h.Name + ":" + h.Port + ",")
		}
		for _, k := range []string{"hostaddr", "service", "servicefile"} {
			b.WriteString("|" + u.Param(k))
		}
		return b.String()
	}
	mine := where(u)
	if strings.Trim(mine, ":,|") == "" {
		return true
	}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if !operatorConnVar(k) || !strings.Contains(v, "postgres") && !strings.Contains(v, "host=") {
			continue
		}
		if e, err := dburl.Parse(v); err == nil && where(e) == mine {
			return true
		}
	}
	return false
}

// operatorsPassword reports whether p, the password a connection string
// u carries, is the operator's, and the variable of the process
// environment it is in: the whole value of a variable whose name says it
// holds a secret (dburl.EnvironSecret: DB_PASSWORD, PGPASSWORD), or the
// password of a connection string in a variable named as one
// (operatorConnVar: DATABASE_URL). A password equal to the string's user
// or database name, or under 4 bytes, is not taken for one (as the
// output's masking does not).
func operatorsPassword(p string, u *dburl.URL) (string, bool) {
	if len(p) < 4 || p == u.User() || p == u.Database() {
		return "", false
	}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if carries(p, v) && dburl.EnvironSecret(k, v) {
			return k, true
		}
		if !operatorConnVar(k) || !strings.Contains(v, "postgres") && !strings.Contains(v, "password") {
			continue
		}
		if e, err := dburl.Parse(v); err == nil && carries(p, e.Password()) {
			return k, true
		}
	}
	return "", false
}

// carries reports whether the password p holds the operator's secret v:
// all of it, or inside a longer one (a .env's ${DB_PASSWORD}x expands to
// the secret with a byte more, and a host that asks for it in cleartext
// reads the secret all the same). A v under 4 bytes counts only whole.
func carries(p, v string) bool {
	if v == "" {
		return false
	}
	return p == v || len(v) >= 4 && strings.Contains(p, v)
}

// namedByEnvironment reports whether a connection string in the process
// environment sets key to p: the operator's word, even when the repository
// writes the same.
func namedByEnvironment(key, p string) bool {
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if !operatorConnVar(k) || !strings.Contains(v, key) {
			continue
		}
		if u, err := dburl.Parse(v); err == nil && u.Param(key) == p {
			return true
		}
	}
	return false
}

// operatorConnVar reports whether the environment variable name is one an
// operator sets a connection string in (DATABASE_URL, PG_DSN, ...), not
// one a CI fills from the event: GitHub's GITHUB_HEAD_REF is the pull
// request's branch name, and "host=evil.example" is a valid one, which
// would make a repository's host the operator's word.
func operatorConnVar(name string) bool {
	n := strings.ToUpper(name)
	for _, ci := range []string{"GITHUB_", "CI_", "RUNNER_", "BUILDKITE_", "CIRCLE_", "BITBUCKET_", "TRAVIS_", "DRONE_", "GIT_"} {
		if strings.HasPrefix(n, ci) {
			return false
		}
	}
	for _, w := range []string{"URL", "URI", "DSN", "DATABASE", "CONN", "POSTGRES", "DB"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return strings.HasPrefix(n, "PG")
}

// checkClientConnection asks the server (PostgreSQL 14+) to notice within
// seconds when dbguard has gone, killed mid-migration: otherwise its backend
// runs the rest of a long statement and keeps the migration lock until it
// finishes. Older servers do not know the setting; that is not an error.
func checkClientConnection(ctx context.Context, conn *pgx.Conn) error {
	_, _ = conn.Exec(ctx, "SET client_connection_check_interval = 2000")
	return nil
}

// Resolve returns u completed as the driver completes it from this
// process's environment (PGHOST, PGPORT, PGSERVICE, ...; see
// [dburl.URL.Complete]): what Connect connects with and Target names, so
// that the database named is the one connected to. A URL the driver cannot
// complete is returned as it is, and the driver says why.
func Resolve(u *dburl.URL) *dburl.URL {
	full, _, err := u.Complete(dburl.ProcessEnvironment())
	if err != nil {
		return u
	}
	return full
}

// Target names the database Connect reaches with u, without credentials,
// for messages.
func Target(u *dburl.URL) string { return Resolve(u).Identity().String() }

// Prepare starts, on a goroutine of its own, what the first connection of
// the process builds before its first byte whatever the URL: pgx's
// default type map, built once per process (pgtype.NewMap; 1.15 million
// instructions, 7% of a no-op migrate up's, which golang-migrate pays
// too). A
// command that will connect calls it first thing, so the map is built on
// the other core while the command reads the project and the guard judges
// it, and Connect finds it done. Nothing is sent, nothing is read.
func Prepare() { go pgtype.NewMap() }

// Connect opens a database handle and proves it works, retrying for
// o.Wait. The returned bool says whether lock_timeout was injected.
func Connect(ctx context.Context, o ConnectOptions) (*sql.DB, bool, error) {
	cfg, injected, err := o.config()
	if err != nil {
		return nil, false, err
	}
	// What the repository says is capped; asked, when it was cut, is
	// named in the error, since a user's own URL may have meant it.
	var asked time.Duration
	if o.MaxConnectTimeout > 0 && cfg.ConnectTimeout > o.MaxConnectTimeout {
		asked, cfg.ConnectTimeout = cfg.ConnectTimeout, o.MaxConnectTimeout
	}
	// A connection just made needs no ping before its first use: the
	// handshake proved it (database/sql's Ping and stdlib's first reuse
	// would cost two round trips more, 20 ms to a database 10 ms away).
	var fresh sync.Map // *pgx.Conn -> when it connected
	db := stdlib.OpenDB(*cfg,
		stdlib.OptionAfterConnect(func(ctx context.Context, conn *pgx.Conn) error {
			fresh.Store(conn, time.Now())
			if !o.SimpleProtocol {
				// Only on the user's --allow-pooler: a proxy that is no
				// transaction pooler (Neon's, in front of a compute) may
				// also send a cancel key of its own.
				if why := pooledConn(conn); why != "" && o.AllowPooler {
					return &PoolerFoundError{Target: Target(o.URL), Why: why}
				}
				return checkClientConnection(ctx, conn)
			}
			return nil
		}),
		stdlib.OptionShouldPing(func(_ context.Context, p stdlib.ShouldPingParams) bool {
			if at, ok := fresh.LoadAndDelete(p.Conn); ok {
				return time.Since(at.(time.Time)) > time.Second
			}
			return p.IdleDuration > time.Second // stdlib's own rule
		}))
	start := time.Now()
	deadline := start.Add(o.Wait)
	for attempt := 0; ; attempt++ {
		pctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout+5*time.Second)
		var c *sql.Conn
		if c, err = db.Conn(pctx); err == nil {
			err = c.Close() // back to the pool, connected
		}
		cancel()
		if err == nil {
			if o.SimpleProtocol {
				pooledDBs.Store(db, true)
			}
			return db, injected, nil
		}
		if ctx.Err() != nil {
			db.Close()
			return nil, false, ctx.Err()
		}
		if !o.SimpleProtocol {
			var pf *PoolerFoundError
			if why := pooledStartup(err); why != "" || errors.As(err, &pf) {
				db.Close()
				if o.AllowPooler {
					if o.Log != nil {
						if pf == nil {
							pf = &PoolerFoundError{Target: Target(o.URL), Why: why}
						}
						fmt.Fprintf(o.Log, "dbguard: warning: %s answers as a connection pooler (%s): connecting through it, --allow-pooler: no prepared statements, no reliable lock\n", pf.Target, pf.Why)
					}
					o.SimpleProtocol = true
					return Connect(ctx, o)
				}
				if pf == nil {
					pf = &PoolerFoundError{Target: Target(o.URL), Why: why}
				}
				return nil, false, pf
			}
		}
		if why, ok := authPolicyFailed(err); ok {
			db.Close()
			source := passwordSource()
			if k, ok := operatorsPassword(o.URL.Password(), o.URL); ok {
				source = k
			}
			return nil, false, &PasswordWithheldError{Target: Target(o.URL), Why: why, Policy: cfg.RequireAuth, Source: source}
		}
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "28") || pgErr.Code == "3D000") {
			db.Close()
			return nil, false, &RejectedError{Target: Target(o.URL), Err: pgErr}
		}
		left := time.Until(deadline)
		if o.Wait <= 0 || left <= 0 {
			db.Close()
			waited := time.Duration(0)
			if o.Wait > 0 {
				waited = time.Since(start)
			}
			return nil, false, &UnreachableError{Target: Target(o.URL), Err: err, Waited: waited, Asked: asked, Capped: cfg.ConnectTimeout}
		}
		// Jittered exponential backoff: 250ms, 500ms, 1s, ... capped at 5s.
		sleep := min(250*time.Millisecond<<min(attempt, 5), 5*time.Second)
		sleep = sleep/2 + rand.N(sleep/2+1)
		sleep = min(sleep, left)
		if o.Log != nil {
			fmt.Fprintf(o.Log, "dbguard: waiting for %s: %s (retrying, %s left)\n", Target(o.URL), shortErr(err), left.Round(time.Second))
		}
		select {
		case <-ctx.Done():
			db.Close()
			return nil, false, ctx.Err()
		case <-time.After(sleep):
		}
	}
}

// WithPgx runs f on a pgx connection of db, for work database/sql cannot
// do in one round trip (batches).
func WithPgx(ctx context.Context, db *sql.DB, f func(*pgx.Conn) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error { return f(dc.(*stdlib.Conn).Conn()) })
}

// WithConn connects with o, runs f on one pgx connection and disconnects:
// for a command that reads the database once (introspection, a probe). On
// a session o shares (Sharing), it runs f there instead.
func WithConn(ctx context.Context, o ConnectOptions, f func(*pgx.Conn) error) error {
	if s := o.shared(); s != nil {
		if err := s.run(ctx, f); !errors.Is(err, errNotFresh) {
			return err
		}
	}
	db, _, err := Connect(ctx, o)
	if err != nil {
		return err
	}
	defer db.Close()
	return WithPgx(ctx, db, f)
}

// Wait connects (retrying for o.Wait) and disconnects: dbguard wait.
func Wait(ctx context.Context, o ConnectOptions) error {
	db, _, err := Connect(ctx, o)
	if err != nil {
		return err
	}
	return db.Close()
}

// To is o, as a template, pointed at the database at u; pooled is a
// connection through a transaction pooler (see SimpleProtocol).
func (o ConnectOptions) To(u *dburl.URL, pooled bool) ConnectOptions {
	o.URL, o.SimpleProtocol, o.From = u, pooled, ""
	return o
}
