//go:build !windows

package sandbox

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// A saved replay is one file, not a copy of the cluster's folder: the
// user's cache is on a disk file system (ext4 here), where creating the
// cluster's 1,300 files cost 0.3-0.5 s of system time at load 27 (cp -a),
// against 0.03 s for writing the same 20 MB as one file (tar cf). The
// archive is read back into the sandbox's folder in memory.
//
// Format: archiveMagic, then records: 'd' (a folder) or 'f' (a file), its
// mode (uint32, the permission bits), its path's length (uint16) and path
// (relative, slash-separated, local: no "..", not absolute), and for a file
// its size (uint64) and bytes; then 'e' and the CRC-32C of every byte
// before it. The first record is the folder ".".
const archiveMagic = "dbguard cluster archive 1\n"

const (
	archiveMaxPath    = 1024
	archiveMaxRecords = 200000
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// errArchive is an archive that is not one dbguard wrote whole.
var errArchive = errors.New("not a complete cluster archive")

// writeArchive writes the cluster in src, less what skip leaves out, to
// the new file dst, at most *left bytes of files.
func writeArchive(src, dst string, skip func(rel string, dir bool) bool, left *int64) error {
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	err = archiveTo(f, src, skip, left)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// archiveTo writes the archive of the cluster in src to f.
func archiveTo(f io.Writer, src string, skip func(rel string, dir bool) bool, left *int64) error {
	crc := crc32.New(crcTable)
	w := bufio.NewWriterSize(io.MultiWriter(f, crc), 256<<10)
	w.WriteString(archiveMagic)
	var buf []byte
	var hdr [8]byte
	record := func(kind byte, mode uint32, rel string) {
		w.WriteByte(kind)
		binary.BigEndian.PutUint32(hdr[:4], mode)
		w.Write(hdr[:4])
		binary.BigEndian.PutUint16(hdr[:2], uint16(len(rel)))
		w.Write(hdr[:2])
		w.WriteString(rel)
	}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if len(rel) > archiveMaxPath {
			return fmt.Errorf("%s: a name too long", p)
		}
		if skip != nil && rel != "." && skip(rel, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case d.IsDir():
			info, err := d.Info()
			if err != nil {
				return err
			}
			record('d', uint32(info.Mode().Perm()), filepath.ToSlash(rel))
			return nil
		case d.Type().IsRegular():
			return archiveFile(w, p, filepath.ToSlash(rel), &buf, left, record)
		default:
			return fmt.Errorf("%s: not a regular file or folder", p)
		}
	})
	if err == nil {
		err = w.WriteByte('e')
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		binary.BigEndian.PutUint32(hdr[:4], crc.Sum32())
		_, err = f.Write(hdr[:4])
	}
	return err
}

// archiveFile writes one file's record: its size from its open
// descriptor, then that many bytes (a file that shrank is an error).
func archiveFile(w *bufio.Writer, p, rel string, buf *[]byte, left *int64, record func(byte, uint32, string)) error {
	in, st, err := openRegular(p)
	if err != nil {
		return err
	}
	defer syscall.Close(in)
	if err := charge(left, st.Size, p); err != nil {
		return err
	}
	record('f', uint32(st.Mode&0o777), rel)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(st.Size))
	w.Write(n[:])
	if *buf == nil {
		*buf = make([]byte, 256<<10)
	}
	for size := st.Size; size > 0; {
		k, err := syscall.Read(in, (*buf)[:min(int64(len(*buf)), size)])
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return &fs.PathError{Op: "read", Path: p, Err: err}
		case k == 0:
			return fmt.Errorf("%s: shrank while saved", p)
		}
		w.Write((*buf)[:k])
		size -= int64(k)
	}
	return nil
}

// readArchive makes the folder dst (new) from the archive src, giving each
// folder and file to chown (as CopyCluster does), at most *left bytes of
// files. Paths must be local and come after their folder; a file is
// created new, without following links (the archive can hold none). An
// archive that is cut, longer than its end, or whose sum does not match
// is an error, after which the caller removes dst.
func readArchive(src, dst string, chown func(path string, fd int) error, left *int64) error {
	f, err := os.OpenFile(src, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: %w", src, errArchive)
	}
	r := bufio.NewReaderSize(f, 256<<10)
	bad := func(why string) error { return fmt.Errorf("%s: %w (%s)", src, errArchive, why) }
	var hdr [8]byte
	sum := crc32.New(crcTable) // of every byte before the end's sum
	read := func(p []byte) error {
		if _, err := io.ReadFull(r, p); err != nil {
			return bad("cut short")
		}
		sum.Write(p)
		return nil
	}
	magic := make([]byte, len(archiveMagic))
	if err := read(magic); err != nil || string(magic) != archiveMagic {
		return bad("no header")
	}
	buf := make([]byte, 256<<10)
	for i := 0; ; i++ {
		if i > archiveMaxRecords {
			return bad("too many records")
		}
		kind := make([]byte, 1) // apart from hdr, which the fields reuse
		if err := read(kind); err != nil {
			return err
		}
		if kind[0] == 'e' {
			break
		}
		if kind[0] != 'd' && kind[0] != 'f' {
			return bad("an unknown record")
		}
		if err := read(hdr[:4]); err != nil {
			return err
		}
		mode := binary.BigEndian.Uint32(hdr[:4]) & 0o700
		if err := read(hdr[:2]); err != nil {
			return err
		}
		name := make([]byte, binary.BigEndian.Uint16(hdr[:2]))
		if len(name) > archiveMaxPath {
			return bad("a name too long")
		}
		if err := read(name); err != nil {
			return err
		}
		rel := string(name)
		if i == 0 && (kind[0] != 'd' || rel != ".") || i > 0 && (!filepath.IsLocal(rel) || rel == "." || filepath.Clean(rel) != rel) {
			return bad(fmt.Sprintf("the name %q", rel))
		}
		target := filepath.Join(dst, filepath.FromSlash(rel))
		if kind[0] == 'd' {
			if err := os.Mkdir(target, fs.FileMode(mode)|0o700); err != nil {
				return err
			}
			if chown != nil {
				if err := chown(target, -1); err != nil {
					return err
				}
			}
			continue
		}
		if err := read(hdr[:8]); err != nil {
			return err
		}
		size := int64(binary.BigEndian.Uint64(hdr[:8]))
		if size < 0 {
			return bad("a negative size")
		}
		if err := charge(left, size, rel); err != nil {
			return err
		}
		if err := restoreFile(r, sum, target, mode, size, buf, chown); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return bad("cut short")
			}
			return err
		}
	}
	want := sum.Sum32()
	if _, err := io.ReadFull(r, hdr[:4]); err != nil || binary.BigEndian.Uint32(hdr[:4]) != want {
		return bad("its sum does not match")
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return bad("bytes after its end")
	}
	return nil
}

// restoreFile writes size bytes of r to the new file target.
func restoreFile(r io.Reader, sum hash.Hash32, target string, mode uint32, size int64, buf []byte, chown func(string, int) error) error {
	out, err := openNoIntr(target, syscall.O_CREAT|syscall.O_EXCL|syscall.O_WRONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, mode)
	if err != nil {
		return &fs.PathError{Op: "open", Path: target, Err: err}
	}
	if chown != nil {
		if err := chown(target, out); err != nil {
			syscall.Close(out)
			return err
		}
	}
	for size > 0 {
		k, err := io.ReadFull(r, buf[:min(int64(len(buf)), size)])
		if err != nil {
			syscall.Close(out)
			return err
		}
		sum.Write(buf[:k])
		for b := buf[:k]; len(b) > 0; {
			w, err := syscall.Write(out, b)
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				syscall.Close(out)
				return &fs.PathError{Op: "write", Path: target, Err: err}
			}
			b = b[w:]
		}
		size -= int64(k)
	}
	if err := syscall.Close(out); err != nil {
		return &fs.PathError{Op: "close", Path: target, Err: err}
	}
	return nil
}
