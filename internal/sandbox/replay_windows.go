package sandbox

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// SaveReplay is never reached on Windows (no sandbox starts).
func (s *Server) SaveReplay(ctx context.Context, r Replay) error {
	return errors.New("no replay cache on Windows")
}

// ReplayKey is "" on Windows: no cache.
func ReplayKey(b Binaries, parts ...string) string { return "" }

// LookupReplay finds nothing on Windows.
func LookupReplay(key string) (*Replay, bool) { return nil, false }

// DropReplay does nothing on Windows.
func DropReplay(key string) {}

// SeenReplay is false on Windows: no cache.
func SeenReplay(key string) bool { return false }

// HasReplays is false on Windows: no cache.
func HasReplays() bool { return false }

// InstallID is "" on Windows: no cache.
func InstallID(ctx context.Context, conn *pgx.Conn) string { return "" }
