//go:build !linux

package envcheck

import (
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// codeFiles reads the files walkCode lists, each as the one the walk
// saw: through an os.Root at its folder (opened once per folder through
// one at the project root), so no link, in the folder's path or put in
// the file's place after the walk, leads out of the project; and only when
// the name is still that regular file when it is open, so a file swapped
// for a link after the walk is not read through the link.
type codeFiles struct {
	root   *os.Root // the project root
	dir    *os.Root // the folder of the last file read; nil: none yet, or it failed
	dirRel string   // dir's path below the root
	err    error    // opening dir
}

// read reads rel, a file below the root the walk listed as a regular
// file, of at most limit bytes, in one read of its size (the code of a
// large project is thousands of files: each read call counts).
func (c *codeFiles) read(rel string, limit int64) ([]byte, error) {
	d, name := path.Split(rel)
	d = strings.TrimSuffix(d, "/")
	if d == "" {
		d = "."
	}
	if d != c.dirRel || c.dir == nil && c.err == nil {
		c.close()
		c.dirRel = d
		c.dir, c.err = c.root.OpenRoot(filepath.FromSlash(d))
	}
	if c.err != nil {
		return nil, c.err
	}
	f, err := c.dir.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0) // a FIFO never blocks
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fs.ErrNotExist
	}
	// The name may have been a link (followed inside the folder): the
	// file opened must be the one the name is.
	if lst, err := c.dir.Lstat(name); err != nil || !os.SameFile(st, lst) {
		return nil, fs.ErrNotExist
	}
	if st.Size() > limit {
		return nil, errTooLarge
	}
	buf := make([]byte, st.Size())
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF {
		return nil, err
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
