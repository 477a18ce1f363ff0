package sqlscan

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// largeSQL is real SQL of some hundreds of KiB: PostgreSQL's own
// information_schema.sql, system views and functions, and its extensions'
// install scripts (functions, DO blocks, dollar quotes, comments), from
// the share folder pg_config names ($DBGUARD_BENCH_SQL: a file instead).
func largeSQL(b *testing.B) string {
	b.Helper()
	if p := os.Getenv("DBGUARD_BENCH_SQL"); p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		return string(data)
	}
	out, err := exec.Command("pg_config", "--sharedir").Output()
	if err != nil {
		b.Skip("no pg_config: set DBGUARD_BENCH_SQL to a large SQL file")
	}
	share := strings.TrimSpace(string(out))
	files, _ := filepath.Glob(filepath.Join(share, "extension", "*--*.sql"))
	files = append(files, filepath.Join(share, "information_schema.sql"), filepath.Join(share, "system_views.sql"), filepath.Join(share, "system_functions.sql"))
	var sb strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.SplitAfter(string(data), "\n") {
			if !strings.HasPrefix(line, `\`) { // psql's meta-commands
				sb.WriteString(line)
			}
		}
		sb.WriteString("\n")
	}
	if sb.Len() < 100<<10 {
		b.Skipf("only %d bytes of SQL in %s", sb.Len(), share)
	}
	return sb.String()
}

// BenchmarkReachLarge is the classifier every preview runs on each
// pending file, per byte of a large real file (the cost per MiB that
// plan.max_file_size bounds).
func BenchmarkReachLarge(b *testing.B) {
	s := largeSQL(b)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		Reach(s)
	}
}

// BenchmarkAnalyzeLarge is the split into statements, on the same file.
func BenchmarkAnalyzeLarge(b *testing.B) {
	s := largeSQL(b)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		Analyze(s)
	}
}
