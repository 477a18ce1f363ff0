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
// warnings must cost about eight times the CPU, not sixty-four.
func TestAttackWarningsDedupLinear(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	cost := func(n int) time.Duration {
		locs := make([]string, n)
		for i := range locs {
			locs[i] = fmt.Sprintf("d%d/.env:2", i)
		}
		best := time.Duration(1 << 62)
		for range 3 {
			r := &Report{}
			start := threadCPU(t)
			for _, loc := range locs {
				r.warn("loader-error", loc, "dotenv cannot read this file")
			}
			best = min(best, threadCPU(t)-start)
			if len(r.Warnings) != n {
				t.Fatalf("%d warnings, want %d", len(r.Warnings), n)
			}
		}
		return best
	}
	// n large enough that the small run takes milliseconds of CPU (the
	// clock's tick is coarse), small enough that the quadratic one ends.
	const n = 4000
	small, large := cost(n), cost(8*n)
	if small < time.Millisecond {
		small = time.Millisecond
	}
	if g := float64(large) / float64(small); g > 20 {
		t.Fatalf("8x the warnings cost %.1fx the CPU (%v for %d, %v for %d): warn is not linear", g, small, n, large, 8*n)
	}
}
