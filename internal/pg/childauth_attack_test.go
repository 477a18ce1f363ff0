package pg

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
)

// A child's driver finds the operator's ~/.pgpass where dbguard did not
// look: libpq (psql, psycopg under Alembic) reads the password database's
// home when HOME is unset or empty (a cron job, a systemd unit), and older
// pgx reads it whatever HOME says. dbguard looked only at $HOME, so it
// judged that no password was around and gave the child no PGREQUIREAUTH:
// a repository's host got the password in cleartext.
func TestAttackChildPasswordFileInThePasswdHome(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no password database home: %APPDATA% is covered by TestChildEnvRequireAuthOnlyWithAPassword")
	}
	u, err := dburl.Parse("postgres://app@db.repository.example:5432/app?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, home string // HOME; "-": unset
	}{
		{"HOME unset", "-"},
		{"HOME empty", ""},
		{"HOME elsewhere", t.TempDir()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"PGPASSWORD", "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE", "PGREQUIREAUTH", "PGHOST"} {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			t.Setenv("HOME", tc.home)
			if tc.home == "-" {
				os.Unsetenv("HOME")
			}
			passwd := t.TempDir()
			if err := os.WriteFile(filepath.Join(passwd, ".pgpass"), []byte("*:*:*:*:s3cret-operator\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			old := passwdHome
			passwdHome = func() string { return passwd }
			t.Cleanup(func() { passwdHome = old })
			if got := ChildRequireAuth(u); got != EnvironmentAuth {
				t.Errorf("ChildRequireAuth = %q with the operator's password file in the password database's home; want %q", got, EnvironmentAuth)
			}
			// And none without it: the rule is for a password to keep.
			passwdHome = func() string { return t.TempDir() }
			if got := ChildRequireAuth(u); got != "" {
				t.Errorf("ChildRequireAuth = %q with no password file anywhere; want none", got)
			}
		})
	}
}

// A relative PGPASSFILE is read from the child's own folder (the tool's
// workdir, backend/ for an Alembic project), not dbguard's: it was looked
// for beside dbguard, found missing, and the child in its folder sent the
// password it found there to a repository's host.
func TestAttackChildRelativePassfile(t *testing.T) {
	u, err := dburl.Parse("postgres://app@db.repository.example:5432/app?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"PGPASSWORD", "PGSERVICE", "PGSERVICEFILE", "PGREQUIREAUTH", "PGHOST"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("HOME", t.TempDir())
	old := passwdHome
	passwdHome = func() string { return "" }
	t.Cleanup(func() { passwdHome = old })
	project := t.TempDir()
	if err := os.MkdirAll(filepath.Join(project, "backend"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(project, "backend", ".pgpass"), []byte("*:*:*:*:s3cret-operator\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(project) // dbguard's folder; the child runs in backend/
	t.Setenv("PGPASSFILE", ".pgpass")
	if got := ChildRequireAuth(u); got != EnvironmentAuth {
		t.Errorf("ChildRequireAuth = %q with a relative PGPASSFILE; want %q", got, EnvironmentAuth)
	}
	t.Setenv("PGPASSFILE", filepath.Join(project, "none"))
	if got := ChildRequireAuth(u); got != "" {
		t.Errorf("ChildRequireAuth = %q with an absolute PGPASSFILE that does not exist; want none", got)
	}
}
