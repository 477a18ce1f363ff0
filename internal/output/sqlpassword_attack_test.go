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

// TestAttackRedactorSQLPasswordUnicodeBlankSplit: SQL's PASSWORD, a tab
// or a Unicode blank and its string, on a line with no ASCII space, cut
// inside the string after a tab: the partial line was not held (the hold
// asked for an ASCII space first) and was written up to its tab; past
// the line's first 1 KiB, whose start the writer keeps to mask the rest
// with, the string's rest was written as it was.
func TestAttackRedactorSQLPasswordUnicodeBlankSplit(t *testing.T) {
	pre := strings.Repeat("x\t", 600)
	for _, line := range []string{
		pre + "PASSWORD\u00a0'S3\tZZQ'\n",
		pre + "PASSWORD\u3000E'S3\tZZQ'\n",
		pre + "PASSWORD\t'S3\tZZQ'\n",
		"PASSWORD\u00a0'S3\tZZQ'\n",
	} {
		for cut := max(1, len(line)-24); cut < len(line); cut++ {
			var out bytes.Buffer
			r := NewRedactor(&out)
			r.Write([]byte(line[:cut]))
			r.Write([]byte(line[cut:]))
			r.Flush()
			if got := out.String(); strings.Contains(got, "S3") || strings.Contains(got, "ZZQ") {
				t.Errorf("%.20q cut at %d: %q", line[max(0, len(line)-24):], cut, got[max(0, len(got)-40):])
			}
		}
	}
}
