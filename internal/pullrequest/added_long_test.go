package pullrequest

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// parseAddedLines is parseAdded as it read the diff before round 14, a
// bufio.Scanner's line at a time (capped at 64 MiB a line).
func parseAddedLines(diff []byte) map[string]map[int]bool {
	added := map[string]map[int]bool{}
	sc := bufio.NewScanner(bytes.NewReader(diff))
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	var file string
	var inHunk bool
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "diff --git "):
			file, inHunk = "", false
		case !inHunk && strings.HasPrefix(line, "+++ "):
			file = diffPath(line[4:])
			if file != "" {
				if _, ok := added[file]; !ok {
					added[file] = map[int]bool{}
				}
			}
		case strings.HasPrefix(line, "@@ "):
			inHunk = true
			start, count, ok := hunkNew(line)
			if file == "" || !ok || added[file] == nil {
				continue
			}
			for n := start; n < start+count; n++ {
				added[file][n] = true
			}
		case inHunk && strings.HasPrefix(line, "+") && strings.IndexByte(line, 0) >= 0:
			if file != "" {
				added[file] = nil
			}
		}
	}
	return added
}

// TestParseAddedAsScanner: 3,000 random diffs (CRLF lines, a last line
// without a newline, headers inside hunks, NUL bytes) read alike.
func TestParseAddedAsScanner(t *testing.T) {
	pieces := []string{
		"diff --git a/a.py b/a.py", "--- a/a.py", "+++ b/a.py", "+++ b/other.py", "+++ /dev/null",
		"@@ -2 +2 @@", "@@ -9,0 +10,2 @@ def f(a, b):", "@@ -1 +0,0 @@", "@@ -1 +x @@",
		"+new", "++++ b/not a header", "+\x00b\x00", "-old", " ctx", "", "+++ b/db settings.py\t",
	}
	rng := rand.New(rand.NewPCG(14, 9))
	for n := range 3000 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
			if rng.IntN(6) == 0 {
				b.WriteString("\r")
			}
			b.WriteString("\n")
		}
		out := b.String()
		if rng.IntN(4) == 0 && out != "" {
			out = out[:len(out)-1]
		}
		if got, want := parseAdded([]byte(out)), parseAddedLines([]byte(out)); !reflect.DeepEqual(got, want) {
			t.Fatalf("diff %d read %#v, want %#v, from %q", n, got, want, out)
		}
	}
}

// TestAttackAddedAfterLongLine: a line over 64 MiB ended the reading of
// a pull request's diff without a word (at 4596c8b), and every file after
// it went without its added lines, so its new dbguard:allow comments
// counted as the base's. The lines after it are read.
func TestAttackAddedAfterLongLine(t *testing.T) {
	if testing.Short() {
		t.Skip("a 65 MiB line")
	}
	diff := "diff --git a/a.txt b/a.txt\n--- /dev/null\n+++ b/a.txt\n@@ -0,0 +1 @@\n+" + strings.Repeat("x", 65<<20) + "\n" +
		"diff --git a/z.py b/z.py\n--- a/z.py\n+++ b/z.py\n@@ -3,0 +4,2 @@\n+a\n+b\n"
	got := parseAdded([]byte(diff))
	if want := map[int]bool{4: true, 5: true}; !reflect.DeepEqual(got["z.py"], want) {
		t.Errorf("z.py's added lines: %v, want %v (all: %d files)", got["z.py"], want, len(got))
	}
}
