//go:build !unix

package envcheck

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// readLimited reads a file, refusing it past MaxEnvFileSize without
// reading it all.
//
// rel is below root. A file that is a link is read only when the link
// stays inside the project (OutsideError otherwise).
func readLimited(root, rel string) ([]byte, error) {
	name := filepath.Join(root, filepath.FromSlash(rel))
	var f *os.File
	var err error
	if st, lerr := os.Lstat(name); lerr == nil && st.Mode()&os.ModeSymlink != 0 {
		// Followed only when it stays inside, to the file it led to when
		// checked (see openLinkInside).
		f, err = openLinkInside(root, rel)
	} else {
		// Without blocking: a FIFO put there after discovery looked would
		// wait for a writer forever.
		f, err = os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", rel)
	} else if err == nil && st.Size() > MaxEnvFileSize {
		return nil, &TooLargeError{Path: rel, Size: st.Size()}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxEnvFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", rel, err)
	}
	if len(data) > MaxEnvFileSize {
		return nil, &TooLargeError{Path: rel, Size: int64(len(data))}
	}
	return data, nil
}

// rootDir is the project's root folder held open where the system allows
// (see read_unix.go); here files are opened by name.
type rootDir struct{}

var noRootDir rootDir

func openRootDir(string) rootDir { return noRootDir }

func (rootDir) close() {}

func readLimitedIn(_ rootDir, root, rel string) ([]byte, error) { return readLimited(root, rel) }
