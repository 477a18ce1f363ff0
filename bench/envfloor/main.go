// Command envfloor is the lower bound for dbguard env on a tree: the
// system calls dbguard's walk and reads make, and nothing else. Each
// folder is opened from its parent's descriptor and listed with
// getdents64 until it is empty; each .env* file in it is opened from the
// folder, fstat'd and read in one read. It judges nothing and prints
// nothing; it exits 1 when it read no file. Whatever dbguard env costs
// beyond it is dbguard's own work (docs/performance.md, round 13).
//
//	cd TREE && /usr/bin/time -f '%e %U %S' envfloor
package main

import (
	"os"
	"strings"
	"syscall"
	"unsafe"
)

type walker struct {
	list  []byte // getdents64's buffer
	data  []byte // a file's bytes
	kept  []byte // the last file's copy
	files int
}

func (w *walker) walk(dfd int) {
	var subs []string
	for {
		n, err := syscall.Getdents(dfd, w.list)
		if err != nil || n <= 0 {
			break
		}
		for off := 0; off < n; {
			// struct linux_dirent64: ino 8, off 8, reclen 2, type 1, name.
			reclen := int(*(*uint16)(unsafe.Pointer(&w.list[off+16])))
			typ := w.list[off+18]
			name := w.list[off+19 : off+reclen]
			if i := strings.IndexByte(string(name), 0); i >= 0 {
				name = name[:i]
			}
			off += reclen
			s := string(name)
			switch {
			case s == "." || s == ".." || s == ".git":
			case typ == syscall.DT_DIR:
				subs = append(subs, s)
			case typ == syscall.DT_REG && strings.HasPrefix(s, ".env"):
				w.read(dfd, s)
			}
		}
	}
	for _, s := range subs {
		fd, err := syscall.Openat(dfd, s, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
		if err == nil {
			w.walk(fd)
			_ = syscall.Close(fd)
		}
	}
}

func (w *walker) read(dfd int, name string) {
	fd, err := syscall.Openat(dfd, name, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Size >= int64(len(w.data)) {
		return
	}
	n, err := syscall.Read(fd, w.data[:st.Size+1])
	if err == nil {
		w.kept = append([]byte(nil), w.data[:n]...) // the copy a reader keeps
		w.files++
	}
}

func main() {
	fd, err := syscall.Open(".", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		os.Exit(2)
	}
	w := &walker{list: make([]byte, 32<<10), data: make([]byte, 64<<10)}
	w.walk(fd)
	if w.files == 0 {
		os.Exit(1)
	}
}
