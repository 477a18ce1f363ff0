package verify

import (
	"errors"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/config"
)

// TestPreviewTimeoutFromEnvironment: the limit is the user's, from the
// process environment; a value that is no positive duration is a
// configuration error.
func TestPreviewTimeoutFromEnvironment(t *testing.T) {
	for v, want := range map[string]time.Duration{"": DefaultTimeout, "90s": 90 * time.Second, "2h": 2 * time.Hour, "0": 0, "-1m": 0, "soon": 0} {
		t.Setenv("DBGUARD_PREVIEW_TIMEOUT", v)
		got, err := PreviewTimeout()
		if want == 0 {
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Errorf("%q: %v, %v; want a configuration error", v, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", v, got, err, want)
		}
	}
}
