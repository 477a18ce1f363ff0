package hooks

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkTreeCheck: the work tree git reads is the project's, or the
// hook and the credential scan stop with a WorkTreeError; plainWorkTree,
// which answers without git, never says yes where git's answer is no.
func TestWorkTreeCheck(t *testing.T) {
	for _, v := range []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	elsewhere := t.TempDir()
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string, git func(...string))
		plain bool // plainWorkTree's answer
		bad   bool // a WorkTreeError
	}{
		{"clone", func(*testing.T, string, func(...string)) {}, true, false},
		{"core.worktree elsewhere", func(_ *testing.T, _ string, git func(...string)) { git("config", "core.worktree", elsewhere) }, false, true},
		{"core.worktree above", func(_ *testing.T, _ string, git func(...string)) { git("config", "core.worktree", "../..") }, false, true},
		{"core.worktree itself", func(_ *testing.T, _ string, git func(...string)) { git("config", "core.worktree", "..") }, false, false},
		{"core.bare", func(_ *testing.T, _ string, git func(...string)) { git("config", "core.bare", "true") }, false, true},
		{"worktreeConfig", func(_ *testing.T, _ string, git func(...string)) {
			git("config", "extensions.worktreeConfig", "true")
			git("config", "--worktree", "core.worktree", elsewhere)
		}, false, true},
		{"Bare in capitals", func(t *testing.T, dir string, _ func(...string)) {
			cfg := filepath.Join(dir, "proj", ".git", "config")
			data, err := os.ReadFile(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(cfg, append(data, "[CORE]\n\tBARE\n"...), 0o644); err != nil {
				t.Fatal(err)
			}
		}, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			proj := filepath.Join(dir, "proj")
			if err := os.MkdirAll(filepath.Join(proj, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			git := func(args ...string) {
				t.Helper()
				cmd := exec.Command("git", append([]string{"-C", proj}, args...)...)
				cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git %v: %v\n%s", args, err, out)
				}
			}
			git("init", "-q", "-b", "main")
			c.setup(t, dir, git)
			for _, at := range []string{proj, filepath.Join(proj, "sub")} {
				if got := plainWorkTree(at); got != c.plain {
					t.Errorf("plainWorkTree(%s) = %v, want %v", at, got, c.plain)
				}
				err := Git{Dir: at}.checkWorkTree(context.Background())
				var wte *WorkTreeError
				if got := errors.As(err, &wte); got != c.bad {
					t.Errorf("checkWorkTree(%s) = %v, want a WorkTreeError: %v", at, err, c.bad)
				}
			}
		})
	}
	t.Run("GIT_WORK_TREE", func(t *testing.T) {
		dir := t.TempDir()
		if out, err := exec.Command("git", "-C", dir, "init", "-q").CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		t.Setenv("GIT_WORK_TREE", elsewhere)
		if plainWorkTree(dir) {
			t.Error("plainWorkTree with GIT_WORK_TREE set")
		}
		var wte *WorkTreeError
		if err := (Git{Dir: dir}).checkWorkTree(context.Background()); !errors.As(err, &wte) || wte.Env != "GIT_WORK_TREE" {
			t.Errorf("checkWorkTree with GIT_WORK_TREE=%s: %v", elsewhere, err)
		}
	})
}

// TestWorkTreeCheckGitFile: a subfolder's .git file is taken only when
// the repository it names names the subfolder back, as a worktree's and
// a submodule's do. Before, "gitdir: ../.git" made the hook and ci in
// the subfolder read the parent's index against it, and "gitdir:
// ../fake" a repository committed in the project.
func TestWorkTreeCheckGitFile(t *testing.T) {
	for _, v := range []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	dir := t.TempDir()
	proj := filepath.Join(dir, "proj")
	git := func(at string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", at}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if err := os.MkdirAll(proj, 0o755); err != nil {
		t.Fatal(err)
	}
	git(proj, "init", "-q", "-b", "main")
	git(proj, "commit", "-q", "--allow-empty", "-m", "one")
	other := filepath.Join(dir, "other")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	git(other, "init", "-q", "-b", "main")
	git(other, "commit", "-q", "--allow-empty", "-m", "one")
	git(proj, "-c", "protocol.file.allow=always", "submodule", "add", "-q", other, "mod")
	git(proj, "worktree", "add", "-q", filepath.Join(dir, "wt"))
	git(proj, "init", "-q", "--bare", "fake")
	// A repository committed in the project that names sub3 back, as a
	// worktree's does: a pull request writes fake2/gitdir too.
	git(proj, "init", "-q", "--bare", "fake2")
	if err := os.WriteFile(filepath.Join(proj, "fake2", "gitdir"), []byte("../sub3/.git\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(proj, "config", "--file", filepath.Join("fake2", "config"), "core.bare", "false")
	// git clone --separate-git-dir and git init --separate-git-dir: the
	// work tree's .git file names a repository that names nothing back.
	git(dir, "clone", "-q", "--separate-git-dir="+filepath.Join(dir, "sep.git"), other, filepath.Join(dir, "sepwt"))
	git(dir, "init", "-q", "--separate-git-dir="+filepath.Join(dir, "sep2"), filepath.Join(dir, "sepwt2"))
	// A link the pull request commits, lnk -> .git: no ".git" by name.
	if err := os.Symlink(".git", filepath.Join(proj, "lnk")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, at, gitdir string // gitdir: a .git file written there
		bad              bool
	}{
		{"submodule", "mod", "", false},
		{"worktree", "../wt", "", false},
		{"clone --separate-git-dir", "../sepwt", "", false},
		{"init --separate-git-dir", "../sepwt2", "", false},
		{"a repository in the project naming the folder back", "sub3", "../fake2", true},
		{"a link to the parent's .git", "sub4", "../lnk", true},
		{"the parent's .git", "sub", "../.git", true},
		{"a repository in the project", "sub", "../fake", true},
		{"another repository", "sub2", "../../other/.git", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			at := filepath.Join(proj, c.at)
			if c.gitdir != "" {
				if err := os.MkdirAll(at, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(at, ".git"), []byte("gitdir: "+c.gitdir+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := Git{Dir: at}.checkWorkTree(context.Background())
			var wte *WorkTreeError
			if got := errors.As(err, &wte); got != c.bad {
				t.Errorf("checkWorkTree(%s) = %v, want a WorkTreeError: %v", at, err, c.bad)
			}
			if c.bad && wte != nil && wte.Top != "" && !strings.HasSuffix(wte.Hint(), ": rm "+filepath.Join(at, ".git")) {
				t.Errorf("hint: %s", wte.Hint())
			}
		})
	}
}

// TestWorkTreeErrorShown: a planted .git file is named, with the
// repository it names, relative to where the user stands, and the
// error is filed under it (Where); the rm runs as printed there.
// core.worktree naming a real worktree (git worktree add), whose .git
// is a file too, blames the setting: before, the hint said rm of the
// worktree's .git, which cuts the worktree off its repository.
func TestWorkTreeErrorShown(t *testing.T) {
	for _, v := range []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	dir := t.TempDir()
	proj := filepath.Join(dir, "proj")
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", proj}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if err := os.MkdirAll(filepath.Join(proj, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	git("init", "-q", "-b", "main")
	git("commit", "-q", "--allow-empty", "-m", "one")
	// check runs the check in at, from at, and says the hint names no
	// path absolutely.
	check := func(t *testing.T, at string) *WorkTreeError {
		t.Helper()
		t.Chdir(at)
		var wte *WorkTreeError
		if err := (Git{Dir: at}).checkWorkTree(context.Background()); !errors.As(err, &wte) {
			t.Fatalf("checkWorkTree(%s) = %v, want a WorkTreeError", at, err)
		}
		if strings.Contains(wte.Hint(), dir) {
			t.Errorf("an absolute path under %s in the hint %q", dir, wte.Hint())
		}
		return wte
	}

	t.Run("planted .git file", func(t *testing.T) {
		sub := filepath.Join(proj, "sub")
		if err := os.WriteFile(filepath.Join(sub, ".git"), []byte("gitdir: ../.git\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(filepath.Join(sub, ".git"))
		wte := check(t, sub)
		if strings.Contains(wte.Error(), dir) {
			t.Errorf("an absolute path under %s in %q", dir, wte.Error())
		}
		if want := filepath.Join(sub, ".git"); wte.Where() != want {
			t.Errorf("Where() = %q, want %q", wte.Where(), want)
		}
		if !strings.Contains(wte.Error(), "whose repository ../.git does not name") {
			t.Errorf("Error() = %q", wte.Error())
		}
		if !strings.HasSuffix(wte.Hint(), ": rm .git") {
			t.Errorf("Hint() = %q, want it to end in: rm .git", wte.Hint())
		}
	})

	t.Run("core.worktree naming a real worktree", func(t *testing.T) {
		wt := filepath.Join(dir, "wt")
		git("worktree", "add", "-q", wt)
		git("config", "core.worktree", wt)
		defer git("config", "--unset", "core.worktree")
		wte := check(t, proj)
		// The work tree outside the repository stays absolute.
		if want := "git run in . reads the work tree " + wt + ", which is not the folder whose .git is the repository .git "; !strings.HasPrefix(wte.Error(), want) {
			t.Errorf("Error() = %q, want it to start %q", wte.Error(), want)
		}
		if wte.GitFile != "" || wte.Where() != "" || strings.Contains(wte.Hint(), "rm ") {
			t.Errorf("the real worktree's .git is blamed: GitFile %q, hint %q", wte.GitFile, wte.Hint())
		}
		if wte.Unset != "core.worktree" || !strings.HasSuffix(wte.Hint(), ": git config --file .git/config --unset core.worktree") {
			t.Errorf("Unset %q, hint %q", wte.Unset, wte.Hint())
		}
		// The worktree itself is fine.
		if err := (Git{Dir: wt}).checkWorkTree(context.Background()); err != nil {
			t.Errorf("checkWorkTree(%s) = %v", wt, err)
		}
	})
}
