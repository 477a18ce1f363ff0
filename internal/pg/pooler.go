package pg

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// maxBackendPID is the largest process id a PostgreSQL backend can have
// (Linux's PID_MAX_LIMIT, 2^22). The id a server sends at startup
// (BackendKeyData) is its backend's; PgBouncer (and other poolers) send a
// random cancel key instead, above it in 1,023 cases of 1,024.
const maxBackendPID = 1 << 22

// PoolerFoundError is a connection the URL did not say was pooled (no
// pgbouncer=true, no poolers rule) that the server's answers show goes
// through a pooler: its cancel key is no backend's process id, or it
// refused a startup parameter as PgBouncer does. Through a transaction
// pooler, pgx's prepared statements collide (SQLSTATE 42P05) and the
// migration lock protects nothing.
type PoolerFoundError struct {
	Target string
	Why    string
}

func (e *PoolerFoundError) Error() string {
	return fmt.Sprintf("%s answers as a connection pooler, not PostgreSQL itself (%s), though its URL does not say so; through a transaction pooler prepared statements collide (SQLSTATE 42P05) and the migration lock protects nothing", e.Target, e.Why)
}

// Hint names the next step.
func (e *PoolerFoundError) Hint() string {
	return "point the URL at the server itself, not the pooler, or add a poolers rule to dbguard.yaml naming its direct endpoint; to go through the pooler anyway (no prepared statements, no reliable lock), run the same command with --allow-pooler"
}

// ExitCode: the configuration names a pooler as if it were the server.
func (e *PoolerFoundError) ExitCode() int { return exitcode.Usage }

// pooledConn says why conn, made with prepared statements, is a pooler's;
// "" when it looks like PostgreSQL's own.
func pooledConn(conn *pgx.Conn) string {
	if pid := conn.PgConn().PID(); pid > maxBackendPID {
		return fmt.Sprintf("its cancel key's process id %d is above any backend's", pid)
	}
	return ""
}

// pooledStartup says why err, a failed connection's, is a pooler's
// refusal of a startup parameter dbguard sent (PgBouncer: "unsupported
// startup parameter: lock_timeout"); "" otherwise.
func pooledStartup(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "08P01" && strings.HasPrefix(pgErr.Message, "unsupported startup parameter") {
		return "it refused a startup parameter, as PgBouncer does"
	}
	return ""
}

// PoolerHint is the next step for err when it is a prepared statement
// that already exists (SQLSTATE 42P05): what pgx's statement cache meets
// through a transaction pooler the URL does not name as one (another
// client's statements on the server connection it was handed). "" for any
// other error.
func PoolerHint(err error) string {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42P05" {
		return ""
	}
	return "SQLSTATE 42P05 is what prepared statements meet through a transaction pooler (PgBouncer) that the URL does not name as one: then point the URL at the server itself or add a poolers rule to dbguard.yaml, or run the same command with --allow-pooler (no prepared statements, no reliable lock)"
}

// pooledDBs are the handles Connect made as a pooler's (SimpleProtocol,
// asked for or found: PoolerFoundError with AllowPooler).
var pooledDBs sync.Map

// Pooled reports whether db, made by Connect, goes through a pooler: no
// prepared statements, and no session lock may be taken on it (it would
// stay on a server connection other clients get).
func Pooled(db *sql.DB) bool {
	_, ok := pooledDBs.Load(db)
	return ok
}
