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

// BenchmarkRedactorByteWrites: a child's 4 KB progress line with no
// blank, written a byte a write (a spinner, a dot a step).
func BenchmarkRedactorByteWrites(b *testing.B) {
	line := strings.Repeat("=#", 2048) + "\n"
	for b.Loop() {
		r := NewRedactor(io.Discard)
		for i := 0; i < len(line); i++ {
			r.Write([]byte(line[i : i+1]))
		}
		r.Flush()
	}
}

// BenchmarkRedactorLinePieces: a child's ~1 KB lines written in small
// pieces cut at blanks, each with a '=' or ':', which are masked after
// the start of their line that was written.
func BenchmarkRedactorLinePieces(b *testing.B) {
	var parts []string
	for range 4 {
		for range 100 {
			parts = append(parts, "port: 5 ", "host=db ")
		}
		parts = append(parts, "\n")
	}
	for b.Loop() {
		r := NewRedactor(io.Discard)
		for _, p := range parts {
			r.Write([]byte(p))
		}
		r.Flush()
	}
}
