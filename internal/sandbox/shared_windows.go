package sandbox

import (
	"context"
	"errors"
)

// StartShared is for tests; there is no sandbox on Windows.
func StartShared(ctx context.Context, dir string, n int) (stop func(), err error) {
	return nil, errors.New("no sandbox on Windows")
}

// UseShared is for tests; there is no sandbox on Windows.
func UseShared(dir string) {}

// ShareInProcess is for tests; there is no sandbox on Windows.
func ShareInProcess(n int) (stop func()) { return func() {} }
