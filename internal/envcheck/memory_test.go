package envcheck

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/envload"
)

// The two shapes of issue 19's memory report: ten env files of 1 MB, each
// with a double quote near the top that never closes, then 70,000 short
// lines (the worst of the shapes tried: each loader's dialect reads the
// rest of the file as that value, or gives up and reads on), and 3,000
// files of 6 KB in 300 folders. Each returns the tree's root and its size in bytes.

func unclosedQuoteTree(tb testing.TB) (string, int64) { return unclosedQuoteTreeOf(tb, 1000*1000) }

// unclosedQuoteTreeOf is unclosedQuoteTree with files of size bytes.
func unclosedQuoteTreeOf(tb testing.TB, size int) (string, int64) {
	tb.Helper()
	root := tb.TempDir()
	names := []string{".env", ".env.local", ".env.development", ".env.development.local", ".env.test",
		".env.production", ".env.staging", ".env.ci", ".env.preview", ".env.qa"}
	var total int64
	for _, n := range names {
		var b strings.Builder
		b.WriteString("DATABASE_URL=postgres://u:p@db.internal/app\nX=\"start\n")
		for j := 0; b.Len() < size-40; j++ {
			fmt.Fprintf(&b, "K%d=value%d\n", j, j)
		}
		if err := os.WriteFile(filepath.Join(root, n), []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
		total += int64(b.Len())
	}
	return root, total
}

func manyFilesTree(tb testing.TB) (string, int64) { return manyFilesTreeOf(tb, 3000) }

// manyFilesTreeOf is manyFilesTree with files files.
func manyFilesTreeOf(tb testing.TB, files int) (string, int64) {
	tb.Helper()
	root := tb.TempDir()
	var total int64
	for i := 0; i < files; i++ {
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

// chainTree is issue 26's chain: one .env of n variables, each ${the one
// before} (with grow, each also adding a character), and DATABASE_URL
// taking the last as its password.
func chainTree(n int, grow bool) func(testing.TB) (string, int64) {
	return func(tb testing.TB) (string, int64) {
		tb.Helper()
		root := tb.TempDir()
		var b strings.Builder
		b.WriteString("VAR_00000=s3cret\n")
		suffix := ""
		if grow {
			suffix = "x"
		}
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, "VAR_%05d=${VAR_%05d}%s\n", i, i-1, suffix)
		}
		fmt.Fprintf(&b, "DATABASE_URL=postgres://app:${VAR_%05d}@db.internal:5432/app\n", n-1)
		if err := os.WriteFile(filepath.Join(root, ".env"), []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
		return root, int64(b.Len())
	}
}

// composeTree: a compose file of 20 services, each receiving DATABASE_URL
// and every variable of one 500 KB env_file.
func composeTree(tb testing.TB) (string, int64) { return composeTreeOf(tb, 500*1000) }

// composeTreeOf is composeTree with an env_file of size bytes.
func composeTreeOf(tb testing.TB, size int) (string, int64) {
	tb.Helper()
	root := tb.TempDir()
	var env, compose strings.Builder
	for j := 0; env.Len() < size; j++ {
		fmt.Fprintf(&env, "K%d=value%d\n", j, j)
	}
	compose.WriteString("services:\n")
	for i := range 20 {
		fmt.Fprintf(&compose, "  s%d:\n    image: app\n    env_file: common.env\n    environment:\n      DATABASE_URL: postgres://u:p@db.internal/app\n", i)
	}
	for name, body := range map[string]string{"common.env": env.String(), "compose.yaml": compose.String()} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return root, int64(env.Len() + compose.Len())
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
// allocated in all, in bytes. warm, a small tree of root's shape (the same
// file names and forms), is resolved first: what the first use of a
// reading allocates once per process (compiled patterns, tables) is not
// the input's, and the small tree reaches the same code as the large one
// for a fraction of its CPU.
func retained(tb testing.TB, root, warm string) (held, total uint64) {
	resolveTree(tb, warm) // first-use allocations are not the input's
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
	// maxAllocFactorTiny is for files of nothing but short variables
	// (VAR_00001=${VAR_00000}): each loader's maps and definitions cost
	// about the same per variable whatever its size.
	maxAllocFactorTiny = 400
)

func TestAttackEnvMemoryBoundedByInput(t *testing.T) {
	for _, tc := range []struct {
		name       string
		tree, warm func(testing.TB) (string, int64)
		allocLimit int
	}{{"ten 1 MB files with unclosed quotes", unclosedQuoteTree, func(tb testing.TB) (string, int64) { return unclosedQuoteTreeOf(tb, 20_000) }, maxAllocFactor},
		// Issue 19's 3,000 files, a quarter of them: per byte, 750
		// allocate what 3,000 did (14.2x) and leave as much held
		// (0.28-0.30x), for a quarter of the CPU; most of it was the
		// system's, making and removing 3,000 files (about 3 of 4.4 s).
		{"750 files of 6 KB", func(tb testing.TB) (string, int64) { return manyFilesTreeOf(tb, 750) }, func(tb testing.TB) (string, int64) { return manyFilesTreeOf(tb, 30) }, maxAllocFactor},
		// Issue 26: expansion rewrote a value's whole text once per
		// reference (2,500 variables: 2.4 s and 5,873x the input
		// allocated; 45,500, about a MiB, minutes). Now each variable
		// is expanded once; what is left is what every loader's maps
		// and definitions cost per variable, and these variables are
		// 23 bytes each (about 250x).
		{"a chain of 2,500 variables", chainTree(2500, false), chainTree(100, false), maxAllocFactorTiny},
		{"a chain of 45,500 variables (1 MiB)", chainTree(45500, false), chainTree(100, false), maxAllocFactorTiny},
		// A compose service's reading kept every variable it receives:
		// an env_file named by 20 services was held 20 times (375x the
		// input). Each service still parses its env_file itself, as
		// compose-go does (a ${VAR} in it may take the service's own
		// environment: entry), so what is allocated grows with the
		// services naming it: about 73x the file per service here.
		{"20 compose services sharing a 500 KB env_file", composeTree, func(tb testing.TB) (string, int64) { return composeTreeOf(tb, 10_000) }, 20 * 80}} {
		t.Run(tc.name, func(t *testing.T) {
			warm, _ := tc.warm(t)
			root, size := tc.tree(t)
			held, total := retained(t, root, warm)
			t.Logf("%d bytes of env files: %d bytes held by the report (%.2fx), %d allocated (%.1fx)", size, held, float64(held)/float64(size), total, float64(total)/float64(size))
			if held > uint64(size)*maxHeldFactor {
				t.Errorf("the report of %d bytes of env files holds %d bytes (%.1fx), want at most %dx", size, held, float64(held)/float64(size), maxHeldFactor)
			}
			if total > uint64(size)*uint64(tc.allocLimit) {
				t.Errorf("resolving %d bytes of env files allocated %d bytes (%.0fx), want at most %dx", size, total, float64(total)/float64(size), tc.allocLimit)
			}
		})
	}
}

// TestAttackEnvExpansionBudget: a file of just under 1 MiB whose
// variables each add a character to the one before expands to about a
// gigabyte in every expanding loader (and took the ports minutes per
// value). Each reading stops where its budget runs out, naming the line,
// and a loader in use makes that an error.
func TestAttackEnvExpansionBudget(t *testing.T) {
	root, size := chainTree(43600, true)(t)
	cfg := config.Default(root)
	cfg.Env.Loaders = []config.LoaderRun{{Loader: "python-dotenv", Dir: "."}}
	done := make(chan error, 1)
	var total uint64
	go func() {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Resolve(context.Background(), OptionsFor(cfg, "", nil))
		runtime.ReadMemStats(&after)
		total = after.TotalAlloc - before.TotalAlloc
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("resolving a 1 MiB chain of growing variables took over 2 minutes")
	}
	var pe *envload.ParseError
	if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "more than dbguard's budget") || pe.Line < 2 || pe.Line > 43600 {
		t.Fatalf("err = %v, want the expansion budget's error at a line of .env", err)
	}
	if hint := pe.Hint(); !strings.Contains(hint, "then run: dbguard env") || !strings.Contains(hint, fmt.Sprintf("line %d of .env", pe.Line)) {
		t.Errorf("hint = %q", hint)
	}
	t.Logf("%d bytes: %v; %d bytes allocated (%.0fx)", size, err, total, float64(total)/float64(size))
	// What one reading may produce (8 MiB and 8x) and scan (128 MiB and
	// 16x, transient), for the few loaders that read the file before the
	// one in use stops.
	if limit := uint64(8 * (8<<20 + 8*size)); total > limit {
		t.Errorf("allocated %d bytes, want at most %d", total, limit)
	}
}

// TestGrowingChainWithinBudget: 2,500 variables each one longer than the
// one before (60 KB, 3 MB once expanded) is a file the real loaders
// finish: every loader reads it, none runs out of budget.
func TestGrowingChainWithinBudget(t *testing.T) {
	root, _ := chainTree(2500, true)(t)
	r, err := Resolve(context.Background(), OptionsFor(config.Default(root), "", nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range r.Warnings {
		if strings.Contains(w.Message, "budget") || w.Code == "loader-error" {
			t.Errorf("warning %s at %s: %s", w.Code, w.Location, w.Message)
		}
	}
	for _, lr := range r.Readings {
		if lr.Err != nil {
			t.Errorf("%s: %v", lr.Label(), lr.Err)
		}
	}
}
