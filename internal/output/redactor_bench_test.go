package output

import (
	"io"
	"strings"
	"testing"
)

// BenchmarkRedactorLines: a child's output written a line a write, some
// lines with a password keyword, as the output net sees a tool's log.
func BenchmarkRedactorLines(b *testing.B) {
	lines := strings.SplitAfter(strings.Repeat("INFO  [alembic.runtime.migration] Running upgrade 1a2b -> 3c4d, add users table\n"+
		"connecting with host=db.internal password=s3cretXY user=app dbname=app\n"+
		"  password: 'it''s s3cret'\n"+
		"progress: 40% of 1200 rows copied \n", 10), "\n")
	for b.Loop() {
		r := NewRedactor(io.Discard)
		for _, l := range lines {
			r.Write([]byte(l))
		}
		r.Flush()
	}
}
