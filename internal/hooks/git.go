package hooks

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dbguard/dbguard/internal/lookpath"
)

// Git runs git in a repository. It reads the index through the git CLI, so
// GIT_INDEX_FILE (set by git for commit -a and commit <path>) is honoured.
type Git struct {
	Dir string
	// dot, when set, holds what the checks learn of the work tree's .git
	// once for every copy of this Git (see dotGit); nil reads it afresh.
	dot *dotGit
}

// GitError is a git command that failed.
type GitError struct {
	Args   []string
	Err    error
	Stderr string
}

func (e *GitError) Error() string {
	if strings.Contains(e.Stderr, "not a git repository") && len(e.Args) > 0 {
		// Not git's command line (a long grep pattern) and exit status.
		return "not inside a git repository (git " + e.Args[0] + " reads the tracked files)"
	}
	first, _, _ := strings.Cut(strings.TrimSpace(e.Stderr), "\n") // not git's whole usage text
	return fmt.Sprintf("git %s: %v: %s", strings.Join(e.Args, " "), e.Err, first)
}

// Hint names the next step.
func (e *GitError) Hint() string {
	// Outside a repository git diff falls back to --no-index and rejects --cached.
	if strings.Contains(e.Stderr, "not a git repository") || strings.Contains(e.Stderr, "--no-index") {
		return "run it from inside the git repository (it reads the index and the tracked files)"
	}
	return "check that git works here: git status"
}

// noCommands are set on every git call: core.fsmonitor names a command git
// would run to learn what changed (git ls-files and git diff start it
// too), and the hook runs no command a repository's configuration names;
// grep.column = true (a repository's .git/config, or the user's) would put
// the match's column before each line git grep prints. (Every git grep
// also says --no-color: color.grep = always would put escape sequences
// around the names and lines dbguard reads.) safe.bareRepository=explicit:
// a folder holding a git directory's files (HEAD, config with
// core.worktree, objects/, refs/, an index), which a commit can hold, is
// no repository to git, so dbguard run in it never reads that repository's
// index and configuration instead of the real one
// (TestAttackScanEmbeddedBareRepo). The rest keeps a read from starting a
// command through a fetch (NoTransport says why): in a partial clone, a
// blob the index names may be missing (a sparse checkout), and git fetches
// it when cat-file reads it. --no-optional-locks: no read writes the index
// back (git diff against the work tree would, and writing it runs the
// post-index-change hook; internal/pullrequest's gitSafety).
var noCommands = append([]string{"--no-optional-locks", "-c", "core.fsmonitor=false", "-c", "grep.column=false", "-c", "safe.bareRepository=explicit"},
	NoTransport...)

// NoTransport keeps a git read from starting a command through a fetch: in
// a partial clone (--filter=blob:none) git fetches a missing object from
// the promisor remote when a read needs it, with the transport the git
// configuration names, and a repository copied with its .git can name an
// ssh:// remote and core.sshCommand, a file:// one and
// remote.NAME.uploadpack, a credential helper or core.askPass
// (TestAttackLazyFetchRunsNoCommand). https is not allowed either: the
// repository's configuration can send it through a proxy of its choosing
// (http.proxy, http.<url>.proxy, which no -c can override for every URL)
// with the job's token in an http.extraheader. No fetch at all: a read
// that needs a missing object fails, and a pull request's base read says
// which fetch brings it (pullrequest.BaseError.Partial). No helper and no
// askpass either, should a later git add a transport.
var NoTransport = []string{"-c", "protocol.allow=never", "-c", "protocol.https.allow=never",
	"-c", "credential.helper=", "-c", "core.askPass="}

// command is git with args, run in g.Dir: the git on PATH outside the
// repository (lookpath.Outside). npm run and npx put the repository's
// node_modules/.bin first on PATH, and a pull request can commit a "git"
// there: the hook and dbguard ci ran it.
func (g Git) command(ctx context.Context, args ...string) (*exec.Cmd, error) {
	bin, err := gitBinary(g.Dir)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, append(slices.Clip(noCommands), args...)...)
	cmd.Dir = g.Dir
	if os.Getenv("GIT_DIR") == "" && mayFindBareRepository(g.Dir) && !honoursBareRepository(bin) {
		// Git older than 2.38 ignores safe.bareRepository: it is told
		// the repository instead of finding one.
		cmd.Env = append(os.Environ(), explicitRepository(g.Dir)...)
	}
	return cmd, nil
}

// explicitRepository is the environment that names the repository git
// run in dir works on, for a git that ignores safe.bareRepository: the
// nearest folder at or above dir holding a .git (a folder, or a file
// naming a linked worktree's), as GIT_DIR and GIT_WORK_TREE, so git
// discovers nothing, and never a folder of the tree holding a git
// directory's files (HEAD, config with core.worktree, objects/, refs/),
// which a commit can hold and git's own discovery would take. Without a
// .git up the tree GIT_DIR names dir/.git, which does not exist: git
// then says it is not in a repository, as it would have.
func explicitRepository(dir string) []string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	for top := abs; ; {
		if _, err := os.Lstat(filepath.Join(top, ".git")); err == nil {
			return []string{"GIT_DIR=" + filepath.Join(top, ".git"), "GIT_WORK_TREE=" + top}
		}
		up := filepath.Dir(top)
		if up == top {
			return []string{"GIT_DIR=" + filepath.Join(abs, ".git")}
		}
		top = up
	}
}

// mayFindBareRepository reports whether git's discovery from dir can take
// a folder holding a git directory's files for the repository: dir or a
// folder above it that isGitDir, met before a folder holding a .git (git
// looks for d/.git first, then at d itself, from dir up). Only then does
// the git version matter (safe.bareRepository, honoursBareRepository): a
// plain work tree costs a few stats, not a git version process per
// commit. A .git a commit cannot hold (git refuses the name in a tree), so
// the first one up is the checkout's.
func mayFindBareRepository(dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return true
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return false
		}
		if isGitDir(d) {
			return true
		}
		if filepath.Dir(d) == d {
			return false
		}
	}
}

// gitVersions caches, for each git binary, whether it honours
// safe.bareRepository (2.38 and later).
var gitVersions sync.Map

// forceOldGit makes every git count as older than 2.38: a test's way to
// run the fallback, as no old git is installed where tests run.
var forceOldGit bool

// honoursBareRepository reports whether the git at bin is 2.38 or later,
// asked once per binary; a version it cannot read counts as older.
func honoursBareRepository(bin string) bool {
	if forceOldGit {
		return false
	}
	if v, ok := gitVersions.Load(bin); ok {
		return v.(bool)
	}
	out, err := exec.Command(bin, "version").Output()
	ok := err == nil && gitAtLeast(string(out), 2, 38)
	gitVersions.Store(bin, ok)
	return ok
}

// gitAtLeast reports whether git version's answer ("git version 2.39.2",
// "git version 2.37.1 (Apple Git-137.1)", "git version 2.40.0.windows.1")
// names major.minor or later.
func gitAtLeast(version string, major, minor int) bool {
	f := strings.Fields(version)
	if len(f) < 3 || f[0] != "git" || f[1] != "version" {
		return false
	}
	parts := strings.SplitN(f[2], ".", 3)
	if len(parts) < 2 {
		return false
	}
	maj, err1 := strconv.Atoi(parts[0])
	mnr, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return maj > major || maj == major && mnr >= minor
}

// gitBinaries are the git found for each folder and PATH.
var gitBinaries sync.Map

type gitFound struct {
	path string
	err  error
}

// gitBinary is the git lookpath.Outside finds for the repository at dir,
// once per folder and PATH.
func gitBinary(dir string) (string, error) {
	key := dir + "\x00" + os.Getenv("PATH")
	if f, ok := gitBinaries.Load(key); ok {
		return f.(gitFound).path, f.(gitFound).err
	}
	p, err := lookpath.Outside("git", dir)
	gitBinaries.Store(key, gitFound{p, err})
	return p, err
}

// GitBinary is the git dbguard runs for the repository at dir: the one on
// PATH outside it.
func GitBinary(dir string) (string, error) { return gitBinary(dir) }

func (g Git) run(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	cmd, err := g.command(ctx, args...)
	if err != nil {
		return nil, err
	}
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, &GitError{Args: args, Err: err, Stderr: errb.String()}
	}
	return out.Bytes(), nil
}

// Output runs git and returns its standard output, trimmed.
func (g Git) Output(ctx context.Context, args ...string) (string, error) {
	out, err := g.run(ctx, nil, args...)
	return strings.TrimSpace(string(out)), err
}

// StagedFile is one file of the staged change.
type StagedFile struct {
	Path    string
	New     bool // added to the index by this commit
	Deleted bool
	Binary  bool
	Added   []AddedLine
}

// AddedLine is a line the commit adds, with its line number in the new file.
type AddedLine struct {
	Line int
	Text string
}

// Staged returns the staged change against HEAD (or the empty tree before
// the first commit), in one git call: paths, new files and added lines.
func (g Git) Staged(ctx context.Context) ([]StagedFile, error) {
	out, err := g.run(ctx, nil, "-c", "core.quotepath=false", "diff", "--cached", "-U0", "--no-color", "--no-ext-diff",
		"--no-renames", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/")
	if err != nil {
		return nil, err
	}
	return parseDiff(out), nil
}

// parseDiff reads git's unified diff with no context lines. Header lines
// ("--- a/x", "+++ b/x", "new file mode") are only read before a file's
// first hunk: inside one, a line is content however it starts, so an added
// "++ b/other" is an added line, not a file name.
//
// Each line is a slice of one string of the whole output (NextDiffLine):
// a string per line, with the output's buffer beside them, was the hook's
// peak with 3,000 new env files staged (docs/performance.md, round 14).
func parseDiff(out []byte) []StagedFile {
	var files []StagedFile
	var cur *StagedFile
	line := 0
	inHunk := false
	text := string(out)
	for text != "" {
		var t string
		t, text = NextDiffLine(text)
		switch {
		case strings.HasPrefix(t, "diff --git "):
			// The header's two sides name one path (--no-renames): a
			// file git calls binary has no ---/+++ line to name it.
			files = append(files, StagedFile{Path: headerPath(t[len("diff --git "):])})
			cur = &files[len(files)-1]
			inHunk = false
		case cur == nil:
		case strings.HasPrefix(t, "@@ "):
			inHunk = true
			// @@ -a,b +c,d @@
			if i := strings.Index(t, " +"); i >= 0 {
				rest, _, _ := strings.Cut(t[i+2:], " ")
				c, d, counted := strings.Cut(rest, ",")
				line, _ = strconv.Atoi(c)
				// +c,d: d lines added (1 without ",d"); room for them
				// at once, no more than the lines left could hold.
				added := 1
				if counted {
					added, _ = strconv.Atoi(d)
				}
				cur.Added = slices.Grow(cur.Added, min(max(added, 0), len(text)/2+1))
			}
		case inHunk:
			if strings.HasPrefix(t, "+") {
				cur.Added = append(cur.Added, AddedLine{Line: line, Text: t[1:]})
				line++
			} else if strings.HasPrefix(t, " ") {
				// A context line -U0 still shows when the repository's
				// diff.interHunkContext joins two hunks: it is in the
				// new file too.
				line++
			}
		case strings.HasPrefix(t, "new file mode"):
			cur.New = true
		case strings.HasPrefix(t, "deleted file mode"):
			cur.Deleted = true
		case strings.HasPrefix(t, "Binary files "):
			cur.Binary = true
			if cur.Path == "" {
				// No header path: "Binary files a/x and b/y differ",
				// take the new side (a name holding " and " is cut wrong
				// here, which is why the header is read first).
				if i := strings.LastIndex(t, " and "); i >= 0 {
					cur.Path = diffPath(strings.TrimSuffix(t[i+5:], " differ"))
				}
			}
		case strings.HasPrefix(t, "--- "), strings.HasPrefix(t, "+++ "):
			if p := diffPath(t[4:]); p != "" {
				cur.Path = p
			}
		}
	}
	return files
}

// NextDiffLine splits text, git's output, at the end of its first line:
// that line as bufio.ScanLines reads it (its LF, and a CR before it,
// dropped) and the rest. A line may be of any length: a line scanner
// capped at 64 MiB stopped without a word, hiding whatever followed a
// longer line.
func NextDiffLine(text string) (line, rest string) {
	line = text
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		line, rest = text[:i], text[i+1:]
	}
	return strings.TrimSuffix(line, "\r"), rest
}

// headerPath is the path a "diff --git" line names when both its sides
// are the same path, "a/P b/P" or, C-quoted, "\"a/Q\" \"b/Q\"": split at
// the middle, as a name may hold " b/" itself; "" when the sides differ.
func headerPath(s string) string {
	quoted := strings.HasPrefix(s, `"`)
	pre, mid, post := "a/", " b/", ""
	if quoted {
		pre, mid, post = `"a/`, `" "b/`, `"`
	}
	n := len(s) - len(pre) - len(mid) - len(post)
	if n <= 0 || n%2 != 0 || !strings.HasPrefix(s, pre) || !strings.HasSuffix(s, post) {
		return ""
	}
	n /= 2
	a, b := s[len(pre):len(pre)+n], s[len(pre)+n+len(mid):len(s)-len(post)]
	if a != b || s[len(pre)+n:len(pre)+n+len(mid)] != mid {
		return ""
	}
	if quoted {
		u, ok := cUnquote(`"` + a + `"`)
		if !ok {
			return ""
		}
		return u
	}
	return a
}

// diffPath turns "b/path", "a/path" or a C-quoted "\"b/pa\tth\"" into a
// path; /dev/null is "".
func diffPath(s string) string {
	s = strings.TrimSuffix(s, "\t")
	if s == "/dev/null" {
		return ""
	}
	if strings.HasPrefix(s, `"`) {
		if u, ok := cUnquote(s); ok {
			s = u
		}
	}
	if len(s) > 2 && (s[:2] == "a/" || s[:2] == "b/") {
		return s[2:]
	}
	return s
}

// cUnquote undoes git's C-style quoting of a path byte for byte: with
// core.quotepath=false, bytes that are not UTF-8 stay raw inside the quotes
// (strconv.Unquote would turn them into U+FFFD).
func cUnquote(s string) (string, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	s = s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i++; i >= len(s) {
			return "", false
		}
		switch c = s[i]; c {
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'v':
			b.WriteByte('\v')
		case 'f':
			b.WriteByte('\f')
		case 'r':
			b.WriteByte('\r')
		case '"', '\\':
			b.WriteByte(c)
		case '0', '1', '2', '3':
			if i+2 >= len(s) {
				return "", false
			}
			n, err := strconv.ParseUint(s[i:i+3], 8, 8)
			if err != nil {
				return "", false
			}
			b.WriteByte(byte(n))
			i += 2
		default:
			return "", false
		}
	}
	return b.String(), true
}

// GrepLine is one line git grep found.
type GrepLine struct {
	Path string
	Line int
	Text string
}

// Grep runs git grep (tracked files, working tree, text only) for an
// extended regular expression, case-insensitively. No match is no error.
func (g Git) Grep(ctx context.Context, pattern string) ([]GrepLine, error) {
	out, err := g.run(ctx, nil, "grep", "--no-color", "-I", "-n", "-i", "-z", "-E", pattern)
	if err != nil {
		var ge *GitError
		if errors.As(err, &ge) && ge.Stderr == "" {
			return nil, nil // exit 1: nothing found
		}
		return nil, err
	}
	return parseGrep(out), nil
}

// GrepFiles lists the tracked files (working tree) with a line matching
// pattern, binary ones included (-a): with Grep's, those git grep -I
// passed over.
func (g Git) GrepFiles(ctx context.Context, pattern string) ([]string, error) {
	out, err := g.run(ctx, nil, "grep", "--no-color", "-a", "-l", "-i", "-z", "-E", pattern)
	if err != nil {
		var ge *GitError
		if errors.As(err, &ge) && ge.Stderr == "" {
			return nil, nil // exit 1: nothing found
		}
		return nil, err
	}
	var paths []string
	for _, p := range strings.Split(string(out), "\x00") {
		if p != "" {
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// GrepAll is Grep over paths alone, binary ones included (-a): the
// matching lines of the files too large to read whole.
func (g Git) GrepAll(ctx context.Context, pattern string, paths []string) ([]GrepLine, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	args := append([]string{"--literal-pathspecs", "grep", "--no-color", "-a", "-n", "-i", "-z", "-E", pattern, "--"}, paths...)
	out, err := g.run(ctx, nil, args...)
	if err != nil {
		var ge *GitError
		if errors.As(err, &ge) && ge.Stderr == "" {
			return nil, nil // exit 1: nothing found
		}
		return nil, err
	}
	return parseGrep(out), nil
}

// BOMFiles lists the tracked files (working tree) that start a line with a
// UTF-16 byte order mark: the candidates for a UTF-16 text file, which git
// grep -I and git diff take for binary. The caller checks the file starts
// with one.
func (g Git) BOMFiles(ctx context.Context) ([]string, error) {
	cmd, err := g.command(ctx, "grep", "--no-color", "-l", "-z", "-E", "^(\xff\xfe|\xfe\xff)")
	if err != nil {
		return nil, err
	}
	// Raw bytes in the pattern: no locale may read it as UTF-8.
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if errb.Len() == 0 {
			return nil, nil // exit 1: none
		}
		return nil, &GitError{Args: cmd.Args[1+len(noCommands):], Err: err, Stderr: errb.String()}
	}
	var paths []string
	for _, p := range strings.Split(out.String(), "\x00") {
		if p != "" {
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// Reencoded lists the paths whose working-tree-encoding attribute is set
// (a .gitattributes' working-tree-encoding=UTF-16LE): git stores them as
// UTF-8 and writes the checkout in that encoding, so a grep of the work
// tree does not read what the commit holds.
func (g Git) Reencoded(ctx context.Context, paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	var in bytes.Buffer
	for _, p := range paths {
		in.WriteString(p)
		in.WriteByte(0)
	}
	out, err := g.run(ctx, &in, "check-attr", "-z", "--stdin", "working-tree-encoding")
	if err != nil {
		return nil, err
	}
	// path NUL attribute NUL value NUL, for each path.
	f := strings.Split(string(out), "\x00")
	var set []string
	for i := 0; i+2 < len(f); i += 3 {
		if v := f[i+2]; v != "unspecified" && v != "unset" && v != "" {
			set = append(set, f[i])
		}
	}
	return set, nil
}

// parseGrep reads git grep -n -z: path NUL line NUL text NL. The path may
// hold a newline (git does not quote it under -z), the text cannot, so a
// record is split at its NULs first and ends at the newline after them.
func parseGrep(out []byte) []GrepLine {
	var lines []GrepLine
	for len(out) > 0 {
		p, rest, ok := bytes.Cut(out, []byte{0})
		if !ok {
			break
		}
		num, rest, ok := bytes.Cut(rest, []byte{0})
		if !ok {
			break
		}
		text, rest, _ := bytes.Cut(rest, []byte{'\n'})
		n, _ := strconv.Atoi(string(num))
		lines = append(lines, GrepLine{Path: string(p), Line: n, Text: string(text)})
		out = rest
	}
	return lines
}

// IndexBlobs returns every path in the index (stage 0) with its blob id, in
// one git ls-files: the whole index is listed and filtered by the caller,
// so no path list ever meets a command-line length limit.
func (g Git) IndexBlobs(ctx context.Context) (map[string]string, error) {
	ids := map[string]string{}
	err := g.indexBlobs(ctx, func(p []byte) bool { return true }, func(p, id string, _ bool) { ids[p] = id }, nil)
	return ids, err
}

// IndexBlobsLinks is IndexBlobs, and which of its paths the index holds
// as symbolic links (mode 120000: the blob is the link's text).
func (g Git) IndexBlobsLinks(ctx context.Context) (ids map[string]string, links map[string]bool, err error) {
	ids, links = map[string]string{}, map[string]bool{}
	err = g.indexBlobs(ctx, func(p []byte) bool { return true }, func(p, id string, link bool) {
		ids[p] = id
		if link {
			links[p] = true
		}
	}, nil)
	return ids, links, err
}

// IndexBlobsNamed is IndexBlobs for the paths whose base name keep
// accepts, in the index's order (sorted by path): the whole index is
// listed, as git's pathspecs cost more than a test of each name here.
func (g Git) IndexBlobsNamed(ctx context.Context, keep func(base string) bool) (paths, ids []string, err error) {
	paths, ids, _, err = g.IndexNamed(ctx, keep)
	return paths, ids, err
}

// IndexNamed is IndexBlobsNamed, and the paths of the index's submodules
// (whatever their names), from the same git call: git lists no file
// inside a submodule's folder, which a loader run there reads.
func (g Git) IndexNamed(ctx context.Context, keep func(base string) bool) (paths, ids, submodules []string, err error) {
	paths, ids, submodules, _, err = g.indexNamedLinks(ctx, keep)
	return paths, ids, submodules, err
}

// indexNamedLinks is IndexNamed, and which of the paths the index holds
// as symbolic links (mode 120000: the blob is the link's text).
func (g Git) indexNamedLinks(ctx context.Context, keep func(base string) bool) (paths, ids, submodules []string, links map[string]bool, err error) {
	err = g.indexBlobs(ctx, func(p []byte) bool {
		return keep(string(p[bytes.LastIndexByte(p, '/')+1:]))
	}, func(p, id string, link bool) {
		paths, ids = append(paths, p), append(ids, id)
		if link {
			if links == nil {
				links = map[string]bool{}
			}
			links[p] = true
		}
	}, func(p string) { submodules = append(submodules, p) })
	return paths, ids, submodules, links, err
}

// IndexEntry is the index's blob id of the file p (stage 0) and whether it
// is a symbolic link; ok is false when the index holds no such file.
func (g Git) IndexEntry(ctx context.Context, p string) (id string, link, ok bool, err error) {
	err = g.records(ctx, func(rec []byte) {
		// A folder's path lists every file under it: only p itself is
		// the entry (a link to a folder leads to no file a loader reads).
		meta, name, found := bytes.Cut(rec, []byte{'\t'})
		f := strings.Fields(string(meta))
		if found && string(name) == p && len(f) == 3 && f[2] == "0" && f[0] != "160000" {
			id, link, ok = f[1], f[0] == "120000", true
		}
	}, "ls-files", "-z", "--stage", "--", ":(literal)"+p)
	return id, link, ok, err
}

// indexBlobs lists the index's files (stage 0, no submodule) whose path
// keep accepts, to add (with whether it is a symbolic link), and its
// submodules to link (when not nil).
func (g Git) indexBlobs(ctx context.Context, keep func(path []byte) bool, add func(path, id string, link bool), link func(path string)) error {
	return g.records(ctx, func(rec []byte) {
		// <mode> SP <id> SP <stage> TAB <path>
		meta, p, ok := bytes.Cut(rec, []byte{'\t'})
		if !ok {
			return
		}
		// 160000 is a submodule: a commit, not a file.
		if link != nil && bytes.HasPrefix(meta, []byte("160000 ")) {
			link(string(p))
			return
		}
		if !keep(p) {
			return
		}
		f := strings.Fields(string(meta))
		if len(f) == 3 && f[2] == "0" && f[0] != "160000" {
			add(string(p), f[1], f[0] == "120000")
		}
	}, "ls-files", "-z", "--stage")
}

// records runs git and hands fn each NUL-terminated record of its output
// as it arrives, valid only during the call: a listing of a large index
// (1.5 MB for 20,000 files) is never held whole, nor grown and copied into
// a buffer.
func (g Git) records(ctx context.Context, fn func(rec []byte), args ...string) error {
	cmd, err := g.command(ctx, args...)
	if err != nil {
		return err
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.StdoutPipe()
	if err != nil {
		return &GitError{Args: args, Err: err}
	}
	if err := cmd.Start(); err != nil {
		return &GitError{Args: args, Err: err}
	}
	r := bufio.NewReaderSize(out, 64*1024)
	var long []byte // a record longer than the buffer
	var readErr error
	for {
		rec, err := r.ReadSlice(0)
		if err == bufio.ErrBufferFull {
			long = append(long, rec...)
			continue
		}
		if len(long) > 0 {
			rec = append(long, rec...)
			long = long[:0]
		}
		rec = bytes.TrimSuffix(rec, []byte{0})
		if len(rec) > 0 {
			fn(rec)
		}
		if err != nil {
			if err != io.EOF {
				readErr = err
			}
			break
		}
	}
	if readErr != nil {
		_, _ = io.Copy(io.Discard, out) // let git finish writing
	}
	if err := cmd.Wait(); err != nil {
		return &GitError{Args: args, Err: err, Stderr: errb.String()}
	}
	if readErr != nil {
		return &GitError{Args: args, Err: readErr}
	}
	return nil
}

// Blobs reads the blobs with these ids in one git cat-file, in order.
func (g Git) Blobs(ctx context.Context, ids []string) ([][]byte, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return g.catFile(ctx, ids)
}

// blobSizes gives each blob's size (git cat-file --batch-check), reading
// no content; a missing one is 0.
func (g Git) blobSizes(ctx context.Context, ids []string) ([]int64, error) {
	sizes := make([]int64, len(ids))
	if len(ids) == 0 {
		return sizes, nil
	}
	var in bytes.Buffer
	for _, id := range ids {
		in.WriteString(id + "\n")
	}
	out, err := g.run(ctx, &in, "cat-file", "--batch-check")
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(ids) {
		return nil, fmt.Errorf("git cat-file --batch-check: %d lines for %d objects", len(lines), len(ids))
	}
	for i, line := range lines {
		f := strings.Fields(line)
		if len(f) == 2 && f[1] == "missing" {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("git cat-file --batch-check: unexpected line %q", line)
		}
		if sizes[i], err = strconv.ParseInt(f[2], 10, 64); err != nil || sizes[i] < 0 {
			return nil, fmt.Errorf("git cat-file --batch-check: unexpected line %q", line)
		}
	}
	return sizes, nil
}

// catFile reads objects by name (a blob id, or ":0:path" for the index's
// copy) in one git cat-file --batch; a missing one is nil.
func (g Git) catFile(ctx context.Context, names []string) ([][]byte, error) {
	var in bytes.Buffer
	for _, n := range names {
		in.WriteString(n + "\n")
	}
	out, err := g.run(ctx, &in, "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	r := bufio.NewReader(bytes.NewReader(out))
	blobs := make([][]byte, len(names))
	for i, n := range names {
		header, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("git cat-file: short output for %s", n)
		}
		f := strings.Fields(header)
		if len(f) == 2 && f[1] == "missing" {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("git cat-file: unexpected header %q", header)
		}
		size, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("git cat-file: unexpected header %q", header)
		}
		blobs[i] = make([]byte, size)
		if _, err := io.ReadFull(r, blobs[i]); err != nil {
			return nil, err
		}
		if _, err := r.ReadByte(); err != nil { // the newline after the content
			return nil, err
		}
	}
	return blobs, nil
}
