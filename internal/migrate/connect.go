package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
)

// ConnectOptions says how to reach the database.
type ConnectOptions struct {
	URL            *dburl.URL
	ConnectTimeout time.Duration // 0: the URL's connect_timeout, else 10s
	// Wait retries connection errors with jittered backoff for this long.
	// Zero means one attempt: a suspended Neon compute wakes within one
	// connect, so retries are only for a server that is not up yet.
	Wait time.Duration
	// SimpleProtocol is for a connection through a transaction pooler
	// (--allow-pooler): no prepared statements (pgx's cached statements
	// collide there, SQLSTATE 42P05) and no session state.
	SimpleProtocol bool
	// LockTimeout, when set, becomes the session's lock_timeout until the
	// migration lock is held (see lockingDriver).
	LockTimeout time.Duration
	Log         io.Writer // retry messages; nil for none
}

// DefaultConnectTimeout applies when neither the options nor the URL say.
const DefaultConnectTimeout = 10 * time.Second

// UnreachableError means no connection could be made (exit 3).
type UnreachableError struct {
	Target string // host:port/db, no credentials
	Err    error
	Waited time.Duration
	During string // set when an open connection was lost, e.g. "the migration run"
	File   string // the migration running when it was lost, if known
}

// ExitCode is 3.
func (e *UnreachableError) ExitCode() int { return exitcode.Unreachable }

func (e *UnreachableError) Error() string {
	if e.During != "" {
		during := e.During
		if e.File != "" {
			during += ", in " + e.File
		}
		return fmt.Sprintf("lost the connection to %s during %s: %v", e.Target, during, shortErr(e.Err))
	}
	msg := fmt.Sprintf("cannot reach %s: %v", e.Target, shortErr(e.Err))
	if e.Waited > 0 {
		msg += fmt.Sprintf(" (retried for %s)", e.Waited.Round(time.Second))
	}
	return msg
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Hint names the next step.
func (e *UnreachableError) Hint() string {
	if e.During != "" {
		return "once the database is back, run: dbguard migrate status (it names a migration left dirty, and how to recover; each file runs in one transaction, so its changes were rolled back)"
	}
	if e.Waited > 0 {
		return "check that the server is running and reachable from here, then run the command again"
	}
	return "check that the server is running; for a server still starting, retry with --wait 30s"
}

// RejectedError means the server answered but refused us: a wrong password
// or a database that does not exist (exit 2: the configuration is wrong).
type RejectedError struct {
	Target string
	Err    *pgconn.PgError
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("%s refused the connection: %s (SQLSTATE %s)", e.Target, e.Err.Message, e.Err.Code)
}

// Hint names the next step.
func (e *RejectedError) Hint() string {
	if e.Err.Code == "3D000" {
		return "create the database or fix its name in the URL, then check with: dbguard env"
	}
	return "fix the user or password in the URL (see: dbguard env for where it is defined)"
}

func shortErr(err error) string {
	s := err.Error()
	// pgx: "failed to connect to `user=app database=db`: 127.0.0.1:1 (localhost): dial error: ..."
	if i := strings.Index(s, "`: "); i >= 0 && strings.HasPrefix(s, "failed to connect to `") {
		s = s[i+3:]
	}
	return clip(s, maxMessage)
}

// Config builds the pgx configuration for u, applying the options.
func (o ConnectOptions) config() (*pgx.ConnConfig, bool, error) {
	cfg, err := pgx.ParseConfig(o.URL.DriverString())
	if err != nil {
		return nil, false, fmt.Errorf("the database URL is not usable: %w", err)
	}
	switch {
	case o.ConnectTimeout > 0:
		cfg.ConnectTimeout = o.ConnectTimeout
	case cfg.ConnectTimeout == 0:
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "dbguard"
	}
	injected := false
	// Not through a pooler: PgBouncer rejects the startup parameter, and a
	// session setting would leak to other clients of the server connection.
	if o.LockTimeout > 0 && !o.SimpleProtocol && cfg.RuntimeParams["lock_timeout"] == "" && !strings.Contains(cfg.RuntimeParams["options"], "lock_timeout") {
		cfg.RuntimeParams["lock_timeout"] = fmt.Sprint(o.LockTimeout.Milliseconds())
		injected = true
	}
	if o.SimpleProtocol {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	}
	return cfg, injected, nil
}

// checkClientConnection asks the server (PostgreSQL 14+) to notice within
// seconds when dbguard has gone, killed mid-migration: otherwise its backend
// runs the rest of a long statement and keeps the migration lock until it
// finishes. Older servers do not know the setting; that is not an error.
func checkClientConnection(ctx context.Context, conn *pgx.Conn) error {
	_, _ = conn.Exec(ctx, "SET client_connection_check_interval = 2000")
	return nil
}

// Target names the database without credentials, for messages.
func Target(u *dburl.URL) string { return u.Identity().String() }

// Connect opens a database handle and proves it works, retrying for
// o.Wait. The returned bool says whether lock_timeout was injected.
func Connect(ctx context.Context, o ConnectOptions) (*sql.DB, bool, error) {
	cfg, injected, err := o.config()
	if err != nil {
		return nil, false, err
	}
	var opts []stdlib.OptionOpenDB
	if !o.SimpleProtocol {
		opts = append(opts, stdlib.OptionAfterConnect(checkClientConnection))
	}
	db := stdlib.OpenDB(*cfg, opts...)
	start := time.Now()
	deadline := start.Add(o.Wait)
	for attempt := 0; ; attempt++ {
		pctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout+5*time.Second)
		err = db.PingContext(pctx)
		cancel()
		if err == nil {
			return db, injected, nil
		}
		if ctx.Err() != nil {
			db.Close()
			return nil, false, ctx.Err()
		}
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "28") || pgErr.Code == "3D000") {
			db.Close()
			return nil, false, &RejectedError{Target: Target(o.URL), Err: pgErr}
		}
		left := time.Until(deadline)
		if o.Wait <= 0 || left <= 0 {
			db.Close()
			waited := time.Duration(0)
			if o.Wait > 0 {
				waited = time.Since(start)
			}
			return nil, false, &UnreachableError{Target: Target(o.URL), Err: err, Waited: waited}
		}
		// Jittered exponential backoff: 250ms, 500ms, 1s, ... capped at 5s.
		sleep := min(250*time.Millisecond<<min(attempt, 5), 5*time.Second)
		sleep = sleep/2 + rand.N(sleep/2+1)
		sleep = min(sleep, left)
		if o.Log != nil {
			fmt.Fprintf(o.Log, "dbguard: waiting for %s: %s (retrying, %s left)\n", Target(o.URL), shortErr(err), left.Round(time.Second))
		}
		select {
		case <-ctx.Done():
			db.Close()
			return nil, false, ctx.Err()
		case <-time.After(sleep):
		}
	}
}

// WithPgx runs f on a pgx connection of db, for work database/sql cannot
// do in one round trip (batches).
func WithPgx(ctx context.Context, db *sql.DB, f func(*pgx.Conn) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error { return f(dc.(*stdlib.Conn).Conn()) })
}
