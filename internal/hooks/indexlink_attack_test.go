package hooks

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// Attack: the index holds dbguard.yaml as a symbolic link to conf/a.yaml,
// and conf/a.yaml has an unstaged edit. git diff compares the link's text
// and says dbguard.yaml is unchanged, but config.Find follows the disk's
// link to the edited file: the configuration question must say "changed",
// from the index file and from git alike, so the index's copy is loaded
// (and the copy follows the link inside the index). Before: unchanged, and
// the disk's edit judged the commit.
func TestAttackIndexConfigLinkTargetEdited(t *testing.T) {
	dir, git := gitRepo(t)
	if err := os.MkdirAll(filepath.Join(dir, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "a.yaml"), []byte("version: 1\nenv:\n  files: [.env, b.env]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("conf/a.yaml", filepath.Join(dir, "dbguard.yaml")); err != nil {
		t.Fatal(err)
	}
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	if err := os.WriteFile(filepath.Join(dir, "conf", "a.yaml"), []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if changed, ok := indexFileConfigChanged(dir); !ok || !changed {
		t.Errorf("index file: changed %v, read %v; want a change", changed, ok)
	}
	t.Setenv("GIT_DIR", filepath.Join(dir, ".git")) // git's own answer
	g := Git{Dir: dir}
	if changed, err := g.configChanged(context.Background()); err != nil || !changed {
		t.Errorf("git: changed %v, %v; want a change", changed, err)
	}
	copyDir := t.TempDir()
	if err := g.copyIndex(context.Background(), copyDir, copied); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(copyDir, "dbguard.yaml"))
	if want := "version: 1\nenv:\n  files: [.env, b.env]\n"; err != nil || string(data) != want {
		t.Errorf("the copy's dbguard.yaml: %q, %v; want the index's conf/a.yaml, %q", data, err, want)
	}
}
