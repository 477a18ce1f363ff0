package envcheck

import (
	"io/fs"
	"os"
	"strings"
	"sync"
)

// Dirs are the folder listings one command has read from the disk, handed
// on to the next walk of the same tree: the services' search for
// dbguard.yaml and env discovery read the same folders one after the
// other (4,000 getdents64 and 2,000 opens of folders for bench.sh env's
// 1,000 files), and now read each once. A listing is handed on once and
// then dropped, so a later walk in the same command (after a child
// process may have written files) reads the disk again.
type Dirs struct {
	mu   sync.Mutex
	read map[string]dirList // by OS path, as the walk names it
}

type dirList struct {
	entries []fs.DirEntry
	err     error
}

// NewDirs returns an empty set of listings.
func NewDirs() *Dirs { return &Dirs{read: map[string]dirList{}} }

// ReadDir reads a folder from the disk, as os.ReadDir does, and keeps the
// listing for the next walk. A nil Dirs only reads.
func (d *Dirs) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := readDir(name)
	d.keep(name, entries, err)
	return entries, err
}

// keep stores a listing for the next walk; a nil Dirs keeps nothing.
func (d *Dirs) keep(name string, entries []fs.DirEntry, err error) {
	if d != nil {
		d.mu.Lock()
		d.read[name] = dirList{entries, err}
		d.mu.Unlock()
	}
}

// take is the listing of a folder read before, which it forgets, else a
// read of the disk.
func (d *Dirs) take(name string) ([]fs.DirEntry, error) {
	if d != nil {
		d.mu.Lock()
		l, ok := d.read[name]
		delete(d.read, name)
		d.mu.Unlock()
		if ok {
			return l.entries, l.err
		}
	}
	return readDir(name)
}

// manyEnvFiles is OnManyEnvFiles' watch.
var manyEnvFiles struct {
	sync.Mutex
	left int    // env file names still to be seen
	f    func() // nil when no one watches, or once told
}

// OnManyEnvFiles has f called once, as soon as the folders read from the
// disk through Dirs have listed n env file names between them; a nil f
// ends the watch. Discovery counts the env files only after the services'
// walk and its own have read the whole tree, and a command that prepares
// for a large tree (dbguard env's heap in huge pages) prepares best
// before that walk's own allocations.
func OnManyEnvFiles(n int, f func()) {
	w := &manyEnvFiles
	w.Lock()
	w.left, w.f = n, f
	w.Unlock()
}

// readDir is os.ReadDir, counting the env file names it lists for
// OnManyEnvFiles.
func readDir(name string) ([]fs.DirEntry, error) {
	entries, err := os.ReadDir(name)
	countEnvFiles(entries)
	return entries, err
}

// countEnvFiles counts a listing's env file names for OnManyEnvFiles.
func countEnvFiles(entries []fs.DirEntry) {
	w := &manyEnvFiles
	w.Lock()
	if w.f == nil {
		w.Unlock()
		return
	}
	for _, e := range entries {
		if n := e.Name(); n == ".env" || strings.HasPrefix(n, ".env.") {
			w.left--
		}
	}
	var f func()
	if w.left <= 0 {
		f, w.f = w.f, nil
	}
	w.Unlock()
	if f != nil {
		f()
	}
}
