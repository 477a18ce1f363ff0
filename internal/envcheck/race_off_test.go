//go:build !race

package envcheck

const raceDetector = false
