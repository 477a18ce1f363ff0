package pullrequest

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/output"
)

// RemovedServices are the services of the base revision that the pull
// request takes out of the gate: listed under the base's root services:
// and no longer a service, or a folder whose dbguard.yaml the pull
// request deletes (not renames) and that is no service any more. root is
// the pull request's root configuration, now its services' folders
// (slash paths from the root). Each is a warning of the config check at
// the root's dbguard.yaml (failed under --strict), as a change of a
// trust-bearing setting is: a reviewer sees the removal, and a team that
// wants it blocking runs --strict. Nothing when the base cannot be read:
// a removal cannot be told then.
func (b *Base) RemovedServices(ctx context.Context, repo string, root *config.Config, now []string) ([]config.TrustChange, error) {
	rev, top, _, _ := b.resolve(ctx, repo)
	if rev == "" {
		return nil, nil
	}
	if top == "" {
		t, err := gitIn(ctx, repo, "rev-parse", "--show-toplevel")
		if err != nil {
			return nil, nil
		}
		top = strings.TrimRight(string(t), "\n")
	}
	rootRel, err := filepath.Rel(top, root.Root)
	if err != nil || !filepath.IsLocal(rootRel) && rootRel != "." {
		if real, rerr := filepath.EvalSymlinks(root.Root); rerr == nil {
			rootRel, err = filepath.Rel(top, real)
		}
		if err != nil || !filepath.IsLocal(rootRel) && rootRel != "." {
			return nil, nil
		}
	}
	rootRel = filepath.ToSlash(rootRel)
	// file and line: where the warning stands when root has no file of
	// its own (the pull request deleted it, or the walk found the base's
	// above): the base's file the removal is read from, not the gate's
	// fallback (.env).
	type gone struct {
		name, path, how string
		to              string // the service's new folder, when the pull request moved it
		file            string
		line            int
	}
	var removed []gone
	seen := map[string]bool{}
	for _, p := range now {
		seen[path.Clean(p)] = true
	}
	// The pull request's services by name: an entry of the base's whose
	// name the pull request lists at another path was moved, not removed
	// (git mv services/api services/accounts, and its path: in services:).
	named := map[string]string{}
	for _, e := range root.Services {
		p := path.Clean(filepath.ToSlash(e.Path))
		name := e.Name
		if name == "" {
			name = path.Base(p)
		}
		named[name] = p
	}
	if base, err := readConfig(ctx, top, rev, filepath.Join(root.Root, config.FileName)); err == nil {
		for _, e := range base.Services {
			p := path.Clean(filepath.ToSlash(e.Path))
			if p == "." || seen[p] {
				continue
			}
			name := e.Name
			if name == "" {
				name = path.Base(p)
			}
			seen[p] = true
			removed = append(removed, gone{name, p, "the base lists it under services:", named[name], base.Path, base.Line("services")})
		}
	}
	// git pairs the dbguard.yaml files alone, as renamedTo does: over
	// the whole tree any file the pull request adds with the deleted
	// file's text (docs/notes.txt) was its "rename", and the removal went
	// unsaid (ci_attack_pr_service_removed_decoy.txtar).
	out, err := b.gitDiff(ctx, top, "--no-ext-diff", "--no-textconv", "--no-relative",
		"--name-only", "-z", "--diff-filter=D", "-M", "--end-of-options", rev, "--", ":(glob)**/"+config.FileName)
	if err != nil {
		return nil, err
	}
	for _, f := range strings.Split(string(out), "\x00") {
		if path.Base(f) != config.FileName {
			continue
		}
		dir := path.Dir(f)
		if rootRel != "." {
			rest, ok := strings.CutPrefix(dir, rootRel+"/")
			if !ok {
				continue
			}
			dir = rest
		}
		if dir == "." || dir == rootRel || seen[dir] {
			continue
		}
		seen[dir] = true
		removed = append(removed, gone{path.Base(dir), dir, "it deletes " + dir + "/" + config.FileName, "", filepath.Join(top, filepath.FromSlash(f)), 0})
	}
	slices.SortFunc(removed, func(a, b gone) int { return strings.Compare(a.path, b.path) })
	var changes []config.TrustChange
	for _, g := range removed {
		file, line := root.Path, root.Line("services")
		if file == "" {
			file, line = g.file, g.line
		}
		if g.to != "" {
			// Still in the gate, at its new folder: saying "removes" and
			// "ci does not judge it" beside its checks misled the reader.
			changes = append(changes, config.TrustChange{Key: "services", File: file, Line: line,
				Note: fmt.Sprintf("this pull request moves service %s from %s/ to %s/ (its path: under services:); ci judges it at %[3]s/ and no longer judges %[2]s/: review the move (this warning fails under --strict)",
					output.Escape(g.name), output.Escape(g.path), output.Escape(g.to))})
			continue
		}
		changes = append(changes, config.TrustChange{Key: "services", File: file, Line: line,
			Note: fmt.Sprintf("this pull request removes service %s (%s/) from the gate (%s); ci does not judge it on this pull request: review the removal (this warning fails under --strict)",
				output.Escape(g.name), output.Escape(g.path), output.Escape(g.how))})
	}
	return changes, nil
}
