package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttackConfigLinkOut: a repository's dbguard.yaml that is a symbolic
// link out of it (to ~/.pgpass, a CI runner's secret file) was read, and
// its first bytes or keys quoted in the YAML error ("want a mapping, got a
// string \"localho...\"", unknown key "DB_PASSWORD"), seen with the built
// binary. The file found in the repository is opened through an os.Root
// at its git root: a link out is refused without reading, one that stays
// inside is followed, and --config (the user's) may name any file.
func TestAttackConfigLinkOut(t *testing.T) {
	base := t.TempDir()
	secret := filepath.Join(base, "pgpass")
	if err := os.WriteFile(secret, []byte("localhost:5432:app:app:s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keyed := filepath.Join(base, "secrets.yaml")
	if err := os.WriteFile(keyed, []byte("DB_PASSWORD_s3cret: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(base, "repo")
	for _, d := range []string{".git", "svc", "shared"} {
		if err := os.MkdirAll(filepath.Join(repo, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(repo, FileName)
	for _, target := range []string{secret, keyed, "../secrets.yaml"} {
		os.Remove(cfg)
		if err := os.Symlink(target, cfg); err != nil {
			t.Fatal(err)
		}
		_, err := Discover(filepath.Join(repo, "svc"), "")
		if err == nil || !strings.Contains(err.Error(), "symbolic link out of the repository") {
			t.Errorf("dbguard.yaml -> %s: %v, want refused as a link out of the repository", target, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") || err != nil && strings.Contains(err.Error(), "localho") {
			t.Errorf("dbguard.yaml -> %s: the error quotes the file outside: %v", target, err)
		}
	}

	// A link that stays in the repository is followed.
	if err := os.WriteFile(filepath.Join(repo, "shared", "c.yaml"), []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	svcCfg := filepath.Join(repo, "svc", FileName)
	if err := os.Symlink("../shared/c.yaml", svcCfg); err != nil {
		t.Fatal(err)
	}
	c, err := Discover(filepath.Join(repo, "svc"), "")
	if err != nil || c.Root != filepath.Join(repo, "svc") {
		t.Errorf("svc/dbguard.yaml -> ../shared/c.yaml: %v, %+v; want read, rooted at svc", err, c)
	}

	// --config is the user's word: a file anywhere.
	outside := filepath.Join(base, "mine.yaml")
	if err := os.WriteFile(outside, []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Discover(repo, outside); err != nil {
		t.Errorf("--config %s: %v, want read", outside, err)
	}
}
