package hooks

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/safefile"
)

// maxIndexFile is the largest index file read here (about 75 bytes and a
// path per file: 64 MiB is some 500,000 files); a sparse 1 GiB .git/index
// in a copied repository was read whole. maxGitConfig is .git/config's.
const (
	maxIndexFile = 64 << 20
	maxGitConfig = 1 << 20
)

// indexFileConfigChanged is configChanged answered from the index file
// itself, with no git process (one costs about 7 ms of CPU on a
// 20,000-file repository, on every commit): each stage-0 regular
// dbguard.yaml the index holds is hashed on the disk as diskBlob does and
// compared with its blob id. ok is false, and git is asked, for anything
// but a plain index of version 2 or 3 with SHA-1 ids in the repository's
// own .git folder: GIT_DIR and friends set, a .git file (a worktree, a
// submodule), another version (4's paths are compressed), a split or
// sparse index, another object format, or a file that does not read as
// one.
func indexFileConfigChanged(top string) (changed, ok bool) {
	return findDotGit(top).indexConfigChanged(top)
}

// indexConfigChanged is indexFileConfigChanged with the .git found from
// top already (d, from findDotGit(top)).
func (d *dotGit) indexConfigChanged(top string) (changed, ok bool) {
	for _, v := range []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY"} {
		if os.Getenv(v) != "" {
			return false, false
		}
	}
	// top's own .git, a repository's folder, as git tells one: a
	// subfolder's .git holding only an index is none, and git goes on up
	// to the top.
	if d.top != top || d.dir == "" {
		return false, false
	}
	gitDir := d.dir
	if d.configErr != nil || bytes.Contains(bytes.ToLower(d.config), []byte("objectformat")) {
		return false, false
	}
	name := os.Getenv("GIT_INDEX_FILE") // git commit's, during the hook
	switch {
	case name == "":
		name = filepath.Join(gitDir, "index")
	case !filepath.IsAbs(name):
		// Relative to the top of the work tree, as git reads it: git
		// moves there before it reads the index (git commit runs the
		// hook there, but a hook manager may run it in a subfolder, and
		// git -C sub resolves it against the top too).
		name = filepath.Join(top, name)
	}
	// Without waiting on a FIFO, and up to maxIndexFile: past it git is
	// asked, which reads its own index as it will.
	data, err := safefile.ReadFile(name, maxIndexFile)
	if err != nil {
		return false, errors.Is(err, fs.ErrNotExist) && os.Getenv("GIT_INDEX_FILE") == "" // no index yet: nothing tracked
	}
	paths, ids, ok := indexConfigEntries(data)
	if !ok {
		return false, false
	}
	if len(paths) == 0 {
		return false, true
	}
	root, err := os.OpenRoot(top)
	if err != nil {
		return false, false
	}
	defer root.Close()
	for i, p := range paths {
		if !filepath.IsLocal(filepath.FromSlash(p)) || ids[i] == "" {
			return true, true // outside, or a link (indexConfigEntries)
		}
		if _, same := diskBlob(root, filepath.FromSlash(p), ids[i]); !same {
			return true, true
		}
	}
	return false, true
}

// indexConfigEntries reads the stage-0 dbguard.yaml entries of an index
// file (version 2 or 3, SHA-1 ids): their paths and hex blob ids, "" for
// a symbolic link; ok is false for anything else (a submodule or a
// conflict's stage named dbguard.yaml too).
func indexConfigEntries(data []byte) (paths, ids []string, ok bool) {
	const hashLen, fixed = 20, 62 // ids, and an entry's bytes before its path
	if len(data) < 12+hashLen || string(data[:4]) != "DIRC" {
		return nil, nil, false
	}
	ver := binary.BigEndian.Uint32(data[4:])
	if ver != 2 && ver != 3 {
		return nil, nil, false
	}
	n := int(binary.BigEndian.Uint32(data[8:]))
	end := len(data) - hashLen // the trailing checksum
	off := 12
	for range n {
		if off+fixed > end {
			return nil, nil, false
		}
		e := data[off:]
		mode := binary.BigEndian.Uint32(e[24:])
		flags := binary.BigEndian.Uint16(e[60:])
		head := fixed
		if flags&0x4000 != 0 { // extended flags
			if ver < 3 {
				return nil, nil, false
			}
			head += 2
		}
		nameLen := int(flags & 0xfff)
		if off+head > end {
			return nil, nil, false
		}
		if nameLen == 0xfff {
			j := bytes.IndexByte(data[off+head:end], 0)
			if j < 0 {
				return nil, nil, false
			}
			nameLen = j
		}
		if off+head+nameLen > end {
			return nil, nil, false
		}
		p := data[off+head : off+head+nameLen]
		if mode&0o170000 == 0o040000 {
			return nil, nil, false // a sparse index's folder entry
		}
		if path.Base(string(p)) == config.FileName {
			switch {
			case flags>>12&3 != 0 || mode&0o170000 != 0o100000 && mode&0o170000 != 0o120000:
				// A conflict's stage or a submodule: git compares it.
				return nil, nil, false
			case mode&0o170000 == 0o120000:
				// A link: config.Find follows the disk's to a file the
				// index may hold otherwise, so the index's is read.
				paths, ids = append(paths, string(p)), append(ids, "")
			default:
				paths, ids = append(paths, string(p)), append(ids, hex.EncodeToString(e[40:40+hashLen]))
			}
		}
		off += (head + nameLen + 8) &^ 7 // 1 to 8 NULs after the path
	}
	for off+8 <= end {
		sig, size := string(data[off:off+4]), int(binary.BigEndian.Uint32(data[off+4:]))
		if sig == "link" || sig == "sdir" {
			return nil, nil, false // split or sparse: entries live elsewhere
		}
		off += 8 + size
	}
	return paths, ids, off == end
}

// isGitDir reports whether dir is a repository's folder as git tells one
// (is_git_directory: HEAD, objects and refs).
func isGitDir(dir string) bool {
	for _, p := range []string{"objects", "refs"} {
		if st, err := os.Stat(filepath.Join(dir, p)); err != nil || !st.IsDir() {
			return false
		}
	}
	st, err := os.Stat(filepath.Join(dir, "HEAD"))
	return err == nil && st.Mode().IsRegular()
}

// WorkTreeTop is the top of the work tree git finds from wd, where git
// runs hooks: the nearest folder at or above wd holding a .git that is a
// repository's folder, or a .git file (a worktree, a submodule). wd itself
// when GIT_DIR or GIT_WORK_TREE is set (git takes those as given) or when
// none is found (git then says so itself).
func WorkTreeTop(wd string) string {
	top, _ := workTreeTop(wd)
	return top
}

// workTreeTop is WorkTreeTop, and whether the .git found there is a
// repository's folder (not a .git file).
func workTreeTop(wd string) (top string, gitDir bool) {
	if os.Getenv("GIT_DIR") != "" || os.Getenv("GIT_WORK_TREE") != "" {
		return wd, false
	}
	for d := wd; ; d = filepath.Dir(d) {
		g := filepath.Join(d, ".git")
		if st, err := os.Lstat(g); err == nil {
			switch {
			case st.Mode().IsRegular():
				return d, false
			case st.IsDir() && isGitDir(g):
				return d, true
			}
		}
		if filepath.Dir(d) == d {
			return wd, false
		}
	}
}

// dotGit is the work tree's .git as the checks before a commit's reading
// see it: its top and, when its .git is a repository's folder, that
// folder and its config file. plainWorkTree and indexFileConfigChanged
// each found the .git, checked it and read its config again, on every
// commit; a Git made with one (see PreCommit) does that once.
type dotGit struct {
	once      sync.Once
	from      string // the folder the .git is found from
	top       string // WorkTreeTop(from)
	dir       string // top/.git when a repository's folder, else ""
	config    []byte // dir/config, up to maxGitConfig
	configErr error
}

// findDotGit finds the .git from dir and reads its config.
func findDotGit(from string) *dotGit {
	d := &dotGit{from: from}
	d.find()
	return d
}

func (d *dotGit) find() {
	top, isDir := workTreeTop(d.from)
	d.top = top
	if !isDir {
		return
	}
	d.dir = filepath.Join(top, ".git")
	d.config, d.configErr = safefile.ReadFile(filepath.Join(d.dir, "config"), maxGitConfig)
}

// dotGit is the .git found from g.Dir: g.dot's, found once, or afresh.
func (g Git) dotGit() *dotGit {
	if g.dot == nil || g.dot.from != g.Dir {
		return findDotGit(g.Dir)
	}
	g.dot.once.Do(g.dot.find)
	return g.dot
}
