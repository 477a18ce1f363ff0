package verify

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/config"
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

// A plan's sandbox starts while the live server is read when the replay
// cache holds no entry to look up (a CI job on a fresh runner: every
// plan) or is off: the key needs the live roles, but only a lookup needs
// the key before the start. At 17c7eff every plan with one installation
// waited for the live server's answer before it started the sandbox,
// which the plan did not before the cache, a remote server's round trips
// added to each cold plan's wall (s15-review8a). The live server here
// accepts the connection and never answers: the sandbox's folder is made
// while it waits, not after its error.
func TestReplayCacheColdStartsBesideLive(t *testing.T) {
	found := sandbox.Find()
	if len(found) == 0 {
		t.Fatal("no PostgreSQL server binaries")
	}
	// One installation (with two, the live version chooses, and the
	// start waits for it).
	t.Setenv("DBGUARD_PG_BINDIR", found[0].Dir)
	for _, off := range []bool{false, true} {
		// Where the sandbox's folder is made: one the server's user can
		// enter (as root, dbguard runs it as postgres).
		tmp := t.TempDir()
		for _, d := range []string{tmp, filepath.Dir(tmp)} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		t.Setenv("TMPDIR", tmp)
		t.Setenv("XDG_CACHE_HOME", t.TempDir())
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var held []net.Conn
		var mu sync.Mutex
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				held = append(held, c)
				mu.Unlock()
			}
		}()
		root := t.TempDir()
		dir := filepath.Join(root, "migrations")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 16; i++ {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%06d_t.up.sql", i)), []byte(fmt.Sprintf("CREATE TABLE t%d (id int);\n", i)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		u, err := dburl.Parse("postgres://app@" + ln.Addr().String() + "/live?sslmode=disable")
		if err != nil {
			t.Fatal(err)
		}
		o := Options{Connect: pg.ConnectOptions{URL: u}, Config: config.Default(root), MigrationsDir: dir, ReplayCache: true, ReplayVersion: 16, NoCache: off}
		box := StartSandbox(context.Background(), o)
		started := false
		for !started {
			select {
			case <-box.done:
				t.Fatalf("off=%v: the sandbox's start waited for the live server (its error: %v)", off, box.err)
			case <-time.After(20 * time.Millisecond):
			}
			names, _ := os.ReadDir(tmp)
			for _, n := range names {
				started = started || strings.HasPrefix(n.Name(), "dbguard-sandbox-")
			}
		}
		ln.Close()
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
		box.Close()
	}
}

// An entry saved before an extension was installed, upgraded or removed
// is not taken: CREATE EXTENSION reads the installation's extension
// folder and LOAD its library folder, which the key's binaries (initdb,
// postgres) do not hold, so after an upgrade of an extension's package a
// warm plan's shadow held the old version's objects where the replay
// makes the new one's, and a pending file using them was judged on the
// old (s15-review8a). The start from an entry checks the folders'
// identity (sandbox.InstallID) against the entry's.
func TestAttackReplayOtherInstall(t *testing.T) {
	ctx := context.Background()
	sb, err := sandbox.Start(ctx, sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	conn, err := sb.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const shadow = sandbox.Shadow // the cluster's one database
	_, err = conn.Exec(ctx, "CREATE ROLE mig LOGIN")
	if err == nil {
		_, err = conn.Exec(ctx, "ALTER DATABASE "+shadow+" OWNER TO mig")
	}
	id := sandbox.InstallID(ctx, conn)
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatal("the installation's folders: no identity")
	}
	if !holds(ctx, sb, &sandbox.Replay{Shadow: shadow, Role: "mig", Install: id}) {
		t.Fatal("an entry of this installation is not taken")
	}
	for _, other := range []string{"", "1:2:3:4.5/1:6:3:4.5", id + "x"} {
		if holds(ctx, sb, &sandbox.Replay{Shadow: shadow, Role: "mig", Install: other}) {
			t.Errorf("an entry saved with the installation's folders %q (now %q): taken", other, id)
		}
	}
}
