package hooks

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/dbguard/dbguard/internal/output"
)

// The script in the repository's hooks/ folder is the one dbguard installs.
func TestScriptMatchesRepositoryCopy(t *testing.T) {
	repo, err := os.ReadFile("../../hooks/pre-commit")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(repo, Script) {
		t.Error("hooks/pre-commit differs from internal/hooks/pre-commit.sh: copy one over the other")
	}
	if !bytes.Contains(Script, []byte(marker)) {
		t.Error("the script lacks the marker install and uninstall look for")
	}
}

func TestParseDiff(t *testing.T) {
	diff := `diff --git a/.env b/.env
new file mode 100644
index 0000000..e69de29
--- /dev/null
+++ b/.env
@@ -0,0 +1,2 @@
+A=1
+DATABASE_URL=postgres://x
diff --git a/src/app.py b/src/app.py
index 1..2 100644
--- a/src/app.py
+++ b/src/app.py
@@ -10,0 +11 @@ def f():
+    url = "postgres://a:b@h/db"
@@ -20,2 +22,3 @@
-old
+new1
+new2
+new3
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
--- a/gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
diff --git a/img.png b/img.png
new file mode 100644
Binary files /dev/null and b/img.png differ
diff --git "a/we\"ird.txt" "b/we\"ird.txt"
--- "a/we\"ird.txt"
+++ "b/we\"ird.txt"
@@ -1 +1 @@
+x
`
	files := parseDiff([]byte(diff))
	if len(files) != 5 {
		t.Fatalf("%d files: %+v", len(files), files)
	}
	env, app, gone, img, weird := files[0], files[1], files[2], files[3], files[4]
	if env.Path != ".env" || !env.New || len(env.Added) != 2 || env.Added[1].Line != 2 {
		t.Errorf(".env: %+v", env)
	}
	if app.Path != "src/app.py" || app.New || len(app.Added) != 4 || app.Added[0].Line != 11 || app.Added[1].Line != 22 || app.Added[3].Line != 24 {
		t.Errorf("app.py: %+v", app)
	}
	if gone.Path != "gone.txt" || !gone.Deleted || len(gone.Added) != 0 {
		t.Errorf("gone.txt: %+v", gone)
	}
	if img.Path != "img.png" || !img.Binary {
		t.Errorf("img.png: %+v", img)
	}
	if weird.Path != `we"ird.txt` {
		t.Errorf("quoted path: %q", weird.Path)
	}
}

func TestPlaceholdersAndLoopback(t *testing.T) {
	for _, pw := range []string{"", "password", "POSTGRES", "changeme", "<password>", "${DB_PASSWORD}", "$PGPASS", "****", "xxxx", "{{ .Password }}", "%s", "..."} {
		if !isPlaceholder(pw) {
			t.Errorf("%q should be a placeholder", pw)
		}
	}
	for _, pw := range []string{"npg_abc123", "hunter2", "p%40ss"} {
		if isPlaceholder(pw) {
			t.Errorf("%q should count as a real password", pw)
		}
	}
	for _, h := range []string{"localhost", "127.0.0.1", "[::1]", "/var/run/postgresql"} {
		if !isLoopback(h) {
			t.Errorf("%q should be loopback", h)
		}
	}
	// Names under localhost resolve through DNS like any other.
	for _, h := range []string{"db.prod.internal", "db.localhost", "localhost.evil.com", "127.0.0.1.nip.io"} {
		if isLoopback(h) {
			t.Errorf("%q is not loopback", h)
		}
	}
}

// TestAttackHookThroughLink: a hooks folder can be a committed one
// (core.hooksPath .githooks), its pre-commit a dangling link to a file
// outside the repository. Installing must not create the link's target.
func TestAttackHookThroughLink(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	target := filepath.Join(outside, "autostart")
	if err := os.Symlink(target, filepath.Join(dir, "pre-commit")); err != nil {
		t.Fatal(err)
	}
	_, _, err := writeHook(dir)
	var we *output.WriteFileError
	if !errors.As(err, &we) {
		t.Errorf("writeHook through a dangling link: %v, want a WriteFileError", err)
	}
	if _, err := os.Lstat(target); err == nil {
		t.Errorf("the hook was written through the link to %s", target)
	}
}
