package tool

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackPackageJSONDbguardCannotRead: a package.json Go's JSON
// reader refused (a UTF-8 byte order mark, arrays nested 20,000 deep
// beside the scripts) was passed over as one npm refuses too, but real
// npm 11 strips the mark, reads the nesting and runs the script; and a
// package.json dbguard could not read (a link out of the project, over
// 4 MiB) was skipped for the one above it, while npm runs the near one.
// `exec -- npm run migrate` ran a `dotenv -o` script unread. Found by
// review9a at 139e3a89.
func TestAttackPackageJSONDbguardCannotRead(t *testing.T) {
	bad := `"scripts": {"migrate": "dotenv -e .env.prod -o -- ./migrate up"}`
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{"package.json": "{" + bad + "}"})
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"package.json":      `{"scripts": {"migrate": "./migrate up"}}`,
		"bom/package.json":  "\xef\xbb\xbf{" + bad + "}",
		"deep/package.json": `{"x": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + ", " + bad + "}",
		"big/package.json":  `{"pad": "` + strings.Repeat("x", 5<<20) + `", ` + bad + "}",
	})
	if err := os.Mkdir(filepath.Join(root, "link"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "package.json"), filepath.Join(root, "link", "package.json")); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]string{
		"bom":  "bom/package.json:1: the script migrate runs dotenv",
		"deep": "deep/package.json: dbguard cannot read it as JSON",
		"big":  "big/package.json cannot be read inside the project",
		"link": "link/package.json cannot be read inside the project",
	} {
		err := CheckExecLine(root, filepath.Join(root, dir), []string{"DATABASE_URL"}, []string{"npm", "run", "migrate"})
		var a *exitcode.Advice
		if !errors.As(err, &a) || a.Code != exitcode.Usage || !strings.HasPrefix(a.Msg, want) {
			t.Errorf("%s: %v, want a refusal starting %q", dir, err, want)
		}
	}
	if err := CheckExecLine(root, root, []string{"DATABASE_URL"}, []string{"npm", "run", "migrate"}); err != nil {
		t.Errorf("the root's script: %v", err)
	}
}
