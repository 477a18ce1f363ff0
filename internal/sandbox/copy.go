package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CopyCluster copies a cluster's folder: folders, regular files and their
// modes (PostgreSQL wants 0700 and 0600), each given to chown when it is
// not nil, with the copy's open descriptor for a file (fd -1 for a
// folder: chown it by its path). A symbolic link or any other kind of file
// is an error: a template is initdb's output and nothing else. The test
// clusters (internal/pgtest) are copied the same way.
func CopyCluster(src, dst string, chown func(path string, fd int) error) error {
	var buf []byte
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			info, err := d.Info()
			if err != nil {
				return err
			}
			if err := os.Mkdir(target, info.Mode().Perm()); err != nil {
				return err
			}
			if chown != nil {
				return chown(target, -1)
			}
			return nil
		case d.Type().IsRegular():
			// The folder listing's type, then the opened file's own
			// mode and size (copyFile): no lstat of each file by name.
			return copyFile(p, target, &buf, chown)
		default:
			return fmt.Errorf("%s: not a regular file or folder", p)
		}
	})
}

// errTooLarge is an archive past the bound on a saved cluster (archiveTo,
// readArchive).
var errTooLarge = errors.New("larger than the bound on a saved cluster")

// charge takes size bytes from left (nil: no bound).
func charge(left *int64, size int64, p string) error {
	if left == nil {
		return nil
	}
	if size > *left {
		return fmt.Errorf("%s: %w", p, errTooLarge)
	}
	*left -= size
	return nil
}
