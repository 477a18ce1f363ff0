package envcheck

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestAttackManifestLinkOut: a package.json or requirements.txt that is a
// link to a file outside the project was read through the link, so a file
// outside decided which loaders dbguard judged the env files by (next,
// python-dotenv). Manifests are now read inside the project only: a link
// out is unread and names nothing, as an unreadable manifest does; a link
// that stays inside is read.
func TestAttackManifestLinkOut(t *testing.T) {
	outside := t.TempDir()
	for name, body := range map[string]string{"package.json": `{"dependencies": {"next": "15.0.0"}}`, "requirements.txt": "python-dotenv==1.0.1\n"} {
		if err := os.WriteFile(filepath.Join(outside, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root := tree(t, map[string]string{".env": "DATABASE_URL=" + dbA + "\n", "shared/package.json": `{"dependencies": {"dotenv": "16.0.0"}}`})
	for _, dir := range []string{"web", "api"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"package.json", "requirements.txt"} {
		if err := os.Symlink(filepath.Join(outside, name), filepath.Join(root, "web", name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join("..", "shared", "package.json"), filepath.Join(root, "api", "package.json")); err != nil {
		t.Fatal(err)
	}
	got := (&Report{}).readManifests(Options{Root: root}, []string{"web/package.json", "web/requirements.txt", "api/package.json"})
	if slices.Contains(got["web"], "next") || slices.Contains(got["web"], "python-dotenv") {
		t.Errorf("web's loaders %q: read from the files outside the project its manifests link to", got["web"])
	}
	if !slices.Contains(got["api"], "dotenv") {
		t.Errorf("api's loaders %q: a manifest linked inside the project is read", got["api"])
	}
}
