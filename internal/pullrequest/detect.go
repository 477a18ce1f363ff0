package pullrequest

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/tool"
)

// A dbguard.yaml without migrations.tool leaves the tool to detection,
// which reads the files of the tree: a pull request that adds a root
// migrations/0001_x.up.sql to a project whose Prisma lives in backend/
// would make ci read golang-migrate's table and never Prisma's checksums.
// So on a pull request whose base sets no tool, the tool is detected as
// the base revision's tree has it: the files detection reads are copied
// out of git into a temporary folder (nothing checked out, nothing run)
// and detection runs there.

// detectionMark says whether detection reads the file at rel (relative
// to the project root, slashed) when Prisma, Alembic, dbmate or goose
// runs in work (".": the root, or any direct subfolder), or the
// migrations folder dir holds it: copied whole, as a name only (a
// golang-migrate file: only its name is read), or not at all.
func detectionMark(rel, work, dir string, seen map[string]bool) copyAs {
	in := []string{rel}
	if work != "." {
		cut, ok := strings.CutPrefix(rel, work+"/")
		if !ok {
			in = nil
		} else {
			in = []string{cut}
		}
	} else if first, rest, ok := strings.Cut(rel, "/"); ok && !strings.HasPrefix(first, ".") && first != "node_modules" && first != "vendor" {
		in = append(in, rest) // a direct subfolder's marks
	}
	name := path.Base(rel)
	sql := strings.HasSuffix(name, ".sql")
	golangMigrate := strings.HasSuffix(name, ".up.sql") || strings.HasSuffix(name, ".down.sql")
	if sql && path.Dir(rel) == dir {
		if golangMigrate {
			// One name is all detection asks of a golang-migrate folder.
			if seen[path.Dir(rel)] {
				return copyNot
			}
			seen[path.Dir(rel)] = true
			return copyName
		}
		return copyWhole
	}
	for _, r := range in {
		d := path.Dir(r)
		switch {
		case r == "alembic.ini", r == "package.json", strings.HasSuffix(r, ".prisma"),
			d == "." && strings.HasPrefix(r, "prisma"), strings.HasPrefix(r, ".config/"):
			return copyWhole
		case sql && !golangMigrate && (d == "migrations" || d == "db/migrations"):
			return copyWhole
		}
	}
	return copyNot
}

// baseTool is the tool detection finds in the base revision's tree at
// rev for the base's migrations.workdir and dir (baseCfg's: the pull
// request's workdir could point detection at a folder with no marks),
// with what the pull request's tree detects for cfg's, when they differ;
// (nil, nil, "") when they agree. why says what kept it from reading the
// base's.
func baseTool(ctx context.Context, top, rev string, cfg, baseCfg *config.Config) (base, pr *tool.Detected, why string) {
	pr, err := tool.DetectAt(cfg, cfg.Root)
	if err != nil {
		return nil, nil, "" // the configuration error loading gives
	}
	project, ok := projectIn(top, cfg.Root)
	if !ok {
		return nil, nil, ""
	}
	bc := *cfg
	bc.Migrations.Workdir, bc.Migrations.Dir, bc.DirGiven = baseCfg.Migrations.Workdir, baseCfg.Migrations.Dir, baseCfg.DirGiven
	if !bc.DirGiven && bc.Migrations.Dir == "" {
		bc.Migrations.Dir = cfg.Migrations.Dir
	}
	work, err := filepath.Rel(bc.Root, bc.Workdir())
	if err != nil {
		return nil, nil, err.Error()
	}
	dir, err := filepath.Rel(bc.Root, bc.MigrationsDir())
	if err != nil || !filepath.IsLocal(dir) {
		return nil, nil, ""
	}
	work, dir = filepath.ToSlash(work), filepath.ToSlash(dir)
	tmp, err := os.MkdirTemp("", "dbguard-base-tool-")
	if err != nil {
		return nil, nil, err.Error()
	}
	defer os.RemoveAll(tmp)
	seen := map[string]bool{}
	keep := func(rel string) copyAs { return detectionMark(rel, work, dir, seen) }
	if why := copyFromBase(ctx, top, rev, project, tmp, keep); why != "" {
		return nil, nil, why
	}
	base, err = tool.DetectAt(&bc, tmp)
	if err != nil {
		return nil, nil, err.Error()
	}
	if base.Kind == pr.Kind && base.Workdir == pr.Workdir {
		return nil, nil, ""
	}
	return base, pr, ""
}

// judgeTool makes cfg, a pull request's configuration whose base sets
// no migrations.tool, judge with the tool the base revision's tree
// detects, and returns the change for the gate to report (nil when the
// pull request's tree detects the same).
//
// missing: a partial clone lacks the base's files detection reads; the
// caller stops, naming the fetch, rather than judge with the pull
// request's tool.
func judgeTool(ctx context.Context, top, rev string, cfg, baseCfg *config.Config) (change *config.TrustChange, missing bool) {
	if cfg.Migrations.Tool != "" {
		return nil, false // the base's dbguard.yaml names it
	}
	base, pr, why := baseTool(ctx, top, rev, cfg, baseCfg)
	if missingBlob(why) {
		return nil, true
	}
	if why != "" {
		return &config.TrustChange{Key: "migrations.tool", File: cfg.Path,
			Note: "the base branch's files that detect the migrations tool could not be read (" + output.Clip(why, 200) + "); ci judges this pull request with the tool its own files detect"}, false
	}
	if base == nil {
		return nil, false
	}
	cfg.Migrations.Tool = string(base.Kind)
	cfg.Migrations.Workdir = base.Workdir // where the base's tool is
	if base.Workdir == "." {
		cfg.Migrations.Workdir = ""
	}
	at := cfg.Path
	if pr.Mark != "" {
		at = filepath.Join(cfg.Root, filepath.FromSlash(pr.Mark))
	}
	return &config.TrustChange{Key: "migrations.tool", File: at,
		Note: fmt.Sprintf("this pull request changes the migrations tool dbguard detects (%s); ci judges with the base branch's (%s) until it is merged",
			describeTool(pr), describeTool(base))}, false
}

func describeTool(d *tool.Detected) string {
	s := string(d.Kind)
	if d.Workdir != "." {
		s += " in " + output.Escape(d.Workdir) + "/"
	}
	if d.Mark != "" {
		s += ", from " + output.Escape(d.Mark)
	}
	return s
}
