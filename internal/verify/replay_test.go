package verify

import (
	"slices"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/sandbox"
)

// TestReplayKeyHoldsEveryInput: each input the replay's outcome depends
// on changes the replay cache's key, and the parts cannot be shifted into
// one another (a role list against the batches).
func TestReplayKeyHoldsEveryInput(t *testing.T) {
	found := sandbox.Find()
	if len(found) == 0 {
		t.Fatal("no PostgreSQL server binaries")
	}
	b := found[0]
	opts := func(db string, lock time.Duration) Options {
		u, err := dburl.Parse("postgres://app@localhost/" + db)
		if err != nil {
			t.Fatal(err)
		}
		return Options{Connect: pg.ConnectOptions{URL: u, LockTimeout: lock}}
	}
	key := func(o Options, user string, roles, batches []string) string {
		k := sandbox.ReplayKey(b, replayParts(o, user, roles, batches)...)
		if k == "" {
			t.Fatal("no key")
		}
		return k
	}
	t.Setenv("PGAPPNAME", "")
	o := opts("app", 0)
	base := key(o, "app", []string{"a", "b"}, []string{"CREATE TABLE t (id int)", "INSERT INTO v VALUES (1)"})
	if again := key(o, "app", []string{"a", "b"}, []string{"CREATE TABLE t (id int)", "INSERT INTO v VALUES (1)"}); again != base {
		t.Fatal("the same inputs make two keys")
	}
	for name, k := range map[string]string{
		"another live database": key(opts("app2", 0), "app", []string{"a", "b"}, []string{"CREATE TABLE t (id int)", "INSERT INTO v VALUES (1)"}),
		"a lock_timeout":        key(opts("app", time.Second), "app", []string{"a", "b"}, []string{"CREATE TABLE t (id int)", "INSERT INTO v VALUES (1)"}),
		"another role":          key(o, "app2", []string{"a", "b"}, []string{"CREATE TABLE t (id int)", "INSERT INTO v VALUES (1)"}),
		"a live role more":      key(o, "app", []string{"a", "b", "c"}, []string{"CREATE TABLE t (id int)", "INSERT INTO v VALUES (1)"}),
		"the roles in order":    key(o, "app", []string{"b", "a"}, []string{"CREATE TABLE t (id int)", "INSERT INTO v VALUES (1)"}),
		"a role as a batch":     key(o, "app", []string{"a"}, []string{"b", "CREATE TABLE t (id int)", "INSERT INTO v VALUES (1)"}),
		"a file's byte":         key(o, "app", []string{"a", "b"}, []string{"CREATE TABLE t (id bigint)", "INSERT INTO v VALUES (1)"}),
		"the batches cut apart": key(o, "app", []string{"a", "b"}, []string{"CREATE TABLE t (id int)INSERT INTO v VALUES (1)"}),
		"a PGAPPNAME": func() string {
			t.Setenv("PGAPPNAME", "x")
			return key(o, "app", []string{"a", "b"}, []string{"CREATE TABLE t (id int)", "INSERT INTO v VALUES (1)"})
		}(),
	} {
		if k == base {
			t.Errorf("%s: the same key", name)
		}
	}
	// A password in the environment is not hashed into a file name.
	t.Setenv("PGAPPNAME", "")
	t.Setenv("PGPASSWORD", "hunter2")
	if slices.ContainsFunc(replayParts(o, "app", nil, nil), func(p string) bool { return p == "PGPASSWORD=hunter2" }) {
		t.Error("PGPASSWORD is in the key's parts")
	}
}
