// Package fifotest makes the named pipes of the attack tests: a repository
// puts a FIFO where dbguard reads a file, and opening it for reading waits
// for a writer that never comes. A test makes one with Make, runs the read
// with Within, and fails if the read is still waiting after a bound it
// chooses; Make's clean-up then lets the stuck reader go, so a failed test
// ends instead of hanging the package.
//
// Only test files import this package: no dbguard binary holds it.
package fifotest

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// releases bounds how many waiting readers Make's clean-up lets go: a
// test runs a handful of reads on one FIFO at the most.
const releases = 16

// Make creates a FIFO at path, mode 0o644, failing t if it cannot, and
// returns path. When t ends, every reader still waiting to open it (the
// test has failed then) is let go: the clean-up opens the FIFO for
// writing without waiting, which succeeds only while a reader is there,
// and closes it at once, so the reader sees an empty file.
func Make(t testing.TB, path string) string {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Release(path) })
	return path
}

// Release lets go the readers waiting to open the FIFO at path, as Make's
// clean-up does, for a test that must end a wait before it ends itself.
func Release(path string) {
	for range releases {
		f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if errors.Is(err, syscall.ENXIO) || errors.Is(err, os.ErrNotExist) {
			return // no reader waits
		}
		if err == nil {
			f.Close()
		}
	}
}

// Within runs f on a goroutine of its own and returns its result and true
// when f returns within d; otherwise the zero value and false, leaving f
// waiting (Make's clean-up lets it go). The bound is not a speed test: a
// read that waits on a FIFO waits for ever, so any generous d tells a
// hang from a slow machine.
func Within[T any](d time.Duration, f func() T) (T, bool) {
	done := make(chan T, 1)
	go func() { done <- f() }()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case v := <-done:
		return v, true
	case <-timer.C:
		var zero T
		return zero, false
	}
}
