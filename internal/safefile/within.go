package safefile

import "path/filepath"

// Within reports whether p is root or a path below it, as written: both
// absolute, or both relative to the same folder (one of each is never
// within). It is lexical. A link is not followed, so a folder of the
// project that links outside it is within: where links count, resolve
// both first (filepath.EvalSymlinks). Letters are compared as they are,
// so on a case-folding file system /Proj/x is not within /proj: a check
// that refuses what is outside refuses it too. "..x" is a name like any
// other; trailing separators do not count.
func Within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}
