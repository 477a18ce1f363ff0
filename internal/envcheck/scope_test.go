package envcheck

import (
	"context"
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
