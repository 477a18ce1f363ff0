package guard

import (
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pg"
)

// A child handed a repository's URL without a password gets the SCRAM-only
// rule only when the operator has a password its driver could find: lib/pq
// (dbmate) refuses to connect with PGREQUIREAUTH set and libpq 15 refuses
// require_auth in a URL, so a local server with trust authentication and
// no password anywhere must get neither.
func TestChildEnvRequireAuthOnlyWithAPassword(t *testing.T) {
	// The URL's own require_auth is the repository's word: with the rule, it
	// is replaced too.
	// libpq also looks in the home the password database names: a
	// ~/.pgpass there is a password around whatever HOME says.
	passwdPgpass := false
	if u, err := user.Current(); err == nil {
		_, err := os.Stat(filepath.Join(u.HomeDir, ".pgpass"))
		passwdPgpass = err == nil
	}
	const written = "postgres://app@db.repository.example:5432/app?sslmode=disable&require_auth=password"
	for _, tc := range []struct {
		name string
		set  func(t *testing.T, home string)
		url  string
		rule bool
	}{
		{"no password anywhere", func(*testing.T, string) {}, written, false},
		{"PGPASSWORD", func(t *testing.T, _ string) { t.Setenv("PGPASSWORD", "s3cret-operator") }, written, true},
		{"~/.pgpass", func(t *testing.T, home string) {
			writeFile(t, filepath.Join(home, ".pgpass"), "*:*:*:*:s3cret-operator\n")
		}, written, true},
		{"PGPASSFILE", func(t *testing.T, home string) {
			p := filepath.Join(home, "elsewhere")
			writeFile(t, p, "*:*:*:*:s3cret-operator\n")
			t.Setenv("PGPASSFILE", p)
		}, written, true},
		{"PGPASSFILE that does not exist", func(t *testing.T, home string) { t.Setenv("PGPASSFILE", filepath.Join(home, "none")) }, written, false},
		{"a service", func(*testing.T, string) {}, written + "&service=prod", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			for _, k := range []string{"PGPASSWORD", "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE", "PGREQUIREAUTH", "DATABASE_URL", "PGHOST"} {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			t.Setenv("HOME", home)
			t.Setenv("APPDATA", home)
			t.Setenv("PGSYSCONFDIR", home)
			tc.set(t, home)
			u, err := dburl.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			env := ChildEnv([]string{"PATH=/usr/bin"}, map[string]string{"DATABASE_URL": u.String()}, u)
			ruled := slices.Contains(env, "PGREQUIREAUTH="+pg.EnvironmentAuth)
			i := slices.IndexFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "DATABASE_URL=") })
			inURL := i >= 0 && env[i] != "DATABASE_URL="+u.String()
			want := tc.rule || passwdPgpass
			if ruled != want || inURL != want {
				t.Errorf("PGREQUIREAUTH given: %v, the URL's require_auth replaced: %v; want both %v (env %q)", ruled, inURL, want, env)
			}
		})
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestAttackChildFindsOperatorPasswordUnseen: since fc8d05c a child gets
// PGREQUIREAUTH only when the operator has a password around, and three
// places a child's driver takes one from were not looked at, so the child
// could send it in cleartext to the host a repository's URL names:
//   - a service file with no service named yet: the child's own loader
//     (dbmate's, python-dotenv in env.py, Prisma's dotenv) reads the
//     repository's .env, whose PGSERVICE=prod makes libpq and pgx take
//     [prod]'s password= for the URL's host;
//   - pg_service.conf in PGSYSCONFDIR (or libpq's built-in folder);
//   - a relative PGPASSFILE, which the child reads from its own folder.
func TestAttackChildFindsOperatorPasswordUnseen(t *testing.T) {
	const written = "postgres://app@db.repository.example:5432/app?sslmode=disable"
	const service = "[prod]\nhost=db.operator.example\npassword=s3cret-operator\n"
	for _, tc := range []struct {
		name string
		set  func(t *testing.T, home string)
	}{
		{"~/.pg_service.conf", func(t *testing.T, home string) { writeFile(t, filepath.Join(home, ".pg_service.conf"), service) }},
		{"PGSERVICEFILE", func(t *testing.T, home string) {
			p := filepath.Join(home, "services")
			writeFile(t, p, service)
			t.Setenv("PGSERVICEFILE", p)
		}},
		{"PGSYSCONFDIR", func(t *testing.T, home string) {
			d := filepath.Join(home, "etc")
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(d, "pg_service.conf"), service)
			t.Setenv("PGSYSCONFDIR", d)
		}},
		{"a relative PGPASSFILE", func(t *testing.T, _ string) { t.Setenv("PGPASSFILE", "secrets/pgpass") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home, sysconf := t.TempDir(), t.TempDir()
			for _, k := range []string{"PGPASSWORD", "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE", "PGREQUIREAUTH", "DATABASE_URL", "PGHOST"} {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			t.Setenv("HOME", home)
			t.Setenv("APPDATA", home)
			t.Setenv("PGSYSCONFDIR", sysconf)
			tc.set(t, home)
			u, err := dburl.Parse(written)
			if err != nil {
				t.Fatal(err)
			}
			env := ChildEnv([]string{"PATH=/usr/bin"}, map[string]string{"DATABASE_URL": u.String()}, u)
			if !slices.Contains(env, "PGREQUIREAUTH="+pg.EnvironmentAuth) {
				t.Errorf("the child can find the operator's password and gets no PGREQUIREAUTH (env %q)", env)
			}
			for _, kv := range env {
				if strings.Contains(kv, "s3cret") {
					t.Errorf("the child's environment carries a password: %q", kv)
				}
			}
		})
	}
}
