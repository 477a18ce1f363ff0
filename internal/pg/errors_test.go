package pg

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// A host name that does not resolve (often a direct host derived from a
// pooled one by a poolers rule) is not helped by waiting: the hint says to
// fix the host or the direct URL, never --wait. A refused connection still
// suggests --wait, for a server still starting.
func TestUnreachableHintForUnresolvedHost(t *testing.T) {
	t.Parallel()
	// What Go's resolver returns for a name with no record, wrapped as pgx
	// wraps its dial errors.
	var err error = &net.DNSError{Err: "no such host", Name: "ep-cold-sun-123.us-east-1.aws.neon.tech", IsNotFound: true}
	for _, e := range []*UnreachableError{
		{Target: "ep-cold-sun-123:5432/neondb", Err: fmt.Errorf("dial: %w", err)},
		{Target: "ep-cold-sun-123:5432/neondb", Err: err, Waited: 30 * time.Second},
	} {
		h := e.Hint()
		if strings.Contains(h, "--wait") || !strings.Contains(h, "does not resolve") || !strings.Contains(h, "dbguard env") {
			t.Errorf("unresolvable host (waited %s): hint %q", e.Waited, h)
		}
	}
	refused := &UnreachableError{Target: "127.0.0.1:1/db", Err: fmt.Errorf("dial tcp 127.0.0.1:1: connect: connection refused")}
	if !strings.Contains(refused.Hint(), "--wait 30s") {
		t.Errorf("refused: hint %q, want --wait 30s", refused.Hint())
	}
}
