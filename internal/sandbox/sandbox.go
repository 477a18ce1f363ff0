// Package sandbox starts a throwaway PostgreSQL server for the previews
// (migrate plan, up --plan, the ci plan check, verify --shadow): the
// migration files of a branch under review run there, never on the live
// server, so a DROP DATABASE, a CREATE ROLE or a COPY ... TO PROGRAM in a
// pull request acts on a server dbguard created and deletes.
//
// The server is a fresh initdb in a private temporary folder (mode 0700),
// reached only through a Unix socket in that folder (no TCP listener), with
// fsync off. It is stopped and its folder removed by Close on every exit
// path; a parent killed with -9 takes the server with it (Linux: the parent
// death signal), and the folder a killed run leaves is removed by the next
// run's Sweep.
//
// Migrations run there as a role named like the live migration role, which
// is neither a superuser nor able to create roles: a superuser (or a
// PostgreSQL 15 CREATEROLE role, which can grant itself
// pg_execute_server_program) could run programs on this machine with
// COPY ... TO PROGRAM.
package sandbox

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/lookpath"
	"github.com/dbguard/dbguard/internal/safefile"
)

// EnvBinDir names a folder of PostgreSQL server binaries to use first. It is
// read from the process environment only: nothing in a repository (env
// files, dbguard.yaml) can choose the programs dbguard starts.
const EnvBinDir = "DBGUARD_PG_BINDIR"

// prefix starts the name of every sandbox folder, so Sweep can find them.
const prefix = "dbguard-sandbox-"

// Shadow is the sandbox's one database, where a preview builds its shadow:
// the cluster holds no other (oneDatabase), so the start's session works
// there, and the name is the same in every sandbox (the whole server is
// removed when the preview ends: no name tells one left over from
// another).
const Shadow = "dbguard_shadow"

// Superuser is the sandbox's bootstrap superuser. dbguard uses it only to
// set the sandbox up; migrations never run as it.
const Superuser = "dbguard_sandbox"

// Binaries is one installation of the server programs.
type Binaries struct {
	Dir   string // holds initdb and postgres
	Major int    // 15 for PostgreSQL 15.x
	Full  string // "15.18", as initdb --version prints it
}

// Find lists the server installations on this machine, newest first:
// only $DBGUARD_PG_BINDIR when it is set, else pg_config --bindir, Debian's /usr/lib/postgresql/N/bin,
// Homebrew's postgresql@N, Postgres.app, and initdb on PATH.
func Find() []Binaries { return FindOutside() }

// FindOutside is Find for a preview of the repositories in projects: a
// pg_config or initdb that PATH finds inside one of them, or inside the
// git work tree around one, or in the working folder, is not run. A PATH
// can hold a repository's folders without the user naming them (npm run
// puts every node_modules/.bin from the package up to the workspace's
// root first, a virtual environment's bin is committed), and the preview
// runs on pull requests: their programs would be the repository's, run
// by dbguard. $DBGUARD_PG_BINDIR is the user's word and is taken as given.
func FindOutside(projects ...string) []Binaries {
	var dirs []string
	if d := os.Getenv(EnvBinDir); d != "" {
		// Named: that installation, or none.
		if b, ok := probe(d); ok {
			return []Binaries{b}
		}
		return nil
	}
	inside := lookpath.RepositoryFolders(projects)
	if d, ok := pgConfigBindir(inside); ok {
		dirs = append(dirs, d)
	}
	for _, pattern := range []string{
		"/usr/lib/postgresql/*/bin",                          // Debian, Ubuntu
		"/usr/pgsql-*/bin",                                   // RHEL, Fedora (PGDG)
		"/opt/homebrew/opt/postgresql@*/bin",                 // Homebrew, Apple silicon
		"/usr/local/opt/postgresql@*/bin",                    // Homebrew, Intel
		"/opt/homebrew/opt/postgresql/bin",                   // Homebrew's unversioned formula
		"/usr/local/opt/postgresql/bin",                      //
		"/Applications/Postgres.app/Contents/Versions/*/bin", // Postgres.app
	} {
		m, _ := filepath.Glob(pattern)
		dirs = append(dirs, m...)
	}
	if p, err := exec.LookPath("initdb"); err == nil && !lookpath.Within(p, inside) {
		dirs = append(dirs, filepath.Dir(p))
	}
	var out []Binaries
	seen := map[string]bool{}
	for _, d := range dirs {
		if real, err := filepath.EvalSymlinks(d); err == nil {
			d = real
		}
		if seen[d] {
			continue
		}
		seen[d] = true
		b, ok := probe(d)
		if ok {
			out = append(out, b)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Major > out[j].Major })
	return out
}

// probe reads the version of the installation in dir.
func probe(dir string) (Binaries, bool) {
	initdb := filepath.Join(dir, exe("initdb"))
	if _, err := os.Stat(filepath.Join(dir, exe("postgres"))); err != nil {
		return Binaries{}, false
	}
	// initdb --version is a program run on the way to the sandbox's
	// start (0.1-0.3 s of waiting on a loaded machine); what it printed is
	// kept in the user's cache under the identity of initdb and postgres
	// (device, inode, size, change time: replacing either, even with the
	// same times, is a new key).
	key := versionKey(dir, initdb)
	if out, ok := cachedEntry(key); ok {
		if major, full, ok := parseVersion(out); ok {
			return Binaries{Dir: dir, Major: major, Full: full}, true
		}
	}
	b, err := exec.Command(initdb, "--version").Output()
	if err != nil {
		return Binaries{}, false
	}
	major, full, ok := parseVersion(string(b))
	if !ok {
		return Binaries{}, false
	}
	saveEntry(key, string(b))
	return Binaries{Dir: dir, Major: major, Full: full}, true
}

// pgConfigBindir is what pg_config on PATH says with --bindir. pg_config
// is the one program Find runs before a sandbox can start (on Debian a
// shell script that lists the installations, then execs the newest one's
// pg_config: four programs, 18 ms at load 15), so its answer is
// kept in the user's cache, keyed by the file the pg_config PATH finds
// resolves to, with that file's identity (device, inode, size, change
// time): one entry per pg_config, not per PATH (/bin and /usr/bin are one
// folder on most systems now) or working folder, which would leave one
// for every folder a plan ever ran in (a test suite's temporary ones). An
// entry is taken only while the folder it
// names, the two folders above it (where Debian and the PGDG packages put
// the version: /usr/lib/postgresql/15/bin, /usr/pgsql-15/bin) and the
// pg_config in it keep the identities they had when it was written: an
// installation added, removed or upgraded changes one of them, and then
// pg_config runs again. The answer is only a folder to probe: Find still
// checks it holds initdb and postgres and reads their version.
func pgConfigBindir(inside []string) (string, bool) {
	path, err := exec.LookPath("pg_config")
	if err != nil || lookpath.Within(path, inside) {
		return "", false
	}
	key := pgConfigKey(path)
	if d, ok := cachedBindir(key); ok {
		return d, true
	}
	out, err := exec.Command(path, "--bindir").Output()
	if err != nil {
		return "", false
	}
	d := strings.TrimSpace(string(out))
	saveBindir(key, d)
	return d, true
}

// pgConfigKey names the cache entry of the pg_config at path (the file it
// resolves to); "" when its identity cannot be read (no entry is read or
// written).
func pgConfigKey(path string) string {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return ""
	}
	id := binaryID(real)
	if id == "" {
		return ""
	}
	h := sha256.Sum256([]byte("pg_config --bindir\x00" + real + "\x00" + id))
	return fmt.Sprintf("pg_config-%x", h[:12])
}

// bindirStamp is the identity of an answer of pg_config: its folder, the
// two folders above it and the pg_config in it; "" when one cannot be read.
func bindirStamp(dir string) string {
	ids := []string{binaryID(filepath.Join(dir, exe("pg_config")))}
	for d, i := dir, 0; i < 3; d, i = filepath.Dir(d), i+1 {
		ids = append(ids, binaryID(d))
	}
	if slices.Contains(ids, "") {
		return ""
	}
	return strings.Join(ids, " ")
}

// cachedBindir is the folder a cache entry holds, when the entry reads as
// one ("folder\nstamp\n") and the stamp still holds.
func cachedBindir(key string) (string, bool) {
	out, ok := cachedEntry(key)
	if !ok {
		return "", false
	}
	dir, stamp, ok := strings.Cut(strings.TrimSuffix(out, "\n"), "\n")
	if !ok || !filepath.IsAbs(dir) || filepath.Clean(dir) != dir || strings.ContainsAny(dir, "\x00\n") || stamp == "" || bindirStamp(dir) != stamp {
		return "", false
	}
	return dir, true
}

// saveBindir keeps pg_config's answer, when its folder can be stamped.
func saveBindir(key, dir string) {
	if !filepath.IsAbs(dir) || filepath.Clean(dir) != dir || strings.ContainsAny(dir, "\x00\n") {
		return
	}
	if stamp := bindirStamp(dir); stamp != "" {
		saveEntry(key, dir+"\n"+stamp+"\n")
	}
}

// parseVersion reads initdb --version's line:
// "initdb (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)". The version is
// digits, dots and letters ("15.18", "17beta1", "18devel") or nothing: it
// names the template cluster's folder and is printed, and the cache it
// may come from is a file anything running as the user can write
// (TestAttackVersionCacheEntryIsNoPath).
func parseVersion(out string) (int, string, bool) {
	f := strings.Fields(out)
	if len(f) < 3 || len(f[2]) > 32 || strings.ContainsFunc(f[2], func(r rune) bool {
		return !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '.')
	}) {
		return 0, "", false
	}
	major, err := strconv.Atoi(strings.SplitN(f[2], ".", 2)[0])
	if err != nil {
		return 0, "", false
	}
	return major, f[2], true
}

// versionKey names the cache entry of initdb's version in dir; "" when the
// binaries' identity cannot be read (no entry is read or written).
func versionKey(dir, initdb string) string {
	a, b := binaryID(initdb), binaryID(filepath.Join(dir, exe("postgres")))
	if a == "" || b == "" {
		return ""
	}
	h := sha256.Sum256([]byte(dir + "\x00" + a + "\x00" + b))
	return fmt.Sprintf("%x", h[:12])
}

// versionsDir is the cache folder of the versions and of pg_config's
// answers, in the user's own cache (0700, as the template clusters beside
// it); "" when there is none.
func versionsDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "dbguard", "sandbox", "versions")
}

// entryMax bounds an entry: a version line, or pg_config's folder and
// its stamp.
const entryMax = 1024

// cachedEntry is the entry key holds, from a cache folder only this user
// can write.
func cachedEntry(key string) (string, bool) {
	d := versionsDir()
	if key == "" || d == "" || !private(d) {
		return "", false // another user could have written it
	}
	// Not waiting on a FIFO put in its place, nor reading a large file.
	b, err := safefile.ReadFile(filepath.Join(d, key), entryMax)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// saveEntry writes an entry atomically (a temporary file renamed into
// place); failing to cache is not an error.
func saveEntry(key, out string) {
	d := versionsDir()
	if key == "" || d == "" || len(out) > entryMax || os.MkdirAll(d, 0o700) != nil {
		return
	}
	f, err := os.CreateTemp(d, ".new-")
	if err != nil {
		return
	}
	_, err = f.WriteString(out)
	if cerr := f.Close(); err != nil || cerr != nil || os.Rename(f.Name(), filepath.Join(d, key)) != nil {
		os.Remove(f.Name())
	}
}

func exe(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}

// Choose picks the installation for a live server of major version want
// (0: unknown): the same major when there is one, else the newest. The note
// says what differs, "" when nothing does.
func Choose(found []Binaries, want int) (Binaries, string, error) {
	if len(found) == 0 {
		return Binaries{}, "", &MissingError{}
	}
	if want == 0 {
		return found[0], "", nil
	}
	if i := slices.IndexFunc(found, func(b Binaries) bool { return b.Major == want }); i >= 0 {
		return found[i], "", nil
	}
	b := found[0]
	return b, fmt.Sprintf("the sandbox runs PostgreSQL %d (no PostgreSQL %d server binaries here): locks, rewrites and errors are those of %d and may differ from the live server's; install PostgreSQL %d's server package, or point schema.shadow_url (${SHADOW_DATABASE_URL} in dbguard.yaml) at a PostgreSQL %d server by setting SHADOW_DATABASE_URL in the environment",
		b.Major, want, b.Major, want, want), nil
}

// MissingError means no server binaries were found (exit 2: set up the
// machine or the configuration).
type MissingError struct {
	// Skipped are the programs PATH found inside the repository, which a
	// preview does not run (SkippedOnPath).
	Skipped []string
}

func (e *MissingError) Error() string {
	if d := os.Getenv(EnvBinDir); d != "" {
		return fmt.Sprintf("no PostgreSQL server binaries (initdb, postgres) in %s=%q for the preview's sandbox; the migrations under review run only on a throwaway server, never on the live one", EnvBinDir, d)
	}
	msg := "no PostgreSQL server binaries found for the preview's sandbox (looked for initdb in pg_config --bindir, /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin, Homebrew, Postgres.app and PATH); the migrations under review run only on a throwaway server, never on the live one"
	if len(e.Skipped) > 0 {
		q := make([]string, len(e.Skipped))
		for i, p := range e.Skipped {
			q[i] = strconv.Quote(p)
		}
		msg += "; not run, because PATH finds them inside the repository and a preview runs no program of the repository's: " + strings.Join(q, ", ")
	}
	return msg
}

// SkippedOnPath lists the pg_config and initdb that PATH finds inside
// projects, the git work tree around them or the working folder: the
// programs FindOutside leaves out, for the error that says why none was
// found.
func SkippedOnPath(projects ...string) []string {
	inside := lookpath.RepositoryFolders(projects)
	var out []string
	for _, name := range []string{"pg_config", "initdb"} {
		if p, err := exec.LookPath(name); err == nil && lookpath.Within(p, inside) {
			out = append(out, p)
		}
	}
	return out
}

// ExitCode is 2: the machine or the configuration needs a change.
func (e *MissingError) ExitCode() int { return exitcode.Usage }

// Hint names the fix.
func (e *MissingError) Hint() string {
	h := "install the server (Debian/Ubuntu: apt-get install -y postgresql; macOS: brew install postgresql@16), or write schema.shadow_url: ${SHADOW_DATABASE_URL} in dbguard.yaml and set SHADOW_DATABASE_URL in the environment to a server where dbguard may create databases"
	if len(e.Skipped) > 0 {
		h += "; an installation of your own inside the repository is used only when named: set " + EnvBinDir + " to its bin folder"
	}
	return h
}

// StartError means the sandbox server did not start (exit 2).
type StartError struct {
	Step string
	Err  error
	Log  string // the tail of the server's log
}

func (e *StartError) Error() string {
	msg := fmt.Sprintf("the preview's sandbox server did not start (%s): %v", e.Step, e.Err)
	if e.Log != "" {
		msg += "; server log: " + e.Log
	}
	return msg
}
func (e *StartError) Unwrap() error { return e.Err }

// ExitCode is 2: the machine needs a change.
func (e *StartError) ExitCode() int { return exitcode.Usage }

// Hint names the fix.
func (e *StartError) Hint() string {
	return "check that the PostgreSQL server package is complete and the temporary folder is writable, or write schema.shadow_url: ${SHADOW_DATABASE_URL} in dbguard.yaml and set SHADOW_DATABASE_URL in the environment to a server where dbguard may create databases"
}
