package hooks

import (
	"context"
	"slices"
	"sync"

	"github.com/dbguard/dbguard/internal/envcheck"
)

// listedMatcher is the names env discovery and the services' discovery
// look at (listedNames); built on first use, as only the hook needs it.
var listedMatcher = sync.OnceValue(func() nameMatcher { return newNameMatcher(listedNames) })

// diskFiles lists the work tree's files whose base name discovery looks at
// (env files, manifests, dbguard.yaml), tracked or not, ignored ones
// included (an ignored .env is what a loader reads), inside nested
// repositories and submodules too (git lists neither): with the index's,
// the listing that stands for discovery's walks (see workTreeListing).
//
// It reads each folder once, opening each below the one before it (a
// folder swapped for a link is not entered, so the walk cannot leave the
// repository), tests a name before it builds a path, never enters a link
// or a folder discovery skips (envcheck.SkippedDir) and asks nothing of
// git: git ls-files --others read the index and hashed its 20,000 names
// (40 ms of CPU in the bench's repository) only to leave out the tracked
// files the index lists anyway. A folder it cannot read is listed with a
// slash at the end, so that discovery reads the disk there and says what
// it could not read. nil (walk the disk) when the top cannot be read.
func diskFiles(ctx context.Context, repo string) []string {
	paths, err := listTree(ctx, repo, listedMatcher(), envcheck.SkippedDir)
	if err != nil {
		return nil
	}
	return slices.Clip(paths)
}

// joinRel is path.Join for a folder relative to the top ("." for it) and
// a name.
func joinRel(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}
