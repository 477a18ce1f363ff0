package pgtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/sandbox"
)

// Bouncer is a PgBouncer in transaction mode in front of a Server: the
// stand-in for Neon's -pooler endpoint.
type Bouncer struct {
	Port string
	cmd  *exec.Cmd
}

// StartBouncer starts PgBouncer (Debian's pgbouncer package) in transaction
// mode in front of s, stopped when t ends. It fails t when pgbouncer is
// missing, saying how to install it.
func StartBouncer(t testing.TB, s *Server) *Bouncer {
	t.Helper()
	b, err := NewBouncer(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Stop)
	return b
}

// NewBouncer starts PgBouncer in transaction mode in front of s; the caller
// stops it.
func NewBouncer(s *Server) (*Bouncer, error) {
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		for _, p := range []string{"/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"} {
			if _, e := os.Stat(p); e == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		return nil, errors.New("pgtest: this test needs PgBouncer: apt-get install -y pgbouncer (.ci/run does)")
	}
	if s.dir == "" {
		return nil, fmt.Errorf("pgtest: PgBouncer needs the throwaway cluster; unset %s", EnvURL)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	name := "pgbouncer-" + port
	users, err := s.WriteFile(name+".users", fmt.Sprintf("%q %q\n", "postgres", Password))
	if err != nil {
		return nil, err
	}
	ini, err := s.WriteFile(name+".ini", fmt.Sprintf(`[databases]
* = host=127.0.0.1 port=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %s
unix_socket_dir =
auth_type = scram-sha-256
auth_file = %s
pool_mode = transaction
max_client_conn = 200
default_pool_size = 20
ignore_startup_parameters = extra_float_digits,options,search_path
logfile = %s
pidfile = %s
`, s.Port, port, users, filepath.Join(s.dir, name+".log"), filepath.Join(s.dir, name+".pid")))
	if err != nil {
		return nil, err
	}
	b := &Bouncer{Port: port, cmd: s.Command(bin, ini)}
	// Like the server, the pooler goes when the test binary dies without
	// stopping it (SIGTERM: PgBouncer's immediate shutdown; its files are
	// in the server's folder, which the next run's sweep removes).
	sandbox.DetachWith(b.cmd, syscall.SIGTERM)
	if err := b.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgtest: starting pgbouncer: %w", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if err == nil {
			c.Close()
			return b, nil
		}
		if time.Now().After(deadline) {
			b.Stop()
			log, _ := os.ReadFile(filepath.Join(s.dir, name+".log"))
			return nil, fmt.Errorf("pgtest: pgbouncer did not listen on %s: %v\n%s", port, err, strings.TrimSpace(string(log)))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL returns a URL to database db through the pooler.
func (b *Bouncer) URL(db string) string {
	return fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%s/%s?sslmode=disable", Password, b.Port, db)
}

// Stop stops the pooler; it is safe to call twice.
func (b *Bouncer) Stop() {
	if b.cmd.Process != nil && b.cmd.ProcessState == nil {
		_ = b.cmd.Process.Signal(syscall.SIGTERM) // immediate shutdown
		done := make(chan struct{})
		go func() { _ = b.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = b.cmd.Process.Kill()
			<-done
		}
	}
}
