package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
)

// gcFloor is the heap below which a dbguard process collects no garbage.
//
// A command is a short process: dbguard env on 1,000 env files allocates
// about 21 MB and exits, and the collector's default (a first cycle at a
// 4 MB heap, another each time the heap doubles) ran six cycles in it,
// with their page faults, write barriers and assists (GOGC=off cut its
// CPU by a sixth, bench in docs/performance.md). So no cycle runs until
// the heap reaches gcFloor; the first one then restores the default, so
// that a large input (3,000 env files, a 1 MiB ${V} chain) is collected
// as before and memory stays bounded by what the input holds, not by
// gcFloor alone. GOGC or GOMEMLIMIT in the environment is the runtime's,
// as usual.
const gcFloor = 64 << 20

func init() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	holdFloor()
}

// floorGen numbers the floors held: a finalizer lifts the floor only if
// no later one replaced it (hugePageHeap collects once on purpose).
var floorGen atomic.Uint64

// holdFloor turns collection off until the heap reaches gcFloor.
func holdFloor() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(gcFloor)
	gen := floorGen.Add(1)
	// A finalizer runs after the first cycle that finds its object
	// unreachable: the first cycle. (The pointer keeps the object off the
	// tiny allocator, whose blocks may outlive it.)
	runtime.SetFinalizer(&struct{ p *byte }{}, func(any) {
		if floorGen.Load() == gen {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
		}
	})
}

// hugeHeapFiles is how many env files make dbguard env put its heap in
// huge pages (hugePageHeap): on one env file the collection it forces
// cost ~5 ms of CPU and ~200 page faults of its own (25%), on 150 (bench.sh
// services) it saved about what it cost, on 1,000 a third of the CPU.
// Since the heap is prepared during the services' walk, with the heap in
// use moved into huge pages too (round 7), what is allocated after the walk
// decides: 70 env files lost (CPU +3.8 ms, 95 fewer faults), 150 gained
// (CPU even, 1,247 -> 875 faults), 200 more so (CPU -3.6 ms, 1,407 -> 889).
const hugeHeapFiles = 128

// hugeHeapSnapshot is the snapshot file size from which dbguard verify
// puts its heap in huge pages (hugePageHeap): reading and comparing a
// catalog takes about eight bytes of heap per byte of its snapshot, so
// 1 MiB (about 1,500 tables) is ~8 MB of fresh pages, well past where
// the collection it forces pays; on the bench's 5,000 tables (3.3 MB)
// page faults went from ~7,000 to ~1,300 and its client CPU from 240 to
// 140 ms (docs/performance.md, verify round 8).
const hugeHeapSnapshot = 1 << 20
