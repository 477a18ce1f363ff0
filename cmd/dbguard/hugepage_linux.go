package main

import (
	"bytes"
	"os"
	"runtime"
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
	hugeAt   uintptr // where the advised range starts, once advised
)

// hugePageHeap asks Linux to back the heap's next hugeHeapBytes with
// transparent huge pages, for a command that reads many files.
//
// Each fresh 4 KiB page a process touches is a page fault, and in a
// virtual machine a fault can cost 15-20 us: dbguard env on 1,000 env
// files touched ~3,800 fresh heap pages, more time than its own work
// (docs/performance.md, round 6). One 2 MiB page is one fault. Where THP is
// "madvise" (Debian's and Ubuntu's default) only a range advised with
// MADV_HUGEPAGE gets them, and the runtime advises none of its heap; the
// advice belongs to the mapping the runtime makes as the heap grows, so it
// has to be given after that mapping exists: one large allocation makes the
// runtime map hugeHeapBytes at once, the advice is given on it, and a
// collection (on a heap of a few hundred KB: the process has just started)
// frees it for what the command allocates next. Where THP is "always"
// nothing is needed, where "never" nothing helps: both skip the collection.
func hugePageHeap() {
	hugeOnce.Do(func() {
		mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
		if err != nil || !bytes.Contains(mode, []byte("[madvise]")) {
			return
		}
		b := make([]byte, hugeHeapBytes)
		if syscall.Madvise(b, syscall.MADV_HUGEPAGE) != nil {
			return
		}
		hugeAt = uintptr(unsafe.Pointer(unsafe.SliceData(b)))
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
