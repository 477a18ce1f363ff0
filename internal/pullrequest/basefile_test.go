package pullrequest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBaseFile: the base's dbguard.yaml for a pull request's is the one
// that configured the same folder: the file itself, the one git pairs
// with it as a rename, or (for the file ci found from the folder it runs
// in) the nearest the same walk finds in the base's tree. Each of the
// pull requests below was judged with the defaults before.
func TestBaseFile(t *testing.T) {
	ctx := context.Background()
	yaml := "version: 1\n# the service's own versions\nmigrations:\n  table: app_versions\n  ledger: app_ledger\n  lock_timeout: 30s\n"
	for _, tc := range []struct {
		name string
		base map[string]string
		pr   func(t *testing.T, dir string) // what the pull request does
		from string                         // ci's folder ("": a service's, or --config)
		path string                         // the pull request's file
		want string                         // the base's file read
		note string                         // in the warning ("": none)
	}{
		{name: "same file", base: map[string]string{"backend/dbguard.yaml": yaml},
			from: "backend", path: "backend/dbguard.yaml", want: "backend/dbguard.yaml"},
		{name: "same file, a service", base: map[string]string{"backend/dbguard.yaml": yaml},
			path: "backend/dbguard.yaml", want: "backend/dbguard.yaml"},
		{name: "deleted, the walk goes up", base: map[string]string{"backend/dbguard.yaml": yaml, "dbguard.yaml": "version: 1\n"},
			pr:   func(t *testing.T, dir string) { gitRun(t, dir, "rm", "-q", "backend/dbguard.yaml") },
			from: "backend", path: "dbguard.yaml", want: "backend/dbguard.yaml", note: "moves the configuration ci judges with from backend/dbguard.yaml to dbguard.yaml"},
		{name: "added below the base's", base: map[string]string{"dbguard.yaml": yaml, "backend/app.py": ""},
			from: "backend/src", path: "backend/dbguard.yaml", want: "dbguard.yaml", note: "from dbguard.yaml to backend/dbguard.yaml (ci runs in backend/src/)"},
		{name: "no file on either side", base: map[string]string{"backend/app.py": ""},
			from: "backend", path: "dbguard.yaml", want: "dbguard.yaml"},
		// A new service: the base's file nearest to its folder (before,
		// the defaults, while ci run in the folder took the same root's).
		{name: "a service added", base: map[string]string{"dbguard.yaml": yaml},
			path: "api/dbguard.yaml", want: "dbguard.yaml", note: "the base branch's dbguard.yaml, the nearest to api/"},
		{name: "the top's file added, a --config", base: map[string]string{"web/dbguard.yaml": "version: 1\n"},
			path: "dbguard.yaml", want: "dbguard.yaml"},
		{name: "a service added, none above", base: map[string]string{"web/app.py": ""},
			path: "api/dbguard.yaml", want: "api/dbguard.yaml"},
		{name: "a service added below another", base: map[string]string{"dbguard.yaml": "version: 1\n", "api/dbguard.yaml": yaml},
			path: "api/jobs/dbguard.yaml", want: "api/dbguard.yaml", note: "the nearest to api/jobs/"},
		// A copy is a new service, not its source: git's pairing of the
		// copy is the pull request's to choose.
		{name: "a service copied", base: map[string]string{"dbguard.yaml": "version: 1\n", "legacy/dbguard.yaml": "version: 1\nhook:\n  allow: [\"**\"]\n", "legacy/app.py": "x\n"},
			pr: func(t *testing.T, dir string) {
				if err := os.CopyFS(filepath.Join(dir, "api"), os.DirFS(filepath.Join(dir, "legacy"))); err != nil {
					t.Fatal(err)
				}
				gitRun(t, dir, "add", "-A")
			},
			path: "api/dbguard.yaml", want: "dbguard.yaml", note: "the nearest to api/"},
		{name: "renamed folder", base: map[string]string{"api/dbguard.yaml": yaml, "api/app.py": "x\n"},
			pr: func(t *testing.T, dir string) {
				gitRun(t, dir, "mv", "api", "api 2")
				write(t, filepath.Join(dir, "api 2", "dbguard.yaml"), "version: 1\n# the service's own versions\nmigrations:\n  lock_timeout: 30s\n")
				gitRun(t, dir, "add", "-A")
			},
			path: "api 2/dbguard.yaml", want: "api/dbguard.yaml", note: "renames api/dbguard.yaml to api 2/dbguard.yaml"},
		{name: "renamed, ci in the new folder", base: map[string]string{"api/dbguard.yaml": yaml, "dbguard.yaml": "version: 1\n"},
			pr:   func(t *testing.T, dir string) { gitRun(t, dir, "mv", "api", "svc") },
			from: "svc", path: "svc/dbguard.yaml", want: "api/dbguard.yaml", note: "renames api/dbguard.yaml to svc/dbguard.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, rev := repo(t, tc.base)
			if tc.pr != nil {
				tc.pr(t, dir)
				gitRun(t, dir, "commit", "-q", "-m", "pr")
			}
			top := gitRun(t, dir, "rev-parse", "--show-toplevel")
			b := &Base{}
			if tc.from != "" {
				b.From = filepath.Join(dir, filepath.FromSlash(tc.from))
			}
			path := filepath.Join(dir, filepath.FromSlash(tc.path))
			got, notes, err := b.baseFile(ctx, top, rev, path, path)
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(top, filepath.FromSlash(tc.want)); got != want {
				t.Errorf("read %s, want %s", got, want)
			}
			switch {
			case tc.note == "" && len(notes) > 0:
				t.Errorf("a warning: %s", notes[0].Message())
			case tc.note != "" && (len(notes) != 1 || !strings.Contains(notes[0].Message(), tc.note)):
				t.Errorf("warnings %+v, want one saying %q", notes, tc.note)
			}
		})
	}
}

func write(t *testing.T, p, text string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
