//go:build linux

package hooks

import (
	"errors"
	"os"
	"path"
	"syscall"
)

// openBlob opens the work-tree file p for diskBlob: its last name not
// followed if a link (O_NOFOLLOW), without waiting if a FIFO (O_NONBLOCK),
// and kept only if the file opened is regular (fstat), so nothing swapped
// in after the Lstat is read or waited on. p is a git path (slashes).
func openBlob(root *os.Root, p string, _ os.FileInfo) (*os.File, error) {
	dir, base := path.Split(p)
	if dir == "" {
		dir = "."
	}
	d, err := root.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	raw, err := d.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	cerr := raw.Control(func(dirfd uintptr) {
		for {
			fd, err = syscall.Openat(int(dirfd), base, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
			if err != syscall.EINTR {
				return
			}
		}
	})
	if cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), p)
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, errors.New("not a regular file")
	}
	return f, nil
}
