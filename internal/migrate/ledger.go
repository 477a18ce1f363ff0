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
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/pg"
)

// DefaultLedgerTable is where dbguard keeps its history of migrations, in
// the schema of golang-migrate's version table, when that is the default
// schema_migrations (see config.LedgerTableFor).
const DefaultLedgerTable = config.DefaultLedgerTable

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
	db    querier // the migration session once there is one
	ready bool    // created under the lock this run
	table string  // quoted schema.table
	tool  string  // dbguard's version, recorded with each entry
	host  string  // this machine's name
	// next is the id of the next entry. Every writer holds the migration
	// lock, so ids are handed out here rather than by a sequence: the
	// statements that record a migration then need no answer back, and go
	// in one round trip with the version write.
	next int64
	// expect is how many entries read makes room for first: about one per
	// migration file, so 300 entries are not copied as the slice grows.
	expect int
}

// querier is a database handle or the migration session's connection.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func newLedger(db *sql.DB, schema, table, tool string) *ledger {
	host, _ := os.Hostname()
	return &ledger{db: db, table: pgx.Identifier{schema, table}.Sanitize(), tool: tool, host: host, next: 1}
}

// ensure creates the table. It runs under the migration lock, so two
// dbguards never race to create it.
func (l *ledger) ensure(ctx context.Context) error {
	if l.ready {
		return nil
	}
	_, err := l.db.ExecContext(ctx, l.createSQL())
	return err
}

// createSQL creates the ledger table if it does not exist. Its types,
// default and checks name pg_catalog's: an earlier migration (run by raw
// golang-migrate before the ledger existed) may have put its own text type
// or "=" ahead of them in search_path.
func (l *ledger) createSQL() string {
	return `CREATE TABLE IF NOT EXISTS ` + l.table + ` (
	id              bigint PRIMARY KEY,
	version         bigint NOT NULL,
	name            pg_catalog.text NOT NULL,
	direction       pg_catalog.text NOT NULL CHECK (direction OPERATOR(pg_catalog.=) ANY (ARRAY['up', 'down', 'adopt', 'force', 'accept']::pg_catalog.text[])),
	file            pg_catalog.text NOT NULL DEFAULT '',
	checksum        pg_catalog.text NOT NULL DEFAULT '',
	transactional   boolean NOT NULL DEFAULT true,
	out_of_order    boolean NOT NULL DEFAULT false,
	version_before  bigint NOT NULL,
	version_dirty   bigint NOT NULL,
	version_after   bigint,
	state           pg_catalog.text NOT NULL CHECK (state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'failed', 'done', 'recovered', 'forced']::pg_catalog.text[])),
	started_at      pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
	finished_at     pg_catalog.timestamptz,
	committed_at    pg_catalog.timestamptz,
	db_user         pg_catalog.text NOT NULL DEFAULT current_user,
	client_host     pg_catalog.text NOT NULL DEFAULT '',
	dbguard_version pg_catalog.text NOT NULL DEFAULT '',
	error           pg_catalog.text NOT NULL DEFAULT '',
	error_line      integer NOT NULL DEFAULT 0
);
COMMENT ON TABLE ` + l.table + ` IS 'dbguard''s migration ledger: one row per migration run, beside golang-migrate''s version table (which stays the source of truth for the version)'`
}

// read returns every entry, oldest first; none when the table does not
// exist (a database dbguard has not migrated yet).
func (l *ledger) read(ctx context.Context) ([]Entry, bool, error) {
	return l.readCounting(ctx, nil)
}

// readCounting is read that also counts, when libraries is not nil, the
// settings the session knows (pg.LibrariesSQL) in the same round trip:
// a run that is about to execute files needs the count before the first
// one, and the ledger is read on the migration's session just before.
func (l *ledger) readCounting(ctx context.Context, libraries *int64) ([]Entry, bool, error) {
	// One round trip (the simple protocol: no statement to prepare
	// first), so its values come as text: the times in a format fixed
	// here, whatever the server's DateStyle. The rows are read from the
	// wire by pgconn and parsed here, not through database/sql's Rows and
	// Scan: on a no-op migrate up of 300 applied files those cost more than
	// the query (TestLedgerReadParsesAsScan holds the two readings equal).
	query := `SELECT id, version, name, direction, file, checksum, transactional, out_of_order,
	version_before, version_dirty, version_after, state, ` + utcText("started_at") + `, ` + utcText("finished_at") + `,
	` + utcText("committed_at") + `, db_user, client_host, dbguard_version, error, error_line FROM ` + l.table + ` ORDER BY id`
	if libraries != nil {
		// First: the ledger's absence (42P01) ends the query after it.
		query = pg.LibrariesSQL + ";\n" + query
	}
	out := make([]Entry, 0, l.expect)
	err := l.raw(ctx, func(pc *pgconn.PgConn) error {
		mrr := pc.Exec(ctx, query)
		defer mrr.Close()
		for first := libraries != nil; mrr.NextResult(); first = false {
			rr := mrr.ResultReader()
			if first {
				if err := readCount(rr, libraries); err != nil {
					return err
				}
				continue
			}
			if n := len(rr.FieldDescriptions()); n != ledgerColumns {
				rr.Close()
				return fmt.Errorf("reading the ledger: %d columns, want %d", n, ledgerColumns)
			}
			for rr.NextRow() {
				e, err := parseEntry(rr.Values())
				if err != nil {
					rr.Close()
					return err
				}
				out = append(out, e)
				l.next = max(l.next, e.ID+1)
			}
			if _, err := rr.Close(); err != nil {
				return err
			}
		}
		return mrr.Close()
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	if len(out) == 0 {
		return nil, true, nil // as before: no entries, no slice
	}
	return out, true, nil
}

// readCount reads a count of one row and one column into n.
func readCount(rr *pgconn.ResultReader, n *int64) error {
	res := rr.Read()
	if res.Err != nil {
		return res.Err
	}
	if len(res.Rows) != 1 || len(res.Rows[0]) != 1 || res.Rows[0][0] == nil {
		return fmt.Errorf("counting the session's settings: %d rows", len(res.Rows))
	}
	v, err := strconv.ParseInt(string(res.Rows[0][0]), 10, 64)
	if err != nil {
		return fmt.Errorf("counting the session's settings: %w", err)
	}
	*n = v
	return nil
}

// ledgerColumns is how many columns read selects.
const ledgerColumns = 20

// raw runs f on the pgx connection under l.db: the migration session's
// connection, or one taken from the pool for the call.
func (l *ledger) raw(ctx context.Context, f func(*pgconn.PgConn) error) error {
	run := func(dc any) error { return f(dc.(*stdlib.Conn).Conn().PgConn()) }
	switch db := l.db.(type) {
	case *sql.Conn:
		return db.Raw(run)
	case *sql.DB:
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		return conn.Raw(run)
	default:
		return fmt.Errorf("reading the ledger: no connection (%T)", l.db)
	}
}

// parseEntry reads one row of read's query, its values as text (nil for
// NULL), converting each as database/sql's Scan would into Entry's fields.
func parseEntry(v [][]byte) (Entry, error) {
	var e Entry
	var err error
	column := 0
	text := func() string {
		s := v[column]
		column++
		if s == nil && err == nil {
			err = fmt.Errorf("reading the ledger: column %d is NULL", column)
		}
		return string(s)
	}
	integer := func(bits int) int64 {
		s := v[column]
		column++
		if err != nil {
			return 0
		}
		if s == nil {
			err = fmt.Errorf("reading the ledger: column %d is NULL", column)
			return 0
		}
		n, perr := strconv.ParseInt(string(s), 10, bits)
		if perr != nil {
			err = fmt.Errorf("reading the ledger: column %d: %w", column, perr)
		}
		return n
	}
	boolean := func() bool {
		s := v[column]
		column++
		if err != nil {
			return false
		}
		b, perr := strconv.ParseBool(string(s))
		if perr != nil {
			err = fmt.Errorf("reading the ledger: column %d: %w", column, perr)
		}
		return b
	}
	stamp := func() *time.Time {
		s := v[column]
		column++
		if err != nil || s == nil {
			return nil
		}
		t, perr := parseUTC(string(s))
		if perr != nil {
			err = perr
			return nil
		}
		return &t
	}
	e.ID = integer(64)
	e.Version = int(integer(strconv.IntSize))
	e.Name, e.Direction, e.File, e.Checksum = text(), text(), text(), text()
	e.Transactional, e.OutOfOrder = boolean(), boolean()
	e.VersionBefore, e.VersionDirty = int(integer(strconv.IntSize)), int(integer(strconv.IntSize))
	if v[column] == nil {
		column++
	} else if after := int(integer(strconv.IntSize)); err == nil {
		e.VersionAfter = &after
	}
	e.State = text()
	if t := stamp(); t != nil {
		e.StartedAt = *t
	} else if err == nil {
		err = fmt.Errorf("reading the ledger: column %d is NULL", column)
	}
	e.FinishedAt, e.Committed = stamp(), stamp()
	e.DBUser, e.Host, e.Tool, e.Error = text(), text(), text(), text()
	e.ErrorLine = int(integer(strconv.IntSize))
	return e, err
}

// utcLayout is how utcText writes a time, in UTC.
const utcLayout = "2006-01-02T15:04:05.000000"

// utcText is column (a timestamptz) as text in utcLayout.
func utcText(column string) string {
	return "pg_catalog.to_char(" + column + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`
}

// parseUTC reads a time utcText wrote, in the local zone (as pgx returns
// a timestamptz).
func parseUTC(s string) (time.Time, error) {
	// Each row has three; time.Parse's general layout walk was 1.5% of a
	// no-op up. The fixed layout is read by hand, and anything it does not
	// take as time.Parse would (a day past the month's end, a year of
	// five digits) goes to time.Parse, which gives the same time or the
	// same error (TestParseUTCAsTimeParse, FuzzParseUTCAsTimeParse).
	if t, ok := parseUTCFast(s); ok {
		return t.Local(), nil
	}
	t, err := time.ParseInLocation(utcLayout, s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading the ledger: %w", err)
	}
	return t.Local(), nil
}

// parseUTCFast reads s in utcLayout, in UTC, when every field is digits
// and in range.
func parseUTCFast(s string) (time.Time, bool) {
	if len(s) != len(utcLayout) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' {
		return time.Time{}, false
	}
	ok := true
	num := func(from, to int) int {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				ok = false
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, minute, sec, micro := num(11, 13), num(14, 16), num(17, 19), num(20, 26)
	if !ok || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	if day > 28 && time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC).Day() != day {
		return time.Time{}, false // past the month's end
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, micro*1000, time.UTC), true
}

// insertSQL is the statement that adds e with the next id (taking it).
// Its values are literals: it is sent with the version write in one simple
// query.
func (l *ledger) insertSQL(e *Entry) string {
	e.ID = l.next
	l.next++
	after, finished := "NULL", "NULL"
	if e.VersionAfter != nil {
		after = fmt.Sprint(*e.VersionAfter)
	}
	if e.State != StateRunning {
		finished = "pg_catalog.clock_timestamp()"
	}
	return fmt.Sprintf(`INSERT INTO %s (id, version, name, direction, file, checksum, transactional, out_of_order,
	version_before, version_dirty, version_after, state, finished_at, client_host, dbguard_version)
	VALUES (%d, %d, %s, %s, %s, %s, %t, %t, %d, %d, %s, %s, %s, %s, %s)`, l.table,
		e.ID, e.Version, lit(e.Name), lit(e.Direction), lit(e.File), lit(e.Checksum), e.Transactional, e.OutOfOrder,
		e.VersionBefore, e.VersionDirty, after, lit(e.State), finished, lit(l.host), lit(l.tool))
}

// finishSQL closes entry id with state and the version it left.
func (l *ledger) finishSQL(id int64, state string, after int) string {
	return fmt.Sprintf("UPDATE %s SET state = %s, version_after = %d, finished_at = pg_catalog.clock_timestamp() WHERE id OPERATOR(pg_catalog.=) %d", l.table, lit(state), after, id)
}

// doneSQL closes entry id as done at version after, in the transaction
// that ran its file: the commit mark is set with it.
func (l *ledger) doneSQL(id int64, after int) string {
	return fmt.Sprintf("UPDATE %s SET state = 'done', version_after = %d, finished_at = pg_catalog.clock_timestamp(), committed_at = pg_catalog.clock_timestamp() WHERE id OPERATOR(pg_catalog.=) %d", l.table, after, id)
}

// versionSQL writes golang-migrate's version table as its driver does,
// one row (a dirty -1 too: a failed down of the first migration; a clean -1
// is an empty table), but emptied with DELETE: golang-migrate's TRUNCATE
// costs a new file for the table and a scan of shared_buffers (0.4 ms at
// 128 MB, 2 ms at 4 GB), twice per migration, where deleting its one row
// costs 0.09 ms. Other sessions see the same: TRUNCATE's lock made readers
// wait for the migration's transaction; DELETE lets them read the row as
// it was.
func versionSQL(table string, version int, dirty bool) string {
	q := "DELETE FROM " + table
	if version >= 0 || dirty {
		q += fmt.Sprintf("; INSERT INTO %s (version, dirty) VALUES (%d, %t)", table, version, dirty)
	}
	return q
}

// lit is s as an SQL string literal, read the same whatever
// standard_conforming_strings says.
func lit(s string) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "?")
	return "E'" + litEscaper.Replace(s) + "'"
}

// litEscaper is built once: lit runs for every value of every ledger row.
var litEscaper = strings.NewReplacer(`\`, `\\`, `'`, `''`)

// checksum is the SHA-256 of a file's bytes, in hex.
func checksum(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// applied replays the ledger: for each version, the entry that applied it
// (up, adopt or accept), unless a later down or force took it back. The
// set points into entries and is sized for them: a no-op run builds it
// for every applied migration, and a map of whole entries (about 250
// bytes each) grown from empty was ~300 KB of fresh pages per 300 files.
func applied(entries []Entry) map[int]*Entry {
	set := make(map[int]*Entry, len(entries))
	for i := range entries {
		e := &entries[i]
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

// checksummed lists the files integrity checksums: the up files of the
// versions the ledger has applied with a checksum (set is applied's).
func checksummed(set map[int]*Entry, src *Source) []string {
	names := make([]string, 0, len(set))
	for _, m := range src.Migrations {
		if e, ok := set[int(m.Version)]; ok && e.Checksum != "" {
			names = append(names, m.Up)
		}
	}
	return names
}

// integrity lines the ledger up with the folder at clean version v (set is
// applied's for entries). sum returns a file's current checksum.
func integrity(entries []Entry, set map[int]*Entry, src *Source, v int, sum func(name string) (string, error)) (Integrity, error) {
	in := Integrity{Ledger: true, Edited: []Edited{}, Late: []int{}, Unrecorded: []int{}, InFlight: inFlight(entries)}
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
					AppliedAt: e.StartedAt, AppliedBy: who(*e), Adopted: e.Direction == DirAdopt})
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

// joinInts prints versions for messages, in one short line however many
// there are: a run of three or more consecutive versions as "first-last",
// and past eight parts, the first six, how many more, and the last (the
// JSON of migrate status lists them all).
func joinInts(vs []int) string {
	var parts []string
	for i := 0; i < len(vs); {
		j := i
		for j+1 < len(vs) && vs[j+1] == vs[j]+1 {
			j++
		}
		if j-i >= 2 {
			parts = append(parts, fmt.Sprintf("%d-%d", vs[i], vs[j]))
		} else {
			for k := i; k <= j; k++ {
				parts = append(parts, fmt.Sprint(vs[k]))
			}
		}
		i = j + 1
	}
	if len(parts) > 8 {
		parts = append(parts[:6:6], fmt.Sprintf("... (%d more) ...", len(parts)-7), parts[len(parts)-1])
	}
	return strings.Join(parts, ", ")
}
