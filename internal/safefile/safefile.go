// Package safefile opens and reads the files a repository (or a setting
// in one) names, which dbguard does not trust: a file is opened without
// waiting (O_NONBLOCK: a FIFO there would otherwise block the open until
// some process wrote to it), only a regular file is read (a FIFO, device,
// socket or folder is refused with ErrNotRegular), optionally through an
// os.Root (a link out of it is refused) and up to a size cap.
//
// Callers keep their own words for these refusals: each maps ErrNotRegular
// and *TooLargeError to the error its users and scripts already know.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// NoLimit reads a file whole, whatever its size.
const NoLimit int64 = -1

// ErrNotRegular is a FIFO, device, socket or folder where a file was
// expected; errors.Is matches every *NotRegularError.
var ErrNotRegular = errors.New("not a regular file")

// NotRegularError is ErrNotRegular with the file's mode, for a caller that
// says what it found.
type NotRegularError struct{ Mode fs.FileMode }

func (e *NotRegularError) Error() string { return ErrNotRegular.Error() }

// Is makes errors.Is(err, ErrNotRegular) hold.
func (e *NotRegularError) Is(target error) bool { return target == ErrNotRegular }

// TooLargeError is a regular file past the size cap it was read with.
type TooLargeError struct {
	Size  int64 // its size, or at least how much was read (limit+1)
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("larger than %d bytes (%d)", e.Limit, e.Size)
}

const flags = os.O_RDONLY | syscall.O_NONBLOCK

// Open opens name for reading, following links, without waiting on a
// FIFO, and returns it only if it is a regular file.
func Open(name string) (*os.File, error) {
	f, _, err := regular(os.OpenFile(name, flags, 0))
	return f, err
}

// OpenIn is Open through root: name may not leave it, by ".." or a link.
func OpenIn(root *os.Root, name string) (*os.File, error) {
	f, _, err := regular(root.OpenFile(name, flags, 0))
	return f, err
}

// ReadFile reads the regular file name (opened as Open does) whole, or
// fails with *TooLargeError past limit bytes (NoLimit: any size).
func ReadFile(name string, limit int64) ([]byte, error) {
	f, size, err := regular(os.OpenFile(name, flags, 0))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return read(f, size, limit)
}

// ReadIn is ReadFile through root.
func ReadIn(root *os.Root, name string, limit int64) ([]byte, error) {
	f, size, err := regular(root.OpenFile(name, flags, 0))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return read(f, size, limit)
}

// ReadUnder is ReadIn through a root opened at dir, for rel (relative to
// dir).
func ReadUnder(dir, rel string, limit int64) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return ReadIn(root, rel, limit)
}

// Read reads f, a file Open or OpenIn returned, as ReadFile does; it does
// not close f.
func Read(f *os.File, limit int64) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return read(f, st.Size(), limit)
}

// regular keeps an opened file only if it is a regular one.
func regular(f *os.File, err error) (*os.File, int64, error) {
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, &NotRegularError{Mode: st.Mode()}
	}
	return f, st.Size(), nil
}

// read reads f of the given size into one buffer of that size (plus the
// byte that finds the end), as os.ReadFile does, up to limit+1 bytes. The
// first buffer is at most 16 MiB, as migrate's readAt's: a size is the
// file's word (a sparse file claims any), what is read is what counts.
func read(f *os.File, size, limit int64) ([]byte, error) {
	if limit >= 0 && size > limit {
		return nil, &TooLargeError{Size: size, Limit: limit}
	}
	var r io.Reader = f
	if limit >= 0 {
		r = io.LimitReader(f, limit+1)
	}
	data := make([]byte, 0, min(max(size+1, 512), 1<<24))
	for {
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
	if limit >= 0 && int64(len(data)) > limit {
		return nil, &TooLargeError{Size: int64(len(data)), Limit: limit}
	}
	return data, nil
}
