package pg

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestAttackEnvironmentPasswordToRepositoryHost: in CI the operator sets
// PGPASSWORD (or a .pgpass) and the repository's .env names
// postgres://app@localhost/app without a password. A pull request changing
// the host to a server it controls got the operator's password: pgx
// answered that server's cleartext request with it, and its md5 request
// with md5(password+user), as good as the password to a server that
// replays it, from every command that connects (ci, migrate plan, status,
// verify). Now a password the connection string does not carry is sent
// only by SCRAM, or where the server asks for none: nothing reaches the
// server, and the error says why (exit 2).
func TestAttackEnvironmentPasswordToRepositoryHost(t *testing.T) {
	pass := filepath.Join(t.TempDir(), "pgpass")
	if err := os.WriteFile(pass, []byte("*:*:*:*:s3cret-from-pgpass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, auth := range []pgproto3.BackendMessage{
		&pgproto3.AuthenticationCleartextPassword{},
		&pgproto3.AuthenticationMD5Password{Salt: [4]byte{1, 2, 3, 4}},
	} {
		for _, source := range []string{"PGPASSWORD", "PGPASSFILE"} {
			t.Run(authName(auth)+"/"+source, func(t *testing.T) {
				t.Setenv("PGPASSWORD", "")
				t.Setenv("PGPASSFILE", "")
				t.Setenv("PGREQUIREAUTH", "")
				if source == "PGPASSWORD" {
					t.Setenv("PGPASSWORD", "s3cret-from-env")
				} else {
					t.Setenv("PGPASSFILE", pass)
				}
				c := pgtest.CatchPasswords(t, auth)
				u, err := dburl.Parse("postgres://app@" + c.Addr + "/app?sslmode=disable")
				if err != nil {
					t.Fatal(err)
				}
				_, _, err = Connect(context.Background(), ConnectOptions{URL: u, ConnectTimeout: 5 * time.Second})
				if got := c.Sent(); len(got) > 0 {
					t.Errorf("the repository's host received a password: %q", got)
				}
				var w *PasswordWithheldError
				if !errors.As(err, &w) {
					t.Fatalf("connect: %v, want a PasswordWithheldError", err)
				}
				if exitcode.Of(err) != exitcode.Usage {
					t.Errorf("exit code %d, want %d", exitcode.Of(err), exitcode.Usage)
				}
				for _, want := range []string{c.Addr, "did not send the password from", "SCRAM"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("the error does not say %q: %v", want, err)
					}
				}
				accept := "PGREQUIREAUTH=md5"
				if authName(auth) == "Cleartext" {
					accept = "PGREQUIREAUTH=password"
				}
				if !strings.Contains(w.Hint(), accept) || !strings.Contains(w.Hint(), "scram-sha-256") {
					t.Errorf("hint: %s", w.Hint())
				}
				if strings.Contains(err.Error()+w.Hint(), "s3cret") {
					t.Errorf("the error shows the password: %v", err)
				}
			})
		}
	}
}

func authName(m pgproto3.BackendMessage) string {
	switch m.(type) {
	case *pgproto3.AuthenticationMD5Password:
		return "MD5"
	default:
		return "Cleartext"
	}
}

// TestEnvironmentPasswordWhereItBelongs: what keeps working. A password
// the connection string writes is the string's own and goes wherever the
// string says, in any method (the catcher receives it); a host the process
// environment's connection string names is the operator's; the operator
// accepts md5 from a server of theirs with PGREQUIREAUTH; and the common
// CI set-up, PGPASSWORD for a server using scram-sha-256 (PostgreSQL 14+'s
// default), connects.
func TestEnvironmentPasswordWhereItBelongs(t *testing.T) {
	t.Setenv("PGPASSFILE", "")
	t.Run("written", func(t *testing.T) {
		t.Setenv("PGPASSWORD", "s3cret-from-env")
		t.Setenv("PGREQUIREAUTH", "")
		c := pgtest.CatchPasswords(t, &pgproto3.AuthenticationCleartextPassword{})
		u, _ := dburl.Parse("postgres://app:s3cret-written@" + c.Addr + "/app?sslmode=disable")
		_, _, err := Connect(context.Background(), ConnectOptions{URL: u, ConnectTimeout: 5 * time.Second})
		var rej *RejectedError
		if !errors.As(err, &rej) {
			t.Errorf("connect: %v, want the server's refusal", err)
		}
		if got := c.Sent(); len(got) != 1 || got[0] != "s3cret-written" {
			t.Errorf("the server received %q, want the written password", got)
		}
	})
	t.Run("operator's host", func(t *testing.T) {
		// The job's own DATABASE_URL names the host: the operator's word
		// on both sides, so an md5 or cleartext server of theirs works.
		t.Setenv("PGPASSWORD", "s3cret-from-env")
		t.Setenv("PGREQUIREAUTH", "")
		c := pgtest.CatchPasswords(t, &pgproto3.AuthenticationCleartextPassword{})
		raw := "postgres://app@" + c.Addr + "/app?sslmode=disable"
		t.Setenv("DATABASE_URL", raw)
		u, _ := dburl.Parse(raw)
		Connect(context.Background(), ConnectOptions{URL: u, ConnectTimeout: 5 * time.Second})
		if got := c.Sent(); len(got) != 1 || got[0] != "s3cret-from-env" {
			t.Errorf("the operator's server received %q, want PGPASSWORD", got)
		}
	})
	t.Run("PGREQUIREAUTH", func(t *testing.T) {
		t.Setenv("PGPASSWORD", "s3cret-from-env")
		t.Setenv("PGREQUIREAUTH", "md5")
		c := pgtest.CatchPasswords(t, &pgproto3.AuthenticationMD5Password{Salt: [4]byte{1, 2, 3, 4}})
		u, _ := dburl.Parse("postgres://app@" + c.Addr + "/app?sslmode=disable")
		Connect(context.Background(), ConnectOptions{URL: u, ConnectTimeout: 5 * time.Second})
		if got := c.Sent(); len(got) != 1 || !strings.HasPrefix(got[0], "md5") {
			t.Errorf("the server received %q, want the md5 answer the operator allowed", got)
		}
	})
	t.Run("scram", func(t *testing.T) {
		srv := pgtest.Must(t)
		ctx := context.Background()
		admin, err := pgx.Connect(ctx, srv.AdminURL)
		if err != nil {
			t.Fatal(err)
		}
		// Closed after the role's drop below (cleanups run last first):
		// a deferred Close ran before it, the drop failed unseen on the
		// closed connection, and the role stayed for the test's next run
		// (-count 2, -cpu 1,2: "role envpw_scram already exists").
		t.Cleanup(func() { admin.Close(context.Background()) })
		role := "envpw_" + strings.ReplaceAll(strings.ToLower(t.Name()[len(t.Name())-5:]), "/", "_")
		if _, err := admin.Exec(ctx, "SET password_encryption = 'scram-sha-256'; CREATE ROLE "+role+" LOGIN PASSWORD 's3cret-scram'"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+role) })
		t.Setenv("PGPASSWORD", "s3cret-scram")
		t.Setenv("PGREQUIREAUTH", "")
		u, _ := dburl.Parse("postgres://" + role + "@" + net.JoinHostPort(srv.Host, srv.Port) + "/postgres?sslmode=disable")
		if err := Wait(ctx, ConnectOptions{URL: u}); err != nil {
			t.Errorf("PGPASSWORD with a scram-sha-256 server: %v", err)
		}
	})
}

// TestAttackPullRequestBranchNamesTheHost: the rule is off where a
// connection string in the process environment names the same host, but
// not every variable there is the operator's: GitHub sets GITHUB_HEAD_REF
// to the pull request's branch name, and "host=/tmp/x" is a valid one. A
// .env writing host=/tmp/x (or host=evil.example, port 5432) then had its
// host taken for the operator's, and PGPASSWORD went to it in cleartext.
// Now only variables named for a connection string (*URL*, *DSN*,
// DATABASE*, PG*...) and not CI's own (GITHUB_*, CI_*, RUNNER_*) count.
func TestAttackPullRequestBranchNamesTheHost(t *testing.T) {
	dir, err := os.MkdirTemp("/tmp", "ref")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	c := pgtest.CatchPasswordsOn(t, "unix", filepath.Join(dir, ".s.PGSQL.5432"), &pgproto3.AuthenticationCleartextPassword{})
	t.Setenv("PGPASSWORD", "s3cret-from-env")
	t.Setenv("PGPASSFILE", "")
	t.Setenv("PGREQUIREAUTH", "")
	t.Setenv("GITHUB_HEAD_REF", "host="+dir)
	u, err := dburl.Parse("host=" + dir + " user=app dbname=app")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = Connect(context.Background(), ConnectOptions{URL: u, ConnectTimeout: 5 * time.Second})
	if got := c.Sent(); len(got) > 0 {
		t.Errorf("the branch's host received a password: %q", got)
	}
	var w *PasswordWithheldError
	if !errors.As(err, &w) {
		t.Errorf("connect: %v, want a PasswordWithheldError", err)
	}
}
