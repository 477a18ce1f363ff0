package main

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"unsafe"
)

// hugeHeapBytes is how much of the heap hugePageHeap maps in 2 MiB pages:
// what dbguard env on 1,000 env files allocates (15 MB) with room, and
// half of gcFloor, so the free part never counts against the floor's
// memory limit.
const hugeHeapBytes = 32 << 20

var (
	hugeOnce sync.Once
	hugeAt   uintptr // where hugePageHeap's allocation was, once advised
)

// hugePageHeap asks Linux to back the heap with transparent huge pages,
// for a command that reads many files.
//
// Each fresh 4 KiB page a process touches is a page fault, and in a
// virtual machine a fault can cost 15-25 us: dbguard env on 1,000 env
// files touched ~3,800 fresh heap pages, more time than its own work
// (docs/performance.md, round 6). One 2 MiB page is one fault. Where THP is
// "madvise" (Debian's and Ubuntu's default) only a range advised with
// MADV_HUGEPAGE gets them, and the runtime advises none of its heap; the
// advice belongs to the mapping the runtime makes as the heap grows, so it
// has to be given after that mapping exists: one large allocation makes the
// runtime map hugeHeapBytes at once, the advice is given on the whole heap
// mapping it lies in, and a collection (on a heap of a few MB) frees it
// for what the command allocates next. Where THP is "always" nothing is
// needed, where "never" nothing helps: both skip the collection.
//
// The heap below that allocation is in use already, in 4 KiB pages (the
// services' walk, discovery), and a 2 MiB range with any page in it takes
// no huge page at a fault: the collection frees much of it, the runtime
// hands out its lowest free pages first, and each was a fault of its own
// (~1,000 of ~1,650 per run, round 7). MADV_COLLAPSE (Linux 6.1) moves
// those ranges into huge pages at once; where it fails they stay as they
// were.
func hugePageHeap() {
	hugeOnce.Do(func() {
		mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
		if err != nil || !bytes.Contains(mode, []byte("[madvise]")) {
			return
		}
		b := make([]byte, hugeHeapBytes)
		at := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		lo, hi := heapMapping(at)
		if lo == 0 || hi < at+hugeHeapBytes {
			lo, hi = at, at+hugeHeapBytes
		}
		if madvise(lo, hi-lo, syscall.MADV_HUGEPAGE) != nil {
			return
		}
		hugeAt = at
		// Range by range: one that fails (a page busy in a system call)
		// leaves the others to be moved.
		for r := lo &^ (hugePage - 1); r < at; r += hugePage {
			_ = madvise(r, hugePage, madvCollapse)
		}
		// b is dead from here: the collection below frees it.
		held := floorGen.Load() != 0
		if held {
			floorGen.Add(1) // this cycle is ours: the floor stays
		}
		runtime.GC()
		if held {
			holdFloor()
		}
	})
}

const (
	hugePage     = 2 << 20
	madvCollapse = 25 // MADV_COLLAPSE, Linux 6.1; not in package syscall
)

// madvise is syscall.Madvise on a range of addresses: the heap's mapping
// reaches below any slice the program holds.
func madvise(addr, n uintptr, advice int) error {
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, addr, n, uintptr(advice)); e != 0 {
		return e
	}
	return nil
}

// heapMapping is the mapping (from /proc/self/maps) that holds addr: the
// heap's, from its first page. Zero when it cannot be read.
func heapMapping(addr uintptr) (lo, hi uintptr) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, 0
	}
	for len(maps) > 0 {
		line := maps
		if i := bytes.IndexByte(maps, '\n'); i >= 0 {
			line, maps = maps[:i], maps[i+1:]
		} else {
			maps = nil
		}
		r, _, _ := bytes.Cut(line, []byte(" "))
		a, b, ok := bytes.Cut(r, []byte("-"))
		if !ok {
			continue
		}
		l, err1 := strconv.ParseUint(string(a), 16, 64)
		h, err2 := strconv.ParseUint(string(b), 16, 64)
		if err1 == nil && err2 == nil && uint64(addr) >= l && uint64(addr) < h {
			return uintptr(l), uintptr(h)
		}
	}
	return 0, 0
}
