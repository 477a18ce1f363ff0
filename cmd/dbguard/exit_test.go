package main

import (
	"context"
	"errors"
	"testing"
)

// After the first Ctrl-C, an error with no code of its own is the
// interrupt's: exit 130, said "interrupted"; before, a connection the
// interrupt closed ("conn closed") exited 2. An error with its own code,
// and any error without an interrupt, are as they were.
func TestAfterInterrupt(t *testing.T) {
	live := context.Background()
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	closed := errors.New("conn closed")
	if got := exitCode(afterInterrupt(stopped, closed)); got != exitInterrupted {
		t.Errorf("conn closed after Ctrl-C: exit %d, want %d", got, exitInterrupted)
	}
	if got := errorText(afterInterrupt(stopped, closed)); got != "interrupted (conn closed)" {
		t.Errorf("conn closed after Ctrl-C reads %q", got)
	}
	if got := exitCode(afterInterrupt(live, closed)); got != exitUsage {
		t.Errorf("conn closed without Ctrl-C: exit %d, want %d", got, exitUsage)
	}
	failed := exitStatus(exitCheckFailed)
	if got := exitCode(afterInterrupt(stopped, failed)); got != exitCheckFailed {
		t.Errorf("a failed check after Ctrl-C: exit %d, want %d", got, exitCheckFailed)
	}
	if got := afterInterrupt(stopped, nil); got != nil {
		t.Errorf("no error after Ctrl-C: %v", got)
	}
}
