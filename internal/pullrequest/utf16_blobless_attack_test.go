package pullrequest

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf16"
)

func utf16le(s string) string {
	b := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

// TestAttackUTF16AllowBlobless: a UTF-16 file holding a dbguard:allow
// comment stopped ci (exit 2, the promisor error) in the Action's
// blobless flow: its base step finds the files whose comment ci judges
// with git grep, which does not see the comment in UTF-16, so the base's
// copy was never fetched and the diff of its lines failed. The full flow
// (every blob here) reads such a file's lines as all new when it changed
// (its diff holds NUL bytes) and as none when it did not; the blobless
// flow now answers the same without the base's copy, which neither
// verdict needs (git tells a changed file by ids alone).
func TestAttackUTF16AllowBlobless(t *testing.T) {
	ctx := context.Background()
	allow := "DSN=postgres://app:S3cr3t@db.prod.internal/app  # dbguard:allow fixture\n"
	src, _ := repo(t, map[string]string{
		"notes.txt": utf16le(allow),
		"same.txt":  utf16le("unchanged " + allow),
		"leak.py":   "x = 1  # dbguard:allow\n",
	})
	write(t, filepath.Join(src, "notes.txt"), utf16le(allow+"y = 2\n"))
	write(t, filepath.Join(src, "leak.py"), "x = 1  # dbguard:allow\ny = 2\n")
	gitRun(t, src, "commit", "-q", "-am", "pr")
	gitRun(t, src, "branch", "base", "main~1")

	// The full flow: every blob here.
	full := &Base{Revs: []string{"base"}, Branch: "base", Source: "--base base"}
	rev, why := full.Resolve(ctx, src)
	if rev == "" {
		t.Fatal(why)
	}
	// The whole diff (files nil), which reads every file's lines.
	whole, err := full.AddedLines(ctx, src, rev, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[int]bool{}
	for _, f := range []string{"notes.txt", "same.txt"} {
		if l, ok := whole[f]; ok {
			want[f] = l
		}
	}
	if l, ok := want["notes.txt"]; !ok || l != nil {
		t.Fatalf("full flow: notes.txt %v (present %v), want every line new", l, ok)
	}

	gitRun(t, src, "config", "uploadpack.allowFilter", "true")
	dst := filepath.Join(t.TempDir(), "dst")
	gitRun(t, src, "clone", "-q", "--filter=blob:none", "--no-checkout", "file://"+src, dst)
	gitRun(t, dst, "checkout", "-q", "main")
	gitRun(t, dst, "fetch", "-q", "--depth=1", "origin", "+refs/heads/base:refs/remotes/origin/base")
	b := &Base{Revs: []string{"origin/base"}, Branch: "base", Source: "--base origin/base"}
	if rev, why = b.Resolve(ctx, dst); rev == "" {
		t.Fatal(why)
	}
	got, err := b.AddedLines(ctx, dst, rev, []string{"notes.txt", "same.txt"})
	if err != nil {
		t.Fatalf("blobless flow: %v, want the full flow's answer", err)
	}
	if l, ok := got["notes.txt"]; !reflect.DeepEqual(got, want) || !ok || l != nil {
		t.Errorf("blobless flow %v, full flow %v", got, want)
	}
	// A file of another encoding still needs its base copy: the promisor
	// error, which the gate turns into the fetch hint, as before.
	if _, err := b.AddedLines(ctx, dst, rev, []string{"notes.txt", "leak.py"}); err == nil {
		t.Error("leak.py's lines told without its base copy")
	}
}
