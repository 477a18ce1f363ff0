package envcheck

import (
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	direntrec "github.com/dbguard/dbguard/internal/dirent"
)

// A Folder is a folder a walk holds open while it walks what the folder
// holds, so that each subfolder is opened from it (openat) rather than by
// its whole path. The zero Folder holds nothing: a folder is then read by
// its path. Close it when its subfolders are read.
type Folder struct{ fd int } // fd+1: the zero value holds no descriptor

// Close lets the folder go.
func (f Folder) Close() {
	if f.fd > 0 {
		syscall.Close(f.fd - 1)
	}
}

// maxPathAt is the longest path a folder is opened from its parent for:
// PATH_MAX counts the terminating NUL. A longer path is read by its name,
// which fails as it did (ENAMETOOLONG) rather than letting a deep tree
// walk on below what a path can name, and bounds the descriptors a walk
// holds open to the tree's depth within one path.
const maxPathAt = 4096 - 1

// ReadDirAt is ReadDir for folder name (an OS path), which is base in the
// folder parent: opened from parent's descriptor, not following a link
// (O_NOFOLLOW: a folder swapped for a link since the parent was listed
// fails to open rather than being followed), and kept open as the
// returned Folder for the walk below it, on success. With the zero parent
// it opens name itself (the walk's top, links followed as os.ReadDir
// follows them).
//
// Opening a folder by its whole path walks every component of it in the
// kernel again: for bench.sh env's 1,012 folders that path walk and
// os.ReadDir's copies were a fifth of dbguard env's samples. find and fts
// open each folder from its parent the same way.
func (d *Dirs) ReadDirAt(parent Folder, base, name string) ([]fs.DirEntry, Folder, error) {
	if len(name) > maxPathAt {
		entries, err := d.ReadDir(name)
		return entries, Folder{}, err
	}
	dirfd, flags := parent.fd-1, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW
	if parent.fd <= 0 {
		dirfd, base, flags = unix.AT_FDCWD, name, flags&^syscall.O_NOFOLLOW
	}
	var fd int
	var err error
	for {
		if fd, err = syscall.Openat(dirfd, base, flags, 0); err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		err = &fs.PathError{Op: "open", Path: name, Err: err}
		d.keep(name, nil, err)
		return nil, Folder{}, err
	}
	entries, err := readDirFD(fd, name)
	countEnvFiles(entries)
	d.keep(name, entries, err)
	if err != nil {
		syscall.Close(fd)
		return entries, Folder{}, err
	}
	return entries, Folder{fd + 1}, nil
}

// direntBufs are getdents64's buffers, as os's own (8 KiB).
var direntBufs = sync.Pool{New: func() any { return new([8192]byte) }}

// readDirFD lists the open folder fd (named name) as os.ReadDir lists it:
// the entries sorted by name, their type from the folder's records (an
// lstat where the file system does not say: DT_UNKNOWN), an entry gone
// since the listing left out, and what was read before an error returned
// with it.
func readDirFD(fd int, name string) ([]fs.DirEntry, error) {
	bp := direntBufs.Get().(*[8192]byte)
	defer direntBufs.Put(bp)
	buf := bp[:]
	var ents []dirent
	var err error
	for {
		n, e := syscall.ReadDirent(fd, buf)
		if e == syscall.EINTR {
			continue
		}
		if e != nil {
			err = &fs.PathError{Op: "readdirent", Path: name, Err: e}
			break
		}
		if n <= 0 {
			break
		}
		for r := range direntrec.Records(buf[:n]) {
			if r.Ino == 0 {
				continue // os skips the records of removed files (ino 0) too
			}
			ents = append(ents, dirent{name: string(r.Name), typ: modeOfDT(r.Type)})
		}
	}
	out, terr := typed(fd, name, ents)
	if err == nil {
		err = terr
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, err
}

// typed makes the entries of folder fd (named name), asking the file
// system with an lstat (fstatat, not following a link) for the type of an
// entry whose record gave none; an entry gone since the listing is left
// out, as os.ReadDir leaves it; another error ends the entries there.
func typed(fd int, name string, ents []dirent) ([]fs.DirEntry, error) {
	var err error
	out := make([]fs.DirEntry, 0, len(ents))
	for i := range ents {
		e := &ents[i]
		e.parent = name
		if e.typ == modeUnknown {
			var st unix.Stat_t
			var serr error
			for {
				if serr = fstatat(fd, e.name, &st); serr != syscall.EINTR {
					break
				}
			}
			if serr == syscall.ENOENT {
				continue // gone since the listing, as os.ReadDir drops it
			}
			if serr != nil {
				err = &fs.PathError{Op: "lstat", Path: name + "/" + e.name, Err: serr}
				break
			}
			e.typ = modeOfStat(st.Mode)
		}
		out = append(out, e)
	}
	return out, err
}

func fstatat(dirfd int, name string, st *unix.Stat_t) error {
	return unix.Fstatat(dirfd, name, st, unix.AT_SYMLINK_NOFOLLOW)
}

// modeUnknown marks an entry whose type its record did not give.
const modeUnknown = fs.ModeIrregular | fs.ModeTemporary

// dirent is a listed name with its type, as os's entries are.
type dirent struct {
	parent, name string
	typ          fs.FileMode
}

func (e *dirent) Name() string               { return e.name }
func (e *dirent) IsDir() bool                { return e.typ.IsDir() }
func (e *dirent) Type() fs.FileMode          { return e.typ }
func (e *dirent) Info() (fs.FileInfo, error) { return os.Lstat(e.parent + "/" + e.name) }
func (e *dirent) String() string             { return fs.FormatDirEntry(e) }

func modeOfDT(t byte) fs.FileMode {
	switch t {
	case syscall.DT_BLK:
		return fs.ModeDevice
	case syscall.DT_CHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case syscall.DT_DIR:
		return fs.ModeDir
	case syscall.DT_FIFO:
		return fs.ModeNamedPipe
	case syscall.DT_LNK:
		return fs.ModeSymlink
	case syscall.DT_REG:
		return 0
	case syscall.DT_SOCK:
		return fs.ModeSocket
	}
	return modeUnknown
}

// modeOfStat is the type bits of a stat's mode, as os has them.
func modeOfStat(m uint32) fs.FileMode {
	switch m & syscall.S_IFMT {
	case syscall.S_IFBLK:
		return fs.ModeDevice
	case syscall.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFDIR:
		return fs.ModeDir
	case syscall.S_IFIFO:
		return fs.ModeNamedPipe
	case syscall.S_IFLNK:
		return fs.ModeSymlink
	case syscall.S_IFSOCK:
		return fs.ModeSocket
	}
	return 0
}
