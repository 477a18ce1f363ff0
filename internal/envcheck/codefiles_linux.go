//go:build linux

package envcheck

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// codeFiles reads the files walkCode lists, each as the one the walk
// saw: relative to its folder, opened once per folder through an os.Root
// at the project root (no link in the folder's path leads out of it), and
// with O_NOFOLLOW, so a file swapped for a link after the walk is not
// read through the link.
//
// It makes the system calls itself, as readLimited does: openat, fstat,
// read, close, into one buffer of the file's size (an os.File per file,
// offered to the network poller, cost more than the reading of a small
// file).
type codeFiles struct {
	root   *os.Root // the project root
	dir    *os.File // the folder of the last file read; nil: none yet, or it failed
	dirRel string   // dir's path below the root
	err    error    // opening dir
}

// read reads rel, a file below the root the walk listed as a regular
// file, of at most limit bytes (the code of a large project is thousands
// of files: each system call counts).
func (c *codeFiles) read(rel string, limit int64) ([]byte, error) {
	d, name := path.Split(rel)
	d = strings.TrimSuffix(d, "/")
	if d == "" {
		d = "."
	}
	if d != c.dirRel || c.dir == nil && c.err == nil {
		c.close()
		c.dirRel = d
		c.dir, c.err = c.root.Open(filepath.FromSlash(d))
	}
	if c.err != nil {
		return nil, c.err
	}
	var fd int
	var err error
	for {
		// Without blocking: a FIFO put there after the walk would wait
		// for a writer forever.
		fd, err = syscall.Openat(int(c.dir.Fd()), name, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		// ELOOP: the name is a link now.
		return nil, &fs.PathError{Op: "openat", Path: rel, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, err
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, fs.ErrNotExist
	}
	if st.Size > limit {
		return nil, errTooLarge
	}
	buf := make([]byte, st.Size)
	n := 0
	for n < len(buf) {
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: rel, Err: err}
		}
		if m <= 0 {
			break // shrunk since
		}
		n += m
	}
	return buf[:n], nil
}

// close closes the folder open.
func (c *codeFiles) close() {
	if c.dir != nil {
		c.dir.Close()
	}
	c.dir, c.err = nil, nil
}
