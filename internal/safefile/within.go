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

// The checks that follow links use Within on resolved names. Two answers
// differ on purpose, for a path that does not resolve whole:
//
//   - WithinResolved resolves as far as the path exists: a folder not made
//     yet (the hooks folder git has not created, a migrations folder a
//     command would make) is where its nearest existing parent leads.
//     A dangling link there counts as the link itself, inside: what it
//     names cannot be read (nothing is there), so nothing outside is.
//   - WithinExisting wants the whole path to resolve: one that does not
//     (missing, a dangling link, a loop) is not proven inside, and a file
//     dbguard is about to open behind a link (an env file) is refused.

// Resolved is p cleaned, with the links of its longest existing part
// resolved and the rest, not created yet, as written.
func Resolved(p string) string {
	p = filepath.Clean(p)
	rest := ""
	for {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return filepath.Join(p, rest)
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// WithinResolved reports whether p is root or below it where their links
// lead, as far as each exists (Resolved).
func WithinResolved(root, p string) bool {
	return Within(Resolved(root), Resolved(p))
}

// WithinExisting reports whether p, which must exist, is root or below it
// where their links lead: false when either does not resolve.
func WithinExisting(root, p string) bool {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return false
	}
	real, err := filepath.EvalSymlinks(p)
	return err == nil && Within(realRoot, real)
}
