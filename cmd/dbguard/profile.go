//go:build dbguard_profile

package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

// A binary built with -tags dbguard_profile writes a CPU profile of each
// run to the file DBGUARD_CPUPROFILE names (for bench/ and docs/performance.md):
//
//	go build -tags dbguard_profile -o /tmp/dbguard-prof ./cmd/dbguard
//	DBGUARD_CPUPROFILE=/tmp/up.prof /tmp/dbguard-prof migrate up
//	go tool pprof -top /tmp/dbguard-prof /tmp/up.prof
//
// or, with DBGUARD_HEAPPROFILE, the heap near its peak (heapAtPeak).
//
// The release binary has no such hook: it writes nowhere an environment
// variable names.
func init() {
	startProfile = func() func() {
		if heap := os.Getenv("DBGUARD_HEAPPROFILE"); heap != "" {
			return heapAtPeak(heap)
		}
		name := os.Getenv("DBGUARD_CPUPROFILE")
		if name == "" {
			return func() {}
		}
		f, err := os.Create(name)
		if err != nil {
			return func() {}
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return func() {}
		}
		return func() { pprof.StopCPUProfile(); f.Close() }
	}
}

// heapAtPeak writes the heap profile (what the last collection found
// live) whenever the heap, looked at every 20 ms after a new collection,
// is the largest yet: what a run holds near its peak, not at its end
// (DBGUARD_HEAPPROFILE=/tmp/h.prof; go tool pprof -sample_index=inuse_space).
// It forces no collection.
func heapAtPeak(name string) func() {
	runtime.MemProfileRate = 4096
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var most uint64
		var last uint32
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.NumGC == last {
				continue
			}
			last = ms.NumGC
			if ms.HeapAlloc > most {
				most = ms.HeapAlloc
				if f, err := os.Create(name); err == nil {
					pprof.Lookup("heap").WriteTo(f, 0)
					f.Close()
				}
			}
		}
	}()
	return func() { close(stop); <-done }
}
