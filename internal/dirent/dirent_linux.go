// Package dirent reads the records Linux's getdents64 fills a buffer with,
// for the two walks that list folders from a descriptor (the env guard's,
// envcheck.Dirs.ReadDirAt, and the hook's, hooks.listTree).
package dirent

import (
	"bytes"
	"encoding/binary"
	"iter"
)

// Record is one entry: its inode (0 for a removed file's record), its
// DT_* type, and its name, which points into the buffer.
type Record struct {
	Ino  uint64
	Type byte
	Name []byte
}

// Records yields the records of buf (what one getdents64 returned), "."
// and ".." and empty names left out, and stops at a record that does not
// fit: struct linux_dirent64 is ino u64, off s64, reclen u16, type u8,
// then the name, NUL-terminated and padded.
func Records(buf []byte) iter.Seq[Record] {
	return func(yield func(Record) bool) {
		for b := buf; len(b) >= 19; {
			reclen := int(binary.NativeEndian.Uint16(b[16:18]))
			if reclen < 19 || reclen > len(b) {
				return
			}
			r := Record{Ino: binary.NativeEndian.Uint64(b[0:8]), Type: b[18], Name: b[19:reclen]}
			b = b[reclen:]
			if i := bytes.IndexByte(r.Name, 0); i >= 0 {
				r.Name = r.Name[:i]
			}
			if len(r.Name) == 0 || string(r.Name) == "." || string(r.Name) == ".." {
				continue
			}
			if !yield(r) {
				return
			}
		}
	}
}
