package output

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/dburl"
)

// TestAttackFlushHeldOpenURLPassword: a child's URL cut inside its
// password (a pipe read ends at "postgres://app:s3cretpass", the "@host"
// in the next) is held by the redactor until what ends the password
// comes. On a second Ctrl-C FlushHeld wrote the held tail as it was, the
// password (one dbguard had not learnt: another server's) in clear,
// the rest never to come. It is masked from the password's start now.
func TestAttackFlushHeldOpenURLPassword(t *testing.T) {
	last := "dbguard: error: a second interrupt ended dbguard\n"
	for _, c := range []struct{ written, secret, want string }{
		{"conn: postgres://app:s3cretpass", "s3cretpass", "conn: postgres://app:" + dburl.Mask + "\n" + last},
		{"DATABASE_URL=postgresql://u:p4ss", "p4ss", "DATABASE_URL=postgresql://u:" + dburl.Mask + "\n" + last},
		{"x postgres://app:", "", "x postgres://app:\n" + last},
		{"x postgres://app:pw@host/db y", "", "x postgres://app:" + dburl.Mask + "@host/db y\n" + last},
	} {
		var b bytes.Buffer
		r := NewRedactor(&b)
		io.WriteString(r, c.written)
		r.FlushHeldThen(time.Second, last)
		got := b.String()
		if c.secret != "" && strings.Contains(got, c.secret) {
			t.Errorf("after %q: wrote %q, the password in it", c.written, got)
		}
		if got != c.want {
			t.Errorf("after %q: wrote %q, want %q", c.written, got, c.want)
		}
	}
}
