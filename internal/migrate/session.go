package migrate

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4/database"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// session is golang-migrate's database driver, on the one connection that
// holds the migration lock. It does what golang-migrate's pgx/v5 driver
// does (the same version table, the same error shape), minus what costs
// round trips there: a ping and two lookups dbguard has already made, a
// lock taken and released only to create the version table, and a second
// connection for everything outside golang-migrate's calls. Lock, Unlock
// and SetVersion are lockingDriver's and Runner.record's.
type session struct {
	db      *sql.DB
	conn    *sql.Conn
	table   string // the version table, quoted
	timeout time.Duration
	// known is the version table as last read, until the session sends
	// anything that may write it: golang-migrate asks for the version
	// again right after dbguard read it under the lock.
	known *knownVersion
	// capture keeps the last row of the next query's final result in last.
	capture bool
	last    [][]byte
}

type knownVersion struct {
	version int
	dirty   bool
}

func newSession(ctx context.Context, db *sql.DB, table string, timeout time.Duration) (*session, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &session{db: db, conn: conn, table: table, timeout: timeout}, nil
}

func (s *session) Open(string) (database.Driver, error) {
	return nil, errors.New("dbguard's migration session is not opened by URL")
}

func (s *session) Close() error { return errors.Join(s.conn.Close(), s.db.Close()) }

func (s *session) Lock() error   { return nil }
func (s *session) Unlock() error { return nil }
func (s *session) Drop() error   { return errors.New("dbguard does not drop databases") }

// createSQL is golang-migrate's version table, as its driver creates it.
func (s *session) createSQL() string {
	return "CREATE TABLE IF NOT EXISTS " + s.table + " (version bigint not null primary key, dirty boolean not null)"
}

// SetVersion writes the version table in one transaction.
func (s *session) SetVersion(version int, dirty bool) error {
	return s.Run(strings.NewReader("BEGIN;\n" + versionSQL(s.table, version, dirty) + ";\nCOMMIT"))
}

// Version reads the version table (-1 for none).
func (s *session) Version() (int, bool, error) {
	if k := s.known; k != nil {
		return k.version, k.dirty, nil
	}
	var v int
	var dirty bool
	query := s.versionQuery()
	// One round trip: no statement to prepare first.
	err := s.conn.QueryRowContext(context.Background(), query, pgx.QueryExecModeSimpleProtocol).Scan(&v, &dirty)
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return database.NilVersion, false, nil
	case errors.As(err, &pgErr) && pgErr.Code == "42P01":
		return database.NilVersion, false, nil
	case err != nil:
		return 0, false, &database.Error{OrigErr: err, Query: []byte(query)}
	}
	s.known = &knownVersion{v, dirty}
	return v, dirty, nil
}

// versionQuery reads the version table.
func (s *session) versionQuery() string { return "SELECT version, dirty FROM " + s.table + " LIMIT 1" }

// lockedVersionQuery is versionQuery for the lock's round trip: one row
// whatever the table holds (the version NULL for none), with the
// transaction's isolation level, which says whether the read's snapshot is
// its own (see lockingDriver.Lock).
func (s *session) lockedVersionQuery() string {
	return "SELECT v.version, v.dirty, pg_catalog.current_setting('transaction_isolation') FROM (SELECT) one LEFT JOIN (" + s.versionQuery() + ") v ON true"
}

// keepVersion records the version table's row as the last query's final
// result returned it (its lockedVersionQuery came last): a NULL version is
// NilVersion. fresh is false when the read shared a snapshot taken before
// the statements ahead of it (an isolation level above READ COMMITTED):
// then nothing is recorded.
func (s *session) keepVersion() (fresh bool, err error) {
	if len(s.last) != 3 {
		return false, fmt.Errorf("reading %s: %d columns", s.table, len(s.last))
	}
	if iso := string(s.last[2]); iso != "read committed" && iso != "read uncommitted" {
		return false, nil
	}
	if s.last[0] == nil {
		s.known = &knownVersion{database.NilVersion, false}
		return true, nil
	}
	v, err := strconv.Atoi(string(s.last[0]))
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", s.table, err)
	}
	s.known = &knownVersion{v, string(s.last[1]) == "t"}
	return true, nil
}

// Run runs a migration file (or dbguard's statements) as one simple query,
// bounded by the statement timeout, with golang-migrate's error shape.
func (s *session) Run(body io.Reader) error {
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	_, err = s.run(string(data), "", 0, nil)
	return err
}

// run sends before, body and after as one simple query: one round trip.
// It returns how many of the markers it planted came back: the first, a
// SELECT of a random string between before and body, says before ran; the
// second, after body, says body ran. An error is shaped as golang-migrate's
// driver shapes it, with its line and position counted in body (for an
// error of before or after too: the caller tells them apart by the markers
// seen). The server sends nothing back before the whole query ends, so a
// connection lost part way sees no marker. With no before and
// after (marks 0), body alone is sent.
func (s *session) run(body, before string, marks int, after []string) (int, error) {
	// Whatever is sent may write the version table.
	s.known, s.last = nil, nil
	if strings.TrimSpace(body) == "" && marks == 0 {
		return 0, nil
	}
	ctx := context.Background()
	if s.timeout != 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
		defer cancel()
	}
	var mark [2]string
	query, offset := body, 0
	if marks > 0 {
		var b [12]byte
		_, _ = rand.Read(b[:])
		nonce := hex.EncodeToString(b[:])
		mark = [2]string{"dbguard-1-" + nonce, "dbguard-2-" + nonce}
		head := before + ";\nSELECT '" + mark[0] + "';\n"
		offset = len([]rune(head))
		query = head + body + "\n;\nSELECT '" + mark[1] + "';\n" + strings.Join(after, ";\n")
	}
	seen := 0
	err := s.conn.Raw(func(dc any) error {
		mrr := dc.(*stdlib.Conn).Conn().PgConn().Exec(ctx, query)
		for mrr.NextResult() {
			rr := mrr.ResultReader()
			s.last = nil
			for rr.NextRow() {
				v := rr.Values()
				if len(v) == 1 && seen < 2 && string(v[0]) == mark[seen] && mark[seen] != "" {
					seen++
				}
				if s.capture {
					s.last = s.last[:0]
					for _, c := range v {
						s.last = append(s.last, bytes.Clone(c))
					}
				}
			}
			if _, err := rr.Close(); err != nil {
				break
			}
		}
		return mrr.Close()
	})
	if err == nil {
		return seen, nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		pos := int(pgErr.Position)
		if pos > 0 && offset > 0 {
			// Counted in the file, as for a file sent alone.
			pos = max(pos-offset, 0)
			cp := *pgErr
			cp.Position = int32(pos)
			pgErr, err = &cp, &cp
		}
		line, col, ok := lineOf(body, pos)
		message := fmt.Sprintf("migration failed: %s", pgErr.Message)
		if ok {
			message = fmt.Sprintf("%s (column %d)", message, col)
		}
		if pgErr.Detail != "" {
			message = fmt.Sprintf("%s, %s", message, pgErr.Detail)
		}
		return seen, database.Error{OrigErr: err, Err: message, Query: []byte(body), Line: line}
	}
	return seen, database.Error{OrigErr: err, Err: "migration failed", Query: []byte(body)}
}

// lineOf is golang-migrate's computeLineFromPos: the line and column of
// the server's 1-based character position in s.
func lineOf(s string, pos int) (line uint, col uint, ok bool) {
	runes := []rune(strings.ReplaceAll(s, "\r\n", "\n"))
	if pos > len(runes) || pos < 0 {
		return 0, 0, false
	}
	sel := runes[:pos]
	last := -1
	for i, c := range sel {
		if c == '\n' {
			line++
			last = i
		}
	}
	return line + 1, uint(pos - 1 - last), true
}
