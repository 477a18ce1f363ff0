package pg

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/dburl"
)

// TestAttackConnectTimeoutFromRepository: a connection string's
// connect_timeout is the repository's word (an env file's URL), and so is
// dbguard.yaml's migrations.connect_timeout. A pull request's
// `?connect_timeout=86400` beside a host that accepts and never answers
// held dbguard ci for a day (one attempt waits connect_timeout + 5 s).
// What the repository says is capped at MaxConnectTimeout; only the
// user's --connect-timeout lifts it.
func TestAttackConnectTimeoutFromRepository(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accepted, never answered
		}
	}()
	u, err := dburl.Parse("postgres://app@" + l.Addr().String() + "/app?sslmode=disable&connect_timeout=86400")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	db, _, err := Connect(ctx, ConnectOptions{URL: u, MaxConnectTimeout: time.Second})
	if err == nil {
		db.Close()
		t.Fatal("connected to a server that never answers")
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("gave up after %s, want about the cap (1 s) + 5 s", took.Round(time.Second))
	}
}

// TestConnectTimeoutCapSaid: the cap also cuts a URL the user set in the
// environment (connect_timeout=120 for a database that resumes slowly),
// and the error said only "timeout", its hint --wait 30s. It names the
// timeout asked and cut, and --connect-timeout, which lifts the cap.
func TestConnectTimeoutCapSaid(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accepted, never answered
		}
	}()
	u, err := dburl.Parse("postgres://app@" + l.Addr().String() + "/app?sslmode=disable&connect_timeout=120")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, _, err := Connect(ctx, ConnectOptions{URL: u, MaxConnectTimeout: time.Second})
	if err == nil {
		db.Close()
		t.Fatal("connected to a server that never answers")
	}
	var ue *UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("got %T %v, want an UnreachableError", err, err)
	}
	if want := "not the 2m0s the URL's or dbguard.yaml's connect_timeout asks"; !strings.Contains(ue.Error(), want) {
		t.Errorf("error %q does not say %q", ue.Error(), want)
	}
	if want := "--connect-timeout 2m0s"; !strings.Contains(ue.Hint(), want) {
		t.Errorf("hint %q does not name %q", ue.Hint(), want)
	}
	// Not cut: nothing said.
	u2, _ := dburl.Parse("postgres://app@" + l.Addr().String() + "/app?sslmode=disable&connect_timeout=1")
	if _, _, err := Connect(ctx, ConnectOptions{URL: u2, MaxConnectTimeout: time.Minute}); err == nil || strings.Contains(err.Error(), "connect_timeout asks") {
		t.Errorf("uncut timeout: %v", err)
	}
}
