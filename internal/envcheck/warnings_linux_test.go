package envcheck

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"
)

// threadCPU is the user CPU time the calling thread has used: unlike the
// wall clock it does not grow when other work shares the cores, and
// unlike system time it leaves out the page faults of a heap that grows
// (after other tests, the larger run's map met fresh pages where the
// smaller one reused freed ones).
func threadCPU(t *testing.T) time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano())
}

// TestAttackWarningsDedupLinear: a repository can make a warning per file
// (2,000 folders with an unreadable line make 8,000 loader errors), and
// warn looked for each new one in all before it: quadratic. The same
// number of warnings cost about the same whether they go to eight reports
// of n or one of 8n, not eight times as much in the one. Beside each, a
// plain map takes the same keys the same way, so that what a larger set
// costs in the caches (and what a shared machine does to the timing)
// counts on both sides.
func TestAttackWarningsDedupLinear(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const n = 4000
	locs := make([]string, 8*n)
	for i := range locs {
		locs[i] = fmt.Sprintf("d%d/.env:2", i)
	}
	// cost is the least user CPU of three runs of warn (or of a map's
	// inserts) of all locs, into reports of per warnings each.
	cost := func(per int, plain bool) time.Duration {
		best := time.Duration(1 << 62)
		for range 3 {
			runtime.GC()
			start := threadCPU(t)
			for lo := 0; lo < len(locs); lo += per {
				if plain {
					m := map[Warning]struct{}{}
					for _, loc := range locs[lo : lo+per] {
						m[Warning{Code: "loader-error", Location: loc, Message: "dotenv cannot read this file"}] = struct{}{}
					}
				} else {
					r := &Report{}
					for _, loc := range locs[lo : lo+per] {
						r.warn("loader-error", loc, "dotenv cannot read this file")
					}
				}
			}
			best = min(best, threadCPU(t)-start)
		}
		return max(best, time.Millisecond)
	}
	// The smallest growth of three measurements: quadratic dedup gives
	// about 8x (13x measured) every time, a busy machine one high ratio.
	growth := math.Inf(1)
	for range 3 {
		warnSmall, mapSmall := cost(n, false), cost(n, true)
		warnLarge, mapLarge := cost(8*n, false), cost(8*n, true)
		g := (float64(warnLarge) / float64(warnSmall)) / (float64(mapLarge) / float64(mapSmall))
		t.Logf("8 reports of %d: %v (a map: %v); one of %d: %v (a map: %v); %.1fx", n, warnSmall, mapSmall, 8*n, warnLarge, mapLarge, g)
		if growth = min(growth, g); growth <= 3 {
			break
		}
	}
	if growth > 3 {
		t.Fatalf("one report of %d warnings costs %.1fx eight of %d, beyond what a map's growth costs: warn is not linear", 8*n, growth, n)
	}
}
