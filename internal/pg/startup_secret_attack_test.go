package pg

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
)

// startupCatcher records the startup message's parameters each connection
// sends: the user, the database, application_name, options. They go in the
// clear, before the server asks for any password.
func startupCatcher(t *testing.T) (string, chan map[string]string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan map[string]string, 16)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				be := pgproto3.NewBackend(conn, conn)
				for {
					m, err := be.ReceiveStartupMessage()
					if err != nil {
						return
					}
					if s, ok := m.(*pgproto3.StartupMessage); ok {
						got <- s.Parameters
						break
					}
					conn.Write([]byte("N"))
				}
				be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01", Message: "password authentication failed"})
				be.Flush()
			}()
		}
	}()
	return ln.Addr().String(), got
}

// TestAttackOperatorSecretInStartupToRepositoryHost: SCRAM keeps the
// password from a host the repository chose, but the startup message is
// sent before any authentication, in the clear: a .env writing
// postgres://${DB_PASSWORD}@HOST/app, .../${DB_PASSWORD}, or
// ?application_name=${DB_PASSWORD} (options=-c x=...) that a loader
// expands sent the job's secret to the repository's host all the same.
func TestAttackOperatorSecretInStartupToRepositoryHost(t *testing.T) {
	const secret = "s3cret-Operator9"
	for _, tc := range []struct{ name, url string }{
		{"user", "postgres://" + secret + "@ADDR/app?sslmode=disable"},
		{"user-and-password", "postgres://" + secret + ":" + secret + "@ADDR/app?sslmode=disable"},
		{"database", "postgres://app@ADDR/" + secret + "?sslmode=disable"},
		{"application_name", "postgres://app@ADDR/app?sslmode=disable&application_name=x" + secret},
		{"options", "postgres://app@ADDR/app?sslmode=disable&options=-c%20search_path%3D" + secret},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PGPASSWORD", "")
			t.Setenv("PGPASSFILE", "")
			t.Setenv("PGREQUIREAUTH", "")
			t.Setenv("DATABASE_URL", "")
			t.Setenv("DB_PASSWORD", secret)
			addr, got := startupCatcher(t)
			u, err := dburl.Parse(strings.Replace(tc.url, "ADDR", addr, 1))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = Connect(context.Background(), ConnectOptions{URL: u, ConnectTimeout: 3 * time.Second})
			if err == nil {
				t.Fatal("connected")
			}
			select {
			case params := <-got:
				for k, v := range params {
					if strings.Contains(v, secret) {
						t.Errorf("the repository's host received the job's DB_PASSWORD in the startup message's %s: %q", k, v)
					}
				}
			case <-time.After(300 * time.Millisecond):
			}
			var se *SecretInStartupError
			if !errors.As(err, &se) || se.Var != "DB_PASSWORD" || exitcode.Of(err) != exitcode.Usage {
				t.Errorf("connect: %v (%T), want a SecretInStartupError naming DB_PASSWORD, exit 2", err, err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}
