//go:build !windows

package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/safefile"
)

// SaveReplay saves the running sandbox's cluster in the replay cache as
// r.Key's entry, right after the replay, before anything else writes:
// a CHECKPOINT writes every change to the data folder, which is then
// written into one file (writeArchive) while nothing runs (the caller's trace waits; autovacuum is off),
// so the copy is the cluster as of that checkpoint, and a server started
// on it recovers from there (a few WAL records). The entry is made in a
// temporary folder and renamed into place whole, with its meta file, so
// a lookup never sees half of one; a concurrent plan's entry of the same
// key wins. A shared test server is never saved. Failing to save is not
// the plan's error. The entry is written to the cache after SaveReplay
// returns, beside the caller's work; Close waits for it.
func (s *Server) SaveReplay(ctx context.Context, r Replay) error {
	if s.release != nil {
		return ErrSharedNotSaved
	}
	if !keyRE.MatchString(r.Key) || r.Shadow != Shadow || !validRole(r.Role) {
		return errors.New("not a replay dbguard names")
	}
	root := ReplayDir()
	if root == "" {
		return errors.New("no cache folder")
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return err
	}
	if !private(root) {
		return errors.New(root + " may be written by another user")
	}
	conn, err := s.Session(ctx)
	if err != nil {
		return err
	}
	var redo, last string
	_, err = conn.Exec(ctx, "CHECKPOINT")
	if err == nil {
		err = conn.QueryRow(ctx, "SELECT redo_wal_file, pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_insert_lsn()) FROM pg_catalog.pg_control_checkpoint()").Scan(&redo, &last)
	}
	if err == nil {
		if r.Install = InstallID(ctx, conn); r.Install == "" {
			err = errors.New("the installation's extension and library folders cannot be read")
		}
	}
	conn.Close(context.Background())
	if err != nil {
		return err
	}
	// Written into the sandbox's own folder while nothing writes (in
	// memory, /dev/shm, as the data folder: 20 MB for 134 files, a few
	// ms), then copied to the cache's disk beside the caller's trace: that
	// write cost 50-140 ms of wall at load 12-25, on the cold plan's path.
	// Not into the process's memory: that was 25 MB more peak RSS. Close
	// waits for the copy before it removes the folder.
	arch := filepath.Join(s.dir, "replay.archive")
	left := int64(replayMax)
	if err := writeArchive(s.dataDir(), arch, replaySkip(redo, last), &left); err != nil {
		os.Remove(arch)
		return err
	}
	// The archive and its copy take room the caller's trace may need:
	// on a disk with room for the trace but not for both, the saving
	// plan's migration failed ("could not extend file") where the plan
	// without a save passed (TestAttackReplaySaveFillsTheDisk).
	if err := saveRoom(s.dir, root, int64(replayMax)-left); err != nil {
		os.Remove(arch)
		return err
	}
	s.saving.Add(1)
	go func() {
		defer s.saving.Done()
		defer os.Remove(arch)
		_ = writeEntry(root, r, arch)
	}()
	return nil
}

// replayRoom is the free space a save leaves, after its archive, on the
// sandbox's disk and on the cache's: what the trace of the pending files
// may write there while the archive is copied. Half of what a sandbox in
// memory starts with (memRoom).
const replayRoom = 1 << 30

// freeBytes is the space an unprivileged user may still write on the
// disk that holds dir; false when it cannot be read.
func freeBytes(dir string) (int64, bool) {
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) != nil {
		return 0, false
	}
	return int64(uint64(st.Bavail) * uint64(st.Bsize)), true
}

// saveRoom refuses a save of size bytes, its archive written in the
// sandbox's folder dir, unless replayRoom stays free on dir's disk and,
// after the archive's copy, on the cache's (root; the same disk counts
// twice); the error says how much is free, never the plan's.
func saveRoom(dir, root string, size int64) error {
	free, ok := freeBytes(dir)
	if !ok {
		return errors.New("the free space of the sandbox's disk cannot be read")
	}
	if free < replayRoom {
		return fmt.Errorf("%d MiB stay free on the sandbox's disk after the %d MiB archive, under the %d MiB a save leaves for the plan", free>>20, size>>20, replayRoom>>20)
	}
	if free, ok = freeBytes(root); !ok {
		return errors.New("the free space of the cache's disk cannot be read")
	}
	if free-size < replayRoom {
		return fmt.Errorf("%d MiB are free on the cache's disk, under the %d MiB archive and the %d MiB a save leaves for the plan", free>>20, size>>20, replayRoom>>20)
	}
	return nil
}

// writeEntry writes an entry: a temporary folder with the archive and the
// meta file, renamed into place whole; then the cache is pruned.
func writeEntry(root string, r Replay, arch string) error {
	tmp, err := os.MkdirTemp(root, ".new-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// Locked while it is written: pruneLeftovers removes a save's
	// folder only when no one holds its lock (a save killed, its lock
	// gone with its process).
	if fd, err := syscall.Open(tmp, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0); err == nil {
		defer syscall.Close(fd)
		_ = syscall.Flock(fd, syscall.LOCK_EX)
	}
	var buf []byte
	if err := copyFile(arch, filepath.Join(tmp, "cluster"), &buf, nil); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "meta"), []byte(r.meta()), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(root, r.Key)); err != nil {
		return err
	}
	os.Remove(filepath.Join(root, r.Key+".seen"))
	pruneReplays(root)
	return nil
}

// ReplayKey is the key of a replay on the installation b of the parts the
// caller hashes (the live database's name, the migration role and the live
// roles in order, the session's settings, the replay's batches: every
// applied file's bytes in order and the version written after them). The
// installation's identity (its folder, version and binaries), the
// template's recipe and this dbguard's executable are added here. "" (no
// cache) when an identity cannot be read.
func ReplayKey(b Binaries, parts ...string) string {
	self, err := os.Executable()
	if err != nil {
		return ""
	}
	if real, err := filepath.EvalSymlinks(self); err == nil {
		self = real
	}
	ids := []string{replayFormat, binaryID(self), templateDir(b), versionKey(b.Dir, filepath.Join(b.Dir, exe("initdb")))}
	if Portable() {
		// What the files are, not where (portable_unix.go); marked so
		// that no portable key equals a machine's.
		tmpl := templateDir(b)
		if tmpl != "" {
			tmpl = filepath.Base(tmpl)
		}
		ids = []string{replayFormat + " portable", portableID(self), tmpl, b.Dir, portableID(filepath.Join(b.Dir, exe("initdb"))), portableID(filepath.Join(b.Dir, exe("postgres")))}
	}
	if slices.Contains(ids, "") {
		return ""
	}
	h := sha256.New()
	var n [8]byte
	for _, p := range append(ids, parts...) {
		// Each part length-prefixed: no two lists hash alike.
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// keyRE is what ReplayKey returns.
var keyRE = lazyre.New(`^[0-9a-f]{32}$`)

// LookupReplay is the entry saved under key, when there is a complete one
// in a cache folder only this user can write (the folder, the entry and
// its cluster's folder are this user's, are folders and not links, and no
// one else may write them) whose meta file names the key and a shadow
// database and role of the forms dbguard writes. Taking an entry marks it
// used, for the pruning.
func LookupReplay(key string) (*Replay, bool) {
	root := ReplayDir()
	if !keyRE.MatchString(key) || root == "" || !private(root) {
		return nil, false
	}
	pruneLeftovers(root)
	dir := filepath.Join(root, key)
	if !private(dir) {
		return nil, false
	}
	r, ok := readMeta(dir, key)
	if !ok {
		return nil, false
	}
	now := time.Now()
	_ = os.Chtimes(dir, now, now)
	return r, true
}

// HasReplays reports whether the replay cache may hold an entry: its
// folder is there and holds a folder named as a key. A plan that finds
// none starts its sandbox without waiting to compute its key (a CI job on
// a fresh runner: every plan). A folder only listed, never read.
func HasReplays() bool {
	root := ReplayDir()
	if root == "" {
		return false
	}
	f, err := os.Open(root)
	if err != nil {
		return false
	}
	defer f.Close()
	for {
		names, err := f.Readdirnames(64)
		for _, n := range names {
			if keyRE.MatchString(n) {
				return true
			}
		}
		if err != nil {
			return false
		}
	}
}

// InstallID is the identity of what a replay's files load from the
// installation besides its binaries (in the key): its extensions' folder
// (control and script files, read by CREATE EXTENSION) and its library
// folder (the .so files), each by device, inode, size and change time
// (a package that adds, removes or replaces a file there renames it
// into place, which changes the folder's). The server says where they
// are (pg_config, a superuser's); "" when it cannot, or they cannot be
// read. An entry saved before an extension was installed, upgraded or
// removed is not taken after (s15-review8a): a warm plan's shadow held
// the old version's objects where a replay would make the new ones.
func InstallID(ctx context.Context, conn *pgx.Conn) string {
	var share, lib *string
	if conn.QueryRow(ctx, "SELECT (SELECT c.setting FROM pg_catalog.pg_config c WHERE c.name OPERATOR(pg_catalog.=) 'SHAREDIR'), (SELECT c.setting FROM pg_catalog.pg_config c WHERE c.name OPERATOR(pg_catalog.=) 'PKGLIBDIR')").Scan(&share, &lib) != nil || share == nil || lib == nil {
		return ""
	}
	a, b := dirID(filepath.Join(*share, "extension")), dirID(*lib)
	if a == "" || b == "" {
		return ""
	}
	return a + "/" + b
}

// installRE is what InstallID returns.
var installRE = lazyre.New(`^(?:[0-9]+:[0-9]+:[0-9]+:[0-9]+\.[0-9]+/[0-9]+:[0-9]+:[0-9]+:[0-9]+\.[0-9]+|[0-9a-f]{32}/[0-9a-f]{32})$`)

// readMeta reads an entry's meta file: the format and key, the shadow
// database, the role, the installation's identity (InstallID), one a
// line.
func readMeta(dir, key string) (*Replay, bool) {
	p := filepath.Join(dir, "meta")
	if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
		return nil, false
	}
	b, err := safefile.ReadFile(p, replayMetaMax)
	if err != nil {
		return nil, false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) != 5 || lines[4] != "" || lines[0] != replayFormat+" "+key || lines[1] != Shadow || !validRole(lines[2]) || !installRE.MatchString(lines[3]) {
		return nil, false
	}
	return &Replay{Key: key, Shadow: lines[1], Role: lines[2], Install: lines[3], dir: dir}, true
}

// validRole is a role name PostgreSQL could hold: 1-63 bytes, no NUL and
// no line break (the meta file's separator).
func validRole(r string) bool {
	return r != "" && len(r) <= 63 && !strings.ContainsAny(r, "\x00\n\r")
}

// meta is what readMeta reads.
func (r *Replay) meta() string {
	return replayFormat + " " + r.Key + "\n" + r.Shadow + "\n" + r.Role + "\n" + r.Install + "\n"
}

// SeenReplay reports whether a plan missed key before (a marker file,
// key.seen, in the cache folder), and marks it when not. A plan saves its
// replay only at the second miss of its key: a save costs a cold plan
// 50-65 ms of CPU (a checkpoint and 20 MB written for 134 files), and a CI
// job on a fresh runner plans its branch once, so the first plan of a
// key never pays for a save no later plan may take.
func SeenReplay(key string) bool {
	root := ReplayDir()
	if !keyRE.MatchString(key) || root == "" || os.MkdirAll(root, 0o700) != nil || !private(root) {
		return false
	}
	p := filepath.Join(root, key+".seen")
	if fi, err := os.Lstat(p); err == nil {
		return fi.Mode().IsRegular()
	}
	if f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY|syscall.O_NOFOLLOW, 0o600); err == nil {
		f.Close()
	}
	pruneSeen(root)
	return false
}

// replaySeenKept bounds the markers of keys missed once.
const replaySeenKept = 32

// pruneSeen keeps the replaySeenKept markers made last.
func pruneSeen(root string) {
	pruneOldest(root, replaySeenKept, func(e os.DirEntry) (time.Time, bool) {
		if !strings.HasSuffix(e.Name(), ".seen") {
			return time.Time{}, false
		}
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() {
			return time.Time{}, false
		}
		return fi.ModTime(), true
	}, os.Remove)
}

// pruneOldest keeps the keep entries of root that counts counts (with the
// time each was last used) used last, and removes the others with remove.
func pruneOldest(root string, keep int, counts func(e os.DirEntry) (time.Time, bool), remove func(string) error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	type entry struct {
		name string
		used time.Time
	}
	var kept []entry
	for _, e := range entries {
		if used, ok := counts(e); ok {
			kept = append(kept, entry{e.Name(), used})
		}
	}
	if len(kept) <= keep {
		return
	}
	slices.SortFunc(kept, func(a, b entry) int { return b.used.Compare(a.used) })
	for _, e := range kept[keep:] {
		remove(filepath.Join(root, e.name))
	}
}

// DropReplay removes an entry that did not start or did not hold what its
// meta file said, so the next plan does not try it again.
func DropReplay(key string) {
	root := ReplayDir()
	if keyRE.MatchString(key) && root != "" && private(root) {
		os.RemoveAll(filepath.Join(root, key))
	}
}

// pruneReplays keeps the replayEntries entries used last, and removes
// the temporary folders of saves that were killed (pruneLeftovers).
func pruneReplays(root string) {
	pruneLeftovers(root)
	pruneOldest(root, replayEntries, func(e os.DirEntry) (time.Time, bool) {
		fi, err := e.Info()
		if err != nil || !fi.IsDir() {
			return time.Time{}, false
		}
		if strings.HasPrefix(e.Name(), ".new-") {
			return time.Time{}, false // pruneLeftovers
		}
		return fi.ModTime(), true
	}, os.RemoveAll)
}

// leftoverAge is the age from which a save's temporary folder no one
// holds locked is a killed save's: writeEntry locks the folder right
// after making it, well within it.
const leftoverAge = time.Minute

// pruneLeftovers removes the temporary folders (.new-*) that saves killed
// before their rename left in the cache folder root, up to 256 MiB each:
// those older than leftoverAge whose lock (writeEntry's) no one holds, so
// a save under way, in this process or another, keeps its folder however
// long its copy takes. Run by every lookup and save: before, only the
// next save cleaned one, a folder at least an hour old, and a cache that
// only warm plans read kept it for good.
func pruneLeftovers(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".new-") || !e.IsDir() {
			continue
		}
		p := filepath.Join(root, e.Name())
		fi, err := os.Lstat(p)
		if err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < leftoverAge {
			continue
		}
		fd, err := syscall.Open(p, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		if syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			os.RemoveAll(p)
		}
		syscall.Close(fd)
	}
}

// replaySkip leaves out of a saved cluster what a start makes again or
// must not find: the running server's pid and options files, the
// relation cache's init files (a crash recovery removes them anyway), the
// statistics' temporary files, and the WAL segments outside [redo, last]
// (before the checkpoint's redo point, or recycled ones past the last
// written: neither is read at the next start).
func replaySkip(redo, last string) func(rel string, dir bool) bool {
	return func(rel string, dir bool) bool {
		if dir {
			return false
		}
		base := filepath.Base(rel)
		switch {
		case rel == "postmaster.pid" || rel == "postmaster.opts":
			return true
		case strings.HasPrefix(base, "pg_internal.init"):
			return true
		case filepath.Dir(rel) == "pg_stat_tmp":
			return true
		case filepath.Dir(rel) == "pg_wal" && walSegment(base) && walSegment(redo):
			return base[:8] != redo[:8] || base < redo || walSegment(last) && last >= redo && base > last
		}
		return false
	}
}
