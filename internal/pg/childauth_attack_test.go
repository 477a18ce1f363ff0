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
