// Package exitcode owns dbguard's exit codes, the ones scripts rely on:
// 0 ok, 1 a check failed, 2 usage or configuration error, 3 database
// unreachable, 130 interrupted. An error that is not a usage or
// configuration error says its class itself, with an ExitCode method; Of
// reads it, so that every command, the CI gate and doctor agree.
package exitcode

import (
	"context"
	"errors"
)

// The exit codes.
const (
	OK          = 0
	CheckFailed = 1   // a conflict, drift, a dirty or pending migration, a blocked commit
	Usage       = 2   // usage, configuration or malformed input
	Unreachable = 3   // the database could not be reached
	Interrupted = 130 // Ctrl-C
)

// Coder is an error that knows its exit code.
type Coder interface{ ExitCode() int }

// Of is the exit code an error means: its own, 130 for an interruption,
// else 2 (configuration, usage, malformed input, and anything unexpected).
func Of(err error) int {
	if err == nil {
		return OK
	}
	var c Coder
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	if errors.Is(err, context.Canceled) {
		return Interrupted
	}
	return Usage
}

// Advice is an error that is only its words: what is wrong, its exit
// code, and the next step. For errors a caller never inspects beyond that,
// instead of a type each.
type Advice struct {
	Code int
	Msg  string
	Next string
}

func (e *Advice) Error() string { return e.Msg }

// ExitCode is the class the error was given.
func (e *Advice) ExitCode() int { return e.Code }

// Hint names the next step.
func (e *Advice) Hint() string { return e.Next }
