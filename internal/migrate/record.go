package migrate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4/database"
	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/sqlscan"
)

// prepare runs under the migration lock before a run: it creates the
// ledger, adopts what golang-migrate counts as applied but the ledger has
// no entry for, and, going up, refuses edited files and migrations merged
// late (or returns the late ones when they may run out of order).
func (r *Runner) prepare(ctx context.Context, direction string) ([]Migration, error) {
	if err := r.ledger.ensure(ctx); err != nil {
		return nil, r.explain(err, "")
	}
	cur, dirty, err := r.drv.Version()
	if err != nil {
		return nil, r.explain(err, "")
	}
	r.clean, r.flight, r.fold, r.done = cur, nil, nil, nil
	if dirty {
		return nil, nil // golang-migrate refuses, and dirtyError explains
	}
	// A run with files to execute counts the session's settings before
	// the first (runBody), here in the ledger's round trip; the no-op path
	// does not pay the count's 3 ms of server time.
	var count *int64
	n := int64(-1)
	if r.libraries < 0 && r.checked.any() {
		count = &n
	}
	entries, _, err := r.ledger.readCounting(ctx, count)
	if err != nil {
		return nil, r.explain(err, "")
	}
	if n >= 0 {
		r.libraries = n
	}
	set := applied(entries)
	r.sumAll(set)
	in, err := integrity(entries, set, r.src, cur, r.sum)
	if err != nil {
		return nil, err
	}
	if len(in.Unrecorded) > 0 {
		never, err := r.adopt(ctx, in.Unrecorded, cur)
		if err != nil {
			return nil, r.explain(err, "")
		}
		// Below the version golang-migrate recorded, but never run by it:
		// late, as they are in every run from now on.
		in.Late = append(in.Late, never...)
		sort.Ints(in.Late)
	}
	if direction != "up" {
		return nil, nil
	}
	if len(in.Edited) > 0 {
		return nil, &EditedError{Edited: in.Edited}
	}
	if len(in.Late) == 0 {
		return nil, nil
	}
	if !r.o.AllowOutOfOrder {
		return nil, r.lateError(in.Late, cur)
	}
	var late []Migration
	for _, v := range in.Late {
		m, _ := r.src.Get(uint(v))
		late = append(late, m)
	}
	return late, nil
}

func (r *Runner) lateError(versions []int, cur int) *LateError {
	e := &LateError{Current: cur}
	for _, v := range versions {
		m, _ := r.src.Get(uint(v))
		e.Files = append(e.Files, r.src.Path(m.Up))
	}
	return e
}

func (r *Runner) sum(name string) (string, error) {
	fi, err := r.file(name, false)
	return fi.sum, err
}

// adopt records versions applied outside dbguard, as their files are now.
// golang-migrate keeps one number, so a file below it may never have run
// (merged after a newer one ran under raw golang-migrate): a file whose
// tables, indexes or columns the catalog lacks (and no later file drops or
// renames) is not adopted but returned, as late. A file that creates
// nothing the catalog can confirm is adopted, and the log says unverified.
func (r *Runner) adopt(ctx context.Context, versions []int, cur int) (never []int, err error) {
	q := []string{"BEGIN"}
	var adopted, unverified []int
	absent, unchecked, err := r.checkAppliedAll(versions, cur)
	if err != nil {
		return nil, err
	}
	for _, v := range versions {
		m, _ := r.src.Get(uint(v))
		sum, err := r.sum(m.Up)
		if err != nil {
			return nil, err
		}
		missing, checked := absent[v], !unchecked[v]
		if len(missing) > 0 {
			never = append(never, v)
			if r.o.Log != nil {
				fmt.Fprintf(r.o.Log, "dbguard: ledger: not recording %s as applied: the database is at version %d, but it lacks what the file creates (%s), so golang-migrate never ran it\n",
					r.src.Path(m.Up), cur, joinObjects(missing))
			}
			continue
		}
		if !checked {
			unverified = append(unverified, v)
		}
		adopted = append(adopted, v)
		after := cur
		q = append(q, r.ledger.insertSQL(&Entry{Version: v, Name: m.Name, Direction: DirAdopt, File: m.Up, Checksum: sum,
			Transactional: true, VersionBefore: cur, VersionDirty: cur, VersionAfter: &after, State: StateDone}))
	}
	if len(adopted) == 0 {
		return never, nil
	}
	err = r.exec(append(q, "COMMIT")...)
	if err == nil && r.o.Log != nil {
		fmt.Fprintf(r.o.Log, "dbguard: ledger: recorded %d migration(s) applied before dbguard kept a ledger (%s), with their files' checksums as found now\n",
			len(adopted), joinInts(adopted))
		if len(unverified) > 0 {
			fmt.Fprintf(r.o.Log, "dbguard: ledger: unverified: %s create no table, index or column the catalog could confirm; golang-migrate records only its latest version\n", joinInts(unverified))
		}
	}
	return never, err
}

// checkApplied looks up in the catalog what version v's up file creates:
// missing is what is absent (and no later applied file, up to cur, drops
// or renames); checked is false when the file creates nothing to look up.
func (r *Runner) checkApplied(v int, name string, cur int) (missing []object, checked bool, err error) {
	miss, unchecked, err := r.checkAppliedAll([]int{v}, cur)
	return miss[v], !unchecked[v], err
}

// checkAppliedAll is checkApplied for several versions, in one query.
func (r *Runner) checkAppliedAll(versions []int, cur int) (missing map[int][]object, unchecked map[int]bool, err error) {
	texts, undo := map[int]string{}, map[int]string{}
	read := func(v int) (string, error) {
		if t, ok := texts[v]; ok {
			return t, nil
		}
		m, ok := r.src.Get(uint(v))
		if !ok || m.Up == "" {
			return "", nil
		}
		data, err := r.read(m.Up)
		if err != nil {
			return "", &SourceError{Path: r.src.Path(m.Up), Msg: fmt.Sprintf("cannot read it: %v", err), Fix: "check the file and its permissions"}
		}
		texts[v] = string(data)
		undo[v] = undoing(texts[v])
		return texts[v], nil
	}
	var all []object
	var owner []int
	unchecked = map[int]bool{}
	for _, v := range versions {
		text, err := read(v)
		if err != nil {
			return nil, nil, err
		}
		var later []string
		for _, m := range r.src.Migrations {
			if int(m.Version) > v && int(m.Version) <= cur {
				if _, err := read(int(m.Version)); err != nil {
					return nil, nil, err
				}
				later = append(later, undo[int(m.Version)])
			}
		}
		n := len(all)
		for _, o := range createdObjects(text) {
			if !undoneLater(o, later) {
				all, owner = append(all, o), append(owner, v)
			}
		}
		if len(all) == n {
			unchecked[v] = true
		}
	}
	miss, err := r.missingObjects(all)
	if err != nil {
		return nil, nil, err
	}
	missing = map[int][]object{}
	for _, o := range miss {
		for i := range all {
			if all[i] == o {
				missing[owner[i]] = append(missing[owner[i]], o)
				break
			}
		}
	}
	return missing, unchecked, nil
}

func joinObjects(objs []object) string {
	var s []string
	for _, o := range objs {
		s = append(s, o.String())
	}
	return strings.Join(s, ", ")
}

// applyLate runs migrations merged below the recorded version, oldest
// first, before the pending ones. golang-migrate's version stays where it
// is, marked dirty while each runs, so a failure stops every migrator as
// any failure does, and recover knows what to put back.
func (r *Runner) applyLate(ctx context.Context, late []Migration) error {
	for _, m := range late {
		if ctx.Err() != nil {
			return &InterruptedError{Version: r.clean, Err: ctx.Err()}
		}
		// checkFiles read only the files above the version: check this one
		// the same way before anything is recorded (a link or a FIFO put
		// there since the folder was read is refused), and record the
		// checksum and shape of the bytes that run, not of a second read.
		fst, err := r.root.Lstat(m.Up)
		if err == nil {
			if err := regular(r.src.Dir, m.Up, fst.Mode().Type()); err != nil {
				return err
			}
		}
		var data []byte
		if err == nil {
			data, err = r.read(m.Up)
		}
		if err != nil {
			return &SourceError{Path: r.src.Path(m.Up), Msg: fmt.Sprintf("cannot read it: %v", err), Fix: "check the file and its permissions; nothing was run"}
		}
		if err := checkText(r.src.Path(m.Up), data); err != nil {
			return err
		}
		fi := analyzed(data)
		if err := checkCopy(r.src.Path(m.Up), fi.shape); err != nil {
			return err
		}
		r.files[m.Up] = fi
		cur := r.clean
		e := Entry{Version: int(m.Version), Name: m.Name, Direction: DirUp, File: m.Up, Checksum: fi.sum, Transactional: fi.shape.Transactional,
			OutOfOrder: true, VersionBefore: cur, VersionDirty: cur, State: StateRunning}
		if err := r.begin(cur, e); err != nil {
			return r.explain(err, "")
		}
		if err := r.runBody(bytes.NewReader(data)); err != nil {
			return r.explain(err, "up")
		}
		if err := r.record(cur, false); err != nil {
			return r.explain(err, "")
		}
		if r.o.Log != nil {
			fmt.Fprintf(r.o.Log, "dbguard: migrated %d/u %s out of order (below version %d)\n", m.Version, m.Name, cur)
		}
	}
	return nil
}

// exec runs statements on the migration session (the one holding the
// lock) in one round trip, as one simple query; after an error it rolls
// back whatever they left open.
func (r *Runner) exec(stmts ...string) error {
	err := r.inner.Run(strings.NewReader(strings.Join(stmts, ";\n")))
	if err != nil {
		_ = r.inner.Run(strings.NewReader("ROLLBACK"))
	}
	return err
}

// begin marks version dirty and records e in flight, in one transaction.
// For a file that runs as one transaction anyway, the statements also open
// the transaction the file will run in. The clean version and the ledger's
// finish (with its commit mark) are written in that same transaction after
// the file (finishSQL), so they commit exactly when the file's work does,
// with one commit where there were two. A file that may change who the
// session is (SET ROLE and the like) keeps two: the mark set before it, the
// version written after its commit, so its work stays committed, as under
// golang-migrate, when its new role may not write the version. Those
// statements are held back to go in the file's own round trip (see
// runBody); the others go now, in one round trip.
func (r *Runner) begin(version int, e Entry) error {
	q := []string{"BEGIN", versionSQL(r.versionTable(), version, true), r.ledger.insertSQL(&e), "COMMIT"}
	r.done = nil
	if e.Transactional {
		fi, ok := r.files[e.File]
		f := &flight{id: e.ID, entry: e, open: true, merged: ok && !fi.session}
		q = append(q, "BEGIN")
		if !f.merged {
			q = append(q, fmt.Sprintf("UPDATE %s SET committed_at = pg_catalog.clock_timestamp() WHERE id OPERATOR(pg_catalog.=) %d", r.ledger.table, e.ID))
		}
		r.flight = f
		if !ok || fi.shape == nil || !fi.shape.Unterminated {
			r.fold = &folded{start: q, version: version}
			return nil
		}
		// A file that ends inside a quote or a comment would swallow the
		// statements sent after it in the same query: it goes alone, and
		// the server rejects it as it is.
		return r.exec(q...)
	}
	if err := r.exec(q...); err != nil {
		return err
	}
	r.flight = &flight{id: e.ID, entry: e}
	return nil
}

// folded is what begin held back for the file's round trip: the statements
// that start the migration, and the version to record clean after it.
type folded struct {
	start   []string
	version int
}

// finishSQL is what records the migration in flight as done at version,
// committing the file's transaction first when dbguard opened one.
func (r *Runner) finishSQL(f *flight, version int) []string {
	if f.open && f.merged {
		// In the file's own transaction: one commit for the file, its
		// version and its ledger entry. Written as the session dbguard
		// opened, whatever the file left it as: changesSession reads
		// only the file's text, and a function it calls can SET ROLE
		// out of its sight. SET LOCAL ends with the
		// transaction, so the file's own settings hold after it, as
		// under golang-migrate.
		return []string{sessionOwnSQL, versionSQL(r.versionTable(), version, false), r.ledger.doneSQL(f.id, version), "COMMIT"}
	}
	var q []string
	if f.open {
		q = append(q, "COMMIT")
	}
	return append(q, "BEGIN", versionSQL(r.versionTable(), version, false), r.ledger.finishSQL(f.id, StateDone, version), "COMMIT")
}

// sessionOwnSQL puts back, for the rest of a transaction, the session
// authorization and role the connection started with (DEFAULT: its login
// and its options=-c role or ALTER ROLE ... SET role). The search_path is
// left as the file set it: dbguard's tables are named with their schema.
const sessionOwnSQL = "SET LOCAL SESSION AUTHORIZATION DEFAULT; SET LOCAL role TO DEFAULT"

// record is golang-migrate's SetVersion, with the ledger written in the
// same transaction: dirty starts a migration, clean finishes it (committing
// the file's transaction first, when dbguard opened one), or, with none in
// flight, is a force.
func (r *Runner) record(version int, dirty bool) error {
	switch {
	case dirty:
		e, err := r.entryFor(version)
		if err != nil {
			return err
		}
		return r.begin(version, e)
	case r.done != nil && *r.done == version:
		// Recorded in the file's round trip already.
		r.done = nil
		return nil
	case r.flight != nil:
		f := r.flight
		if r.fold != nil {
			// No file ran: start it now.
			q := r.fold.start
			r.fold = nil
			if err := r.exec(q...); err != nil {
				r.flight = nil
				return err
			}
		}
		if err := r.exec(r.finishSQL(f, version)...); err != nil {
			return r.finishFailed(f, err)
		}
		r.flight, r.clean = nil, version
		return nil
	}
	name := ""
	if m, ok := r.src.Get(uint(max(version, 0))); ok && version >= 0 {
		name = m.Name
	}
	after := version
	e := Entry{Version: version, Name: name, Direction: DirForce, Transactional: true, VersionBefore: r.clean, VersionDirty: version, VersionAfter: &after, State: StateDone}
	return r.exec("BEGIN", versionSQL(r.versionTable(), version, false),
		fmt.Sprintf("UPDATE %s SET state = 'forced', version_after = %d, finished_at = pg_catalog.clock_timestamp() WHERE finished_at IS NULL", r.ledger.table, version),
		r.ledger.insertSQL(&e), "COMMIT")
}

// finishFailed explains a failure to record the migration in flight done.
func (r *Runner) finishFailed(f *flight, err error) error {
	if f.open && f.merged && r.committed(f.id) {
		// The file's transaction, which also recorded it done at its
		// version, committed; the connection went after it.
		r.flight, r.clean = nil, f.entry.VersionDirty
		return err
	}
	if f.open && r.committed(f.id) {
		// The COMMIT went through and the version write after it
		// failed: the file changed the session (SET ROLE to a role
		// that cannot write the version table). Its work is in;
		// recover records it as applied.
		_ = r.inner.Run(strings.NewReader("ROLLBACK"))
		f.open, f.committed = false, true
		if pgErr, _ := driverError(err); pgErr != nil {
			err = pgErr
		}
		return database.Error{OrigErr: err, Err: "the migration committed, recording its version failed", Query: []byte("COMMIT")}
	}
	if f.open {
		// The file's own transaction failed to commit (a deferred
		// constraint): that is the migration failing.
		f.open = false
		r.failed(err)
		// The server's error, not the driver's: that one quotes
		// the ledger's statements and hides the server's from
		// explain, which then could not name the file.
		if pgErr, _ := driverError(err); pgErr != nil {
			err = pgErr
		}
		return database.Error{OrigErr: err, Err: "the migration's transaction failed to commit", Query: []byte("COMMIT")}
	}
	return err
}

// committed reports whether the transaction that ran entry id's file
// committed: its first statement set committed_at. Read on a connection of
// its own, as the migration's session may be in no state to ask.
func (r *Runner) committed(id int64) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var done bool
	err := r.db.QueryRowContext(ctx, "SELECT committed_at IS NOT NULL FROM "+r.ledger.table+" WHERE id OPERATOR(pg_catalog.=) $1::pg_catalog.int8", id).Scan(&done)
	return err == nil && done
}

// entryFor is the ledger entry of the migration golang-migrate starts when
// it marks version dirty: going up, the up file of version; going down,
// the down file of the version it leaves.
func (r *Runner) entryFor(version int) (Entry, error) {
	cur := r.clean
	dir, v := DirUp, version
	if version <= cur {
		dir, v = DirDown, cur
	}
	m, ok := r.src.Get(uint(max(v, 0)))
	if !ok || v < 0 {
		return Entry{}, fmt.Errorf("golang-migrate started version %d, which %s does not have", v, r.src.Dir)
	}
	name := m.Up
	if dir == DirDown {
		name = m.Down
	}
	e := Entry{Version: v, Name: m.Name, Direction: dir, File: name, Transactional: true, VersionBefore: cur, VersionDirty: version, State: StateRunning}
	if name != "" && r.checked.unchecked(name) {
		// checkFiles went by the version read under the lock and the
		// direction the caller chose: goto chose it from the version
		// before the lock, which another run holding it may have moved.
		// Refused before the dirty mark: nothing is recorded, nothing runs.
		return Entry{}, &SourceError{Path: r.src.Path(name), Msg: "dbguard did not check it before the run: another run moved the version while this one waited for the lock; it was not run",
			Fix: "see where the database is with: dbguard migrate status; then run the command again"}
	}
	if name != "" {
		fi, err := r.file(name, true)
		if err != nil {
			return Entry{}, err
		}
		e.Checksum, e.Transactional = fi.sum, fi.shape.Transactional
	}
	return e, nil
}

// runBody runs a migration file (in the transaction begin opened, for a
// file that runs as one). After a failure the session's transaction is
// rolled back (a file with its own BEGIN leaves it aborted) and the failure
// is recorded.
//
// The file's round trip also carries what begin held back and what records
// it done: one round trip per migration (see session.run).
func (r *Runner) runBody(body io.Reader) error {
	if r.libraries < 0 {
		// Before the first file runs on the session: a library a file
		// loads stays in it (Session). prepare counts in the ledger's
		// round trip when checkFiles found a file to run; this is for a
		// run that did not (a late file). Not on the no-op path: the
		// count costs the server about 3 ms.
		if err := r.inner.conn.QueryRowContext(context.Background(), pg.LibrariesSQL, pgx.QueryExecModeSimpleProtocol).Scan(&r.libraries); err != nil {
			return err
		}
	}
	if fo := r.fold; fo != nil && r.flight != nil {
		r.fold = nil
		data, err := io.ReadAll(body)
		if err != nil {
			r.flight = nil
			return err
		}
		f := r.flight
		seen, err := r.inner.run(string(data), strings.Join(fo.start, ";\n"), 2, r.finishSQL(f, fo.version))
		switch {
		case err == nil:
			v := fo.version
			r.flight, r.clean, r.done = nil, v, &v // golang-migrate's SetVersion follows
			return nil
		case seen == 2:
			// The file ran; committing it or recording it failed.
			return r.finishFailed(f, err)
		case seen == 0 && isServerError(err):
			// The server refused the query as a whole (the file does not
			// parse) or dbguard's statements before the file failed:
			// nothing ran. Go as golang-migrate goes, a step at a time, so
			// a file that does not parse is recorded failed, the version
			// dirty.
			_ = r.inner.Run(strings.NewReader("ROLLBACK"))
			if err := r.exec(fo.start...); err != nil {
				r.flight = nil
				return err
			}
			return r.runBody(bytes.NewReader(data))
		case seen == 0 && r.committed(f.id):
			// The connection went after the file committed.
			return r.finishFailed(f, err)
		default:
			f.open = false
			r.failed(err)
			return err
		}
	}
	err := r.inner.Run(body)
	if err != nil && r.flight != nil {
		r.flight.open = false
		r.failed(err)
	}
	return err
}

// isServerError reports an error the server sent (the connection is fine).
func isServerError(err error) bool {
	pgErr, dbErr := driverError(err)
	return pgErr != nil && !connectionLost(err, pgErr, dbErr)
}

// failed rolls back and records why the migration in flight failed. Best
// effort: when the connection is gone, the entry stays running, which
// reads the same (the client died).
func (r *Runner) failed(err error) {
	msg, line := failure(err)
	update := fmt.Sprintf("UPDATE %s SET state = 'failed', error = %s, error_line = %d WHERE id OPERATOR(pg_catalog.=) %d AND finished_at IS NULL",
		r.ledger.table, lit(msg), line, r.flight.id)
	if r.exec("ROLLBACK", update) == nil {
		return
	}
	// The migration's session is gone (terminated, timed out): another
	// connection may still reach the server, so the next status can say
	// what happened rather than "its client died".
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = r.db.ExecContext(ctx, update)
}

// failure is what the ledger keeps of an error: the server's message and
// SQLSTATE, and the line in the file.
func failure(err error) (string, int) {
	pgErr, dbErr := driverError(err)
	line := 0
	if dbErr != nil && pgErr != nil && pgErr.Position > 0 {
		line = int(dbErr.Line) // golang-migrate says line 1 when the server gives no position
	}
	// Masked before it is stored: every role that can read the ledger
	// would read the password a RAISE or a driver put in the message.
	if pgErr != nil {
		return output.Clip(dburl.RedactText(fmt.Sprintf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)), maxMessage), line
	}
	if dbErr != nil && dbErr.OrigErr != nil {
		err = dbErr.OrigErr
	}
	return output.Clip(dburl.RedactText(err.Error()), maxMessage), line
}

// whyNot says why a file does not run as one transaction ("" when it does).
func (r *Runner) whyNot(name string) string {
	if name == "" {
		return ""
	}
	fi, err := r.file(name, true)
	if err != nil {
		return ""
	}
	return fi.shape.Why
}

// explainDirty builds the one explanation of a dirty version that every
// command gives: with the ledger's entry in flight, which file failed,
// which way, and what it left behind; without, what golang-migrate's number
// allows.
func (r *Runner) explainDirty(v int, f *Entry, inProgress string) *DirtyError {
	e := &DirtyError{Version: v, Prev: -1, InProgress: inProgress}
	if f != nil && f.VersionDirty == v {
		e.Entry, e.Prev = f, f.VersionBefore
		if f.File != "" {
			e.File = r.src.Path(f.File)
		}
		if !f.Transactional && f.Committed == nil && f.File != "" {
			e.Why = r.whyNot(f.File)
			e.MayHaveRun = r.mayHaveRun(f)
			e.InvalidIndexes = r.invalidIndexes()
		}
		return e
	}
	if m, ok := r.src.Get(uint(max(v, 0))); ok && v >= 0 {
		e.File = r.src.Path(m.Up)
		e.Prev = r.src.Prev(uint(v))
	}
	for _, m := range r.src.Migrations {
		if int(m.Version) > v {
			if m.Down != "" {
				e.Other = r.src.Path(m.Down)
			}
			e.OtherVersion = int(m.Version)
			break
		}
	}
	return e
}

// invalidIndexes lists the indexes PostgreSQL marks INVALID (pg_index.
// indisvalid false), schema-qualified: what a CREATE INDEX CONCURRENTLY
// that failed or was cut leaves behind. It is not used for queries, still
// costs every write, and blocks the same CREATE INDEX from running again.
// Every catalog name is pg_catalog's: a migration that ran may have put
// its own pg_index ahead of it (ALTER DATABASE ... SET search_path).
func (r *Runner) invalidIndexes() []string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := r.db.QueryContext(ctx, `
		SELECT pg_catalog.quote_ident(n.nspname) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname)
		FROM pg_catalog.pg_index i
		JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indexrelid
		JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
		WHERE NOT i.indisvalid AND n.nspname OPERATOR(pg_catalog.<>) 'pg_catalog'
		  AND NOT n.nspname OPERATOR(pg_catalog.~) '^pg_toast'
		ORDER BY 1`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) == nil {
			out = append(out, name)
		}
	}
	return out
}

// mayHaveRun lists the statements of a file that does not run as one
// transaction that may have taken effect. In one simple query, a failure
// rolls back everything since the last COMMIT (an implicit block or a BEGIN
// alike), so what stays is what ran up to that COMMIT, plus a statement
// that runs outside any transaction. Without a recorded failure (the
// client died), any statement may have run.
func (r *Runner) mayHaveRun(f *Entry) []string {
	data, err := r.read(f.File)
	if err != nil {
		return nil
	}
	stmts := sqlscan.Split(string(data))
	upto, lastCommit := len(stmts), -1
	if f.ErrorLine > 0 {
		upto = 0
		for i, st := range stmts {
			if st.Line <= f.ErrorLine {
				upto = i + 1
			}
		}
	}
	for i, st := range stmts[:upto] {
		if st.Commits() {
			lastCommit = i
		}
	}
	var out []string
	for i, st := range stmts[:upto] {
		stays := f.Error == "" || i < lastCommit || st.NoTransaction() != ""
		if stays && !st.Control() {
			out = append(out, fmt.Sprintf("%s:%d: %s", r.src.Path(f.File), st.Line, st.Head(80)))
		}
	}
	return out
}

// Recovery is what recover did.
type Recovery struct {
	Nothing bool   // the database was clean
	Version int    // the version it is at now
	File    string // the file that had failed
	Entry   *Entry
	// Completed: the file's transaction had committed; it is recorded as
	// applied rather than undone.
	Completed bool
}

// Recover puts a dirty database back where it was before the migration
// that failed, under the lock, after checking the ledger's entry in flight
// still describes the version table. A file that ran as one transaction was
// rolled back by PostgreSQL, so this is safe; one that did not needs yes
// (the caller shows what may have run first). A file whose transaction had
// committed before the client died is recorded as applied instead.
func (r *Runner) Recover(ctx context.Context, yes bool) (*Recovery, error) {
	if err := r.migrator(); err != nil {
		return nil, err
	}
	if err := r.drv.Lock(); err != nil {
		return nil, r.explain(err, "")
	}
	defer r.drv.Unlock()
	if err := r.ledger.ensure(ctx); err != nil {
		return nil, r.explain(err, "")
	}
	v, dirty, err := r.drv.Version()
	if err != nil {
		return nil, r.explain(err, "")
	}
	if !dirty {
		return &Recovery{Nothing: true, Version: v}, nil
	}
	entries, _, err := r.ledger.read(ctx)
	if err != nil {
		return nil, r.explain(err, "")
	}
	f := inFlight(entries)
	de := r.explainDirty(v, f, "")
	if de.Entry == nil {
		return nil, &NoRecordError{Dirty: de}
	}
	after, state := f.VersionBefore, StateRecovered
	if f.Committed != nil && f.Direction == DirUp && f.File != "" {
		// The record may be stale: a raw golang-migrate force and a failed
		// raw up since leave the same dirty number. The catalog says
		// whether the file's work is there.
		missing, _, err := r.checkApplied(f.Version, f.File, f.VersionDirty)
		if err != nil {
			return nil, err
		}
		if len(missing) > 0 {
			return nil, &StaleRecordError{Dirty: de, Missing: joinObjects(missing), Fallback: r.explainDirty(v, nil, "")}
		}
	}
	if f.Committed != nil {
		after, state = f.VersionDirty, StateDone
	} else if !f.Transactional && !yes {
		return nil, &ConfirmError{Dirty: de}
	}
	if err := r.exec("BEGIN", versionSQL(r.versionTable(), after, false), r.ledger.finishSQL(f.ID, state, after), "COMMIT"); err != nil {
		return nil, r.explain(err, "")
	}
	return &Recovery{Version: after, File: de.File, Entry: f, Completed: f.Committed != nil}, nil
}

// Accept records the current content of an applied migration's file as
// what was applied: for an edit that changes nothing that must run again.
//
// The ledger keeps the applied file's checksum, not its text, so the edit
// itself cannot be shown: accept shows the file's statements as they are
// now, says none of them runs, and goes on only with yes. It refuses, even
// with yes, when the catalog lacks what the file now creates: the edit
// added DDL the database never ran.
func (r *Runner) Accept(ctx context.Context, v int, yes bool) (old string, err error) {
	m, ok := r.src.Get(uint(max(v, 0)))
	if !ok || v < 0 {
		return "", &NoSuchVersionError{Version: v, Dir: r.src.Dir}
	}
	if err := r.migrator(); err != nil {
		return "", err
	}
	if err := r.drv.Lock(); err != nil {
		return "", r.explain(err, "")
	}
	defer r.drv.Unlock()
	if err := r.ledger.ensure(ctx); err != nil {
		return "", r.explain(err, "")
	}
	cur, _, err := r.drv.Version()
	if err != nil {
		return "", r.explain(err, "")
	}
	entries, _, err := r.ledger.read(ctx)
	if err != nil {
		return "", r.explain(err, "")
	}
	e, ok := applied(entries)[v]
	if !ok {
		return "", notApplied(v, r.src.Path(m.Up))
	}
	sum, err := r.sum(m.Up)
	if err != nil || sum == e.Checksum {
		return e.Checksum, err
	}
	missing, _, err := r.checkApplied(v, m.Up, cur)
	if err != nil {
		return "", err
	}
	if len(missing) > 0 || !yes {
		data, err := r.read(m.Up)
		if err != nil {
			return "", &SourceError{Path: r.src.Path(m.Up), Msg: fmt.Sprintf("cannot read it: %v", err), Fix: "check the file and its permissions"}
		}
		ae := &AcceptError{Version: v, File: r.src.Path(m.Up), Applied: e.Checksum, Current: sum, Missing: joinObjects(missing)}
		for _, st := range sqlscan.Split(string(data)) {
			ae.Statements = append(ae.Statements, fmt.Sprintf("%s:%d: %s", ae.File, st.Line, st.Head(80)))
		}
		return "", ae
	}
	after := cur
	return e.Checksum, r.exec(r.ledger.insertSQL(&Entry{Version: v, Name: m.Name, Direction: DirAccept, File: m.Up, Checksum: sum,
		Transactional: true, VersionBefore: cur, VersionDirty: cur, VersionAfter: &after, State: StateDone}))
}

// History returns the ledger, oldest first; exists is false when the
// database has none yet.
func (r *Runner) History(ctx context.Context) (entries []Entry, exists bool, err error) {
	entries, exists, err = r.ledger.read(ctx)
	if err != nil {
		return nil, false, r.explain(err, "")
	}
	if entries == nil {
		entries = []Entry{}
	}
	return entries, exists, nil
}
