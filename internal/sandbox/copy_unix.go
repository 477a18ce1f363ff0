//go:build !windows

package sandbox

import (
	"fmt"
	"io/fs"
	"syscall"
)

// openRegular opens p for reading, not through a link, and returns its
// descriptor and status: a regular file or an error. O_NONBLOCK: a FIFO
// put in place of a listed file fails the regular-file check instead of
// blocking the open. The copy and the replay archive read files so.
func openRegular(p string) (int, syscall.Stat_t, error) {
	var st syscall.Stat_t
	in, err := openNoIntr(p, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return -1, st, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	if err := syscall.Fstat(in, &st); err != nil {
		syscall.Close(in)
		return -1, st, &fs.PathError{Op: "stat", Path: p, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		syscall.Close(in)
		return -1, st, fmt.Errorf("%s: not a regular file or folder", p)
	}
	return in, st, nil
}

// copyFile copies one file of a cluster with raw system calls into a
// buffer kept across files: a template's 510 files average 27 KiB, and
// each os.File cost more calls than the copy itself (fcntl and a refused
// epoll registration at each open, then io.Copy's copy_file_range and
// splice attempts, which fail between the user's cache and /dev/shm).
// Neither end follows a symbolic link, and the target must be new.
//
// The file's mode and size come from the opened descriptor (fstat), the
// copy stops at that size instead of reading once more for the end, and
// the copy is given to chown by its descriptor: three lookups of a path
// and a read fewer per file than an lstat, a read to the end and a chown
// by name (a template is private and never changes once made; a file
// that grew after the fstat is copied to the size it had).
func copyFile(src, dst string, buf *[]byte, chown func(path string, fd int) error) error {
	in, st, err := openRegular(src)
	if err != nil {
		return err
	}
	defer syscall.Close(in)
	out, err := openNoIntr(dst, syscall.O_CREAT|syscall.O_EXCL|syscall.O_WRONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, uint32(st.Mode&0o777))
	if err != nil {
		return &fs.PathError{Op: "open", Path: dst, Err: err}
	}
	if chown != nil {
		if err := chown(dst, out); err != nil {
			syscall.Close(out)
			return err
		}
	}
	if *buf == nil {
		*buf = make([]byte, 256<<10)
	}
	if err := copyFD(out, in, st.Size, *buf); err != nil {
		syscall.Close(out)
		return &fs.PathError{Op: "copy", Path: dst, Err: err}
	}
	if err := syscall.Close(out); err != nil {
		return &fs.PathError{Op: "close", Path: dst, Err: err}
	}
	return nil
}

func openNoIntr(path string, mode int, perm uint32) (int, error) {
	for {
		fd, err := syscall.Open(path, mode, perm)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// copyFD copies size bytes of in to out (fewer if in ends first), through
// buf.
func copyFD(out, in int, size int64, buf []byte) error {
	for size > 0 {
		n, err := syscall.Read(in, buf[:min(int64(len(buf)), size)])
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return err
		case n == 0:
			return nil
		}
		size -= int64(n)
		for b := buf[:n]; len(b) > 0; {
			w, err := syscall.Write(out, b)
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				return err
			}
			b = b[w:]
		}
	}
	return nil
}
