package tool

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/safefile"
)

// prismaBin is the project's installed Prisma CLI that migrate up runs,
// relative to workdir ("node_modules/.bin/prisma", or a folder's above it
// up to root, as npm run and npx put each node_modules/.bin from the
// package up to the workspace's top on PATH). Never npx: with no local
// prisma (a Yarn Plug'n'Play or pnpm project without node_modules, a
// fresh clone), npx fetches and runs whatever the registry (which a
// repository's .npmrc may name) has, even non-interactively; --no-install
// still asks the registry and --offline runs any cached one (npm 11.19).
// A bin that leads out of the project (a link) is not run: nothing
// outside the project runs as the project's Prisma.
func prismaBin(root, workdir string) (string, error) {
	if root == "" {
		root = workdir
	}
	for dir := workdir; ; dir = filepath.Dir(dir) {
		bin := filepath.Join(dir, "node_modules", ".bin", "prisma")
		if _, err := os.Lstat(bin); err == nil {
			shown := output.Escape(output.RelPath(bin))
			if !inside(root, bin) {
				return "", &exitcode.Advice{Code: exitcode.Usage,
					Msg:  fmt.Sprintf("%s leads outside the project (a link): dbguard runs only the project's own Prisma CLI, installed inside it", shown),
					Next: fmt.Sprintf("remove the link and install the project's packages: rm %s && %s; then run the command again", output.ShellWord(output.RelPath(bin)), prismaInstall(root, workdir))}
			}
			if st, err := os.Stat(bin); err != nil || !st.Mode().IsRegular() {
				return "", &exitcode.Advice{Code: exitcode.Usage,
					Msg:  fmt.Sprintf("%s is not a program dbguard can run (a dangling link or not a file)", shown),
					Next: fmt.Sprintf("install the project's packages: %s; then run the command again", prismaInstall(root, workdir))}
			}
			rel, err := filepath.Rel(workdir, bin)
			if err != nil {
				return "", err
			}
			return rel, nil
		}
		if lastUp(root, dir) {
			break
		}
	}
	return "", &exitcode.Advice{Code: exitcode.Usage,
		Msg:  fmt.Sprintf("no Prisma CLI is installed in %s (node_modules/.bin/prisma there or in a folder above it in the project): dbguard runs only the project's own Prisma, never npx, which would download and run whatever Prisma the registry has", output.Escape(output.RelPath(filepath.Join(workdir, "node_modules")))),
		Next: fmt.Sprintf("install the project's packages: %s; then run the command again", prismaInstall(root, workdir))}
}

// prismaInstall is the command that installs the project's Prisma CLI
// where prismaBin looks, as it runs from the current folder: the package
// manager whose lockfile is nearest workdir (up to root) installs in the
// lockfile's folder; a Yarn Plug'n'Play project first gets node_modules;
// without a lockfile, npm, adding prisma when package.json lacks it.
func prismaInstall(root, workdir string) string {
	if root == "" {
		root = workdir
	}
	listed := packageLists(workdir, "prisma")
	for dir := workdir; ; dir = filepath.Dir(dir) {
		for _, l := range [...]struct{ file, install, add string }{
			{"pnpm-lock.yaml", "pnpm install", "pnpm add -D prisma"},
			{"yarn.lock", "yarn install", "yarn add -D prisma"},
			{"bun.lock", "bun install", "bun add -d prisma"}, {"bun.lockb", "bun install", "bun add -d prisma"},
			{"package-lock.json", "npm ci", "npm install --save-dev prisma"},
			{"npm-shrinkwrap.json", "npm ci", "npm install --save-dev prisma"},
		} {
			fi, err := os.Lstat(filepath.Join(dir, l.file))
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			cmd := l.install
			// Plug'n'Play installs no node_modules: nothing to run, until
			// the linker says so (yarn config set writes the project's
			// .yarnrc.yml from any of its folders).
			pnp := l.file == "yarn.lock" && (exists(filepath.Join(dir, ".pnp.cjs")) || exists(filepath.Join(dir, ".pnp.js")))
			if !listed {
				cmd = l.add
				if pnp {
					// Before, yarn add -D prisma alone: added under
					// Plug'n'Play, still no node_modules/.bin/prisma, and
					// the next run gave a second hint.
					cmd = "yarn config set nodeLinker node-modules && " + cmd
				}
				// Added in the package's folder, not the lockfile's.
				return InWorkdir(workdir) + cmd
			}
			if pnp {
				cmd = "yarn config set nodeLinker node-modules && yarn install"
			}
			return InWorkdir(dir) + cmd
		}
		if lastUp(root, dir) {
			break
		}
	}
	if listed {
		return InWorkdir(workdir) + "npm install"
	}
	return InWorkdir(workdir) + "npm install --save-dev prisma"
}

// packageLists reports whether dir's package.json names pkg among its
// dependencies or devDependencies.
func packageLists(dir, pkg string) bool {
	data, err := safefile.ReadUnder(dir, "package.json", maxPackageJSON)
	if err != nil {
		return false
	}
	var p struct {
		Deps    map[string]json.RawMessage `json:"dependencies"`
		DevDeps map[string]json.RawMessage `json:"devDependencies"`
	}
	if json.Unmarshal(data, &p) != nil {
		return false
	}
	_, dep := p.Deps[pkg]
	_, dev := p.DevDeps[pkg]
	return dep || dev
}

// lastUp reports whether a walk up from a folder of the project, at dir,
// stops there: dir is root (the project's top), the file system's, or not
// below root (root "" included). The Prisma searches walk up as npm and
// Prisma do, never past the project.
func lastUp(root, dir string) bool {
	return dir == root || filepath.Dir(dir) == dir || !safefile.Within(root, dir)
}
