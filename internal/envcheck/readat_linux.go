package envcheck

import (
	"strings"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// openRootDir opens root for readLimitedIn; noRootDir if it cannot (each
// file is then opened by its whole name, as readLimited does).
func openRootDir(root string) rootDir {
	for {
		fd, err := syscall.Open(root, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return noRootDir
		}
		return rootDir(fd)
	}
}

// noOpenat2 is set once openat2 is found missing (a kernel before 5.6, or
// a seccomp filter that refuses it).
var noOpenat2 atomic.Bool

// openat opens rel below dirfd following no link on the way, the folders'
// included (openat2's RESOLVE_NO_SYMLINKS): a link anywhere in rel is
// ELOOP, as O_NOFOLLOW makes one at its end, and readLimitedIn follows it
// only inside the project. openat's O_NOFOLLOW alone followed a folder on
// the way swapped for a link out of the project after discovery listed the
// file. Where openat2 is missing, each folder on the way is opened with
// openat's O_NOFOLLOW, from the one before: a link among them is ELOOP
// too (openat alone, with the whole of rel, followed it).
func openat(dirfd int, rel string, flags int) (int, error) {
	if !noOpenat2.Load() {
		fd, err := unix.Openat2(dirfd, rel, &unix.OpenHow{Flags: uint64(flags), Resolve: unix.RESOLVE_NO_SYMLINKS})
		switch err {
		case nil:
			return fd, nil
		case unix.ENOSYS, unix.EPERM:
			noOpenat2.Store(true)
		default:
			return -1, err
		}
	}
	return openatByParts(dirfd, rel, flags)
}

// openatByParts opens rel below dirfd a part at a time, following no
// link: a folder on the way that is one is ELOOP, as is the file. rel
// has no ".." (underRoot).
func openatByParts(dirfd int, rel string, flags int) (int, error) {
	cur := dirfd
	defer func() {
		if cur != dirfd {
			syscall.Close(cur)
		}
	}()
	for {
		part, rest, more := strings.Cut(rel, "/")
		if !more {
			return syscall.Openat(cur, part, flags, 0)
		}
		rel = rest
		if part == "" || part == "." {
			continue
		}
		// No O_DIRECTORY: its answer for a link is ENOTDIR, where
		// O_NOFOLLOW's is ELOOP; a file or FIFO here is opened without
		// blocking and the next part's openat says ENOTDIR.
		fd, err := syscall.Openat(cur, part, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err != nil {
			return -1, err
		}
		if cur != dirfd {
			syscall.Close(cur)
		}
		cur = fd
	}
}
