package envcheck

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// A link checked to stay inside the project and then swapped (the link
// itself, the file it led to, or a folder on the way, for a link out of
// the project) before the open: the file read is the one checked, or
// none. Before, the check resolved the link and the open followed it
// again by name, so the swap read the file outside.
func TestAttackReadLimitedLinkSwappedAfterCheck(t *testing.T) {
	const inside, outside = "DATABASE_URL=postgres://in/app\n", "DATABASE_URL=postgres://out/app\n"
	for _, tc := range []struct {
		name string
		to   string // what .env links to
		swap func(root, out string) error
		want string // the bytes read; "" for an OutsideError
	}{
		{"the link", "in.env", func(root, out string) error {
			return relink(filepath.Join(root, ".env"), filepath.Join(out, "out.env"))
		}, inside},
		{"the file it led to", "in.env", func(root, out string) error {
			return relink(filepath.Join(root, "in.env"), filepath.Join(out, "out.env"))
		}, ""},
		{"a folder on the way", "sub/in.env", func(root, out string) error {
			if err := os.Rename(filepath.Join(root, "sub"), filepath.Join(root, "was")); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(out, "in.env"), []byte(outside), 0o644); err != nil {
				return err
			}
			return os.Symlink(out, filepath.Join(root, "sub"))
		}, ""},
	} {
		for _, at := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/from the root folder %v", tc.name, at), func(t *testing.T) {
				base := t.TempDir()
				root, out := filepath.Join(base, "project"), filepath.Join(base, "elsewhere")
				for _, d := range []string{filepath.Join(root, "sub"), out} {
					if err := os.MkdirAll(d, 0o755); err != nil {
						t.Fatal(err)
					}
				}
				for name, body := range map[string]string{
					filepath.Join(root, "in.env"): inside, filepath.Join(root, "sub", "in.env"): inside,
					filepath.Join(out, "out.env"): outside,
				} {
					if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.Symlink(tc.to, filepath.Join(root, ".env")); err != nil {
					t.Fatal(err)
				}
				swapped := false
				linkChecked = func() {
					swapped = true
					if err := tc.swap(root, out); err != nil {
						t.Fatal(err)
					}
				}
				defer func() { linkChecked = nil }()
				d := noRootDir
				if at {
					d = openRootDir(root)
					defer d.close()
				}
				data, err := readLimitedIn(d, root, ".env")
				if !swapped {
					t.Fatal("the hook did not run: the link was not checked")
				}
				var oe *OutsideError
				switch {
				case tc.want == "" && !errors.As(err, &oe):
					t.Errorf("read %q, err %v; want an OutsideError", data, err)
				case tc.want != "" && (err != nil || string(data) != tc.want):
					t.Errorf("read %q, err %v; want %q", data, err, tc.want)
				}
			})
		}
	}
}

// relink makes name a link to target, in one rename.
func relink(name, target string) error {
	tmp := name + ".new"
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// A plain file below a folder that is a link: opened from the root folder
// (the read of every discovered env file), the link is followed only
// inside the project. Before, openat's O_NOFOLLOW guarded only the file's
// own name: a folder swapped for a link out after discovery listed the
// file was followed, and the file outside read.
func TestAttackReadLimitedFolderLinkOnTheWay(t *testing.T) {
	base := t.TempDir()
	root, out := filepath.Join(base, "project"), filepath.Join(base, "elsewhere")
	for _, d := range []string{filepath.Join(root, "real"), out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(out, ".env"), []byte("DATABASE_URL=postgres://out/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "real", ".env"), []byte("DATABASE_URL=postgres://in/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(out, filepath.Join(root, "away")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(root, "near")); err != nil {
		t.Fatal(err)
	}
	d := openRootDir(root)
	if d == noRootDir {
		t.Skip("no root folder opened here")
	}
	defer d.close()
	data, err := readLimitedIn(d, root, "away/.env")
	var oe *OutsideError
	if !errors.As(err, &oe) {
		t.Errorf("away/.env: read %q, err %v; want an OutsideError", data, err)
	}
	if data, err := readLimitedIn(d, root, "near/.env"); err != nil || string(data) != "DATABASE_URL=postgres://in/app\n" {
		t.Errorf("near/.env (a folder link inside): read %q, err %v", data, err)
	}
}

// The same by readLimited, which reads a project's env files when there
// are fewer than 16 (prefetch opens the root folder only for more) and
// the env flow's: it opened the file by its whole name, O_NOFOLLOW
// guarding only the last part, so a folder swapped for a link out after
// discovery listed the file was followed and the file outside read.
func TestAttackReadLimitedByNameFolderLinkOnTheWay(t *testing.T) {
	base := t.TempDir()
	root, out := filepath.Join(base, "project"), filepath.Join(base, "elsewhere")
	for _, d := range []string{filepath.Join(root, "real"), out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(out, ".env"), []byte("DATABASE_URL=postgres://out/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "real", ".env"), []byte("DATABASE_URL=postgres://in/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(out, filepath.Join(root, "away")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(root, "near")); err != nil {
		t.Fatal(err)
	}
	data, err := readLimited(root, "away/.env")
	var oe *OutsideError
	if !errors.As(err, &oe) {
		t.Errorf("away/.env: read %q, err %v; want an OutsideError", data, err)
	}
	if data, err := readLimited(root, "near/.env"); err != nil || string(data) != "DATABASE_URL=postgres://in/app\n" {
		t.Errorf("near/.env (a folder link inside): read %q, err %v", data, err)
	}
	if data, err := readLimited(root, "real/.env"); err != nil || string(data) != "DATABASE_URL=postgres://in/app\n" {
		t.Errorf("real/.env: read %q, err %v", data, err)
	}
}
