package pg

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// TestAttackOperatorPasswordWrappedToRepositoryHost: the operator's password
// carried inside a longer one. A .env writing
// postgres://app:${DB_PASSWORD}x@HOST/app (or x${DB_PASSWORD}) is expanded
// by the loader to a password that is not the variable's whole value, so
// before, it was taken for the repository's own and sent to the
// repository's host in cleartext or md5, the job's secret in it.
func TestAttackOperatorPasswordWrappedToRepositoryHost(t *testing.T) {
	for _, pw := range []string{"s3cret-Operator9x", "Xs3cret-Operator9", "(s3cret-Operator9)"} {
		t.Run(pw, func(t *testing.T) {
			t.Setenv("PGPASSWORD", "")
			t.Setenv("PGPASSFILE", "")
			t.Setenv("PGREQUIREAUTH", "")
			t.Setenv("DATABASE_URL", "")
			t.Setenv("DB_PASSWORD", "s3cret-Operator9")
			c := pgtest.CatchPasswords(t, &pgproto3.AuthenticationCleartextPassword{})
			u, err := dburl.Parse("postgres://app:" + pw + "@" + c.Addr + "/app?sslmode=disable")
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = Connect(context.Background(), ConnectOptions{URL: u, ConnectTimeout: 5 * time.Second})
			if got := c.Sent(); len(got) > 0 {
				t.Errorf("the repository's host received the operator's password inside %q", got)
			}
			var w *PasswordWithheldError
			if !errors.As(err, &w) {
				t.Errorf("connect: %v, want a PasswordWithheldError", err)
			}
			if got := ChildRequireAuth(u); got != EnvironmentAuth {
				t.Errorf("a child handed this URL: PGREQUIREAUTH %q, want %q", got, EnvironmentAuth)
			}
		})
	}
}
