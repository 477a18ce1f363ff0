package pg

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/dburl"
)

// Session is a command's one connection to the guarded database, shared by
// its steps: the guard's checks, the migration status, the ledger and the
// lock, the schema check after, a plan's live reads. Each connection more
// costs a handshake (TCP, TLS, SCRAM: 4-6 round trips to a cloud database
// 5-50 ms away) and a server backend.
//
// WithConn runs on the session only for options pointed at the very URL
// the session was opened for (the same *dburl.URL, not an equal one) with
// the same read-only, pooler, statement naming (Unnamed) and startup
// lock_timeout settings and no
// notice handler: a read-only preview is never
// served by a session that may write, and options pointed anywhere else
// (the shadow database, the sandbox, an admin session) connect anew.
// pg.Connect never returns it: a caller that owns its handle owns a
// connection of its own.
type Session struct {
	url         *dburl.URL
	readOnly    bool
	simple      bool
	unnamed     bool
	lockTimeout time.Duration // the startup lock_timeout (ConnectOptions.LockTimeout)

	mu sync.Mutex // one step at a time: the session is one connection
	// with runs f on the connection (nil: on db's).
	with func(ctx context.Context, f func(*pgx.Conn) error) error
	db   *sql.DB
	own  bool // Close closes db
	// fresh, when set, runs before the first step that uses the session
	// after work that may have changed it; false: connect anew instead.
	fresh func(ctx context.Context, conn *pgx.Conn) (bool, error)
	gone  bool // fresh said no: every step connects anew
}

// Open connects with o and returns a session on that connection, to share
// through o.Sharing. Close it when the command ends.
func Open(ctx context.Context, o ConnectOptions) (*Session, error) {
	db, _, err := Connect(ctx, o)
	if err != nil {
		return nil, err
	}
	s := Share(db, o)
	s.own = true
	return s, nil
}

// Share is a session on db, a handle Connect opened with o, which its
// owner keeps and closes: steps given o.Sharing(s) use db's connection.
func Share(db *sql.DB, o ConnectOptions) *Session {
	return &Session{url: o.URL, readOnly: o.ReadOnly, simple: o.SimpleProtocol, unnamed: o.Unnamed, lockTimeout: o.LockTimeout, db: db}
}

// ShareConn is a session on a connection its owner holds (on db) and
// keeps, run through with. fresh runs before the session's first step and
// says whether the connection is as a new one would be; false sends every
// step to a new connection.
func ShareConn(o ConnectOptions, with func(ctx context.Context, f func(*pgx.Conn) error) error, fresh func(ctx context.Context, conn *pgx.Conn) (bool, error)) *Session {
	return &Session{url: o.URL, readOnly: o.ReadOnly, simple: o.SimpleProtocol, unnamed: o.Unnamed, lockTimeout: o.LockTimeout, with: with, fresh: fresh}
}

// DB is the session's database handle; nil for a session on a held
// connection (ShareConn).
func (s *Session) DB() *sql.DB { return s.db }

// Close closes the connection if Open made it.
func (s *Session) Close() error {
	if s == nil || !s.own {
		return nil
	}
	return s.db.Close()
}

// Sharing is o with its WithConn steps run on s where s fits them (see
// Session).
func (o ConnectOptions) Sharing(s *Session) ConnectOptions {
	o.session = s
	return o
}

// shared returns o's session when it serves o.
func (o ConnectOptions) shared() *Session {
	s := o.session
	if s == nil || s.url != o.URL || s.readOnly != o.ReadOnly || s.simple != o.SimpleProtocol || s.unnamed != o.Unnamed || s.lockTimeout != o.LockTimeout || o.OnNotice != nil {
		return nil
	}
	return s
}

// errNotFresh says a held connection cannot serve as a new one.
var errNotFresh = errors.New("the shared connection is not as a new one would be")

// run runs f on the session; errNotFresh when the session cannot serve.
func (s *Session) run(ctx context.Context, f func(*pgx.Conn) error) error {
	if err := ctx.Err(); err != nil {
		return err // interrupted: as a new connection would say
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone {
		return errNotFresh
	}
	g := func(conn *pgx.Conn) error {
		if s.fresh != nil {
			ok, err := s.fresh(ctx, conn)
			if err != nil {
				return err
			}
			s.fresh = nil
			if !ok {
				s.gone = true
				return errNotFresh
			}
		}
		return f(conn)
	}
	if s.with != nil {
		return s.with(ctx, g)
	}
	return WithPgx(ctx, s.db, g)
}

// ResetSQL puts a session back as a new connection starts, as DISCARD ALL
// does, but in one query with others (DISCARD ALL cannot run in one) and
// without deallocating pgx's prepared statements: what a migration file
// may have left (SET, SET ROLE, temporary tables, cursors, LISTEN,
// advisory locks) is gone. What RESET ALL restores is what the session
// started with: a new connection takes the database's and role's settings
// as they are now, hence SettingsSQL.
const ResetSQL = "CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; DISCARD TEMP; DISCARD SEQUENCES; UNLISTEN *; SELECT pg_catalog.pg_advisory_unlock_all()"

// SettingsSQL reads the settings ALTER DATABASE / ALTER ROLE ... SET give
// a new session of this database and login role, as one text (NULL for
// none): a session reused as a new one must start from the same.
const SettingsSQL = "SELECT pg_catalog.array_agg(s.setdatabase::pg_catalog.text OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) s.setrole::pg_catalog.text OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) s.setconfig::pg_catalog.text ORDER BY 1)::pg_catalog.text" +
	" FROM pg_catalog.pg_db_role_setting s WHERE s.setdatabase OPERATOR(pg_catalog.=) ANY (ARRAY[0, (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())]::pg_catalog.oid[])" +
	" AND s.setrole OPERATOR(pg_catalog.=) ANY (ARRAY[0, (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) pg_catalog.session_user())]::pg_catalog.oid[])"

// LibrariesSQL counts the settings the session knows (pg_settings): how a
// library loaded into it shows (LOAD, or a C function's first call). A
// library cannot be unloaded, and one that defines settings, as every
// library of PostgreSQL 15's contrib that a session can load and that
// installs a hook does (auto_explain, auth_delay, pg_prewarm;
// passwordcheck's hook, which defines none, acts only on a password being
// set), keeps acting after RESET ALL with the settings the database gives
// every session, which a new session, that never loaded it, leaves alone
// (see docs/security.md). PL/pgSQL's own settings (plpgsql.*) are not
// counted: the first DO block or plpgsql function a file creates or calls
// loads it, and it installs no hook that acts on later statements (a
// library that defined only settings under that name would be one that
// defines none, as above). It costs the server about 3 ms (the view builds
// every setting's row), so it is read only where files ran on the session.
const LibrariesSQL = "SELECT pg_catalog.count(*) FROM pg_catalog.pg_settings s WHERE NOT s.name OPERATOR(pg_catalog.~~) 'plpgsql.%'"

// preparedSQL counts the statements SQL's PREPARE made in the session,
// which ResetSQL keeps (it keeps pgx's own, made by the protocol): a file
// can PREPARE a statement under a name pgx gives its own (stmtcache_ and
// a hash of the query, known to anyone), and the check after would fail on
// it, or run it if pgx had prepared that name before and the file
// replaced it.
const preparedSQL = "SELECT pg_catalog.count(*) FROM pg_catalog.pg_prepared_statements p WHERE p.from_sql"

// Renew resets conn as a new connection starts (ResetSQL), in one round
// trip, and reports whether it now is one: no transaction left open, no
// statement prepared by SQL, the database's and role's settings as
// settings read when it started, and, unless libraries is negative (no
// file ran on the session), as many settings known as libraries
// (LibrariesSQL, read before the files ran): no library loaded since.
func Renew(ctx context.Context, conn *pgx.Conn, settings *string, libraries int64) (bool, error) {
	if conn.PgConn().TxStatus() != 'I' {
		return false, nil
	}
	q := ResetSQL + "; " + preparedSQL + "; " + SettingsSQL
	if libraries >= 0 {
		q += "; " + LibrariesSQL
	}
	rr := conn.PgConn().Exec(ctx, q)
	res, err := rr.ReadAll()
	if err != nil && conn.IsClosed() {
		// The server ended it (a file's SET idle_session_timeout, while
		// the check read the models), or the network did: a new session
		// serves, as it did before the session was shared.
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if libraries >= 0 {
		if len(res) < 1 {
			return false, errors.New("resetting the session: fewer results than statements")
		}
		n := res[len(res)-1]
		if len(n.Rows) != 1 || string(n.Rows[0][0]) != strconv.FormatInt(libraries, 10) {
			return false, nil
		}
		res = res[:len(res)-1]
	}
	if len(res) < 2 {
		return false, errors.New("resetting the session: fewer results than statements")
	}
	if p := res[len(res)-2]; len(p.Rows) != 1 || string(p.Rows[0][0]) != "0" {
		return false, nil
	}
	last := res[len(res)-1]
	var now *string
	if len(last.Rows) == 1 && last.Rows[0][0] != nil {
		v := string(last.Rows[0][0])
		now = &v
	}
	same := now == nil && settings == nil || now != nil && settings != nil && *now == *settings
	return same, nil
}

// SharedDB is the database handle of the session o shares, when it serves
// o and is one (Open, Share); nil otherwise. Its owner closes it.
func (o ConnectOptions) SharedDB() *sql.DB {
	if s := o.shared(); s != nil && s.db != nil {
		return s.db
	}
	return nil
}

// Shares reports whether o's WithConn steps run on a shared session.
func (o ConnectOptions) Shares() bool { return o.shared() != nil }
