package hooks

import (
	"context"
	"fmt"
	"testing"
)

// TestAttackScanColumnHidesCredential: with grep.column = true (a
// repository's .git/config copied with an archive or a build context, or
// the user's own taste in ~/.gitconfig), git grep puts the match's column
// before each line's text even with -z ("37\x00password: ..."), and dbguard
// ci's credential scan read that as the line: a YAML or TOML password key
// was no longer at the start of its line, and the committed passwords of
// d.yaml and h.toml passed. Grep runs with grep.column=false.
func TestAttackScanColumnHidesCredential(t *testing.T) {
	dir, at := scanUnderConfig(t, map[string]string{
		"app.py": "x = 1\nkey = \"postgres://app:S3cr3t@db.prod.internal/app\"\n",
		"d.yaml": "password: S3cr3tzzQ\nhost: db.prod.internal\n",
		"h.toml": "password = \"S3cr3tzzQ\"\nhost = \"db.prod.internal\"\n",
	}, "grep.column", "true")
	if want := "[app.py:2 d.yaml:1 h.toml:1]"; fmt.Sprint(at) != want {
		t.Errorf("with grep.column = true ScanTracked found %v, want %s", at, want)
	}
	lines, err := Git{Dir: dir}.Grep(context.Background(), "password")
	if err != nil || len(lines) == 0 || lines[0].Text != "password: S3cr3tzzQ" {
		t.Errorf("Grep: %+v (%v), want d.yaml's line as written", lines, err)
	}
}
