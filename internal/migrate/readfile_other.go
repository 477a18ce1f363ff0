//go:build !linux

package migrate

import "errors"

var errLink = errors.New("a symbolic link")

// canReadAt: Runner.read uses readFile here.
const canReadAt = false

func readAt(int, string) ([]byte, error) { return nil, errors.ErrUnsupported }
