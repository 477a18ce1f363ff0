// Package migrate runs golang-migrate (pgx/v5 database driver, file source)
// with the guard rails raw migration tools lack: a lock wait the server
// enforces, dirty state reported with the failed file and the fix, a failing
// statement shown with its file:line (and no more of the file than a line),
// a recorded version whose file is gone and a file that is a link, not UTF-8
// or holds a NUL caught before anything runs, a status that reads the state
// beside a run in progress instead of waiting for its lock, and Ctrl-C that
// stops after the migration in flight.
package migrate

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	gomigrate "github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	pgxdriver "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/safefile"
	"github.com/dbguard/dbguard/internal/sqlscan"
)

// Options says what to migrate and how.
type Options struct {
	Connect          pg.ConnectOptions
	Dir              string // the migrations folder
	Table            string // the version table; default schema_migrations
	LockTimeout      time.Duration
	StatementTimeout time.Duration
	Log              io.Writer // one line per migration applied; nil for none
	// Ledger is dbguard's history table beside the version table; default
	// config.LedgerTableFor(Table).
	Ledger string
	// Tool is dbguard's version, recorded in the ledger.
	Tool string
	// AllowOutOfOrder lets up apply migrations merged below the recorded
	// version (golang-migrate would skip them forever).
	AllowOutOfOrder bool
}

// Runner is an open migration session on one database.
type Runner struct {
	o     Options
	src   *Source
	root  *os.Root // the migrations folder: nothing read through it leaves it
	dir   *os.File // the same folder, for readAt; nil where there is none
	dirfd int      // dir's descriptor
	db    *sql.DB
	// borrowed: db is a session the caller shares (pg.Session) and
	// closes; Close leaves it open.
	borrowed bool
	// settings are the database's and role's settings the session started
	// with (pg.SettingsSQL), for Session's check that it is as new.
	settings *string
	// libraries is how many settings the migrations' session knew before
	// the first file ran on it (pg.LibrariesSQL), for Session's check that
	// no library was loaded since; -1 until then.
	libraries int64
	target    string
	schema    string // current_schema(), where golang-migrate keeps its table
	key       string // golang-migrate's advisory lock key
	reset     string // restores lock_timeout once the lock is held
	// holderWait bounds the read of who holds the migration lock (3 s;
	// a test shortens it).
	holderWait time.Duration

	// golang-migrate, set up by the first command that changes something:
	// its driver takes the migration lock just to create its table, and
	// reading the state (status, version) must not wait for a migration
	// that is running.
	inner *session
	drv   *lockingDriver
	m     *gomigrate.Migrate

	ledger *ledger
	files  map[string]fileInfo // what checkFiles read: checksum and shape
	ahead  *ahead              // the up files' checksums, read beside the connection's start
	// checked holds the bytes checkFiles read, which golang-migrate is
	// given to run (checkedSource), up to maxChecked in all.
	checked checkedFiles
	clean   int     // the version before the migration in flight
	flight  *flight // the migration in flight, as the ledger has it
	fold    *folded // its start, held back for its file's round trip
	done    *int    // the version its file's round trip recorded clean
}

// flight is the ledger entry of the migration running now.
type flight struct {
	id    int64
	entry Entry
	open  bool // dbguard's transaction for the file is open
	// merged: the file's transaction also records it done (finishSQL).
	merged bool
	// committed: the file's transaction committed, and recording the
	// version after it failed.
	committed bool
}

// Open checks the migrations folder and connects. The folder is checked
// first, so a bad file costs no connection. It takes no lock: status and
// version read the state beside a run in progress.
func Open(ctx context.Context, o Options) (*Runner, error) {
	src, err := Scan(o.Dir)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(o.Dir)
	if err != nil {
		return nil, &SourceError{Path: o.Dir, Msg: fmt.Sprintf("cannot read the migrations folder: %v", err), Fix: "check the folder's permissions"}
	}
	if o.Table == "" {
		o.Table = pgxdriver.DefaultMigrationsTable
	}
	if o.Ledger == "" {
		o.Ledger = config.LedgerTableFor(o.Table)
	}
	// A session the caller shares (a read-only status: plan, ci, doctor)
	// is used as it is: no connection of its own. The lock, if taken on
	// it, sets its lock_timeout itself (lockingDriver.Lock).
	db, injected := o.Connect.SharedDB(), false
	borrowed := db != nil
	o.Connect.LockTimeout = o.LockTimeout
	r := &Runner{o: o, src: src, root: root, borrowed: borrowed, target: pg.Target(o.Connect.URL), reset: "SET lock_timeout TO DEFAULT", libraries: -1, holderWait: 3 * time.Second}
	if canReadAt {
		if r.dir, _ = root.Open("."); r.dir != nil {
			r.dirfd = int(r.dir.Fd())
		}
	}
	// The applied files' checksums are read while the client waits on
	// the network (ahead).
	r.ahead = sumAhead(src, r.readAhead)
	if !borrowed {
		db, injected, err = pg.Connect(ctx, o.Connect)
		if err != nil {
			r.closeFolder()
			return nil, err
		}
	}
	r.db = db
	if injected {
		r.reset = "SET lock_timeout = 0" // the injected value was only for the lock
	}
	var dbName string
	// One round trip each (no statement prepared first), here and in
	// Version: the no-op path is counted in round trips. The lock's key
	// comes from pg_catalog's current_database(): a migration's own, put
	// first in search_path, could give every run a key of its own.
	// The settings come in the same round trip, for Session.
	if err := db.QueryRowContext(ctx, "SELECT pg_catalog.current_database(), pg_catalog.current_schema(), ("+pg.SettingsSQL+")", pgx.QueryExecModeSimpleProtocol).Scan(&dbName, &r.schema, &r.settings); err != nil {
		r.Close()
		return nil, err
	}
	r.key, _ = database.GenerateAdvisoryLockId(dbName, r.schema, o.Table)
	r.ledger = newLedger(db, r.schema, o.Ledger, o.Tool)
	r.ledger.expect = len(src.Migrations) + 1
	// Sized for every file: each run checksums every applied one.
	r.files = make(map[string]fileInfo, len(src.Migrations))
	return r, nil
}

// migrator sets up golang-migrate on first use. Its driver creates the
// version table under the migration lock, so this can wait for the lock
// (bounded by lock_timeout).
func (r *Runner) migrator() error {
	if r.m != nil {
		return nil
	}
	inner, err := newSession(context.Background(), r.db, r.versionTable(), r.o.StatementTimeout)
	if err != nil {
		return r.explain(err, "")
	}
	r.inner = inner
	r.ledger.db = inner.conn // one connection: the one holding the lock
	drv := &lockingDriver{Driver: inner, r: r, key: r.key, timeout: r.o.LockTimeout, reset: r.reset, none: r.o.Connect.SimpleProtocol || pg.Pooled(r.db)}
	// No reset of lock_timeout here: every caller takes the lock next, in
	// the same round trip that resets it.
	m, err := gomigrate.NewWithInstance("dbguard", checkedSource{r}, "pgx5", drv)
	if err != nil {
		return err
	}
	// The server enforces the lock wait; the client-side timer is only a
	// backstop in case the server's answer never comes.
	m.LockTimeout = 24 * time.Hour
	if r.o.LockTimeout > 0 {
		m.LockTimeout = r.o.LockTimeout + 10*time.Second
	}
	if r.o.Log != nil {
		m.Log = logger{r.o.Log, drv}
	}
	r.drv, r.m = drv, m
	return nil
}

// Session shares the runner's connection with the steps after its work
// (the schema check after a migration), as options co points them (the
// runner's own URL): the connection that held the lock serves as a new one
// would. Before its first use it is reset (pg.Renew: what a migration file
// set, SET ROLE, temporary tables, advisory locks); when that cannot make
// it as new (a transaction left open, ALTER DATABASE or ALTER ROLE ... SET
// run since it started), each step connects anew. Use it before Close.
func (r *Runner) Session(co pg.ConnectOptions) *pg.Session {
	if r.inner == nil {
		// Nothing ran on it but dbguard's own reads.
		return pg.Share(r.db, co)
	}
	with := func(ctx context.Context, f func(*pgx.Conn) error) error {
		return r.inner.conn.Raw(func(dc any) error { return f(dc.(*stdlib.Conn).Conn()) })
	}
	return pg.ShareConn(co, with, func(ctx context.Context, conn *pgx.Conn) (bool, error) {
		return pg.Renew(ctx, conn, r.settings, r.libraries)
	})
}

// Close ends the session.
func (r *Runner) Close() error {
	var err error
	switch {
	case r.borrowed:
		if r.inner != nil {
			err = r.inner.conn.Close() // back to its owner's handle
		}
	case r.m != nil:
		srcErr, dbErr := r.m.Close() // the driver closes r.db
		err = errors.Join(srcErr, dbErr)
	case r.inner != nil:
		err = r.inner.Close()
	default:
		err = r.db.Close()
	}
	return errors.Join(err, r.closeFolder())
}

// closeFolder stops the reading ahead and closes the folder.
func (r *Runner) closeFolder() error {
	r.ahead.stop()
	var err error
	if r.dir != nil {
		err = r.dir.Close()
	}
	return errors.Join(err, r.root.Close())
}

// read reads a migration of the folder: readAt where it can (the name is
// one plain component, as every name Scan lists is, and not a link), else
// readFile, which it agrees with.
func (r *Runner) read(name string) ([]byte, error) {
	if r.fast(name) {
		data, err := readAt(r.dirfd, name)
		if !errors.Is(err, errLink) {
			return data, err
		}
	}
	return readFile(r.root, name)
}

// aheadMaxBytes is the largest file ahead reads: a larger one is left to
// the read under the lock if it is applied, and to checkFiles if it is
// pending. Before, every command that opened a runner read and summed a
// pending file of any size while it connected, before the version said it
// was pending: 0.36 s of CPU for migrate version beside a 100 MiB file
// (docs/performance.md, round 12). plan.max_file_size's default.
const aheadMaxBytes = 4 << 20

// readAhead is read for ahead: a file over aheadMaxBytes is not read
// (errLarge; ahead leaves its checksum empty), through the root too (a
// link, or no readAt: every system but Linux), where it was read whole.
func (r *Runner) readAhead(name string) ([]byte, error) {
	if r.fast(name) {
		data, err := readAtUpTo(r.dirfd, name, aheadMaxBytes)
		if !errors.Is(err, errLink) {
			return data, err
		}
	}
	data, err := readFileMax(r.root, name, aheadMaxBytes)
	if tl := (*safefile.TooLargeError)(nil); errors.As(err, &tl) {
		return nil, errLarge
	}
	return data, err
}

// fast says whether name can be read with readAt.
func (r *Runner) fast(name string) bool {
	return r.dir != nil && name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\x00")
}

// Source returns the checked migrations folder.
func (r *Runner) Source() *Source { return r.src }

func init() {
	// golang-migrate reads ahead up to 10 files with a 100 KB buffer each,
	// allocated and cleared per file: for 300 small files, a tenth of
	// migrate up's CPU. The file streams on through its pipe past the
	// buffer, so a small one reads ahead the same files, less of each.
	gomigrate.DefaultBufferSize = 8 << 10
}

// logger prints golang-migrate's line for each migration applied, with
// the migration's own time: from its start (marked dirty) to the end of its
// file, the span the ledger records (plus a round trip). golang-migrate's counts from when it finished
// reading the file ahead, so it includes the migrations before it
// (39 ms for a file the ledger recorded at 2 ms).
type logger struct {
	w   io.Writer
	drv *lockingDriver
}

func (l logger) Printf(format string, v ...any) {
	if format == "%v (%v)\n" && len(v) == 2 && l.drv.ran > 0 {
		v = []any{v[0], l.drv.ran.Round(time.Microsecond)}
	}
	fmt.Fprintf(l.w, "dbguard: migrated "+format, v...)
}
func (l logger) Verbose() bool { return false }

// Version returns the recorded version (-1 for none) and whether it is
// dirty. It reads the version table without the lock, as golang-migrate's
// driver does, so it also sees a migration that is running.
func (r *Runner) Version() (int, bool, error) {
	if r.drv != nil {
		v, dirty, err := r.drv.Version()
		if err != nil {
			return 0, false, r.explain(err, "")
		}
		return v, dirty, nil
	}
	var v int
	var dirty bool
	err := r.db.QueryRow("SELECT version, dirty FROM "+r.versionTable()+" LIMIT 1", pgx.QueryExecModeSimpleProtocol).Scan(&v, &dirty)
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, sql.ErrNoRows), errors.As(err, &pgErr) && pgErr.Code == "42P01": // no table yet
		return -1, false, nil
	case err != nil:
		return 0, false, r.explain(err, "")
	}
	return v, dirty, nil
}

// versionTable is golang-migrate's table, quoted.
func (r *Runner) versionTable() string { return pgx.Identifier{r.schema, r.o.Table}.Sanitize() }

// check refuses to work on a database whose recorded version has no file,
// before golang-migrate runs and fails less helpfully. (Dirty state is
// golang-migrate's to find.)
func (r *Runner) check() (int, error) {
	v, _, err := r.Version()
	if err != nil {
		return 0, err
	}
	r.ahead.upTo(v)
	if v >= 0 {
		if _, ok := r.src.Get(uint(v)); !ok {
			return 0, &MissingVersionError{Version: v, Dir: r.src.Dir, Below: r.src.Prev(uint(v))}
		}
	}
	return v, nil
}

// dirtyError explains a dirty version with the ledger's record of the
// migration in flight, when it has one.
func (r *Runner) dirtyError(v int) error {
	entries, _, err := r.ledger.read(context.Background())
	if err != nil {
		entries = nil
	}
	return r.explainDirty(v, inFlight(entries), "")
}

// Up applies all pending migrations, or the next n when n > 0.
func (r *Runner) Up(ctx context.Context, n int) error {
	if n > 0 {
		return r.run(ctx, "up", func() error { return r.nothingToDo("up", r.m.Steps(n)) })
	}
	return r.run(ctx, "up", func() error { return r.nothingToDo("up", r.m.Up()) })
}

// Down rolls back n migrations, or all of them when all is set.
func (r *Runner) Down(ctx context.Context, n int, all bool) error {
	if all {
		return r.run(ctx, "down", func() error { return r.nothingToDo("down", r.m.Down()) })
	}
	if n <= 0 {
		return errors.New("down needs a number of migrations to roll back (or --all)")
	}
	return r.run(ctx, "down", func() error { return r.nothingToDo("down", r.m.Steps(-n)) })
}

// nothingToDo turns golang-migrate's answers to "up N" with nothing pending
// and "down N" with nothing applied (a bare os.ErrNotExist, printed as
// "file does not exist") into what plain "up" does: nothing, successfully,
// saying where the database is.
func (r *Runner) nothingToDo(direction string, err error) error {
	if !errors.Is(err, gomigrate.ErrNoChange) && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// Nothing ran: the version is the one prepare read under the lock
	// (clean, or golang-migrate would have said dirty).
	v := r.clean
	var msg string
	switch {
	case direction == "up" && v >= r.src.Last():
		msg = fmt.Sprintf("nothing to migrate: the database is already at version %d, the newest in %s", v, r.src.Dir)
		if v < 0 {
			msg = fmt.Sprintf("nothing to migrate: %s has no migrations", r.src.Dir)
		}
	case direction == "down" && v < 0:
		msg = "nothing to roll back: no migration is applied"
	default:
		return err
	}
	if r.o.Log != nil {
		fmt.Fprintf(r.o.Log, "dbguard: %s\n", msg)
	}
	return nil
}

// Goto migrates up or down to version v.
func (r *Runner) Goto(ctx context.Context, v uint) error {
	if _, ok := r.src.Get(v); !ok {
		return &NoSuchVersionError{Version: int(v), Dir: r.src.Dir}
	}
	cur, _, err := r.Version()
	if err != nil {
		return err
	}
	dir := "up"
	if int(v) < cur {
		dir = "down"
	}
	return r.run(ctx, dir, func() error { return r.m.Migrate(v) })
}

// Force records version v (-1 for none) as clean without running anything:
// the way out of a dirty state once the database has been checked by hand.
func (r *Runner) Force(v int) error {
	if v < -1 {
		return &NoSuchVersionError{Version: v, Dir: r.src.Dir}
	}
	if v >= 0 {
		if _, ok := r.src.Get(uint(v)); !ok {
			return &NoSuchVersionError{Version: v, Dir: r.src.Dir}
		}
	}
	if err := r.migrator(); err != nil {
		return err
	}
	if err := r.drv.Lock(); err != nil {
		return r.explain(err, "")
	}
	defer r.drv.Unlock()
	cur, _, err := r.drv.Version()
	if err != nil {
		return r.explain(err, "")
	}
	if err := r.ledger.ensure(context.Background()); err != nil {
		return r.explain(err, "")
	}
	if _, _, err := r.ledger.read(context.Background()); err != nil { // the next id
		return r.explain(err, "")
	}
	r.clean, r.flight, r.fold, r.done = cur, nil, nil, nil
	return r.explain(r.m.Force(v), "")
}

// run executes a golang-migrate operation: it checks the state first,
// stops between two migrations when ctx is cancelled (Ctrl-C), and explains
// whatever went wrong.
func (r *Runner) run(ctx context.Context, direction string, op func() error) error {
	if err := r.migrator(); err != nil {
		return err
	}
	// The lock covers the version read, the files' checks, the ledger's
	// checks and the run, as golang-migrate and dbmate read the version
	// under theirs: another run holding it may move the version while this
	// one waits. golang-migrate takes it again inside (advisory locks nest
	// in a session).
	if err := r.drv.Lock(); err != nil {
		return r.explain(err, "")
	}
	defer r.drv.Unlock()
	// The version came with the lock, in its round trip.
	cur, err := r.check()
	if err != nil {
		return err
	}
	defer r.checked.reset()
	if err := r.checkFiles(direction, cur); err != nil {
		return err
	}
	r.drv.ctx = ctx
	defer func() { r.drv.ctx = nil }()
	late, err := r.prepare(ctx, direction)
	if err != nil {
		return err
	}
	if err := r.applyLate(ctx, late); err != nil {
		return err
	}
	err = op()
	if errors.Is(err, gomigrate.ErrNoChange) {
		err = nil
	}
	var short gomigrate.ErrShortLimit
	if errors.As(err, &short) {
		if r.o.Log != nil {
			fmt.Fprintf(r.o.Log, "dbguard: warning: %d fewer migrations than asked for were available\n", short.Short)
		}
		err = nil
	}
	if errors.Is(err, errStopped) {
		v, _, verr := r.Version()
		if verr != nil {
			return errors.Join(ctx.Err(), verr)
		}
		return &InterruptedError{Version: v, Err: ctx.Err()}
	}
	return r.explain(err, direction)
}

// checkFiles reads every file the run may execute, from the version it
// starts at, and refuses one that cannot be read, is a link, or is not
// text PostgreSQL takes, before anything runs: golang-migrate would find out
// only after marking the version dirty.
func (r *Runner) checkFiles(direction string, cur int) error {
	r.checked.begin()
	for _, m := range r.src.Migrations {
		name := ""
		switch {
		case direction == "up" && int(m.Version) > cur:
			name = m.Up
		case direction == "down" && int(m.Version) <= cur:
			name = m.Down
		}
		if name == "" {
			continue
		}
		p := r.src.Path(name)
		// The folder was checked when it was read; a file swapped for a
		// link since is caught here (readAt follows none, so the lstat
		// is only for one it finds, or where it is not to be had), and
		// by the root golang-migrate reads through.
		var data []byte
		err := errLink
		if r.fast(name) {
			data, err = readAt(r.dirfd, name)
		}
		if errors.Is(err, errLink) {
			fi, lerr := r.root.Lstat(name)
			if err = lerr; err == nil {
				if err := regular(r.src.Dir, name, fi.Mode().Type()); err != nil {
					return err
				}
				data, err = readFile(r.root, name)
			}
		}
		if err != nil {
			return &SourceError{Path: p, Msg: fmt.Sprintf("cannot read it: %v", err), Fix: "check the file and its permissions; nothing was run"}
		}
		if err := checkText(p, data); err != nil {
			return err
		}
		info := analyzed(data)
		if err := checkCopy(p, info.shape); err != nil {
			return err
		}
		r.files[name] = info
		r.checked.keep(name, data, info.sum)
	}
	return nil
}

// maxChecked bounds the bytes of checked files kept for golang-migrate
// to run; a file past it is read again when it runs (a variable for the
// tests).
var maxChecked = 16 << 20

// checkedFiles are the files checkFiles read, as it read them. The
// golang-migrate goroutine that reads ahead takes them, hence the lock.
type checkedFiles struct {
	mu    sync.Mutex
	data  map[string][]byte
	sums  map[string]string // every checked file's checksum, kept or not
	total int
}

func (c *checkedFiles) keep(name string, data []byte, sum string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.data == nil {
		c.data, c.sums = map[string][]byte{}, map[string]string{}
	}
	c.sums[name] = sum
	if _, ok := c.data[name]; ok || c.total+len(data) > maxChecked {
		return
	}
	c.data[name], c.total = data, c.total+len(data)
}

// begin starts a run's checked files: none yet.
func (c *checkedFiles) begin() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.data, c.sums, c.total = map[string][]byte{}, map[string]string{}, 0
}

// unchecked reports a file a run is about to start that checkFiles did
// not read (false outside a run).
func (c *checkedFiles) unchecked(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.sums[name]
	return c.sums != nil && !ok
}

// any reports whether checkFiles read a file: the run may execute one.
func (c *checkedFiles) any() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sums) > 0
}

func (c *checkedFiles) sum(name string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sum, ok := c.sums[name]
	return sum, ok
}

func (c *checkedFiles) get(name string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, ok := c.data[name]
	return data, ok
}

// reset lets them go at the end of a run.
func (c *checkedFiles) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.data, c.sums, c.total = nil, nil, 0
}

// checkedSource is golang-migrate's source: the migrations Scan listed
// (golang-migrate's own file source would list the folder again, and run a
// file added since unchecked) and the bytes checkFiles read, checked and
// checksummed. So the file that runs is the file the ledger records, even
// when it changes on disk during the run, and it is read once per run
// instead of twice. A file past maxChecked is read again, and refused if
// its checksum is not the one checked.
type checkedSource struct{ r *Runner }

func (s checkedSource) Open(string) (source.Driver, error) {
	return nil, errors.New("dbguard's migration source is not opened by URL")
}

func (s checkedSource) Close() error { return nil }

// notExist is the error golang-migrate takes for "no such migration".
func (s checkedSource) notExist(op string) error {
	return &fs.PathError{Op: op, Path: s.r.src.Dir, Err: fs.ErrNotExist}
}

func (s checkedSource) First() (uint, error) {
	if ms := s.r.src.Migrations; len(ms) > 0 {
		return ms[0].Version, nil
	}
	return 0, s.notExist("first")
}

func (s checkedSource) Prev(v uint) (uint, error) {
	if i, ok := s.r.src.byVersion[v]; ok && i > 0 {
		return s.r.src.Migrations[i-1].Version, nil
	}
	return 0, s.notExist("prev for version " + strconv.FormatUint(uint64(v), 10))
}

func (s checkedSource) Next(v uint) (uint, error) {
	if i, ok := s.r.src.byVersion[v]; ok && i+1 < len(s.r.src.Migrations) {
		return s.r.src.Migrations[i+1].Version, nil
	}
	return 0, s.notExist("next for version " + strconv.FormatUint(uint64(v), 10))
}

func (s checkedSource) ReadUp(v uint) (io.ReadCloser, string, error) {
	m, ok := s.r.src.Get(v)
	if !ok || m.Up == "" {
		return nil, "", s.notExist("read up for version " + strconv.FormatUint(uint64(v), 10))
	}
	return s.read(m.Up, m.Name)
}

func (s checkedSource) ReadDown(v uint) (io.ReadCloser, string, error) {
	m, ok := s.r.src.Get(v)
	if !ok || m.Down == "" {
		return nil, "", s.notExist("read down for version " + strconv.FormatUint(uint64(v), 10))
	}
	id := m.Name
	if p, err := source.Parse(m.Down); err == nil {
		id = p.Identifier
	}
	return s.read(m.Down, id)
}

// read returns the checked bytes of a file.
func (s checkedSource) read(name, id string) (io.ReadCloser, string, error) {
	if data, ok := s.r.checked.get(name); ok {
		return io.NopCloser(bytes.NewReader(data)), id, nil
	}
	data, err := s.r.read(name)
	if err != nil {
		return nil, "", &SourceError{Path: s.r.src.Path(name), Msg: fmt.Sprintf("cannot read it: %v", err), Fix: "check the file and its permissions"}
	}
	if want, ok := s.r.checked.sum(name); ok && checksum(data) != want {
		return nil, "", &SourceError{Path: s.r.src.Path(name), Msg: "it changed on disk after dbguard checked it, during the run; it was not run",
			Fix: "run the command again once nothing is writing to the migrations folder"}
	}
	return io.NopCloser(bytes.NewReader(data)), id, nil
}

// fileInfo is what the ledger records of a file: its checksum, and (for a
// file about to run) whether it runs as one transaction.
type fileInfo struct {
	sum   string
	shape *sqlscan.Shape
	// session: the file may change the session's role or settings, which
	// statements sent after it in its transaction would run under.
	session bool
}

// analyzed is a file's checksum and shape.
func analyzed(data []byte) fileInfo {
	sh := sqlscan.Analyze(string(data))
	return fileInfo{sum: checksum(data), shape: &sh, session: setsSession(&sh)}
}

// setsSession reports a file with a SET or RESET statement, or a role or
// setting changed from inside a statement (set_config, a DO block's SET
// ROLE): after such a file, dbguard's writes in the same transaction could
// run as a role that may not write the version table, and fail the file's
// work with them. Erring towards yes costs only a commit.
func setsSession(sh *sqlscan.Shape) bool {
	for _, st := range sh.Statements {
		if len(st.Words) > 0 && (st.Words[0] == "SET" || st.Words[0] == "RESET") || hasET(st.Text) && changesSession.MatchString(st.Text) {
			return true
		}
	}
	return false
}

// hasET reports whether text holds "et" in any case, which every match of
// changesSession does (set, reset, set_config): the pattern is the costly
// part of checking a file, and most statements have no "et". Neither
// letter has a case fold outside ASCII (unlike s, which folds with ſ), so
// the test is exact.
func hasET(text string) bool {
	for i := 1; i < len(text); i++ {
		if text[i]|0x20 == 't' && text[i-1]|0x20 == 'e' {
			return true
		}
	}
	return false
}

// changesSession finds a role or a setting changed inside a statement.
var changesSession = lazyre.New(`(?i)set_config|\b(set|reset)\s+(local\s+|session\s+)?(role|session\s+authorization|transaction|default_transaction)`)

// file returns a file's checksum and shape, reading it (through the root)
// the first time.
func (r *Runner) file(name string, shape bool) (fileInfo, error) {
	fi, ok := r.files[name]
	if ok && (fi.shape != nil || !shape) {
		return fi, nil
	}
	data, err := r.read(name)
	if err != nil {
		return fi, &SourceError{Path: r.src.Path(name), Msg: fmt.Sprintf("cannot read it: %v", err), Fix: "check the file and its permissions"}
	}
	fi.sum = checksum(data)
	if shape {
		fi = analyzed(data)
	}
	r.files[name] = fi
	return fi, nil
}

// sumAll keeps the checksums of the files of names not read yet, reading
// several at once: status and every run compare each applied file with
// the ledger, and most of that is waiting on system calls. A file that
// cannot be read is left to file, which reports it.
func (r *Runner) sumAll(set map[int]*Entry) {
	r.ahead.take(r.files, set)
	names := checksummed(set, r.src)
	var todo []string
	for _, name := range names {
		if _, ok := r.files[name]; !ok {
			todo = append(todo, name)
		}
	}
	workers := min(4, runtime.GOMAXPROCS(0), len(todo)/32)
	if workers < 2 {
		return // file reads them one by one, at no cost of goroutines
	}
	sums := make([]string, len(todo))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(todo); i = int(next.Add(1) - 1) {
				if data, err := r.read(todo[i]); err == nil {
					sums[i] = checksum(data)
				}
			}
		})
	}
	wg.Wait()
	for i, name := range todo {
		if sums[i] != "" {
			r.files[name] = fileInfo{sum: sums[i]}
		}
	}
}

// checkText refuses what PostgreSQL would reject as query text only once
// golang-migrate had marked the version dirty: bytes that are not UTF-8,
// and NUL, which ends a query string on the wire (the server then reports a
// protocol violation, which reads as a lost connection).
func checkText(p string, data []byte) error {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return &SourceError{Path: p + ":1", Msg: "UTF-16 text (it starts with a UTF-16 byte order mark); PostgreSQL takes UTF-8",
			Fix: "save the file as UTF-8 (for example: iconv -f UTF-16 -t UTF-8), then run the command again; nothing was run"}
	}
	// Refused, not stripped: golang-migrate (and anyone running it without
	// dbguard) sends the mark, PostgreSQL reads it as part of the first
	// word and fails after the version is marked dirty. Running a file
	// other than the one golang-migrate would run hides that from them.
	if bytes.HasPrefix(data, []byte{0xef, 0xbb, 0xbf}) {
		return &SourceError{Path: p + ":1", Msg: "it starts with a UTF-8 byte order mark; PostgreSQL reads it as part of the first statement and fails after golang-migrate has marked the version dirty",
			Fix: fmt.Sprintf("save the file without the mark (for example: sed -i '1s/^\\xEF\\xBB\\xBF//' %s), then run the command again; nothing was run", p)}
	}
	if utf8.Valid(data) && bytes.IndexByte(data, 0) < 0 {
		return nil // the common case, eight bytes at a time; else find where
	}
	for i := 0; i < len(data); {
		c, size := utf8.DecodeRune(data[i:])
		if c == utf8.RuneError && size == 1 || c == 0 {
			return textError(p, data, i)
		}
		i += size
	}
	return nil
}

// checkCopy refuses COPY ... FROM STDIN: golang-migrate sends the file as
// one query and never the rows the server then waits for, so the run
// would wait without end, holding the migration lock and a transaction
// (with the rows after the statement, as pg_dump writes them, the server
// fails the file on them, after the version was marked dirty).
func checkCopy(p string, sh *sqlscan.Shape) error {
	for _, st := range sh.Statements {
		if st.CopyFromClient() {
			return &SourceError{Path: fmt.Sprintf("%s:%d", p, st.Line), Msg: sqlscan.CopyFromClientWhy,
				Fix: sqlscan.CopyFromClientFix + ", then run the command again; nothing was run"}
		}
	}
	return nil
}

func textError(p string, data []byte, at int) error {
	line := bytes.Count(data[:at], []byte("\n")) + 1
	loc := fmt.Sprintf("%s:%d", p, line)
	if data[at] != 0 {
		return &SourceError{Path: loc, Msg: fmt.Sprintf("not valid UTF-8 (byte 0x%02x); PostgreSQL would reject it, after golang-migrate had marked the version dirty", data[at]),
			Fix: "save the file as UTF-8 (for example: iconv -f LATIN1 -t UTF-8), then run the command again; nothing was run"}
	}
	col := utf8.RuneCount(data[bytes.LastIndexByte(data[:at], '\n')+1:at]) + 1
	e := &SourceError{Path: loc, Msg: fmt.Sprintf("a NUL byte (column %d): PostgreSQL cannot take one in a query, and would refuse the file after golang-migrate had marked the version dirty", col),
		Fix: "remove it (a stray byte from an editor or a binary paste), then run the command again; nothing was run"}
	if len(data) > 1 && (data[0] == 0) != (data[1] == 0) {
		// ASCII as UTF-16 has a NUL beside every character.
		e.Msg += "; the file looks like UTF-16 without a byte order mark"
		e.Fix = "save the file as UTF-8 (for example: iconv -f UTF-16LE -t UTF-8), then run the command again; nothing was run"
	}
	return e
}

// explain turns golang-migrate's and the driver's errors into ones that say
// where and what to do.
func (r *Runner) explain(err error, direction string) error {
	if err == nil {
		return nil
	}
	var dirty gomigrate.ErrDirty
	if errors.As(err, &dirty) {
		return r.dirtyError(dirty.Version)
	}
	pgErr, dbErr := driverError(err)
	if pgErr != nil && pgErr.Code == "55P03" && (dbErr == nil || len(dbErr.Query) == 0 || strings.Contains(string(dbErr.Query), "advisory_lock")) {
		return &LockTimeoutError{Target: r.target, Timeout: r.o.LockTimeout, Holder: r.lockHolder()}
	}
	if errors.Is(err, gomigrate.ErrLockTimeout) {
		return &LockTimeoutError{Target: r.target, Timeout: r.o.LockTimeout, Holder: r.lockHolder()}
	}
	if to := r.timedOut(err, dbErr); to != nil {
		return to
	}
	if connectionLost(err, pgErr, dbErr) {
		// Not err itself: golang-migrate's database.Error prints the whole
		// migration (52 MB for a 50 MB file).
		cause := err
		if dbErr != nil && dbErr.OrigErr != nil {
			cause = dbErr.OrigErr
		}
		e := &pg.UnreachableError{Target: r.target, Err: cause, During: "the migration run"}
		if f := r.flight; direction != "" && f != nil && f.entry.File != "" {
			e.File = r.src.Path(f.entry.File) // what was running when it went
		}
		return e
	}
	if pgErr != nil && dbErr != nil && direction != "" {
		return r.migrationError(direction, dbErr, pgErr)
	}
	if dbErr != nil && dbErr.OrigErr != nil {
		return bounded{fmt.Sprintf("%s: %v", dbErr.Err, dbErr.OrigErr), dbErr.OrigErr}
	}
	if dbErr != nil {
		return bounded{fmt.Sprintf("%s in line %d", cmp.Or(dbErr.Err, "the database driver failed"), dbErr.Line), nil}
	}
	if len(err.Error()) > maxMessage {
		return bounded{err.Error(), err}
	}
	return err
}

// timedOut is the explanation of a migration statement cut by
// migrations.statement_timeout (golang-migrate's context deadline, which
// pgx enforces by closing the connection): not a lost database.
func (r *Runner) timedOut(err error, dbErr *database.Error) error {
	if r.o.StatementTimeout <= 0 || r.flight == nil {
		return nil
	}
	if dbErr != nil && dbErr.OrigErr != nil {
		err = dbErr.OrigErr
	}
	if !errors.Is(err, context.DeadlineExceeded) || r.drv != nil && r.drv.ctx != nil && r.drv.ctx.Err() != nil {
		return nil
	}
	f := r.flight.entry
	return &StatementTimeoutError{File: r.src.Path(f.File), Timeout: r.o.StatementTimeout, Transactional: f.Transactional}
}

// bounded is an error whose text is cut to maxMessage bytes: whatever the
// libraries underneath put in their errors (golang-migrate puts the whole
// migration), at most that reaches the screen.
type bounded struct {
	msg string
	err error
}

func (e bounded) Error() string { return output.Clip(e.msg, maxMessage) }
func (e bounded) Unwrap() error { return e.err }

// connectionLost reports whether err means the connection went away (the
// server restarted, the backend was terminated, the network dropped)
// rather than that a statement was wrong.
func connectionLost(err error, pgErr *pgconn.PgError, dbErr *database.Error) bool {
	if pgErr != nil {
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P")
	}
	if dbErr != nil && dbErr.OrigErr != nil {
		err = dbErr.OrigErr
	}
	var netErr net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn) ||
		errors.As(err, &netErr) || strings.Contains(err.Error(), "conn closed")
}

// driverError digs the driver's database.Error and the server's error out
// of err; database.Error has no Unwrap, so errors.As cannot.
func driverError(err error) (*pgconn.PgError, *database.Error) {
	var dbErr *database.Error
	var v database.Error
	var p *database.Error
	switch {
	case errors.As(err, &v):
		dbErr = &v
	case errors.As(err, &p):
		dbErr = p
	}
	var pgErr *pgconn.PgError
	if dbErr != nil && dbErr.OrigErr != nil {
		errors.As(dbErr.OrigErr, &pgErr)
	} else {
		errors.As(err, &pgErr)
	}
	return pgErr, dbErr
}

// migrationError names the file that failed. After a failure golang-migrate
// has recorded the target version as dirty: going up that is the failed
// migration; going down it is the one below the migration rolled back.
func (r *Runner) migrationError(direction string, dbErr *database.Error, pgErr *pgconn.PgError) error {
	e := &MigrationError{PgErr: pgErr, Line: int(dbErr.Line), Query: string(dbErr.Query), Direction: direction}
	if f := r.flight; f != nil {
		// The ledger knows exactly what ran (also out of order, when the
		// version table's number names another file).
		e.Version, e.Failed, e.File, e.Direction = f.entry.VersionDirty, f.entry.Version, r.src.Path(f.entry.File), f.entry.Direction
		e.Prev, e.Ledger, e.OutOfOrder = f.entry.VersionBefore, true, f.entry.OutOfOrder
		e.Transactional, e.Why = f.entry.Transactional, r.whyNot(f.entry.File)
		e.Committed = f.committed
		return e
	}
	v, _, verr := r.drv.Version()
	if verr == nil {
		e.Version, e.Failed = v, v
		var failed int
		if e.File, failed = r.fileOf(direction, v); e.File != "" {
			e.Failed = failed
		}
		e.Prev = -1
		if e.Failed >= 0 {
			e.Prev = r.src.Prev(uint(e.Failed))
		}
	}
	return e
}

// fileOf names the file golang-migrate runs when it records version v as
// dirty, and that file's version: going up, the up file of v; going down,
// the down file of the migration above v.
func (r *Runner) fileOf(direction string, v int) (string, int) {
	switch direction {
	case "up":
		if m, ok := r.src.Get(uint(max(v, 0))); ok && v >= 0 {
			return r.src.Path(m.Up), v
		}
	case "down":
		for _, m := range r.src.Migrations {
			if int(m.Version) > v {
				return r.src.Path(m.Down), int(m.Version)
			}
		}
	}
	return "", v
}

// lockHolder describes the session holding golang-migrate's lock, if any
// can be seen: a migration run in progress. A read that failed says so
// rather than naming no one.
func (r *Runner) lockHolder() string {
	h, err := r.holder()
	var unread *HolderUnreadError
	if errors.As(err, &unread) {
		return fmt.Sprintf("a session dbguard could not name (reading it: %v)", unread.Err)
	}
	return h.desc
}

// lockSession is the session holding golang-migrate's lock.
type lockSession struct {
	desc   string // "" when no session holds it
	active bool   // running a statement
}

// holder finds the session holding golang-migrate's lock. The lock is an
// advisory lock on one bigint key, which pg_locks splits into classid (high
// half) and objid (low half), with objsubid 1; other advisory locks are the
// application's. The catalog's names are pg_catalog's: status tells a
// migration in progress from a failed one by this read, and an applied
// migration may have put its own pg_locks ahead (ALTER DATABASE ... SET
// search_path). A read that fails or outlasts holderWait is an error
// (HolderUnreadError), never "no holder": status would call a run in
// progress pending, or a migration in flight failed.
func (r *Runner) holder() (lockSession, error) {
	key, err := strconv.ParseInt(r.key, 10, 64)
	if err != nil {
		return lockSession{}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.holderWait)
	defer cancel()
	var pid int
	var app, state string
	var since time.Time
	err = r.db.QueryRowContext(ctx, `
		SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.state, ''), coalesce(a.backend_start, pg_catalog.now())
		FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) l.pid
		WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory' AND l.granted
		  AND l.database OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d
		    WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
		  AND l.objsubid OPERATOR(pg_catalog.=) 1
		  AND (l.classid::pg_catalog.int8 OPERATOR(pg_catalog.<<) 32 OPERATOR(pg_catalog.|) l.objid::pg_catalog.int8)
		    OPERATOR(pg_catalog.=) $1::pg_catalog.int8
		  AND a.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()
		ORDER BY a.backend_start LIMIT 1`, pgx.QueryExecModeSimpleProtocol, key).Scan(&pid, &app, &state, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return lockSession{}, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("no answer within %s", r.holderWait)
		}
		return lockSession{}, &HolderUnreadError{Target: r.target, Err: err}
	}
	if app == "" {
		app = "unnamed client"
	}
	return lockSession{
		desc:   fmt.Sprintf("pid %d (%s, %s, connected %s ago)", pid, app, state, time.Since(since).Round(time.Second)),
		active: state == "active",
	}, nil
}

// lockingDriver replaces golang-migrate's blocking pg_advisory_lock with
// one whose wait the server bounds: lock_timeout applies to advisory locks,
// so the wait ends on the server too, where a client-side timer
// (golang-migrate's -lock-timeout) leaves the query waiting forever. It
// takes the same lock (same key) as golang-migrate, so dbguard and the raw
// CLI still exclude each other, and sets the timeout, locks and resets it
// in one round trip.
//
// Through a transaction pooler (none) there is no lock at all: a session
// advisory lock taken there stays on whichever server connection ran it,
// blocking strangers, while the unlock may run on another.
type lockingDriver struct {
	database.Driver
	r       *Runner // keeps the ledger beside the version table
	key     string  // golang-migrate's advisory lock key
	timeout time.Duration
	reset   string // restores the session's lock_timeout for the migrations
	none    bool
	ctx     context.Context // the current run's; nil between runs
	held    int             // Lock calls not yet matched by Unlock
	ready   bool            // the version table and the ledger exist
	began   time.Time       // when the migration in flight was marked dirty
	ran     time.Duration   // from then to the end of its file
}

// errStopped ends a run between two migrations once its context is done.
var errStopped = errors.New("stopped between migrations")

// SetVersion is where golang-migrate marks a migration as started (dirty)
// before running it. Refusing there once the run's context is done stops a
// run cleanly after the migration in flight: golang-migrate's own
// GracefulStop flag is read and written from two goroutines without a lock.
func (d *lockingDriver) SetVersion(version int, dirty bool) error {
	if dirty && d.ctx != nil && d.ctx.Err() != nil {
		return errStopped
	}
	if dirty {
		d.began, d.ran = time.Now(), 0
	}
	return d.r.record(version, dirty)
}

// Run runs one migration file, in a transaction of dbguard's when the file
// runs as one anyway (see Runner.runBody).
func (d *lockingDriver) Run(body io.Reader) error {
	err := d.r.runBody(body)
	d.ran = time.Since(d.began)
	return err
}

// Lock takes the lock; golang-migrate's own Lock inside a run that holds
// it already costs nothing (advisory locks nest, so taking it again would
// only cost round trips). The first Lock also creates golang-migrate's
// version table and the ledger, in the same round trip, under the lock.
func (d *lockingDriver) Lock() error {
	d.held++
	if d.held > 1 {
		return nil
	}
	q := []string{}
	if !d.none {
		// pg_catalog's, with the key as its bigint: an applied migration's
		// public.pg_advisory_lock(integer) is a better match for a small
		// key than pg_catalog's, and one of any signature wins after ALTER
		// DATABASE ... SET search_path = public, pg_catalog.
		q = append(q, fmt.Sprintf("SET lock_timeout = %d; SELECT pg_catalog.pg_advisory_lock(%s::pg_catalog.int8); %s", d.timeout.Milliseconds(), d.key, d.reset))
	}
	if !d.ready {
		q = append(q, d.r.inner.createSQL(), d.r.ledger.createSQL())
	}
	if len(q) == 0 {
		return nil
	}
	// The version, read under the lock in the same round trip: every
	// caller reads it next. The statements of one message share a
	// transaction: under REPEATABLE READ or SERIALIZABLE (the database's
	// default_transaction_isolation) the read has the snapshot
	// pg_advisory_lock's statement took before it waited, from before the
	// run that held the lock; then the version is read again, on its own.
	s := d.r.inner
	q = append(q, s.lockedVersionQuery())
	s.capture = true
	err := s.Run(strings.NewReader(strings.Join(q, ";\n")))
	s.capture = false
	if err == nil {
		var fresh bool
		if fresh, err = s.keepVersion(); err == nil && !fresh {
			s.known = nil
			_, _, err = s.Version()
		}
	}
	if err != nil {
		d.held--
		return err
	}
	d.ready, d.r.ledger.ready = true, true
	return nil
}

func (d *lockingDriver) Unlock() error {
	d.held = max(d.held-1, 0)
	if d.none || d.held > 0 {
		return nil
	}
	// Unlocking writes no version: what the run left is still known.
	s := d.r.inner
	known := s.known
	err := s.Run(strings.NewReader(fmt.Sprintf("SELECT pg_catalog.pg_advisory_unlock(%s::pg_catalog.int8)", d.key)))
	if err == nil {
		s.known = known
	}
	return err
}
