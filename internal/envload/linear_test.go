package envload

import (
	"math"
	"runtime"
	"time"
)

// growth is how much longer read takes on input(8n) than on input(n) (the
// fastest of five runs of each, the input made outside the timing): about
// 8 for linear work, 64 for quadratic. A ratio, not a wall-clock bound, so
// a slow machine does not fail it.
func growth(input func(n int) []byte, read func([]byte), n int) float64 {
	fastest := func(n int) time.Duration {
		data := input(n)
		best := time.Duration(1 << 62)
		for range 5 {
			runtime.GC()
			start := time.Now()
			read(data)
			best = min(best, time.Since(start))
		}
		return max(best, time.Microsecond)
	}
	// 50 ms of slack off the larger run, as TestCredentialsLinear allows:
	// a scheduler's pause on shared cores is no quadratic growth.
	// The smallest of three ratios: a quadratic reader fails all three,
	// a machine busy with other builds for one measurement fails one.
	r := math.Inf(1)
	for range 3 {
		small := fastest(n)
		r = min(r, float64(max(fastest(8*n)-50*time.Millisecond, 0))/float64(small))
		if r <= 12 {
			break
		}
	}
	return r
}
