//go:build linux

package envcheck

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Where openat2 is missing (a kernel before 5.6, a seccomp filter that
// refuses it: ENOSYS or EPERM), the open fell back to openat with the
// whole of rel, whose O_NOFOLLOW guards only the last part: a folder on
// the way that is a link out of the project was followed, and the file
// outside read. The fallback opens each folder on the way itself.
func TestAttackReadWithoutOpenat2FolderLinkOnTheWay(t *testing.T) {
	was := noOpenat2.Load()
	noOpenat2.Store(true)
	t.Cleanup(func() { noOpenat2.Store(was) })
	base := t.TempDir()
	root, out := filepath.Join(base, "project"), filepath.Join(base, "elsewhere")
	for _, d := range []string{filepath.Join(root, "real", "deeper"), out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(out, ".env"), "DATABASE_URL=postgres://out/app\n")
	write(filepath.Join(root, "real", ".env"), "DATABASE_URL=postgres://in/app\n")
	write(filepath.Join(root, "real", "deeper", ".env"), "DATABASE_URL=postgres://deep/app\n")
	write(filepath.Join(root, "file"), "x\n")
	for link, to := range map[string]string{"away": out, "near": "real", "real/up": ".."} {
		if err := os.Symlink(to, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	d := openRootDir(root)
	if d == noRootDir {
		t.Fatal("no root folder opened")
	}
	defer d.close()
	var oe *OutsideError
	if data, err := readLimitedIn(d, root, "away/.env"); !errors.As(err, &oe) {
		t.Errorf("away/.env: read %q, err %v; want an OutsideError", data, err)
	}
	for rel, want := range map[string]string{
		"real/.env":         "DATABASE_URL=postgres://in/app\n",
		"./real/.env":       "DATABASE_URL=postgres://in/app\n",
		"real/deeper/.env":  "DATABASE_URL=postgres://deep/app\n",
		"near/.env":         "DATABASE_URL=postgres://in/app\n",
		"real/up/real/.env": "DATABASE_URL=postgres://in/app\n",
	} {
		if data, err := readLimitedIn(d, root, rel); err != nil || string(data) != want {
			t.Errorf("%s: read %q, err %v; want %q", rel, data, err, want)
		}
	}
	if _, err := readLimitedIn(d, root, "file/.env"); err == nil {
		t.Errorf("file/.env: read, want an error")
	}
	if _, err := readLimitedIn(d, root, "missing/.env"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing/.env: err %v, want not found", err)
	}
}
