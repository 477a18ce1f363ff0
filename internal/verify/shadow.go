package verify

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/safefile"
	"github.com/dbguard/dbguard/internal/sandbox"
	"github.com/dbguard/dbguard/internal/sqlscan"
)

// WithShadow builds a shadow database at version (as BuildShadow does),
// hands its connection options to f, and removes it when f returns,
// whatever happens in between (a failing migration, Ctrl-C). dbguard
// migrate plan runs the pending migrations in it.
//
// The migration files may come from a branch under review, so where the
// shadow lives is the point:
//   - by default, in a sandbox: a throwaway server dbguard starts and
//     deletes (internal/sandbox), where the files run as a role that is not
//     a superuser; the live server is only read, over a read-only session;
//   - with schema.shadow_url (${NAME}, a variable of the process
//     environment, the operator's word), on that dedicated server; the
//     variable unset or empty: as without shadow_url, with a warning; a
//     file that can act beyond the shadow database (sqlscan.Reach) is
//     refused before anything runs, as the server may be the live one.
//
// (plan.shadow: live, a shadow database on the live server, is refused by
// config: a preview never runs migration SQL on the live server.)
func WithShadow(ctx context.Context, o Options, version int, f func(co pg.ConnectOptions) error) error {
	return withShadow(ctx, o, version, func(co pg.ConnectOptions, _ bool, build func() (bool, error)) error {
		if _, err := build(); err != nil {
			return err
		}
		return f(co)
	})
}

// WithShadowSession is WithShadow for a caller that works in one session
// of the shadow (migrate plan's trace), with onNotice receiving its
// notices. In the sandbox the session is opened while the applied files
// are replayed, not after: a new backend of the just-started server costs
// it 30-50 ms on a busy machine, on the way to the preview. The session is
// then as one opened after the replay would be, unless a replayed file
// gave the database or a role settings of its own (ALTER DATABASE/ROLE
// ... SET, which apply from the next session on: a fresh sandbox has
// none) or the shadow was built again the slow way (which starts the
// sandbox again): then a new session is opened, as before.
func WithShadowSession(ctx context.Context, o Options, version int, onNotice func(*pgconn.Notice), f func(conn *pgx.Conn) error) error {
	return withShadow(ctx, o, version, func(co pg.ConnectOptions, early bool, build func() (bool, error)) error {
		co.OnNotice = onNotice
		// The pending files run in this session between the caller's
		// reads: no statement of pgx's by a name a file can take over.
		co.Unnamed = true
		if !early {
			if _, err := build(); err != nil {
				return err
			}
			return pg.WithConn(ctx, co, f)
		}
		type opened struct {
			db  *sql.DB
			err error
		}
		ch := make(chan opened, 1)
		go func() {
			db, _, err := pg.Connect(ctx, co)
			ch <- opened{db, err}
		}()
		fast, err := build()
		op := <-ch
		use := op.err == nil && err == nil && fast && !hasRoleSettings(ctx, op.db)
		if op.err == nil && !use {
			op.db.Close()
		}
		if err != nil {
			return err
		}
		if !use {
			return pg.WithConn(ctx, co, f)
		}
		defer op.db.Close()
		return pg.WithPgx(ctx, op.db, f)
	})
}

// hasRoleSettings reports whether a database or role has settings of its
// own (pg_db_role_setting), or it cannot tell.
func hasRoleSettings(ctx context.Context, db *sql.DB) bool {
	var some bool
	err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT FROM pg_catalog.pg_db_role_setting)").Scan(&some)
	return err != nil || some
}

// withShadow makes the shadow database and hands run its connection
// options and build, which applies the migrations through version to it
// (false: the slow way, file by file, after the fast build failed); early
// is true when the database exists already in a server dbguard started
// (the sandbox), with no database or role settings, so a session may be
// opened before build.
func withShadow(ctx context.Context, o Options, version int, run func(co pg.ConnectOptions, early bool, build func() (bool, error)) error) error {
	if err := o.Config.PreviewError(); err != nil {
		return err
	}
	var (
		admin   pg.ConnectOptions // creates and drops the shadow database
		owner   string            // the shadow's owner and the role migrations run as; "": admin's
		where   string            // for the talk line
		cleanup = func() {}
		dbURL   func(name string) *dburl.URL // the shadow database's URL
		// made: the shadow database, when the sandbox's start made it
		// already; "": make it here.
		made string
		// batches: the fast build's queries (fastBatches), when prepared
		// already; nil after preparing: build the slow way.
		batches  []string
		batchErr error // a file no build can run (CopyFromClientError)
		prepared bool
		// warm: the sandbox started from the replay cache, the shadow
		// is at version already; save: save it after the replay.
		warm, save bool
		cacheNote  string // for the talk line
		sb         *sandbox.Server
		// early: the sandbox's start replays already (replayEarly);
		// replayedOther: it replayed to another version than asked.
		early         chan struct{}
		replayedOther bool
	)
	// The shadow database is dropped when done, but not in the sandbox,
	// which is deleted whole: DROP DATABASE waits for a checkpoint (0.1 to
	// 0.5 s on a loaded machine) for nothing.
	drop := true
	admin = o.Connect
	admin.ReadOnly, admin.OnNotice = false, nil
	shadowVar, shadowURL := o.Config.Schema.ShadowVar(), o.Config.Schema.ShadowServer()
	if shadowVar != "" && shadowURL == "" && o.Log != nil {
		// A fork's pull request gets no secrets: the preview still runs,
		// where it would without shadow_url, and says so.
		place := o.Config.Plan.Shadow
		if place == "" {
			place = config.ShadowSandbox
		}
		output.Talk{W: o.Log}.Warnf("schema.shadow_url: %s is not set in this environment; the preview runs as without shadow_url (plan.shadow: %s)", shadowVar, place)
	}
	switch {
	case shadowURL != "":
		u, err := dburl.Parse(shadowURL)
		if err != nil {
			return fmt.Errorf("schema.shadow_url: %s: %w", shadowVar, err)
		}
		// The server is the operator's word now, but it may still be the
		// live one (Prisma users point shadowDatabaseUrl there too), and
		// the files are the branch's: no file that can act beyond the
		// shadow database runs there.
		if err := refuseBeyond(o.MigrationsDir, "schema.shadow_url", NewBudget(o.Config, budgetCommand(o))); err != nil {
			return err
		}
		admin.URL, admin.SimpleProtocol, admin.Wait = u, false, 0
		where = "on " + pg.Target(u) + " (schema.shadow_url, " + shadowVar + ")"
	default:
		if o.Sandbox == nil {
			o.Sandbox = StartSandbox(ctx, o)
		}
		// The replay's files are read and cut into batches while the
		// server starts: that needs no server. With the replay cache
		// the start does it, as they are in the cache's key.
		box := o.Sandbox
		if version >= 0 && !box.prepares {
			batches, batchErr = fastBatches(o, version)
			prepared = true
		}
		var role string
		var err error
		sb, role, err = box.wait()
		if err != nil {
			return err
		}
		if box.prepares && version == box.version {
			batches, batchErr, prepared = box.batches, box.batchErr, true
			warm, save = box.warm, box.key != "" && !box.warm
			cacheNote = " (replay cache: " + box.cache + ")"
			early = box.replayed
		} else if box.replayed != nil {
			// Replayed to another version: the build starts again from
			// a fresh shadow, the slow way.
			<-box.replayed
			replayedOther = true
		}
		made = box.shadow
		// Said here, not when it started: a sandbox started ahead may
		// be closed unused (nothing pending), and the talk keeps its order.
		if o.Log != nil {
			sb.Announce(o.Log)
			if sb.Note != "" {
				output.Talk{W: o.Log}.Warnf("%s", sb.Note)
			}
		}
		cleanup = func() {
			box.once.Do(func() {
				// As Sandbox.Close: an early replay still running (a run
				// that never waited for it) ends before its server does.
				box.cancel()
				if box.replayed != nil {
					<-box.replayed
				}
				if err := sb.Close(); err != nil && o.Log != nil {
					output.Talk{W: o.Log}.Warnf("%v", err)
				}
			})
		}
		// The sandbox's start made the shadow (startSandbox), and the
		// slow build makes it again by starting the sandbox again
		// (Sandbox.fresh): the admin session is never opened there, and
		// names the sandbox, not the live server.
		admin.URL, admin.SimpleProtocol, admin.Wait, admin.LockTimeout = sb.AdminURL(), false, 0, 0
		owner, drop = role, false
		dbURL = func(name string) *dburl.URL { return sb.URL(role, name) }
		where = fmt.Sprintf("in the sandbox (PostgreSQL %s)", sb.Full)
	}
	defer cleanup()
	if dbURL == nil {
		dbURL = admin.URL.WithDatabase
	}
	name := made
	if name == "" {
		name = shadowName(o)
	}
	// The admin session is opened when needed: the sandbox's start made
	// its shadow in the session that made its roles, and only the slow
	// build (a file failed) creates it again.
	var adminDB *sql.DB
	openAdmin := func() (err error) {
		if adminDB == nil {
			adminDB, _, err = pg.Connect(ctx, admin)
			var down *pg.UnreachableError
			if shadowURL != "" && errors.As(err, &down) {
				// Not the live database: ci skips the preview with a
				// warning (failed under --strict) rather than call the
				// database unreachable.
				err = &ShadowUnreachableError{Var: shadowVar, Err: down}
			}
		}
		return err
	}
	defer func() {
		if adminDB != nil {
			adminDB.Close()
		}
	}()
	create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if owner != "" {
		create += " OWNER " + pgx.Identifier{owner}.Sanitize()
	}
	if made == "" {
		if err := openAdmin(); err != nil {
			return err
		}
		if _, err := adminDB.ExecContext(ctx, create); err != nil {
			return &ShadowError{Err: err}
		}
	}
	defer func() {
		if !drop || adminDB == nil {
			return
		}
		// Not ctx: it may be cancelled (Ctrl-C), and the drop must happen.
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := adminDB.ExecContext(dctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil && o.Log != nil {
			fmt.Fprintf(o.Log, "dbguard: warning: could not drop the shadow database %s: %v; drop it with: DROP DATABASE %s\n", name, err, name)
		}
	}()
	co := o.Connect
	co.URL, co.Wait, co.ReadOnly, co.SimpleProtocol = dbURL(name), 0, false, admin.SimpleProtocol
	if o.Log != nil {
		upTo := fmt.Sprintf("from %s up to version %d", o.MigrationsDir, version)
		if version < 0 {
			// golang-migrate's -1: none applied, an empty schema.
			upTo = "with no migration applied"
		}
		fmt.Fprintf(o.Log, "dbguard: building shadow database %s %s %s%s\n", name, where, upTo, cacheNote)
	}
	build := func() (fast bool, err error) {
		if version < 0 {
			return true, nil
		}
		// The replay under the preview's time limit (DefaultTimeout says
		// why): an applied file the branch edited runs here first.
		limit, err := PreviewTimeout()
		if err != nil {
			return false, err
		}
		outer := ctx
		deadline := time.Now().Add(limit)
		if early != nil {
			// The limit counts from the replay's start, as it did when
			// the replay started here.
			deadline = o.Sandbox.deadline
		}
		ctx, cancel := context.WithDeadline(ctx, deadline)
		defer cancel()
		defer func() {
			if err != nil && outer.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				err = &TimeoutError{Limit: limit, Version: version}
			}
		}()
		if !prepared {
			batches, batchErr = fastBatches(o, version)
		}
		if batchErr != nil {
			// Neither way would end: golang-migrate sends the file as
			// the batch does.
			return false, batchErr
		}
		if warm {
			return true, nil
		}
		var unlogged bool
		check := (*bool)(nil)
		if save {
			check = &unlogged
		}
		// The talk line said "saved for the next plan" before the
		// replay: a replay that cannot be saved says so after it.
		notSaved := func(why string) {
			if save && o.Log != nil {
				output.Talk{W: o.Log}.Infof("replay cache: nothing saved: %s", why)
			}
		}
		switch {
		case early != nil:
			<-early
			fast, unlogged = o.Sandbox.fast, o.Sandbox.unlogged
		case !replayedOther:
			fast = fastBuild(ctx, co, batches, check)
		}
		if fast {
			if save && !unlogged {
				// Failing to save is not the preview's error: the
				// next plan replays again, and this one says why
				// (a disk without room for the archive, say).
				if err := sb.SaveReplay(ctx, sandbox.Replay{Key: o.Sandbox.key, Shadow: name, Role: owner}); err != nil && !errors.Is(err, sandbox.ErrSharedNotSaved) {
					notSaved(err.Error())
				}
			} else if unlogged {
				notSaved("the applied files leave an unlogged table or sequence, which a start from a saved cluster would empty")
			}
			return true, nil
		}
		notSaved("the applied files failed as one batch, and are replayed one by one")
		// Slowly, file by file through golang-migrate, on a fresh
		// database: its errors name the file, line and statement.
		if made != "" {
			if err := o.Sandbox.fresh(ctx); err != nil {
				return false, err
			}
		} else {
			if err := openAdmin(); err != nil {
				return false, err
			}
			if err := recreate(ctx, adminDB, name, owner); err != nil {
				return false, &ShadowError{Err: err}
			}
		}
		r, err := migrate.Open(ctx, migrate.Options{Connect: co, Dir: o.MigrationsDir, Table: o.Config.Migrations.Table, Ledger: o.Config.Migrations.Ledger, LockTimeout: o.Config.Migrations.LockTimeout.D()})
		if err != nil {
			return false, err
		}
		err = r.Goto(ctx, uint(version))
		if cerr := r.Close(); err == nil && cerr != nil {
			return false, cerr
		}
		if err != nil {
			return false, &ShadowBuildError{Err: err}
		}
		return false, nil
	}
	return run(co, made != "", build)
}

// shadowName is a new shadow database's name: random, then the live
// database's name, which says whose shadow it is (a person finding one
// left over, and tests running side by side).
func shadowName(o Options) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "dbguard_shadow_" + hex.EncodeToString(b) + "_" + shadowSuffix(o.Connect.URL.Database())
}

// recreate drops and creates the shadow database again, empty.
func recreate(ctx context.Context, admin *sql.DB, name, owner string) error {
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return err
	}
	create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if owner != "" {
		create += " OWNER " + pgx.Identifier{owner}.Sanitize()
	}
	_, err := admin.ExecContext(ctx, create)
	return err
}

// Batches of the fast build: files sent in one query, at most.
const (
	batchFiles = 64
	batchBytes = 4 << 20
)

// fastBatches is what fastBuild sends to apply the up files through
// version as golang-migrate would run them, but without its version and
// ledger writes per file (three round trips and a commit each):
// consecutive files that each run as one transaction go to the server as
// one query, a file that does not (its own COMMIT, CONCURRENTLY) alone, as
// golang-migrate sends it; then version recorded in golang-migrate's
// table. The shadow is only read afterwards, so only the resulting schema
// matters. It needs no server (WithShadow prepares them while a sandbox
// starts); nil: a file cannot be sent this way, build the slow way.
func fastBatches(o Options, version int) ([]string, error) {
	b, _, err := countedBatches(o, version)
	return b, err
}

// countedBatches is fastBatches and the number of files in them.
func countedBatches(o Options, version int) ([]string, int, error) {
	src, err := migrate.Scan(o.MigrationsDir)
	if err != nil {
		return nil, 0, nil
	}
	budget := o.Budget
	if budget == nil {
		budget = NewBudget(o.Config, "dbguard verify --shadow")
	}
	var batches []string
	var cur strings.Builder
	n := 0
	flush := func() {
		if cur.Len() > 0 {
			batches = append(batches, cur.String())
			cur.Reset()
			n = 0
		}
	}
	slow := false // build the slow way; the files are still held to the budget
	files := 0
	for _, m := range src.Migrations {
		if int(m.Version) > version {
			break
		}
		if m.Up == "" {
			slow = true
			continue
		}
		data, err := budget.Read(src, m.Up)
		if se := (*SizeError)(nil); errors.As(err, &se) {
			// Past a cap: no build reads it (the slow one, file by file,
			// would read and scan it whole too).
			return nil, 0, se
		}
		if slow || err != nil || !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
			slow = true
			continue
		}
		files++
		text := string(data)
		shape := sqlscan.Analyze(text)
		for _, st := range shape.Statements {
			if st.CopyFromClient() {
				return nil, 0, &ShadowBuildError{Err: &CopyFromClientError{File: src.Path(m.Up), Line: st.Line}}
			}
		}
		if !shape.Transactional {
			flush()
			batches = append(batches, text)
			continue
		}
		if n == batchFiles || cur.Len()+len(text) > batchBytes {
			flush()
		}
		// A file's last statement may lack its semicolon, and may end in
		// a line comment.
		cur.WriteString(text)
		cur.WriteString("\n;\n")
		n++
	}
	if slow {
		return nil, 0, nil
	}
	flush()
	table := pgx.Identifier{o.Config.Migrations.Table}.Sanitize()
	return append(batches, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);\nTRUNCATE %[1]s;\nINSERT INTO %[1]s VALUES (%d, false)", table, version)), files, nil
}

// CopyFromClientError is a migration with COPY ... FROM STDIN: the server
// waits for rows from the client, which golang-migrate (and a preview,
// which sends the file as it does) never sends, so the run would wait
// without end.
type CopyFromClientError struct {
	File string
	Line int
}

func (e *CopyFromClientError) Error() string {
	return fmt.Sprintf("%s:%d: %s (%s)", output.Escape(e.File), e.Line, sqlscan.CopyFromClientWhy, sqlscan.CopyFromClientFix)
}

// ExitCode is 1: the migration would never finish.
func (e *CopyFromClientError) ExitCode() int { return exitcode.CheckFailed }

// fastBuild sends fastBatches' queries to the shadow. It reports false on
// any failure (or no batches), and the caller builds the shadow again the
// slow way, for golang-migrate's exact error. With unlogged, it then sets
// *unlogged when the shadow holds an unlogged relation (unloggedSQL).
func fastBuild(ctx context.Context, co pg.ConnectOptions, batches []string, unlogged *bool) bool {
	if batches == nil {
		return false
	}
	err := pg.WithConn(ctx, co, func(conn *pgx.Conn) error {
		for _, b := range batches {
			// Rows dropped as they come, as golang-migrate drops them: a
			// replayed file's SELECT may return any amount.
			if _, err := conn.Exec(ctx, b); err != nil {
				return err
			}
		}
		if unlogged != nil && conn.QueryRow(ctx, unloggedSQL).Scan(unlogged) != nil {
			*unlogged = true // not known: not saved; the build stands
		}
		return nil
	})
	return err == nil
}

// unloggedSQL says whether the shadow holds an unlogged relation (a
// table, its index or TOAST table, a sequence). Such a replay is not
// saved in the replay cache: a sandbox started from a saved cluster
// recovers it from a checkpoint, and recovery empties every unlogged
// relation (a sequence starts over), so a warm plan's shadow would lack
// the rows the applied files put there and a pending file that fails on
// them (SET NOT NULL, a unique index) would pass (s15-review8a).
const unloggedSQL = `SELECT EXISTS (SELECT FROM pg_catalog.pg_class WHERE relpersistence OPERATOR(pg_catalog.=) 'u')`

// Sandbox is a sandbox being started in the background, so that its start
// overlaps the caller's reading of the live database.
type Sandbox struct {
	done   chan struct{}
	cancel context.CancelFunc
	sb     *sandbox.Server
	role   string
	roles  []string // the live server's other roles, made in the sandbox too
	shadow string   // the shadow database, made by the start
	err    error
	once   sync.Once
	// The replay cache (Options.ReplayCache): prepares is set when the
	// start prepares the replay's batches (for the key), which it does
	// for version; key is the cache's key ("": none), warm that the
	// sandbox started from its entry; cache says which for the talk:
	// "warm", "cold" or "off".
	prepares bool
	version  int
	batches  []string
	batchErr error
	key      string
	warm     bool
	cache    string
	// The fast replay, started as soon as the sandbox's roles exist
	// (replayEarly): replayed is closed when it ended (nil: not
	// started), fast that it passed, unlogged what unloggedSQL said (a
	// key to save under only), deadline the end of its time limit.
	replayed chan struct{}
	fast     bool
	unlogged bool
	deadline time.Time
}

// StartSandbox starts the sandbox WithShadow would start, in the
// background. Hand it to WithShadow in Options.Sandbox, which closes it;
// a caller that ends before calling WithShadow calls Close, which stops
// the start where it can (a plan with nothing pending started one ahead).
func StartSandbox(ctx context.Context, o Options) *Sandbox {
	ctx, cancel := context.WithCancel(ctx)
	s := &Sandbox{done: make(chan struct{}), cancel: cancel}
	if o.ReplayCache && o.ReplayVersion >= 0 {
		s.prepares, s.version, s.cache = true, o.ReplayVersion, "off"
	}
	go func() {
		defer close(s.done)
		s.sb, s.role, s.roles, s.err = startSandbox(ctx, o, s)
		s.shadow = sandbox.Shadow
		if s.err == nil {
			s.replayEarly(ctx, o)
		}
	}()
	return s
}

// replayEarly starts the fast replay of the applied files (fastBuild) in
// the sandbox just started, without waiting for the caller: the plan
// reads the live side (its sizes and schema, the models) meanwhile, on
// the live server, so the replay's server work and those reads overlap
// on two cores where they followed each other. It runs as the caller's
// build would (replayConnect, the same batches, the same time limit from
// now), and only when the start prepared the batches and the sandbox is
// not the replay cache's (whose shadow is replayed already); WithShadow's
// build waits for it and takes its result as its own fast build's.
func (s *Sandbox) replayEarly(ctx context.Context, o Options) {
	if !s.prepares || s.warm || s.batchErr != nil || s.batches == nil || s.version < 0 {
		return
	}
	limit, err := PreviewTimeout()
	if err != nil {
		return // the build says so
	}
	s.deadline = time.Now().Add(limit)
	s.replayed = make(chan struct{})
	co := replayConnect(o, s.sb, s.role)
	check := (*bool)(nil)
	if s.key != "" {
		check = &s.unlogged
	}
	go func() {
		defer close(s.replayed)
		rctx, cancel := context.WithDeadline(ctx, s.deadline)
		defer cancel()
		s.fast = fastBuild(rctx, co, s.batches, check)
	}()
}

// replayConnect is the session options of the replay in the sandbox sb:
// the caller's, on the sandbox's shadow database as role, with no wait
// for a starting server and not read-only.
func replayConnect(o Options, sb *sandbox.Server, role string) pg.ConnectOptions {
	co := o.Connect
	co.URL, co.Wait, co.ReadOnly, co.SimpleProtocol = sb.URL(role, sandbox.Shadow), 0, false, false
	return co
}

func (s *Sandbox) wait() (*sandbox.Server, string, error) {
	<-s.done
	return s.sb, s.role, s.err
}

// fresh makes the shadow fresh for the slow build: the sandbox started
// again from its template, and the roles made again.
func (s *Sandbox) fresh(ctx context.Context) error {
	if err := s.sb.Fresh(ctx); err != nil {
		return err
	}
	return setUp(ctx, s.sb, s.role, s.roles)
}

// Close stops the sandbox (after it finished starting), once.
func (s *Sandbox) Close() {
	if s == nil {
		return
	}
	s.once.Do(func() {
		s.cancel()
		if sb, _, err := s.wait(); err == nil {
			if s.replayed != nil {
				<-s.replayed // its session ends with the cancel
			}
			sb.Close()
		}
	})
}

// startSandbox starts the sandbox server at the live server's major version
// and sets its roles up as the live server has them: the migration role
// (not a superuser, unable to create roles) and, as plain NOLOGIN roles it
// is a member of, every other role name, so GRANT ... TO app and OWNER TO
// app resolve. It reads the live server over a read-only session, naming
// pg_catalog's objects (a migration may have set the live database's
// search_path).
//
// The live server is read while the installations are looked for (Find
// runs pg_config and initdb --version); with one installation, which is
// the one chosen whatever the live version, the server starts without
// waiting for the live side either.
//
// With the replay cache (s.prepares), the replay's batches are prepared
// beside Find, the live side is waited for, and the key they make is
// looked up before the cluster is copied: an entry found is started from
// (its roles and shadow exist), and one that does not start or does not
// hold its shadow and role is dropped and the start is the template's, as
// without a cache.
func startSandbox(ctx context.Context, o Options, s *Sandbox) (*sandbox.Server, string, []string, error) {
	type liveSide struct {
		major int
		user  string
		roles []string
		err   error
	}
	liveDone := make(chan liveSide, 1)
	go func() {
		var ls liveSide
		live := o.Connect
		live.ReadOnly = true
		ls.err = pg.WithConn(ctx, live, func(conn *pgx.Conn) error {
			if err := conn.QueryRow(ctx, "SELECT pg_catalog.current_setting('server_version_num')::pg_catalog.int4 OPERATOR(pg_catalog./) 10000, current_user").Scan(&ls.major, &ls.user); err != nil {
				return fmt.Errorf("reading the live server: %w", err)
			}
			rows, err := conn.Query(ctx, "SELECT r.rolname FROM pg_catalog.pg_roles r WHERE NOT pg_catalog.starts_with(r.rolname::pg_catalog.text, 'pg_') AND r.rolname OPERATOR(pg_catalog.<>) current_user ORDER BY 1 LIMIT 10000")
			if err != nil {
				return fmt.Errorf("reading the live server's roles: %w", err)
			}
			ls.roles, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		liveDone <- ls
	}()
	var projects []string
	if o.Config != nil {
		projects = append(projects, o.Config.Root)
	}
	if o.MigrationsDir != "" {
		projects = append(projects, o.MigrationsDir)
	}
	type prepared struct {
		batches []string
		files   int
		err     error
	}
	var batchesDone chan prepared
	if s.prepares {
		batchesDone = make(chan prepared, 1)
		go func() {
			b, n, err := countedBatches(o, s.version)
			batchesDone <- prepared{b, n, err}
		}()
	}
	found := sandbox.FindOutside(projects...)
	// With one installation and no entry in the replay cache to look up
	// (or the cache off), the server starts while the live side is read,
	// as it did without a cache: the key, which needs the live roles, is
	// made after the start, for the marker and the save. At 17c7eff every
	// plan waited for the live server's answer before the sandbox started,
	// a CI job's on a fresh runner too, and with --no-cache (s15-review8a).
	early := s.prepares && len(found) == 1 && (o.NoCache || sandbox.NoCache() || !sandbox.HasReplays())
	var ls liveSide
	read := false
	if len(found) != 1 || s.prepares && !early {
		// Which installation depends on the live major version (and with
		// none, the live server's error comes first, as it did).
		ls, read = <-liveDone, true
		if ls.err != nil {
			return nil, "", nil, ls.err
		}
	}
	if s.prepares && !early {
		p := <-batchesDone
		s.batches, s.batchErr = p.batches, p.err
		if sb, user, ok := s.fromCache(ctx, o, ls.major, ls.user, ls.roles, found, p.files, true); ok {
			return sb, user, ls.roles, nil
		}
		if ctx.Err() != nil {
			return nil, "", nil, ctx.Err()
		}
	}
	sb, err := sandbox.Start(ctx, sandbox.Options{Major: ls.major, Found: found})
	if missing := (*sandbox.MissingError)(nil); errors.As(err, &missing) {
		missing.Skipped = sandbox.SkippedOnPath(projects...)
	}
	if !read {
		ls = <-liveDone
		if ls.err == nil && err == nil {
			_, sb.Note, _ = sandbox.Choose(found, ls.major)
		}
	}
	if ls.err != nil {
		if err == nil {
			sb.Close()
		}
		return nil, "", nil, ls.err
	}
	if err != nil {
		return nil, "", nil, err
	}
	if early {
		p := <-batchesDone
		s.batches, s.batchErr = p.batches, p.err
		s.fromCache(ctx, o, ls.major, ls.user, ls.roles, found, p.files, false)
	}
	user, roles := migrationRole(ls.user), ls.roles
	if err := setUp(ctx, sb, user, roles); err != nil {
		sb.Close()
		return nil, "", nil, err
	}
	return sb, user, roles, nil
}

// setUp makes the live server's roles in a sandbox just started, and
// gives them its shadow database (sandbox.Shadow, the cluster's one
// database: CREATE DATABASE would copy another and wait for two
// checkpoints), in one query of the session the start made to know the
// server ready, on the shadow.
func setUp(ctx context.Context, sb *sandbox.Server, user string, roles []string) error {
	err := func() error {
		conn, err := sb.Session(ctx)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		var b strings.Builder
		fmt.Fprintf(&b, "CREATE ROLE %s LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS;\n", pgx.Identifier{user}.Sanitize())
		for _, r := range roles {
			if r == sandbox.Superuser {
				continue
			}
			fmt.Fprintf(&b, "CREATE ROLE %s NOLOGIN;\nGRANT %[1]s TO %s;\n", pgx.Identifier{r}.Sanitize(), pgx.Identifier{user}.Sanitize())
		}
		fmt.Fprintf(&b, "ALTER DATABASE %s OWNER TO %s;\n", pgx.Identifier{sandbox.Shadow}.Sanitize(), pgx.Identifier{user}.Sanitize())
		_, err = conn.Exec(ctx, b.String())
		return err
	}()
	if err != nil {
		return &sandbox.StartError{Step: "creating the live server's roles and the shadow database", Err: err}
	}
	return nil
}

// migrationRole is the sandbox's role the files run as: the live
// migration role's name, unless it is the sandbox's own superuser's.
func migrationRole(live string) string {
	if live == sandbox.Superuser {
		return sandbox.Superuser + "_migrator"
	}
	return live
}

// fromCache starts the sandbox from the replay cache's entry for the
// applied files (s.batches) as the live side's roles would run them on
// the installation found for major, when there is one that starts and
// holds its shadow database and role. It sets s.key (for a save after a
// replay when it finds none) and s.cache. Without lookup (the sandbox
// started already: the cache held no entry), it only counts the miss.
func (s *Sandbox) fromCache(ctx context.Context, o Options, major int, liveUser string, roles []string, found []sandbox.Binaries, files int, lookup bool) (*sandbox.Server, string, bool) {
	if o.NoCache || sandbox.NoCache() {
		return nil, "", false
	}
	s.cache = "cold"
	if s.batchErr != nil || s.batches == nil {
		return nil, "", false // the slow build: never cached
	}
	if files < replayMinFiles {
		s.cache = "cold, too few files to save"
		return nil, "", false
	}
	bin, _, err := sandbox.Choose(found, major)
	if err != nil {
		return nil, "", false
	}
	user := migrationRole(liveUser)
	s.key = sandbox.ReplayKey(bin, replayParts(o, user, roles, s.batches)...)
	var e *sandbox.Replay
	ok := false
	if lookup {
		e, ok = sandbox.LookupReplay(s.key)
	}
	if !ok || e.Role != user {
		// Saved at the second miss only (sandbox.SeenReplay says why),
		// or at the first when the process environment asks (a CI job
		// whose Action keeps the cache for the next job).
		if sandbox.SaveFirst() || sandbox.SeenReplay(s.key) {
			s.cache = "cold, saved for the next plan"
		} else {
			s.cache = "cold, saved if these files are planned again"
			s.key = ""
		}
		return nil, "", false
	}
	sb, err := sandbox.Start(ctx, sandbox.Options{Major: major, Found: found, From: e})
	if err == nil && holds(ctx, sb, e) {
		s.warm, s.cache = true, "warm, the replay skipped"
		return sb, user, true
	}
	if err == nil {
		sb.Close()
	}
	if ctx.Err() == nil {
		sandbox.DropReplay(s.key)
	}
	return nil, "", false
}

// replayMinFiles is the fewest applied files whose replay is saved: a
// save costs a checkpoint and writing the whole cluster (16 MB or more)
// to the user's cache, and a start from it reads as much back, whatever
// the replay held; 134 files replayed in 115-140 ms of the server's CPU,
// so a replay of a few files costs less than its save. It also keeps the
// test suites' plans, of a few files each, out of the user's cache.
const replayMinFiles = 16

// replayParts is what the replay cache's key holds besides the
// installation and dbguard (sandbox.ReplayKey): the live database's name
// (kept from when the shadow's name held it: harmless, a key per live
// database), the migration role and the
// live roles in order, the settings the replay's session starts with (the
// lock_timeout, and the libpq variables of the process environment pgx
// reads, such as PGAPPNAME), and the batches: every applied file's bytes,
// in order, and the version written after them.
func replayParts(o Options, user string, roles []string, batches []string) []string {
	parts := []string{shadowSuffix(o.Connect.URL.Database()), user, strconv.Itoa(len(roles))}
	parts = append(parts, roles...)
	parts = append(parts, o.Connect.LockTimeout.String())
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "PGPASSWORD=") && !strings.HasPrefix(kv, "PGSSLPASSWORD=") {
			env = append(env, kv)
		}
	}
	slices.Sort(env)
	parts = append(parts, strconv.Itoa(len(env)))
	parts = append(parts, env...)
	parts = append(parts, serviceLines())
	parts = append(parts, strconv.Itoa(len(batches)))
	return append(parts, batches...)
}

// serviceMax bounds the service file read for the key.
const serviceMax = 1 << 20

// serviceLines is what the replay's session reads from the service file
// when PGSERVICE is in the environment (pgx reads it for every
// connection, the sandbox's too: options=, search_path= and any other
// parameter start the session), less its password lines, which a replay
// does not use and a file name must not hash; "" without PGSERVICE. The
// file is PGSERVICEFILE, else ~/.pg_service.conf, as pgx reads it.
func serviceLines() string {
	if os.Getenv("PGSERVICE") == "" {
		return ""
	}
	f := os.Getenv("PGSERVICEFILE")
	if f == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "service file: none"
		}
		f = filepath.Join(home, ".pg_service.conf")
	}
	b, err := safefile.ReadFile(f, serviceMax)
	if err != nil {
		return "service file " + f + ": unread"
	}
	var kept []string
	for _, line := range strings.Split(string(b), "\n") {
		k, _, _ := strings.Cut(line, "=")
		if k = strings.ToLower(strings.TrimSpace(k)); k == "password" || k == "sslpassword" {
			continue
		}
		kept = append(kept, line)
	}
	return "service file " + f + "\n" + strings.Join(kept, "\n")
}

// holds reports whether a sandbox started from a saved replay has the
// shadow database and the migration role its entry names, the role
// neither a superuser nor able to create roles or databases, on an
// installation whose extension and library folders are as they were
// when it was saved (sandbox.InstallID).
func holds(ctx context.Context, sb *sandbox.Server, e *sandbox.Replay) bool {
	conn, err := sb.Session(ctx)
	if err != nil {
		return false
	}
	defer conn.Close(context.Background())
	var ok bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname OPERATOR(pg_catalog.=) $1) AND EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) $2 AND rolcanlogin AND NOT rolsuper AND NOT rolcreaterole AND NOT rolcreatedb)", e.Shadow, e.Role).Scan(&ok)
	// The installation's extensions and libraries as when it was saved.
	return err == nil && ok && sandbox.InstallID(ctx, conn) == e.Install
}

// budgetCommand is the command a size error's hint says to run again.
func budgetCommand(o Options) string {
	if o.Budget != nil {
		return o.Budget.Command
	}
	return "dbguard verify --shadow"
}

// refuseBeyond reads every up migration and refuses, before anything runs,
// one that can act beyond the shadow database, which lives on a server
// dbguard did not start (setting: schema.shadow_url). The files are held
// to the preview's caps (budget, one of its own: the plan's count of its
// pending files is not charged twice): verify --shadow reads no pending
// file otherwise, and a pull request's sparse terabyte-long pending file
// was read whole here, into memory, then scanned (s13-review6c).
func refuseBeyond(dir, setting string, budget *Budget) error {
	src, err := migrate.Scan(dir)
	if err != nil {
		return err
	}
	var found []string
	for _, m := range src.Migrations {
		if m.Up == "" {
			continue
		}
		p := src.Path(m.Up)
		data, err := budget.Read(src, m.Up)
		if se := (*SizeError)(nil); errors.As(err, &se) {
			return se
		}
		if err != nil {
			return &migrate.SourceError{Path: p, Msg: fmt.Sprintf("cannot read it: %v", err), Fix: "check the file and its permissions"}
		}
		for _, a := range sqlscan.Reach(string(data)) {
			found = append(found, fmt.Sprintf("%s:%d: %s (%s)", p, a.Line, a.What, a.Why))
		}
	}
	if len(found) > 0 {
		return &LiveRefusedError{Acts: found, Setting: setting}
	}
	return nil
}

// LiveRefusedError means schema.shadow_url, whose server may be the live
// one, was asked for migration files that can act beyond the shadow
// database (exit 1).
type LiveRefusedError struct {
	Acts    []string
	Setting string // "schema.shadow_url"
}

func (e *LiveRefusedError) Error() string {
	const show = 5
	more := ""
	acts := e.Acts
	if len(acts) > show {
		more = fmt.Sprintf("; and %d more", len(acts)-show)
		acts = acts[:show]
	}
	return "schema.shadow_url: the migrations hold statements that can act beyond the shadow database, on the server schema.shadow_url's variable names (which may be the live one); nothing was run: " + strings.Join(acts, "; ") + more
}

// ExitCode is 1: the migrations fail the check.
func (e *LiveRefusedError) ExitCode() int { return exitcode.CheckFailed }

// Hint names the fix.
func (e *LiveRefusedError) Hint() string {
	return "unset the variable schema.shadow_url names, or remove shadow_url from dbguard.yaml, to run the preview in a throwaway sandbox server (install the PostgreSQL server package), then run the command again"
}
