package pullrequest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
)

// TestFiltersAskedOnce: the filter drivers git's configuration names are
// asked once for a base, not once per diff (the added lines, the removed
// services and a moved configuration's old name: three diffs, three
// git config --get-regexp before), and every diff still runs with them
// switched off.
func TestFiltersAskedOnce(t *testing.T) {
	ctx := context.Background()
	realGit, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	dir, rev := repo(t, map[string]string{
		"dbguard.yaml":     "version: 1\n",
		"svc/dbguard.yaml": "version: 1\nhook:\n  allow: [x]\n",
		"app.py":           "print(1)\n",
		".gitattributes":   "* filter=evil\n",
	})
	gitRun(t, dir, "mv", "svc", "svc2")
	ran := filepath.Join(t.TempDir(), "ran")
	gitRun(t, dir, "config", "filter.evil.clean", "touch "+ran+"; cat")
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte("print(2)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A git first on PATH that logs its arguments, then runs git.
	bin := t.TempDir()
	log := filepath.Join(t.TempDir(), "git.log")
	wrapper := "#!/bin/sh\necho \"$*\" >>" + log + "\nexec " + realGit + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	b := &Base{Revs: []string{rev}, Source: "--base"}
	added, err := b.AddedLines(ctx, dir, rev, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !added["app.py"][1] {
		t.Errorf("app.py's changed line is not added: %v", added)
	}
	root, err := config.Parse(filepath.Join(dir, "dbguard.yaml"), []byte("version: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	root.Root = dir
	if _, err := b.RemovedServices(ctx, dir, root, nil); err != nil {
		t.Fatal(err)
	}
	rs, err := b.renames(ctx, dir, rev)
	id := gitRun(t, dir, "rev-parse", rev+":svc/dbguard.yaml")
	if err != nil || !slices.Contains(rs, rename{"svc/dbguard.yaml", "", id}) || !slices.Contains(rs, rename{"", "svc2/dbguard.yaml", id}) {
		t.Fatalf("renames = %q, %v", rs, err)
	}
	if from, err := b.renamedTo(ctx, dir, rev, "svc2/dbguard.yaml"); err != nil || from != "svc/dbguard.yaml" {
		t.Fatalf("renamedTo = %q, %v", from, err)
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "--get-regexp ^filter"); n != 1 {
		t.Errorf("the filter drivers were asked %d times:\n%s", n, data)
	}
	if n := strings.Count(string(data), " diff "); n != 4 {
		t.Errorf("%d diffs, want 4:\n%s", n, data)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Error("a diff ran the clean filter")
	}
}

// TestFilterErrorHintRuns: a driver whose name -c cannot carry, set in
// the repository's .git/config, in the user's configuration or in a file
// an include names, is refused with a hint naming that file, and the
// hint's command, run as printed, removes it (before, the hint's
// git config --remove-section touched .git/config only, and failed for
// the others).
func TestFilterErrorHintRuns(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", "")
	os.Unsetenv("GIT_CONFIG_GLOBAL")
	dir, _ := repo(t, map[string]string{"app.py": "print(1)\n", "sub/dbguard.yaml": "version: 1\n"})
	t.Chdir(dir)
	included := filepath.Join(t.TempDir(), "it's included.conf")
	driver := "[filter \"x=y\"]\n\tclean = cat\n"
	for _, c := range []struct {
		name, file string
		setup      func()
	}{
		{"repository", filepath.Join(".git", "config"), func() { gitRun(t, dir, "config", "filter.x=y.clean", "cat") }},
		{"user", filepath.Join(home, ".gitconfig"), func() {
			if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(driver), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"include", included, func() {
			if err := os.WriteFile(included, []byte(driver), 0o644); err != nil {
				t.Fatal(err)
			}
			gitRun(t, dir, "config", "include.path", included)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.setup()
			_, err := filtersOff(ctx, dir)
			var fe *FilterError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a FilterError", err)
			}
			if fe.Origin != c.file || !strings.Contains(fe.Error(), c.file) {
				t.Errorf("origin %q (%s), want %s", fe.Origin, fe.Error(), c.file)
			}
			hint := fe.Hint()
			i := strings.Index(hint, ": git config ")
			if i < 0 {
				t.Fatalf("no command in the hint: %s", hint)
			}
			cmd := exec.Command("sh", "-c", hint[i+2:])
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", hint[i+2:], err, out)
			}
			if _, err := filtersOff(ctx, dir); err != nil {
				t.Errorf("after the hint's command: %v", err)
			}
		})
	}
	// ci in a service's folder below the top, git asked at the top: the
	// hint's file is named from where the user stands (before:
	// .git/config, which git config --file could not find from sub).
	t.Run("from a subfolder", func(t *testing.T) {
		sub := filepath.Join(dir, "sub")
		t.Chdir(sub)
		gitRun(t, dir, "config", "filter.x=y.clean", "cat")
		_, err := filtersOff(ctx, dir)
		var fe *FilterError
		if !errors.As(err, &fe) {
			t.Fatalf("err = %v, want a FilterError", err)
		}
		hint := fe.Hint()
		i := strings.Index(hint, ": git config ")
		if i < 0 {
			t.Fatalf("no command in the hint: %s", hint)
		}
		cmd := exec.Command("sh", "-c", hint[i+2:])
		cmd.Dir = sub
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s, run in sub: %v\n%s", hint[i+2:], err, out)
		}
		if _, err := filtersOff(ctx, dir); err != nil {
			t.Errorf("after the hint's command: %v", err)
		}
	})
	t.Run("environment", func(t *testing.T) {
		t.Setenv("GIT_CONFIG_PARAMETERS", "'filter.x=y.clean'='cat'")
		_, err := filtersOff(ctx, dir)
		var fe *FilterError
		if !errors.As(err, &fe) || fe.Origin != "command line" || !strings.HasSuffix(fe.Hint(), ": unset GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT") {
			t.Fatalf("err = %v", err)
		}
	})
}
