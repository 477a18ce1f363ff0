package output

import (
	"bytes"
	"strings"
	"testing"
)

// TestAttackRedactorSQLPasswordSplit: a migration tool's failing statement
// (CREATE ROLE ... PASSWORD '...') reaching dbguard's output in pieces cut
// anywhere is masked whole.
func TestAttackRedactorSQLPasswordSplit(t *testing.T) {
	line := "migration failed in line 0: CREATE ROLE app LOGIN PASSWORD 'S3cret ZZQ x'; (details: role exists)\n"
	for cut := 1; cut < len(line); cut++ {
		for cut2 := cut; cut2 < len(line); cut2 += 7 {
			var out bytes.Buffer
			r := NewRedactor(&out)
			r.Write([]byte(line[:cut]))
			r.Write([]byte(line[cut:cut2]))
			r.Write([]byte(line[cut2:]))
			r.Flush()
			if got := out.String(); strings.Contains(got, "S3cret") || strings.Contains(got, "ZZQ") || !strings.Contains(got, "(details: role exists)") {
				t.Fatalf("cut at %d and %d: %q", cut, cut2, got)
			}
		}
	}
}
