// Package lineartest measures how the cost of a function grows with its
// input, for the tests that hold a reader linear (an attack once made one
// quadratic). It reads the CPU time of the measuring goroutine's own
// thread, not the wall clock: on a loaded machine (a CI runner building
// beside the tests, -race) a wall-clock measurement counts the time other
// processes ran, which once failed a linear reader at 51 times for 8 times
// the input (load 30 on 2 cores).
package lineartest

import (
	"math"
	"runtime"
	"time"
)

// Growth is how much longer read takes on input(8n) than on input(n): about
// 8 for linear work, 64 for quadratic. Each side is the fastest of five
// runs, the input made outside the measurement and a collection run before
// each. The smallest of three ratios is returned: a quadratic reader is
// slow in all three, a measurement disturbed by the machine in one.
func Growth[T any](input func(n int) T, read func(T), n int) float64 {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	fastest := func(n int) time.Duration {
		data := input(n)
		best := time.Duration(math.MaxInt64)
		for range 5 {
			runtime.GC()
			start := threadCPU()
			read(data)
			best = min(best, threadCPU()-start)
		}
		return max(best, time.Microsecond)
	}
	r := math.Inf(1)
	for range 3 {
		small := fastest(n)
		// 100 us of slack off the larger run: a page fault or an
		// interrupt handled on the thread is counted as its time.
		r = min(r, float64(max(fastest(8*n)-100*time.Microsecond, 0))/float64(small))
		if r <= 12 {
			break
		}
	}
	return r
}
