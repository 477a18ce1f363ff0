//go:build !windows

package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/safefile"
)

// A CI job starts on a fresh runner: the dbguard it installs, and often
// the PostgreSQL too, are new files with new inodes and change times, and
// the cache folder the Action restores may sit under another path. The
// identities the replay cache's key holds by default (device, inode, size
// and change time; the template's folder) then differ in every job, and
// an entry restored from another job is never taken. With
// DBGUARD_CACHE_PORTABLE the key holds what the files are instead: the
// SHA-256 of the dbguard executable, initdb and postgres (memoised per
// file identity in the versions cache, so a job pays it once), the
// template's recipe without its folder, and the extension and library
// folders by their files' names, sizes and modification times (which a
// release archive and a package keep). Same bytes, same key; a replaced
// binary or an extension added is another key, as without it.

// portableID is the SHA-256 of the regular file at path, "" when it
// cannot be read. Memoised under the file's identity (binaryID): a file
// replaced or rewritten in place changes it.
func portableID(path string) string {
	id := binaryID(path)
	if id == "" {
		return ""
	}
	h := sha256.Sum256([]byte("content\x00" + path + "\x00" + id))
	key := fmt.Sprintf("sha256-%x", h[:12])
	if v, ok := cachedEntry(key); ok && sumRE.MatchString(v) {
		return v
	}
	f, err := safefile.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := sha256.New()
	if _, err := io.Copy(s, f); err != nil {
		return ""
	}
	sum := hex.EncodeToString(s.Sum(nil))
	// Kept only when the file did not change while it was read.
	if binaryID(path) == id {
		saveEntry(key, sum)
	}
	return sum
}

// sumRE is what portableID returns.
var sumRE = lazyre.New(`^[0-9a-f]{64}$`)

// portableDirID is a folder's identity by its entries: each name, type,
// size and modification time (to the second, as archives keep it), in
// name order; "" when it cannot be read.
func portableDirID(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	h := sha256.New()
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	for _, n := range names {
		fi, err := os.Lstat(filepath.Join(dir, n))
		if err != nil {
			return ""
		}
		fmt.Fprintf(h, "%q %o %d %d\n", n, fi.Mode(), fi.Size(), fi.ModTime().Unix())
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// dirID is a folder's identity in InstallID: binaryID, or portableDirID
// under DBGUARD_CACHE_PORTABLE.
func dirID(dir string) string {
	if Portable() {
		return portableDirID(dir)
	}
	return binaryID(dir)
}
