package sandbox

import (
	"context"
	"errors"
	"io"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/dburl"
)

// Server is a running sandbox; on Windows there is none (see Start).
type Server struct {
	Binaries
	Note string
}

// Options says what sandbox to start.
type Options struct {
	Major int
	Log   io.Writer
	Found []Binaries
	From  *Replay
}

// Start refuses on Windows: the sandbox relies on Unix sockets in a private
// folder and process groups. Point schema.shadow_url (${SHADOW_DATABASE_URL}) at a dedicated server.
func Start(ctx context.Context, o Options) (*Server, error) {
	return nil, &StartError{Step: "Windows", Err: errors.New("the throwaway sandbox server is not supported on Windows yet")}
}

// AdminURL is never reached on Windows.
func (s *Server) AdminURL() *dburl.URL { return nil }

// URL is never reached on Windows.
func (s *Server) URL(user, db string) *dburl.URL { return nil }

// Announce is never reached on Windows.
func (s *Server) Announce(w io.Writer) {}

// Session is never reached on Windows.
func (s *Server) Session(ctx context.Context) (*pgx.Conn, error) {
	return nil, errors.New("no sandbox on Windows")
}

// Fresh is never reached on Windows.
func (s *Server) Fresh(ctx context.Context) error { return errors.New("no sandbox on Windows") }

// Close does nothing on Windows.
func (s *Server) Close() error { return nil }

// Sweep does nothing on Windows.
func Sweep() []string { return nil }

// binaryID is "" here: initdb --version runs each time.
func binaryID(string) string { return "" }

// private is false here: no cache is used.
func private(string) bool { return false }
