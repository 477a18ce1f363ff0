package gate

import (
	"context"
	"testing"

	"github.com/dbguard/dbguard/internal/pullrequest"
)

// A base that names no revision (Resolve says neither a commit nor why)
// leaves every line new, unread, and runs no diff against "": that was a
// git error failing the credentials check (review8g).
func TestPRLinesWithoutBaseRevision(t *testing.T) {
	p := &prLines{base: &pullrequest.Base{}, repo: t.TempDir()}
	p.ask(context.Background(), "config.py")
	if p.unread == "" || p.err != nil {
		t.Errorf("unread %q, err %v: want the base unread and no diff run", p.unread, p.err)
	}
}
