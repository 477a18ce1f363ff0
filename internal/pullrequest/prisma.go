package pullrequest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/tool"
)

// A Prisma project whose dbguard.yaml leaves database.url_var unset judges
// the variables its schema names (url = env("..."), directUrl), and those
// are files of the pull request too: url = env("STAGING_DATABASE_URL")
// would make ci judge another database the job holds. So on a pull
// request the variables come from the base revision's Prisma files, read
// as dbguard reads them, from a copy of just those files in a temporary
// folder (no checkout of the work tree, nothing run).

// Bounds on the copy: what is listed, and what is copied.
const (
	maxPrismaListing = 64 << 20
	maxPrismaFiles   = 2000
	maxPrismaBytes   = 32 << 20
)

// prismaChange judges cfg's Prisma variables (after tool.AdoptURLVars on
// the pull request's files) against the base revision's: when they
// differ, cfg's database settings become written (the base's settings as
// its dbguard.yaml gives them) with the base's Prisma variables adopted,
// and the change is returned for the gate to report.
func prismaChange(ctx context.Context, top, rev string, cfg *config.Config, written config.Database, urlGiven bool) (*config.TrustChange, error) {
	if p, err := tool.Resolve(cfg); err != nil || p.Kind != tool.Prisma {
		return nil, nil // not a Prisma project here: nothing was adopted
	}
	prURL, prDirect, file, line, err := tool.DatasourceVars(cfg.Root, cfg.Workdir())
	if err != nil {
		return nil, nil // adoption said so already
	}
	baseURL, baseDirect, why := basePrismaVars(ctx, top, rev, cfg)
	if missingBlob(why) {
		return nil, errMissingBlob
	}
	if why == "" && prURL == baseURL && prDirect == baseDirect {
		return nil, nil
	}
	db := written
	db.DirectURLVars = slices.Clone(written.DirectURLVars)
	if why == "" {
		tool.AdoptVars(&db, urlGiven, baseURL, baseDirect)
	}
	cfg.Database = db
	at := file
	if at != "" {
		at = filepath.Join(cfg.Root, filepath.FromSlash(file))
	} else {
		at = cfg.Path
	}
	if why == "" && prURL == baseURL {
		// directUrl alone changed: at its line.
		if l := tool.DatasourceDirectLine(cfg.Root, cfg.Workdir()); l > 0 {
			line = l
		}
	}
	ch := &config.TrustChange{Key: "the Prisma datasource's variables", File: at, Line: line}
	name := func(v string) string {
		if v == "" {
			return "none"
		}
		return v
	}
	switch {
	case why != "":
		ch.Note = fmt.Sprintf("the base branch's Prisma schema could not be read (%s); ci judges this pull request with %s, as dbguard.yaml names it",
			output.Clip(why, 200), db.URLVar)
	default:
		ch.Note = fmt.Sprintf("this pull request changes the variables its Prisma datasource reads (url %s, directUrl %s); ci judges with the base branch's (url %s, directUrl %s) until it is merged",
			output.Escape(name(prURL)), output.Escape(name(prDirect)), output.Escape(name(baseURL)), output.Escape(name(baseDirect)))
	}
	return ch, nil
}

// basePrismaVars reads the Prisma datasource's variables of rev: the
// files Prisma's schema and config can be in (below the project root:
// every .prisma file, and in the folder Prisma runs in package.json,
// prisma* and .config/), copied into a temporary folder as they are in
// rev, read there. why says what kept it from reading them.
func basePrismaVars(ctx context.Context, top, rev string, cfg *config.Config) (url, direct, why string) {
	project, ok := projectIn(top, cfg.Root)
	if !ok {
		return "", "", "the project is outside the repository"
	}
	work, err := filepath.Rel(cfg.Root, cfg.Workdir())
	if err != nil {
		return "", "", err.Error()
	}
	project, work = filepath.ToSlash(project), filepath.ToSlash(work)
	tmp, err := os.MkdirTemp("", "dbguard-base-prisma-")
	if err != nil {
		return "", "", err.Error()
	}
	defer os.RemoveAll(tmp)
	keep := func(rel string) copyAs {
		if prismaCandidate(rel, work) {
			return copyWhole
		}
		return copyNot
	}
	if why := copyFromBase(ctx, top, rev, project, tmp, keep); why != "" {
		return "", "", why
	}
	u, d, _, _, err := tool.DatasourceVars(tmp, filepath.Join(tmp, filepath.FromSlash(work)))
	if err != nil {
		return "", "", err.Error()
	}
	return u, d, ""
}

// prismaCandidate says whether rel (from the project root) may be read
// for the datasource when Prisma runs in work: a .prisma file anywhere;
// package.json in work and each folder above it; in work, prisma* and
// .config/.
func prismaCandidate(rel, work string) bool {
	if strings.HasSuffix(rel, ".prisma") {
		return true
	}
	if path.Base(rel) == "package.json" {
		// Prisma's CLI reads the nearest package.json up from work
		// (tool.packageSchemaUp): each one above it too.
		d := path.Dir(rel)
		return d == "." || d == work || strings.HasPrefix(work, d+"/")
	}
	in := rel
	if work != "." {
		var ok bool
		if in, ok = strings.CutPrefix(rel, work+"/"); !ok {
			return false
		}
	}
	// A config file (prisma.config.ts, prisma7.config.mjs, .config/...),
	// never what the prisma folder holds besides schemas (its migrations).
	return in == "package.json" || path.Dir(in) == "." && strings.HasPrefix(in, "prisma") || strings.HasPrefix(in, ".config/")
}

// copyAs is how copyFromBase copies a file of the base revision.
type copyAs int

const (
	copyNot   copyAs = iota
	copyWhole        // its contents
	copyName         // an empty file of its name: only the name is read
)

// copyFromBase copies the files of rev below project (relative to the
// repository's top folder, "." for all) that keep chooses (by their path
// relative to project) into tmp, as rev has them: regular files only, of
// at most 1 MiB each, within maxPrismaFiles and maxPrismaBytes; the
// contents from one git cat-file --batch (a process per file would cost a
// fork and exec each). The answer is what kept it from copying them.
func copyFromBase(ctx context.Context, top, rev, project, tmp string, keep func(rel string) copyAs) string {
	// The names first, without sizes: ls-tree -l looks every blob up
	// (0.01-0.02 s of CPU for this repository's 1,600 files); the sizes
	// of the few files kept are a second listing's.
	args := []string{"--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", rev}
	if project != "." {
		args = append(args, "--", project)
	}
	out, err := gitIn(ctx, top, args...)
	if err != nil {
		return err.Error()
	}
	if len(out) > maxPrismaListing {
		return "the base revision lists too many files"
	}
	relOf := func(name string) string {
		if project != "." {
			return strings.TrimPrefix(name, project+"/")
		}
		return name
	}
	var whole []string // tree paths whose contents are copied
	var names []string
	for _, entry := range strings.Split(string(out), "\x00") {
		meta, name, ok := strings.Cut(entry, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 || (f[0] != "100644" && f[0] != "100755") {
			continue
		}
		rel := relOf(name)
		if !filepath.IsLocal(filepath.FromSlash(rel)) {
			continue
		}
		switch keep(rel) {
		case copyWhole:
			if len(whole) >= maxPrismaFiles {
				return "the base revision holds too many files to read"
			}
			whole = append(whole, name)
		case copyName:
			if len(names) < maxPrismaFiles {
				names = append(names, rel)
			}
		}
	}
	type blob struct{ id, rel string }
	var want []blob
	if len(whole) > 0 {
		out, err := gitIn(ctx, top, append([]string{"--literal-pathspecs", "ls-tree", "-r", "-z", "-l", "--full-tree", rev, "--"}, whole...)...)
		if err != nil {
			return err.Error()
		}
		total := int64(0)
		for _, entry := range strings.Split(string(out), "\x00") {
			meta, name, ok := strings.Cut(entry, "\t")
			f := strings.Fields(meta)
			if !ok || len(f) != 4 || (f[0] != "100644" && f[0] != "100755") {
				continue
			}
			size, err := strconv.ParseInt(f[3], 10, 64)
			if err != nil || size > 1<<20 {
				continue // over what dbguard reads of a schema or config
			}
			if total += size; total > maxPrismaBytes {
				return "the base revision holds too many files to read"
			}
			want = append(want, blob{f[2], relOf(name)})
		}
	}
	for _, rel := range names {
		dst := filepath.Join(tmp, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err.Error()
		}
		if err := os.WriteFile(dst, nil, 0o600); err != nil {
			return err.Error()
		}
	}
	if len(want) == 0 {
		return ""
	}
	var in strings.Builder
	for _, b := range want {
		in.WriteString(b.id + "\n")
	}
	data, err := gitInput(ctx, top, in.String(), "cat-file", "--batch")
	if err != nil {
		return err.Error()
	}
	for _, b := range want {
		// "<id> blob <size>\n<contents>\n"
		head, rest, ok := bytes.Cut(data, []byte("\n"))
		f := strings.Fields(string(head))
		if !ok || len(f) != 3 || f[0] != b.id || f[1] != "blob" {
			return "git cat-file --batch: unexpected answer"
		}
		n, err := strconv.Atoi(f[2])
		if err != nil || n < 0 || n+1 > len(rest) {
			return "git cat-file --batch: unexpected answer"
		}
		dst := filepath.Join(tmp, filepath.FromSlash(b.rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err.Error()
		}
		if err := os.WriteFile(dst, rest[:n], 0o600); err != nil {
			return err.Error()
		}
		data = rest[n+1:]
	}
	return ""
}

// projectIn is root relative to the repository's top folder, slashed
// ("." the top itself); false when it is outside.
func projectIn(top, root string) (string, bool) {
	project, err := filepath.Rel(top, root)
	if err != nil || !filepath.IsLocal(project) && project != "." {
		// The top folder as git reports it has its links resolved.
		if real, rerr := filepath.EvalSymlinks(root); rerr == nil {
			project, err = filepath.Rel(top, real)
		}
		if err != nil || !filepath.IsLocal(project) && project != "." {
			return "", false
		}
	}
	return filepath.ToSlash(project), true
}
