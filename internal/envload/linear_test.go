package envload

import "time"

// growth is how much longer f takes on 8n than on n (the fastest of three
// runs of each): about 8 for linear work, 64 for quadratic. A ratio, not a
// wall-clock bound, so a slow machine does not fail it.
func growth(f func(n int), n int) float64 {
	fastest := func(n int) time.Duration {
		best := time.Duration(1 << 62)
		for range 3 {
			start := time.Now()
			f(n)
			best = min(best, time.Since(start))
		}
		return max(best, time.Microsecond)
	}
	small := fastest(n)
	return float64(fastest(8*n)) / float64(small)
}
