// Package hooks is dbguard's git pre-commit hook: it judges what is being
// committed (the index, through the git CLI), never connects to a database
// and never reads history. It also installs and removes itself.
package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/lazyre"
	"github.com/dbguard/dbguard/internal/output"
)

// Finding is one thing the hook found.
type Finding struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Kind    string `json:"kind"` // conflict, credential, env-file, template, local-env
	Block   bool   `json:"block"`
	Message string `json:"message"`
	// AllowNew: a dbguard:allow comment on the line was not honoured,
	// being new in the pull request (ScanPullRequest).
	AllowNew bool `json:"-"`
}

// Location is file:line, or the file alone.
func (f Finding) Location() string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d", displayPath(f.File), f.Line)
	}
	return displayPath(f.File)
}

// Options for PreCommit.
type Options struct {
	Repo   string // the repository's top level (git runs hooks there)
	Config *config.Config
	Mode   string
	// Files, when set, are judged whole as the index holds them (what
	// would be committed), not only the lines the staged diff adds: the
	// file names pre-commit passes (every tracked file under --all-files)
	// or lefthook's {staged_files} and {all_files}. A named file the
	// index does not hold (untracked, deleted) would not be committed and
	// is not judged.
	Files []string
	// Scopes, when set, gives the units of a monorepo judged each on its
	// own (internal/services): the root outside the services, then each
	// service; none: the project is one. Called only when env files are
	// staged. The listing is the work tree's files, from the index and
	// one walk (see workTreeListing): the services' dbguard.yaml among
	// them, so that finding them reads no folder again.
	Scopes func(*envcheck.Listing) ([]Scope, error)
	// Load, when set, loads the configuration as the caller loaded Config
	// (its --config), from top, a folder standing for the repository's
	// top, and the scopes of its units as Scopes gives them. The hook
	// calls it with a copy of the index's configuration files when those
	// differ from the work tree's (see indexconfig.go).
	Load func(top string) (*config.Config, func(*envcheck.Listing) ([]Scope, error), error)
	// ConfigErr is why Config could not be loaded from the work tree
	// (Config is then nil). The commit holds the index's configuration,
	// not the disk's: with Load, the hook loads that one, and fails with
	// its error only when it fails too.
	ConfigErr error

	// configTop is where Config was loaded from: a copy of the index's
	// configuration files (indexConfig); "": the work tree (Repo).
	configTop string
	// indexed: Config is already the index's (settleConfig).
	indexed bool
	// serviceFiles memoises, per folder, the env.files of the nearest
	// service's dbguard.yaml (as paths from the top); set by PreCommit.
	serviceFiles map[string][]string
}

// Scope is one unit of a monorepo: its label ("service web (apps/web/)",
// "" for the root) and its env options in a mode.
type Scope struct {
	Label   string
	Options func(mode string) envcheck.Options
}

// Report is what PreCommit found.
type Report struct {
	Findings []Finding
	// configRemoved: the commit removes a file loadsConfig names that the
	// work tree still holds (git rm --cached).
	configRemoved bool
	// up is the folder scanned as the commands in messages name it, a
	// slash path from the folder the command runs in ("" the same;
	// ScanPullRequestFrom).
	up string
}

// Blocked reports whether any finding blocks the commit.
func (r *Report) Blocked() int {
	n := 0
	for _, f := range r.Findings {
		if f.Block {
			n++
		}
	}
	return n
}

// BlockedError means the commit is refused (exit 1).
type BlockedError struct{ Count int }

func (e *BlockedError) Error() string {
	return fmt.Sprintf("commit blocked: %d problem(s) in what is staged", e.Count)
}

// Hint names the next step.
func (e *BlockedError) Hint() string {
	return "fix what is listed above and stage it again; to commit anyway (the CI gate still checks): git commit --no-verify"
}

// Err is the verdict.
func (r *Report) Err() error {
	if n := r.Blocked(); n > 0 {
		return &BlockedError{Count: n}
	}
	return nil
}

// envNames are the names of env files (and their templates), as path.Match
// patterns of a file's base name.
var envNames = []string{".env", ".env.*"}

// manifestNames are the manifests envload.IsManifest reads: they say which
// loaders a folder runs (see envload.Detect).
var manifestNames = []string{"package.json", "pyproject.toml", "requirements*.txt", "Pipfile", "setup.cfg", "go.mod",
	"compose.y*ml", "docker-compose.y*ml", "compose.override.y*ml", "docker-compose.override.y*ml"}

// readNames are the files the hook reads from the index: env files,
// manifests, and a compose service's env_file, often NAME.env (app.env).
var readNames = slices.Concat(envNames, manifestNames, []string{"*.env"})

// listedNames are the files env discovery and the services' discovery
// look at by name: env files, manifests, dbguard.yaml.
var listedNames = slices.Concat(envNames, manifestNames, []string{config.FileName})

// named reports whether a base name matches one of the patterns.
func named(patterns []string, base string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, base); ok {
			return true
		}
	}
	return false
}

// A nameMatcher is named for a fixed list of patterns, with the literal
// text each pattern's matches start and end with: nearly every name in a
// tree fails on that, without path.Match (17 ms of the hook's 75 for the
// 20,000 names of an index, matched 14 times each).
type nameMatcher []namePattern

type namePattern struct {
	glob, prefix, suffix string
	literal              bool // no pattern characters: the name is glob
}

func newNameMatcher(patterns ...[]string) nameMatcher {
	var m nameMatcher
	for _, p := range slices.Concat(patterns...) {
		np := namePattern{glob: p}
		if i := strings.IndexAny(p, `*?[\`); i < 0 {
			np.literal = true
		} else {
			np.prefix = p[:i]
			// After the last star, the rest is literal unless it holds a
			// pattern character of its own, or a ']' (the star was in a
			// class, "[*]x", and matches only itself).
			if j := strings.LastIndexByte(p, '*'); !strings.ContainsAny(p[j+1:], `?[\]`) {
				np.suffix = p[j+1:]
			}
		}
		m = append(m, np)
	}
	return m
}

// match is named(patterns, base).
func (m nameMatcher) match(base string) bool {
	for _, p := range m {
		if p.literal {
			if base == p.glob {
				return true
			}
			continue
		}
		if len(base) < len(p.prefix)+len(p.suffix) || !strings.HasPrefix(base, p.prefix) || !strings.HasSuffix(base, p.suffix) {
			continue
		}
		if ok, _ := path.Match(p.glob, base); ok {
			return true
		}
	}
	return false
}

// decidingNames are files that decide which variable is judged or how the
// env files are read: dbguard.yaml (url_var, env.files, exclude, loaders),
// the manifests (which loaders a folder runs, package.json's
// prisma.schema), Prisma's schema files, whose datasource names the app's
// variable, and NAME.env, a compose service's env_file the hook reads from
// the index. Prisma's config files are matched by path (isPrismaConfig).
var decidingNames = sync.OnceValue(func() nameMatcher {
	return newNameMatcher(manifestNames, []string{config.FileName, "*.prisma", "*.env"})
})

// decides reports whether the file at p (a slash path from the top)
// changes what the env judgement reads though it is no env file: a commit
// of only such a file changes the verdict (url = env("OTHER_URL")), so the
// hook judges the project as when an env file is staged. A name test, as
// cheap as isEnvFile's for the code files of an ordinary commit.
func decides(p string) bool {
	base := path.Base(p)
	return decidingNames().match(base) || isPrismaConfig(p, base)
}

// isPrismaConfig reports whether p is named as a Prisma config file in its
// folder (envload.PrismaConfigNames: prisma.config.ts, .config/prisma.ts,
// .config/prisma/index.ts, ...): Prisma 7 reads the datasource url there.
func isPrismaConfig(p, base string) bool {
	if !strings.HasPrefix(base, "prisma") && !strings.HasPrefix(base, "index.") && !strings.Contains(p, ".config/") {
		return false
	}
	for _, n := range envload.PrismaConfigNames {
		if p == n || strings.HasSuffix(p, "/"+n) {
			return true
		}
	}
	return false
}

// indexNames are the index's files the hook reads (readNames) or lists
// (dbguard.yaml); built on first use, as only the hook needs it.
var indexNames = sync.OnceValue(func() nameMatcher { return newNameMatcher(readNames, []string{config.FileName}) })

// workTreeListing is the listing of the work tree's files discovery looks
// at: the index's and those on the disk (diskFiles); nil (walk the disk)
// when the disk could not be listed.
func workTreeListing(repo string, tracked, disk []string) *envcheck.Listing {
	if disk == nil {
		return nil
	}
	return envcheck.NewListing(repo, append(slices.Clip(tracked), disk...), envcheck.SkippedDir)
}

// Check runs PreCommit and says each finding on log, as an error when it
// blocks the commit, else as a warning; it returns the verdict.
func Check(ctx context.Context, o Options, log io.Writer) error {
	rep, err := PreCommit(ctx, o)
	if rep == nil {
		return err
	}
	talk := output.Talk{W: log}
	for _, f := range rep.Findings {
		if f.Block {
			talk.Errorf("%s: %s", f.Location(), f.Message)
		} else {
			talk.Warnf("%s: %s", f.Location(), f.Message)
		}
	}
	if err != nil {
		return err
	}
	return rep.Err()
}

// PreCommit checks the staged change, or with o.Files those files as the
// index holds them. When the project cannot be judged (a configuration
// error, a Prisma trap) the error comes with the report of what the staged
// lines showed before it: a password in them is still said.
func PreCommit(ctx context.Context, o Options) (*Report, error) {
	g := Git{Dir: o.Repo, dot: &dotGit{from: o.Repo}}
	if err := g.checkWorkTree(ctx); err != nil {
		return nil, err
	}
	r := &Report{}
	o.serviceFiles = map[string][]string{}
	// The staged diff is read while the configuration is settled.
	var staged []StagedFile
	var stagedErr error
	read := make(chan struct{})
	if len(o.Files) == 0 {
		go func() {
			defer close(read)
			staged, stagedErr = g.Staged(ctx)
		}()
	} else {
		close(read)
	}
	done, err := o.settleConfig(ctx, g)
	<-read
	if err != nil {
		return nil, err
	}
	defer done()
	if o.ConfigErr != nil {
		// The commit's own configuration loaded: the work tree's is the
		// developer's to mend, and every other command reads that one.
		r.Findings = append(r.Findings, Finding{File: config.FileName, Kind: "config",
			Message: "the work tree's configuration does not load (" + o.ConfigErr.Error() + "); the commit is judged by the index's, which it holds"})
	}
	var envStaged bool
	if len(o.Files) > 0 {
		envStaged, err = r.judgeFiles(ctx, g, o)
	} else if err = stagedErr; err == nil {
		envStaged, err = r.judgeStaged(ctx, g, o, staged)
	}
	if err != nil {
		return nil, err
	}
	if envStaged {
		err = r.checkEnvFiles(ctx, g, o)
	}
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Block != b.Block {
			return a.Block
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return r, err
}

// judgeStaged scans the lines the staged diff adds, and refuses a new env
// file with credentials. It reports whether an env file is staged.
func (r *Report) judgeStaged(ctx context.Context, g Git, o Options, staged []StagedFile) (bool, error) {
	envStaged := false
	var binary []string
	added := map[string]bool{} // binary files new in this commit
	for _, f := range staged {
		if f.Binary && !f.Deleted && f.Path != "" && !allowed(o.Config.Hook.Allow, f.Path) {
			binary = append(binary, f.Path)
			added[f.Path] = f.New
		}
		if !envStaged && f.Path != "" && decides(f.Path) {
			// Added, changed or removed: the variable judged, or how
			// the committed env files are read, may change with it.
			envStaged = true
		}
		if f.Deleted && f.Path != "" && !r.configRemoved && loadsConfig(f.Path) {
			_, err := os.Lstat(filepath.Join(o.Repo, filepath.FromSlash(f.Path)))
			r.configRemoved = err == nil
		}
		if f.Deleted || f.Binary || f.Path == "" {
			continue
		}
		env, template := o.isEnvFile(f.Path)
		flagged := false
		if env && !template {
			envStaged = true
			if f.New {
				flagged = r.checkEnvFileCredentials(f.Path, addedText(f), "is being added to git")
			}
		}
		// A new env file already refused whole needs no line-by-line report.
		if !flagged && !allowed(o.Config.Hook.Allow, f.Path) {
			r.scanCredentials(f)
		}
	}
	// Git calls a UTF-16 file binary, and any file a .gitattributes marks
	// -diff: those are read whole, and only when one is staged.
	if len(binary) > 0 {
		if err := r.scanUTF16(ctx, g, o, binary, added, "being committed"); err != nil {
			return false, err
		}
	}
	return envStaged, nil
}

// scanUTF16 reads the index's copy of each path and scans the ones that
// start with a UTF-16 byte order mark, decoded, the ones that are text
// by git's own content test (called binary by an attribute), and env
// files whatever bytes they hold (a new one, added, is refused whole as
// the diff's env files are).
func (r *Report) scanUTF16(ctx context.Context, g Git, o Options, paths []string, added map[string]bool, verb string) error {
	index, err := g.IndexBlobs(ctx)
	if err != nil {
		return err
	}
	var ps, ids []string
	for _, p := range paths {
		if id, ok := index[p]; ok {
			ps, ids = append(ps, p), append(ids, id)
		}
	}
	// An env file is read whatever its size (the env check refuses one
	// over 1 MiB); any other file only up to maxScanBinary.
	ps, ids, err = underScanCap(ctx, g, ps, ids, func(p string) bool { env, _ := o.isEnvFile(p); return !env })
	if err != nil {
		return err
	}
	blobs, err := g.Blobs(ctx, ids)
	if err != nil {
		return err
	}
	for i, p := range ps {
		if text, ok := decodeUTF16(blobs[i]); ok {
			r.addFindings(p, fileCredentials(p, textLines(text)), verb)
			continue
		}
		// Text that a .gitattributes calls binary (-diff, binary), text
		// with a NUL byte (textWithNUL), or an env file with a NUL byte
		// (git's binary, which every loader reads past: "#\x00" is a
		// comment): the diff showed none of its lines, so all are judged.
		env, template := o.isEnvFile(p)
		if !env && !textWithNUL(blobs[i]) {
			continue
		}
		if env && !template && added[p] && r.checkEnvFileCredentials(p, blobs[i], "is being added to git") {
			continue
		}
		r.addFindings(p, fileCredentials(p, textLines(string(blobs[i]))), verb)
	}
	return nil
}

// addFindings reports the credentials found in the file at p.
func (r *Report) addFindings(p string, found []lineFinding, verb string) {
	for _, f := range found {
		msg := CredentialMessage(f.shown, verb)
		if f.allowNew {
			msg = fmt.Sprintf("a real database password is %s: %s; the dbguard:allow comment on this line is new in this pull request and counts once merged (a reviewer accepts it by merging; until then move it to an ignored .env file or a secret store)", verb, f.shown)
		}
		r.Findings = append(r.Findings, Finding{File: p, Line: f.line, Kind: "credential", Block: true, Message: msg, AllowNew: f.allowNew})
	}
}

// isEnvFile is envcheck.IsEnvFile, and true for a file dbguard.yaml's
// env.files names whatever its name (config/db.env): discovery reads it as
// an env file, so the hook judges it as one when it is staged.
func (o Options) isEnvFile(p string) (env, template bool) {
	if env, template = envcheck.IsEnvFile(p); env || o.Config == nil {
		return env, template
	}
	p = path.Clean(p)
	return slices.Contains(o.explicitFiles(), p) || slices.Contains(o.serviceExplicit(path.Dir(p)), p), false
}

// serviceExplicit is the env.files of the service whose folder holds dir
// (a slash path from the top): the nearest dbguard.yaml below the root's,
// read as every command reads it (config.Discover: no link out of the
// repository), its files named from the top. A service's env.files are
// relative to its folder, and discovery reads them as env files there.
func (o Options) serviceExplicit(dir string) []string {
	if dir == "." || dir == "/" || o.Repo == "" {
		return nil
	}
	if files, ok := o.serviceFiles[dir]; ok {
		return files
	}
	var files []string
	// The nearest dbguard.yaml that is a service's is found by stats;
	// only a service's (not the root's, which o.Config is) is read, once
	// per folder. One in a folder discovery passes over (env.exclude,
	// node_modules) is no service to dbguard env: the search goes on
	// above it.
	var cfg *config.Config
	var err error
	top := o.Repo
	if o.configTop != "" {
		top = o.configTop // the index's dbguard.yaml files
	}
	for from := filepath.Join(top, filepath.FromSlash(dir)); ; {
		file, _, ferr := config.Find(from)
		if ferr != nil || file == "" {
			break
		}
		rel, rerr := filepath.Rel(top, filepath.Dir(file))
		if rerr != nil || rel == "." || !filepath.IsLocal(rel) {
			break
		}
		if o.isService(filepath.ToSlash(rel)) {
			cfg, err = config.Discover(filepath.Dir(file), "")
			break
		}
		from = filepath.Dir(filepath.Dir(file))
	}
	if err == nil && cfg != nil && cfg.Root != "" {
		if rel, err := filepath.Rel(top, cfg.Root); err == nil && rel != "." && filepath.IsLocal(rel) {
			for _, f := range cfg.Env.Files {
				if !filepath.IsAbs(f) {
					files = append(files, path.Join(filepath.ToSlash(rel), filepath.ToSlash(f)))
				}
			}
		}
	}
	if o.serviceFiles != nil {
		o.serviceFiles[dir] = files
	}
	return files
}

// isService reports whether dbguard env takes the folder rel (a slash
// path from the top) holding a dbguard.yaml for a service: listed under
// the root's services:, or found by discovery, which enters no folder
// the root's env.exclude names or envcheck.SkippedDir skips
// (services.discover).
func (o Options) isService(rel string) bool {
	for _, s := range o.Config.Services {
		if path.Clean(filepath.ToSlash(s.Path)) == rel {
			return true
		}
	}
	parts := strings.Split(rel, "/")
	for i, part := range parts {
		if envcheck.SkippedDir(part) || slices.ContainsFunc(o.Config.Env.Exclude, func(p string) bool {
			return envcheck.MatchGlob(p, strings.Join(parts[:i+1], "/"))
		}) {
			return false
		}
	}
	return true
}

// explicitFiles are dbguard.yaml's env.files as paths from the top.
func (o Options) explicitFiles() []string {
	var out []string
	for _, f := range o.Config.Env.Files {
		if !filepath.IsAbs(f) {
			out = append(out, path.Clean(filepath.ToSlash(f)))
		}
	}
	return out
}

// indexMatch is indexNames, and the base names of the explicit env files,
// which the index is read for whatever they are called.
func (o Options) indexMatch() func(base string) bool {
	if o.Config == nil || len(o.Config.Env.Files) == 0 {
		return indexNames().match
	}
	var bases []string
	for _, f := range o.explicitFiles() {
		bases = append(bases, path.Base(f))
	}
	m := indexNames()
	return func(base string) bool { return m.match(base) || slices.Contains(bases, base) }
}

// judgeFiles judges the named files whole, as the index holds them: every
// line is scanned for passwords, and a tracked non-template env file with
// credentials is refused, however long it has been committed. It reports
// whether a named file is an env file.
func (r *Report) judgeFiles(ctx context.Context, g Git, o Options) (bool, error) {
	index, err := g.IndexBlobs(ctx)
	if err != nil {
		return false, err
	}
	var paths, ids []string
	seen := map[string]bool{}
	for _, f := range o.Files {
		p := path.Clean(f)
		if id, ok := index[p]; ok && !seen[p] {
			seen[p] = true
			paths, ids = append(paths, p), append(ids, id)
		}
	}
	blobs, err := g.Blobs(ctx, ids)
	if err != nil {
		return false, err
	}
	envNamed := slices.ContainsFunc(paths, decides)
	for i, p := range paths {
		data := blobs[i]
		if text, ok := decodeUTF16(data); ok {
			if !allowed(o.Config.Hook.Allow, p) {
				r.addFindings(p, fileCredentials(p, textLines(text)), "committed")
			}
			continue
		}
		env, template := o.isEnvFile(p)
		if !env && (!textWithNUL(data) || isBinary(data) && len(data) > maxScanBinary) {
			// An env file is read as text whatever it holds; text with a
			// NUL byte, up to maxScanBinary, too.
			continue
		}
		flagged := false
		if env && !template {
			envNamed = true
			flagged = r.checkEnvFileCredentials(p, data, "is tracked by git")
		}
		if flagged || allowed(o.Config.Hook.Allow, p) {
			continue
		}
		r.addFindings(p, fileCredentials(p, textLines(string(data))), "committed")
	}
	return envNamed, nil
}

// isBinary is git's test: a NUL byte in the first 8000.
func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0
}

// textWithNUL reports whether data, which git may call binary, is text to
// the credential scan: not binary by git's test, or valid UTF-8 with its
// NUL bytes (a source or config file a stray NUL made binary to git
// grep -I and git diff, which showed none of its lines). A real binary
// (a PNG's 0x89, compiled code) is not valid UTF-8.
func textWithNUL(data []byte) bool { return !isBinary(data) || utf8.Valid(data) }

// maxScanBinary is the largest file that git calls binary (a NUL byte in
// its first 8000 bytes, a .gitattributes' -diff or binary, UTF-16) that
// the credential scans read whole: a larger one is passed over, as git
// grep -I passes over it, so a committed asset or archive costs no read
// (ci's scan still judges the valid UTF-8 lines git grep -a matches in
// it: a text file a .gitattributes calls binary can be any size).
const maxScanBinary = 4 << 20

// underScanCap drops from paths (and their blob ids) the ones capped
// says are read only up to maxScanBinary and whose blob is larger.
func underScanCap(ctx context.Context, g Git, paths, ids []string, capped func(p string) bool) ([]string, []string, error) {
	var check []int
	for i, p := range paths {
		if capped(p) {
			check = append(check, i)
		}
	}
	if len(check) == 0 {
		return paths, ids, nil
	}
	cids := make([]string, len(check))
	for k, i := range check {
		cids[k] = ids[i]
	}
	sizes, err := g.blobSizes(ctx, cids)
	if err != nil {
		return nil, nil, err
	}
	over := map[int]bool{}
	for k, i := range check {
		if sizes[k] > maxScanBinary {
			over[i] = true
		}
	}
	var keptPaths, keptIDs []string
	for i := range paths {
		if !over[i] {
			keptPaths, keptIDs = append(keptPaths, paths[i]), append(keptIDs, ids[i])
		}
	}
	return keptPaths, keptIDs, nil
}

func addedText(f StagedFile) []byte {
	var text bytes.Buffer
	for _, l := range f.Added {
		text.WriteString(l.Text + "\n")
	}
	return text.Bytes()
}

func allowed(globs []string, p string) bool {
	for _, g := range globs {
		if envcheck.MatchGlob(g, p) {
			return true
		}
	}
	return false
}

// CredentialMessage describes a credential found in a file. A password
// already committed is in the history of every clone: moving it is not
// enough, it must be changed on the server too.
func CredentialMessage(redacted, verb string) string {
	rotate := ""
	if verb == "committed" {
		rotate = " and rotate it: it stays in the git history"
	}
	return fmt.Sprintf("a real database password is %s: %s (move it to an ignored .env file or a secret store%s; a false positive can carry the comment dbguard:allow)", verb, redacted, rotate)
}

// scanCredentials reports added lines that carry a real database password.
func (r *Report) scanCredentials(f StagedFile) {
	r.addFindings(f.Path, fileCredentials(f.Path, f.Added), "being committed")
}

// reencodedFiles lists the tracked files whose working-tree-encoding
// attribute is set, when a tracked .gitattributes names that attribute.
func reencodedFiles(ctx context.Context, g Git, index map[string]string) ([]string, error) {
	var ids []string
	for p, id := range index {
		if path.Base(p) == ".gitattributes" {
			ids = append(ids, id)
		}
	}
	blobs, err := g.Blobs(ctx, ids)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(blobs, func(b []byte) bool { return bytes.Contains(b, []byte("working-tree-encoding")) }) {
		return nil, nil
	}
	paths := make([]string, 0, len(index))
	for p := range index {
		paths = append(paths, p)
	}
	return g.Reencoded(ctx, paths)
}

// trackedEnvFiles refuses each tracked env file (not a template, not
// allowed) that holds credentials, and returns the ones it refused.
func (r *Report) trackedEnvFiles(ctx context.Context, g Git, index map[string]string, allow []string) (map[string]bool, error) {
	var paths, ids []string
	for p := range index {
		if env, template := envcheck.IsEnvFile(p); env && !template && !allowed(allow, p) {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		ids = append(ids, index[p])
	}
	blobs, err := g.Blobs(ctx, ids)
	if err != nil {
		return nil, err
	}
	refused := map[string]bool{}
	for i, p := range paths {
		data := blobs[i]
		if text, ok := decodeUTF16(data); ok {
			data = []byte(text)
		}
		if r.checkEnvFilePasswords(p, data, "is tracked by git") {
			refused[p] = true
		}
	}
	return refused, nil
}

// ScanTracked reports the real database passwords in tracked files (the
// working tree, as CI checks it out), hook.allow honoured.
func ScanTracked(ctx context.Context, repo string, allow []string) ([]Finding, error) {
	return ScanPullRequest(ctx, repo, allow, nil)
}

// ScanPullRequest is ScanTracked for a pull request whose added lines are
// added: a dbguard:allow comment on one of them is not honoured (the
// finding says it is new and counts once merged).
func ScanPullRequest(ctx context.Context, repo string, allow []string, added NewLines) ([]Finding, error) {
	return ScanPullRequestFrom(ctx, repo, "", allow, added)
}

// ScanPullRequestFrom is ScanPullRequest of the folder repo for a command
// run in the folder up leads back to repo from (a slash path, "../.."
// when ci runs in backend/src/app and its project is backend/): the
// findings' files stay named from repo, and a command in a message (git
// rm --cached) names the file from where the user runs it.
func ScanPullRequestFrom(ctx context.Context, repo, up string, allow []string, added NewLines) ([]Finding, error) {
	g := Git{Dir: repo}
	if err := g.checkWorkTree(ctx); err != nil {
		return nil, err
	}
	// Every line the line detectors could judge: URLs, JDBC's among them,
	// libpq keyword strings, password keys and PGPASSWORD, base64 URLs.
	pattern := `postgres(ql)?(\+[a-z0-9]+)?://|pass(word|wd)|` + b64Postgres + `|` + b64JDBC
	lines, err := g.Grep(ctx, pattern)
	if err != nil {
		return nil, err
	}
	// git grep -I also passes over a text file a .gitattributes calls
	// binary (*.py -diff): the files that match with -a and are missing
	// from the lines are read whole below, unless git's own content test
	// (a NUL in the first 8000 bytes) calls them binary.
	matching, err := g.GrepFiles(ctx, pattern)
	if err != nil {
		return nil, err
	}
	inLines := map[string]bool{}
	for _, l := range lines {
		inLines[l.Path] = true
	}
	var attrBinary []string
	for _, p := range matching {
		if !inLines[p] {
			attrBinary = append(attrBinary, p)
		}
	}
	// Read whole: .pgpass and pg_service.conf files (a section's host may
	// be lines away from its password), and UTF-16 files, which git grep
	// takes for binary.
	// And a tracked symbolic link's text (git grep passes over links):
	// the blob is the text, which every clone holds; what the link leads
	// to is not read.
	index, links, err := g.IndexBlobsLinks(ctx)
	if err != nil {
		return nil, err
	}
	whole := map[string]bool{}
	for p := range index {
		if k := kindOf(p); k == kindPgpass || k == kindService || links[p] {
			whole[p] = true
		}
	}
	bom, err := g.BOMFiles(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range bom {
		whole[p] = true
	}
	// A file git writes out in another encoding (working-tree-encoding)
	// is read from the index, where the commit holds it as UTF-8: the
	// checkout grep read may be UTF-16 with no byte order mark. Only a
	// tracked .gitattributes can set it in a clone, so git check-attr
	// (20 ms of CPU for 20,000 files) runs only when one names it.
	reencoded, err := reencodedFiles(ctx, g, index)
	if err != nil {
		return nil, err
	}
	for _, p := range reencoded {
		if !inLines[p] {
			whole[p] = true
		}
	}
	r := &Report{up: up}
	// A tracked env file (not a template) holding a credential is refused
	// whole, as the hook refuses it (judgeFiles): its line may name
	// neither a URL nor a password word (DB_PASS=...), which the grep
	// looks for. Its lines are then not reported one by one.
	refused, err := r.trackedEnvFiles(ctx, g, index, allow)
	if err != nil {
		return nil, err
	}
	var wp, ids []string
	textual := map[string]bool{} // called binary by an attribute only
	for _, p := range attrBinary {
		if !whole[p] {
			whole[p], textual[p] = true, true
		}
	}
	for p := range whole {
		if _, tracked := index[p]; tracked && !allowed(allow, p) && !refused[p] {
			wp = append(wp, p)
		}
	}
	sort.Strings(wp)
	for _, p := range wp {
		ids = append(ids, index[p])
	}
	capped, capIDs := wp, ids
	wp, ids, err = underScanCap(ctx, g, wp, ids, func(p string) bool { return textual[p] })
	if err != nil {
		return nil, err
	}
	if len(wp) < len(capped) {
		// Over the cap: a text file a .gitattributes calls binary is
		// still judged, by the lines git grep -a matches in it (valid
		// UTF-8: a real binary's bytes around a match are not).
		kept := map[string]bool{}
		for _, p := range wp {
			kept[p] = true
		}
		var over []string
		isOver := map[string]bool{}
		for i, p := range capped {
			if !kept[p] && capIDs[i] != "" {
				over = append(over, p)
				isOver[p] = true
			}
		}
		big, err := g.GrepAll(ctx, pattern, over)
		if err != nil {
			return nil, err
		}
		// A real binary's NUL bytes can shift git grep -z's fields: only
		// the files asked about.
		big = slices.DeleteFunc(big, func(l GrepLine) bool { return !isOver[l.Path] })
		for i := 0; i < len(big); {
			j := i
			var file []AddedLine
			for j < len(big) && big[j].Path == big[i].Path {
				if utf8.ValidString(big[j].Text) {
					file = append(file, AddedLine{Line: big[j].Line, Text: big[j].Text})
				}
				j++
			}
			r.addFindings(big[i].Path, fileCredentials(big[i].Path, file), "committed")
			i = j
		}
	}
	blobs, err := g.Blobs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i, p := range wp {
		if env, _ := envcheck.IsEnvFile(p); textual[p] && !env && !textWithNUL(blobs[i]) {
			// A real binary, as git grep -I judges it; an env file is
			// text to its loaders whatever bytes it holds ("#\x00").
			continue
		}
		text, ok := decodeUTF16(blobs[i])
		if !ok {
			text = string(blobs[i])
		}
		r.addFindings(p, newFileCredentials(p, textLines(text), added.fresh(p)), "committed")
	}
	// git grep lists a file's lines together and in order.
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && lines[j].Path == lines[i].Path {
			j++
		}
		if p := lines[i].Path; !whole[p] && !refused[p] && !allowed(allow, p) {
			file := make([]AddedLine, 0, j-i)
			for _, l := range lines[i:j] {
				file = append(file, AddedLine{Line: l.Line, Text: l.Text})
			}
			r.addFindings(p, newFileCredentials(p, file, added.fresh(p)), "committed")
		}
		i = j
	}
	sort.SliceStable(r.Findings, func(a, b int) bool {
		x, y := r.Findings[a], r.Findings[b]
		if x.File != y.File {
			return x.File < y.File
		}
		return x.Line < y.Line
	})
	return r.Findings, nil
}

// secretKey names variables whose values are credentials: DB_PASS and
// DB_PWD too (PASS or PWD as a whole part of the name: BYPASS_CACHE is
// no password).
var secretKey = lazyre.New(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|(^|_)(PASS|PWD)(_|$))`)

// passwordKey names variables whose values are database passwords, of
// secretKey's names: not a token, API key or other secret, which a
// committed .env.test holds for its tests (JWT_SECRET=supersecret123,
// STRIPE_API_KEY=sk_test_...) and which the CI gate's check, "no real
// database password in tracked files", does not judge.
var passwordKey = lazyre.New(`(?i)(PASSWORD|PASSWD|(^|_)(PASS|PWD)(_|$))`)

// secretName is secretKey.MatchString, and passwordName
// passwordKey.MatchString, without the regular expression for a name of
// ASCII letters, digits and _ (every name a staged env file defines, as a
// rule): the expression's backtracking over each of a 6 KB file's 150
// names was a fifth of the hook's CPU for a new env file. Any other name
// is the expression's (its case folding is Unicode's: ſ is an s).
func secretName(k string) bool {
	u, ok := upperWord(k)
	if !ok {
		return secretKey.MatchString(k)
	}
	for _, w := range []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "API_KEY", "PRIVATEKEY", "PRIVATE_KEY", "ACCESSKEY", "ACCESS_KEY", "CREDENTIAL"} {
		if strings.Contains(u, w) {
			return true
		}
	}
	return passPart(u)
}

func passwordName(k string) bool {
	u, ok := upperWord(k)
	if !ok {
		return passwordKey.MatchString(k)
	}
	return strings.Contains(u, "PASSWORD") || strings.Contains(u, "PASSWD") || passPart(u)
}

// passPart says whether PASS or PWD is a whole _-separated part of u.
func passPart(u string) bool {
	for _, part := range strings.Split(u, "_") {
		if part == "PASS" || part == "PWD" {
			return true
		}
	}
	return false
}

// upperWord is k in upper case when it is ASCII letters, digits and _.
func upperWord(k string) (string, bool) {
	b := []byte(k)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		default:
			return "", false
		}
	}
	return string(b), true
}

// checkEnvFilePasswords is checkEnvFileCredentials for the CI gate's scan
// of files already tracked: only a real database password refuses the
// file (a URL's, loopback hosts exempt, or a password variable's).
func (r *Report) checkEnvFilePasswords(p string, data []byte, state string) bool {
	for _, d := range envload.Definitions(p, data) {
		if len(Credentials(d.Value)) > 0 || passwordName(d.Key) && !isPlaceholder(d.Value) {
			// From the folder the command runs in: the .gitignore of the
			// folder scanned, whose lines name files from it.
			shown, ignore := p, ".gitignore"
			if r.up != "" {
				shown, ignore = path.Join(r.up, p), shellQuote(path.Join(r.up, ".gitignore"))
			}
			r.Findings = append(r.Findings, Finding{File: p, Line: d.Line, Kind: "env-file", Block: true,
				Message: fmt.Sprintf("%s holds a database password (%s) and %s; keep it out: echo %s >> %s && git rm --cached %s (and commit a template such as %s.example instead)",
					displayPath(shown), d.Key, state, shellQuote(ignoreLine(p)), ignore, shellQuote(shown), displayPath(path.Base(p)))})
			return true
		}
	}
	return false
}

// checkEnvFileCredentials blocks a non-template env file holding
// credentials from git at all (state says how it is in git: being added,
// or tracked). It reports whether it did.
func (r *Report) checkEnvFileCredentials(p string, data []byte, state string) bool {
	// Every line any loader reads: one that go-envparse refuses (NOTE=it's)
	// must not hide the secret beside it.
	for _, d := range envload.Definitions(p, data) {
		secret := false
		if len(Credentials(d.Value)) > 0 {
			secret = true
		} else if secretName(d.Key) && !isPlaceholder(d.Value) {
			secret = true
		}
		if secret {
			r.Findings = append(r.Findings, Finding{File: p, Line: d.Line, Kind: "env-file", Block: true,
				Message: fmt.Sprintf("%s holds credentials (%s) and %s; keep it out: echo %s >> .gitignore && git rm --cached %s (and commit a template such as %s.example instead)",
					displayPath(p), d.Key, state, shellQuote(ignoreLine(p)), shellQuote(p), displayPath(path.Base(p)))})
			return true
		}
	}
	return false
}

// checkEnvFiles runs the env guard over the index content of the tracked
// env files, compares templates with them, and warns about env files on
// disk that are not committed but are in effect locally.
func (r *Report) checkEnvFiles(ctx context.Context, g Git, o Options) error {
	// The disk's files are listed while the index is read.
	others := make(chan []string, 1)
	go func() { others <- diskFiles(ctx, o.Repo) }()
	// The Prisma schema and config files are read too, not listed: they
	// decide the variable judged (see indexconfig.go).
	keep := o.indexMatch()
	var tracked, ids, prisma, prismaIDs []string
	var links map[string]bool // the tracked paths staged as symbolic links
	err := g.indexBlobs(ctx, func(p []byte) bool {
		base := p[bytes.LastIndexByte(p, '/')+1:]
		return keep(string(base)) || mayBePrisma(p, base)
	}, func(p, id string, link bool) {
		if keep(path.Base(p)) {
			tracked, ids = append(tracked, p), append(ids, id)
			if link {
				if links == nil {
					links = map[string]bool{}
				}
				links[p] = true
			}
		} else if isPrismaFile(p) {
			prisma, prismaIDs = append(prisma, p), append(prismaIDs, id)
		}
	}, nil)
	if err != nil {
		return err
	}
	// The services' dbguard.yaml files are listed, not read.
	var read, readIDs []string
	for i, p := range tracked {
		if path.Base(p) != config.FileName {
			read, readIDs = append(read, p), append(readIDs, ids[i])
		}
	}
	read, readIDs = append(read, prisma...), append(readIDs, prismaIDs...)
	blobs, onDisk, err := indexContentsOnDisk(ctx, g, o.Repo, read, readIDs)
	if err != nil {
		return err
	}
	for i, p := range read {
		if !links[p] || blobs[i] == nil {
			continue
		}
		// A loader follows the link: what it reads is the file the link
		// leads to, not the link's text.
		data, out, err := followIndexLink(ctx, g, p, blobs[i])
		if err != nil {
			return err
		}
		blobs[i] = data
		if out {
			if env, _ := o.isEnvFile(p); env {
				r.Findings = append(r.Findings, Finding{File: p, Kind: "conflict", Block: true,
					Message: fmt.Sprintf("%s is staged as a link that leads outside the repository (or around a loop): the app's loader would read what it leads to, and the hook reads nothing outside; commit the file itself (git rm --cached %s, then add the file)", displayPath(p), shellQuote(p))})
			}
		}
	}
	all := make(map[string][]byte, len(read))
	same := make(map[string]bool, len(read))
	for i, p := range read {
		same[p] = onDisk[i]
		if blobs[i] != nil {
			all[p] = blobs[i]
		}
	}
	disk := <-others
	// The configuration was loaded from the work tree: when its files
	// there are not the index's, it is loaded again from the index's.
	if o.Load != nil && !o.indexed && (r.configRemoved || configDiffers(o.Repo, slices.Concat(tracked, prisma), slices.Concat(ids, prismaIDs), same)) {
		cfg, scopes, top, done, err := o.indexConfig(ctx, g, untrackedConfig(tracked, disk))
		if err != nil {
			return err
		}
		defer done()
		o.Config, o.Scopes, o.serviceFiles, o.configTop = cfg, scopes, map[string][]string{}, top
	}
	// The env files are judged; the manifests only say who reads them.
	contents := map[string][]byte{}
	for p, data := range all {
		if env, _ := o.isEnvFile(p); env {
			contents[p] = data
		}
	}
	// Every mode the committed files are for: .env.production files must
	// agree with each other as much as the development ones do.
	mode := o.Mode
	if mode == "" {
		mode = o.Config.Env.Mode
	}
	modes := []string{mode}
	for p := range contents {
		if m := envcheck.ModeOf(p); m != "" && !slices.Contains(modes, m) {
			modes = append(modes, m)
		}
	}
	sort.Strings(modes[1:])
	// A submodule's folder needs no reading of its own: the walk of the
	// disk (diskFiles) enters it as any folder.
	listing := workTreeListing(o.Repo, tracked, disk)
	var scopes []Scope
	if o.Scopes != nil {
		if scopes, err = o.Scopes(listing); err != nil {
			return err
		}
	}
	if len(scopes) == 0 {
		scopes = []Scope{{Options: func(m string) envcheck.Options { return envcheck.OptionsFor(o.Config, m, nil) }}}
	}
	reps := make([]*envcheck.Report, len(scopes))
	dq := &decoupleQuestion{g: g}
	for si, sc := range scopes {
		if err := r.checkScope(ctx, sc, all, o.Repo, mode, modes, dq, &reps[si]); err != nil || r.Blocked() > 0 && reps[si] == nil {
			return err
		}
	}
	r.checkTemplates(contents)
	for si, sc := range scopes {
		if reps[si] == nil {
			continue
		}
		if err := r.checkLocal(ctx, o.Repo, listing, sc, reps[si], contents); err != nil {
			return err
		}
	}
	return nil
}

// maxLinkHops bounds a chain of links followed in the index.
const maxLinkHops = 8

// followIndexLink is what a loader reads through the link p, whose index
// blob is its text: the index's content of the file it leads to inside
// the repository, following further links (nil when the index holds no
// such file: after a checkout the link leads nowhere), or out when it
// leads outside the repository (an absolute or ../ target) or around a
// loop.
func followIndexLink(ctx context.Context, g Git, p string, text []byte) (data []byte, out bool, err error) {
	id, out, err := followIndexLinkID(ctx, g, p, text)
	if id == "" || out || err != nil {
		return nil, out, err
	}
	blobs, err := g.Blobs(ctx, []string{id})
	if err != nil {
		return nil, false, err
	}
	return blobs[0], false, nil
}

// followIndexLinkID is followIndexLink's target as its blob id, unread
// ("" when the index holds no such file), so that its size can be asked
// first.
func followIndexLinkID(ctx context.Context, g Git, p string, text []byte) (id string, out bool, err error) {
	hops := 0
	for ; hops < maxLinkHops; hops++ {
		t := string(text)
		if t == "" || path.IsAbs(t) || strings.ContainsAny(t, "\n\x00") {
			return "", true, nil
		}
		next := path.Join(path.Dir(p), t)
		if next == ".." || strings.HasPrefix(next, "../") {
			return "", true, nil
		}
		// A folder on the way may be a link too (cfg -> config, then
		// cfg/db.env): the system follows it, so the index is read
		// through it.
		next, out, err = indexFolders(ctx, g, next, &hops)
		if out || err != nil || next == "" {
			return "", out, err
		}
		eid, link, ok, err := g.IndexEntry(ctx, next)
		if err != nil || !ok {
			return "", false, err
		}
		if !link {
			return eid, false, nil
		}
		blobs, err := g.Blobs(ctx, []string{eid})
		if err != nil {
			return "", false, err
		}
		p, text = next, blobs[0]
	}
	return "", true, nil
}

// indexFolders is p with each folder on its way that the index holds as a
// link replaced by where the link leads, as the system resolves a path
// (hops counts the links followed, with followIndexLink's); "" when a
// folder on the way is a file, out when a link leads outside the
// repository or the hops run out.
func indexFolders(ctx context.Context, g Git, p string, hops *int) (string, bool, error) {
	parts := strings.Split(p, "/")
	for i := 0; i < len(parts)-1; i++ {
		dir := strings.Join(parts[:i+1], "/")
		id, link, ok, err := g.IndexEntry(ctx, dir)
		if err != nil || !ok {
			if err != nil {
				return "", false, err
			}
			continue // a folder (or nothing): the index holds no entry for it
		}
		if !link {
			return "", false, nil
		}
		if *hops++; *hops >= maxLinkHops {
			return "", true, nil
		}
		blobs, err := g.Blobs(ctx, []string{id})
		if err != nil {
			return "", false, err
		}
		t := string(blobs[0])
		if t == "" || path.IsAbs(t) || strings.ContainsAny(t, "\n\x00") {
			return "", true, nil
		}
		next := path.Join(path.Dir(dir), t, strings.Join(parts[i+1:], "/"))
		if next == ".." || strings.HasPrefix(next, "../") {
			return "", true, nil
		}
		parts, i = strings.Split(next, "/"), -1
	}
	return strings.Join(parts, "/"), false, nil
}

// checkScope judges the staged env files of one unit in every mode; rep
// is the report in the mode given, nil when a file is malformed (then a
// blocking finding says so).
func (r *Report) checkScope(ctx context.Context, sc Scope, all map[string][]byte, repo, mode string, modes []string, dq *decoupleQuestion, out **envcheck.Report) error {
	prefix := ""
	if sc.Label != "" {
		prefix = sc.Label + ": "
	}
	var rep *envcheck.Report
	reported := map[string]bool{}
	for _, m := range modes {
		eo := sc.Options(m)
		eo.Root, eo.Contents = repo, all
		mrep, err := envcheck.Resolve(ctx, eo)
		if err != nil {
			var pe *envcheck.ParseError
			var le *envload.ParseError
			var ve *envcheck.ValueError
			switch {
			case errors.As(err, &pe):
				r.Findings = append(r.Findings, Finding{File: pe.File, Line: pe.Line, Kind: "conflict", Block: true, Message: prefix + "malformed env file: " + pe.Msg})
			case errors.As(err, &le):
				r.Findings = append(r.Findings, Finding{File: le.File, Line: le.Line, Kind: "conflict", Block: true, Message: prefix + fmt.Sprintf("malformed env file: %s cannot read it: %s", le.Loader, le.Msg)})
			case errors.As(err, &ve):
				r.Findings = append(r.Findings, Finding{File: strings.SplitN(ve.Location, ":", 2)[0], Kind: "conflict", Block: true, Message: prefix + ve.Error()})
			default:
				return err
			}
			return nil
		}
		if len(mrep.Databases) >= 2 && assumesDecouple(mrep) {
			// The manifest's python-decouple is assumed; env drops it
			// where no Python code names decouple. Asked of the index's
			// code only now, so a commit without such a conflict costs
			// nothing more.
			unused, err := dq.ask(ctx)
			if err != nil {
				return err
			}
			if unused {
				eo.DecoupleUnused = true
				if again, err := envcheck.Resolve(ctx, eo); err == nil {
					mrep = again
				}
			}
		}
		if m == mode {
			rep = mrep
		}
		if len(mrep.Databases) < 2 {
			continue
		}
		for i, db := range mrep.Databases {
			for _, s := range db.Sources {
				if reported[s.Def.Location()] {
					continue
				}
				reported[s.Def.Location()] = true
				r.Findings = append(r.Findings, Finding{File: s.Def.File, Line: s.Def.Line, Kind: "conflict", Block: true,
					Message: prefix + fmt.Sprintf("%s names database %d of %d in mode %s: %s (%s); the env files, as the commit would leave them, must all name one database", s.Var, i+1, len(mrep.Databases), m, db.ID, s.URL.Redacted())})
			}
		}
	}
	*out = rep
	return nil
}

// checkTemplates warns when a template lacks keys its directory's env
// files define.
func (r *Report) checkTemplates(contents map[string][]byte) {
	// Only the folders that hold a template are read for their names:
	// each reading parses a file in six dialects, and on 3,000 staged env
	// files of 6 KB in folders without one that was a third of the hook's
	// CPU, for names nothing compared.
	var templates []string
	keys := map[string]map[string]bool{} // dir -> keys defined by env files
	for p := range contents {
		if env, template := envcheck.IsEnvFile(p); env && template {
			templates = append(templates, p)
			keys[path.Dir(p)] = map[string]bool{}
		}
	}
	for p, data := range contents {
		env, template := envcheck.IsEnvFile(p)
		dir := path.Dir(p)
		if !env || template || keys[dir] == nil {
			continue
		}
		for _, d := range envload.Definitions(p, data) {
			keys[dir][d.Key] = true
		}
	}
	sort.Strings(templates)
	for _, t := range templates {
		defs := envload.Definitions(t, contents[t])
		has := map[string]bool{}
		for _, d := range defs {
			has[d.Key] = true
		}
		var missing []string
		for k := range keys[path.Dir(t)] {
			if !has[k] {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			r.Findings = append(r.Findings, Finding{File: t, Kind: "template",
				Message: fmt.Sprintf("template lacks %s, defined by the env files beside it; add them with placeholder values", strings.Join(missing, ", "))})
		}
	}
}

// checkLocal warns about env files on disk that git does not have (new or
// ignored) and that name a database the committed ones do not.
func (r *Report) checkLocal(ctx context.Context, repo string, listing *envcheck.Listing, sc Scope, committed *envcheck.Report, contents map[string][]byte) error {
	eo := sc.Options(committed.Mode)
	eo.Root, eo.Listing = repo, listing
	disk, err := envcheck.Resolve(ctx, eo)
	if err != nil {
		return nil // a problem on disk that is not being committed is not the hook's to block
	}
	known := map[dburl.Identity]bool{}
	for _, db := range committed.Databases {
		known[db.ID] = true
	}
	for _, s := range disk.Sources {
		if _, tracked := contents[s.Def.File]; tracked || !s.InEffect || known[s.ID] {
			continue
		}
		r.Findings = append(r.Findings, Finding{File: s.Def.File, Line: s.Def.Line, Kind: "local-env",
			Message: scopePrefix(sc) + fmt.Sprintf("not committed (untracked or ignored) but in effect here: %s names %s, which no committed env file names", s.Var, s.ID)})
	}
	return nil
}

func scopePrefix(sc Scope) string {
	if sc.Label == "" {
		return ""
	}
	return sc.Label + ": "
}

// assumesDecouple reports whether a report's readings count
// python-decouple as in use.
func assumesDecouple(rep *envcheck.Report) bool {
	for _, rd := range rep.Readings {
		if rd.Loader == "python-decouple" && rd.InUse {
			return true
		}
	}
	return false
}

// decoupleQuestion asks git once whether the index holds Python code and
// none of it names decouple: then python-decouple, though a manifest names
// it, is not what the code loads with (env's rule, which reads the code on
// the disk: python_calls.go's unusedDecouple).
type decoupleQuestion struct {
	g      Git
	asked  bool
	unused bool
	err    error
}

func (q *decoupleQuestion) ask(ctx context.Context) (bool, error) {
	if q.asked {
		return q.unused, q.err
	}
	q.asked = true
	// Exit 1 and nothing said: no file matched.
	_, err := q.g.run(ctx, nil, "grep", "--cached", "--no-color", "-l", "-F", "-e", "decouple", "--", "*.py")
	var ge *GitError
	var ee *exec.ExitError
	switch {
	case err == nil:
		return false, nil // a file names it
	case errors.As(err, &ge) && errors.As(ge.Err, &ee) && ee.ExitCode() == 1 && ge.Stderr == "":
	default:
		q.err = err
		return false, err
	}
	out, err := q.g.run(ctx, nil, "ls-files", "--cached", "-z", "--", "*.py")
	if err != nil {
		q.err = err
		return false, err
	}
	// With no Python code at all, the assumption stays (as env keeps it).
	q.unused = len(out) > 0
	return q.unused, nil
}
