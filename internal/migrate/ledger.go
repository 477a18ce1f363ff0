package migrate

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultLedgerTable is where dbguard keeps its history of migrations, in
// the schema of golang-migrate's version table.
const DefaultLedgerTable = "dbguard_migrations"

// The kinds of ledger entries.
const (
	DirUp     = "up"     // a migration applied
	DirDown   = "down"   // a migration rolled back
	DirAdopt  = "adopt"  // applied before the ledger existed (or by raw golang-migrate): recorded as found
	DirForce  = "force"  // dbguard migrate force: the version set by hand
	DirAccept = "accept" // dbguard migrate accept: an edited file's new checksum accepted
)

// The states of an entry.
const (
	StateRunning   = "running"   // in flight, or its client died
	StateFailed    = "failed"    // the file failed; the version is dirty until recovered
	StateDone      = "done"      // applied (or rolled back) and recorded
	StateRecovered = "recovered" // failed, and dbguard migrate recover reset the version
	StateForced    = "forced"    // failed or died, and dbguard migrate force moved on
)

// Entry is one row of the ledger.
type Entry struct {
	ID        int64  `json:"id"`
	Version   int    `json:"version"`
	Name      string `json:"name"`
	Direction string `json:"direction"`
	File      string `json:"file"`
	// Checksum is the SHA-256 of the file as run (for adopt: as found).
	Checksum      string     `json:"checksum"`
	Transactional bool       `json:"transactional"`
	OutOfOrder    bool       `json:"out_of_order"`
	VersionBefore int        `json:"version_before"` // golang-migrate's version before it
	VersionDirty  int        `json:"version_dirty"`  // the version golang-migrate marked dirty while it ran
	VersionAfter  *int       `json:"version_after"`  // after it; null while in flight
	State         string     `json:"state"`
	StartedAt     time.Time  `json:"started_at"`
	FinishedAt    *time.Time `json:"finished_at"`
	// Committed is when the file's own transaction committed: set with the
	// file's work, so a client that died after the server committed is
	// told apart from one whose work was rolled back.
	Committed *time.Time `json:"committed_at,omitempty"`
	DBUser    string     `json:"db_user"`
	Host      string     `json:"client_host"`
	Tool      string     `json:"dbguard_version"`
	Error     string     `json:"error,omitempty"`
	ErrorLine int        `json:"error_line,omitempty"`
}

// Duration is how long it ran; 0 while in flight.
func (e *Entry) Duration() time.Duration {
	if e.FinishedAt == nil {
		return 0
	}
	return e.FinishedAt.Sub(e.StartedAt)
}

// open reports an entry still in flight: started, never finished.
func (e *Entry) open() bool {
	return e.FinishedAt == nil && (e.State == StateRunning || e.State == StateFailed)
}

// ledger reads and writes the ledger table.
type ledger struct {
	db    *sql.DB
	table string // quoted schema.table
	tool  string // dbguard's version, recorded with each entry
	host  string // this machine's name
}

func newLedger(db *sql.DB, schema, table, tool string) *ledger {
	host, _ := os.Hostname()
	return &ledger{db: db, table: pgx.Identifier{schema, table}.Sanitize(), tool: tool, host: host}
}

// ensure creates the table. It runs under the migration lock, so two
// dbguards never race to create it.
func (l *ledger) ensure(ctx context.Context) error {
	_, err := l.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+l.table+` (
	id              bigserial PRIMARY KEY,
	version         bigint NOT NULL,
	name            text NOT NULL,
	direction       text NOT NULL CHECK (direction IN ('up', 'down', 'adopt', 'force', 'accept')),
	file            text NOT NULL DEFAULT '',
	checksum        text NOT NULL DEFAULT '',
	transactional   boolean NOT NULL DEFAULT true,
	out_of_order    boolean NOT NULL DEFAULT false,
	version_before  bigint NOT NULL,
	version_dirty   bigint NOT NULL,
	version_after   bigint,
	state           text NOT NULL CHECK (state IN ('running', 'failed', 'done', 'recovered', 'forced')),
	started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
	finished_at     timestamptz,
	committed_at    timestamptz,
	db_user         text NOT NULL DEFAULT current_user,
	client_host     text NOT NULL DEFAULT '',
	dbguard_version text NOT NULL DEFAULT '',
	error           text NOT NULL DEFAULT '',
	error_line      integer NOT NULL DEFAULT 0
);
COMMENT ON TABLE `+l.table+` IS 'dbguard''s migration ledger: one row per migration run, beside golang-migrate''s version table (which stays the source of truth for the version)'`)
	return err
}

// read returns every entry, oldest first; none when the table does not
// exist (a database dbguard has not migrated yet).
func (l *ledger) read(ctx context.Context) ([]Entry, bool, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT id, version, name, direction, file, checksum, transactional, out_of_order,
	version_before, version_dirty, version_after, state, started_at, finished_at, committed_at, db_user, client_host,
	dbguard_version, error, error_line FROM `+l.table+` ORDER BY id`)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var after sql.NullInt64
		if err := rows.Scan(&e.ID, &e.Version, &e.Name, &e.Direction, &e.File, &e.Checksum, &e.Transactional, &e.OutOfOrder,
			&e.VersionBefore, &e.VersionDirty, &after, &e.State, &e.StartedAt, &e.FinishedAt, &e.Committed, &e.DBUser, &e.Host,
			&e.Tool, &e.Error, &e.ErrorLine); err != nil {
			return nil, true, err
		}
		if after.Valid {
			v := int(after.Int64)
			e.VersionAfter = &v
		}
		out = append(out, e)
	}
	return out, true, rows.Err()
}

// setVersion writes golang-migrate's version table as its driver does
// (TRUNCATE, then one row) and the ledger change in the same transaction,
// so the two never disagree.
func (l *ledger) setVersion(ctx context.Context, versionTable string, version int, dirty bool, change func(*sql.Tx) error) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "TRUNCATE "+versionTable); err != nil {
		return err
	}
	// As golang-migrate: a dirty -1 is written too (a failed down of the
	// first migration), a clean -1 is an empty table.
	if version >= 0 || dirty {
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+versionTable+" (version, dirty) VALUES ($1, $2)", version, dirty); err != nil {
			return err
		}
	}
	if err := change(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// write runs change in a transaction of its own.
func (l *ledger) write(ctx context.Context, change func(*sql.Tx) error) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := change(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// insert adds e and returns its id.
func (l *ledger) insert(ctx context.Context, tx *sql.Tx, e *Entry) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO `+l.table+` (version, name, direction, file, checksum, transactional, out_of_order,
	version_before, version_dirty, version_after, state, finished_at, client_host, dbguard_version)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CASE WHEN $11 = 'running' THEN NULL ELSE clock_timestamp() END, $12, $13)
	RETURNING id`,
		e.Version, e.Name, e.Direction, e.File, e.Checksum, e.Transactional, e.OutOfOrder,
		e.VersionBefore, e.VersionDirty, e.VersionAfter, e.State, l.host, l.tool).Scan(&id)
	return id, err
}

// finish closes an entry in flight with state and the version it left.
func (l *ledger) finish(ctx context.Context, tx *sql.Tx, id int64, state string, after int) error {
	_, err := tx.ExecContext(ctx, `UPDATE `+l.table+` SET state = $2, version_after = $3, finished_at = clock_timestamp() WHERE id = $1`, id, state, after)
	return err
}

// closeOpen closes every entry still in flight (force moves on from them).
func (l *ledger) closeOpen(ctx context.Context, tx *sql.Tx, state string, after int) error {
	_, err := tx.ExecContext(ctx, `UPDATE `+l.table+` SET state = $1, version_after = $2, finished_at = clock_timestamp() WHERE finished_at IS NULL`, state, after)
	return err
}

// commitMark is the statement run inside a transactional file's own
// transaction, first, before the file can change the role or search_path:
// it commits if and only if the file's work does.
func (l *ledger) commitMark(id int64) string {
	return fmt.Sprintf("UPDATE %s SET committed_at = clock_timestamp() WHERE id = %d", l.table, id)
}

// fail records why an entry in flight failed. Best effort: when the
// connection is gone, the entry stays running, which reads the same.
func (l *ledger) fail(id int64, msg string, line int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = l.db.ExecContext(ctx, `UPDATE `+l.table+` SET state = 'failed', error = $2, error_line = $3 WHERE id = $1 AND finished_at IS NULL`, id, msg, line)
}

// checksum is the SHA-256 of a file's bytes, in hex.
func checksum(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// applied replays the ledger: for each version, the entry that applied it
// (up, adopt or accept), unless a later down or force took it back.
func applied(entries []Entry) map[int]Entry {
	set := map[int]Entry{}
	for _, e := range entries {
		switch {
		case e.Direction == DirUp && e.State == StateDone, e.Direction == DirAdopt, e.Direction == DirAccept:
			set[e.Version] = e
		case e.Direction == DirDown && e.State == StateDone:
			delete(set, e.Version)
		case e.Direction == DirForce:
			for v := range set {
				if v > e.Version {
					delete(set, v)
				}
			}
		}
	}
	return set
}

// inFlight returns the newest entry started and never finished.
func inFlight(entries []Entry) *Entry {
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].open() {
			return &entries[i]
		}
	}
	return nil
}

// Integrity is what the ledger says of the folder against the database.
type Integrity struct {
	Ledger bool `json:"ledger"` // the ledger table exists
	// Edited: applied files whose content changed since.
	Edited []Edited `json:"edited"`
	// Late: files below the recorded version that were never applied
	// (merged late): golang-migrate skips them forever.
	Late []int `json:"late"`
	// Unrecorded: versions golang-migrate counts as applied that the
	// ledger has no entry for (applied before the ledger, or by raw
	// golang-migrate); the next guarded run adopts them.
	Unrecorded []int `json:"unrecorded"`
	// InFlight is the migration started and never finished: what a dirty
	// version means.
	InFlight *Entry `json:"in_flight"`
}

// Edited is an applied migration whose file changed.
type Edited struct {
	Version   int       `json:"version"`
	File      string    `json:"file"`
	Applied   string    `json:"applied_checksum"`
	Current   string    `json:"current_checksum"`
	AppliedAt time.Time `json:"applied_at"`
	AppliedBy string    `json:"applied_by"`
	Adopted   bool      `json:"adopted"` // the checksum is as found when the ledger adopted it
}

// integrity lines the ledger up with the folder at clean version v.
// sum returns a file's current checksum.
func integrity(entries []Entry, src *Source, v int, sum func(name string) (string, error)) (Integrity, error) {
	in := Integrity{Ledger: true, Edited: []Edited{}, Late: []int{}, Unrecorded: []int{}, InFlight: inFlight(entries)}
	set := applied(entries)
	top := -1
	for ver := range set {
		top = max(top, ver)
	}
	for _, m := range src.Migrations {
		ver := int(m.Version)
		e, ok := set[ver]
		switch {
		case ok && e.Checksum != "":
			cur, err := sum(m.Up)
			if err != nil {
				return in, err
			}
			if cur != e.Checksum {
				in.Edited = append(in.Edited, Edited{Version: ver, File: src.Path(m.Up), Applied: e.Checksum, Current: cur,
					AppliedAt: e.StartedAt, AppliedBy: who(e), Adopted: e.Direction == DirAdopt})
			}
		case ok || ver > v:
		case ver < top:
			in.Late = append(in.Late, ver)
		default:
			in.Unrecorded = append(in.Unrecorded, ver)
		}
	}
	sort.Ints(in.Late)
	return in, nil
}

// who names who ran an entry: the database user, and the machine.
func who(e Entry) string {
	if e.Host == "" {
		return e.DBUser
	}
	return e.DBUser + " from " + e.Host
}

// shortSum is a checksum cut for messages.
func shortSum(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// joinInts prints versions for messages.
func joinInts(vs []int) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}
