package hooks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestAttackScanColorHidesCredential: a repository's .git/config (copied
// with an archive or a build context) with color.grep = always, or
// color.ui = always, made git grep colour its output even into a pipe;
// dbguard ci's credential scan then read no file name or line from it and
// passed a committed password ("PASS credentials", seen with the built
// binary). Every git grep runs with --no-color. The UTF-16 files (BOM
// lines) are found under the same configuration.
func TestAttackScanColorHidesCredential(t *testing.T) {
	for _, key := range []string{"color.grep", "color.ui"} {
		t.Run(key, func(t *testing.T) {
			dir, at := scanUnderConfig(t, map[string]string{
				"app.py":   "x = 1\nkey = \"postgres://app:S3cr3t@db.prod.internal/app\"\n",
				"db.cfg":   "[db]\ndsn = host=db.prod.internal user=app password=S3cr3t dbname=app\n",
				"utf16.py": "\xff\xfeu\x00=\x00\"\x00p\x00o\x00s\x00t\x00g\x00r\x00e\x00s\x00:\x00/\x00/\x00a\x00p\x00p\x00:\x00S\x003\x00c\x00r\x003\x00t\x00@\x00d\x00b\x00.\x00p\x00r\x00o\x00d\x00/\x00a\x00p\x00p\x00\"\x00\n\x00",
			}, key, "always")
			if want := "[app.py:2 db.cfg:2 utf16.py:1]"; fmt.Sprint(at) != want {
				t.Errorf("with %s = always ScanTracked found %v, want %s", key, at, want)
			}
			bom, err := Git{Dir: dir}.BOMFiles(context.Background())
			if err != nil || fmt.Sprint(bom) != "[utf16.py]" {
				t.Errorf("with %s = always BOMFiles found %q (%v), want [utf16.py]", key, bom, err)
			}
		})
	}
}

// scanUnderConfig commits files to a new repository, sets the git
// configuration key to value there (as a repository's .git/config would),
// and returns the folder and the locations ScanTracked finds.
func scanUnderConfig(t *testing.T, files map[string]string, key, value string) (string, []string) {
	t.Helper()
	dir, git := gitRepo(t)
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("add", "-A")
	git("commit", "-q", "-m", "all")
	git("config", key, value)
	found, err := ScanTracked(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var at []string
	for _, f := range found {
		at = append(at, f.Location())
	}
	return dir, at
}
