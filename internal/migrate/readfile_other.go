//go:build !linux

package migrate

import "errors"

var errLink = errors.New("a symbolic link")

var errLarge = errors.New("over the size read ahead")

// canReadAt: Runner.read uses readFile here.
const canReadAt = false

func readAt(int, string) ([]byte, error) { return nil, errors.ErrUnsupported }

func readAtUpTo(int, string, int64) ([]byte, error) { return nil, errors.ErrUnsupported }
