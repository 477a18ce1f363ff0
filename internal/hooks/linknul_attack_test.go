package hooks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
)

const linkNULURL = "postgres://app:S3cr3t@db.prod.internal/app"

// A committed symbolic link whose text is a credential URL: git stores
// the text as the link's blob, every clone holds it, and the hook judged
// it from the staged diff's added line; dbguard ci's scan (git grep)
// passes over links and let it through. The scan reads a tracked link's
// text from the index, never what it leads to.
func TestAttackScanTrackedLinkText(t *testing.T) {
	dir, git := gitRepo(t)
	if err := os.Symlink(linkNULURL, filepath.Join(dir, "db.url")); err != nil {
		t.Fatal(err)
	}
	// A link to a file with a password in it outside the repository is
	// not followed: what it leads to is not in git.
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("password=0utside-S3cret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatal(err)
	}
	git("add", "-A")
	rep, err := PreCommit(context.Background(), Options{Repo: dir, Config: config.Default(dir)})
	if err != nil {
		t.Fatalf("PreCommit: %v", err)
	}
	if at := locations(rep.Findings); at != "[db.url:1]" {
		t.Errorf("the hook found %s, want [db.url:1]", at)
	}
	git("commit", "-q", "--no-verify", "-m", "links")
	found, err := ScanTracked(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if at := locations(found); at != "[db.url:1]" {
		t.Errorf("ScanTracked found %s, want [db.url:1]", at)
	}
	for _, f := range found {
		if strings.Contains(f.Message, "S3cret") {
			t.Errorf("the finding shows the password: %s", f.Message)
		}
	}
}

// A NUL byte in the first 8,000 bytes makes git call a text file binary:
// git grep -I and git diff show none of its lines, and neither the hook
// nor dbguard ci judged the password in it. A file that is valid UTF-8
// (NUL bytes are) is read whole as text; a real binary (a PNG) is still
// passed over.
func TestAttackNULHidesCredential(t *testing.T) {
	dir, git := gitRepo(t)
	files := map[string]string{
		"app.py":   "x = 1 # \x00\nkey = \"" + linkNULURL + "\"\n",
		"db.cfg":   "[db]\x00\ndsn = host=db.prod.internal user=app password=S3cr3t dbname=app\n",
		"logo.png": "\x89PNG\r\n\x1a\n\x00\x00" + linkNULURL,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("add", "-A")
	rep, err := PreCommit(context.Background(), Options{Repo: dir, Config: config.Default(dir)})
	if err != nil {
		t.Fatalf("PreCommit: %v", err)
	}
	if at, want := locations(rep.Findings), "[app.py:2 db.cfg:2]"; at != want {
		t.Errorf("the hook found %s, want %s (and nothing in the real binary)", at, want)
	}
	git("commit", "-q", "--no-verify", "-m", "all")
	found, err := ScanTracked(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if at, want := locations(found), "[app.py:2 db.cfg:2]"; at != want {
		t.Errorf("ScanTracked found %s, want %s (and nothing in the real binary)", at, want)
	}
	// The files named to the hook (pre-commit's way), read whole.
	rep, err = PreCommit(context.Background(), Options{Repo: dir, Config: config.Default(dir), Files: []string{"app.py", "db.cfg", "logo.png"}})
	if err != nil {
		t.Fatalf("PreCommit with files: %v", err)
	}
	if at, want := locations(rep.Findings), "[app.py:2 db.cfg:2]"; at != want {
		t.Errorf("the hook, files named, found %s, want %s (and nothing in the real binary)", at, want)
	}
}

func locations(found []Finding) string {
	var at []string
	for _, f := range found {
		at = append(at, f.Location())
	}
	return fmt.Sprint(at)
}
