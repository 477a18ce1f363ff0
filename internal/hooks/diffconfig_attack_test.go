package hooks

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
)

// A repository's .git/config is the repository's: diff.interHunkContext
// there makes git diff -U0 join two hunks with the unchanged lines between
// them, which the hook counted as nothing, so a committed password was
// reported lines above where it is (app.py:2 for app.py:4), a location
// that sends the user to the wrong line.
func TestAttackDiffInterHunkContextLine(t *testing.T) {
	dir, git := gitRepo(t)
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a = 1\nb = 2\nc = 3\nd = 4\ne = 5\n")
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	write("a = 0\nb = 2\nc = 3\nkey = \"postgres://app:S3cr3t@db.prod.internal/app\"\nd = 4\ne = 5\n")
	git("add", "-A")
	git("config", "diff.interHunkContext", "10")
	rep, err := PreCommit(context.Background(), Options{Repo: dir, Config: config.Default(dir)})
	if err != nil {
		t.Fatalf("PreCommit: %v", err)
	}
	found := false
	for _, f := range rep.Findings {
		if f.File == "app.py" {
			found = true
			if f.Location() != "app.py:4" {
				t.Errorf("finding at %s, want app.py:4: %s", f.Location(), f.Message)
			}
		}
	}
	if !found {
		t.Fatalf("no finding in app.py: %+v", rep.Findings)
	}
}

// A repository's .gitattributes can call any file binary ("*.py -diff",
// as some do for generated or vendored code): git diff then says "Binary
// files differ" and shows no line, and the hook judged nothing in it, so
// a password in a Python file went through. A file git's own content test
// takes for text (no NUL byte in its first 8000) is read and judged.
func TestAttackDiffAttributeHidesCredential(t *testing.T) {
	dir, git := gitRepo(t)
	if err := os.WriteFile(filepath.Join(dir, ".gitattributes"), []byte("*.py -diff\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte("x = 1\nkey = \"postgres://app:S3cr3t@db.prod.internal/app\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "logo.png"), []byte("\x89PNG\r\n\x1a\n\x00\x00postgres://app:S3cr3t@db.prod.internal/app"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "-A")
	rep, err := PreCommit(context.Background(), Options{Repo: dir, Config: config.Default(dir)})
	if err != nil {
		t.Fatalf("PreCommit: %v", err)
	}
	var at []string
	for _, f := range rep.Findings {
		at = append(at, f.Location())
	}
	if len(at) != 1 || at[0] != "app.py:2" {
		t.Errorf("findings at %v, want app.py:2 (and nothing in the real binary)", at)
	}
}

// The same attribute hid a committed password from dbguard ci's scan:
// git grep -I passes over a file a .gitattributes calls binary. Text
// files among those are read whole; a real binary is still passed over.
func TestAttackScanAttributeHidesCredential(t *testing.T) {
	dir, git := gitRepo(t)
	files := map[string]string{
		".gitattributes": "*.py -diff\n*.cfg binary\n",
		"app.py":         "x = 1\nkey = \"postgres://app:S3cr3t@db.prod.internal/app\"\n",
		"db.cfg":         "[db]\ndsn = host=db.prod.internal user=app password=S3cr3t dbname=app\n",
		"logo.png":       "\x89PNG\r\n\x1a\n\x00\x00postgres://app:S3cr3t@db.prod.internal/app",
		"plain.go":       "var u = \"postgres://app:S3cr3t@db.prod.internal/app\"\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("add", "-A")
	git("commit", "-q", "-m", "all")
	found, err := ScanTracked(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var at []string
	for _, f := range found {
		at = append(at, f.Location())
	}
	if want := "[app.py:2 db.cfg:2 plain.go:1]"; fmt.Sprint(at) != want {
		t.Errorf("ScanTracked found %v, want %s (and nothing in the real binary)", at, want)
	}
}

// A file git calls binary shows no ---/+++ lines, only "Binary files
// a/X and b/X differ", and the hook took the name after the last " and ":
// a file named "notes and b/x.txt" (under "* -diff") was judged as
// "x.txt", which the index does not hold, so the password in it went
// through the hook (dbguard ci's scan found it). The name comes from the
// "diff --git" line, whose two sides are the same path.
func TestAttackDiffBinaryNameWithAnd(t *testing.T) {
	dir, git := gitRepo(t)
	if err := os.WriteFile(filepath.Join(dir, ".gitattributes"), []byte("* -diff\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	for _, name := range []string{"notes and b/x.txt", "a and b", "q\"and b/\" and b/y.txt"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte("key = \"postgres://app:S3cr3t@db.prod.internal/app\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("add", "-A")
	rep, err := PreCommit(context.Background(), Options{Repo: dir, Config: config.Default(dir)})
	if err != nil {
		t.Fatalf("PreCommit: %v", err)
	}
	got := map[string]bool{}
	for _, f := range rep.Findings {
		got[f.Location()] = true
	}
	for _, want := range []string{"notes and b/x.txt:1", "a and b:1", "q\"and b/\" and b/y.txt:1"} {
		if !got[want] {
			t.Errorf("no finding at %s: %v", want, got)
		}
	}
}

// A NUL byte makes a file binary to git (and to the hook's and ci's
// content test), but not to the env loaders: python-dotenv, Node's dotenv
// and dbguard env itself read "#\x00" as a comment and the URL on the
// next line. A .env with a NUL in a comment and a real password went
// through the hook (a new env file, and its line) and dbguard ci's scan.
// An env file is judged as text whatever bytes it holds.
func TestAttackEnvFileNULHidesCredential(t *testing.T) {
	dir, git := gitRepo(t)
	git("commit", "-q", "--allow-empty", "-m", "base")
	body := "#\x00\nDATABASE_URL=postgres://app:S3cr3t@db.prod.internal/app\n"
	for _, name := range []string{".env", "backend/.env.production"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("add", "-f", "-A")
	rep, err := PreCommit(context.Background(), Options{Repo: dir, Config: config.Default(dir)})
	if err != nil {
		t.Fatalf("PreCommit: %v", err)
	}
	blocked := map[string]bool{}
	for _, f := range rep.Findings {
		if f.Block {
			blocked[f.File] = true
		}
	}
	if !blocked[".env"] || !blocked["backend/.env.production"] {
		t.Errorf("hook blocked %v, want .env and backend/.env.production: %+v", blocked, rep.Findings)
	}
	git("commit", "-q", "--no-verify", "-m", "env")
	found, err := ScanTracked(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var at []string
	for _, f := range found {
		at = append(at, f.Location())
	}
	if want := "[.env:2 backend/.env.production:2]"; fmt.Sprint(at) != want {
		t.Errorf("ScanTracked found %v, want %s", at, want)
	}
}

// A .gitattributes working-tree-encoding=UTF-16LE makes git store the
// file as UTF-8 (the blob every clone and the forge's web page show)
// and write it out as UTF-16 without a byte order mark: dbguard ci's
// scan, which greps the checkout, saw NUL-laden bytes and no password,
// and passed while the commit held it in plain text. Such a file is
// read from the index.
func TestAttackScanWorkingTreeEncodingHidesCredential(t *testing.T) {
	dir, git := gitRepo(t)
	if err := os.WriteFile(filepath.Join(dir, ".gitattributes"), []byte("notes.txt working-tree-encoding=UTF-16LE\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	line := "url = postgres://app:S3cr3t@db.prod.internal/app\n"
	utf16le := make([]byte, 0, 2*len(line))
	for _, c := range []byte(line) {
		utf16le = append(utf16le, c, 0)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), utf16le, 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "-A")
	git("commit", "-q", "--no-verify", "-m", "notes")
	if out, err := exec.Command("git", "-C", dir, "cat-file", "-p", "HEAD:notes.txt").Output(); err != nil || string(out) != line {
		t.Fatalf("the blob is %q (%v), want the UTF-8 line", out, err)
	}
	found, err := ScanTracked(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var at []string
	for _, f := range found {
		at = append(at, f.Location())
	}
	if want := "[notes.txt:1]"; fmt.Sprint(at) != want {
		t.Errorf("ScanTracked found %v, want %s", at, want)
	}
}

// dbguard ci's scan looked only for lines that name a URL or a password
// word, so a tracked .env.production with DB_PASSWORD= (or DB_PASS=) a
// real password passed the gate, while the hook refuses such an env file
// whole (judgeFiles: "is tracked by git"). The scan refuses it the same
// way; a template and an env file without a secret pass.
func TestAttackScanTrackedEnvFileSecret(t *testing.T) {
	dir, git := gitRepo(t)
	files := map[string]string{
		".env.production":      "DB_PASSWORD=hunter2Real99\n",
		"backend/.env.staging": "APP=web\nDB_PASS=hunter2Real99\n",
		".env.example":         "DB_PASSWORD=changeme\n",
		".env":                 "DATABASE_URL=postgres://app@db.example.com/app\n",
		"api/.env.local":       "DATABASE_URL=postgres://app:hunter2Real99@db.example.com/app\n",
	}
	for name, body := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("add", "-f", "-A")
	git("commit", "-q", "--no-verify", "-m", "env")
	found, err := ScanTracked(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var at []string
	for _, f := range found {
		at = append(at, f.Location())
	}
	if want := "[.env.production:1 api/.env.local:1 backend/.env.staging:2]"; fmt.Sprint(at) != want {
		t.Errorf("ScanTracked found %v, want %s: %+v", at, want, found)
	}
}

// The CI gate's check is "no real database password in tracked files":
// a committed .env.test holding its tests' own secrets (JWT_SECRET, a
// Stripe test key) beside a loopback URL is no database password, and
// an ordinary repository's gate failed on it (before: "1 real database
// password(s)", JWT_SECRET named). A password variable still refuses it.
func TestScanTrackedEnvFileOtherSecretsPass(t *testing.T) {
	dir, git := gitRepo(t)
	files := map[string]string{
		".env.test":            "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app_test\nJWT_SECRET=supersecret123\nSTRIPE_API_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dc\nSESSION_TOKEN=abcdef123456\n",
		"api/.env.development": "JWT_SECRET=devsecret99\nDB_PASSWORD=hunter2Real99\n",
		"web/.env.development": "DATABASE_URL=postgres://app:devpw@127.0.0.1:5432/app\n",
	}
	for name, body := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("add", "-f", "-A")
	git("commit", "-q", "--no-verify", "-m", "env")
	found, err := ScanTracked(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var at []string
	for _, f := range found {
		at = append(at, f.Location())
	}
	if want := "[api/.env.development:2]"; fmt.Sprint(at) != want {
		t.Errorf("ScanTracked found %v, want %s: %+v", at, want, found)
	}
}
