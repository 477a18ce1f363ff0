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
