package gate

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
)

// TestLocate: with dbguard.yaml in a subfolder, every finding is named
// from the repository root, never absolute, and one with no file of its
// own is placed at its check's home, else dbguard.yaml.
func TestLocate(t *testing.T) {
	repo := t.TempDir()
	if out, err := exec.Command("git", "-C", repo, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	sub := filepath.Join(repo, "services", "api")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "dbguard.yaml"), []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(sub, "dbguard.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rep := &Report{Checks: []Check{
		{Name: "env", Findings: []Finding{{File: "backend/.env", Line: 2}, {Message: "no DATABASE_URL"}}},
		{Name: "credentials", Findings: []Finding{{File: "app.py", Line: 1}}},
		{Name: "migrations", home: filepath.Join(sub, "migrations", "000002_b.up.sql"), Findings: []Finding{
			{Message: "1 migration(s) pending"}, {File: filepath.Join(sub, "migrations", "000001_a.up.sql")}}},
		{Name: "schema", home: filepath.Join(sub, "dbguard.schema.yaml"), Findings: []Finding{{Message: "user.nick: missing"}}},
	}}
	rep.locate(context.Background(), Options{Config: cfg, Repo: sub})
	want := []string{"services/api/backend/.env", "services/api/dbguard.yaml", "services/api/app.py",
		"services/api/migrations/000002_b.up.sql", "services/api/migrations/000001_a.up.sql", "services/api/dbguard.schema.yaml"}
	var got []string
	for _, c := range rep.Checks {
		for _, f := range c.Findings {
			got = append(got, f.File)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("files:\n got %q\nwant %q", got, want)
	}

	// Without dbguard.yaml, the root .env.
	rep = &Report{Checks: []Check{{Name: "env", Findings: []Finding{{Message: "no DATABASE_URL"}}}}}
	rep.locate(context.Background(), Options{Config: config.Default(repo), Repo: repo})
	if f := rep.Checks[0].Findings[0].File; f != ".env" {
		t.Errorf("no config: %q, want .env", f)
	}
}

// TestGitHubNewlineInPath: a tracked path with a newline stays in its
// annotation's file property, escaped, and never starts a line.
func TestGitHubNewlineInPath(t *testing.T) {
	rep := &Report{Status: Fail, Checks: []Check{{Name: "credentials", Status: Fail, Summary: "1 in x\n::error file=evil::y",
		Findings: []Finding{{File: "a\n::error file=evil.py", Line: 1, Severity: "error", Message: "a real database password is committed"}}}}}
	var b bytes.Buffer
	if err := rep.WriteGitHub(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 || strings.Count(b.String(), "\n::") != 0 || !strings.HasPrefix(lines[0], "::error file=a%0A%3A%3Aerror file=evil.py,line=1,title=dbguard credentials::") {
		t.Errorf("a newline in a path or summary split the output:\n%s", b.String())
	}
}

// TestLocateVerifiedTop: the root findings are named from is the work
// tree the credentials check verifies (hooks.WorkTree), with git's full
// safety settings: for a plain clone no git process at all (before, one
// rev-parse with a shorter copy of the settings), and for a work tree the
// configuration puts elsewhere (core.worktree) not that folder.
func TestLocateVerifiedTop(t *testing.T) {
	realGit, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	if out, err := exec.Command("git", "-C", repo, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	sub := filepath.Join(repo, "services", "api")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	bin, log := t.TempDir(), filepath.Join(t.TempDir(), "git.log")
	wrapper := "#!/bin/sh\necho \"$*\" >>" + log + "\nexec " + realGit + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	locate := func() string {
		rep := &Report{Checks: []Check{{Name: "credentials", Findings: []Finding{{File: "app.py", Line: 1}}}}}
		rep.locate(context.Background(), Options{Config: config.Default(sub), Repo: sub})
		return rep.Checks[0].Findings[0].File
	}
	if got := locate(); got != "services/api/app.py" {
		t.Errorf("plain clone: %q, want services/api/app.py", got)
	}
	if data, err := os.ReadFile(log); err == nil {
		t.Errorf("git ran for a plain clone:\n%s", data)
	}
	// core.worktree names another folder: findings stay named from the
	// configuration's root.
	elsewhere := t.TempDir()
	if out, err := exec.Command(realGit, "-C", repo, "config", "core.worktree", elsewhere).CombinedOutput(); err != nil {
		t.Fatalf("git config: %v\n%s", err, out)
	}
	if got := locate(); got != "app.py" {
		t.Errorf("core.worktree elsewhere: %q, want app.py", got)
	}
}
