package envcheck

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"
)

// threadCPU is the CPU time the calling thread has used: unlike the wall
// clock it does not grow when other work shares the cores.
func threadCPU(t *testing.T) time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestAttackWarningsDedupLinear: a repository can make a warning per file
// (2,000 folders with an unreadable line make 8,000 loader errors), and
// warn looked for each new one in all before it: quadratic. Eight times the
// warnings must cost about eight times the CPU (a few times more where the
// larger set outgrows a cache), not sixty-four; the larger run stops as
// soon as it is past the bound.
func TestAttackWarningsDedupLinear(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	locations := func(n int) []string {
		locs := make([]string, n)
		for i := range locs {
			locs[i] = fmt.Sprintf("d%d/.env:2", i)
		}
		return locs
	}
	// n large enough that the small run takes milliseconds of CPU and
	// both sets are past the caches.
	const n, bound = 16000, 30
	small := time.Duration(1 << 62)
	for range 3 {
		locs, r := locations(n), &Report{}
		start := threadCPU(t)
		for _, loc := range locs {
			r.warn("loader-error", loc, "dotenv cannot read this file")
		}
		small = min(small, threadCPU(t)-start)
	}
	small = max(small, time.Millisecond)
	locs, r := locations(8*n), &Report{}
	start := threadCPU(t)
	for i, loc := range locs {
		r.warn("loader-error", loc, "dotenv cannot read this file")
		if i%1000 == 999 {
			if spent := threadCPU(t) - start; spent > bound*small {
				t.Fatalf("%d warnings cost %v of CPU, over %dx the %v of %d: warn is not linear", i+1, spent, bound, small, n)
			}
		}
	}
	if len(r.Warnings) != 8*n {
		t.Fatalf("%d warnings, want %d", len(r.Warnings), 8*n)
	}
	t.Logf("%d warnings: %v of CPU; %d: %v (%.1fx)", n, small, 8*n, threadCPU(t)-start, float64(threadCPU(t)-start)/float64(small))
}
