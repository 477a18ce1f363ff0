//go:build race

package envcheck

// raceDetector: the race detector's shadow memory multiplies what a run
// allocates (199x instead of 53x for ten 1 MB files), so the allocation
// bound is checked by make test's run without it.
const raceDetector = true
