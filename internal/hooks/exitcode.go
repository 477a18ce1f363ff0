package hooks

import "github.com/dbguard/dbguard/internal/exitcode"

// ExitCode is 1: the commit is blocked.
func (e *BlockedError) ExitCode() int { return exitcode.CheckFailed }
