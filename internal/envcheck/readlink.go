package envcheck

import (
	"os"
	"path/filepath"
	"syscall"

	"github.com/dbguard/dbguard/internal/safefile"
)

// linkChecked, when not nil (tests only), runs between the check that a
// link stays inside the project and the open of what it leads to.
var linkChecked func()

// openLinkInside opens the file the link rel (below root) leads to when
// it stays inside the project: the file it resolved to when checked,
// opened through an os.Root at the project's real folder, so that a link
// swapped in after the check (for rel, for the file it led to, or for a
// folder on the way) is followed only inside the project, never out of
// it. OutsideError when it leads out, now or by then.
func openLinkInside(root, rel string) (*os.File, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, &OutsideError{Path: rel}
	}
	real, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, &OutsideError{Path: rel}
	}
	in, err := filepath.Rel(realRoot, real)
	if err != nil || !safefile.Within(realRoot, real) {
		return nil, &OutsideError{Path: rel}
	}
	if linkChecked != nil {
		linkChecked()
	}
	r, err := os.OpenRoot(realRoot)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	// Without blocking: a FIFO put there would wait for a writer forever.
	f, err := r.OpenFile(in, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if !insideRoot(root, rel) {
			return nil, &OutsideError{Path: rel}
		}
		return nil, err
	}
	return f, nil
}
