package pg

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestAttackOperatorPasswordCarriedToRepositoryHost: the operator's password
// written into a connection string whose host is the repository's word.
// Before, only a password the string did not carry (PGPASSWORD, a password
// file) was kept to SCRAM; these two got through in cleartext, caught by a
// fake server (dbguard ci on a pull request):
//   - expanded: a .env writes DATABASE_URL=postgres://app:${DB_PASSWORD}@HOST/app
//     and a loader that expands (python-dotenv, dotenv-expand) fills in the
//     job's DB_PASSWORD;
//   - rewritten: the job's DATABASE_URL (password and all) matches a
//     `poolers` rule of the repository's dbguard.yaml, whose direct host is
//     the repository's choice.
func TestAttackOperatorPasswordCarriedToRepositoryHost(t *testing.T) {
	for _, auth := range []pgproto3.BackendMessage{
		&pgproto3.AuthenticationCleartextPassword{},
		&pgproto3.AuthenticationMD5Password{Salt: [4]byte{1, 2, 3, 4}},
	} {
		for _, how := range []string{"expanded", "rewritten"} {
			t.Run(authName(auth)+"/"+how, func(t *testing.T) {
				t.Setenv("PGPASSWORD", "")
				t.Setenv("PGPASSFILE", "")
				t.Setenv("PGREQUIREAUTH", "")
				t.Setenv("DATABASE_URL", "")
				t.Setenv("DB_PASSWORD", "")
				c := pgtest.CatchPasswords(t, auth)
				if how == "expanded" {
					t.Setenv("DB_PASSWORD", "s3cret-Operator9")
				} else {
					t.Setenv("DATABASE_URL", "postgres://app:s3cret-Operator9@pooler.internal:6432/app")
				}
				u, err := dburl.Parse("postgres://app:s3cret-Operator9@" + c.Addr + "/app?sslmode=disable")
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
				want := map[string]string{"expanded": "DB_PASSWORD", "rewritten": "DATABASE_URL"}[how]
				if !strings.Contains(err.Error(), "did not send the password from "+want) {
					t.Errorf("the error does not name %s: %v", want, err)
				}
				if strings.Contains(err.Error()+w.Hint(), "s3cret") {
					t.Errorf("the error shows the password: %v", err)
				}
			})
		}
	}
}

// TestRepositoryPasswordCarriedWhereItSays: a password the repository's own
// string writes, which no variable of the process environment holds, still
// goes wherever the string says in any method (a local md5 server of a
// .env's), and so does the operator's to the host the operator's own
// connection string names.
func TestRepositoryPasswordCarriedWhereItSays(t *testing.T) {
	t.Setenv("PGPASSWORD", "")
	t.Setenv("PGPASSFILE", "")
	t.Setenv("PGREQUIREAUTH", "")
	t.Setenv("DB_PASSWORD", "")
	for _, how := range []string{"repository", "operator"} {
		t.Run(how, func(t *testing.T) {
			c := pgtest.CatchPasswords(t, &pgproto3.AuthenticationCleartextPassword{})
			t.Setenv("DATABASE_URL", "")
			if how == "operator" {
				t.Setenv("DATABASE_URL", "postgres://app:s3cret-Operator9@"+c.Addr+"/app?sslmode=disable")
			}
			u, _ := dburl.Parse("postgres://app:s3cret-Operator9@" + c.Addr + "/app?sslmode=disable")
			_, _, err := Connect(context.Background(), ConnectOptions{URL: u, ConnectTimeout: 5 * time.Second})
			var rej *RejectedError
			if !errors.As(err, &rej) {
				t.Fatalf("connect: %v, want the catcher's rejection", err)
			}
			if got := c.Sent(); len(got) != 1 {
				t.Errorf("the string's own password was not sent: %q", got)
			}
		})
	}
}

// TestChildGetsTheRuleForTheOperatorsCarriedPassword: a migration tool or
// exec's command handed a URL carrying the operator's password to a host
// the repository chose gets PGREQUIREAUTH too (a server that let dbguard in
// without a password would otherwise ask the child for it in cleartext);
// the repository's own password, or the operator's host, gets none.
func TestChildGetsTheRuleForTheOperatorsCarriedPassword(t *testing.T) {
	t.Setenv("PGPASSWORD", "")
	t.Setenv("PGPASSFILE", "")
	t.Setenv("PGREQUIREAUTH", "")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("DB_PASSWORD", "s3cret-Operator9")
	pr, _ := dburl.Parse("postgres://app:s3cret-Operator9@pr.example.com/app")
	if got := ChildRequireAuth(pr); got != EnvironmentAuth {
		t.Errorf("the operator's password to the pull request's host: PGREQUIREAUTH %q, want %q", got, EnvironmentAuth)
	}
	own, _ := dburl.Parse("postgres://app:written-Pw42@pr.example.com/app")
	if got := ChildRequireAuth(own); got != "" {
		t.Errorf("the repository's own password: PGREQUIREAUTH %q, want none", got)
	}
	t.Setenv("DATABASE_URL", "postgres://app:s3cret-Operator9@pr.example.com/app")
	if got := ChildRequireAuth(pr); got != "" {
		t.Errorf("the operator's own host: PGREQUIREAUTH %q, want none", got)
	}
}
