package migrate

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// errLink is readAt's answer for a link, which Runner.read reads through
// the root instead (a link that stays in the folder is followed there).
var errLink = errors.New("a symbolic link")

// errLarge is readAtUpTo's answer for a file over its limit.
var errLarge = errors.New("over the size read ahead")

// canReadAt: Runner.read uses readAt.
const canReadAt = true

// readAt is readFile for one name of the folder open as dirfd, in four
// system calls where an *os.File takes seven (its poller registration,
// and a read that only finds the end): status and every run checksum all
// applied files, so these are most of the no-op path's own work. Like
// readFile it waits on nothing (O_NONBLOCK: a FIFO swapped in does not
// block the open) and refuses what is not a regular file; unlike the
// root, it follows no link at all (O_NOFOLLOW: errLink, for the caller
// to read through the root), and name must be one component.
func readAt(dirfd int, name string) ([]byte, error) {
	return readAtUpTo(dirfd, name, -1)
}

// readAtUpTo is readAt that reads nothing of a file over max bytes (max
// below 0: no limit), answering errLarge from the file's status alone.
func readAtUpTo(dirfd int, name string, max int64) ([]byte, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Openat(dirfd, name, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if errors.Is(err, syscall.ELOOP) {
		return nil, errLink
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, &os.PathError{Op: "stat", Path: name, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, fmt.Errorf("not a regular file (%s)", kindOf(st.Mode))
	}
	if max >= 0 && st.Size > max {
		return nil, errLarge
	}
	// One byte more than the size, so a file read whole comes back short
	// and the read that would find its end is not needed; a file that
	// grew since the fstat fills the buffer and is read on.
	size := int(min(st.Size, 1<<24))
	buf := make([]byte, 0, size+1)
	for {
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: name, Err: err}
		}
		buf = buf[:len(buf)+n]
		if n == 0 || len(buf) == int(st.Size) && len(buf) < cap(buf) {
			return buf, nil
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

func kindOf(mode uint32) string {
	switch mode & syscall.S_IFMT {
	case syscall.S_IFDIR:
		return "a folder"
	case syscall.S_IFIFO:
		return "a named pipe"
	case syscall.S_IFCHR, syscall.S_IFBLK:
		return "a device"
	case syscall.S_IFSOCK:
		return "a socket"
	}
	return fmt.Sprintf("mode %o", mode&syscall.S_IFMT)
}
