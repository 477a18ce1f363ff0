package sandbox

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CopyCluster copies a cluster's folder: folders, regular files and their
// modes (PostgreSQL wants 0700 and 0600), each given to chown when it is
// not nil. A symbolic link or any other kind of file is an error: a
// template is initdb's output and nothing else. The test clusters
// (internal/pgtest) are copied the same way.
func CopyCluster(src, dst string, chown func(path string) error) error {
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
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if err := os.Mkdir(target, info.Mode().Perm()); err != nil {
				return err
			}
		case info.Mode().IsRegular():
			if err := copyFile(p, target, info.Mode().Perm(), &buf); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: not a regular file or folder", p)
		}
		if chown != nil {
			return chown(target)
		}
		return nil
	})
}
