//go:build !linux

package hooks

import (
	"errors"
	"os"
	"syscall"
)

// openBlob opens the work-tree file p for diskBlob, kept only if the file
// opened is the regular file Lstat saw (info): a link put in its place
// since is followed by the root, and refused here (unless the file it
// names took the removed file's inode number).
func openBlob(root *os.Root, p string, info os.FileInfo) (*os.File, error) {
	f, err := root.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0) // a FIFO put in its place does not wait
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() || !os.SameFile(info, st) {
		f.Close()
		return nil, errors.New("not the regular file found")
	}
	return f, nil
}
