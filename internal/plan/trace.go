package plan

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/schema"
	"github.com/dbguard/dbguard/internal/sqlscan"
	"github.com/dbguard/dbguard/internal/verify"
)

// tracer runs pending files in the shadow and records what they did.
type tracer struct {
	cfg    *config.Config
	live   liveInfo
	report *Report
	conn   *pgx.Conn
	// at is the pending file the trace is running (nil between files),
	// for a time limit that passes in it.
	at *pendingFile
	// models are the application's models, as expect: entries; nil when
	// none were read.
	models []config.ExpectTable

	// baseline: the relations of the shadow at the live version. Only
	// these can have readers and writers waiting; a table a pending
	// migration creates is new to everyone.
	baseline map[int64]bool

	// marker names the first column of the locks read, so that the
	// results of a file sent in one query can be told apart: a random
	// name no migration file can know.
	marker string
	// guard, when the locks read is prepared (prepare), is the statement
	// that ends a batch's transaction with an error unless that prepared
	// statement is still the one prepared at the start; "": the locks
	// read is sent whole each time.
	guard string
	// quiet: the batches lower client_min_messages around quiet
	// statements (quiet.go); false when the session can run code of a
	// superuser's or a file changed how messages or strings are read.
	quiet bool
	// codeFree: no code of the repository's can run in the trace so far:
	// the session's role is no superuser and the shadow had no event
	// trigger (quietCheck) and no function, procedure or aggregate of
	// its own when the trace started (codeCheck), and no file since has
	// had a word that makes or runs one (renames.go). false when unknown.
	codeFree bool
	// renames: the file being traced may give a relation a new name
	// (mayRename), so an index build's table is looked up by its index
	// (builtOn).
	renames bool
	// lookups counts the queries builtOn and constraintTable sent (tests).
	lookups int
	// hidingFuncs: the functions found to lower the message level while
	// they run (levelFuncs), reported once.
	hidingFuncs map[int64]bool
	// namespaces: the shadow's schemas by oid when the relations were last
	// read, to tell a schema renamed (nil: unknown).
	namespaces map[int64]string
	// next: the relations after the last file, read in its own query
	// (what it changed, at the end of its transaction, or all of them
	// after its COMMIT); the next file's before. nil: read them when the
	// file starts.
	next map[int64]rel
	// scans: each table's sequential scans so far (the server's count and
	// the session's own, not yet sent to it), by oid, when last read: the
	// baseline a locks read's count is compared with (scanned). A table
	// missing has no known baseline: no scan of it is found until it is
	// read again.
	scans map[int64]int64
	// preparedText: the statements the files prepared (PREPARE name AS
	// ...), by name, as tokens: what an EXECUTE of the name runs.
	preparedText map[string][]tok
	// noDeferrable: the last read of what a file changed found no
	// trigger deferrable (false: one was, or unknown); fileCode: the
	// file being traced has a word that makes or runs code (mayRename).
	// See immediate.
	noDeferrable, fileCode bool
	// scansKept: scans holds a baseline for every relation, kept up to
	// date by the locks reads of a file traced a statement at a time
	// (each scan takes a lock its read sees; the deferred triggers of a
	// COMMIT are read before it, deferredBefore): the next read of the
	// relations whole need not read the scans again (relationsAfter).
	scansKept bool

	mu       sync.Mutex
	notices  []string // the server's messages during the statement in flight
	received int      // messages received in all (tracedHook)
}

// tracedHook, when set (by tests), is called with the number of messages
// the shadow session sent once a trace ends.
var tracedHook func(received int)

// notice receives the shadow session's notices and debug messages, and
// keeps the ones the rules read: the server's own (index.c's "building
// index", tablecmds.c's "verifying table" and "validating foreign key
// constraint"), short as two quoted names are. A pending file can make
// the sandbox send any number of others (RAISE in a loop, each up to a
// gigabyte), one statement in flight: kept, they grew dbguard's memory by
// what the server sent, not by what the file holds.
func (t *tracer) notice(n *pgconn.Notice) {
	keep := traceNotice(n)
	t.mu.Lock()
	t.received++ // every message the server sent, kept or not
	if keep {
		t.notices = append(t.notices, n.Message)
	}
	t.mu.Unlock()
}

// maxNotice bounds a trace message's length: two names of at most 63
// bytes, each quoted, in the longest of the three sentences.
const maxNotice = 512

// traceNotice reports whether a message is one of the server's the rules
// read (a PL's RAISE or elog comes from its own source file).
func traceNotice(n *pgconn.Notice) bool {
	if len(n.Message) > maxNotice || n.File != "index.c" && n.File != "tablecmds.c" {
		return false
	}
	m := n.Message
	return strings.HasPrefix(m, "building index ") || strings.HasPrefix(m, "verifying table ") || strings.HasPrefix(m, "validating foreign key constraint ")
}

// maxRead bounds the rows kept of one of the trace's own reads (the locks
// after a statement, what a file changed): a read of 100,000 locks is
// about 10 MiB. A pending file can put a result of its own where a read
// stands (its column names built from current_query(), which holds the
// marker); one over the bound fails the file instead of holding it.
const maxRead = 64 << 20

// errReadTooLarge is a read over maxRead.
var errReadTooLarge = fmt.Errorf("the trace's read after this statement returned more than %d MiB: not the trace's own read", maxRead>>20)

// readResult reads the result rr stands at. A result the trace reads
// (keep) is kept up to maxRead; any other, a file's own statement's, has
// its rows read and dropped one at a time, as migrate up's Exec drops
// them: a SELECT of sixty bytes can return gigabytes.
func readResult(rr *pgconn.ResultReader, keep bool) *pgconn.Result {
	var rows [][][]byte
	size, over := 0, false
	for rr.NextRow() {
		if !keep {
			continue
		}
		vals := rr.Values()
		row := make([][]byte, len(vals))
		for i, v := range vals {
			size += len(v) + 8
			if v != nil {
				row[i] = bytes.Clone(v)
			}
		}
		rows = append(rows, row)
		if size > maxRead {
			keep, over, rows = false, true, nil
		}
	}
	tag, err := rr.Close()
	if over && err == nil {
		err = errReadTooLarge
	}
	return &pgconn.Result{FieldDescriptions: rr.FieldDescriptions(), Rows: rows, CommandTag: tag, Err: err}
}

// keepNone keeps no rows: the results of a file's own statements.
func keepNone(int, []pgconn.FieldDescription) bool { return false }

// readResults is ReadAll keeping, of each result, what keep(i, fields) says:
// the rows of the trace's own reads (up to maxRead), the command tags and
// errors of all.
func readResults(mrr *pgconn.MultiResultReader, keep func(i int, fds []pgconn.FieldDescription) bool) ([]*pgconn.Result, error) {
	var results []*pgconn.Result
	for i := 0; mrr.NextResult(); i++ {
		rr := mrr.ResultReader()
		results = append(results, readResult(rr, keep(i, rr.FieldDescriptions())))
	}
	return results, mrr.Close()
}

func (t *tracer) takeNotices() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.notices
	t.notices = nil
	return n
}

// rel is a relation of the shadow before a file ran.
type rel struct {
	filenode int64
	kind     string // pg_class.relkind
	key      string // schema.Key
	name     string // relname, as the server's messages name it
	table    int64  // an index's table
}

// relationsSQL lists the user relations of the shadow.
//
// It and locksSQL run in the session of the files they trace, after a file
// may have put its own pg_class or = ahead of pg_catalog in search_path
// (SET search_path = public, pg_catalog): every relation, function, type
// and operator is the catalog's own.
const relationsSQL = `SELECT c.oid::pg_catalog.int8, c.relfilenode::pg_catalog.int8, c.relkind::pg_catalog.text, n.nspname, c.relname, coalesce(i.indrelid, 0::pg_catalog.oid)::pg_catalog.int8` + relationsFrom

const relationsFrom = `
	FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace LEFT JOIN pg_catalog.pg_index i ON i.indexrelid OPERATOR(pg_catalog.=) c.oid
	WHERE c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,m,i,I}'::pg_catalog."char"[]) AND n.nspname OPERATOR(pg_catalog.<>) ALL ('{pg_catalog,information_schema}'::pg_catalog.name[])
	AND NOT pg_catalog.starts_with(n.nspname::pg_catalog.text, 'pg_')`

// changedSQL (prepared, its parameters the highest oid known before the
// file and the highest oid there is) lists what a file can have changed
// among the relations, run at
// the end of its transaction: every relation the session holds a lock on
// (a rewrite, rename, move or drop of a relation locks it until commit),
// every index of a locked table (ALTER TABLE ... SET SCHEMA moves them
// without locking them) and every relation with a higher oid (created by
// the file), with NULLs for one that is gone or no longer a user
// relation; then, as kind N, every schema (ALTER SCHEMA ... RENAME locks
// none of its relations); and a row of kind D when any trigger is
// deferrable. The read runs after SET CONSTRAINTS ALL IMMEDIATE, but a
// deferred trigger can defer the constraints again and queue events that
// run in COMMIT, after the read, and may change relations there: no user
// code runs in COMMIT without a deferrable trigger (a deferrable foreign
// key's cascade fires the child table's triggers), so with one the
// relations are read whole after COMMIT.
//
// The new oids are a range, "> $1 AND <= $2", rather than "> $1" alone,
// so that PostgreSQL plans the read once: a generic plan estimates a
// range at 0.5% of pg_class, a lone "> $1" at a third of it, and from
// about a thousand relations the generic plan lost to a custom plan made
// anew for every file (plan135: 118 ms of planning against 75 ms of
// running the read, 135 files).
//
// The locked relations from $3 on (floor), and those locked ACCESS
// EXCLUSIVE below it: a file's DDL and the plan's own reads lock system
// catalogs and views until commit (pg_class, pg_locks and their indexes),
// each of which cost this read a lookup in pg_class, pg_namespace and
// pg_index and a search for its indexes, only to find no user relation.
// A relation below $3 is a user relation after the file only if it was
// moved out of pg_catalog, pg_toast or information_schema: by ALTER TABLE
// ... SET SCHEMA (or ALTER EXTENSION ... SET SCHEMA), which lock it ACCESS
// EXCLUSIVE and are read here as before, or by a rename of its schema,
// which the schema rows make a whole read.
//
// Its rows of kind L are the locks read (locksSQL, from $3 on) at the same
// moment, after the file's deferred triggers ran: what migrate up does in
// its COMMIT (deferredLocks). One read of pg_locks serves both: a locks read
// of its own cost a query (parse, plan cache, executor start) and a walk of
// the whole shared lock table per file.
//
// It fails (division by zero, in its last row's WHERE) when a cursor
// declared WITH HOLD in the transaction is open (heldFrom), or, with $4
// true (a batch with a quiet CREATE INDEX), when the session has a
// temporary partitioned table (quietTempCheck): the batch is then rolled
// back and run again a statement at a time, as when the guard after it
// fails. Both were the guard's until 139e3a89; the guard is text, planned
// anew for every file, and the two cost it 0.17 ms of planning and 0.22
// of running a file (plan135, pg_stat_statements), against a prepared
// read's generic plan. The guard after this read still proves that it
// is the statement prepared here, and between the two no code of the
// file's runs.
const changedSQL = `WITH l AS MATERIALIZED (SELECT l.relation, l.mode, l.granted, l.database FROM pg_catalog.pg_locks l WHERE l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND l.locktype OPERATOR(pg_catalog.=) 'relation'::pg_catalog.text AND (l.relation OPERATOR(pg_catalog.>=) $3 OR l.mode OPERATOR(pg_catalog.=) 'AccessExclusiveLock'::pg_catalog.text))
	SELECT k.oid::pg_catalog.int8, r.f, r.k, r.s, r.n, r.t
	FROM (SELECT l.relation AS oid FROM l
		UNION SELECT i.indexrelid FROM pg_catalog.pg_index i WHERE i.indrelid OPERATOR(pg_catalog.=) ANY (SELECT l.relation FROM l)
		UNION SELECT c.oid FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.>) $1 AND c.oid OPERATOR(pg_catalog.<=) $2) k
	LEFT JOIN (SELECT c.oid AS o, c.relfilenode::pg_catalog.int8 AS f, c.relkind::pg_catalog.text AS k, n.nspname AS s, c.relname AS n, coalesce(i.indrelid, 0::pg_catalog.oid)::pg_catalog.int8 AS t` + relationsFrom + `) r ON r.o OPERATOR(pg_catalog.=) k.oid
	UNION ALL SELECT n.oid::pg_catalog.int8, 0::pg_catalog.int8, 'N'::pg_catalog.text, n.nspname, ''::pg_catalog.name, 0::pg_catalog.int8 FROM pg_catalog.pg_namespace n
	UNION ALL SELECT 0::pg_catalog.int8, 0::pg_catalog.int8, 'D'::pg_catalog.text, ''::pg_catalog.name, ''::pg_catalog.name, 0::pg_catalog.int8 WHERE EXISTS (SELECT FROM pg_catalog.pg_trigger g WHERE g.tgdeferrable)
	UNION ALL SELECT l.relation::pg_catalog.int8, coalesce(c.relfilenode::pg_catalog.int8, '-1'::pg_catalog.int8), 'L'::pg_catalog.text, l.mode::pg_catalog.name, ''::pg_catalog.name, ` + scansOf + `
		FROM l LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.relation
		WHERE l.granted AND l.relation OPERATOR(pg_catalog.>=) $3 AND l.database OPERATOR(pg_catalog.<>) '0'::pg_catalog.oid
	UNION ALL SELECT 0::pg_catalog.int8, 0::pg_catalog.int8, 'L'::pg_catalog.text, (pg_catalog.current_setting('client_min_messages') OPERATOR(pg_catalog.||) ' '::pg_catalog.text OPERATOR(pg_catalog.||) pg_catalog.current_setting('lock_timeout'))::pg_catalog.name, ''::pg_catalog.name, 0::pg_catalog.int8
		WHERE pg_catalog.int4div(1, CASE WHEN EXISTS (SELECT FROM ` + heldFrom + `) OR ` + quietTempCheck + ` THEN 0 ELSE 1 END) OPERATOR(pg_catalog.=) 1`

// deferredSQL (its column named by the marker and "_deferred") is read
// with the locks read of the statement a COMMIT follows, in a file traced
// a statement at a time: whether work may wait for the COMMIT, which the
// read sent with the COMMIT (deferredBefore) would see. A deferred
// trigger event is queued only by a trigger deferrable when it fired (the
// event keeps that), and only deferred events run in SET CONSTRAINTS ALL
// IMMEDIATE and COMMIT; so none waits when no trigger is deferrable now
// and none was changed in this transaction (the age of its row's xmin 0
// or below: this transaction's, or a subtransaction's; the server's own
// sessions are the only ones writing the shadow's pg_trigger). ALTER
// TABLE ... ALTER CONSTRAINT ... NOT DEFERRABLE leaves no trigger
// deferrable, but the foreign key's checks queued on the referenced table
// before it run in COMMIT, locking and scanning the referencing table
// (TestAttackTraceDeferredMadeNotDeferrable). A trigger dropped with
// events queued does not run them (PostgreSQL 15). A cursor declared WITH
// HOLD in the transaction (heldSQL) is work in COMMIT too.
const deferredSQL = `SELECT EXISTS (SELECT FROM pg_catalog.pg_trigger g WHERE g.tgdeferrable OR pg_catalog.age(g.xmin) OPERATOR(pg_catalog.<=) 0) OR EXISTS (SELECT FROM ` + heldFrom + `) AS %s`

// immediateSQL runs the deferred trigger events before the trace's read
// of what they did, as COMMIT would run them after it: SET CONSTRAINTS ALL
// IMMEDIATE, again as long as the one before it wrote rows. A deferred
// trigger may defer the constraints again (SET CONSTRAINTS ALL DEFERRED)
// and write to a table whose trigger is deferrable: its event is queued
// deferred during the IMMEDIATE, which then ends with it pending, and
// COMMIT runs it, after every read (at 4596c8b a rewrite done so passed
// the plan: TestAttackTraceDeferredDefersAgain). No SQL lists pending
// events, but each is queued by a row written (constraint triggers are
// FOR EACH ROW, on INSERT, UPDATE or DELETE), which the transaction's
// own counts show (pg_stat_get_xact_tuples_*, temporary tables included):
// an IMMEDIATE during which no row was written queued nothing, and
// nothing is left for COMMIT. With no trigger deferrable and none changed
// in the transaction (deferredSQL's test) no event can be deferred, and
// one IMMEDIATE does. A chain still queuing work after maxImmediate
// rounds fails the file (migrate up's COMMIT would run it to its end, if
// it ends). A block of plpgsql costs about 75 us more than the plain
// statement, so the trace sends it only where code can run (immediate).
const immediateSQL = `DO $dbguard$
DECLARE n pg_catalog.int8[];
BEGIN
	FOR i IN 1..%d LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger g WHERE g.tgdeferrable OR pg_catalog.age(g.xmin) OPERATOR(pg_catalog.<=) 0) THEN
			SET CONSTRAINTS ALL IMMEDIATE;
			RETURN;
		END IF;
		n := (` + rowsWrittenSQL + `);
		SET CONSTRAINTS ALL IMMEDIATE;
		IF (` + rowsWrittenSQL + `) OPERATOR(pg_catalog.=) n THEN
			RETURN;
		END IF;
	END LOOP;
	RAISE EXCEPTION 'the deferred triggers still queue deferred work after %d rounds of SET CONSTRAINTS ALL IMMEDIATE' USING ERRCODE = 'P0001';
END $dbguard$`

// rowsWrittenSQL is the rows the transaction wrote so far in each table
// that has a trigger (a deferred event is queued only on one), by oid:
// a table given a trigger, or a trigger dropped, during a round changes
// the list too. Only those tables: the view pg_stat_xact_user_tables
// over every table, twice a round, cost a plan of 135 files 0.6 s of CPU
// more with a deferrable foreign key in the shadow. With them, the
// table's blocks read (pg_stat_get_xact_blocks_fetched): TRUNCATE sets the
// transaction's row counts of the table back to zero, so a deferred
// trigger that defers again, empties a table with a deferrable trigger
// and writes as many rows into it as were written there before left the
// counts as they were and its queued event for COMMIT (review9b,
// TestAttackTraceDeferredTruncateCounts); every row written reads a block
// of its table, a count TRUNCATE leaves (a read alone costs one round
// more, no more).
const rowsWrittenSQL = `SELECT coalesce(pg_catalog.array_agg(ARRAY[r.oid::pg_catalog.int8, pg_catalog.pg_stat_get_xact_tuples_inserted(r.oid) OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_tuples_updated(r.oid) OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_tuples_deleted(r.oid), pg_catalog.pg_stat_get_xact_blocks_fetched(r.oid)] ORDER BY r.oid), '{}'::pg_catalog.int8[])
	FROM (SELECT DISTINCT g.tgrelid AS oid FROM pg_catalog.pg_trigger g) r`

// maxImmediate bounds the rounds of immediateSQL.
const maxImmediate = 100

// immediate is the statement that runs the file's deferred triggers
// before the trace's last read: immediateSQL where code of the
// repository's can run (codeFree false: a trigger needs a function, so
// without one no trigger can defer work again) and a trigger may be
// deferrable at the file's end (maybe: one was at the last read of the
// relations, or unknown, or the file's text can make one: it has a word
// that makes or runs code, or DEFERRABLE, INITIALLY DEFERRED), else SET
// CONSTRAINTS ALL IMMEDIATE alone (a deferrable foreign key's check
// defers nothing). A function of an earlier file that makes a deferrable
// trigger at run time, called from a plain statement, is not seen so
// (docs/plan.md, Honest limits).
func (t *tracer) immediate(maybe bool) string {
	if t.codeFree || !maybe {
		return "SET CONSTRAINTS ALL IMMEDIATE"
	}
	return fmt.Sprintf(immediateSQL, maxImmediate, maxImmediate)
}

// mayDefer reports whether a trigger may be deferrable at the end of the
// file of text (immediate): one was when the relations were last read
// (or that is unknown), or the text has a word that makes or runs code
// (mayRename's) or one that starts with DEFERR, in any case.
func (t *tracer) mayDefer(text string) bool {
	if !t.noDeferrable || t.fileCode {
		return true
	}
	for i := 0; i+6 <= len(text); i++ {
		if c := text[i]; (c == 'd' || c == 'D') && strings.EqualFold(text[i:i+6], "deferr") {
			return true
		}
	}
	return false
}

// heldFrom is, in FROM, the cursors declared WITH HOLD in the open
// transaction and still open: COMMIT runs each one's query to its end
// (PreCommit_Portals, after the deferred triggers), to keep its rows past
// the transaction, after every read the plan makes in it. DECLARE c
// CURSOR WITH HOLD FOR SELECT g(), with g() running ALTER TABLE ... SET
// NOT NULL on a live table, passed with no finding (at 8e71665 and
// after), though migrate up runs g() in its COMMIT under the file's
// locks; a DO block's EXECUTE or an SQL function declares one too. Only
// those made in this transaction (a cursor's creation_time is its
// statement's start, no earlier than the transaction's): one held from
// an earlier transaction was kept at its COMMIT, and runs nothing more.
// The function behind the view pg_cursors, schema-qualified: a file
// cannot put its own in the way.
const heldFrom = `pg_catalog.pg_cursor() c WHERE c.is_holdable AND c.creation_time OPERATOR(pg_catalog.>=) pg_catalog.transaction_timestamp()`

// heldSQL fails (division by zero) when a cursor declared WITH HOLD in
// the open transaction is open (heldFrom), before the COMMIT its query
// would run in: the plan refuses the file (heldError) rather than let
// that work pass unseen, and the COMMIT, sent in the same query after it,
// does not run.
const heldSQL = `SELECT pg_catalog.int4div(1, CASE WHEN EXISTS (SELECT FROM ` + heldFrom + `) THEN 0 ELSE 1 END)`

// withHoldRE finds the DECLARE ... WITH HOLD a refused file wrote
// (heldError), for its line.
var withHoldRE = lazyre.New(`(?is)^\s*DECLARE\b.*\bWITH\s+HOLD\b`)

// heldError refuses a file that leaves a cursor declared WITH HOLD open
// at a COMMIT (heldSQL), at the DECLARE that does it when the file writes
// one in its own words, else at the COMMIT (at: the file's own, or the
// statement the trace's COMMIT follows).
func heldError(f pendingFile, at sqlscan.Statement) error {
	line := at.Line
	for _, st := range f.shape.Statements {
		if st.Line <= at.Line && len(st.Words) > 0 && st.Words[0] == "DECLARE" && withHoldRE.MatchString(stripComments(st.Text)) {
			line = st.Line
		}
	}
	return &FailedError{File: f.path, Line: line,
		Err: errors.New("a cursor declared WITH HOLD is open at COMMIT: COMMIT runs its query to the end, after the plan's last read, so what that query does to the live tables is unknown"),
		Fix: "CLOSE the cursor before the COMMIT, or read it in the transaction from a cursor WITHOUT HOLD"}
}

// locksSQL is run after each statement, in the same round trip: the
// session's relation locks with their relfilenode (-1: the statement
// dropped it, and holds its lock until commit), and the message level
// and the lock_timeout in effect (the row with oid 0: "debug1 5s"). Only
// relations from an oid on (the second %s, see floor): the session also
// holds locks on system catalogs and
// views until commit (those the plan's own reads and the file's
// statements opened), which cost a pg_class lookup each here and a row
// to read in the client, and are never among the relations a file is
// judged against. Not the shared catalogs' locks (database 0): a
// session's relation locks are on its own database's relations or on
// those, so this is the current database's without a subquery on
// pg_database in every read (0.079 against 0.092 ms of backend CPU a
// read, medians, psql, 5,000 runs, eight interleaved rounds, load 10).
//
// The read also sets client_min_messages to debug1 again (the row of oid
// 0, its value dropped): a statement can lower the level under a name
// built at run time (set_config('client_min_' || 'messages', ...), a DO
// block's EXECUTE), which no match of its text sees (levelAgain), and
// the index builds and scans of every later statement and file were gone
// from the plan (TestAttackTraceLevelLoweredAtRunTime). What such a
// statement itself does after lowering it is unseen: the level is read
// before it is set (the operands of || run left to right), and a level
// lower than the one the trace set fails the file (levelChanged).
const locksSQL = `SELECT l.relation::pg_catalog.int8 AS %s, coalesce(c.relfilenode::pg_catalog.int8, '-1'::pg_catalog.int8), l.mode, ` + scansOf + `
	FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.relation
	WHERE l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND l.locktype OPERATOR(pg_catalog.=) 'relation'::pg_catalog.text AND l.granted
	AND l.relation OPERATOR(pg_catalog.>=) %s
	AND l.database OPERATOR(pg_catalog.<>) '0'::pg_catalog.oid
	UNION ALL SELECT 0::pg_catalog.int8, 0::pg_catalog.int8, pg_catalog.current_setting('client_min_messages') OPERATOR(pg_catalog.||) ' '::pg_catalog.text OPERATOR(pg_catalog.||) pg_catalog.current_setting('lock_timeout') OPERATOR(pg_catalog.||) pg_catalog.substr(pg_catalog.set_config('client_min_messages', 'debug1', false), 1, 0), 0::pg_catalog.int8`

// scansOf is a locked relation's sequential scans so far, in a locks read
// (l, and c its pg_class row): the server's count
// (pg_stat_all_tables.seq_scan) and the session's own not yet sent to it
// (pg_stat_xact_all_tables.seq_scan), which only grows while the session
// is not idle outside a transaction (PostgreSQL 15 sends them then); the
// sum only grows. For an index, its index scans (a foreign key's check
// run with enable_seqscan off reads both tables through their indexes);
// 0 but for a table, materialized view or index. A statement that scans
// a table under a lock (SET NOT NULL, a CHECK, a foreign key, ATTACH
// PARTITION) adds one, whether or not the server's message for it came:
// code that lowers client_min_messages while it runs hides the message,
// never the count (scanned).
const scansOf = `CASE WHEN c.relkind OPERATOR(pg_catalog.=) ANY ('{r,m,i}'::pg_catalog."char"[]) THEN pg_catalog.pg_stat_get_numscans(l.relation) OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_numscans(l.relation) ELSE 0::pg_catalog.int8 END`

// scansSQL is every user table's and index's scans so far (scansOf), read
// with the relations whole (relationsAfter): the baseline the locks reads
// after it are compared with.
const scansSQL = `SELECT c.oid::pg_catalog.int8, pg_catalog.pg_stat_get_numscans(c.oid) OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_numscans(c.oid)
	FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
	WHERE c.relkind OPERATOR(pg_catalog.=) ANY ('{r,m,i}'::pg_catalog."char"[]) AND n.nspname OPERATOR(pg_catalog.<>) ALL ('{pg_catalog,information_schema}'::pg_catalog.name[])
	AND NOT pg_catalog.starts_with(n.nspname::pg_catalog.text, 'pg_')`

// catalogOIDs is PostgreSQL's FirstNormalObjectId: every oid below it was
// given out by initdb (or a single-user backend), to the system catalogs,
// their indexes and toast tables, the system views and information_schema,
// none of which relationsSQL lists; a server running normally gives out
// oids from it on. Such a relation becomes a user relation only when moved
// out of its schema (a superuser's ALTER TABLE ... SET SCHEMA: PostgreSQL
// 15 allows it even for pg_catalog's tables with allow_system_table_mods)
// or when its schema is renamed; see floor and changedSQL.
const catalogOIDs = 16384

// floor is the lowest oid the reads of a file judged against before
// return (changedSQL: but for those locked ACCESS EXCLUSIVE): catalogOIDs,
// or 0 when before holds a relation below it (made in a single-user
// backend, or moved out of pg_catalog by an earlier file). The rows of a
// locks read are only ever looked up in before (statement, addsRows), so
// leaving out the oids below every oid of before changes nothing.
func floor(before map[int64]rel) int64 {
	for oid := range before {
		if oid < catalogOIDs {
			return 0
		}
	}
	return catalogOIDs
}

// locks is locksSQL with its first column named by the marker, sent whole
// with from as its lowest oid.
func (t *tracer) locks(from int64) string {
	t.chooseMarker()
	return fmt.Sprintf(locksSQL, t.marker, quote(strconv.FormatInt(from, 10))+"::pg_catalog.oid")
}

// chooseMarker picks the run's random marker, once.
func (t *tracer) chooseMarker() {
	if t.marker == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		t.marker = "dbguard_locks_" + hex.EncodeToString(b)
	}
}

// prepare prepares the locks read under the marker's name, and the read
// of what a file changed (changedSQL) under the marker's name and
// "_changed", for the batches: planning the locks read was most of its
// cost (0.75-1.9 ms against 0.18-0.39 ms a read, pgbench in the sandbox's
// configuration). A file can replace a prepared statement (DEALLOCATE,
// then PREPARE in a DO block, by the name pg_prepared_statements shows) to
// have the plan read results of its own making, so each batch ends its
// transaction with the guard: an error unless both statements of those
// names are the ones prepared here (their prepare_time is that of this
// query; a statement prepared again has a batch's). A batch that fails is
// rolled back and run again one statement at a time with the read sent
// whole. When the reads cannot be prepared, they are sent whole, and the
// relations read whole after each file.
func (t *tracer) prepare(ctx context.Context) {
	t.chooseMarker()
	read := fmt.Sprintf(locksSQL, t.marker, "$1")
	name := pgx.Identifier{t.marker}.Sanitize()
	changed := pgx.Identifier{t.marker + "_changed"}.Sanitize()
	const when = `pg_catalog.to_char(pg_catalog.timezone('UTC'::pg_catalog.text, p.prepare_time), 'YYYY-MM-DD HH24:MI:SS.US'::pg_catalog.text)`
	// The function behind the view pg_prepared_statements: the guard is
	// planned anew for every file, and the view's rewrite was a fifth of
	// its backend CPU (0.068 against 0.055 ms a run, psql, 6,000 runs).
	const where = ` FROM pg_catalog.pg_prepared_statement() p WHERE p.name OPERATOR(pg_catalog.=) ANY (`
	names := "ARRAY[" + quote(t.marker) + ", " + quote(t.marker+"_changed") + "]::pg_catalog.text[])"
	results, err := t.conn.PgConn().Exec(ctx, "PREPARE "+name+"(pg_catalog.oid) AS "+read+";\nPREPARE "+changed+"(pg_catalog.oid, pg_catalog.oid, pg_catalog.oid, pg_catalog.bool) AS "+changedSQL+
		";\nSELECT pg_catalog.min("+when+")"+where+names+" HAVING pg_catalog.count(*) OPERATOR(pg_catalog.=) 2"+
		";\nSELECT n.oid::pg_catalog.int8, n.nspname FROM pg_catalog.pg_namespace n"+
		";\n"+quietCheck+
		";\n"+codeCheck).ReadAll()
	if err != nil || len(results) != 6 || len(results[2].Rows) != 1 || len(results[2].Rows[0]) != 1 {
		return
	}
	// Both were prepared by this query, at its start time.
	at := string(results[2].Rows[0][0])
	guard := func(more string) string {
		return "SELECT pg_catalog.int4div(1, CASE WHEN pg_catalog.count(*) OPERATOR(pg_catalog.=) 2" + more + " THEN 1 ELSE 0 END)" + where + names + " AND " + when + " OPERATOR(pg_catalog.=) " + quote(at) + "::pg_catalog.text"
	}
	// The read of what changed, just before the guard, fails when a
	// cursor declared WITH HOLD is open (heldFrom): the file is run again
	// a statement at a time, which refuses it (deferredBefore).
	t.guard = guard("")
	noSuperCode := len(results[4].Rows) == 1 && string(results[4].Rows[0][0]) == "t"
	t.quiet = quietMessages && noSuperCode
	t.codeFree = noSuperCode && len(results[5].Rows) == 1 && string(results[5].Rows[0][0]) == "t"
	t.namespaces = map[int64]string{}
	for _, row := range results[3].Rows {
		oid, _ := strconv.ParseInt(string(row[0]), 10, 64)
		t.namespaces[oid] = string(row[1])
	}
}

// changedRead is the read of what a file changed among the relations
// (changedSQL), from top, the highest oid known before the file
// (fileBefore), to the highest an oid can be, the locks from the oid from
// on (floor); quietIndex: the batch has a quiet CREATE INDEX, and the
// read fails when the session has a temporary partitioned table
// (quietTempCheck).
func (t *tracer) changedRead(top, from int64, quietIndex bool) string {
	return "EXECUTE " + pgx.Identifier{t.marker + "_changed"}.Sanitize() + "(" + quote(strconv.FormatInt(top, 10)) + ", '4294967295', " + quote(strconv.FormatInt(from, 10)) + ", " + strconv.FormatBool(quietIndex) + ")"
}

// applyChanged applies the rows of changedSQL to rels, the relations
// before the file, in place: they become the next file's. It runs once the
// file's statements were judged against them, so no copy is made (a copy
// per file cost a plan time in the number of files times the number of
// relations). false when a schema was renamed or dropped since the last
// read (the keys of relations it did not lock would be stale) or a trigger
// is deferrable (COMMIT may change relations after the read): then the
// relations are read whole.
func (t *tracer) applyChanged(rels map[int64]rel, rows [][][]byte) (bool, error) {
	schemas := map[int64]string{}
	deferrable := false
	for _, row := range rows {
		if len(row) != 6 {
			return false, fmt.Errorf("reading the shadow's relations: %d columns", len(row))
		}
		oid, err := strconv.ParseInt(string(row[0]), 10, 64)
		if err != nil {
			return false, fmt.Errorf("reading the shadow's relations: %w", err)
		}
		switch {
		case string(row[2]) == "N":
			schemas[oid] = string(row[3])
		case string(row[2]) == "D":
			deferrable = true
		case string(row[2]) == "L":
			// the locks read after the deferred triggers (deferredLocks)
		case row[1] == nil:
			delete(rels, oid) // gone, or no longer a user relation
		default:
			_, r, err := parseRelation(row)
			if err != nil {
				return false, err
			}
			rels[oid] = r
		}
	}
	t.noDeferrable = !deferrable
	same := t.namespaces != nil && !deferrable
	for oid, name := range t.namespaces {
		if schemas[oid] != name {
			same = false
		}
	}
	t.namespaces = schemas
	return same, nil
}

// locksRead is the locks read a batch sends after a statement, from the
// oid from on (floor).
func (t *tracer) locksRead(from int64) string {
	if t.guard != "" {
		return "EXECUTE " + pgx.Identifier{t.marker}.Sanitize() + "(" + quote(strconv.FormatInt(from, 10)) + ")"
	}
	return t.locks(from)
}

func (t *tracer) relations(ctx context.Context) (map[int64]rel, error) {
	return t.relationsAfter(ctx, "")
}

// relationsAfter runs prefix (statements ending in ';', or "") and lists
// the relations in the same round trip: a file's setup costs one. The
// tables' scans so far (scansSQL) are read with them: the baseline of
// the locks reads after, which the scans of a file run whole, of one run
// a statement at a time (whose COMMIT runs its deferred triggers with no
// read after them) or of a file rolled back (batch) left behind.
func (t *tracer) relationsAfter(ctx context.Context, prefix string) (map[int64]rel, error) {
	// After a file traced a statement at a time the baseline is whole
	// already (scansKept): the scans read cost about as much as the
	// relations read (0.75 ms of backend CPU, 135 tables and their
	// indexes), after every such file (docs/performance.md, round 12).
	kept := t.scansKept && t.scans != nil
	t.scansKept = false
	t.noDeferrable = false // not read here: unknown
	q := prefix + scansSQL + ";\n" + relationsSQL
	if kept {
		q = prefix + relationsSQL
	}
	results, err := t.conn.PgConn().Exec(ctx, q).ReadAll()
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		if r.Err != nil {
			return nil, r.Err
		}
	}
	if kept {
		return readRelations(results[len(results)-1].Rows)
	}
	t.scans = map[int64]int64{}
	if len(results) >= 2 {
		for _, row := range results[len(results)-2].Rows {
			if len(row) != 2 {
				break
			}
			oid, err1 := strconv.ParseInt(string(row[0]), 10, 64)
			n, err2 := strconv.ParseInt(string(row[1]), 10, 64)
			if err1 == nil && err2 == nil {
				t.scans[oid] = n
			}
		}
	}
	return readRelations(results[len(results)-1].Rows)
}

// readRelations reads the rows of relationsSQL.
func readRelations(rows [][][]byte) (map[int64]rel, error) {
	out := map[int64]rel{}
	for _, row := range rows {
		oid, r, err := parseRelation(row)
		if err != nil {
			return nil, err
		}
		out[oid] = r
	}
	return out, nil
}

// parseRelation reads one row of relationsSQL.
func parseRelation(row [][]byte) (int64, rel, error) {
	if len(row) != 6 {
		return 0, rel{}, fmt.Errorf("reading the shadow's relations: %d columns", len(row))
	}
	oid, err1 := strconv.ParseInt(string(row[0]), 10, 64)
	node, err2 := strconv.ParseInt(string(row[1]), 10, 64)
	table, err3 := strconv.ParseInt(string(row[5]), 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return 0, rel{}, fmt.Errorf("reading the shadow's relations: %w", err)
	}
	r := rel{filenode: node, kind: string(row[2]), name: string(row[4]), table: table}
	r.key = schema.Key(string(row[3]), r.name)
	return oid, r, nil
}

// run plans every pending file in order, after checking the shadow against
// the live schema.
func (t *tracer) run(ctx context.Context, files []pendingFile, live *schema.Schema) error {
	shadow, _, _, err := verify.Introspect(ctx, t.conn, t.cfg)
	if err != nil {
		return err
	}
	if diffs := schema.Compare(schema.Side{Name: "shadow", Schema: shadow}, schema.Side{Name: "live database", Schema: live}); len(diffs) > 0 {
		t.add(Finding{Rule: "shadow-drift", File: files[0].path, Line: firstLine(files[0].shape),
			Message: fmt.Sprintf("the migrations up to version %d do not rebuild the live schema (%d difference(s), first: %s): the plan below traced the migrations' schema", t.report.Version, len(diffs), diffs[0].Message)})
	}
	// A migration session starts with the live lock_timeout; the server's
	// debug messages say when a statement rewrites or scans a table.
	if _, err := t.conn.Exec(ctx, "SET client_min_messages = debug1; SET lock_timeout = "+quote(t.live.lockTimeout)); err != nil {
		return err
	}
	t.prepare(ctx)
	// A function of the live version's that lowers the message level
	// while it runs hides what a pending file does through it.
	if err := t.levelFuncs(ctx, func(sch, name, level string) {
		t.report.Notes = append(t.report.Notes, fmt.Sprintf("function %s lowers client_min_messages to %s while it runs (its SET clause): the plan cannot see the index builds and table scans of a statement that calls it", schema.Key(sch, name), level))
	}); err != nil {
		return err
	}
	rels, err := t.relations(ctx)
	if err != nil {
		return err
	}
	t.baseline = map[int64]bool{}
	for oid := range rels {
		t.baseline[oid] = true
	}
	var expected map[string]schema.Difference
	if len(t.cfg.Expectations) > 0 {
		expected, _ = t.expectDiffs(ctx)
	}
	var modelsBefore modelCheck
	if len(t.models) > 0 {
		if modelsBefore, err = t.modelDiffs(ctx); err != nil {
			return err
		}
	}
	for _, f := range files {
		t.at = &f
		if err := t.file(ctx, f); err != nil {
			return err
		}
		t.at = nil
		if err := t.levelFuncs(ctx, func(sch, name, level string) {
			t.add(Finding{Rule: "message-level-changed", File: f.path, Line: lineMentioning(f.shape, name),
				Message: fmt.Sprintf("makes function %s, which lowers client_min_messages to %s while it runs (its SET clause): the plan cannot see the index builds and table scans of a statement that calls it", schema.Key(sch, name), level)})
		}); err != nil {
			return err
		}
		if expected != nil && mentionsExpected(f.text, t.cfg.Expectations) {
			after, ok := t.expectDiffs(ctx)
			if !ok {
				continue
			}
			for k, d := range after {
				if _, before := expected[k]; !before {
					t.expectBroken(f, d)
				}
			}
			expected = after
		}
	}
	if len(t.models) > 0 {
		after, err := t.modelDiffs(ctx)
		if err != nil {
			return err
		}
		t.modelsAhead(modelsBefore, after)
	}
	if tracedHook != nil {
		t.mu.Lock()
		tracedHook(t.received)
		t.mu.Unlock()
	}
	return nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func firstLine(sh sqlscan.Shape) int {
	if len(sh.Statements) > 0 {
		return sh.Statements[0].Line
	}
	return 1
}

// file runs one pending file in the shadow. It is judged as if the
// database were at the version before it: every relation that exists by
// then counts, the live ones and those an earlier pending file created
// (whose live size is unknown), so planning one pending file or many gives
// it the same findings.
func (t *tracer) file(ctx context.Context, f pendingFile) error {
	// COPY ... FROM STDIN would hold the shadow session without end,
	// waiting for rows no one sends: migrate up would wait the same way.
	for _, st := range f.shape.Statements {
		if st.CopyFromClient() {
			// The fix as the hint, as migrate up gives it: "migrate up
			// would fail here too" was not what it does (it refuses it).
			return &FailedError{File: f.path, Line: st.Line, Err: errors.New(sqlscan.CopyFromClientWhy), Fix: sqlscan.CopyFromClientFix}
		}
	}
	// migrate up of this file alone would start with the live role's
	// lock_timeout, whatever an earlier file SET: set in the round trip
	// that reads the relations. The message level too, after a file run
	// whole that may have lowered it (a batch ends at debug1).
	setTimeout := "SET client_min_messages = debug1;\nSET lock_timeout = " + quote(t.live.lockTimeout) + ";\n"
	if t.quiet && changesMessages(f.text) {
		t.quiet = false
	}
	t.renames = t.mayRename(f.text)
	before := map[int64]rel{}
	if t.next != nil {
		before, t.next, setTimeout = t.next, nil, ""
	} else if len(t.baseline) > 0 {
		var err error
		if before, err = t.relationsAfter(ctx, setTimeout); err != nil {
			return err
		}
		setTimeout = ""
	}
	blocks := traceable(f.shape)
	pf := File{Version: f.version, File: f.path, Traced: blocks, Statements: []Statement{}, Locks: []Lock{}}
	defer func() { t.report.Files = append(t.report.Files, pf) }()
	if !blocks || len(before) == 0 {
		// Nothing here existed in the live database: no lock can make
		// anyone wait. Run it as golang-migrate would, in one query.
		return t.whole(ctx, f, before)
	}
	if setTimeout != "" {
		if _, err := t.conn.Exec(ctx, setTimeout); err != nil {
			return err
		}
	}
	fs := &fileState{pf: &pf, cur: map[int64]int64{}, held: map[int64]string{}, all: map[int64]string{}}
	if len(f.shape.Control) == 0 && !f.shape.Unterminated {
		// The usual file: sent in one query, as golang-migrate sends it.
		if done, err := t.batch(ctx, f, before, fs); done {
			return err
		}
		// A statement failed, and the file's transaction was rolled back:
		// run it again one statement at a time, which stops at the
		// statement that fails, with what the ones before it did.
	}
	open := false // a transaction is open: the file's own or the implicit one
	from := floor(before)
	// The baseline is whole now (read with the relations, or kept): the
	// file's locks reads keep it so.
	whole := t.scans != nil
	t.scansKept = false
	var lastRows [][][]byte // the locks read of the transaction's last statement
	// deferred: work may wait for the transaction's COMMIT (deferredSQL,
	// read with the locks of its last statement); true when unread.
	deferred := true
	t.takeNotices()
	for i, st := range f.shape.Statements {
		if st.Control() {
			// The file's own BEGIN/COMMIT: a multi-statement query runs the
			// statements before a BEGIN in the block it opens, and a
			// COMMIT ends whichever is open.
			begins := st.Words[0] == "BEGIN" || st.Words[0] == "START"
			if open && !begins && commits(st) {
				// The deferred triggers, a locks read and the COMMIT, in
				// one query.
				if err := t.deferredBefore(ctx, f, st, before, from, lastRows, deferred, fs, st.Text); err != nil {
					return err
				}
				open = false
			}
			lastRows, deferred = nil, true
			if begins != open {
				if _, err := readResults(t.conn.PgConn().Exec(ctx, st.Text), keepNone); err != nil {
					t.rollback()
					return t.failed(f, st, 0, err)
				}
				open = begins
			}
			fs.held = map[int64]string{}
			t.takeNotices()
			pf.Statements = append(pf.Statements, Statement{Line: st.Line, SQL: st.Head(100), Locks: []Lock{}})
			continue
		}
		prefix := ""
		if !open {
			prefix, open = "BEGIN;\n", true
		}
		// The read of the table the statement names (target.go), just
		// before it.
		tgAt, tg := -1, target{}
		ts, sch, name, ok := targetName(st)
		tg.ts = ts
		if ok {
			tgAt = 0
			if prefix != "" {
				tgAt = 1
			}
			prefix += t.targetRead(sch, name) + ";\n"
		}
		// Kept: the locks read, the last of the prefix's, the
		// statement's and its own results (and not the SET of the
		// message level after them, which has no columns); and the
		// target read.
		reads := 1
		if tgAt >= 0 {
			reads = tgAt + 2
		} else if prefix != "" {
			reads = 2
		}
		again := levelAgain(st)
		// The statement a COMMIT follows (the file's own, or the trace's
		// at the file's end) also reads whether work may wait for it.
		check := ""
		if i+1 == len(f.shape.Statements) || commits(f.shape.Statements[i+1]) {
			check = fmt.Sprintf(deferredSQL, pgx.Identifier{t.marker + "_deferred"}.Sanitize()) + ";\n"
		}
		tgOK := false    // the result at tgAt is the target read (its field descriptions are reused by the next result's)
		deferredAt := -1 // the result that is the read of deferred work, likewise
		results, err := readResults(t.conn.PgConn().Exec(ctx, prefix+st.Text+"\n;\n"+check+t.locks(from)+";\n"+again), func(i int, fds []pgconn.FieldDescription) bool {
			if i == tgAt && t.isTargetRead(fds) {
				tgOK = true
				return true
			}
			if check != "" && i >= reads && len(fds) == 1 && fds[0].Name == t.marker+"_deferred" {
				deferredAt = i
				return true
			}
			return i >= reads && len(fds) > 0 && fds[0].Name == t.marker
		})
		// The locks read is the last result, or the one before the SET
		// of the level after it (levelAgain): that SET's result, with no
		// rows, taken for the read lost the statement's locks, rewrites
		// and scans (TestAttackTraceLevelAgainTakenForLocksRead). The
		// read of deferred work is the one before it.
		read := len(results) - 1
		if again != "" {
			read--
		}
		if err == nil {
			for _, r := range results {
				if r.Err != nil {
					err = r.Err
					break
				}
			}
		}
		if err == nil && (read < 0 || len(results[read].FieldDescriptions) == 0 || results[read].FieldDescriptions[0].Name != t.marker) {
			err = fmt.Errorf("tracing %s in the shadow: its results do not line up with its statement, so what it did is unknown", f.path)
		}
		deferred = true
		if err == nil && check != "" {
			if d := results[max(read-1, 0)]; deferredAt != read-1 || len(d.Rows) != 1 || len(d.Rows[0]) != 1 {
				err = fmt.Errorf("tracing %s in the shadow: its results do not line up with its statement, so what it did is unknown", f.path)
			} else {
				deferred = string(d.Rows[0][0]) != "f"
			}
		}
		if err == nil && tgAt >= 0 {
			if !tgOK {
				err = fmt.Errorf("tracing %s in the shadow: its results do not line up with its statement, so what it did is unknown", f.path)
			} else if tg.oid, tg.read, tg.scans = readTarget2(results[tgAt].Rows); !tg.read {
				err = fmt.Errorf("tracing %s in the shadow: the read of the table its statement names gave no OID", f.path)
			}
		}
		notices := t.takeNotices()
		if err != nil {
			t.rollback()
			return t.failed(f, st, len(prefix), err)
		}
		fs.level = "debug1"
		if locksNothing(st) {
			// A plain SET (pg_dump's SET client_min_messages = warning,
			// in a file with its own BEGIN/COMMIT): its locks read runs
			// at the level it set, before the SET of debug1 after it
			// (levelAgain), and nothing it did could send a message. The
			// batch reads nothing after it, and checks no level either;
			// the next statement's read finds the level raised again.
			fs.level = ""
		}
		t.statement(f, st, before, results[read].Rows, notices, tg, fs)
		lastRows = results[read].Rows
	}
	if open {
		if err := t.deferredBefore(ctx, f, f.shape.Statements[len(f.shape.Statements)-1], before, from, lastRows, deferred, fs, "COMMIT"); err != nil {
			return err
		}
	}
	t.scansKept = whole
	fs.fileLocks(t, before)
	return nil
}

// fileState is what a traced file did so far.
type fileState struct {
	pf   *File
	cur  map[int64]int64  // relfilenode after the last statement
	held map[int64]string // strongest lock per relation in the open transaction
	all  map[int64]string // and over the whole file
	made map[int64]bool   // relations made in the file that an earlier statement's locks read held
	// indexes: the indexes the file made that are there at its end, by
	// OID, from the batch's read of what changed (nil: not read; ask,
	// unseenBuilds).
	indexes map[int64]newIndex
	// level: the message level the trace set for the locks read of the
	// statement being recorded ("": the rows are not its own read's).
	level string
}

// fileLocks lists the strongest lock per table the file held.
func (fs *fileState) fileLocks(t *tracer, before map[int64]rel) {
	for oid, mode := range fs.all {
		fs.pf.Locks = append(fs.pf.Locks, t.lock(before[oid].key, mode))
	}
	slices.SortFunc(fs.pf.Locks, func(a, b Lock) int { return strings.Compare(a.Relation, b.Relation) })
}

// batch runs a file with no transaction statements of its own in one
// query: BEGIN, each statement followed by the locks read, COMMIT, then the
// relations for the next file. Sent one statement per round trip, a file
// of four statements cost six; on a loaded machine each round trip waits
// for both processes to be scheduled. The server parses the whole query
// before running any of it, as it does golang-migrate's one query of the
// file. The locks reads are told apart from the file's own results by the
// marker naming their first column; the notices of a statement are those
// that arrived before its locks read ended.
//
// done is false when the file failed before its COMMIT ended (it was
// rolled back, and nothing of it was recorded): the caller runs it again
// one statement at a time for the failing statement's place.
func (t *tracer) batch(ctx context.Context, f pendingFile, before map[int64]rel, fs *fileState) (done bool, err error) {
	// The results, in order: BEGIN, each statement followed by its locks
	// read when it may lock (locksNothing); with the reads prepared, SET
	// CONSTRAINTS, the read of what changed and the guard; COMMIT, SET;
	// without, the relations read whole.
	type place struct {
		stmt   int  // the statement the result is of; -1: none of the file's
		read   bool // its locks read, not its own result
		target bool // the read of the table it names, before it (target.go)
	}
	var q strings.Builder
	q.WriteString("BEGIN;\n")
	places := []place{{stmt: -1}}
	// The relations known before the file, walked once (fileBefore), with
	// the names the quiet statements may ask about.
	var (
		toks  [][]sqlscan.Token // the statements' tokens, when they may be quiet
		asked []string
	)
	if t.quiet && t.guard != "" {
		toks = make([][]sqlscan.Token, len(f.shape.Statements))
		for i, st := range f.shape.Statements {
			toks[i] = quietTokensOf(st)
			if name, ok := quietAsks(st, toks[i]); ok && !slices.Contains(asked, name) {
				asked = append(asked, name)
			}
		}
	}
	fb := walkBefore(before, asked)
	from := fb.from
	// The level is debug1 but around quiet statements (quiet.go); each
	// SET of it is a result of none of the file's.
	var (
		run        quietRun
		lowered    bool             // client_min_messages is notice
		quietIndex bool             // a quiet CREATE INDEX: the read of what changed checks pg_temp
		prevRead   bool             // the statement before had its locks read
		same       = map[int]bool{} // statements whose locks read is the one before's
		// levels: the message level a statement's own locks read runs
		// at ("": it has none), what that read must find.
		levels = make([]string, len(f.shape.Statements))
		tgs    = make([]target, len(f.shape.Statements))
	)
	level := func(low bool) {
		if low != lowered {
			lowered = low
			if low {
				q.WriteString("SET client_min_messages = notice;\n")
			} else {
				q.WriteString("SET client_min_messages = debug1;\n")
			}
			places = append(places, place{stmt: -1})
		}
	}
	for i, st := range f.shape.Statements {
		quiet, index := false, false
		if t.quiet && t.guard != "" {
			quiet, index = quietTokens(st, toks[i], fb.known, fb.toast, &run)
			quietIndex = quietIndex || index
		}
		if !quiet {
			// A statement that may rename a relation (quietRun.renamed).
			run = quietRun{renamed: run.renamed || !locksNothing(st)}
		}
		level(quiet)
		ts, sch, name, ok := targetName(st)
		tgs[i].ts = ts // read once, for the rules too
		if ok {
			q.WriteString(t.targetRead(sch, name))
			q.WriteString(";\n")
			places = append(places, place{stmt: i, target: true})
		}
		q.WriteString(st.Text)
		q.WriteString("\n;\n")
		places = append(places, place{stmt: i})
		switch {
		case locksNothing(st):
			prevRead = false
		case quiet && prevRead && readsAlike(st):
			// A quiet statement locks, rewrites and drops no relation
			// known before the file and sets nothing: the read after it
			// would give the rows of the read before it (quiet.go).
			same[i] = true
		default:
			q.WriteString(t.locksRead(from))
			q.WriteString(";\n")
			places = append(places, place{stmt: i, read: true})
			prevRead = true
			levels[i] = "debug1"
			if lowered {
				levels[i] = "notice"
			}
			// The read set debug1 again (locksSQL): the next quiet
			// statement lowers it once more.
			lowered = false
		}
		if again := levelAgain(st); again != "" {
			q.WriteString(again)
			places = append(places, place{stmt: -1})
		}
	}
	level(false)
	changedAt := -1
	if t.guard != "" {
		// Deferred triggers run now, not in COMMIT, so that what the
		// file changed among the relations is read after them, in its
		// transaction (its locks are gone after COMMIT); then the guard.
		// The read of what changed holds the locks read after them too
		// (its rows of kind L): what the file's deferred triggers did,
		// which migrate up does in its COMMIT (deferredLocks), and fails
		// on a held cursor or, after a quiet CREATE INDEX, a temporary
		// partitioned table (changedSQL).
		q.WriteString(t.immediate(t.mayDefer(f.text)) + ";\n" + t.changedRead(fb.top, from, quietIndex) + ";\n" + t.guard + ";\n")
		changedAt = len(places) + 1
		places = append(places, place{stmt: -1}, place{stmt: -1}, place{stmt: -1})
	}
	if t.guard == "" {
		// With no guard, heldSQL alone: it fails when a cursor held
		// would run its query in the COMMIT, after every read. After the
		// deferred triggers, which would run in the COMMIT too and may
		// declare one (as deferredBefore orders it; review8g).
		q.WriteString(t.immediate(t.mayDefer(f.text)) + ";\n" + heldSQL + ";\n")
		places = append(places, place{stmt: -1}, place{stmt: -1})
	}
	commitAt := len(places)
	places = append(places, place{stmt: -1}, place{stmt: -1}) // COMMIT, SET
	q.WriteString("COMMIT;\nSET lock_timeout = " + quote(t.live.lockTimeout))
	if changedAt < 0 {
		q.WriteString(";\n" + relationsSQL)
		places = append(places, place{stmt: -1})
	}
	type traced struct {
		rows    [][][]byte
		notices []string
	}
	var (
		stmts     = make([]traced, len(f.shape.Statements))
		last      *pgconn.Result
		changed   *pgconn.Result
		deferred  *traced // the locks read after the deferred triggers ran
		committed bool
		failed    error
		// askew: a result out of its place. Each statement gives one
		// result and each locks read one, so the reads are exactly the
		// marked results in the read places: a file's own result with
		// the marker's name (its column names can be built at run time
		// from current_query()) cannot take a read's place without
		// pushing a read, which is marked too, out of one.
		askew   bool
		results int
	)
	t.takeNotices()
	mrr := t.conn.PgConn().Exec(ctx, q.String())
	for i := 0; mrr.NextResult(); i++ {
		results++
		rr := mrr.ResultReader()
		fds := rr.FieldDescriptions()
		marked := len(fds) == 4 && fds[0].Name == t.marker
		targeted := t.isTargetRead(fds)
		// Kept: the locks reads, the target reads, what changed, and the
		// relations read that ends the query without it.
		res := readResult(rr, i < len(places) && (places[i].read && marked || places[i].target && targeted) || i == changedAt || changedAt < 0 && i == len(places)-1)
		if res.Err != nil {
			failed = res.Err
			break
		}
		last = res
		if i >= len(places) {
			askew = true
			continue
		}
		p := places[i]
		askew = askew || marked != p.read || targeted != p.target
		switch {
		case p.target:
			// The OID the statement's table name resolves to as it
			// starts; its messages are the statement's, taken after it.
			tg := &tgs[p.stmt]
			tg.oid, tg.read, tg.scans = readTarget2(res.Rows)
			askew = askew || !tg.read
		case p.read:
			// What the statement did, and the server's messages while it
			// and its read ran.
			stmts[p.stmt] = traced{rows: res.Rows, notices: t.takeNotices()}
		case p.stmt >= 0 && (i+1 == len(places) || !places[i+1].read):
			// A statement with no locks read: its messages.
			stmts[p.stmt].notices = t.takeNotices()
		case i == changedAt:
			changed = res
			// The server's messages while SET CONSTRAINTS ran the
			// deferred triggers, and while the read ran.
			deferred = &traced{rows: deferredLocks(res.Rows), notices: t.takeNotices()}
		case i == commitAt:
			committed = res.CommandTag.String() == "COMMIT"
		}
	}
	if err := cmp.Or(mrr.Close(), failed); err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return true, err
		}
		if committed {
			return true, err
		}
		t.rollback()
		t.takeNotices()
		// Its scans were counted, rolled back or not: no baseline is
		// known until the relations are read whole again.
		t.scans = nil
		return false, nil
	}
	if !committed || askew || results != len(places) || last == nil {
		return true, fmt.Errorf("tracing %s in the shadow: its results do not line up with its %d statements, so what each did is unknown", f.path, len(f.shape.Statements))
	}
	if changed != nil && !t.codeFree {
		fs.indexes = newIndexes(changed.Rows, before)
	}
	var lastRows [][][]byte
	for i, st := range f.shape.Statements {
		if same[i] {
			stmts[i].rows = stmts[i-1].rows
		}
		fs.level = levels[i]
		t.statement(f, st, before, stmts[i].rows, stmts[i].notices, tgs[i], fs)
		if stmts[i].rows != nil {
			lastRows = stmts[i].rows
		}
	}
	if n := len(f.shape.Statements); deferred != nil && n > 0 {
		// Deferred triggers (a constraint trigger, a deferrable foreign
		// key's cascade) locked or rewrote more at the end of the file:
		// migrate up does that in its COMMIT, under the file's locks.
		// They ran at debug1 (the level was raised before SET
		// CONSTRAINTS), and must leave it so.
		st := sqlscan.Statement{Text: "COMMIT: the file's deferred triggers", Line: f.shape.Statements[n-1].Line}
		fs.level = ""
		if addsRows(deferred.rows, lastRows, before) {
			t.statement(f, st, before, deferred.rows, deferred.notices, target{}, fs)
		}
		if level := rowsLevel(deferred.rows); level != "" && hides(level, "debug1") {
			t.levelChanged(f, st, level, "debug1")
		}
	}
	fs.fileLocks(t, before)
	// The relations after the file, the next file's before: nothing was
	// sent since its COMMIT but reads (constraintTable).
	next := before
	if changed != nil {
		var same bool
		if same, err = t.applyChanged(before, changed.Rows); err == nil && !same {
			// A schema renamed or dropped, or a deferrable trigger: read
			// whole.
			next, err = t.relations(ctx)
		}
	} else {
		next, err = readRelations(last.Rows)
	}
	if err != nil {
		return true, err
	}
	t.next = next
	return true, nil
}

// commits reports whether a file's own transaction control statement
// commits: COMMIT or END.
func commits(st sqlscan.Statement) bool {
	return st.Control() && (st.Words[0] == "COMMIT" || st.Words[0] == "END")
}

// deferredBefore runs a COMMIT (commit: the file's own, or the trace's at
// its end) of a file traced a statement at a time, after the deferred
// triggers it would run (SET CONSTRAINTS ALL IMMEDIATE) and a locks read
// after them, in one query, the round trip the COMMIT took alone: what
// they locked, rewrote or scanned is
// judged as the batch judges its own (COMMIT: the file's deferred
// triggers) when the read holds a row the transaction's last statement's
// read (last) did not. At 1e31445 a deferred trigger that ran SET NOT
// NULL on a live table in the file's own COMMIT passed: no read came
// after it, and its messages were dropped.
//
// When no work can wait for the COMMIT (deferred false: deferredSQL, read
// with last, found none), the COMMIT is sent alone: a read after the
// deferred triggers would be last again, and planning it, sent whole, was
// most of its cost.
func (t *tracer) deferredBefore(ctx context.Context, f pendingFile, at sqlscan.Statement, before map[int64]rel, from int64, last [][][]byte, deferred bool, fs *fileState, commit string) error {
	t.takeNotices()
	if !deferred {
		_, err := readResults(t.conn.PgConn().Exec(ctx, commit), keepNone)
		t.takeNotices()
		if err != nil {
			t.rollback()
			return t.failed(f, at, 0, err)
		}
		return nil
	}
	// The cursors held (heldSQL) after the deferred triggers, which may
	// declare one, and before the locks read: the results' field
	// descriptions are reused by the next result's, and the locks read's
	// must stay its own.
	results, err := readResults(t.conn.PgConn().Exec(ctx, t.immediate(true)+";\n"+heldSQL+";\n"+t.locks(from)+";\n"+commit), func(i int, fds []pgconn.FieldDescription) bool {
		return len(fds) > 0 && fds[0].Name == t.marker
	})
	notices := t.takeNotices()
	var pgErr *pgconn.PgError
	if len(results) == 2 && results[0].Err == nil && errors.As(cmp.Or(results[1].Err, err), &pgErr) && pgErr.Code == "22012" {
		t.rollback()
		return heldError(f, at)
	}
	if err == nil {
		for _, r := range results {
			if r.Err != nil {
				err = r.Err
				break
			}
		}
	}
	if err == nil && (len(results) != 4 || len(results[2].FieldDescriptions) == 0 || results[2].FieldDescriptions[0].Name != t.marker) {
		err = fmt.Errorf("tracing %s in the shadow: its results do not line up with its statement, so what it did is unknown", f.path)
	}
	if err != nil {
		t.rollback()
		return t.failed(f, at, 0, err)
	}
	rows := results[2].Rows
	st := sqlscan.Statement{Text: "COMMIT: the file's deferred triggers", Line: at.Line}
	if addsRows(rows, last, before) {
		fs.level = ""
		t.statement(f, st, before, rows, notices, target{}, fs)
	}
	if level := rowsLevel(rows); level != "" && hides(level, "debug1") {
		t.levelChanged(f, st, level, "debug1")
	}
	return nil
}

// deferredLocks picks, from the rows of the read of what changed
// (changedSQL), the locks read after the file's deferred triggers, as rows
// of locksSQL: the relation, its relfilenode (-1: dropped), the mode, its
// scans (scansOf), and the lock_timeout in the row of relation 0.
func deferredLocks(rows [][][]byte) [][][]byte {
	var out [][][]byte
	for _, row := range rows {
		if len(row) == 6 && string(row[2]) == "L" {
			out = append(out, [][]byte{row[0], row[1], row[3], row[5]})
		}
	}
	return out
}

// rowsLevel is the message level a locks read found (its row of relation
// 0), or "" when it has none.
func rowsLevel(rows [][][]byte) string {
	for _, r := range rows {
		if len(r) >= 3 && string(r[0]) == "0" {
			level, _, _ := strings.Cut(string(r[2]), " ")
			return level
		}
	}
	return ""
}

// hides reports whether client_min_messages at level sends the client
// fewer messages than at want: the server's order, in which log stands
// between debug1 and notice for a client; a value not in it hides.
func hides(level, want string) bool {
	order := []string{"debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error"}
	return slices.Index(order, level) < 0 || slices.Index(order, level) > slices.Index(order, want)
}

// levelChanged fails a file whose statement left client_min_messages
// lower than the trace set it for the statement's locks read: it lowered
// the level under a name the trace's text match cannot see (a DO block's
// EXECUTE, set_config with a built name, a function), or under one it
// can but in a statement that runs more than a plain SET. Whatever the
// statement did after that sent none of the messages the rules read (an
// index build, a table scan), so a plan with no finding for it would be a
// silent pass.
func (t *tracer) levelChanged(f pendingFile, st sqlscan.Statement, level, want string) {
	t.add(Finding{Rule: "message-level-changed", File: f.path, Line: st.Line,
		Message: fmt.Sprintf("this file changes the message level (client_min_messages is %s after this statement, the plan set %s): the plan cannot see the index builds and table scans it did after that", level, want)})
}

// addsRows reports whether the locks read rows holds a row (a lock, or
// a relfilenode) of a relation known before the file (in before) that
// the read last does not. The scans are not compared: a deferred
// trigger's scan under the file's locks is one under a lock an earlier
// statement took, which no rule reports (scanned).
func addsRows(rows, last [][][]byte, before map[int64]rel) bool {
	key := func(r [][]byte) string { return string(bytes.Join(r[:min(len(r), 3)], []byte{0})) }
	seen := map[string]bool{}
	for _, r := range last {
		seen[key(r)] = true
	}
	for _, r := range rows {
		if len(r) == 0 {
			continue
		}
		oid, _ := strconv.ParseInt(string(r[0]), 10, 64)
		if _, ok := before[oid]; ok && !seen[key(r)] {
			return true
		}
	}
	return false
}

// locksNothing reports a statement that cannot take a lock on a relation,
// rewrite one or drop one: no pg_locks read follows it in a traced file.
// Only SET and RESET of a setting are (their values are literals, checked
// by the server's own code), and not SET CONSTRAINTS, which runs the
// deferred triggers, whose functions may lock anything. Any other
// statement is read after, even those that seldom lock (CREATE FUNCTION
// locks the types it names; a SELECT may call anything): when unsure, read.
//
// The reads are also what tells each statement's result from the next:
// a statement the server reads as two (sqlscan lexes as the server does
// with standard_conforming_strings on, and an earlier file may have set
// it off, so that 'a\', ' ; ALTER ...' hides an ALTER TABLE in what
// sqlscan reads as a string) pushes a result into the next statement's
// place, where a read after the SET would have caught it; a later
// statement the server reads as none (its text in that server-side
// comment) would then line the rest up again, and the ALTER's locks would
// be blamed on that statement. So only a SET whose text every lexing
// reads alike skips its read: one name, values that are words, numbers
// or quoted strings without a backslash, no comment, no ';'.
func locksNothing(st sqlscan.Statement) bool {
	if len(st.Words) == 0 || !plainSet.MatchString(st.Text) || strings.Contains(st.Text, "--") || strings.Contains(st.Text, "/*") {
		return false
	}
	switch st.Words[0] {
	case "SET":
		return len(st.Words) > 1 && st.Words[1] != "CONSTRAINTS"
	case "RESET":
		return len(st.Words) > 1
	}
	return false
}

// plainSet is a SET or RESET of one setting that reads alike however the
// server lexes strings (see locksNothing).
var plainSet = lazyre.New(`(?i)^(SET\s+((LOCAL|SESSION)\s+)?[a-z_][a-z0-9_.]*(\s*=\s*|\s+TO\s+)` + plainSetValue + `(\s*,\s*` + plainSetValue + `)*|RESET\s+[a-z_][a-z0-9_.]*)$`)

const plainSetValue = `('[^'\\]*'|[a-z0-9_.+-]+)`

// statement records what one statement did, from the locks read after it
// (rows of locksSQL) and the server's messages while it ran, and applies
// the rules to it.
func (t *tracer) statement(f pendingFile, st sqlscan.Statement, before map[int64]rel, rows [][][]byte, notices []string, tg target, fs *fileState) {
	cur, held, all := fs.cur, fs.held, fs.all
	ps := Statement{Line: st.Line, SQL: st.Head(100), Locks: []Lock{}}
	timeout, level := "", ""
	now := map[int64]string{} // strongest mode per pre-existing relation
	rewritten := map[int64]bool{}
	dropped := map[int64]bool{}
	var made []int64 // relations this statement made
	scanned := map[int64]bool{}
	if tg.known() && tg.scans >= 0 {
		// The target's count read just before the statement: a scan of
		// it no locks read saw (a DO block's, rolled back to its
		// EXCEPTION clause, which released the lock) is no scan of this
		// statement's.
		if t.scans == nil {
			t.scans = map[int64]int64{}
		}
		t.scans[tg.oid] = tg.scans
	}
	for _, row := range rows {
		oid, _ := strconv.ParseInt(string(row[0]), 10, 64)
		node, _ := strconv.ParseInt(string(row[1]), 10, 64)
		mode := string(row[2])
		if oid == 0 {
			level, timeout, _ = strings.Cut(mode, " ")
			continue
		}
		t.countScans(oid, row, scanned)
		b, ok := before[oid]
		if !ok && node >= 0 && !fs.made[oid] {
			// Made by this statement: a new relation stays locked until
			// commit, so an earlier one was in an earlier read.
			made = append(made, oid)
		}
		if !ok {
			continue // created in this file: nobody else can be waiting for it
		}
		prev, seen := cur[oid]
		if !seen {
			prev = b.filenode
		}
		switch {
		case node < 0:
			dropped[oid] = true // locked until commit, gone from pg_class
		case node != prev && prev > 0:
			rewritten[oid] = true
		}
		cur[oid] = node
		if strength(mode) > strength(now[oid]) {
			now[oid] = mode
		}
	}
	// An index scanned is its table read: through the index.
	for oid := range scanned {
		if b, ok := before[oid]; ok && b.kind == "i" && b.table != 0 {
			scanned[b.table] = true
		}
	}
	if fs.made == nil {
		fs.made = map[int64]bool{}
	}
	for _, oid := range made {
		fs.made[oid] = true
	}
	heldBefore := maps.Clone(held)
	// The locks this statement added: a stronger mode than held so far.
	var strong []string
	for oid, mode := range now {
		b := before[oid]
		if !isTable(b.kind) || strength(mode) <= strength(held[oid]) {
			continue
		}
		held[oid] = mode
		if strength(mode) > strength(all[oid]) {
			all[oid] = mode
		}
		ps.Locks = append(ps.Locks, t.lock(b.key, mode))
		if strength(mode) >= strength("ShareLock") {
			strong = append(strong, b.key)
		}
	}
	slices.SortFunc(ps.Locks, func(a, b Lock) int { return strings.Compare(a.Relation, b.Relation) })
	fs.pf.Statements = append(fs.pf.Statements, ps)
	t.statementFindings(f, st, before, heldBefore, now, rewritten, dropped, made, notices, tg, scanned)
	if !t.codeFree && fs.level != "notice" && len(made) > 0 {
		t.unseenBuilds(f, st, before, now, rewritten, made, notices, fs.indexes)
	}
	t.unseenScans(f, st, before, heldBefore, now, rewritten, dropped, scanned, notices)
	if fs.level != "" && level != "" && hides(level, fs.level) {
		t.levelChanged(f, st, level, fs.level)
	}
	if len(strong) > 0 && (timeout == "0" || timeout == "") {
		slices.Sort(strong)
		t.add(Finding{Rule: "lock-timeout-missing", File: f.path, Line: st.Line, Relation: strong[0], Size: t.size(strong[0]),
			Message: fmt.Sprintf("takes %s on %s with no lock_timeout set: while it waits for the lock, every query on the table queues behind it", strongest(now, before, strong), strings.Join(strong, ", "))})
	}
}

// countScans reads a locks read row's scans (scansOf) into t.scans, and
// marks the relation scanned when they grew since the last read (only a
// relation whose scans were read before has a baseline).
func (t *tracer) countScans(oid int64, row [][]byte, scanned map[int64]bool) {
	if len(row) < 4 {
		return
	}
	n, err := strconv.ParseInt(string(row[3]), 10, 64)
	if err != nil {
		return
	}
	if t.scans == nil {
		t.scans = map[int64]int64{}
	}
	if last, ok := t.scans[oid]; ok && n > last {
		scanned[oid] = true
	}
	t.scans[oid] = n
}

// unseenScans reports a scan of a table known before the file under the
// ACCESS EXCLUSIVE or SHARE ROW EXCLUSIVE lock the statement took on it
// (its count of scans grew, scansOf) that no server message of the
// statement names and no other finding of the statement explains: code
// that lowered client_min_messages while it ran (a DO block, a function,
// a procedure, a function of the live version's whose SET clause lowers
// it) hid the "verifying table" or "validating foreign key constraint"
// message the rules read, and then raised it again (stop 37). It is the
// finding the message would have given: set-not-null-scan when the text
// says SET NOT NULL, attach-partition-scan when it says ATTACH
// PARTITION, else constraint-validated. A scan under a lock an earlier
// statement took is one only when the statement runs code (a DO block, a
// procedure, a SELECT that can call the repository's function): a
// batched UPDATE after an ALTER TABLE scans the empty shadow table where
// the live one would use an index.
func (t *tracer) unseenScans(f pendingFile, st sqlscan.Statement, before map[int64]rel, held, locks map[int64]string, rewritten, dropped, scanned map[int64]bool, notices []string) {
	if len(scanned) == 0 {
		return
	}
	// The tables the messages name: the scan is reported by them.
	seen := map[string]bool{}
	for _, n := range notices {
		switch {
		case fkRE.MatchString(n):
			// A foreign key's check scans both tables; the message names
			// the constraint, and the rule reports its table.
			return
		case verifyingRE.MatchString(n):
			seen[verifyingRE.FindStringSubmatch(n)[1]] = true
		case buildingRE.MatchString(n):
			seen[buildingRE.FindStringSubmatch(n)[2]] = true
		}
	}
	text := strings.ToUpper(spaceRE.ReplaceAllString(stripComments(st.Text), " "))
	rule, what := "constraint-validated", "a CHECK or FOREIGN KEY check"
	domain := strings.Contains(text, "DOMAIN")
	if domain {
		what = "a domain's CHECK or NOT NULL, checked on every column of the domain"
	}
	switch {
	case domain:
	case strings.Contains(text, "SET NOT NULL"):
		rule, what = "set-not-null-scan", "SET NOT NULL"
	case strings.Contains(text, "ATTACH PARTITION"):
		rule, what = "attach-partition-scan", "ATTACH PARTITION"
	}
	// A scan under a lock an earlier statement took is left to the
	// statement's own rules when it is a plain query (a batched UPDATE
	// after an ALTER TABLE scans the empty shadow table where the live
	// one would use an index), not when it runs code: a DO block, a
	// procedure, or a SELECT that can call a function of the
	// repository's. Code that lowers the level there (an ALTER TABLE ...
	// ADD COLUMN, then a DO block's SET NOT NULL) passed.
	first := ""
	if len(st.Words) > 0 {
		first = st.Words[0]
	}
	code := first == "DO" || first == "CALL" || !t.codeFree && (first == "SELECT" || first == "VALUES")
	// A message names the table: the rules read the statement's text for
	// which check it is, and an ALTER TABLE's text says; code's does not
	// (EXECUTE 'ALTER TABLE users ALTER COLUMN email SET ' || 'NOT NULL',
	// a function, a deferred trigger run at COMMIT), and a scan of it
	// that no finding reports passed at 1e31445 with the message there.
	told := first == "ALTER"
	for _, oid := range slices.Sorted(maps.Keys(scanned)) {
		b, ok := before[oid]
		mode := locks[oid]
		// The locks a check scans under: ACCESS EXCLUSIVE (a CHECK, SET
		// NOT NULL, ATTACH PARTITION), SHARE ROW EXCLUSIVE (a foreign
		// key), SHARE (ALTER DOMAIN ... ADD CONSTRAINT or SET NOT NULL,
		// which scans every table with a column of the domain and sends
		// no message: it passed at 1e31445). Not EXCLUSIVE: REFRESH
		// MATERIALIZED VIEW CONCURRENTLY scans the view under it, reads
		// going on (a false constraint-validated at 1e31445).
		if !ok || !isTable(b.kind) || rewritten[oid] || dropped[oid] || seen[b.name] && told ||
			mode != "AccessExclusiveLock" && mode != "ShareRowExclusiveLock" && mode != "ShareLock" || t.reported(f, st, b.key) {
			continue
		}
		earlier := strength(mode) <= strength(held[oid])
		if earlier && !code {
			continue
		}
		under := mode
		if earlier {
			under = mode + ", which an earlier statement of the file took"
		}
		why := "the server's message for the scan never came: the statement lowered client_min_messages while it ran"
		if domain && mode == "ShareLock" {
			why = "writes of it wait for the whole scan (the server sends no message for a domain's check)"
		}
		if seen[b.name] {
			why = "the server's message named the table, and the statement's text does not say which check ran: code ran it"
		}
		t.add(Finding{Rule: rule, File: f.path, Line: st.Line, Relation: b.key, Size: t.size(b.key),
			Message: fmt.Sprintf("scans %s under %s (%s), and %s%s", b.key, under, what, why, t.costs(b.key))})
	}
}

// reported reports whether a finding of the statement names the relation
// already (a rewrite, an index build: each scans the table too).
func (t *tracer) reported(f pendingFile, st sqlscan.Statement, key string) bool {
	for _, x := range t.report.Findings {
		if x.File == f.path && x.Line == st.Line && x.Relation == key && x.Rule != "lock-timeout-missing" && x.Rule != "column-type-change" {
			return true
		}
	}
	return false
}

// traceable reports whether a file can be run statement by statement with
// the same effect as golang-migrate's one query: it runs as one
// transaction, or its only reason not to is its own BEGIN/COMMIT.
func traceable(sh sqlscan.Shape) bool {
	if sh.Transactional {
		return true
	}
	if len(sh.Control) == 0 {
		return false
	}
	for _, st := range sh.Statements {
		if st.NoTransaction() != "" || st.Control() && st.Words[0] == "PREPARE" {
			return false
		}
	}
	return true
}

// rollback ends a failed file's transaction; the plan stops there.
func (t *tracer) rollback() {
	_, _ = t.conn.Exec(context.Background(), "ROLLBACK")
}

// whole runs a file that cannot run in one transaction as golang-migrate
// sends it (one simple query), and compares relfilenodes afterwards.
func (t *tracer) whole(ctx context.Context, f pendingFile, before map[int64]rel) error {
	t.takeNotices()
	_, err := readResults(t.conn.PgConn().Exec(ctx, f.text), keepNone)
	notices := t.takeNotices()
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Position > 0 {
			return t.failed(f, sqlscan.Statement{Line: 1, Text: f.text}, 0, err)
		}
		return t.failed(f, sqlscan.Statement{Line: lineMentioning(f.shape)}, 0, err)
	}
	if len(before) == 0 {
		return nil
	}
	after, err := t.relations(ctx)
	if err != nil {
		return err
	}
	rewritten := map[int64]bool{}
	for oid, b := range before {
		if a, ok := after[oid]; ok && a.filenode != b.filenode && b.filenode != 0 {
			rewritten[oid] = true
		}
	}
	concurrently, reindex := false, false
	for _, st := range f.shape.Statements {
		concurrently = concurrently || slices.Contains(st.Words, "CONCURRENTLY")
		reindex = reindex || len(st.Words) > 0 && st.Words[0] == "REINDEX" && !slices.Contains(st.Words, "CONCURRENTLY")
	}
	for _, oid := range slices.Sorted(maps.Keys(rewritten)) {
		b := before[oid]
		switch {
		case isTable(b.kind):
			t.add(Finding{Rule: "table-rewrite", File: f.path, Line: lineMentioning(f.shape, b.name), Relation: b.key, Size: t.size(b.key),
				Message: fmt.Sprintf("rewrites %s (a new relfilenode)", b.key)})
		case b.kind != "i" || rewritten[b.table]:
		case reindex:
			tb := before[b.table]
			t.add(Finding{Rule: "reindex-not-concurrent", File: f.path, Line: lineMentioning(f.shape, b.name, tb.name), Relation: tb.key, Size: t.size(tb.key),
				Message: fmt.Sprintf("REINDEX rebuilds index %s of %s without CONCURRENTLY: reads and writes wait for the whole build", b.key, tb.key)})
		case concurrently:
			// REINDEX CONCURRENTLY swaps in a new relfilenode: the safe form.
		default:
			t.add(Finding{Rule: "table-rewrite", File: f.path, Line: lineMentioning(f.shape, b.name), Relation: b.key, Size: t.size(tableKey(before, b)),
				Message: fmt.Sprintf("rewrites %s (a new relfilenode)", b.key)})
		}
	}
	if !concurrently && !reindex {
		for _, n := range notices {
			if m := buildingRE.FindStringSubmatch(n); m != nil {
				// An index a table rewrite rebuilds (its primary key) is
				// part of that rewrite, reported once as table-rewrite.
				if oid, b, ok := matchRel(before, "", m[2]); ok && !rewritten[oid] {
					t.add(Finding{Rule: "index-not-concurrent", File: f.path, Line: lineMentioning(f.shape, m[1], b.name), Relation: b.key, Size: t.size(b.key),
						Message: fmt.Sprintf("builds index %s on %s without CONCURRENTLY", m[1], b.key)})
				}
			}
		}
	}
	return nil
}

// failed explains a statement that fails in the shadow, at its line.
func (t *tracer) failed(f pendingFile, st sqlscan.Statement, prefix int, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// The preview's time limit (Run makes it a verify.TimeoutError): where
		// it was, the statement, or the file when it ran in one query.
		line := st.Line
		if line < 1 {
			line = 1
		}
		return &FailedError{File: f.path, Line: line, Err: err}
	}
	line := st.Line
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Position > 0 {
		if at := int(pgErr.Position) - 1 - prefix; at > 0 && at <= len(st.Text) {
			line += strings.Count(st.Text[:at], "\n")
		}
	}
	return &FailedError{File: f.path, Line: line, Err: err}
}

var (
	buildingRE  = lazyre.New(`^building index "(.+)" on table "(.+)"`)
	verifyingRE = lazyre.New(`^verifying table "(.+)"`)
	fkRE        = lazyre.New(`^validating foreign key constraint "(.+)"`)
	spaceRE     = lazyre.New(`\s+`)
	typeRE      = lazyre.New(`\bALTER\s+(COLUMN\s+)?("[^"]+"|\S+)\s+(SET\s+DATA\s+)?TYPE\b`)
	addCheckRE  = lazyre.New(`\bADD\b.*\b(CHECK|FOREIGN\s+KEY|REFERENCES)\b`)
)

// statementFindings applies the rules to one traced statement.
//
// The table an ALTER TABLE, UPDATE or DELETE names is the one its name
// resolved to before it ran (tg, target.go); a "verifying table" message
// naming it is about that table, and one naming another (a partition of
// it, the table ATTACH PARTITION attaches, or a table a DO block alters)
// is the locked relation known before the file of that name whose scans
// grew in the statement (scannedNamed).
func (t *tracer) statementFindings(f pendingFile, st sqlscan.Statement, before map[int64]rel, held, locks map[int64]string, rewritten, dropped map[int64]bool, made []int64, notices []string, tg target, scanned map[int64]bool) {
	text := strings.ToUpper(spaceRE.ReplaceAllString(stripComments(st.Text), " "))
	add := func(rule string, b rel, msg string) {
		t.add(Finding{Rule: rule, File: f.path, Line: st.Line, Relation: b.key, Size: t.size(b.key), Message: msg})
	}
	verb := ""
	if len(st.Words) > 0 {
		verb = st.Words[0]
	}
	concurrently := strings.Contains(text, " CONCURRENTLY ")
	reindexed := map[int64][]string{} // by table
	for _, oid := range slices.Sorted(maps.Keys(rewritten)) {
		b := before[oid]
		switch {
		case verb == "TRUNCATE" && isTable(b.kind):
			// A new, empty relfilenode: not a copy of the rows, their end.
			if t.hasRows(b.key) {
				add("truncate", b, fmt.Sprintf("TRUNCATE deletes every row of %s%s", b.key, t.costs(b.key)))
			}
		case verb == "TRUNCATE":
		case isTable(b.kind):
			add("table-rewrite", b, fmt.Sprintf("rewrites %s under %s: every row is copied and every index rebuilt%s", b.key, locks[oid], t.costs(b.key)))
		case b.kind == "i" && !rewritten[b.table] && verb == "REINDEX":
			if !concurrently {
				reindexed[b.table] = append(reindexed[b.table], b.key)
			}
		case b.kind == "i" && !rewritten[b.table]:
			tb := before[b.table]
			t.add(Finding{Rule: "table-rewrite", File: f.path, Line: st.Line, Relation: b.key, Size: t.size(tb.key),
				Message: fmt.Sprintf("rebuilds index %s of %s under %s%s", b.key, tb.key, locks[b.table], t.costs(tb.key))})
		}
	}
	for _, oid := range slices.Sorted(maps.Keys(reindexed)) {
		idx := reindexed[oid]
		tb := before[oid]
		slices.Sort(idx)
		add("reindex-not-concurrent", tb, fmt.Sprintf("REINDEX rebuilds %s of %s holding %s on the table and ACCESS EXCLUSIVE on each index, which every query on the table needs: reads and writes wait for the whole build%s", strings.Join(idx, ", "), tb.key, locks[oid], t.costs(tb.key)))
	}
	for _, oid := range slices.Sorted(maps.Keys(dropped)) {
		if b := before[oid]; (b.kind == "r" || b.kind == "p") && t.hasRows(b.key) {
			add("drop-table", b, fmt.Sprintf("drops table %s: its rows are gone for good%s", b.key, t.costs(b.key)))
		}
	}
	// Only tables this statement locked: the messages name relations
	// without their schema.
	locked := map[int64]rel{}
	for oid := range locks {
		if !dropped[oid] {
			locked[oid] = before[oid]
		}
	}
	ts := tg.ts
	if ts == nil {
		ts = tokens(st.Text)
	}
	alter, isAlter := alterOf(ts)
	target := func() (int64, rel, bool) {
		if !isAlter {
			return 0, rel{}, false
		}
		return tg.table(locked, alter.schema, alter.name)
	}
	// own: the statement's table is known by OID and is not one known
	// before the file (a temporary table named like a live one, a table
	// the file made): the scans it reports are of that table.
	own := isAlter && tg.known() && before[tg.oid].kind == ""
	for _, n := range notices {
		switch {
		case buildingRE.MatchString(n) && !concurrently:
			m := buildingRE.FindStringSubmatch(n)
			oid, b, ok := t.builtOn(m[1], m[2], locked, locks, made)
			if ok && !rewritten[oid] && isTable(b.kind) && verb != "REINDEX" {
				add("index-not-concurrent", b, fmt.Sprintf("builds index %s on %s without CONCURRENTLY, holding %s: %s wait for the whole build%s", m[1], b.key, locks[oid], blocks(locks[oid]), t.costs(b.key)))
			}
		case isAlter && alter.validated() != "" && (verifyingRE.MatchString(n) || fkRE.MatchString(n)):
			// VALIDATE takes SHARE UPDATE EXCLUSIVE, but in the same
			// transaction as the ADD ... NOT VALID it scans under the
			// stronger lock that one took. The table is the statement's
			// by OID, else the constraint's own (conrelid), not a name
			// found in the text.
			oid, b, ok := target()
			switch {
			case !tg.known():
				oid, b, ok = t.constraintTable(alter.validated(), locked)
			case !ok && own:
				oid, b, ok = t.partitionConstraintTable(alter.validated(), tg.oid, locked)
			}
			if ok && strength(held[oid]) >= strength("ShareRowExclusiveLock") {
				add("constraint-validated", b, fmt.Sprintf("VALIDATE CONSTRAINT %s scans %s while this file already holds %s on it: put the VALIDATE in a later migration%s", alter.validated(), b.key, held[oid], t.costs(b.key)))
			}
		case verifyingRE.MatchString(n):
			m := verifyingRE.FindStringSubmatch(n)
			oid, b, ok := scannedNamed(locked, m[1], scanned)
			if isAlter && tg.known() && m[1] == alter.name {
				oid, b, ok = target()
			}
			if !ok || !isTable(b.kind) {
				continue
			}
			if strings.Contains(text, "ATTACH PARTITION") {
				add("attach-partition-scan", b, fmt.Sprintf("ATTACH PARTITION scans %s under %s to check every row against the partition bound (no validated CHECK constraint proves it)%s", b.key, locks[oid], t.costs(b.key)))
			}
			if strings.Contains(text, "SET NOT NULL") {
				add("set-not-null-scan", b, fmt.Sprintf("SET NOT NULL scans %s under %s (no validated CHECK (col IS NOT NULL) proves it)%s", b.key, locks[oid], t.costs(b.key)))
			}
			if addCheckRE.MatchString(text) && !strings.Contains(text, "NOT VALID") {
				add("constraint-validated", b, fmt.Sprintf("adds a CHECK constraint without NOT VALID: scans %s under %s%s", b.key, locks[oid], t.costs(b.key)))
			}
			if cols := alter.requiredColumns(); isAlter && len(cols) > 0 && t.hasRows(b.key) {
				add("add-required-column", b, fmt.Sprintf("adds %s NOT NULL with no default: the server checks %s for NULLs, and every live row has one, so migrate up fails here (column contains null values) and leaves the version dirty%s", strings.Join(cols, ", "), b.key, t.costs(b.key)))
			}
		case fkRE.MatchString(n) && addCheckRE.MatchString(text) && !strings.Contains(text, "NOT VALID"):
			m := fkRE.FindStringSubmatch(n)
			oid, b, ok := t.constraintTable(m[1], locked)
			if own {
				// Not a live table's constraint of the name (a
				// temporary table's items_x_fkey beside the live
				// one's), but a live table's attached as a partition
				// of the new one, whose foreign key its partitions get.
				oid, b, ok = t.partitionConstraintTable(m[1], tg.oid, locked)
			}
			if ok {
				add("constraint-validated", b, fmt.Sprintf("adds FOREIGN KEY %s without NOT VALID: scans %s under %s%s", m[1], b.key, locks[oid], t.costs(b.key)))
			}
		}
	}
	if m := typeRE.FindStringIndex(text); m != nil {
		if oid, b, ok := target(); ok {
			how := "without a rewrite (binary compatible)"
			if rewritten[oid] {
				how = "with a rewrite (see table-rewrite)"
			}
			add("column-type-change", b, fmt.Sprintf("changes a column's type on %s %s: %s", b.key, how, spaceRE.ReplaceAllString(stripComments(st.Text), " ")[m[0]:m[1]]))
		}
	}
	// Data loss: the columns dropped that expect: does not list (those it
	// lists are expect-broken), whole-table writes, explicit locks.
	if cols := alter.droppedColumns(); isAlter && len(cols) > 0 {
		if _, b, ok := target(); ok && t.hasRows(b.key) {
			var lost []string
			for _, c := range cols {
				if !t.expected(b.key, c) {
					lost = append(lost, c)
				}
			}
			if len(lost) > 0 {
				add("drop-column", b, fmt.Sprintf("drops column %s of %s: its value in every row is gone for good%s", strings.Join(lost, ", "), b.key, t.costs(b.key)))
			}
		}
	}
	// via names the prepared statement an EXECUTE runs, as the file
	// writes it ("" for a statement that writes by itself): the line
	// shows EXECUTE wipe, and the DELETE is in a PREPARE elsewhere, or in
	// code that ran one.
	via := ""
	wholeTable := func(v string, b rel) {
		verb := v + " with no WHERE"
		if via != "" {
			verb = "EXECUTE " + via + " runs a prepared " + v + " with no WHERE, which"
		}
		if v == "UPDATE" {
			add("whole-table-update", b, fmt.Sprintf("%s writes every row of %s in the migration's transaction, each row locked until commit%s", verb, b.key, t.costs(b.key)))
		} else {
			add("whole-table-delete", b, fmt.Sprintf("%s removes every row of %s%s", verb, b.key, t.costs(b.key)))
		}
	}
	// The tables a whole-table write through a name that is no table
	// known before the file (a view, auto-updatable or with INSTEAD
	// rules) wrote: those the statement scanned under ROW EXCLUSIVE or
	// stronger, taken by it (fresh: a table an earlier statement of the
	// file wrote or altered may be scanned by a subquery alone).
	through := func(v string, fresh bool) {
		for _, oid := range written(locked, held, locks, scanned, fresh) {
			if b := locked[oid]; t.hasRows(b.key) {
				wholeTable(v, b)
			}
		}
	}
	// A table an earlier statement wrote (a one-row UPDATE before the
	// view's whole-table one) is left out by through; one the view's own
	// rules read or write (its FROM, its INSTEAD rules' actions:
	// pg_depend) is the view's table, whatever held it before. At
	// 1e31445 an UPDATE users ... WHERE id = 1 before UPDATE users_v SET
	// ... (or a WITH clause's) passed the second. view: the view's oid,
	// asked only when such a table is there.
	viewTables := func(v string, view func() int64) {
		fresh := written(locked, held, locks, scanned, true)
		var more []int64
		for _, oid := range written(locked, held, locks, scanned, false) {
			if !slices.Contains(fresh, oid) {
				more = append(more, oid)
			}
		}
		if len(more) == 0 {
			return
		}
		if id := view(); id != 0 {
			for _, oid := range t.ruleTables(id, more) {
				if b := locked[oid]; t.hasRows(b.key) {
					wholeTable(v, b)
				}
			}
		}
	}
	if v, sch, name, where, ok := dmlTargetOf(ts); ok && !where {
		if _, b, ok := tg.table(locked, sch, name); ok {
			if t.hasRows(b.key) {
				wholeTable(v, b)
			}
		} else if _, _, ok := matchRel(before, sch, name); !ok && !(tg.known() && before[tg.oid].kind != "") && !(tg.known() && t.viewFilters(tg.oid)) {
			through(v, true)
			if tg.known() {
				viewTables(v, func() int64 { return tg.oid })
			}
		}
	}
	// An UPDATE or DELETE inside a WITH clause's expression runs as the
	// statement does: the locked table of its name that the statement
	// scanned under ROW EXCLUSIVE (one target is read by OID per
	// statement, its main one's), else the first of its name.
	for _, w := range cteWrites(ts) {
		if w.where {
			continue
		}
		if _, b, ok := matchWritten(locked, locks, scanned, w.sch, w.name); ok {
			if t.hasRows(b.key) {
				wholeTable(w.verb, b)
			}
		} else if _, _, ok := matchRel(before, w.sch, w.name); !ok && !t.viewFilters(t.regclass(w.sch, w.name)) {
			through(w.verb, true)
			viewTables(w.verb, func() int64 { return t.regclass(w.sch, w.name) })
		}
	}
	// An UPDATE or DELETE a DO block's body runs (doWrites): the table of
	// its name the block wrote (ROW EXCLUSIVE, scanned), else none; the
	// rows of the shadow's empty tables cannot tell it from a batch.
	// So is one a function it calls runs (calledWrites), and one an
	// EXECUTE builds at run time with its table left open (runTimeName):
	// every table the statement wrote.
	codeWrite := func(w cteWrite) {
		if w.where {
			return
		}
		// A schema given at run time, or a name given at run time in any
		// schema (format('UPDATE %I.%I ...', s, t), 'UPDATE public.' ||
		// t, 'UPDATE ' || s || '.users'), passed unread until review9b:
		// the tables of that name the statement wrote, or every one.
		if w.name == runTimeName || w.sch == runTimeName {
			for _, oid := range written(locked, held, locks, scanned, false) {
				if b := locked[oid]; (w.name == runTimeName || b.name == w.name) && t.hasRows(b.key) {
					wholeTable(w.verb, b)
				}
			}
			return
		}
		if oid, b, ok := matchWritten(locked, locks, scanned, w.sch, w.name); ok && scanned[oid] && strength(locks[oid]) >= strength("RowExclusiveLock") && t.hasRows(b.key) {
			wholeTable(w.verb, b)
		}
	}
	for _, w := range doWrites(ts) {
		codeWrite(w)
	}
	// Any statement's calls, not only a DO block's, a CALL's or a
	// query's: INSERT INTO audit VALUES (wipe_ages()), VALUES
	// (wipe_ages()) and an EXECUTE of PREPARE p AS SELECT wipe_ages()
	// (read by its prepared text) ran the function's whole-table UPDATE
	// with no finding (review9b).
	callers := ts
	if body, ok := t.executed(ts); ok {
		callers = body
	}
	if len(callers) > 0 && slices.ContainsFunc(written(locked, held, locks, scanned, false), func(oid int64) bool { return t.hasRows(locked[oid].key) }) {
		// The relations it wrote, scanned or not (INSERT INTO audit
		// scans none): their triggers' and defaults' functions run.
		var wrote []int64
		for oid, mode := range locks {
			if strength(mode) >= strength("RowExclusiveLock") {
				wrote = append(wrote, oid)
			}
		}
		for _, w := range t.calledWrites(callers, wrote) {
			codeWrite(w)
		}
	}
	// EXECUTE of a statement the session prepared (PREPARE name AS
	// UPDATE ...): judged by the prepared text, at the EXECUTE, which is
	// what writes; the PREPARE took its ROW EXCLUSIVE already.
	if body, ok := t.executed(ts); ok {
		via = output.Escape(ts[1].text)
		if v, sch, name, where, ok := dmlTargetOf(body); ok && !where {
			if _, b, ok := matchWritten(locked, locks, scanned, sch, name); ok {
				if t.hasRows(b.key) {
					wholeTable(v, b)
				}
			} else if _, _, ok := matchRel(before, sch, name); !ok && !t.viewFilters(t.regclass(sch, name)) {
				through(v, false)
			}
		}
		for _, w := range cteWrites(body) {
			if _, b, ok := matchWritten(locked, locks, scanned, w.sch, w.name); ok && !w.where && t.hasRows(b.key) {
				wholeTable(w.verb, b)
			}
		}
		via = ""
	}
	t.prepared(ts)
	if mode := lockTableModeOf(ts); strength(mode) >= strength("ShareLock") {
		var names []string
		var first rel
		for oid, b := range locked {
			if isTable(b.kind) && strength(locks[oid]) >= strength("ShareLock") {
				names = append(names, b.key)
				if first.key == "" || b.key < first.key {
					first = b
				}
			}
		}
		if len(names) > 0 {
			slices.Sort(names)
			add("lock-table", first, fmt.Sprintf("LOCK TABLE takes %s on %s: %s wait until the migration commits%s", mode, strings.Join(names, ", "), blocks(mode), t.costs(first.key)))
		}
	}
}

// calledWritesSQL is the bodies of the repository's functions and
// procedures (oid from FirstNormalObjectId on) of those names in
// PL/pgSQL or SQL, each as its source text: a SQL-standard body (BEGIN
// ATOMIC ... END, PostgreSQL 14 on), whose prosrc is empty, as the
// server prints it back after its BEGIN ATOMIC (pg_get_functiondef).
// With them ($2), the functions of the triggers and column defaults of
// the tables the statement wrote: INSERT INTO audit VALUES ('x') ran an
// audit trigger's, or a default's, UPDATE users SET age = 0 with no
// finding (review9b).
const calledWritesSQL = `SELECT CASE WHEN p.prosrc OPERATOR(pg_catalog.=) '' THEN coalesce(pg_catalog.substring(pg_catalog.pg_get_functiondef(p.oid), 'BEGIN ATOMIC(.*)$'), '') ELSE p.prosrc END FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang
	WHERE p.oid OPERATOR(pg_catalog.>=) '16384'::pg_catalog.oid AND (p.proname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.name[])
		OR p.oid OPERATOR(pg_catalog.=) ANY (SELECT g.tgfoid FROM pg_catalog.pg_trigger g WHERE g.tgrelid::pg_catalog.int8 OPERATOR(pg_catalog.=) ANY ($2::pg_catalog.int8[]) AND NOT g.tgisinternal)
		OR p.oid OPERATOR(pg_catalog.=) ANY (SELECT d.refobjid FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_attrdef a ON a.oid OPERATOR(pg_catalog.=) d.objid
			WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass AND a.adrelid::pg_catalog.int8 OPERATOR(pg_catalog.=) ANY ($2::pg_catalog.int8[])))
	AND l.lanname OPERATOR(pg_catalog.=) ANY ('{plpgsql,sql}'::pg_catalog.name[]) ORDER BY p.oid`

// calledWrites reads the UPDATE and DELETE statements the functions and
// procedures a statement calls run (a DO block's body; any other
// statement's text: a CALL, a query, INSERT ... VALUES (f())) (bodyWrites of
// their source, pg_proc.prosrc), and those of the functions they call,
// every call deep (maxCallDepth): DO $$ BEGIN PERFORM f(); END $$, with f() running
// UPDATE users SET ..., wrote every row with no finding at 4596c8b (only
// the block's own text was read, and the shadow's empty tables cannot
// tell a whole-table write from a batch). Asked by the trace only when
// the statement wrote a live table with rows; a function of every
// overload of the name is read (the call's arguments are not typed here).
// A SQL-standard body (BEGIN ATOMIC: prosrc empty) is read as the server
// prints it (it passed unread before review9b); a function of another
// language is not read.
// maxCallDepth bounds calledWrites' catalog queries, one a call depth;
// the names read are bounded by the repository's functions anyway.
const maxCallDepth = 64

func (t *tracer) calledWrites(ts []tok, tables []int64) []cteWrite {
	if len(ts) == 0 {
		return nil
	}
	if tables == nil {
		tables = []int64{}
	}
	from := ts
	if body, ok := doBody(ts); ok {
		from = tokens(body)
	}
	names := calls(from)
	seen := map[string]bool{}
	var out []cteWrite
	// Until no name is new (each is read once, so a recursion ends), up
	// to maxCallDepth: at four, a fifth wrapper (f1 calls f2 ... calls f5,
	// which writes) hid the write (review9b).
	if names == nil {
		names = []string{}
	}
	for depth := 0; depth < maxCallDepth && (len(names) > 0 || len(tables) > 0); depth++ {
		for _, n := range names {
			seen[n] = true
		}
		t.lookups++
		rows, err := t.conn.Query(context.Background(), calledWritesSQL, names, tables)
		tables = []int64{} // the statement's own tables, at its depth only
		if err != nil {
			return out
		}
		var next []string
		for rows.Next() {
			var src string
			if rows.Scan(&src) != nil {
				continue
			}
			body := tokens(src)
			out = append(out, bodyWrites(body, 0)...)
			for _, n := range calls(body) {
				if !seen[n] && !slices.Contains(next, n) {
					next = append(next, n)
				}
			}
		}
		rows.Close()
		names = next
		if names == nil {
			names = []string{}
		}
	}
	return out
}

// hasRows reports whether a table may hold rows live: its estimate is
// above zero, or unknown (never analyzed, or created by an earlier pending
// migration).
func (t *tracer) hasRows(key string) bool {
	s, ok := t.live.sizes[key]
	return !ok || s.Rows == nil || *s.Rows > 0
}

// expected reports whether expect: lists a column of a table.
func (t *tracer) expected(key, col string) bool {
	for _, e := range t.cfg.Expectations {
		sch := e.Schema
		if sch == "" && len(t.cfg.Schema.Schemas) > 0 {
			sch = t.cfg.Schema.Schemas[0]
		}
		if schema.Key(sch, e.Name) != key {
			continue
		}
		for _, c := range e.Columns {
			if strings.EqualFold(c.Name, col) {
				return true
			}
		}
	}
	return false
}

// constraintTable finds the locked, pre-existing table a constraint of
// that name is on. Its read runs in the files' session: named in
// pg_catalog, like relationsSQL.
func (t *tracer) constraintTable(name string, locked map[int64]rel) (int64, rel, bool) {
	return t.lockedTable("SELECT k.conrelid::pg_catalog.int8 FROM pg_catalog.pg_constraint k WHERE k.conname OPERATOR(pg_catalog.=) $1::pg_catalog.name", locked, name)
}

// partitionConstraintTable finds the locked, pre-existing table a
// constraint of that name is on among the partitions of the relation of
// OID parent, at any depth: a foreign key added to a partitioned table the
// file made is added to, and validated on, a live table the file attached
// to it. 7ab1d57 reported that scan by the constraint's table; the OID
// read took it for the new table's own and dropped it (s13-review6c).
func (t *tracer) partitionConstraintTable(name string, parent int64, locked map[int64]rel) (int64, rel, bool) {
	return t.lockedTable(`SELECT k.conrelid::pg_catalog.int8 FROM pg_catalog.pg_constraint k WHERE k.conname OPERATOR(pg_catalog.=) $1::pg_catalog.name
		AND EXISTS (SELECT FROM pg_catalog.pg_partition_ancestors(k.conrelid) a WHERE a.relid::pg_catalog.int8 OPERATOR(pg_catalog.=) $2::pg_catalog.int8)`, locked, name, parent)
}

// lockedTable is the table of locked with the lowest oid among the
// relation ids query returns for its arguments (the server returns them
// in no set order: an index or constraint name can be in two schemas).
func (t *tracer) lockedTable(query string, locked map[int64]rel, args ...any) (int64, rel, bool) {
	t.lookups++
	rows, err := t.conn.Query(context.Background(), query, args...)
	if err != nil {
		return 0, rel{}, false
	}
	defer rows.Close()
	found := int64(-1)
	for rows.Next() {
		var oid int64
		if rows.Scan(&oid) == nil {
			if b, ok := locked[oid]; ok && isTable(b.kind) && (found < 0 || oid < found) {
				found = oid
			}
		}
	}
	if found < 0 {
		return 0, rel{}, false
	}
	return found, locked[found], true
}

// builtOn finds the locked, pre-existing table an index build's message
// ("building index "index" on table "table"") is about. The message names
// both without their schema, so the name alone would take a live
// public.users for the s2.users a CREATE TABLE s2.users (id bigserial
// PRIMARY KEY) builds users_pkey on. The index is found by OID instead:
// the index the statement built is among the relations it made (made: the
// new relations in its locks read that no earlier read of the file held; a
// new relation stays locked until commit, and one made by a later
// statement is not locked yet), and its table is pg_index.indrelid, named
// in the message as it is named now (a table the file renamed is known
// before by its old name). When one of those is the index, the finding is
// its table's, or none when that table is new too. When none is (read
// after the whole file, the index was dropped or renamed since), the
// table is found by name, as before, and a name no locked table has by
// the index's name (indexTable): a preview errs towards reporting. No
// query is made for a build on a table no locked table is named like when
// the statement holds no live table as a build does, or when nothing in
// the trace can have renamed a relation since the relations were read
// (mayRename): plan135's builds with a foreign key to the live table the
// file altered, which holds it in ACCESS EXCLUSIVE mode through the builds
// (docs/performance.md, round 11; plan135's own builds are quiet and send
// no message).
func (t *tracer) builtOn(index, table string, locked map[int64]rel, locks map[int64]string, made []int64) (int64, rel, bool) {
	oid, b, ok := named(locked, table)
	if !ok && (!t.renames || !sharesLocked(locked, locks)) {
		// No locked table has the name, and none can have been renamed
		// onto it since the relations were read (mayRename): the build
		// is on a table the file made.
		return oid, b, ok
	}
	if len(made) > 0 {
		t.lookups++
		rows, err := t.conn.Query(context.Background(), `SELECT i.indrelid::pg_catalog.int8, tc.relname::pg_catalog.text FROM pg_catalog.pg_index i
		JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indexrelid JOIN pg_catalog.pg_class tc ON tc.oid OPERATOR(pg_catalog.=) i.indrelid
		WHERE c.relname OPERATOR(pg_catalog.=) $1::pg_catalog.name AND c.oid::pg_catalog.int8 OPERATOR(pg_catalog.=) ANY ($2::pg_catalog.int8[])`, index, made)
		if err == nil {
			found := false
			var best int64
			for rows.Next() {
				var tab int64
				var now string
				if rows.Scan(&tab, &now) != nil {
					continue
				}
				found = true
				if r, ok := locked[tab]; ok && (now == table || r.name == table) && (best == 0 || tab < best) {
					best = tab
				}
			}
			rows.Close()
			if rows.Err() == nil && found {
				return best, locked[best], best != 0
			}
		}
	}
	if ok {
		return oid, b, ok
	}
	// A table renamed earlier in the file: the message names it as it is
	// now, before holds its old name.
	return t.indexTable(index, locked)
}

// unseenBuilds reports the index builds on a table known before the file
// that a statement made without the server's message for them: code can
// lower client_min_messages, build an index and raise the level again
// before the locks read looks at it (a DO block's set_config under a
// built name, a function's SET LOCAL, a function of the live version's
// whose SET clause lowers it, which is only a note), and the plan passed
// that blocking build (7ab1d57 and 4587ec5, s13-review6c). The new
// indexes are among the relations the statement made (made: a new
// relation is locked until commit); each whose table existed before the file, was not
// rewritten by the statement, and is not an index that keeps an old
// index's storage (ALTER COLUMN TYPE's rebuilt indexes, which are no
// build) is a build the server had to announce: one no "building index"
// message names, by index and table, is reported as the message would
// have been. Only where code can run (codeFree false). The indexes come
// from the batch's read of what changed (known), which holds every new
// relation with its kind and table, so a batch asks nothing more; a file
// traced one statement at a time (its own BEGIN/COMMIT, or a batch that
// failed) asks pg_index once per statement that made relations.
func (t *tracer) unseenBuilds(f pendingFile, st sqlscan.Statement, before map[int64]rel, locks map[int64]string, rewritten map[int64]bool, made []int64, notices []string, known map[int64]newIndex) {
	if len(st.Words) > 0 && st.Words[0] == "REINDEX" {
		return
	}
	seen := map[[2]string]bool{}
	for _, n := range notices {
		if m := buildingRE.FindStringSubmatch(n); m != nil {
			seen[[2]string{m[1], m[2]}] = true
		}
	}
	var builds []newIndex
	if known != nil {
		// The batch's read of what changed holds them: no query.
		for _, oid := range made {
			if b, ok := known[oid]; ok {
				builds = append(builds, b)
			}
		}
	} else {
		t.lookups++
		rows, err := t.conn.Query(context.Background(), `SELECT i.indrelid::pg_catalog.int8, c.relname::pg_catalog.text, c.relfilenode::pg_catalog.int8, tc.relname::pg_catalog.text
		FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indexrelid JOIN pg_catalog.pg_class tc ON tc.oid OPERATOR(pg_catalog.=) i.indrelid
		WHERE c.relkind OPERATOR(pg_catalog.=) 'i'::pg_catalog."char" AND c.oid::pg_catalog.int8 OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.int8[])
		ORDER BY c.oid`, made)
		if err != nil {
			return
		}
		for rows.Next() {
			var b newIndex
			if rows.Scan(&b.table, &b.index, &b.node, &b.on) == nil {
				builds = append(builds, b)
			}
		}
		rows.Close()
	}
	if len(builds) == 0 {
		return
	}
	nodes := map[int64]bool{}
	for _, r := range before {
		nodes[r.filenode] = true
	}
	for _, b := range builds {
		tb, ok := before[b.table]
		if !ok || !isTable(tb.kind) || locks[b.table] == "" || rewritten[b.table] || nodes[b.node] || seen[[2]string{b.index, b.on}] {
			continue
		}
		if slices.ContainsFunc(t.report.Findings, func(x Finding) bool {
			return x.Rule == "index-not-concurrent" && x.File == f.path && x.Line == st.Line && x.Relation == tb.key
		}) {
			continue
		}
		t.add(Finding{Rule: "index-not-concurrent", File: f.path, Line: st.Line, Relation: tb.key, Size: t.size(tb.key),
			Message: fmt.Sprintf("builds index %s on %s without CONCURRENTLY, holding %s: %s wait for the whole build%s; the server sent no message for this build (the message level was lowered while the statement ran), the plan found the new index", b.index, tb.key, locks[b.table], blocks(locks[b.table]), t.costs(tb.key))})
	}
}

// newIndex is an index a file made: its table, its name and its table's
// as they are at the end of the file (or after it), its relfilenode.
type newIndex struct {
	table     int64
	index, on string
	node      int64
}

// newIndexes picks, from the rows of the read of what changed
// (changedSQL), the indexes a file made (kind i, an oid not in before),
// with their tables' names from the same rows or before.
func newIndexes(rows [][][]byte, before map[int64]rel) map[int64]newIndex {
	names := map[int64]string{}
	out := map[int64]newIndex{}
	for _, row := range rows {
		if len(row) != 6 || row[1] == nil {
			continue
		}
		oid, err := strconv.ParseInt(string(row[0]), 10, 64)
		if err != nil {
			continue
		}
		switch string(row[2]) {
		case "N", "D", "L":
			continue
		case "i":
			if _, ok := before[oid]; !ok {
				node, _ := strconv.ParseInt(string(row[1]), 10, 64)
				table, _ := strconv.ParseInt(string(row[5]), 10, 64)
				out[oid] = newIndex{table: table, index: string(row[4]), node: node}
			}
		}
		names[oid] = string(row[4])
	}
	for oid, b := range out {
		if n, ok := names[b.table]; ok {
			b.on = n
		} else {
			b.on = before[b.table].name
		}
		out[oid] = b
	}
	return out
}

// sharesLocked reports whether a table of locked is held in SHARE mode or
// stronger, as an index build holds its table.
func sharesLocked(locked map[int64]rel, locks map[int64]string) bool {
	for oid, b := range locked {
		if isTable(b.kind) && strength(locks[oid]) >= strength("ShareLock") {
			return true
		}
	}
	return false
}

// indexTable finds the locked, pre-existing table an index of that name
// is on, as constraintTable does for a constraint.
func (t *tracer) indexTable(name string, locked map[int64]rel) (int64, rel, bool) {
	return t.lockedTable("SELECT i.indrelid::pg_catalog.int8 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indexrelid WHERE c.relname OPERATOR(pg_catalog.=) $1::pg_catalog.name", locked, name)
}

// regclass is the oid the name resolves to in the shadow session now
// (pg_catalog.to_regclass: no lock, no code of the file's), or 0.
func (t *tracer) regclass(sch, name string) int64 {
	t.lookups++
	id := pgx.Identifier{name}
	if sch != "" {
		id = pgx.Identifier{sch, name}
	}
	var oid int64
	if t.conn.QueryRow(context.Background(), `SELECT coalesce(pg_catalog.to_regclass($1::pg_catalog.text)::pg_catalog.oid::pg_catalog.int8, 0::pg_catalog.int8)`, id.Sanitize()).Scan(&oid) != nil {
		return 0
	}
	return oid
}

// viewFilters reports whether a write through the view of that oid
// reaches only the rows its definition's WHERE selects: a view with one
// relation in its FROM and a WHERE (CREATE VIEW v AS SELECT * FROM t
// WHERE active), or with none over such a view, down to its table, and
// no rule but its _RETURN nor trigger on any view of the chain (a WHERE
// above a view whose INSTEAD rule writes the whole table filters
// nothing). An INSTEAD rule's action or an
// INSTEAD OF trigger writes what it names, whatever the view selects:
// such a view, a join, or anything read otherwise does not filter. An
// UPDATE or DELETE through a filtering view with no WHERE of its own is
// no whole-table write (before: a false whole-table-update).
func (t *tracer) viewFilters(oid int64) bool {
	filtered := false
	for depth := 0; oid != 0 && depth < 16; depth++ {
		t.lookups++
		var kind, action string
		var others int64
		var from []int64
		err := t.conn.QueryRow(context.Background(), `SELECT c.relkind::pg_catalog.text,
	coalesce((SELECT r.ev_action::pg_catalog.text FROM pg_catalog.pg_rewrite r WHERE r.ev_class OPERATOR(pg_catalog.=) c.oid AND r.rulename OPERATOR(pg_catalog.=) '_RETURN'::pg_catalog.name), ''::pg_catalog.text),
	(SELECT pg_catalog.count(*) FROM pg_catalog.pg_rewrite r WHERE r.ev_class OPERATOR(pg_catalog.=) c.oid AND r.rulename OPERATOR(pg_catalog.<>) '_RETURN'::pg_catalog.name) OPERATOR(pg_catalog.+)
	(SELECT pg_catalog.count(*) FROM pg_catalog.pg_trigger g WHERE g.tgrelid OPERATOR(pg_catalog.=) c.oid),
	coalesce((SELECT pg_catalog.array_agg(DISTINCT d.refobjid::pg_catalog.int8) FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid OPERATOR(pg_catalog.=) d.objid
		WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
		AND r.ev_class OPERATOR(pg_catalog.=) c.oid AND r.rulename OPERATOR(pg_catalog.=) '_RETURN'::pg_catalog.name AND d.refobjid OPERATOR(pg_catalog.<>) c.oid), '{}'::pg_catalog.int8[])
	FROM pg_catalog.pg_class c WHERE c.oid::pg_catalog.int8 OPERATOR(pg_catalog.=) $1::pg_catalog.int8`, oid).Scan(&kind, &action, &others, &from)
		if err == nil && kind != "v" && filtered {
			return true // the table under a view that filters
		}
		if err != nil || kind != "v" || others != 0 {
			return false
		}
		base, quals, ok := viewBase(action)
		if !ok || !slices.Contains(from, base) {
			return false
		}
		filtered = filtered || quals.selects()
		oid = base // the view below: its own rules would write past the WHERE
	}
	return false
}

// A view's WHERE filters when qnode.selects says so. A WHERE that reads
// no column is the same for every row: CREATE VIEW v AS SELECT * FROM
// users WHERE true (or 1 = 1, or now() IS NOT NULL) writes every row
// through UPDATE v, and was no whole-table-update (s15-review8a); nor was
// one that reads a column and holds for every row (WHERE id = id,
// coalesce(x, 0) = coalesce(x, 0), x IS NULL OR x IS NOT NULL, x < 1 OR
// x >= 1) at 4596c8b: a Var anywhere counted as a filter. An OR, or only
// IS NOT NULL, is taken for no filter (review8g), as for a statement's
// own WHERE (alwaysTrue): the rule errs toward the finding.

// ruleTables is those of oids (by oid) that the rules of the view (or
// table with rules) rel depend on: the relations its definition and its
// INSTEAD rules' actions name.
func (t *tracer) ruleTables(view int64, oids []int64) []int64 {
	t.lookups++
	rows, err := t.conn.Query(context.Background(), `SELECT DISTINCT d.refobjid::pg_catalog.int8 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid OPERATOR(pg_catalog.=) d.objid
	WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
	AND r.ev_class::pg_catalog.int8 OPERATOR(pg_catalog.=) $1::pg_catalog.int8 AND d.refobjid::pg_catalog.int8 OPERATOR(pg_catalog.=) ANY ($2::pg_catalog.int8[]) ORDER BY 1`, view, oids)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var oid int64
		if rows.Scan(&oid) == nil {
			out = append(out, oid)
		}
	}
	return out
}

// scannedNamed is the locked relation a server message names: the one
// of that name whose scans grew in the statement (scanned), when one
// did; else the first of that name by oid. The message gives no schema,
// and a table of the name in another schema (locked, not scanned) is not
// the one the server checked.
func scannedNamed(locked map[int64]rel, name string, scanned map[int64]bool) (int64, rel, bool) {
	found := int64(-1)
	for _, oid := range slices.Sorted(maps.Keys(locked)) {
		if locked[oid].name != name {
			continue
		}
		if scanned[oid] {
			return oid, locked[oid], true
		}
		if found < 0 {
			found = oid
		}
	}
	if found < 0 {
		return 0, rel{}, false
	}
	return found, locked[found], true
}

// named is the relation of rels of that name with the lowest oid: the
// same one on every run (Go's maps are walked in a random order, and a
// name can be a table's in two schemas, or a table's and a view's).
func named(rels map[int64]rel, name string) (int64, rel, bool) {
	found := int64(-1)
	for oid, r := range rels {
		if r.name == name && (found < 0 || oid < found) {
			found = oid
		}
	}
	if found < 0 {
		return 0, rel{}, false
	}
	return found, rels[found], true
}

func tableKey(before map[int64]rel, b rel) string {
	if b.kind == "i" {
		return before[b.table].key
	}
	return b.key
}

// lineMentioning is the line of the first statement that names the first
// of names any statement names, else the file's first statement that is
// not transaction control.
func lineMentioning(sh sqlscan.Shape, names ...string) int {
	for _, name := range names {
		for _, st := range sh.Statements {
			if !st.Control() && strings.Contains(strings.ToLower(stripComments(st.Text)), strings.ToLower(name)) {
				return st.Line
			}
		}
	}
	for _, st := range sh.Statements {
		if !st.Control() {
			return st.Line
		}
	}
	return firstLine(sh)
}

// stripComments drops -- and /* */ comments, for matching a statement's
// words (quotes are rare enough in DDL to be ignored).
func stripComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			b.WriteByte('\n')
		case s[i] == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			i += end + 3
			b.WriteByte(' ')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func isTable(kind string) bool { return kind == "r" || kind == "p" || kind == "m" }

// strength orders lock modes from weakest to strongest.
func strength(mode string) int {
	return slices.Index([]string{"AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
		"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"}, mode) + 1
}

// blocks says what an application's queries cannot do while mode is held:
// SELECT takes ACCESS SHARE, INSERT/UPDATE/DELETE take ROW EXCLUSIVE.
func blocks(mode string) string {
	switch {
	case mode == "AccessExclusiveLock":
		return "reads and writes"
	case strength(mode) >= strength("ShareLock"):
		return "writes"
	}
	return "nothing"
}

func strongest(now map[int64]string, before map[int64]rel, keys []string) string {
	best := ""
	for oid, mode := range now {
		if slices.Contains(keys, before[oid].key) && strength(mode) > strength(best) {
			best = mode
		}
	}
	return best
}

func (t *tracer) lock(key, mode string) Lock {
	return Lock{Relation: key, Mode: mode, Blocks: blocks(mode), Size: t.size(key)}
}

func (t *tracer) size(key string) Size { return t.live.sizes[key] }

// costs says how big the live table is, for a finding's message.
func (t *tracer) costs(key string) string {
	s, ok := t.live.sizes[key]
	if !ok {
		return " (created by an earlier pending migration: live size unknown)"
	}
	return " (live: " + s.Text() + ")"
}

// Text is "~12,000 rows, 1.2 MB".
func (s Size) Text() string {
	rows := "row count unknown (never analyzed)"
	if s.Rows != nil {
		rows = "~" + verify.Thousands(*s.Rows) + " rows"
	}
	if s.Bytes == nil {
		return rows
	}
	return rows + ", " + bytesText(*s.Bytes)
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func (t *tracer) add(f Finding) {
	r, _ := RuleByID(f.Rule)
	f.Why, f.Fix, f.Severity = r.Why, r.Fix, r.Severity
	t.report.Findings = append(t.report.Findings, f)
}

// expectDiffs checks the shadow against expect:, keyed by what differs;
// false when the check cannot run yet (a type a later migration creates).
func (t *tracer) expectDiffs(ctx context.Context) (map[string]schema.Difference, bool) {
	file := t.cfg.Path
	if file == "" {
		file = config.FileName
	}
	file = output.RelPath(file)
	types, err := schema.Canonicalize(ctx, t.conn, file, t.cfg.Expectations)
	if err != nil {
		return nil, false
	}
	s, _, _, err := verify.Introspect(ctx, t.conn, t.cfg)
	if err != nil {
		return nil, false
	}
	out := map[string]schema.Difference{}
	for _, d := range schema.CheckExpect(file, t.cfg.Expectations, types, t.cfg.Schema.Schemas[0], s) {
		out[d.Object+"\x00"+d.Kind+"\x00"+d.Expected] = d
	}
	return out, true
}

// expectBroken reports an expect: difference a file introduced.
func (t *tracer) expectBroken(f pendingFile, d schema.Difference) {
	col := d.Object[strings.LastIndexByte(d.Object, '.')+1:]
	rel := d.Object
	if i := strings.LastIndexByte(d.Object, '.'); i > 0 {
		rel = d.Object[:i]
	}
	t.add(Finding{Rule: "expect-broken", File: f.path, Line: lineMentioning(f.shape, col), Relation: rel, Size: t.size(rel),
		Message: fmt.Sprintf("breaks the contract: after it, %s (expect: at %s:%d)", strings.Replace(d.Message, " in live database", "", 1), d.File, d.Line)})
}

// mentionsExpected reports whether a file's text names an expected table:
// only then can it break the contract, and only then is it checked.
func mentionsExpected(text string, tables []config.ExpectTable) bool {
	low := strings.ToLower(text)
	for _, t := range tables {
		if strings.Contains(low, strings.ToLower(t.Name)) {
			return true
		}
	}
	return false
}
