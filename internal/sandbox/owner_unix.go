//go:build !windows

package sandbox

import (
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// ownedByUs reports whether a sandbox folder belongs to this user, or, as
// root, to the postgres user the server runs as: Sweep never touches
// another user's folders.
func ownedByUs(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	if int(st.Uid) == os.Geteuid() {
		return true
	}
	if os.Geteuid() == 0 {
		if u, err := user.Lookup("postgres"); err == nil {
			return u.Uid == strconv.Itoa(int(st.Uid))
		}
	}
	return false
}

// private reports whether dir is a folder of this user's that no one else
// may write to: only then are the caches in it (initdb's versions, the
// template clusters) read, as anything another user put there would run
// as this one's sandbox.
func private(dir string) bool {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o022 != 0 {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}
