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
// slow in all three, a measurement disturbed by the machine in one. A
// single run of the larger input past Beyond times the smaller's ends the
// measurement there: a reader that much worse than quadratic would
// otherwise run the test into go test's timeout instead of failing it.
//
// A run of the larger input within Settled times the smaller's also ends
// the measurement, and that run's ratio is returned: more runs could only
// lower a smallest ratio, so a caller that fails above Settled decides
// the same. The smaller input's five runs are always made (a faster one
// there only raises the ratio); the larger's are most of the CPU, eight
// times the smaller's each, and a linear reader needs one of them.
func Growth[T any](input func(n int) T, read func(T), n int) float64 {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// fastest is the least CPU of five runs of read on input(n), or the
	// first run past limit or under enough.
	fastest := func(n int, enough, limit time.Duration) time.Duration {
		data := input(n)
		best := time.Duration(math.MaxInt64)
		for range 5 {
			runtime.GC()
			start := threadCPU()
			read(data)
			took := threadCPU() - start
			if took > limit || took < enough {
				return took
			}
			best = min(best, took)
		}
		return max(best, time.Microsecond)
	}
	// 100 us of slack off the larger run: a page fault or an interrupt
	// handled on the thread is counted as its time.
	const slack = 100 * time.Microsecond
	r := math.Inf(1)
	for range 3 {
		small := fastest(n, 0, math.MaxInt64)
		r = min(r, float64(max(fastest(8*n, Settled*small+slack, Beyond*small)-slack, 0))/float64(small))
		if r <= Settled || r > Beyond {
			break
		}
	}
	return r
}

// Settled is the growth below which one run of the larger input is enough
// to say the reader is linear (every caller fails above 20).
const Settled = 12

// Beyond is the growth past which one run is enough to say the reader is
// not linear (8 is linear, 64 quadratic).
const Beyond = 200
