package verify

import (
	"fmt"
	"os"
	"time"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
)

// DefaultTimeout is how long a preview may run migration files in the
// shadow: the replay of the applied ones (verify --shadow, the plan's
// shadow), and the plan's trace of the pending ones, each on its own
// clock. A file is the branch's SQL, and a sleep or an endless loop in it
// (SELECT pg_sleep(1e9), a DO block that catches the cancel and sleeps
// again; a server's statement_timeout is one a file can SET) held
// migrate plan, verify --shadow and ci until the CI job's own timeout,
// six hours on GitHub. A schema without the live data replays in
// seconds, so the bound is generous. The process environment's
// DBGUARD_PREVIEW_TIMEOUT (the user's word, never dbguard.yaml, which a
// pull request writes) sets another.
const DefaultTimeout = 15 * time.Minute

// PreviewTimeout is the preview's time limit: DBGUARD_PREVIEW_TIMEOUT,
// else DefaultTimeout; a value that is no positive duration is a
// configuration error (exit 2).
func PreviewTimeout() (time.Duration, error) {
	v := os.Getenv("DBGUARD_PREVIEW_TIMEOUT")
	if v == "" {
		return DefaultTimeout, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, &config.Error{Msg: "DBGUARD_PREVIEW_TIMEOUT=" + output.ShellWord(output.Escape(v)) + " in the environment: not a positive duration (write it as 30m or 1h)",
			Fix: "set it to a duration (export DBGUARD_PREVIEW_TIMEOUT=30m), or unset it for the default 15m (unset DBGUARD_PREVIEW_TIMEOUT), then run the command again"}
	}
	return d, nil
}

// TimeoutError is a preview that ran past its time limit (exit 1). File
// and Line are where, when known: the pending file the plan was running,
// at the first statement of what it had sent (a file runs in one query
// when it can); the replay of the applied files names none.
type TimeoutError struct {
	Limit time.Duration
	File  string
	Line  int
	// Version is the version the replay was building to (-1: the plan's
	// trace of the pending files).
	Version int
	// Command is the command the hint runs again ("": dbguard migrate
	// plan for the trace, dbguard verify --shadow for the replay).
	Command string
}

func (e *TimeoutError) Error() string {
	if e.File == "" && e.Version >= 0 {
		return fmt.Sprintf("the shadow's replay of the migrations up to version %d ran past its time limit (%s) and was stopped: one of them sleeps, loops or waits (migrate up would hold the live database as long)", e.Version, e.Limit)
	}
	if e.File == "" {
		// Past the last file, or in the trace's own reads between files.
		return fmt.Sprintf("the preview ran past its time limit (%s) in the shadow, after the statements of the pending files were sent, and was stopped: one of them sleeps, loops or waits (migrate up would hold the live database as long)", e.Limit)
	}
	return fmt.Sprintf("%s:%d: the preview ran past its time limit (%s) in the shadow, in the statements sent from this line on, and was stopped: one of them sleeps, loops or waits (migrate up would hold the live database as long)",
		output.Escape(output.FilePath(e.File)), e.Line, e.Limit)
}

// ExitCode is 1: the migrations would not end in time.
func (e *TimeoutError) ExitCode() int { return exitcode.CheckFailed }

// Hint names the next step.
func (e *TimeoutError) Hint() string {
	cmd := e.Command
	switch {
	case cmd != "":
	case e.Version >= 0:
		cmd = "dbguard verify --shadow"
	default:
		cmd = "dbguard migrate plan"
	}
	// More than the limit that ran out, or the printed command would stop
	// the same way.
	more := "1h"
	if e.Limit >= time.Hour {
		more = (2 * e.Limit).String()
	}
	return "look at what the files run there; for migrations that need longer in an empty schema, give the preview more time in the job's environment: DBGUARD_PREVIEW_TIMEOUT=" + more + " " + cmd
}
