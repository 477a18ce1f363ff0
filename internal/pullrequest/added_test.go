package pullrequest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseAdded(t *testing.T) {
	diff := "diff --git a/a.py b/a.py\n" +
		"--- a/a.py\n+++ b/a.py\n" +
		"@@ -2 +2 @@\n-old\n+new\n" +
		"@@ -9,0 +10,2 @@\n++++ b/not a header\n+two\n" +
		"diff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n" +
		"diff --git \"a/t\\tab.py\" \"b/t\\tab.py\"\n--- \"a/t\\tab.py\"\n+++ \"b/t\\tab.py\"\n@@ -0,0 +1 @@\n+x\n" +
		"diff --git a/w.txt b/w.txt\n--- a/w.txt\n+++ b/w.txt\n@@ -1 +1 @@\n-a\n+\x00b\x00\n" +
		"diff --git a/old.py b/moved.py\nsimilarity index 100%\nrename from old.py\nrename to moved.py\n" +
		"diff --git a/db settings.py b/db settings.py\n--- a/db settings.py\t\n+++ b/db settings.py\t\n@@ -1,0 +2 @@\n+x\n" +
		"diff --git \"a/t\\303\\251 x.py\" \"b/t\\303\\251 x.py\"\n--- \"a/t\\303\\251 x.py\"\t\n+++ \"b/t\\303\\251 x.py\"\t\n@@ -0,0 +1 @@\n+x\n"
	got := parseAdded([]byte(diff))
	want := map[string]map[int]bool{
		"a.py":     {2: true, 10: true, 11: true},
		"t\tab.py": {1: true},
		"w.txt":    nil,
		// git's tab after a name holding a space is not the name's.
		"db settings.py": {2: true},
		"t\u00e9 x.py":   {1: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parseAdded = %#v, want %#v", got, want)
	}
}

func TestHunkNew(t *testing.T) {
	for h, want := range map[string][2]int{
		"@@ -1 +1 @@":            {1, 1},
		"@@ -3,2 +4,0 @@":        {4, 0},
		"@@ -3,2 +4,7 @@ func x": {4, 7},
	} {
		s, c, ok := hunkNew(h)
		if !ok || s != want[0] || c != want[1] {
			t.Errorf("hunkNew(%q) = %d, %d, %v; want %v", h, s, c, ok, want)
		}
	}
	if _, _, ok := hunkNew("@@ garbage"); ok {
		t.Errorf("hunkNew(garbage) ok")
	}
}

// TestAddedLinesOfFiles: the lines of the files asked, from a diff that
// reads those files alone (and the rename candidates when one is new at
// its path), are the whole diff's: a changed file, a renamed one, an
// unchanged one, a new file that is a copy of a deleted one twice over
// (git pairs one copy only, whichever of the two is asked), and a file
// in a subfolder. A partial clone holding the base's contents of those
// files alone then answers (TestActionBaseBlobless fetches just those).
func TestAddedLinesOfFiles(t *testing.T) {
	ctx := context.Background()
	old := "a\nb\nc\nd\ne\nf\ng\nh\n# dbguard:allow\n"
	dir, rev := repo(t, map[string]string{
		"app.py":      "x = 1\n# dbguard:allow\n",
		"same.py":     "y = 1  # dbguard:allow\n",
		"old.py":      old,
		"gone.txt":    "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
		"sub/deep.py": "z = 1\n",
		"other.py":    "q\n",
	})
	write(t, filepath.Join(dir, "app.py"), "x = 2\n# dbguard:allow\nnew  # dbguard:allow\n")
	gitRun(t, dir, "rm", "-q", "old.py", "gone.txt")
	write(t, filepath.Join(dir, "moved.py"), old+"more\n")
	write(t, filepath.Join(dir, "copy1.py"), "1\n2\n3\n4\n5\n6\n7\n8\n9\n")
	write(t, filepath.Join(dir, "copy2.py"), "1\n2\n3\n4\n5\n6\n7\n8\n9\n")
	write(t, filepath.Join(dir, "sub/deep.py"), "z = 2\n")
	write(t, filepath.Join(dir, "other.py"), "r\n")
	gitRun(t, dir, "add", "-A")
	b := &Base{Revs: []string{rev}, Source: "--base"}
	whole, err := b.AddedLines(ctx, dir, rev, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := whole["moved.py"]; !ok || whole["moved.py"][9] || !whole["moved.py"][10] {
		t.Fatalf("the whole diff did not pair moved.py with old.py: %v", whole)
	}
	for _, files := range [][]string{
		{"app.py"}, {"same.py"}, {"moved.py"}, {"copy1.py"}, {"copy2.py"}, {"sub/deep.py"},
		{"app.py", "moved.py", "copy2.py"}, {"nothere.py"},
	} {
		got, err := b.AddedLines(ctx, dir, rev, files)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			w, wok := whole[f]
			g, gok := got[f]
			if wok != gok || !reflect.DeepEqual(w, g) {
				t.Errorf("AddedLines(%q)[%s] = %v (%v), the whole diff's %v (%v)", files, f, g, gok, w, wok)
			}
		}
	}
	if got, err := b.AddedLines(ctx, dir, rev, []string{}); err != nil || len(got) != 0 {
		t.Errorf("AddedLines(no files) = %v, %v", got, err)
	}
	// From the subfolder: its paths, its scope.
	sub := filepath.Join(dir, "sub")
	wholeSub, err := b.AddedLines(ctx, sub, rev, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.AddedLines(ctx, sub, rev, []string{"deep.py"})
	if err != nil || !reflect.DeepEqual(got["deep.py"], wholeSub["deep.py"]) || !got["deep.py"][1] {
		t.Errorf("from sub/: %v, %v; the whole diff's %v", got, err, wholeSub)
	}
}

// TestAddedLinesOutside: a name that leaves the repository is no file of
// the diff, and its lines count as new (before, it was missing from the
// answer, and missing is unchanged: its comments counted as the base's).
func TestAddedLinesOutside(t *testing.T) {
	ctx := context.Background()
	dir, rev := repo(t, map[string]string{"sub/a.py": "x\n"})
	b := &Base{Revs: []string{rev}, Source: "--base"}
	got, err := b.AddedLines(ctx, filepath.Join(dir, "sub"), rev, []string{"../../elsewhere/x.sql", "/abs/x.sql", "a.py"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"../../elsewhere/x.sql", "/abs/x.sql"} {
		if lines, ok := got[f]; !ok || lines != nil {
			t.Errorf("%s, outside the repository: %v, %v; want every line new", f, lines, ok)
		}
	}
	if _, ok := got["a.py"]; ok {
		t.Errorf("an unchanged file has new lines: %v", got)
	}
}

// TestAddedNamesAskedOnce: the plan asks the added lines of each
// migration whose comment decides a finding, one at a time; the folder's
// prefix and the added and deleted files are asked of git once for them
// all, and each file's diff once.
func TestAddedNamesAskedOnce(t *testing.T) {
	ctx := context.Background()
	realGit, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	dir, rev := repo(t, map[string]string{"m/1.sql": "a\n", "m/2.sql": "b\n"})
	write(t, filepath.Join(dir, "m/1.sql"), "a\nc\n")
	write(t, filepath.Join(dir, "m/2.sql"), "b\nd\n")
	bin := t.TempDir()
	log := filepath.Join(t.TempDir(), "git.log")
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte("#!/bin/sh\necho \"$*\" >>"+log+"\nexec "+realGit+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	b := &Base{Revs: []string{rev}, Source: "--base"}
	for _, f := range []string{"m/1.sql", "m/2.sql"} {
		got, err := b.AddedLines(ctx, dir, rev, []string{f})
		if err != nil || !got[f][2] {
			t.Fatalf("AddedLines(%s) = %v, %v", f, got, err)
		}
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	for what, want := range map[string]int{"--show-prefix": 1, "--diff-filter=AD": 1, " -U0 ": 2} {
		if n := strings.Count(string(data), what); n != want {
			t.Errorf("%q asked %d times, want %d:\n%s", what, n, want, data)
		}
	}
}
