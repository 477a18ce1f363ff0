package envcheck

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/dbguard/dbguard/internal/envload"
)

// Status says whether an env file is loaded in the current mode.
type Status string

const (
	InEffect  Status = "in-effect"
	Template  Status = "template"   // .env.example and friends: never loaded
	OtherMode Status = "other-mode" // .env.production in mode development
	TestLocal Status = "skipped-in-test"
	NotRead   Status = "not-read" // no loader this project runs reads it
)

// EnvFile is one env file found under the project root.
type EnvFile struct {
	Path   string `json:"path"` // slash path relative to the root
	Status Status `json:"status"`
	Mode   string `json:"mode,omitempty"` // the mode in its name, if any
	// ReadBy are the loaders that read it.
	ReadBy []string `json:"read_by,omitempty"`
	// rank orders the files of one directory, lowest to highest priority:
	// .env, .env.<mode>, .env.local, .env.<mode>.local (dotenv-flow, Vite).
	rank int
	// byScript: a file only a package.json script names (config/app.env),
	// read inside the root only (see scriptRuns).
	byScript bool
}

// Dir is the file's directory, "." for the root.
func (f EnvFile) Dir() string { return dirOf(f.Path) }

var templateSuffixes = map[string]bool{"example": true, "sample": true, "template": true, "dist": true, "defaults": true, "default": true, "tmpl": true, "tpl": true}

// classify tells what a file name means in mode, and whether it is an env
// file at all.
func classify(name, mode string) (EnvFile, bool) {
	if name != ".env" && !strings.HasPrefix(name, ".env.") {
		return EnvFile{}, false
	}
	parts := strings.Split(strings.TrimPrefix(name, ".env"), ".")[1:] // "" for .env
	for _, p := range parts {
		if templateSuffixes[strings.ToLower(p)] {
			return EnvFile{Status: Template}, true
		}
		if p == "" {
			return EnvFile{}, false // ".env." or ".env..x"
		}
	}
	f := EnvFile{Status: InEffect}
	switch {
	case len(parts) == 0:
		f.rank = 0
	case len(parts) == 1 && parts[0] == "local":
		f.rank = 2
		if mode == "test" {
			f.Status = TestLocal
		}
	case len(parts) == 1:
		f.Mode, f.rank = parts[0], 1
	case len(parts) == 2 && parts[1] == "local":
		f.Mode, f.rank = parts[0], 3
	default:
		return EnvFile{}, false // .env.a.b: no loader reads it
	}
	if f.Mode != "" && f.Mode != mode {
		f.Status = OtherMode
	}
	return f, true
}

// skipDirs are never searched: version control, dependencies, virtualenvs
// and build output hold env files that belong to someone else.
var skipDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true, "node_modules": true, "vendor": true, "bower_components": true,
	".venv": true, "venv": true, "virtualenv": true, ".tox": true, ".nox": true, "__pycache__": true,
	".mypy_cache": true, ".pytest_cache": true, ".ruff_cache": true, "site-packages": true,
	"dist": true, "build": true, "target": true, "out": true, ".next": true, ".nuxt": true, ".svelte-kit": true,
	".turbo": true, ".vercel": true, ".cache": true, "coverage": true, ".terraform": true, ".gradle": true,
}

// discover lists the env files under root, or the explicit ones, sorted by
// directory and then by priority; walk reads the tree (see Options.walker).
func discover(ctx context.Context, walk func(string, fs.WalkDirFunc) error, root, mode string, explicit, exclude []string) ([]EnvFile, []string, []*UnreadableError, error) {
	var files []EnvFile
	var manifests []string
	var unreadable []*UnreadableError
	add := func(rel string) {
		if f, ok := classify(path.Base(rel), mode); ok {
			f.Path = rel
			files = append(files, f)
		}
	}
	if len(explicit) > 0 {
		for _, p := range explicit {
			rel := filepath.ToSlash(filepath.Clean(p))
			if filepath.IsAbs(p) {
				r, err := filepath.Rel(root, p)
				if err != nil {
					return nil, nil, nil, err
				}
				rel = filepath.ToSlash(r)
			}
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel))); err != nil {
				return nil, nil, nil, &MissingFileError{Path: rel, Err: err}
			}
			if _, ok := classify(path.Base(rel), mode); !ok {
				// An explicit file with another name (prod.env) is loaded
				// as it is named: with the priority of a plain .env.
				files = append(files, EnvFile{Path: rel, Status: InEffect})
				continue
			}
			add(rel)
		}
	} else {
		under := newRelUnder(root)
		err := walk(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == root {
					return err
				}
				rel, _ := under.rel(p)
				if excluded(exclude, rel) || inSkippedDir(rel+"/x") {
					if d != nil && d.IsDir() {
						return filepath.SkipDir
					}
					return nil // left out anyway
				}
				// An env file in there would go unjudged: say so rather than
				// report one database in effect as if it were not there.
				if d == nil || d.IsDir() {
					unreadable = append(unreadable, &UnreadableError{Path: rel, Err: err})
					return filepath.SkipDir
				}
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if name := d.Name(); !d.IsDir() && name != ".env" && !strings.HasPrefix(name, ".env.") && !envload.IsManifest(name) {
				// Neither an env file nor a manifest: most of a tree. The
				// name says so before any path is built or matched.
				return nil
			}
			rel, _ := under.rel(p)
			if d.IsDir() {
				// Excluded before the virtualenv check, which lists the
				// folder: a service's folder, left out here, keeps its
				// listing (Options.Dirs) for the service's own walk.
				if p != root && (skipDirs[d.Name()] || excluded(exclude, rel) || isVirtualenv(p, d)) {
					return filepath.SkipDir
				}
				return nil
			}
			if excluded(exclude, rel) {
				return nil
			}
			if envload.IsManifest(d.Name()) {
				manifests = append(manifests, rel)
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
					return nil
				}
			} else if !d.Type().IsRegular() {
				return nil
			}
			add(rel)
			return nil
		})
		if err != nil {
			return nil, nil, nil, err
		}
	}
	sortFiles(files)
	return files, manifests, unreadable, nil
}

// classifyAll turns a set of paths into env files, as discovery would:
// the explicit list when there is one, else leaving out what discovery
// skips (dependencies, build output, env.exclude); sorted the same way.
func classifyAll(contents map[string][]byte, mode string, explicit, exclude []string) ([]EnvFile, []string) {
	var files []EnvFile
	var manifests []string
	// The explicit files as discovery names them ("./config/db.env" is
	// config/db.env).
	if len(explicit) > 0 {
		clean := make([]string, len(explicit))
		for i, p := range explicit {
			clean[i] = path.Clean(filepath.ToSlash(p))
		}
		explicit = clean
	}
	for p := range contents {
		if envload.IsManifest(path.Base(p)) {
			if !excluded(exclude, p) && !inSkippedDir(p) {
				manifests = append(manifests, p)
			}
			continue
		}
		if len(explicit) > 0 && !slices.Contains(explicit, p) {
			continue
		}
		if len(explicit) == 0 && (excluded(exclude, p) || inSkippedDir(p)) {
			continue
		}
		if f, ok := classify(path.Base(p), mode); ok {
			f.Path = p
			files = append(files, f)
		} else if len(explicit) > 0 {
			// An explicit file with another name (prod.env), as
			// discovery has it: loaded with the priority of a plain .env.
			files = append(files, EnvFile{Path: p, Status: InEffect})
		}
	}
	sortFiles(files)
	sort.Strings(manifests)
	return files, manifests
}

// IsEnvFile reports whether a file name is an env file dbguard reads
// (templates included), and whether it is a template.
func IsEnvFile(name string) (env, template bool) {
	f, ok := classify(path.Base(name), "")
	return ok, ok && f.Status == Template
}

// inSkippedDir reports whether a path lies in a folder discovery skips.
func inSkippedDir(p string) bool {
	for _, dir := range strings.Split(path.Dir(p), "/") {
		if skipDirs[dir] {
			return true
		}
	}
	return false
}

// ModeOf returns the mode an env file's name belongs to (production for
// .env.production and .env.production.local), "" for .env and .env.local.
func ModeOf(name string) string {
	f, _ := classify(path.Base(name), "")
	return f.Mode
}

func sortFiles(files []EnvFile) {
	sort.SliceStable(files, func(i, j int) bool {
		a, b := files[i], files[j]
		if a.Dir() != b.Dir() {
			return dirLess(a.Dir(), b.Dir())
		}
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		return a.Path < b.Path
	})
}

// dirLess orders shallow directories first, then by name.
func dirLess(a, b string) bool {
	da, db := depth(a), depth(b)
	if da != db {
		return da < db
	}
	return a < b
}

func depth(dir string) int {
	if dir == "." {
		return 0
	}
	return strings.Count(dir, "/") + 1
}

func isVirtualenv(dir string, d fs.DirEntry) bool {
	// The folder's listing, which the walk reads next anyway, says so
	// without a stat per folder of the tree; a link named pyvenv.cfg
	// counts where its target exists, as os.Stat has it.
	if ld, ok := d.(*listedDir); ok {
		if entries, err := ld.list(); err == nil {
			i, found := slices.BinarySearchFunc(entries, "pyvenv.cfg", func(e fs.DirEntry, name string) int { return strings.Compare(e.Name(), name) })
			if !found {
				return false
			}
			if entries[i].Type()&fs.ModeSymlink == 0 {
				return true
			}
		}
	}
	_, err := os.Stat(filepath.Join(dir, "pyvenv.cfg"))
	return err == nil
}

// walkDir is walkTree; tests replace it to stand for a folder that cannot
// be read (they run as root, who can read them all).
var walkDir = walkTree

// walkTree is filepath.WalkDir, but the DirEntry it hands fn for a folder
// can list the folder (listedDir), and the walk then uses that listing
// rather than reading the folder again; a listing in dirs (the services'
// walk's) stands for reading the folder.
func walkTree(dirs *Dirs, root string, fn fs.WalkDirFunc) error {
	info, err := os.Lstat(root)
	if err != nil {
		err = fn(root, nil, err)
	} else {
		err = walkEntry(dirs, root, CleanDir(root), fs.FileInfoToDirEntry(info), fn)
	}
	if err == filepath.SkipDir || err == filepath.SkipAll {
		return nil
	}
	return err
}

// walkEntry walks p; clean is CleanDir(p), and so its entries' too.
func walkEntry(dirs *Dirs, p string, clean bool, d fs.DirEntry, fn fs.WalkDirFunc) error {
	if !d.IsDir() {
		return fn(p, d, nil)
	}
	ld := &listedDir{DirEntry: d, path: p, dirs: dirs}
	if err := fn(p, ld, nil); err != nil {
		if err == filepath.SkipDir {
			err = nil
		}
		return err
	}
	entries, err := ld.list()
	if err != nil {
		if err = fn(p, ld, err); err != nil {
			if err == filepath.SkipDir {
				err = nil
			}
			return err
		}
	}
	for _, e := range entries {
		if err := walkEntry(dirs, JoinListed(p, e.Name(), clean), clean, e, fn); err != nil {
			if err == filepath.SkipDir {
				break
			}
			return err
		}
	}
	return nil
}

// listedDir is a folder's DirEntry that reads the folder once, when first
// asked.
type listedDir struct {
	fs.DirEntry
	path    string
	dirs    *Dirs
	read    bool
	entries []fs.DirEntry
	err     error
}

func (d *listedDir) list() ([]fs.DirEntry, error) {
	if !d.read {
		d.read = true
		d.entries, d.err = d.dirs.take(d.path)
	}
	return d.entries, d.err
}

// walker is how discovery reads the tree: the caller's Listing when there
// is one, else the disk (through the folders the caller read, Dirs).
func (o Options) walker() func(string, fs.WalkDirFunc) error {
	if o.Listing != nil {
		return o.Listing.WalkDir
	}
	return func(root string, fn fs.WalkDirFunc) error { return walkDir(o.Dirs, root, fn) }
}

// UnreadableError is a folder under the root discovery cannot read.
type UnreadableError struct {
	Path string
	Err  error
}

func (e *UnreadableError) Error() string {
	return fmt.Sprintf("cannot read %s/ (%v): an env file in it would go unjudged; make it readable or add it to env.exclude", e.Path, errors.Unwrap(e.Err))
}

func (e *UnreadableError) Unwrap() error { return e.Err }

// MissingFileError is an env.files entry that does not exist.
type MissingFileError struct {
	Path string
	Err  error
}

func (e *MissingFileError) Error() string {
	if errors.Is(e.Err, fs.ErrNotExist) {
		return fmt.Sprintf("env.files lists %s, which does not exist", e.Path)
	}
	return fmt.Sprintf("env.files lists %s: %v", e.Path, e.Err)
}

// Hint names the next step.
func (e *MissingFileError) Hint() string {
	return "create the file or remove it from env.files in dbguard.yaml"
}

func excluded(patterns []string, rel string) bool {
	for _, p := range patterns {
		if MatchGlob(p, rel) {
			return true
		}
	}
	return false
}

// MatchGlob matches a slash path against a glob in which "**" stands for
// any number of directories (zero included) and other segments follow
// path.Match. A pattern without a slash matches the base name anywhere.
func MatchGlob(pattern, name string) bool {
	pattern = strings.TrimPrefix(pattern, "./")
	if !strings.Contains(pattern, "/") {
		ok, _ := path.Match(pattern, path.Base(name))
		return ok
	}
	// A segment without wildcards matches only a segment of name equal
	// to it, so name holds it: most names lack env.exclude's "testdata",
	// which this says before anything is split (the services' walk and
	// discovery ask about every env file, 2,000 times on 1,000 files).
	for rest := pattern; rest != ""; {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		if seg != "**" && !strings.ContainsAny(seg, `*?[\`) && !strings.Contains(name, seg) {
			return false
		}
	}
	return matchSegments(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegments(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegments(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
