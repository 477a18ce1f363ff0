package output

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/safefile"
)

// WriteFileError is a destination dbguard will not write: a symbolic link
// (a repository can commit report.xml -> ~/.bashrc), something other than
// a regular file, or a folder that a link takes out of the project root.
type WriteFileError struct {
	File   string // as given
	Reason string
	Folder bool // the folder, not the file, is the link
}

func (e *WriteFileError) Error() string {
	return fmt.Sprintf("%s: will not write it: %s", FilePath(e.File), e.Reason)
}

// ExitCode is a usage error's: the destination is the one to change.
func (e *WriteFileError) ExitCode() int { return exitcode.Usage }

// Hint names the next step.
func (e *WriteFileError) Hint() string {
	if e.Folder {
		return "write it to a folder of the project that is no link, e.g. " + filepath.Base(e.File)
	}
	return "remove " + ShellWord(FilePath(e.File)) + " (dbguard writes a new file there) or write elsewhere in the project"
}

// WriteFile writes data to dest as a new regular file, never through a
// link: it creates a temporary file in dest's folder (O_EXCL) and renames
// it over dest, both through an os.Root on that folder. It refuses a dest
// that is a symbolic link or not a regular file, and a dest below root
// (as written) whose folder a link takes outside root. A dest the user
// typed outside root (--output /tmp/report.xml) is the user's choice;
// root "" checks no folder.
func WriteFile(root, dest string, data []byte, perm os.FileMode) error {
	abs, err := filepath.Abs(dest)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(abs)
	if fi, err := os.Lstat(abs); err == nil {
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			to, _ := os.Readlink(abs)
			return &WriteFileError{File: dest, Reason: fmt.Sprintf("a symbolic link (to %s); dbguard writes no file through a link", strconv.Quote(to))}
		case !fi.Mode().IsRegular():
			return &WriteFileError{File: dest, Reason: "not a regular file (" + fi.Mode().Type().String() + ")"}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if root != "" && safefile.Within(root, abs) {
		realRoot, err1 := filepath.EvalSymlinks(root)
		realDir, err2 := filepath.EvalSymlinks(dir)
		if err1 == nil && err2 == nil && !safefile.Within(realRoot, realDir) {
			return &WriteFileError{File: dest, Reason: fmt.Sprintf("its folder is a link to %s, outside the project root %s", strconv.Quote(realDir), root), Folder: true}
		}
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer r.Close()
	tmp, err := createTemp(r, base)
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// rename replaces a link put there since the check; it never
		// writes through one.
		err = r.Rename(filepath.Base(tmp.Name()), base)
	}
	if err != nil {
		r.Remove(filepath.Base(tmp.Name()))
		return err
	}
	return nil
}

// createTemp creates .BASE.tmp-N in r, a name no one else has (O_EXCL).
func createTemp(r *os.Root, base string) (*os.File, error) {
	for i := 0; ; i++ {
		name := fmt.Sprintf(".%s.tmp-%d-%d", base, os.Getpid(), i)
		f, err := r.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) && i < 100 {
			continue
		}
		return f, err
	}
}
