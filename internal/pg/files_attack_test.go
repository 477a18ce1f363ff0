package pg

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackConnectSettingFileFIFO: pgx's ParseConfig opens the files a
// connection string names (servicefile, passfile, sslrootcert, sslcert,
// sslkey) blocking, so a repository's .env naming a FIFO there made
// `migrate up`, doctor and verify wait for a writer forever, and SIGTERM
// did not end the wait. Each is refused (exit 2) before pgx reads it.
func TestAttackConnectSettingFileFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "f")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Let a reader still waiting go (the test has failed then).
		for range 10 {
			if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				f.Close()
			}
		}
	})
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
		done := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_, _, err := Connect(ctx, ConnectOptions{URL: u, ConnectTimeout: time.Second})
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a regular file") || exitcode.Of(err) != exitcode.Usage {
				t.Errorf("%s: %v (exit %d), want the file refused as not a regular file, exit 2", q, err, exitcode.Of(err))
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%s: still waiting for a writer to the FIFO after 5 s", q)
		}
	}
}
