package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/safefile"
)

// The hook judges what is committed: the index. Env files, manifests and
// compose files reach the env judgement as the index holds them
// (Options.Contents), but the project's configuration is loaded from the
// work tree before the hook runs: dbguard.yaml (url_var, env.files, the
// services), and through tool detection the Prisma schema and config
// (url = env("OTHER_URL")) and package.json's prisma.schema. When one of
// those differs between the index and the work tree (an unstaged edit,
// a file removed from either), the configuration is loaded again from a
// copy of the index's configuration files in a temporary folder
// (Options.Load), so that a commit is judged by the variable it names and
// not by an edit that is not being committed.

// prismaNames are Prisma's schema files; its config files are matched by
// path (isPrismaConfig).
var prismaNames = newNameMatcher([]string{"*.prisma"})

// isPrismaFile reports whether the slash path p is a Prisma schema or
// config file, which the hook reads from the index.
func isPrismaFile(p string) bool {
	base := path.Base(p)
	return prismaNames.match(base) || isPrismaConfig(p, base)
}

// mayBePrisma is isPrismaFile's quick test on a listed path and its base
// name: false for nearly every name, without building a string.
func mayBePrisma(p, base []byte) bool {
	return bytes.HasSuffix(base, []byte(".prisma")) || bytes.HasPrefix(base, []byte("prisma")) ||
		bytes.HasPrefix(base, []byte("index.")) && bytes.Contains(p, []byte(".config/"))
}

// loadsConfig reports whether the file at p (a slash path from the top)
// is read when the configuration is loaded, and so decides what the env
// judgement reads: dbguard.yaml, package.json (prisma.schema) and the
// Prisma schema and config files.
func loadsConfig(p string) bool {
	base := path.Base(p)
	return base == config.FileName || base == "package.json" || isPrismaFile(p)
}

// copiedNames are the files copied from the index for a load: those that
// loadsConfig names, and what tool detection looks at beside them
// (alembic.ini, the migrations' .sql files), so that it finds the tool
// the commit leaves.
func copied(p string) bool {
	base := path.Base(p)
	return loadsConfig(p) || base == "alembic.ini" || strings.HasSuffix(base, ".sql")
}

// mayCopy is copied's quick test on a listed path: false, without
// building a string, for nearly every name of a large index.
func mayCopy(p []byte) bool {
	base := p[bytes.LastIndexByte(p, '/')+1:]
	for _, suffix := range []string{".sql", ".prisma", config.FileName, "package.json", "alembic.ini"} {
		if bytes.HasSuffix(base, []byte(suffix)) {
			return true
		}
	}
	return mayBePrisma(p, base)
}

// maxCopied bounds what a load copies out of the index. The blobs' sizes
// are read before any content: a few KiB of compressed zeros in the
// object store are gigabytes in memory once read.
const maxCopied = 64 << 20

// TooMuchError stops a copy past maxCopied before it reads a blob.
type TooMuchError struct {
	Total   int64  // bytes the index's configuration files hold
	Largest string // the largest of them, a slash path from the top
	Size    int64  // its size
}

func (e *TooMuchError) Error() string {
	return fmt.Sprintf("the index's configuration files (dbguard.yaml, package.json, Prisma's, alembic.ini, *.sql) hold %d MiB, more than the %d MiB the hook copies to judge a commit whose configuration differs from the work tree (largest: %s, %d MiB)",
		e.Total>>20, maxCopied>>20, displayPath(e.Largest), e.Size>>20)
}

// Hint says how to commit anyway.
func (e *TooMuchError) Hint() string {
	return "git diff --cached --stat shows what is staged; DBGUARD_SKIP=1 git commit skips the hook once (the CI gate still runs its checks)"
}

// ExitCode: the repository is beyond what the hook reads, a usage limit.
func (e *TooMuchError) ExitCode() int { return exitcode.Usage }

// configDiffers reports whether a file loadsConfig names that the index
// holds (paths and ids, as listed) differs in the work tree under repo,
// or is missing there. same says, per path, whether its content was read
// from the disk; the paths it lacks are hashed here. A file the index
// does not hold is no staged file: an untracked dbguard.yaml is the
// developer's, read from the work tree as every command reads it.
func configDiffers(repo string, paths, ids []string, same map[string]bool) bool {
	var root *os.Root
	defer func() {
		if root != nil {
			root.Close()
		}
	}()
	for i, p := range paths {
		if !loadsConfig(p) {
			continue
		}
		ok, known := same[p]
		if !known {
			if root == nil {
				r, err := os.OpenRoot(repo)
				if err != nil {
					return true
				}
				root = r
			}
			_, ok = diskBlob(root, p, ids[i])
		}
		if !ok {
			return true
		}
	}
	return false
}

// indexConfig loads the configuration, and the units' scopes, from a copy
// of the index's configuration files (copied) in a temporary folder, with
// the untracked dbguard.yaml files of the work tree (untracked: the
// developer's, which every command reads); done removes it. An error from the load names the files as the repository
// does, not the temporary folder.
func (o Options) indexConfig(ctx context.Context, g Git, untracked []string) (cfg *config.Config, scopes func(*envcheck.Listing) ([]Scope, error), top string, done func(), err error) {
	tmp, err := os.MkdirTemp("", "dbguard-index-")
	if err != nil {
		return nil, nil, "", nil, err
	}
	done = func() { os.RemoveAll(tmp) }
	if err := g.copyIndex(ctx, tmp, copied); err != nil {
		done()
		return nil, nil, "", nil, err
	}
	if err := copyUntracked(o.Repo, tmp, untracked); err != nil {
		done()
		return nil, nil, "", nil, err
	}
	// The copy is a repository's top to config.Find, which stops there.
	if err := os.Mkdir(filepath.Join(tmp, ".git"), 0o700); err != nil {
		done()
		return nil, nil, "", nil, err
	}
	cfg, load, err := o.Load(tmp)
	if err != nil {
		done()
		return nil, nil, "", nil, &indexError{err: err, tmp: tmp}
	}
	return cfg, func(*envcheck.Listing) ([]Scope, error) {
		// The listing is the work tree's; the copy's services are the
		// index's dbguard.yaml files, found in the copy.
		s, err := load(nil)
		if err != nil {
			return nil, &indexError{err: err, tmp: tmp}
		}
		return s, nil
	}, tmp, done, nil
}

// settleConfig makes o's configuration the one the commit holds, before
// anything is judged by it (hook.allow, which staged files are env files,
// the env guard): loaded again from a copy of the index's configuration
// files when a dbguard.yaml the index holds is not the work tree's (an
// unstaged edit, a file removed from either), or when the work tree's
// failed to load (ConfigErr), so that a broken file on the disk does not
// stop a commit of a good one, and a broken one staged stops it. done
// removes the copy.
func (o *Options) settleConfig(ctx context.Context, g Git) (done func(), err error) {
	done = func() {}
	if o.Load == nil {
		return done, o.ConfigErr
	}
	if o.ConfigErr == nil {
		changed, err := g.configChanged(ctx)
		if err != nil || !changed {
			return done, err
		}
	}
	tracked, _, err := g.IndexBlobsNamed(ctx, func(base string) bool { return base == config.FileName })
	if err != nil {
		return done, err
	}
	cfg, scopes, top, done, err := o.indexConfig(ctx, g, untrackedConfig(tracked, diskFiles(ctx, o.Repo)))
	if err != nil {
		return func() {}, err
	}
	o.Config, o.Scopes, o.serviceFiles, o.configTop, o.indexed = cfg, scopes, map[string][]string{}, top, true
	return done, nil
}

// configChanged reports whether a dbguard.yaml the index holds differs in
// the work tree (or is missing there): from the index file where it can
// (indexFileConfigChanged), else from git's listing of the index, each
// file hashed on the disk as diskBlob does. Not git diff: it reads a work
// tree file whose times are not the index's (a racily clean entry, a
// copied or freshly checked out tree) through the file's clean filter,
// and filter.<driver>.clean or .process is a command the repository's git
// configuration and .gitattributes name. A file diskBlob cannot hash as
// it is (a link, a conflict, a file git converts: CRLF, a filter) counts
// as changed, and the index's copy is loaded.
func (g Git) configChanged(ctx context.Context) (bool, error) {
	if changed, ok := g.dotGit().indexConfigChanged(g.Dir); ok {
		return changed, nil
	}
	root, err := os.OpenRoot(g.Dir)
	if err != nil {
		return false, err
	}
	defer root.Close()
	changed := false
	err = g.records(ctx, func(rec []byte) {
		// <mode> SP <id> SP <stage> TAB <path>
		meta, p, ok := bytes.Cut(rec, []byte{'\t'})
		f := strings.Fields(string(meta))
		if changed || !ok || len(f) != 3 || path.Base(string(p)) != config.FileName || f[0] == "160000" {
			return // a submodule is no file (git diff --ignore-submodules)
		}
		if f[2] != "0" || f[0] == "120000" || !filepath.IsLocal(filepath.FromSlash(string(p))) {
			changed = true // a conflict; a link, whose target config.Find reads
			return
		}
		if _, same := diskBlob(root, filepath.FromSlash(string(p)), f[1]); !same {
			changed = true
		}
	}, "ls-files", "-z", "--stage", "--", ":(glob)**/"+config.FileName)
	return changed, err
}

// copyIndex writes the index's regular files whose path keep accepts into
// dir, as the index holds them (no filter runs, no link is made); a
// configuration file (loadsConfig) the index holds as a symbolic link is
// written as the index's copy of the file it leads to inside the
// repository (a loader, config.Find, follows the link), and left out when
// it leads outside or nowhere.
func (g Git) copyIndex(ctx context.Context, dir string, keep func(p string) bool) error {
	var paths, ids, links, texts []string
	err := g.records(ctx, func(rec []byte) {
		meta, p, ok := bytes.Cut(rec, []byte{'\t'})
		if !ok || !mayCopy(p) || !keep(string(p)) {
			return
		}
		f := strings.Fields(string(meta))
		// 100644 and 100755: regular files; 120000 a link, followed
		// below; not a submodule (160000), nor a conflict's stages.
		if len(f) != 3 || f[2] != "0" {
			return
		}
		switch {
		case strings.HasPrefix(f[0], "100"):
			paths, ids = append(paths, string(p)), append(ids, f[1])
		case f[0] == "120000" && loadsConfig(string(p)):
			// A git process per link followed: only the few files
			// the configuration is read from.
			links, texts = append(links, string(p)), append(texts, f[1])
		}
	}, "ls-files", "-z", "--stage")
	if err != nil {
		return err
	}
	if len(links) > 0 {
		// A link's text is a path: a longer blob leads nowhere, unread.
		sizes, err := g.blobSizes(ctx, texts)
		if err != nil {
			return err
		}
		var short, shortTexts []string
		for i, n := range sizes {
			if n <= 4096 {
				short, shortTexts = append(short, links[i]), append(shortTexts, texts[i])
			}
		}
		links = short
		text, err := g.Blobs(ctx, shortTexts)
		if err != nil {
			return err
		}
		for i, p := range links {
			id, out, err := followIndexLinkID(ctx, g, p, text[i])
			if err != nil {
				return err
			}
			if id != "" && !out {
				paths, ids = append(paths, p), append(ids, id)
			}
		}
	}
	sizes, err := g.blobSizes(ctx, ids)
	if err != nil {
		return err
	}
	var total int64
	big := 0
	for i, n := range sizes {
		total += n
		if n > sizes[big] {
			big = i
		}
	}
	if total > maxCopied {
		return &TooMuchError{Total: total, Largest: paths[big], Size: sizes[big]}
	}
	blobs, err := g.Blobs(ctx, ids)
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for i, p := range paths {
		if !filepath.IsLocal(filepath.FromSlash(p)) {
			continue
		}
		if d := path.Dir(p); d != "." {
			if err := root.MkdirAll(filepath.FromSlash(d), 0o700); err != nil {
				return &ClashError{Path: p, Clash: clashing(root, d), Err: err}
			}
		}
		if err := root.WriteFile(filepath.FromSlash(p), blobs[i], 0o600); err != nil {
			return &ClashError{Path: p, Clash: p, Err: err}
		}
	}
	return nil
}

// clashing is the first folder on the slash path d that root holds as
// something else (a file written from another index entry); d itself when
// none is.
func clashing(root *os.Root, d string) string {
	parts := strings.Split(d, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		if st, err := root.Lstat(filepath.FromSlash(p)); err == nil && !st.IsDir() {
			return p
		}
	}
	return d
}

// ClashError is an index entry the hook could not write to its copy of
// the index's configuration: two of the index's names are one on this
// file system (they differ only in case, or in their Unicode form, as on
// macOS and Windows), one a file and the other a folder.
type ClashError struct {
	Path  string // the entry, a slash path from the top
	Clash string // the name the file system holds as another kind
	Err   error
}

func (e *ClashError) Error() string {
	return fmt.Sprintf("the index holds %s, whose name clashes with another of its files or folders on this file system (%s: the names differ only in case or Unicode form), so the hook cannot copy the index's configuration to judge the commit: %v",
		displayPath(e.Path), displayPath(e.Clash), e.Err)
}

// Hint names the clashing entries and how to commit anyway.
func (e *ClashError) Hint() string {
	return "git ls-files -- " + shellQuote(":(icase)"+e.Clash) + " lists the names that clash; rename one with git mv, or DBGUARD_SKIP=1 git commit skips the hook once (the CI gate still runs its checks)"
}

func (e *ClashError) Unwrap() error { return e.Err }

// ExitCode: the repository's names are beyond what this file system
// holds, a usage limit.
func (e *ClashError) ExitCode() int { return exitcode.Usage }

// indexError is an error from loading the index's configuration: the
// temporary folder's path is taken out of what it says, so that a file is
// named as it is in the repository.
type indexError struct {
	err error
	tmp string
}

func (e *indexError) Error() string { return e.local(e.err.Error()) }
func (e *indexError) Unwrap() error { return e.err }

// Hint is the wrapped error's, its paths the repository's.
func (e *indexError) Hint() string {
	var h interface{ Hint() string }
	if errors.As(e.err, &h) {
		return e.local(h.Hint())
	}
	return "the hook judges the index's copy of the file named; git diff --cached shows what is staged"
}

// ExitCode is the wrapped error's.
func (e *indexError) ExitCode() int { return exitcode.Of(e.err) }

func (e *indexError) local(s string) string {
	s = strings.ReplaceAll(s, e.tmp+string(filepath.Separator), "")
	return strings.ReplaceAll(s, e.tmp, ".")
}

// untrackedConfig are the dbguard.yaml files of the work tree's listing
// (disk, diskFiles') that the index does not hold (tracked).
func untrackedConfig(tracked, disk []string) []string {
	var out []string
	for _, p := range disk {
		if path.Base(p) == config.FileName && !slices.Contains(tracked, p) {
			out = append(out, p)
		}
	}
	return out
}

// maxUntracked bounds an untracked dbguard.yaml copied: config.Load's own
// limit is far below it.
const maxUntracked = 4 << 20

// copyUntracked copies the regular files at paths (slash paths from the
// top) of the work tree under repo into dir, read inside the repository
// (no link is followed, no FIFO waited on).
func copyUntracked(repo, dir string, paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	from, err := os.OpenRoot(repo)
	if err != nil {
		return err
	}
	defer from.Close()
	to, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer to.Close()
	for _, p := range paths {
		f, err := safefile.OpenIn(from, filepath.FromSlash(p))
		if err != nil {
			continue // not a regular file in the repository: not read, as config.Find would not
		}
		data, err := io.ReadAll(io.LimitReader(f, maxUntracked+1))
		f.Close()
		if err != nil || len(data) > maxUntracked {
			continue
		}
		if d := path.Dir(p); d != "." {
			if err := to.MkdirAll(filepath.FromSlash(d), 0o700); err != nil {
				return err
			}
		}
		if err := to.WriteFile(filepath.FromSlash(p), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}
