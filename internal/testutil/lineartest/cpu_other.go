//go:build !linux

package lineartest

import "time"

var epoch = time.Now()

// threadCPU falls back to the wall clock where the thread's CPU clock is
// not read (the gate runs on Linux).
func threadCPU() time.Duration { return time.Since(epoch) }
