package lineartest

import (
	"strings"
	"testing"
)

// The measurement tells the two growths apart: a loop over every pair of
// bytes is quadratic, a count of one byte linear.
func TestGrowthTellsLinearFromQuadratic(t *testing.T) {
	input := func(n int) string { return strings.Repeat("ab", n) }
	sink := 0
	linear := Growth(input, func(s string) {
		for i := range len(s) {
			if s[i] == 'a' {
				sink++
			}
		}
	}, 200_000)
	quadratic := Growth(input, func(s string) {
		for i := range len(s) {
			for j := i + 1; j < len(s); j++ {
				if s[i] == s[j] {
					sink++
				}
			}
		}
	}, 200)
	if linear > 20 {
		t.Errorf("a linear count grew %.1f times for 8 times the input", linear)
	}
	if quadratic < 30 {
		t.Errorf("a quadratic loop grew only %.1f times for 8 times the input", quadratic)
	}
	t.Logf("linear %.1f, quadratic %.1f", linear, quadratic)
	_ = sink
}

// A reader far worse than quadratic is measured once on the larger input,
// not fifteen times: the test fails instead of running into go test's
// timeout.
func TestGrowthStopsAtOneRunFarPastQuadratic(t *testing.T) {
	runs := 0
	sink := 0
	cubic := func(s string) {
		runs++
		for i := range len(s) {
			for range len(s) {
				for k := range len(s) {
					if s[i] == s[k] {
						sink++
					}
				}
			}
		}
	}
	small := 0
	r := Growth(func(n int) string { return strings.Repeat("ab", n) }, func(s string) {
		if len(s) == 2*20 {
			small++
		}
		cubic(s)
	}, 20)
	if r <= Beyond {
		t.Fatalf("a cubic reader grew %.1f times, want past %d", r, Beyond)
	}
	if large := runs - small; small != 5 || large != 1 {
		t.Errorf("ran the small input %d times and the large %d, want 5 and 1", small, large)
	}
	_ = sink
}

// A reader whose larger input costs what its smaller does is measured
// once on the larger, not five times: the larger input's runs are most of
// a linear test's CPU, and one within Settled decides it.
func TestGrowthStopsAtOneRunWithinSettled(t *testing.T) {
	small, large := 0, 0
	sink := 0
	r := Growth(func(n int) int { return n }, func(n int) {
		if n == 1000 {
			small++
		} else {
			large++
		}
		for i := range 2_000_000 {
			sink += i & 1
		}
	}, 1000)
	if r > Settled {
		t.Fatalf("a reader of the same cost for both inputs grew %.1f times", r)
	}
	if small != 5 || large != 1 {
		t.Errorf("ran the small input %d times and the large %d, want 5 and 1", small, large)
	}
	_ = sink
}
