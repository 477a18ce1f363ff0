package envcheck

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// A Listing is the files of a work tree as a caller listed them, standing
// for the walk of the disk: the pre-commit hook lists every file (tracked,
// untracked and ignored) whose name discovery looks at, from the index and
// one walk that reads each folder's names and nothing else, once for every
// consumer (env discovery, the services' dbguard.yaml). Only the listed
// paths and their folders are visited; each is looked at on the disk
// (Lstat), so a listed file that is gone or replaced by a link counts as
// the walk would count it. A path ending in a slash is a folder whose
// inside the lister could not list (a folder it could not read): the
// walk reads the disk there.
type Listing struct {
	root   string              // the absolute folder the paths are relative to
	kids   map[string][]string // a folder (slash, "." for root) -> its listed names, sorted
	pruned func(name string) bool
	disk   map[string]bool // folders (slash) whose inside is read from the disk
}

// NewListing makes a Listing of slash paths relative to root. pruned
// names the folders the lister left out wherever they are (git's exclude
// pathspecs for SkippedDir); a walk that starts inside one reads the disk.
func NewListing(root string, paths []string, pruned func(name string) bool) *Listing {
	l := &Listing{root: root, kids: map[string][]string{}, pruned: pruned, disk: map[string]bool{}}
	seen := map[string]bool{}
	for _, p := range paths {
		opaque := strings.HasSuffix(p, "/")
		p = path.Clean(p)
		if opaque && p != "." && !path.IsAbs(p) && p != ".." && !strings.HasPrefix(p, "../") {
			l.disk[p] = true
		}
		if p == "." || path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") {
			continue
		}
		for p != "." && !seen[p] {
			seen[p] = true
			dir := path.Dir(p)
			l.kids[dir] = append(l.kids[dir], path.Base(p))
			p = dir
		}
	}
	for _, names := range l.kids {
		sort.Strings(names) // os.ReadDir's order
	}
	return l
}

// WalkDir walks the listed paths below root (an OS path at or below the
// listing's root) as filepath.WalkDir walks the disk: a folder before what
// it holds, names in lexical order, fs.SkipDir and fs.SkipAll honoured,
// links not followed.
func (l *Listing) WalkDir(root string, fn fs.WalkDirFunc) error {
	rel, err := filepath.Rel(l.root, root)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || l.prunedIn(filepath.ToSlash(rel)) {
		return filepath.WalkDir(root, fn) // not ours to stand for
	}
	info, err := os.Lstat(root)
	if err != nil {
		err = fn(root, nil, err)
	} else {
		err = l.walk(root, filepath.ToSlash(rel), fs.FileInfoToDirEntry(info), fn)
	}
	if err == filepath.SkipDir || err == filepath.SkipAll {
		return nil
	}
	return err
}

func (l *Listing) walk(p, rel string, d fs.DirEntry, fn fs.WalkDirFunc) error {
	if err := fn(p, d, nil); err != nil || !d.IsDir() {
		if err == filepath.SkipDir && d.IsDir() {
			err = nil
		}
		return err
	}
	if l.disk[rel] {
		return l.walkDisk(p, d, fn)
	}
	for _, name := range l.kids[rel] {
		cp := filepath.Join(p, name)
		info, err := os.Lstat(cp)
		if err != nil {
			continue // listed, but no longer there: the walk would not see it
		}
		if err := l.walk(cp, path.Join(rel, name), fs.FileInfoToDirEntry(info), fn); err != nil {
			if err == filepath.SkipDir {
				break // a file's SkipDir skips the rest of its folder
			}
			return err
		}
	}
	return nil
}

// walkDisk walks what folder p (already visited as d) holds on the disk, as
// filepath.WalkDir would below it; fs.SkipAll ends the whole walk.
func (l *Listing) walkDisk(p string, d fs.DirEntry, fn fs.WalkDirFunc) error {
	entries, err := os.ReadDir(p)
	if err != nil {
		if err := fn(p, d, err); err != nil && err != filepath.SkipDir {
			return err
		}
		return nil
	}
	for _, e := range entries {
		cp := filepath.Join(p, e.Name())
		err := fn(cp, e, nil)
		if err == filepath.SkipDir {
			if e.IsDir() {
				continue
			}
			return nil // a file's SkipDir skips the rest of its folder
		}
		if err != nil {
			return err
		}
		if e.IsDir() {
			if err := l.walkDisk(cp, e, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// prunedIn reports whether a folder lies in (or is) one the lister left out.
func (l *Listing) prunedIn(rel string) bool {
	if l.pruned == nil || rel == "." {
		return false
	}
	for _, name := range strings.Split(rel, "/") {
		if l.pruned(name) {
			return true
		}
	}
	return false
}
