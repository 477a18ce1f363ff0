//go:build unix

package envcheck

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
)

// readLimited reads a file, refusing it past MaxEnvFileSize without
// reading it all.
//
// It makes the system calls itself: os.OpenFile offered each file to the
// network poller (an epoll_ctl that fails for a regular file), set a
// finalizer and allocated a File and a FileInfo, and io.ReadAll grew its
// buffer from 512 bytes; for the thousand small files of a monorepo that
// was most of the reading's cost. Here: open, fstat, read, close, into one
// buffer of the file's size; a second read only when the first returned
// fewer bytes than fstat counted, or more (see below).
//
// rel is below root. A file that is a link is read only when the link
// stays inside the project (OutsideError otherwise): the link is the
// repository's, and dbguard reads nothing outside the project for it. A
// folder on the way that is a link is followed only inside it too: the
// file is opened from the root folder (readLimitedIn), not by its whole
// name, where O_NOFOLLOW guards only the last part and a folder swapped
// for a link out after discovery listed the file was followed.
func readLimited(root, rel string) ([]byte, error) {
	d := openRootDir(root)
	defer d.close()
	return readLimitedIn(d, root, rel)
}

// rootDir is the project's root folder held open, so that each of a
// thousand env files is opened from it (openat) and the kernel does not
// walk the root's own path again for each; noRootDir when not open.
type rootDir int

const noRootDir rootDir = -1

// close closes the root folder.
func (d rootDir) close() {
	if d != noRootDir {
		syscall.Close(int(d))
	}
}

// underRoot reports whether rel names the same file opened from the root
// folder as joined to root's name: relative, no ".." (filepath.Join
// cleans "a/../b" to "b"; the kernel needs a to be a folder).
func underRoot(rel string) bool {
	if rel == "" || rel[0] == '/' {
		return false
	}
	for rest := rel; rest != ""; {
		el, after, _ := strings.Cut(rest, "/")
		if el == ".." {
			return false
		}
		rest = after
	}
	return true
}

// readLimitedIn is readLimited, opening rel from the root folder d when it
// is open (see rootDir).
func readLimitedIn(d rootDir, root, rel string) ([]byte, error) {
	name := func() string { return filepath.Join(root, filepath.FromSlash(rel)) }
	at := d != noRootDir && underRoot(rel)
	flags := syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC | syscall.O_NOFOLLOW
	var fd int
	var err error
	for {
		// Without blocking: a FIFO put there after discovery looked would
		// wait for a writer forever.
		if at {
			fd, err = openat(int(d), rel, flags)
		} else {
			fd, err = syscall.Open(name(), flags, 0)
		}
		if err != syscall.EINTR {
			break
		}
	}
	if err == syscall.ELOOP {
		// The name is a link: followed only when it stays inside, to the
		// file it led to when checked (not reopened by name: a link
		// swapped in between would be followed out).
		f, err := openLinkInside(root, rel)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		fd = int(f.Fd())
	} else if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name(), Err: err}
	} else {
		defer syscall.Close(fd)
	}
	var st syscall.Stat_t
	size := int64(0)
	sized := false
	if err := syscall.Fstat(fd, &st); err == nil {
		if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
			return nil, fmt.Errorf("%s is not a regular file", rel)
		}
		if st.Size > MaxEnvFileSize {
			return nil, &TooLargeError{Path: rel, Size: st.Size}
		}
		size, sized = st.Size, st.Size > 0
	}
	// One byte more than the size: a file that grew since fstat fills the
	// extra byte and is read on, to the limit, into a new buffer.
	buf := make([]byte, 0, size+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", rel, &fs.PathError{Op: "read", Path: name(), Err: err})
		}
		if n <= 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
		if len(buf) > MaxEnvFileSize {
			return nil, &TooLargeError{Path: rel, Size: int64(len(buf))}
		}
		if sized && int64(len(buf)) == size {
			// Every byte fstat counted: the file as it was when opened,
			// whole (one that grew since fills the extra byte the read
			// asked for, and is read on). Asking again only to be told
			// "end" was a fifth system call for each of a monorepo's env
			// files; os.ReadFile makes it because it cannot trust a size
			// (procfs reports 0 for files with text: sized is false then,
			// and the file is read to its end). A short read (a network
			// or FUSE file system may return fewer bytes than asked)
			// leaves len(buf) below size and reads on.
			return buf, nil
		}
	}
}
