package migrate

import (
	"cmp"
	"fmt"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
)

// versionArg prints a version as the force command takes it.
func versionArg(v int) string { return fmt.Sprint(v) }

// DirtyError is a database whose last migration failed part-way (or whose
// client died during it). Every command that finds one builds it the same
// way (Runner.explainDirty), so status, version, up, ci and doctor say the
// same thing.
type DirtyError struct {
	Version int
	File    string // the migration that failed, if known
	Prev    int    // the clean version to go back to, -1 for none
	// InProgress names the session applying it right now, if any: then
	// the version is dirty because a migration is running, not because
	// one failed.
	InProgress string
	// Entry is the ledger's record of the migration in flight; nil when
	// the ledger has none (it failed under raw golang-migrate, or before
	// dbguard kept a ledger).
	Entry *Entry
	// Why the file does not run as one transaction, and the statements
	// that may have taken effect.
	Why        string
	MayHaveRun []string
	// InvalidIndexes are the indexes left INVALID (a CREATE INDEX
	// CONCURRENTLY that failed or was cut): drop them before retrying.
	InvalidIndexes []string
	// Without a record, golang-migrate's dirty number means either the up
	// file of Version failed, or the down file of OtherVersion (Other).
	Other        string
	OtherVersion int
}

// ExitCode is 1: the state needs a person.
func (e *DirtyError) ExitCode() int { return exitcode.CheckFailed }

// Where is the failed file, for annotations.
func (e *DirtyError) Where() string { return e.File }

func (e *DirtyError) Error() string {
	if e.InProgress != "" {
		return fmt.Sprintf("version %d is being applied right now by %s", e.Version, e.InProgress)
	}
	f := e.Entry
	if f == nil {
		switch {
		case e.File == "":
			return fmt.Sprintf("the database is dirty at version %d: a migration failed part-way", e.Version)
		case e.Other != "":
			return fmt.Sprintf("the database is dirty at version %d: %s failed part-way going up, or %s going down (golang-migrate records only the number, and dbguard's ledger has no record of that run)", e.Version, e.File, e.Other)
		}
		return fmt.Sprintf("the database is dirty at version %d: %s failed part-way", e.Version, e.File)
	}
	var b strings.Builder
	what := fmt.Sprintf("migration %d", f.Version)
	if e.File != "" {
		what = e.File
	}
	order := ""
	if f.OutOfOrder {
		order = " (out of order)"
	}
	if f.Error != "" {
		at := ""
		if f.ErrorLine > 0 {
			at = fmt.Sprintf(" at line %d", f.ErrorLine)
		}
		fmt.Fprintf(&b, "the database is dirty at version %d: %s failed going %s%s%s: %s", e.Version, what, f.Direction, order, at, f.Error)
	} else {
		fmt.Fprintf(&b, "the database is dirty at version %d: %s stopped going %s%s before it was recorded (its client died or lost the connection)", e.Version, what, f.Direction, order)
	}
	fmt.Fprintf(&b, "; started %s by %s", f.StartedAt.UTC().Format(time.RFC3339), who(*f))
	switch {
	case f.Committed != nil:
		fmt.Fprintf(&b, "\n    its transaction committed on the server at %s: the migration is fully applied, only the record is missing", f.Committed.UTC().Format(time.RFC3339))
	case f.Transactional:
		b.WriteString("\n    it ran as one transaction, so PostgreSQL rolled all of it back: nothing of it was applied")
	default:
		fmt.Fprintf(&b, "\n    it does not run as one transaction (%s), so part of it may have taken effect", e.Why)
		if len(e.MayHaveRun) == 0 {
			b.WriteString("; no statement before the failure")
		}
		for _, s := range e.MayHaveRun {
			b.WriteString("\n      may have run: " + s)
		}
		for _, ix := range e.InvalidIndexes {
			fmt.Fprintf(&b, "\n    index %s is INVALID (a CREATE INDEX CONCURRENTLY cut short): drop it with DROP INDEX CONCURRENTLY %s;", ix, ix)
		}
	}
	return b.String()
}

// Hint names the next step; every command in it runs as printed.
func (e *DirtyError) Hint() string {
	if e.InProgress != "" {
		return "wait for it to finish, then run the command again"
	}
	f := e.Entry
	if f == nil {
		h := fmt.Sprintf("check what the failed migration left behind and undo it, then mark the version before it clean and retry: dbguard migrate force %s && dbguard migrate up", versionArg(e.Prev))
		if e.Other != "" {
			h += fmt.Sprintf("; if it was %s that failed: dbguard migrate force %d && dbguard migrate down 1", e.Other, e.OtherVersion)
		}
		return h + fmt.Sprintf(" (or, if you completed it by hand: dbguard migrate force %d)", e.Version)
	}
	retry := "dbguard migrate up"
	if f.Direction == DirDown {
		retry = "dbguard migrate down 1"
	}
	// A run whose client died (kill -9, a lost connection) recorded no
	// error: nothing is wrong with the file, it only has to run again.
	next := "then fix the file and run: " + retry
	if f.Error == "" {
		next = "then run it again (nothing says the file is wrong; its run was cut): " + retry
	}
	switch {
	case f.Committed != nil:
		return fmt.Sprintf("record it as applied: dbguard migrate recover (the version becomes %d)", f.VersionDirty)
	case f.Transactional:
		return fmt.Sprintf("put the version back to %s: dbguard migrate recover; %s", versionArg(f.VersionBefore), next)
	}
	undo := "check what those statements left behind and undo it"
	if len(e.InvalidIndexes) > 0 {
		undo = "drop the INVALID index(es) named above, check what else those statements left behind and undo it"
	}
	return fmt.Sprintf("%s, then put the version back to %s: dbguard migrate recover --yes; %s", undo, versionArg(f.VersionBefore), next)
}

// NoRecordError is recover on a dirty database the ledger has no record
// of: only a person can say what the failed migration left.
type NoRecordError struct{ Dirty *DirtyError }

// ExitCode is 1: the state needs a person.
func (e *NoRecordError) ExitCode() int { return exitcode.CheckFailed }

func (e *NoRecordError) Error() string {
	return "cannot recover by itself: " + e.Dirty.Error()
}

// Hint names the next step.
func (e *NoRecordError) Hint() string { return e.Dirty.Hint() }

// StaleRecordError is recover on a ledger record that says the file
// committed while the catalog lacks what the file creates: something ran
// after the record (a raw golang-migrate force, then a failed raw up).
type StaleRecordError struct {
	Dirty    *DirtyError
	Missing  string
	Fallback *DirtyError // the same dirty version explained without the record
}

// ExitCode is 1: the state needs a person.
func (e *StaleRecordError) ExitCode() int { return exitcode.CheckFailed }

func (e *StaleRecordError) Error() string {
	f := e.Dirty.Entry
	return fmt.Sprintf("cannot recover by itself: the ledger says %s committed at %s, but the database lacks what it creates (%s): something ran after that record (a raw golang-migrate force or up?), so it is not recorded as applied",
		cmp.Or(e.Dirty.File, f.File), f.Committed.UTC().Format(time.RFC3339), e.Missing)
}

// Hint names the next step.
func (e *StaleRecordError) Hint() string { return e.Fallback.Hint() }

// ConfirmError is recover on a file that did not run as one transaction:
// what may have run is shown, and --yes is needed.
type ConfirmError struct{ Dirty *DirtyError }

// ExitCode is 1: a person must check first.
func (e *ConfirmError) ExitCode() int { return exitcode.CheckFailed }

func (e *ConfirmError) Error() string { return "not recovered: " + e.Dirty.Error() }

// Hint names the next step.
func (e *ConfirmError) Hint() string { return e.Dirty.Hint() }

// EditedError is applied migrations whose files changed since.
type EditedError struct{ Edited []Edited }

// ExitCode is 1: the folder no longer says what the database ran.
func (e *EditedError) ExitCode() int { return exitcode.CheckFailed }

// Where is the first edited file, for annotations.
func (e *EditedError) Where() string { return e.Edited[0].File }

func (e *EditedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d applied migration file(s) changed since they ran:", len(e.Edited))
	for _, x := range e.Edited {
		how := "applied"
		if x.Adopted {
			how = "found applied (ledger adopted it)"
		}
		fmt.Fprintf(&b, "\n    %s: %s %s by %s with sha256 %s; the file is now %s", x.File, how,
			x.AppliedAt.UTC().Format(time.RFC3339), x.AppliedBy, shortSum(x.Applied), shortSum(x.Current))
	}
	return b.String()
}

// Hint names the next step.
func (e *EditedError) Hint() string {
	x := e.Edited[0]
	return fmt.Sprintf("undo the edit (git log -p -- %s shows it) and put the change in a new migration: dbguard migrate create %s; if the edit changes nothing that must run again (a comment, whitespace), accept it: dbguard migrate accept %d", output.ShellWord(x.File), newName(x.File, "_change"), x.Version)
}

// LateError is migrations below the recorded version that were never
// applied: merged after a newer one ran, golang-migrate skips them forever.
type LateError struct {
	Files   []string
	Current int
}

// ExitCode is 1: migrations would be skipped.
func (e *LateError) ExitCode() int { return exitcode.CheckFailed }

// Where is the first late file, for annotations.
func (e *LateError) Where() string { return e.Files[0] }

func (e *LateError) Error() string {
	return fmt.Sprintf("%d migration(s) below the database's version %d were never applied (merged late), and golang-migrate would skip them forever: %s",
		len(e.Files), e.Current, strings.Join(e.Files, ", "))
}

// Hint names the next step.
func (e *LateError) Hint() string {
	return "apply them now, below the newer ones: dbguard migrate up --allow-out-of-order; or, if they depend on the newer ones, move their SQL into a new migration: dbguard migrate create " + newName(e.Files[0], "")
}

// AcceptError is accept of an edited file, before anything is recorded:
// what the file now holds, and that none of it runs.
type AcceptError struct {
	Version    int
	File       string
	Applied    string // the ledger's checksum of the file as applied
	Current    string
	Statements []string // the file's statements now, file:line: text
	Missing    string   // what the file creates that the database lacks
}

// ExitCode is 1: a person must look first.
func (e *AcceptError) ExitCode() int { return exitcode.CheckFailed }

// Where is the edited file, for annotations.
func (e *AcceptError) Where() string { return e.File }

func (e *AcceptError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "not accepted: %s was applied with sha256 %s and is now %s; the ledger keeps the checksum, not the old text, so the edit cannot be shown here (git log -p -- %s shows it)",
		e.File, shortSum(e.Applied), shortSum(e.Current), e.File)
	b.WriteString("\n    accept runs nothing: if the edit added statements, they are NOT applied to the database. The file now holds:")
	const most = 20
	for i, s := range e.Statements {
		if i == most {
			fmt.Fprintf(&b, "\n      ... and %d more", len(e.Statements)-most)
			break
		}
		b.WriteString("\n      " + s)
	}
	if e.Missing != "" {
		fmt.Fprintf(&b, "\n    the database lacks what the file now creates (%s): the edit added DDL that never ran", e.Missing)
	}
	return b.String()
}

// Hint names the next step.
func (e *AcceptError) Hint() string {
	if e.Missing != "" {
		return fmt.Sprintf("undo the edit (git checkout -- %s) and put the new SQL in a new migration: dbguard migrate create %s", output.ShellWord(e.File), newName(e.File, "_change"))
	}
	return fmt.Sprintf("if the edit changes nothing that must run (a comment, whitespace, a reformat), accept it with: dbguard migrate accept --yes %d; otherwise undo it and put the change in a new migration: dbguard migrate create %s", e.Version, newName(e.File, "_change"))
}

// notApplied is accept on a version the ledger has not applied.
func notApplied(v int, file string) error {
	return &exitcode.Advice{Code: exitcode.CheckFailed, Msg: fmt.Sprintf("migration %d (%s) is not applied, so there is no checksum to accept", v, file),
		Next: "see what is applied with: dbguard migrate status"}
}

// MissingVersionError is a recorded version with no file in the folder.
type MissingVersionError struct {
	Version int
	Dir     string
	Below   int // the newest version the folder has below it, -1 for none
}

// ExitCode is 1: the database is at a version the folder lacks.
func (e *MissingVersionError) ExitCode() int { return exitcode.CheckFailed }

func (e *MissingVersionError) Error() string {
	return fmt.Sprintf("the database is at version %d, but %s has no migration %d (a branch switch, or a deleted file?)", e.Version, e.Dir, e.Version)
}

// Hint names the next step.
func (e *MissingVersionError) Hint() string {
	return fmt.Sprintf("check out the branch that has migration %d; if it was removed on purpose and its changes undone, run: dbguard migrate force %s", e.Version, versionArg(e.Below))
}

// NoSuchVersionError is a version asked for that the folder does not have.
type NoSuchVersionError struct {
	Version int
	Dir     string
}

func (e *NoSuchVersionError) Error() string {
	return fmt.Sprintf("%s has no migration %d", e.Dir, e.Version)
}

// Hint names the next step.
func (e *NoSuchVersionError) Hint() string { return "list the versions with: dbguard migrate status" }

// LockTimeoutError means another migration held the lock for too long.
type LockTimeoutError struct {
	Target  string
	Timeout time.Duration
	Holder  string
}

// ExitCode is 1: another migration holds the lock, in every command.
func (e *LockTimeoutError) ExitCode() int { return exitcode.CheckFailed }

func (e *LockTimeoutError) Error() string {
	msg := fmt.Sprintf("another migration holds the lock on %s; gave up after %s", e.Target, e.Timeout)
	if e.Holder != "" {
		msg += "; held by " + e.Holder
	}
	return msg
}

// Hint names the next step.
func (e *LockTimeoutError) Hint() string {
	return "wait for it to finish and run the command again (or raise --lock-timeout); a stuck session can be ended with SELECT pg_terminate_backend(PID)"
}

// HolderUnreadError is the read of who holds the migration lock failing
// or timing out: whether a migration run is in progress is not known, and
// status says so rather than "pending" or "failed".
type HolderUnreadError struct {
	Target string
	Err    error
}

// ExitCode is 3: the server did not answer the read.
func (e *HolderUnreadError) ExitCode() int { return exitcode.Unreachable }

func (e *HolderUnreadError) Error() string {
	return fmt.Sprintf("could not read who holds the migration lock on %s (%v): whether a migration run is in progress is not known", e.Target, e.Err)
}

func (e *HolderUnreadError) Unwrap() error { return e.Err }

// Hint names the next step.
func (e *HolderUnreadError) Hint() string {
	return "wait for the server (it was slow to answer, or a session holds a lock on its catalog: " + holderUnreadSQL + " shows each session that waits for a lock and, in blocked_by, the ones it waits for), then run the command again"
}

// holderUnreadSQL is the query HolderUnreadError's hint names: the
// sessions waiting for a lock and the ones holding it up. Before, the
// hint's query showed only who waits (dbguard's own read, cancelled or
// not yet), never the session that held the catalog.
const holderUnreadSQL = "SELECT pid, pg_blocking_pids(pid) AS blocked_by, query FROM pg_stat_activity WHERE wait_event_type = 'Lock'"

// MigrationError is a migration statement the server rejected.
type MigrationError struct {
	File      string // the failed migration file, if known
	Direction string
	Version   int    // the version recorded (dirty) after the failure
	Failed    int    // the version whose file failed
	Prev      int    // the clean version below Failed
	Line      int    // line within the file, from the server's position
	Query     string // the file's text as sent
	PgErr     *pgconn.PgError
	// From the ledger's entry in flight, when there is one (Ledger).
	Ledger        bool
	OutOfOrder    bool
	Transactional bool
	Why           string // why it does not run as one transaction
	// Committed: the file's transaction committed; what failed is the
	// version write after it (PgErr is that failure).
	Committed bool
}

// ExitCode is 1: a migration failed.
func (e *MigrationError) ExitCode() int { return exitcode.CheckFailed }

func (e *MigrationError) Error() string {
	var b strings.Builder
	loc := e.File
	if loc == "" {
		loc = "migration"
	}
	line, col, text := e.position()
	if line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", loc, line, col)
	}
	// The server's words quote the file (an unterminated string runs to
	// its end), so they are cut like the excerpt.
	if e.Committed {
		fmt.Fprintf(&b, "%s: applied and committed, but recording the version after it failed: ", loc)
		loc = "" // the position is not in the file
		line = 0
	}
	if loc != "" {
		loc += ": "
	}
	fmt.Fprintf(&b, "%s%s (SQLSTATE %s)", loc, output.Clip(e.PgErr.Message, maxMessage), e.PgErr.Code)
	if e.PgErr.Detail != "" {
		fmt.Fprintf(&b, "\n    detail: %s", output.Clip(e.PgErr.Detail, maxMessage))
	}
	if e.PgErr.Hint != "" {
		fmt.Fprintf(&b, "\n    server hint: %s", output.Clip(e.PgErr.Hint, maxMessage))
	}
	if line > 0 {
		shown, caret := window(text, col-1, excerptWidth)
		prefix := fmt.Sprintf("    %d | ", line)
		fmt.Fprintf(&b, "\n%s%s\n%s^", prefix, shown, strings.Repeat(" ", len(prefix)-2)+"| "+strings.Repeat(" ", caret))
	}
	return b.String()
}

// What an error may quote of a migration file: one line, cut to
// excerptWidth characters around the failing column, and the server's
// message cut to maxMessage bytes. A migration can be 50 MB on one line, or
// a file that was never meant to be sent (see regular).
const (
	excerptWidth = 100
	maxMessage   = 300
)

// window returns at most width characters of line around the character at
// index at (0-based), marking cut ends with "...", and where at now falls.
func window(line string, at, width int) (string, int) {
	n := utf8.RuneCountInString(line)
	if n <= width {
		return line, max(at, 0)
	}
	start := max(0, min(at-width/3, n-width))
	end := start + width
	var b strings.Builder
	caret := at - start
	if start > 0 {
		b.WriteString("...")
		caret += 3
	}
	i := 0
	for _, r := range line {
		if i >= end {
			break
		}
		if i >= start {
			b.WriteRune(r)
		}
		i++
	}
	if end < n {
		b.WriteString("...")
	}
	return b.String(), max(caret, 0)
}

// position turns the server's character position into line, column and the
// line's text.
func (e *MigrationError) position() (line, col int, text string) {
	pos := int(e.PgErr.Position)
	if pos <= 0 || e.Query == "" {
		return 0, 0, ""
	}
	q := strings.ReplaceAll(e.Query, "\r\n", "\n")
	if pos > utf8.RuneCountInString(q)+1 {
		return 0, 0, ""
	}
	line, col = 1, 1
	i := 0
	lineStart := 0
	for bi, r := range q {
		i++
		if i == pos {
			break
		}
		if r == '\n' {
			line++
			col = 1
			lineStart = bi + 1
		} else {
			col++
		}
	}
	end := strings.IndexByte(q[lineStart:], '\n')
	if end < 0 {
		end = len(q) - lineStart
	}
	text = strings.ReplaceAll(q[lineStart:lineStart+end], "\t", " ")
	return line, col, text
}

// Hint names the next step.
func (e *MigrationError) Hint() string {
	retry := "dbguard migrate up"
	if e.Direction == "down" {
		retry = "dbguard migrate down 1"
	}
	switch {
	case e.Committed:
		return "the migration is fully applied, only its record is missing (a file that changes the session, such as SET ROLE, must undo it at its end: RESET ROLE); record it with: dbguard migrate recover"
	case e.Ledger && e.Transactional:
		return fmt.Sprintf("PostgreSQL ran it as one transaction, so nothing of it was applied; put the version back with: dbguard migrate recover; then fix the file and run: %s", retry)
	case e.Ledger:
		return fmt.Sprintf("it does not run as one transaction (%s), so what ran before the failure stays: check it (listed by: dbguard migrate status), undo it, then: dbguard migrate recover --yes; then fix the file and run: %s", e.Why, retry)
	}
	return fmt.Sprintf("fix the file (PostgreSQL ran it as one transaction, so unless it has its own COMMIT nothing of it was applied); the database is marked dirty at version %d, so then run: dbguard migrate force %s && %s",
		e.Version, versionArg(e.stateBefore()), retry)
}

// Where is the failed file, for annotations.
func (e *MigrationError) Where() string { return e.File }

// stateBefore is the clean version to force before retrying: below the
// failed migration going up, the failed migration itself going down.
func (e *MigrationError) stateBefore() int {
	if e.Direction == "down" {
		return e.Failed
	}
	return e.Prev
}

// InterruptedError means Ctrl-C or SIGTERM stopped the run between two
// migrations; the database is clean.
// StatementTimeoutError is a migration cut by migrations.statement_timeout.
// golang-migrate enforces it on the client, by cancelling the query and
// closing the connection, so the server rolled back what was not committed.
type StatementTimeoutError struct {
	File          string
	Timeout       time.Duration
	Transactional bool
}

// ExitCode is 1: the migration failed.
func (e *StatementTimeoutError) ExitCode() int { return exitcode.CheckFailed }

// Where is the file that ran too long.
func (e *StatementTimeoutError) Where() string { return e.File }

func (e *StatementTimeoutError) Error() string {
	return fmt.Sprintf("%s: a statement ran longer than migrations.statement_timeout (%s) and was cancelled; the database is marked dirty", cmp.Or(e.File, "migration"), e.Timeout)
}

// Hint names the next step.
func (e *StatementTimeoutError) Hint() string {
	if e.Transactional {
		return "it ran as one transaction, so nothing of it was applied; put the version back with: dbguard migrate recover; then raise migrations.statement_timeout in dbguard.yaml (or split the file) and run: dbguard migrate up"
	}
	return "it does not run as one transaction, so part of it may have run: see what with: dbguard migrate status; then raise migrations.statement_timeout in dbguard.yaml and recover"
}

type InterruptedError struct {
	Version int
	Err     error
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("interrupted: stopped after the migration in flight; the database is clean at version %d", e.Version)
}

func (e *InterruptedError) Unwrap() error { return e.Err }

// Hint names the next step.
func (e *InterruptedError) Hint() string { return "run the same command again to continue" }

// PendingError means migrations are waiting (dbguard migrate status).
type PendingError struct {
	Count int
	// InProgress names the session of a migration run holding the lock
	// right now, between two of its migrations: they are being applied.
	InProgress string
}

// ExitCode is 1: migrations are pending.
func (e *PendingError) ExitCode() int { return exitcode.CheckFailed }

func (e *PendingError) Error() string {
	if e.InProgress != "" {
		return fmt.Sprintf("%d migration(s) pending, and a migration run is in progress: %s holds the migration lock", e.Count, e.InProgress)
	}
	return fmt.Sprintf("%d migration(s) pending", e.Count)
}

// Hint names the next step.
func (e *PendingError) Hint() string {
	if e.InProgress != "" {
		return "wait for it to finish, then check again with: dbguard migrate status"
	}
	return "apply them with: dbguard migrate up"
}

// newName is a name for a new migration taken from file's ("000003_add_users.up.sql"
// gives add_users, plus suffix), for a hint that runs as printed: only
// letters, digits and underscores, since the file name comes from the
// repository and the hint is pasted into a shell.
func newName(file, suffix string) string {
	base := filepath.Base(file)
	if _, rest, ok := strings.Cut(base, "_"); ok {
		base = rest
	}
	base, _, _ = strings.Cut(base, ".")
	name := strings.Map(func(r rune) rune {
		if r == '_' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return -1
	}, base)
	if name == "" {
		return "change"
	}
	return name + suffix
}
