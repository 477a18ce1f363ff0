package migrate

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
)

// versionArg prints a version as the force command takes it.
func versionArg(v int) string { return fmt.Sprint(v) }

// DirtyError is a database whose last migration failed part-way.
type DirtyError struct {
	Version int
	File    string // the migration that failed, if known
	Prev    int    // the version before it, -1 for none
	// InProgress names the session applying it right now, if any: then
	// the version is dirty because a migration is running, not because
	// one failed.
	InProgress string
}

// ExitCode is 1: the state needs a person.
func (e *DirtyError) ExitCode() int { return exitcode.CheckFailed }

func (e *DirtyError) Error() string {
	if e.InProgress != "" {
		return fmt.Sprintf("version %d is being applied right now by %s", e.Version, e.InProgress)
	}
	if e.File == "" {
		return fmt.Sprintf("the database is dirty at version %d: a migration failed part-way", e.Version)
	}
	return fmt.Sprintf("the database is dirty at version %d: %s failed part-way", e.Version, e.File)
}

// Hint names the next step.
func (e *DirtyError) Hint() string {
	if e.InProgress != "" {
		return "wait for it to finish, then run the command again"
	}
	return fmt.Sprintf("check what the failed migration left behind and undo it, then mark the version before it clean and retry: dbguard migrate force %s && dbguard migrate up (or, if you completed it by hand: dbguard migrate force %d)",
		versionArg(e.Prev), e.Version)
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
	fmt.Fprintf(&b, "%s: %s (SQLSTATE %s)", loc, output.Clip(e.PgErr.Message, maxMessage), e.PgErr.Code)
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
	return fmt.Sprintf("fix the file (PostgreSQL ran it as one transaction, so unless it has its own COMMIT nothing of it was applied); the database is marked dirty at version %d, so then run: dbguard migrate force %s && dbguard migrate %s",
		e.Version, versionArg(e.stateBefore()), e.Direction)
}

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
	return "apply them with: dbguard migrate up (or pass --allow-pending)"
}
