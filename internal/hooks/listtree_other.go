//go:build !linux

package hooks

import (
	"context"
	"os"
)

// listTree walks the folders below top and returns the slash paths of the
// files (anything but a folder: links included) whose name keep accepts,
// and, with a slash at the end, each folder it could not open or read; it
// does not enter a folder skip names, nor a link. Folders are opened
// through an os.Root, so the walk cannot leave top. (Linux reads the
// folders' records directly: listtree_linux.go.)
func listTree(ctx context.Context, top string, keep nameMatcher, skip func(name string) bool) ([]string, error) {
	root, err := os.OpenRoot(top)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	var paths []string
	var walk func(dir *os.Root, rel string) error
	walk = func(dir *os.Root, rel string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := dir.Open(".")
		var entries []os.DirEntry
		if err == nil {
			entries, err = f.ReadDir(-1)
			f.Close()
		}
		if err != nil {
			if rel == "." {
				return err
			}
			paths = append(paths, rel+"/")
			return nil
		}
		for _, e := range entries {
			name := e.Name()
			if !e.IsDir() {
				if keep.match(name) {
					paths = append(paths, joinRel(rel, name))
				}
				continue
			}
			if skip(name) {
				continue
			}
			sub, err := dir.OpenRoot(name)
			if err != nil {
				paths = append(paths, joinRel(rel, name)+"/")
				continue
			}
			err = walk(sub, joinRel(rel, name))
			sub.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, "."); err != nil {
		return nil, err
	}
	return paths, nil
}
