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
