package migrate

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// aheadFresh is how old the checksums read ahead may be when the run
// compares them with the ledger; older ones (the lock was waited for, or
// the runner sat open) are dropped and the files read again, so an applied
// file edited while a run waits is still refused by that run. A variable
// for the tests.
var aheadFresh = time.Second

// ahead checksums the folder's up files while Open connects and the first
// round trips go out: every up, down and status compares each applied file
// with the ledger, and the client would otherwise wait on the network
// first and read the files after. Files above the version, once it is
// known (limit), are not read: they are pending, and checkFiles reads them
// itself. It touches nothing of the Runner's but the folder's descriptor,
// so the runner's own reads go on beside it; take waits for it, and Close
// stops and waits for it before the descriptor closes.
type ahead struct {
	start time.Time
	limit atomic.Int64 // the highest version worth reading; -1: stop
	wg    sync.WaitGroup
	names []string
	vers  []uint
	sums  []string // "" where a file could not be read: left to Runner.file
	taken bool
}

// sumAhead starts reading the up files of the scanned folder with read.
func sumAhead(src *Source, read func(string) ([]byte, error)) *ahead {
	a := &ahead{start: time.Now()}
	a.limit.Store(1<<63 - 1)
	for _, m := range src.Migrations {
		if m.Up != "" {
			a.names = append(a.names, m.Up)
			a.vers = append(a.vers, m.Version)
		}
	}
	a.sums = make([]string, len(a.names))
	workers := min(4, runtime.GOMAXPROCS(0), len(a.names)/32)
	if len(a.names) == 0 {
		return a
	}
	workers = max(workers, 1)
	var next atomic.Int64
	for range workers {
		a.wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(a.names); i = int(next.Add(1) - 1) {
				// Versions ascend: once one is above the limit, so is
				// every one after it.
				if int64(a.vers[i]) > a.limit.Load() {
					return
				}
				if data, err := read(a.names[i]); err == nil {
					a.sums[i] = checksum(data)
				}
			}
		})
	}
	return a
}

// upTo says the version is v: files above it need not be read.
func (a *ahead) upTo(v int) {
	if a != nil {
		a.limit.Store(int64(max(v, -1)))
	}
}

// stop ends the reading and waits for it.
func (a *ahead) stop() {
	if a != nil {
		a.limit.Store(-1)
		a.wg.Wait()
	}
}

// take waits for the reading and gives files (where they have none yet)
// the checksums that are fresh (aheadFresh) and agree with the ledger's
// entries of set (applied's), once. One that disagrees is left to be read
// again under the lock: the file may have changed since it was read, or a
// colleague's run, which held the lock, may have applied it as it is now.
// So a file is called edited only from a read made under the lock.
func (a *ahead) take(files map[string]fileInfo, set map[int]*Entry) {
	if a == nil || a.taken {
		return
	}
	a.wg.Wait()
	a.taken = true
	if time.Since(a.start) > aheadFresh {
		return
	}
	for i, name := range a.names {
		if e, ok := set[int(a.vers[i])]; ok && a.sums[i] != "" && e.Checksum == a.sums[i] {
			if _, ok := files[name]; !ok {
				files[name] = fileInfo{sum: a.sums[i]}
			}
		}
	}
}
