//go:build !linux

package envcheck

import "io/fs"

// A Folder is a folder a walk holds open (on Linux: see dirat_linux.go);
// here every folder is read by its path.
type Folder struct{}

// Close lets the folder go.
func (Folder) Close() {}

// ReadDirAt is ReadDir for folder name, base in parent: by its path here.
func (d *Dirs) ReadDirAt(_ Folder, _, name string) ([]fs.DirEntry, Folder, error) {
	entries, err := d.ReadDir(name)
	return entries, Folder{}, err
}
