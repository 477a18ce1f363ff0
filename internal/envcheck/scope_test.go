package envcheck

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScopeContents: the hook judges a service from the index's contents
// as discovery judges it on disk: the files below the service's folder,
// and above it only what its loaders read upward (python-dotenv reads the
// root's .env when the worker has none); another service's files are not
// its own.
func TestScopeContents(t *testing.T) {
	contents := map[string][]byte{
		".env":                         []byte("DATABASE_URL=postgres://app@db-root.internal:5432/shared\n"),
		"apps/web/.env":                []byte("DATABASE_URL=postgres://app@db-web.internal:5432/web\n"),
		"apps/worker/requirements.txt": []byte("python-dotenv==1.0.1\n"),
		"apps/worker/jobs/.env":        []byte("DATABASE_URL=postgres://app@db-root.internal:5432/shared\n"),
		"apps/workers/.env":            []byte("DATABASE_URL=postgres://app@db-other.internal:5432/other\n"),
	}
	o := Options{Root: t.TempDir(), Mode: "development", URLVar: "DATABASE_URL", Contents: contents, Scope: "apps/worker"}
	rep, err := Resolve(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Err(false); err != nil {
		t.Fatalf("verdict: %v", err)
	}
	if got := rep.Effective.Def.Location(); got != ".env:1" {
		t.Errorf("in effect %s, want the root's .env, read upward from apps/worker", got)
	}
	for _, f := range rep.Files {
		switch f.Path {
		case ".env", "apps/worker/jobs/.env":
		default:
			t.Errorf("judged %s, which is not the worker's", f.Path)
		}
	}
	for _, lr := range rep.Readings {
		if !inScope("apps/worker", lr.Dir) {
			t.Errorf("a loader starts in %s, outside the service", lr.Dir)
		}
	}
}

// TestScopeConflictHintRunsInTheService: a service's files are named from
// the root, but the schema diff a conflict suggests must find them from
// where the command runs, the service's folder included.
func TestScopeConflictHintRunsInTheService(t *testing.T) {
	root := t.TempDir()
	for p, body := range map[string]string{
		"apps/worker/requirements.txt": "python-dotenv==1.0.1\n",
		"apps/worker/.env":             "DATABASE_URL=postgres://app@db-a.internal:5432/a\n",
		"apps/worker/jobs/.env":        "DATABASE_URL=postgres://app@db-b.internal:5432/b\n",
	} {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for wd, want := range map[string]string{
		root:                                  "dbguard schema diff apps/worker/.env apps/worker/jobs/.env",
		filepath.Join(root, "apps", "worker"): "dbguard schema diff .env jobs/.env",
	} {
		t.Chdir(wd)
		rep, err := Resolve(context.Background(), Options{Root: root, Mode: "development", URLVar: "DATABASE_URL", Scope: "apps/worker"})
		if err != nil {
			t.Fatal(err)
		}
		var conflict *ConflictError
		if err := rep.Err(false); !errors.As(err, &conflict) {
			t.Fatalf("in %s: %v, want a conflict", wd, err)
		}
		if h := conflict.Hint(); !strings.Contains(h, want) {
			t.Errorf("in %s: hint %q; want %q", wd, h, want)
		}
	}
}

// TestScopeRunsOnlyItsOwnCode: the root's package.json script and Python
// code start the root's processes, not a service's. A root script loading
// backend/.env and root code loading web/.env made both services fail
// with the root's readings (today's review); the root itself is still
// judged with them.
func TestScopeRunsOnlyItsOwnCode(t *testing.T) {
	root := tree(t, map[string]string{
		".env":             "DATABASE_URL=" + dbA + "\n",
		"package.json":     `{"dependencies":{"dotenv":"1"},"scripts":{"dev":"dotenv -e backend/.env -- node app.js"}}`,
		"requirements.txt": "python-dotenv\n",
		"py/app.py":        "from dotenv import load_dotenv\nload_dotenv(\"web/.env\")\n",
		"backend/.env":     "DATABASE_URL=" + dbB + "\n",
		"web/.env":         "DATABASE_URL=postgres://app:s3cret@db-c.example.com:5432/app\n",
	})
	for _, scope := range []string{"backend", "web"} {
		r := mustResolve(t, root, func(o *Options) { o.Scope = scope })
		if r.Conflict() {
			t.Errorf("service %s: the root's script and code count in it: %v", scope, r.Err(false))
		}
	}
}

// TestConflictHintNeedsTwoFiles: both databases in one env file (the URL
// and a direct URL naming two) gave the hint "dbguard schema diff .env
// .env", which compares the file with itself; with one file there is no
// diff to name, and a second file with either database is named instead.
func TestConflictHintNeedsTwoFiles(t *testing.T) {
	for _, c := range []struct {
		files map[string]string
		want  string // "" for no schema diff in the hint
	}{
		{map[string]string{".env": "DATABASE_URL=" + dbA + "\nDIRECT_URL=" + dbB + "\n"}, ""},
		{map[string]string{
			".env":         "DATABASE_URL=" + dbA + "\nDIRECT_URL=" + dbB + "\n",
			"backend/.env": "DATABASE_URL=" + dbB + "\n",
		}, "dbguard schema diff .env backend/.env"},
	} {
		root := tree(t, c.files)
		t.Chdir(root)
		rep, err := Resolve(context.Background(), Options{Root: root, Mode: "development", URLVar: "DATABASE_URL", DirectVars: []string{"DIRECT_URL"}})
		if err != nil {
			t.Fatal(err)
		}
		var conflict *ConflictError
		if err := rep.Err(false); !errors.As(err, &conflict) {
			t.Fatalf("%v: %v, want a conflict", c.files, err)
		}
		h := conflict.Hint()
		switch {
		case c.want == "" && strings.Contains(h, "schema diff"):
			t.Errorf("%v: hint %q names a schema diff of one file", c.files, h)
		case c.want != "" && !strings.Contains(h, c.want):
			t.Errorf("%v: hint %q; want %q", c.files, h, c.want)
		}
	}
}
