package pg

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestAttackConnectionStringNamesOutsideFile: a repository's .env can write
// passfile=, servicefile=, sslcert= or sslkey= into the connection string,
// naming the operator's files anywhere on disk, with a host of its own: the
// password in ~/.pgpass (here answered by SCRAM, which the repository's
// server can then guess at offline) or the client certificate went to it.
// Before, the connection below took the password from a file outside the
// project and logged in. Now such a file is refused (exit 2) before the
// driver reads it; inside the project, named by the operator's PGPASSFILE,
// or by a connection string in the process environment, it is read.
func TestAttackConnectionStringNamesOutsideFile(t *testing.T) {
	srv := pgtest.Must(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, srv.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) }) // after the role drops registered below
	role := "outside_passfile_role"
	if _, err := admin.Exec(ctx, "DROP ROLE IF EXISTS "+role+"; CREATE ROLE "+role+" LOGIN PASSWORD 's3cret-outside'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+role) })
	t.Setenv("PGPASSWORD", "")
	t.Setenv("PGPASSFILE", "")
	t.Setenv("PGREQUIREAUTH", "")

	root, home := t.TempDir(), t.TempDir()
	outside := filepath.Join(home, ".pgpass")
	insideFile := filepath.Join(root, "pgpass")
	for _, f := range []string{outside, insideFile} {
		if err := os.WriteFile(f, []byte("*:*:*:*:s3cret-outside\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(root, "link")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	hostPort := net.JoinHostPort(srv.Host, srv.Port)
	connect := func(file string) error {
		u, err := dburl.Parse("postgres://" + role + "@" + hostPort + "/postgres?sslmode=disable&passfile=" + file)
		if err != nil {
			t.Fatal(err)
		}
		return Wait(ctx, ConnectOptions{URL: u, Root: root})
	}
	for _, file := range []string{outside, link} {
		err := connect(file)
		var adv *exitcode.Advice
		if !errors.As(err, &adv) || exitcode.Of(err) != exitcode.Usage {
			t.Errorf("passfile=%s outside the project: %v, want a refusal (exit 2)", file, err)
			continue
		}
		for _, want := range []string{"passfile", "outside the project", "PGPASSFILE"} {
			if !strings.Contains(err.Error()+adv.Hint(), want) {
				t.Errorf("the refusal does not say %q: %v / %s", want, err, adv.Hint())
			}
		}
	}
	for _, key := range []string{"sslcert", "sslkey", "servicefile"} {
		u, _ := dburl.Parse("postgres://" + role + "@" + hostPort + "/postgres?sslmode=disable&" + key + "=" + outside)
		if err := Wait(ctx, ConnectOptions{URL: u, Root: root}); exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), key+" ") {
			t.Errorf("%s outside the project: %v, want a refusal (exit 2)", key, err)
		}
	}

	// What is read as before.
	if err := connect(insideFile); err != nil {
		t.Errorf("passfile inside the project: %v", err)
	}
	t.Setenv("PGPASSFILE", outside)
	u, _ := dburl.Parse("postgres://" + role + "@" + hostPort + "/postgres?sslmode=disable")
	if err := Wait(ctx, ConnectOptions{URL: u, Root: root}); err != nil {
		t.Errorf("the operator's PGPASSFILE outside the project: %v", err)
	}
	t.Setenv("PGPASSFILE", "")
	t.Setenv("DATABASE_URL", "postgres://"+role+"@"+hostPort+"/postgres?sslmode=disable&passfile="+outside)
	if err := connect(outside); err != nil {
		t.Errorf("passfile named by the process environment's connection string: %v", err)
	}
}

// TestAttackBranchNameNamesOutsideFile: a file a connection string in the
// process environment names is the operator's, but GitHub puts the pull
// request's branch name in GITHUB_HEAD_REF, and "sslkey=/home/runner/key"
// is a valid one: the .env's sslkey= outside the project was then read.
func TestAttackBranchNameNamesOutsideFile(t *testing.T) {
	root, home := t.TempDir(), t.TempDir()
	key := filepath.Join(home, "client.key")
	if err := os.WriteFile(key, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_HEAD_REF", "sslkey="+key)
	u, err := dburl.Parse("postgres://app@127.0.0.1:1/app?sslmode=disable&sslkey=" + key)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkWrittenFiles(u, root, "", ""); exitcode.Of(err) != exitcode.Usage {
		t.Errorf("sslkey outside the project named by GITHUB_HEAD_REF: %v, want a refusal (exit 2)", err)
	}
	// The operator's own variable still counts.
	t.Setenv("APP_DATABASE_URL", u.String())
	if err := checkWrittenFiles(u, root, "", ""); err != nil {
		t.Errorf("sslkey named by the operator's APP_DATABASE_URL: %v, want it read", err)
	}
}
