package envcheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
)

// The two shapes of issue 19's memory report: ten env files of 1 MB, each
// with a double quote near the top that never closes, then 70,000 short
// lines (the worst of the shapes tried: each loader's dialect reads the
// rest of the file as that value, or gives up and reads on), and 3,000
// files of 6 KB in 300 folders. Each returns the tree's root and its size in bytes.

func unclosedQuoteTree(tb testing.TB) (string, int64) {
	tb.Helper()
	root := tb.TempDir()
	names := []string{".env", ".env.local", ".env.development", ".env.development.local", ".env.test",
		".env.production", ".env.staging", ".env.ci", ".env.preview", ".env.qa"}
	var total int64
	for _, n := range names {
		var b strings.Builder
		b.WriteString("DATABASE_URL=postgres://u:p@db.internal/app\nX=\"start\n")
		for j := 0; b.Len() < 1000*1000-40; j++ {
			fmt.Fprintf(&b, "K%d=value%d\n", j, j)
		}
		if err := os.WriteFile(filepath.Join(root, n), []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
		total += int64(b.Len())
	}
	return root, total
}

func manyFilesTree(tb testing.TB) (string, int64) {
	tb.Helper()
	root := tb.TempDir()
	var total int64
	for i := 0; i < 3000; i++ {
		dir := filepath.Join(root, fmt.Sprintf("s%03d", i/10))
		name := ".env"
		if i%10 != 0 {
			name = fmt.Sprintf(".env.m%d", i%10)
		}
		var b strings.Builder
		b.WriteString("DATABASE_URL=postgres://u:p@db.internal/app\n")
		for j := 0; b.Len() < 6000-40; j++ {
			fmt.Fprintf(&b, "VAR_%d=\"value %d with words and $X\"\n", j, j)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
		total += int64(b.Len())
	}
	return root, total
}

func resolveTree(tb testing.TB, root string) {
	o := OptionsFor(config.Default(root), "", nil)
	if _, err := Resolve(context.Background(), o); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkResolveUnclosedQuote10x1MB: go test -bench Memory -benchmem ./internal/envcheck
func BenchmarkResolveMemoryUnclosedQuote10x1MB(b *testing.B) {
	root, size := unclosedQuoteTree(b)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		resolveTree(b, root)
	}
}

func BenchmarkResolveMemory3000x6KB(b *testing.B) {
	root, size := manyFilesTree(b)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		resolveTree(b, root)
	}
}

// retained is what a resolution of root leaves held while its report is
// in use (the heap after a collection, beside the report), and what it
// allocated in all, in bytes.
func retained(tb testing.TB, root string) (held, total uint64) {
	resolveTree(tb, root) // warm: first-use allocations are not the input's
	o := OptionsFor(config.Default(root), "", nil)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := Resolve(context.Background(), o)
	if err != nil {
		tb.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(r)
	return after.HeapAlloc - min(after.HeapAlloc, before.HeapAlloc), after.TotalAlloc - before.TotalAlloc
}

// What env resolution may hold, and allocate in all, per byte of env files
// read. A report held every variable of every file once per loader (ten 1
// MB files: 13x the input held, 75x allocated; issue 19 measured a peak of
// about 400x on a machine with more cores); it now holds the URL
// variables. Each file is still parsed by up to eight loaders' dialects,
// so some multiple is allocated on the way.
const (
	maxHeldFactor  = 2
	maxAllocFactor = 60
)

func TestAttackEnvMemoryBoundedByInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		tree func(testing.TB) (string, int64)
	}{{"ten 1 MB files with unclosed quotes", unclosedQuoteTree}, {"3,000 files of 6 KB", manyFilesTree}} {
		t.Run(tc.name, func(t *testing.T) {
			root, size := tc.tree(t)
			held, total := retained(t, root)
			t.Logf("%d bytes of env files: %d bytes held by the report (%.2fx), %d allocated (%.1fx)", size, held, float64(held)/float64(size), total, float64(total)/float64(size))
			if held > uint64(size)*maxHeldFactor {
				t.Errorf("the report of %d bytes of env files holds %d bytes (%.1fx), want at most %dx", size, held, float64(held)/float64(size), maxHeldFactor)
			}
			if total > uint64(size)*maxAllocFactor {
				t.Errorf("resolving %d bytes of env files allocated %d bytes (%.0fx), want at most %dx", size, total, float64(total)/float64(size), maxAllocFactor)
			}
		})
	}
}
