package verify

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/sandbox"
)

// With PGSERVICE in the environment, pgx reads the service file for every
// connection, the replay's to the sandbox too: its options= and any other
// parameter (search_path=, statement_timeout=) start the replay's session,
// and decide where its files put their tables. At 17c7eff the key held
// PGSERVICE and PGSERVICEFILE but not the file's lines, so a service file
// edited between two plans (search_path=a, then b) left the key as it was
// and the warm plan showed the shadow of the old settings (s15-review8a).
// The file's lines are in the key, its password lines not.
func TestAttackReplayKeyServiceFile(t *testing.T) {
	found := sandbox.Find()
	if len(found) == 0 {
		t.Fatal("no PostgreSQL server binaries")
	}
	u, err := dburl.Parse("postgres://app@localhost/app")
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Connect: pg.ConnectOptions{URL: u}}
	file := filepath.Join(t.TempDir(), "pg_service.conf")
	t.Setenv("PGSERVICE", "mine")
	t.Setenv("PGSERVICEFILE", file)
	key := func(text string) string {
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		k := sandbox.ReplayKey(found[0], replayParts(o, "app", nil, []string{"CREATE TABLE t (id int)"})...)
		if k == "" {
			t.Fatal("no key")
		}
		return k
	}
	a := key("[mine]\nsearch_path=a\n")
	if b := key("[mine]\nsearch_path=b\n"); b == a {
		t.Error("a service file's search_path changed: the same key")
	}
	if b := key("[mine]\noptions=-c search_path=b\n"); b == a {
		t.Error("a service file's options changed: the same key")
	}
	// Its password is not hashed into a file name; changing it changes
	// nothing the replay runs.
	withPw := key("[mine]\nsearch_path=a\npassword=hunter2secret\n")
	if withPw != key("[mine]\nsearch_path=a\npassword=other\n") {
		t.Error("the service file's password is in the key")
	}
	if slices.ContainsFunc(replayParts(o, "app", nil, nil), func(p string) bool { return strings.Contains(p, "hunter2") || strings.Contains(p, "other") }) {
		t.Error("the service file's password is in the key's parts")
	}
}
