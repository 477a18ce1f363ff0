package main

import (
	"fmt"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// Exit codes: internal/exitcode owns them (documented in the README); these
// names keep cmd short.
const (
	exitOK          = exitcode.OK
	exitCheckFailed = exitcode.CheckFailed
	exitUsage       = exitcode.Usage
	exitUnreachable = exitcode.Unreachable
	exitInterrupted = exitcode.Interrupted
)

// exitStatus ends the command with this code and no message: what went
// wrong is already on the screen (exec's child, doctor's report).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// ExitCode is itself.
func (e exitStatus) ExitCode() int { return int(e) }

// usageError marks a mistake on the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// ExitCode is 2, whatever it wraps.
func (e usageError) ExitCode() int { return exitcode.Usage }

// exitWith ends a command that reports its own outcome (exec's child,
// doctor's report) with code, unless err.
func exitWith(code int, err error) error {
	if err != nil {
		return err
	}
	if code != 0 {
		return exitStatus(code)
	}
	return nil
}

// exitCode maps an error to the exit code a script can rely on: the one
// the error carries (exitcode.Of), the same in every command, ci and doctor.
func exitCode(err error) int { return exitcode.Of(err) }
