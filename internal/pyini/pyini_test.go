package pyini

import (
	"errors"
	"strings"
	"testing"
)

func TestInterpolate(t *testing.T) {
	values := map[string]string{"here": "/srv/app", "db": "app", "url": "postgres://h/%(db)s", "loop": "%(loop)s", "pct": "100%%"}
	for in, want := range map[string]string{
		"%(here)s/alembic": "/srv/app/alembic",
		"%(URL)s?x=1":      "postgres://h/app?x=1",
		"%(pct)s and %%":   "100% and %",
		"no references":    "no references",
		"%(missing)s":      "Missing missing",
		"%(db)x":           "BadReference",
		"%()s":             "BadReference",
		"%(a)b)s":          "BadReference",
		"50% off":          "LonePercent",
		"%(loop)s":         "Depth",
	} {
		left := Budget(100)
		got, err := Interpolate(values, in, &left)
		var e *Error
		if errors.As(err, &e) {
			got = map[Kind]string{Depth: "Depth", BadReference: "BadReference", Missing: "Missing " + e.Name, LonePercent: "LonePercent", TooLarge: "TooLarge"}[e.Kind]
		}
		if got != want {
			t.Errorf("Interpolate(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAttackInterpolationBomb: ten levels of names that each name the next
// eight times are 400 bytes of file and 8^10 times a value; the budget
// stops it at Budget's bytes, however deep or wide.
func TestAttackInterpolationBomb(t *testing.T) {
	values := map[string]string{"a0": "xxxxxxxx"}
	file := 0
	for i := 1; i <= 9; i++ {
		v := strings.Repeat("%(a"+string(rune('0'+i-1))+")s", 8)
		values["a"+string(rune('0'+i))] = v
		file += len(v)
	}
	left := Budget(file)
	_, err := Interpolate(values, "%(a9)s", &left)
	var e *Error
	if !errors.As(err, &e) || e.Kind != TooLarge {
		t.Fatalf("a 8^9-fold value: %v, want the budget's error", err)
	}
}
