package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestActionBaseFetchesWhatCiReads: in a partial clone (actions/checkout's
// filter: blob:none) the base step fetches the base's files dbguard ci
// reads, and no other: the 200 files of big/ the pull request edits stay
// out (before, the step fetched every file of the base's tree the clone
// lacked: in a monorepo, most of it). What ci reads comes in: every
// dbguard.yaml and what a linked one leads to, the files whose
// dbguard:allow comment ci judges (leak.py, at its path; moved.py, new at
// its path, so the files the pull request deletes, where git finds what
// it was renamed from), the files that detect the tool. ci, which fetches
// nothing, then judges with the base's settings and honours the base's
// comments (exit 0); without the step it stops (exit 2).
func TestActionBaseFetchesWhatCiReads(t *testing.T) {
	t.Parallel()
	needTool(t, "git")
	dir := t.TempDir()
	git := func(wd string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = wd
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	src := filepath.Join(dir, "src")
	git(dir, "init", "-q", "-b", "main", src)
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(text, "link:"); ok {
			os.Remove(p)
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	leak := "DB = \"postgres://svc:S3cretProd99@db.prod.internal:5432/app\"  # dbguard:allow fixture\n"
	old := "a = 1\nb = 2\nc = 3\nd = 4\n" + leak
	write("dbguard.yaml", "version: 1\nmigrations:\n  table: app_versions\n")
	write("conf/svc.yaml", "version: 1\nenv:\n  prefer: files\n")
	write("svc/dbguard.yaml", "link:../conf/svc.yaml")
	write("leak.py", leak)
	write("old.py", old)
	write("db/migrations/20240101000000_init.sql", "-- migrate:up\ncreate table t (id int);\n")
	for i := range 200 {
		write(fmt.Sprintf("big/f%03d.txt", i), fmt.Sprintf("file %d of the monorepo\n", i))
	}
	git(src, "add", "-A")
	git(src, "commit", "-q", "-m", "base")
	git(src, "checkout", "-q", "-b", "feature")
	write("dbguard.yaml", "version: 1\n")
	write("conf/svc.yaml", "version: 1\n")
	write("leak.py", leak+"x = 2\n")
	write("db/migrations/20240101000000_init.sql", "-- migrate:up\ncreate table t (id bigint);\n")
	for i := range 200 {
		write(fmt.Sprintf("big/f%03d.txt", i), fmt.Sprintf("file %d of the monorepo, edited\n", i))
	}
	git(src, "mv", "old.py", "moved.py")
	write("moved.py", old+"e = 5\n")
	git(src, "add", "-A")
	git(src, "commit", "-q", "-m", "pr")
	git(src, "checkout", "-q", "main")
	git(src, "merge", "-q", "--no-ff", "-m", "merge", "feature")
	merge := git(src, "rev-parse", "HEAD")
	git(src, "reset", "-q", "--hard", "HEAD^1")
	origin := filepath.Join(dir, "origin.git")
	git(dir, "clone", "-q", "--bare", src, origin)
	git(origin, "update-ref", "refs/pull/1/merge", merge)
	git(origin, "config", "uploadpack.allowFilter", "true")
	git(origin, "config", "uploadpack.allowAnySHA1InWant", "true")
	// The base's blob ids by path, from the origin.
	ids := map[string]string{}
	for _, l := range strings.Split(git(origin, "ls-tree", "-r", "main"), "\n") {
		meta, name, _ := strings.Cut(l, "\t")
		if f := strings.Fields(meta); len(f) == 3 {
			ids[name] = f[2]
		}
	}
	missing := func(ws string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(git(ws, "rev-list", "--objects", "--missing=print", "HEAD^1^{tree}"), "\n") {
			if id, ok := strings.CutPrefix(l, "?"); ok {
				m[id] = true
			}
		}
		return m
	}
	clone := func(name string) string {
		ws := filepath.Join(dir, name)
		git(dir, "clone", "-q", "--filter=blob:none", "--no-checkout", "file://"+origin, ws)
		git(ws, "fetch", "-q", "--no-tags", "origin", "+refs/pull/1/merge:refs/remotes/pull/1/head")
		git(ws, "checkout", "-q", "refs/remotes/pull/1/head")
		git(ws, "update-ref", "-d", "refs/remotes/origin/main")
		git(ws, "config", "maintenance.auto", "false")
		git(ws, "config", "gc.auto", "0")
		return ws
	}
	env := map[string]string{"DATABASE_URL": "postgres://app@localhost/app"}
	ci := []string{"ci", "--offline", "--format", "text", "--base", "HEAD^1"}

	// Without the step: the base's files are not here, and ci says so.
	ws := clone("without")
	if r := startInprocEnv(t, ws, "", env).run(ci...); r.Code != 2 || !strings.Contains(r.Stderr, "partial clone") {
		t.Errorf("ci without the base step: exit %d, want 2 naming the partial clone:\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}

	ws = clone("with")
	before := missing(ws)
	for _, p := range []string{"dbguard.yaml", "leak.py", "old.py", "big/f000.txt"} {
		if !before[ids[p]] {
			t.Fatalf("the clone holds the base's %s already", p)
		}
	}
	script, err := filepath.Abs("../../scripts/action/base.sh")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", script)
	cmd.Dir = ws
	cmd.Env = append(os.Environ(), "GITHUB_EVENT_NAME=pull_request", "GITHUB_BASE_REF=main", "GITHUB_SHA="+merge)
	if out, err := cmd.CombinedOutput(); err != nil || strings.Contains(string(out), "::warning") {
		t.Fatalf("base.sh: %v\n%s", err, out)
	}
	after := missing(ws)
	for _, p := range []string{"dbguard.yaml", "svc/dbguard.yaml", "conf/svc.yaml", "leak.py", "old.py", "db/migrations/20240101000000_init.sql"} {
		if after[ids[p]] {
			t.Errorf("the base's %s, which ci reads, was not fetched", p)
		}
	}
	fetched := len(before) - len(after)
	for i := range 200 {
		if p := fmt.Sprintf("big/f%03d.txt", i); !after[ids[p]] {
			t.Fatalf("the base step fetched %s, which ci never reads (%d of %d missing files fetched)", p, fetched, len(before))
		}
	}
	if fetched != 5 { // dbguard.yaml, conf/svc.yaml, leak.py, old.py, the migration
		t.Errorf("the base step fetched %d of the %d missing files, want 5", fetched, len(before))
	}
	r := startInprocEnv(t, ws, "", env).run(ci...)
	if r.Code != 0 || !strings.Contains(r.Stdout, "changes migrations.table; ci judges with the base") || !strings.Contains(r.Stdout, "(app_versions)") {
		t.Errorf("ci after the base step: exit %d, want 0 with the base's migrations.table:\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	if secretRE.MatchString(r.Stdout + r.Stderr) {
		t.Error("a password in ci's output")
	}
}
