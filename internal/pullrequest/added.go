package pullrequest

import (
	"context"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dbguard/dbguard/internal/hooks"
)

// AddedLines is what the work tree adds to the base revision rev, by file
// (a slash path from repo, as git grep there names it): the numbers of the lines it
// adds or changes, in the work tree's version. A file whose lines cannot
// be told (its diff holds a NUL byte: UTF-16, binary) maps to nil, every
// line of it new.
//
// files, when not nil, are the only files asked about: the diff then
// reads the base's contents of those files alone (and, when one of them
// is new at its path, of the files the pull request deletes, where git
// looks for what it was renamed from), so that a partial clone
// (--filter=blob:none) needs only those of the base's files, which the
// Action's base step fetches (scripts/action/base.sh). Their lines are
// the same as in the whole diff: git pairs renames among the added and
// deleted files only, and each of those stays in the diff when one of
// files is added.
//
// The diff is the base's tree against the work tree, not against the
// merge base (BASE...HEAD): it needs no history, so a depth-1 fetch of
// the base is enough, and when the base moved on, a line the base removed
// since counts as added too. That errs one way only: an exemption counts
// as new when in doubt. Renames are followed (a moved file's old lines are
// not new); no external diff, no textconv, git's prefixes whatever its
// configuration says.
//
// The diff covers the whole repository, whatever folder of it repo is: a
// file above repo (../migrations/0002_x.sql, when ci runs in a folder
// below its project's root) is in it too. Run from repo alone (git diff
// --relative), it held no such file, and a -- dbguard:allow comment the
// pull request added there counted as the base's
// (ci_attack_pr_allow_above_folder.txtar).
func (b *Base) AddedLines(ctx context.Context, repo, rev string, files []string) (map[string]map[int]bool, error) {
	names, err := b.diffNames(ctx, repo, rev, files != nil)
	if err != nil {
		return nil, err
	}
	prefix := names.prefix
	args := []string{"--no-ext-diff", "--no-textconv", "--no-color", "--no-relative", "--text", "-U0", "-M",
		"--src-prefix=a/", "--dst-prefix=b/", "--end-of-options", rev, "--"}
	var outside []string // files the diff cannot name: every line new
	if files != nil {
		var top, wide []string
		wideBytes := 0 // wide's pathspec, bounded as addedSpec's
		for _, f := range files {
			t, ok := fromRepo(prefix, f)
			switch {
			case !ok:
				outside = append(outside, f)
			case wideBytes+len(t) < maxSpecBytes && startsUTF16(filepath.Join(repo, filepath.FromSlash(f))):
				wide = append(wide, t)
				wideBytes += len(t) + 15
			default:
				top = append(top, t)
			}
		}
		changed, err := b.changedFiles(ctx, repo, rev, wide)
		if err != nil {
			return nil, err
		}
		for _, t := range changed {
			outside = append(outside, toRepo(prefix, t))
		}
		spec := addedSpec(names, top)
		if spec == nil {
			return newEverywhere(map[string]map[int]bool{}, outside), nil
		}
		args = append(args, spec...)
	}
	out, err := b.gitDiff(ctx, repo, args...)
	if err != nil {
		return nil, err
	}
	added := map[string]map[int]bool{}
	for p, lines := range parseAdded(out) {
		added[toRepo(prefix, p)] = lines
	}
	return newEverywhere(added, outside), nil
}

// startsUTF16 is whether the work tree's file at p (no link) starts with
// a UTF-16 byte order mark.
func startsUTF16(p string) bool {
	fi, err := os.Lstat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	var bom [2]byte
	if _, err := io.ReadFull(f, bom[:]); err != nil {
		return false
	}
	return bom == [2]byte{0xff, 0xfe} || bom == [2]byte{0xfe, 0xff}
}

// changedFiles is which of files (slash paths from the top) differ from
// rev's, told by git from the objects' ids alone: no base copy is read,
// which a partial clone may lack. A UTF-16 file's diff holds NUL bytes,
// so the whole diff reads a changed one as every line new (parseAdded)
// and an unchanged one as no line added; AddedLines answers so for them
// without the diff, whose base copy the Action's base step never
// fetches (its git grep does not see a dbguard:allow comment in UTF-16).
// A UTF-16 file moved unchanged counts as changed: new when in doubt.
func (b *Base) changedFiles(ctx context.Context, repo, rev string, files []string) ([]string, error) {
	if len(files) == 0 {
		return nil, nil
	}
	args := []string{"--no-ext-diff", "--no-textconv", "--no-relative", "--name-only", "-z", "--no-renames", "--end-of-options", rev, "--"}
	for _, f := range files {
		args = append(args, ":(top,literal)"+f)
	}
	out, err := b.gitDiff(ctx, repo, args...)
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, f := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		if f != "" {
			changed = append(changed, f)
		}
	}
	return changed, nil
}

// newEverywhere marks every line of files new in added: a name that
// leaves the repository (a path through a link ci's folder is reached
// by) is no file of the diff, and a line whose age cannot be told
// counts as new.
func newEverywhere(added map[string]map[int]bool, files []string) map[string]map[int]bool {
	for _, f := range files {
		added[f] = nil
	}
	return added
}

// fromRepo is the path from the top of f, a slash path from the folder
// prefix (from the top; "" the top itself); false when f leaves the
// repository.
func fromRepo(prefix, f string) (string, bool) {
	if path.IsAbs(f) || filepath.IsAbs(filepath.FromSlash(f)) {
		return "", false
	}
	p := path.Join(prefix, f)
	if p == ".." || strings.HasPrefix(p, "../") || path.IsAbs(p) {
		return "", false
	}
	return p, true
}

// toRepo is p, a slash path from the top, from the folder prefix, as git
// grep there names it (../x for a file above it).
func toRepo(prefix, p string) string {
	if prefix == "" {
		return p
	}
	if rest, ok := strings.CutPrefix(p, prefix+"/"); ok {
		return rest
	}
	up, d := "", prefix
	for d != "." && !strings.HasPrefix(p, d+"/") {
		up += "../"
		d = path.Dir(d)
	}
	if d == "." {
		return up + p
	}
	return up + strings.TrimPrefix(p, d+"/")
}

// maxSpecBytes bounds the pathspec AddedLines passes on git's command
// line; past it the diff reads every changed file, as with files nil.
const maxSpecBytes = 256 << 10

// addedNames is what AddedLines asks of git once per folder and base,
// however many times a check asks it (the plan asks for each migration
// whose comment decides a finding): the folder from the top, and the
// files added or deleted in the whole repository (slash paths from the
// top), added ones marked.
type addedNames struct {
	repo, rev string
	prefix    string
	added     map[string]bool
	moves     []string
}

// diffNames is the addedNames of repo and rev, asked of git the first
// time; without moves, the prefix alone (the whole diff needs no more).
func (b *Base) diffNames(ctx context.Context, repo, rev string, moves bool) (*addedNames, error) {
	b.names.Lock()
	defer b.names.Unlock()
	if n := b.names.last; n != nil && n.repo == repo && n.rev == rev && (n.added != nil || !moves) {
		return n, nil
	}
	out, err := gitIn(ctx, repo, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, err
	}
	n := &addedNames{repo: repo, rev: rev,
		prefix: strings.TrimSuffix(strings.TrimRight(string(out), "\n"), "/")}
	if !moves {
		return n, nil
	}
	n.added = map[string]bool{}
	out, err = b.gitDiff(ctx, repo, "--no-ext-diff", "--no-textconv", "--no-relative",
		"--name-status", "-z", "--no-renames", "--diff-filter=AD", "--end-of-options", rev, "--")
	if err != nil {
		return nil, err
	}
	f := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	for i := 0; i+1 < len(f); i += 2 {
		if f[i] == "A" {
			n.added[f[i+1]] = true
		}
		n.moves = append(n.moves, f[i+1])
	}
	b.names.last = n
	return n, nil
}

// addedSpec is the pathspec that gives the lines of files (slash paths
// from the top): files themselves, and, when one of them is new at its
// path (git may pair it with a file the pull request deletes), every file
// added or deleted, the candidates git's rename detection pairs among.
// nil when there is nothing to diff; an empty, non-nil slice means the
// whole diff (too many names for one command).
func addedSpec(n *addedNames, files []string) []string {
	if len(files) == 0 {
		return nil
	}
	names := slices.Clone(files)
	for _, p := range files {
		if n.added[p] {
			names = append(names, n.moves...)
			break
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	spec := make([]string, 0, len(names))
	size := 0
	for _, p := range names {
		size += len(p) + 15
		if size > maxSpecBytes {
			return []string{}
		}
		spec = append(spec, ":(top,literal)"+p)
	}
	return spec
}

// parseAdded reads git diff -U0 output: each file's "+++ b/PATH" and the
// "@@ -a,b +c,d @@" hunks after it, a line at a time however long
// (hooks.NextDiffLine): every file after a line over 64 MiB went
// without its added lines when a line scanner read them.
func parseAdded(diff []byte) map[string]map[int]bool {
	added := map[string]map[int]bool{}
	var file string
	var inHunk bool
	text := string(diff)
	for text != "" {
		var line string
		line, text = hooks.NextDiffLine(text)
		switch {
		case strings.HasPrefix(line, "diff --git "):
			file, inHunk = "", false
		case !inHunk && strings.HasPrefix(line, "+++ "):
			file = strings.Clone(diffPath(line[4:])) // not a slice holding the whole diff
			if file != "" {
				if _, ok := added[file]; !ok {
					added[file] = map[int]bool{}
				}
			}
		case strings.HasPrefix(line, "@@ "):
			inHunk = true
			start, count, ok := hunkNew(line)
			if file == "" || !ok || added[file] == nil {
				continue
			}
			for n := start; n < start+count; n++ {
				added[file][n] = true
			}
		case inHunk && strings.HasPrefix(line, "+") && strings.IndexByte(line, 0) >= 0:
			// UTF-16 or binary: its lines as git counts them are not
			// the lines dbguard reads.
			if file != "" {
				added[file] = nil
			}
		}
	}
	return added
}

// diffPath is the path of a "+++ " line: b/PATH, C-quoted when git
// quotes it; "" for /dev/null. git ends the line with a tab when the name
// holds a space ("+++ b/db settings.py\t"), and that tab is not the
// name's: kept, the file was missing from the lines a pull request adds,
// and its new dbguard:allow comments counted as the base's
// (ci_attack_pr_allow_spaced_name.txtar). A name's own tab is quoted.
func diffPath(s string) string {
	s = strings.TrimSuffix(s, "\t")
	if strings.HasPrefix(s, `"`) {
		u, err := strconv.Unquote(s)
		if err != nil {
			return ""
		}
		s = u
	}
	p, ok := strings.CutPrefix(s, "b/")
	if !ok {
		return ""
	}
	return p
}

// hunkNew reads the new side of a hunk header, +c,d (d is 1 when absent).
func hunkNew(h string) (start, count int, ok bool) {
	i := strings.Index(h, " +")
	if i < 0 {
		return 0, 0, false
	}
	f := h[i+2:]
	if j := strings.IndexByte(f, ' '); j >= 0 {
		f = f[:j]
	}
	c, d, comma := strings.Cut(f, ",")
	start, err := strconv.Atoi(c)
	if err != nil {
		return 0, 0, false
	}
	count = 1
	if comma {
		if count, err = strconv.Atoi(d); err != nil {
			return 0, 0, false
		}
	}
	return start, count, true
}
