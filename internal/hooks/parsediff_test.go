package hooks

import (
	"bufio"
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
)

// parseDiffLines is parseDiff as it read the output before round 14: a
// bufio.Scanner's line a string. TestParseDiffAsScanner holds the
// slicing parseDiff to it.
func parseDiffLines(out []byte) []StagedFile {
	var files []StagedFile
	var cur *StagedFile
	line := 0
	inHunk := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 64*1024*1024)
	for sc.Scan() {
		t := sc.Text()
		switch {
		case strings.HasPrefix(t, "diff --git "):
			files = append(files, StagedFile{Path: headerPath(t[len("diff --git "):])})
			cur = &files[len(files)-1]
			inHunk = false
		case cur == nil:
		case strings.HasPrefix(t, "@@ "):
			inHunk = true
			if i := strings.Index(t, " +"); i >= 0 {
				rest := t[i+2:]
				if j := strings.IndexAny(rest, ", "); j >= 0 {
					rest = rest[:j]
				}
				line, _ = strconv.Atoi(rest)
			}
		case inHunk:
			if strings.HasPrefix(t, "+") {
				cur.Added = append(cur.Added, AddedLine{Line: line, Text: t[1:]})
				line++
			} else if strings.HasPrefix(t, " ") {
				line++
			}
		case strings.HasPrefix(t, "new file mode"):
			cur.New = true
		case strings.HasPrefix(t, "deleted file mode"):
			cur.Deleted = true
		case strings.HasPrefix(t, "Binary files "):
			cur.Binary = true
			if cur.Path == "" {
				if i := strings.LastIndex(t, " and "); i >= 0 {
					cur.Path = diffPath(strings.TrimSuffix(t[i+5:], " differ"))
				}
			}
		case strings.HasPrefix(t, "--- "), strings.HasPrefix(t, "+++ "):
			if p := diffPath(t[4:]); p != "" {
				cur.Path = p
			}
		}
	}
	return files
}

// TestParseDiffAsScanner: parseDiff, which slices its lines out of one
// string, reads 3,000 random diffs (CRLF lines, a last line without a
// newline, hunk headers with and without counts and with commas in their
// context, added lines that look like headers, binary files, empty
// lines) as the Scanner-based reading did.
func TestParseDiffAsScanner(t *testing.T) {
	pieces := []string{
		"diff --git a/.env b/.env", "diff --git a/x y b/x y", `diff --git "a/we\"ird" "b/we\"ird"`,
		"new file mode 100644", "deleted file mode 100644", "index 000..111",
		"--- /dev/null", "+++ b/.env", "--- a/.env", "+++ b/other",
		"@@ -0,0 +1,3 @@", "@@ -1 +1 @@", "@@ -4,2 +7 @@ def f(a, b):", "@@ -1,0 +2,0 @@", "@@ -1 +x,y @@", "@@ -9,9 +12,100000 @@",
		"+DATABASE_URL=postgres://app:pw@db/app", "+++ b/not-a-header", "++ b/other", "+", "-removed", " context",
		"Binary files /dev/null and b/img.png differ", "\\ No newline at end of file", "", "+tab\there", "+ütf-8 ✓",
	}
	rng := rand.New(rand.NewPCG(14, 3))
	for n := range 3000 {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
			switch rng.IntN(8) {
			case 0:
				b.WriteString("\r\n")
			case 1:
				b.WriteString("\r\r\n")
			default:
				b.WriteString("\n")
			}
		}
		out := b.String()
		if rng.IntN(4) == 0 && out != "" {
			out = out[:len(out)-1] // no newline at the end
		}
		got, want := parseDiff([]byte(out)), parseDiffLines([]byte(out))
		for i := range got {
			if len(got[i].Added) == 0 {
				got[i].Added = nil // room made for lines that never came
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("diff %d read\n%+v\nwant\n%+v\nfrom %q", n, got, want, out)
		}
	}
}

// TestAttackLongLineHidesStagedFiles: the staged diff was read a line at
// a time by a bufio.Scanner capped at 64 MiB a line, and a longer line
// ended the reading without a word: a one-line 65 MiB file staged ahead
// of the others (a.txt) hid every file after it, and the hook let a new
// .env with a production password and a code file with it pass, exit 0
// (seen at 4596c8b). The diff is now sliced whole, however long a line.
func TestAttackLongLineHidesStagedFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("a 65 MiB file")
	}
	dir, git := gitRepo(t)
	files := map[string]string{
		"a.txt":       strings.Repeat("x", 65<<20) + "\n",
		"z/.env":      "DATABASE_URL=" + linkNULURL + "\n",
		"z/config.py": "url = \"" + linkNULURL + "\"\n",
	}
	for name, body := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("add", "-A")
	rep, err := PreCommit(context.Background(), Options{Repo: dir, Config: config.Default(dir)})
	if err != nil {
		t.Fatalf("PreCommit: %v", err)
	}
	if at, want := locations(rep.Findings), "[z/.env:1 z/config.py:1]"; at != want || rep.Blocked() == 0 {
		t.Errorf("the hook found %s (blocked %d), want %s", at, rep.Blocked(), want)
	}
}
