package pullrequest

import (
	"reflect"
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
		"diff --git a/old.py b/moved.py\nsimilarity index 100%\nrename from old.py\nrename to moved.py\n"
	got := parseAdded([]byte(diff))
	want := map[string]map[int]bool{
		"a.py":     {2: true, 10: true, 11: true},
		"t\tab.py": {1: true},
		"w.txt":    nil,
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
