package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/gate"
	"github.com/dbguard/dbguard/internal/hooks"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/schema"
	"github.com/dbguard/dbguard/internal/verify"
)

// Exit codes. They are part of dbguard's interface, documented in the README;
// this is the only place that chooses one.
const (
	exitOK          = 0   // everything checked out
	exitCheckFailed = 1   // a check failed: conflict, drift, dirty, blocked commit
	exitUsage       = 2   // usage or configuration error, malformed input
	exitUnreachable = 3   // the database could not be reached
	exitInterrupted = 130 // Ctrl-C or SIGTERM
)

// exitStatus ends the command with this code and no message: what went
// wrong is already on the screen (exec's child, doctor's report).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// usageError marks a mistake on the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitCode maps an error to the exit code a script can rely on.
func exitCode(err error) int {
	var (
		conflict    *envcheck.ConflictError
		strict      *envcheck.StrictError
		dirty       *migrate.DirtyError
		failed      *migrate.MigrationError
		lock        *migrate.LockTimeoutError
		missing     *migrate.MissingVersionError
		pending     *migrate.PendingError
		unreachable *migrate.UnreachableError
		drift       *verify.DiffError
		schemaDiff  *schema.DiffError
		blocked     *hooks.BlockedError
		gateErr     *gate.GateError
		status      exitStatus
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &status):
		return int(status)
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &gateErr):
		return map[gate.Status]int{gate.Fail: exitCheckFailed, gate.Error: exitUsage, gate.Unreachable: exitUnreachable}[gateErr.Status]
	case errors.As(err, &unreachable):
		return exitUnreachable
	case errors.As(err, &conflict), errors.As(err, &strict),
		errors.As(err, &dirty), errors.As(err, &failed), errors.As(err, &lock),
		errors.As(err, &missing), errors.As(err, &pending), errors.Is(err, declinedError{}),
		errors.As(err, &drift), errors.As(err, &schemaDiff), errors.As(err, &blocked):
		return exitCheckFailed
	default:
		// Configuration, usage and malformed input: config.Error,
		// envcheck.ParseError, ValueError, NoURLError, MissingFileError,
		// guard.PoolerError, migrate.SourceError, RejectedError,
		// NoSuchVersionError, schema.ExpectError, SnapshotError,
		// verify.ShadowError, usageError, and anything unexpected.
		return exitUsage
	}
}
