package main

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestAttackPullRequestHostGetsNoEnvironmentPassword: the commands a CI
// runs on pull requests, with the operator's PGPASSWORD, against a .env
// whose host a pull request changed to a server asking for the password in
// cleartext. Before, each connected and sent it; now none sends it, and
// each stops with exit 2 and the reason.
//
// The commands run in an inproc child (its own folder and environment), so
// the test runs beside the other parallel tests.
func TestAttackPullRequestHostGetsNoEnvironmentPassword(t *testing.T) {
	t.Parallel() // its own catcher, folder and child
	c := pgtest.CatchPasswords(t, &pgproto3.AuthenticationCleartextPassword{})
	p := startInprocEnv(t, repoDir(t, map[string]string{
		".env":                          "DATABASE_URL=postgres://app@" + c.Addr + "/app?sslmode=disable\n",
		"migrations/000001_user.up.sql": "CREATE TABLE \"user\" (id int);\n",
	}), "", map[string]string{"PGPASSWORD": "s3cret-operator", "PGPASSFILE": "", "PGREQUIREAUTH": ""})
	for _, args := range [][]string{
		{"ci"},
		{"migrate", "status"},
		{"migrate", "plan"},
		{"verify", "--shadow"},
	} {
		r := p.run(args...)
		code := r.Code
		all := strings.Join(strings.Fields(r.Stdout+r.Stderr), " ") // unwrapped
		if got := c.Sent(); len(got) > 0 {
			t.Errorf("dbguard %s: the pull request's host received %q", strings.Join(args, " "), got)
		}
		if !strings.Contains(all, "did not send the password from PGPASSWORD") {
			t.Errorf("dbguard %s: exit %d, no word of the withheld password:\n%s", strings.Join(args, " "), code, all)
		}
		if args[0] != "ci" && code != exitUsage {
			t.Errorf("dbguard %s: exit %d, want %d", strings.Join(args, " "), code, exitUsage)
		}
		if strings.Contains(all, "s3cret") {
			t.Errorf("dbguard %s showed the password:\n%s", strings.Join(args, " "), all)
		}
	}
	if out := p.Output(); strings.Contains(out, "s3cret") {
		t.Errorf("the inproc child's own output showed the password:\n%s", out)
	}
}

// TestAttackExecChildGetsNoEnvironmentPassword: dbguard's own connections
// withhold the operator's PGPASSWORD from a host the repository's .env
// names unless the server asks for SCRAM, but the tool dbguard exec starts
// got PGPASSWORD and the repository's URL with no such rule: goose (pgx)
// answered the pull request's server's cleartext request with the
// password, also when the URL wrote require_auth=password. Now the child
// gets PGREQUIREAUTH=!password,!md5 (libpq 16+ and pgx honour it) and the
// URL's own require_auth says the same.
func TestAttackExecChildGetsNoEnvironmentPassword(t *testing.T) {
	t.Parallel() // its own catcher, folders and children
	needTool(t, "goose")
	c := pgtest.CatchPasswords(t, &pgproto3.AuthenticationCleartextPassword{})
	for _, query := range []string{"sslmode=disable", "sslmode=disable&require_auth=password"} {
		p := startInprocEnv(t, repoDir(t, map[string]string{
			".env":                      "DATABASE_URL=postgres://app@" + c.Addr + "/app?" + query + "\n",
			"dbguard.yaml":              "version: 1\nmigrations:\n  tool: goose\n  dir: migrations\n",
			"migrations/00001_user.sql": "-- +goose Up\nCREATE TABLE \"user\" (id int);\n",
		}), "", map[string]string{"PGPASSWORD": "s3cret-operator", "PGPASSFILE": "", "PGREQUIREAUTH": ""})
		r := p.run("exec", "--", "goose", "status")
		if got := c.Sent(); len(got) > 0 {
			t.Errorf("%s: dbguard exec -- goose status: the pull request's host received %q", query, got)
		}
		if r.Code == 0 {
			t.Errorf("%s: dbguard exec -- goose status: exit 0 against a server that refused it:\n%s", query, r.Stderr)
		}
		// goose writes to the child's own stdout and stderr.
		if out := r.Stdout + r.Stderr + p.Output(); strings.Contains(out, "s3cret") {
			t.Errorf("%s: the output shows the password:\n%s", query, out)
		}
	}
}

// TestAttackPullRequestGetsNoJobPasswordItCarries: the job's password in the
// connection string itself, sent to a host the pull request chose. Before,
// both reached the catcher in cleartext from every command:
//   - a `poolers` rule in dbguard.yaml matched the job's DATABASE_URL and
//     rewrote its host to the pull request's server;
//   - the .env wrote postgres://app:${DB_PASSWORD}@HOST/app and the loader
//     dbguard.yaml names (python-dotenv) expanded the job's DB_PASSWORD.
func TestAttackPullRequestGetsNoJobPasswordItCarries(t *testing.T) {
	t.Parallel() // its own catcher, folders and children
	c := pgtest.CatchPasswords(t, &pgproto3.AuthenticationCleartextPassword{})
	host, port, _ := strings.Cut(c.Addr, ":")
	for _, how := range []string{"rewritten", "expanded"} {
		files := map[string]string{"migrations/000001_user.up.sql": "CREATE TABLE \"user\" (id int);\n"}
		env := map[string]string{"PGPASSWORD": "", "PGPASSFILE": "", "PGREQUIREAUTH": "", "DB_PASSWORD": ""}
		unset := []string{"DATABASE_URL"}
		from := "DATABASE_URL"
		if how == "rewritten" {
			env["DATABASE_URL"], unset = "postgres://app:s3cret-Operator9@pooler.example.internal:6432/app?sslmode=disable", nil
			files["dbguard.yaml"] = "version: 1\npoolers:\n  - name: pr\n    match: { host: pooler.example.internal }\n    direct: { host: " + host + ", port: " + port + " }\n"
		} else {
			env["DB_PASSWORD"] = "s3cret-Operator9"
			from = "DB_PASSWORD"
			files[".env"] = "DATABASE_URL=postgres://app:${DB_PASSWORD}@" + c.Addr + "/app?sslmode=disable\n"
			files["dbguard.yaml"] = "version: 1\nenv:\n  loaders:\n    - loader: python-dotenv\n      dir: .\n      caller: app.py\n"
			files["app.py"] = "from dotenv import load_dotenv\nload_dotenv()\n"
		}
		p := startInprocEnv(t, repoDir(t, files), "", env, unset...)
		for _, args := range [][]string{{"ci"}, {"migrate", "status"}, {"migrate", "up"}} {
			r := p.run(args...)
			code := r.Code
			all := strings.Join(strings.Fields(r.Stdout+r.Stderr), " ")
			if got := c.Sent(); len(got) > 0 {
				t.Errorf("%s: dbguard %s: the pull request's host received %q", how, strings.Join(args, " "), got)
			}
			if !strings.Contains(all, "did not send the password from "+from) {
				t.Errorf("%s: dbguard %s: exit %d, no word of the withheld password:\n%s", how, strings.Join(args, " "), code, all)
			}
			if strings.Contains(all, "s3cret") {
				t.Errorf("%s: dbguard %s showed the password:\n%s", how, strings.Join(args, " "), all)
			}
		}
		if out := p.Output(); strings.Contains(out, "s3cret") {
			t.Errorf("%s: the inproc child's own output showed the password:\n%s", how, out)
		}
	}
}
