package pgtest

import (
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// PasswordCatcher is a server a repository could name instead of the
// database: it speaks the startup protocol, asks for the password in
// cleartext or as md5 (Auth), records what the client answers and refuses
// it, as a harvesting server would.
type PasswordCatcher struct {
	Addr string // host:port, on 127.0.0.1
	got  chan string
}

// CatchPasswords starts a PasswordCatcher asking with auth
// (AuthenticationCleartextPassword or AuthenticationMD5Password), stopped
// when t ends.
func CatchPasswords(t testing.TB, auth pgproto3.BackendMessage) *PasswordCatcher {
	t.Helper()
	return CatchPasswordsOn(t, "tcp", "127.0.0.1:0", auth)
}

// CatchPasswordsOn is CatchPasswords listening on network and address: a
// Unix socket (dir/.s.PGSQL.5432) a connection string names as host=dir.
func CatchPasswordsOn(t testing.TB, network, address string, auth pgproto3.BackendMessage) *PasswordCatcher {
	t.Helper()
	ln, err := net.Listen(network, address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	c := &PasswordCatcher{Addr: ln.Addr().String(), got: make(chan string, 64)}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go c.serve(conn, auth)
		}
	}()
	return c
}

func (c *PasswordCatcher) serve(conn net.Conn, auth pgproto3.BackendMessage) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	be := pgproto3.NewBackend(conn, conn)
	for {
		m, err := be.ReceiveStartupMessage()
		if err != nil {
			return
		}
		if _, ok := m.(*pgproto3.StartupMessage); ok {
			break
		}
		conn.Write([]byte("N")) // no TLS, no GSS encryption
	}
	be.Send(auth)
	if err := be.Flush(); err != nil {
		return
	}
	if _, ok := auth.(*pgproto3.AuthenticationMD5Password); ok {
		be.SetAuthType(pgproto3.AuthTypeMD5Password)
	} else {
		be.SetAuthType(pgproto3.AuthTypeCleartextPassword)
	}
	if m, err := be.Receive(); err == nil {
		if pw, ok := m.(*pgproto3.PasswordMessage); ok {
			c.got <- pw.Password
		}
	}
	be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01", Message: "password authentication failed"})
	be.Flush()
}

// Sent returns the passwords (or md5 answers) received so far, waiting a
// moment for a connection still being served.
func (c *PasswordCatcher) Sent() []string {
	var out []string
	for {
		select {
		case pw := <-c.got:
			out = append(out, pw)
		case <-time.After(200 * time.Millisecond):
			return out
		}
	}
}
