package pg

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/testutil/fifotest"
)

// TestAttackConnectSettingFileFIFO: pgx's ParseConfig opens the files a
// connection string names (servicefile, passfile, sslrootcert, sslcert,
// sslkey) blocking, so a repository's .env naming a FIFO there made
// `migrate up`, doctor and verify wait for a writer forever, and SIGTERM
// did not end the wait. Each is refused (exit 2) before pgx reads it.
func TestAttackConnectSettingFileFIFO(t *testing.T) {
	t.Parallel()
	fifo := fifotest.Make(t, filepath.Join(t.TempDir(), "f"))
	for _, q := range []string{
		"service=x&servicefile=" + fifo,
		"passfile=" + fifo,
		"sslmode=verify-full&sslrootcert=" + fifo,
		"sslmode=require&sslcert=" + fifo + "&sslkey=" + fifo,
	} {
		u, err := dburl.Parse("postgres://app@127.0.0.1:1/app?" + q)
		if err != nil {
			t.Fatal(err)
		}
		err, ok := fifotest.Within(5*time.Second, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_, _, err := Connect(ctx, ConnectOptions{URL: u, ConnectTimeout: time.Second})
			return err
		})
		if !ok {
			t.Errorf("%s: still waiting for a writer to the FIFO after 5 s", q)
		} else if err == nil || !strings.Contains(err.Error(), "not a regular file") || exitcode.Of(err) != exitcode.Usage {
			t.Errorf("%s: %v (exit %d), want the file refused as not a regular file, exit 2", q, err, exitcode.Of(err))
		}
	}
}
