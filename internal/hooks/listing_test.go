package hooks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/services"
)

// The hook's listing of the work tree from git finds what the walk of the
// disk finds: tracked, untracked and ignored env files (an ignored .env is
// what a loader reads), in ignored folders too, nested, through links to
// files, not through links to folders, not in the folders discovery skips
// or in a virtualenv, not a tracked file deleted from the disk; the same
// manifests, so the same loaders; the same services.
func TestWorkTreeListingFindsWhatTheWalkFinds(t *testing.T) {
	dir, git := gitRepo(t)
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, name string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	url := func(host string) string { return "DATABASE_URL=postgres://app@" + host + ".internal:5432/app\n" }
	write(".gitignore", ".env\ntmp/\n*.local\n")
	write(".env", url("ignored-root"))
	write(".env.example", url("template"))
	write("tmp/.env", url("in-ignored-folder"))
	write("web/package.json", `{"dependencies": {"dotenv": "16.0.0", "next": "14.0.0"}}`)
	write("web/.env", url("web"))
	write("web/.env.local", url("web-local-ignored"))
	write("web/.env.production", url("web-prod-untracked"))
	write("api/pyproject.toml", "[project]\ndependencies = [\"python-dotenv\"]\n")
	write("api/.env", url("api"))
	write("deep/a/b/c/.env.development", url("deep"))
	write("node_modules/x/.env", url("node-modules"))
	write("vendor/.env", url("vendor-tracked"))
	write("build/.env", url("build"))
	write("myvenv/pyvenv.cfg", "home = /usr/bin\n")
	write("myvenv/.env", url("virtualenv"))
	write("fixtures/.env", url("excluded"))
	write("svc/dbguard.yaml", "version: 1\n")
	write("svc/.env", url("service"))
	write("apps/web2/dbguard.yaml", "version: 1\n")
	write("gone/.env", url("deleted"))
	write("src/main.py", "print(1)\n")
	link("../web/.env", "linked/.env")
	link("nowhere", "dangling/.env")
	link("web", "folderlink")
	git("add", "-A")
	// .gitignore's ".env" ignores every .env: these are tracked anyway.
	git("add", "-f", "vendor/.env", "web/.env", "svc/.env", "gone/.env", "linked/.env")
	git("commit", "-q", "-m", "base")
	if err := os.Remove(filepath.Join(dir, "gone", ".env")); err != nil {
		t.Fatal(err)
	}
	write("untracked/.env", url("untracked"))

	ctx := context.Background()
	g := Git{Dir: dir}
	tracked, _, err := g.IndexBlobsNamed(ctx, func(base string) bool { return named(readNames, base) || base == config.FileName })
	if err != nil {
		t.Fatal(err)
	}
	listing := workTreeListing(dir, tracked, diskFiles(ctx, dir))
	if listing == nil {
		t.Fatal("git listed nothing")
	}

	cfg := config.Default(dir)
	cfg.Env.Exclude = []string{"fixtures/**"}
	resolve := func(l *envcheck.Listing) (files, sources []string) {
		t.Helper()
		o := envcheck.OptionsFor(cfg, "development", nil)
		o.Root, o.Listing = dir, l
		rep, err := envcheck.Resolve(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range rep.Files {
			files = append(files, fmt.Sprintf("%s %s %v", f.Path, f.Status, f.ReadBy))
		}
		for _, s := range rep.Sources {
			sources = append(sources, fmt.Sprintf("%s %s %v %s", s.Def.Location(), s.Var, s.InEffect, s.ID))
		}
		return files, sources
	}
	walkFiles, walkSources := resolve(nil)
	listFiles, listSources := resolve(listing)
	if !reflect.DeepEqual(walkFiles, listFiles) {
		t.Errorf("env files:\nwalk:    %s\nlisting: %s", strings.Join(walkFiles, "\n         "), strings.Join(listFiles, "\n         "))
	}
	if !reflect.DeepEqual(walkSources, listSources) {
		t.Errorf("sources:\nwalk:    %s\nlisting: %s", strings.Join(walkSources, "\n         "), strings.Join(listSources, "\n         "))
	}
	// The cases that matter are there (the comparison is not of nothing).
	all := strings.Join(listFiles, "\n")
	for _, want := range []string{".env in-effect", "tmp/.env ", "web/.env.local ", "web/.env.production ", "linked/.env ", "untracked/.env ", "deep/a/b/c/.env.development "} {
		if !strings.Contains(all, want) {
			t.Errorf("the listing lacks %q:\n%s", want, all)
		}
	}
	for _, unwanted := range []string{"node_modules", "vendor", "build/", "myvenv", "fixtures", "gone/", "dangling", "folderlink"} {
		if strings.Contains(all, unwanted) {
			t.Errorf("the listing has %q:\n%s", unwanted, all)
		}
	}

	byWalk, err := services.Find(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	byListing, err := services.FindLazy(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := byListing.Project.CompleteListed(listing); err != nil {
		t.Fatal(err)
	}
	var walked, listed []string
	for _, s := range byWalk.Project.Services {
		walked = append(walked, s.Path)
	}
	for _, s := range byListing.Project.Services {
		listed = append(listed, s.Path)
	}
	if !reflect.DeepEqual(walked, listed) || len(listed) != 2 {
		t.Errorf("services: walk %v, listing %v; want apps/web2 and svc", walked, listed)
	}
}

// A listing stands for the walk only where git listed: a walk that starts
// in a folder git was told to leave out (a service whose folder is named
// build) reads the disk.
func TestListingReadsTheDiskInsideAPrunedFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "build", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "build", "x", ".env"), []byte("A=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := envcheck.NewListing(dir, nil, envcheck.SkippedDir)
	var seen []string
	err := l.WalkDir(filepath.Join(dir, "build"), func(p string, d os.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		seen = append(seen, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"build", "build/x", "build/x/.env"}; !reflect.DeepEqual(seen, want) {
		t.Errorf("walked %v, want %v", seen, want)
	}
}

// The hook's quick test of a name says what path.Match over the same
// patterns says.
func TestNameMatcherIsNamed(t *testing.T) {
	patterns := [][]string{readNames, listedNames, {config.FileName, "a*a", "x?y*z", `\*.env`, "[.]env*", "*"}}
	names := []string{"", ".env", ".env.", ".env.local", "app.env", ".env.example", "env", "x.env.bak", "package.json",
		"package.json5", "requirements.txt", "requirements-dev.txt", "requirementstxt", "Pipfile", "Pipfile.lock",
		"compose.yaml", "compose.yml", "compose.yamll", "docker-compose.override.yml", "go.mod", "go.modx", "setup.cfg",
		"pyproject.toml", "dbguard.yaml", "a", "aa", "aba", "xyz", "xqyz", "xqyabz", "*.env", "\\*.env", ".envrc", "file00001.py"}
	for _, ps := range patterns {
		m := newNameMatcher(ps)
		for _, n := range names {
			if got, want := m.match(n), named(ps, n); got != want {
				t.Errorf("%q against %q: matcher says %v, path.Match %v", n, ps, got, want)
			}
		}
	}
}

// The walk that lists the work tree asks git nothing: what a repository's
// configuration says (core.excludesFile, info/exclude, .gitignore, a
// core.fsmonitor command) changes nothing it lists and starts nothing, and
// a name git would read as pathspec magic, a name with a newline or one
// that looks like an option is listed as it is.
func TestDiskFilesReadsNoGitConfig(t *testing.T) {
	dir, git := gitRepo(t)
	marker := filepath.Join(t.TempDir(), "ran")
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ignore-all", "*\n")
	write(".gitignore", "*\n")
	write(".git/info/exclude", "*\n")
	git("config", "core.excludesFile", filepath.Join(dir, "ignore-all"))
	git("config", "core.fsmonitor", "touch "+marker)
	want := []string{".env", ":(exclude)x/.env", ":(glob)**/.env.local", "odd\nname/.env", "-v/.env", "deep/a/b/package.json", "svc/dbguard.yaml"}
	for _, p := range want {
		write(p, "A=1\n")
	}
	write("node_modules/x/.env", "A=1\n")
	write("src/main.py", "print(1)\n")
	got := diskFiles(context.Background(), dir)
	sort.Strings(got)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("listed %q\nwant   %q", got, want)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the walk started the core.fsmonitor command")
	}
}
