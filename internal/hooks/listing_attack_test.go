package hooks

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/envcheck"
)

// git ls-files --others does not list the inside of a repository nested
// in the work tree (a checkout inside a checkout, a tool's clone), but the
// app's loaders read a .env there, and dbguard env's walk finds it. The
// hook's listing dropped it, so the hook said nothing of a database only
// dbguard env named: the listing must read the disk inside a nested
// repository, as the walk does.
func TestAttackNestedRepoEnvFileUnlisted(t *testing.T) {
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
	write(".env.example", "DATABASE_URL=postgres://app@template.internal:5432/app\n")
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	for _, sub := range []string{"nested", "deep/er"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("git", "init", "-q")
		cmd.Dir = filepath.Join(dir, sub)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git init: %v\n%s", err, out)
		}
		write(sub+"/.env", "DATABASE_URL=postgres://app@"+strings.ReplaceAll(sub, "/", "-")+".internal:5432/app\n")
		write(sub+"/inner/.env.local", "DATABASE_URL=postgres://app@inner.internal:5432/app\n")
	}
	write("node_modules/pkg/.env", "DATABASE_URL=postgres://app@node-modules.internal:5432/app\n")
	cmd := exec.Command("git", "init", "-q")
	cmd.Dir = filepath.Join(dir, "node_modules", "pkg")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}

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
	files := func(l *envcheck.Listing) string {
		t.Helper()
		o := envcheck.OptionsFor(config.Default(dir), "development", nil)
		o.Root, o.Listing = dir, l
		rep, err := envcheck.Resolve(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range rep.Files {
			out = append(out, f.Path)
		}
		return strings.Join(out, " ")
	}
	walked, listed := files(nil), files(listing)
	if walked != listed {
		t.Errorf("env files:\nwalk:    %s\nlisting: %s", walked, listed)
	}
	for _, want := range []string{"nested/.env", "nested/inner/.env.local", "deep/er/.env"} {
		if !strings.Contains(listed, want) {
			t.Errorf("the listing lacks %s: %s", want, listed)
		}
	}
	if strings.Contains(listed, "node_modules") {
		t.Errorf("the listing entered node_modules: %s", listed)
	}
}

// A submodule is the same: the index holds it as a commit (a gitlink),
// ls-files --others does not look inside it, and its .env is what the
// loaders run in its folder read, which dbguard env's walk finds: the
// hook must warn of the database it names, as it does for any env file
// on disk that no committed one agrees with.
func TestAttackSubmoduleEnvFileUnlisted(t *testing.T) {
	src, srcGit := gitRepo(t)
	if err := os.WriteFile(filepath.Join(src, "README"), []byte("lib\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srcGit("add", "-A")
	srcGit("commit", "-q", "-m", "lib")
	dir, git := gitRepo(t)
	git("-c", "protocol.file.allow=always", "submodule", "add", "-q", src, "libs/sub")
	if err := os.WriteFile(filepath.Join(dir, "libs", "sub", ".env"), []byte("DATABASE_URL=postgres://app@submodule.internal:5432/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("DATABASE_URL=postgres://app@root.internal:5432/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", ".env")
	rep, err := PreCommit(context.Background(), Options{Repo: dir, Config: config.Default(dir)})
	if err != nil {
		t.Fatalf("PreCommit: %v", err)
	}
	var said []string
	for _, f := range rep.Findings {
		said = append(said, f.Location()+" "+f.Message)
	}
	if got := strings.Join(said, "\n"); !strings.Contains(got, "libs/sub/.env") || !strings.Contains(got, "submodule.internal") {
		t.Errorf("no warning of libs/sub/.env; findings:\n%s", got)
	}
}
