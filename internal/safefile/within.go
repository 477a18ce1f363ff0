package safefile

import (
	"path/filepath"
	"strings"
)

// Within reports whether p is root or a path below it, as written: both
// absolute, or both relative to the same folder (one of each is never
// within). It is lexical. A link is not followed, so a folder of the
// project that links outside it is within: where links count, resolve
// both first (filepath.EvalSymlinks). Letters are compared as they are,
// so on a case-folding file system /Proj/x is not within /proj: a check
// that refuses what is outside refuses it too. "..x" is a name like any
// other; trailing separators do not count.
//
// The test is on the relative path's first element, not filepath.IsLocal:
// on Windows IsLocal also refuses a name with ':' (an alternate data
// stream, schema.sql:x) or a reserved name (COM1.sql), and a caller that
// checks links only for paths Within the project (output.WriteFile) then
// skipped the check for them and wrote where a link led (review7c).
func Within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	if err != nil || filepath.IsAbs(rel) {
		return false
	}
	return rel == "." || rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
