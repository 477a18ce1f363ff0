package services

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/envcheck"
)

// tree writes files (slash paths) under a new folder and returns it.
func tree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, body := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func load(t *testing.T, root string) *Project {
	t.Helper()
	cfg, err := config.Discover(root, "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func effective(t *testing.T, j *Judged) string {
	t.Helper()
	if j.Report == nil || j.Report.Effective == nil {
		t.Fatalf("%s: no database in effect (%v)", j.Unit.Label(), j.Verdict)
	}
	return j.Report.Effective.Def.Location() + " " + j.Report.Effective.ID.Database
}

// TestServiceReadsUpward: a Python worker with no .env of its own reads
// the root's (python-dotenv's find_dotenv walks up), so the root's file
// counts for it; the Next.js app, whose loader reads its own folder only,
// does not see it; and the root's judgement leaves both services out.
func TestServiceReadsUpward(t *testing.T) {
	root := tree(t, map[string]string{
		"dbguard.yaml":                 "version: 1\n",
		".env":                         "DATABASE_URL=postgres://app@db-root.internal:5432/shared\n",
		"apps/web/dbguard.yaml":        "version: 1\n",
		"apps/web/package.json":        `{"dependencies": {"next": "14.2.5"}}`,
		"apps/web/.env.local":          "DATABASE_URL=postgres://app@db-web.internal:5432/web\n",
		"apps/worker/dbguard.yaml":     "version: 1\n",
		"apps/worker/requirements.txt": "python-dotenv==1.0.1\n",
	})
	p := load(t, root)
	judged := Judge(context.Background(), p.Units(), "", nil, false)
	if len(judged) != 3 {
		t.Fatalf("%d units, want the root and two services", len(judged))
	}
	for _, j := range judged {
		if j.Verdict != nil {
			t.Errorf("%s: %v", j.Unit.Label(), j.Verdict)
		}
	}
	if got := effective(t, judged[0]); got != ".env:1 shared" {
		t.Errorf("root: %s", got)
	}
	for _, f := range judged[0].Report.Files {
		if strings.HasPrefix(f.Path, "apps/") {
			t.Errorf("the root judged %s, inside a service", f.Path)
		}
	}
	if got := effective(t, judged[1]); got != "apps/web/.env.local:1 web" {
		t.Errorf("web: %s", got)
	}
	if got := effective(t, judged[2]); got != ".env:1 shared" {
		t.Errorf("worker reads the root's .env upward, got %s", got)
	}
}

// TestSecondDatabaseInsideAService: within one service two databases are
// a conflict, and only that service fails.
func TestSecondDatabaseInsideAService(t *testing.T) {
	root := tree(t, map[string]string{
		"dbguard.yaml":                 "version: 1\n",
		"apps/web/dbguard.yaml":        "version: 1\n",
		"apps/web/.env":                "DATABASE_URL=postgres://app@db-web.internal:5432/web\n",
		"apps/worker/dbguard.yaml":     "version: 1\n",
		"apps/worker/requirements.txt": "python-dotenv==1.0.1\n",
		"apps/worker/.env":             "DATABASE_URL=postgres://app@db-worker.internal:5432/worker\n",
		"apps/worker/jobs/.env":        "DATABASE_URL=postgres://app@db-other.internal:5432/worker\n",
	})
	p := load(t, root)
	failed := Failures(Judge(context.Background(), p.Units(), "", nil, false))
	if len(failed) != 1 || failed[0].Unit.Name() != "worker" {
		t.Fatalf("failed: %v, want worker alone", failed)
	}
	var conflict *envcheck.ConflictError
	if !errors.As(failed, &conflict) {
		t.Fatalf("%v is no conflict", failed)
	}
	if failed.ExitCode() != 1 || !strings.Contains(failed.Error(), "service worker (apps/worker/): conflict") {
		t.Errorf("exit %d, %q", failed.ExitCode(), failed.Error())
	}
}

// TestSharedDatabase: two services naming one database is a warning,
// unless shares_database_with says it is on purpose.
func TestSharedDatabase(t *testing.T) {
	files := map[string]string{
		"dbguard.yaml":          "version: 1\nservices:\n  - {name: web, path: apps/web}\n  - {name: api, path: apps/api}\n",
		"apps/web/.env":         "DATABASE_URL=postgres://app@db.internal:5432/app\n",
		"apps/api/.env":         "DATABASE_URL=postgres://app@db.internal:5432/app\n",
		"apps/api/dbguard.yaml": "version: 1\n",
	}
	p := load(t, tree(t, files))
	judged := Judge(context.Background(), p.Units(), "", nil, true)
	codes := func(j *Judged) string {
		var out []string
		for _, w := range j.Report.Warnings {
			out = append(out, w.Code)
		}
		return strings.Join(out, " ")
	}
	if f := Failures(judged); len(f) != 1 || codes(judged[2]) != "services-share-version-table services-share-database" {
		t.Fatalf("under --strict one service fails with the shared-database warnings, got %v (%s)", f, codes(judged[2]))
	}
	files["dbguard.yaml"] = "version: 1\nservices:\n  - {name: web, path: apps/web, shares_database_with: [api]}\n  - {name: api, path: apps/api}\n"
	p = load(t, tree(t, files))
	judged = Judge(context.Background(), p.Units(), "", nil, false)
	if got := codes(judged[2]); got != "services-share-version-table" {
		t.Fatalf("one database, one version table: want that warning alone, got %s", got)
	}
	files["apps/api/dbguard.yaml"] = "version: 1\nmigrations:\n  table: api_schema_migrations\n"
	p = load(t, tree(t, files))
	if f := Failures(Judge(context.Background(), p.Units(), "", nil, true)); len(f) != 0 {
		t.Fatalf("shares_database_with and a table each: %v", f)
	}
}

func TestOrderAndNames(t *testing.T) {
	root := tree(t, map[string]string{
		"dbguard.yaml":                   "version: 1\nservices:\n  - {name: worker, path: apps/worker, depends_on: [web]}\n  - {name: web, path: apps/web, depends_on: [db]}\n",
		"apps/worker/.keep":              "",
		"apps/web/.keep":                 "",
		"db/dbguard.yaml":                "version: 1\n",
		"node_modules/x/dbguard.yaml":    "version: 1\n",
		"fixtures/testdata/dbguard.yaml": "version: 1\n",
	})
	p := load(t, root)
	ordered, err := p.Ordered()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range ordered {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " "); got != "db web worker" {
		t.Errorf("order %q, want db web worker (dependencies first; node_modules and testdata are not searched)", got)
	}
	for _, name := range []string{"web", "apps/web", "apps/web/"} {
		if s, err := p.Named(name, root); err != nil || s.Name != "web" {
			t.Errorf("Named(%q) = %v, %v", name, s, err)
		}
	}
	if _, err := p.Named("api", root); err == nil || !strings.Contains(err.Error(), "services: web, worker, db") {
		t.Errorf("unknown service: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"version: 1\nservices:\n  - {name: a, path: ../x}\n", `dbguard.yaml:3: service path "../x" leaves the project root`},
		{"version: 1\nservices:\n  - {name: a, path: /etc}\n", `dbguard.yaml:3: service path "/etc" leaves the project root`},
		{"version: 1\nservices:\n  - {name: a, path: .}\n", `is the project root itself`},
		{"version: 1\nservices:\n  - {name: a}\n", `dbguard.yaml:3: a service needs a path`},
		{"version: 1\nservices:\n  - {name: a, path: a, depends_on: [b]}\n  - {name: b, path: b, depends_on: [a]}\n", `depends_on makes a cycle`},
		{"version: 1\nservices:\n  - {name: a, path: a, depends_on: [zz]}\n  - {name: b, path: b}\n", `service a names "zz", which is no service`},
		{"version: 1\nservices:\n  - {name: a, path: a}\n  - {name: a, path: b}\n", `two services are named "a"`},
		{"version: 1\nservices:\n  - {name: a, path: missing}\n", `service a: missing is not a folder`},
	} {
		root := tree(t, map[string]string{"dbguard.yaml": tc.yaml, "a/.keep": "", "b/.keep": ""})
		cfg, err := config.Discover(root, "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = Load(cfg)
		var ce *config.Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want a config error with %q", tc.yaml, err, tc.want)
		}
	}
}

// TestFindInsideAService: in a service's folder the unit is that service,
// of the project above it.
func TestFindInsideAService(t *testing.T) {
	root := tree(t, map[string]string{
		"dbguard.yaml":             "version: 1\n",
		"apps/worker/dbguard.yaml": "version: 1\nmigrations:\n  dir: db/migrations\n",
	})
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	u, err := Find(filepath.Join(root, "apps", "worker"), "")
	if err != nil {
		t.Fatal(err)
	}
	if u.Service == nil || u.Service.Name != "worker" || u.Config().Migrations.Dir != "db/migrations" {
		t.Fatalf("unit %s, want service worker with its own configuration", u.Label())
	}
	if o := u.EnvOptions("", nil); o.Root != u.Project.Root || o.Scope != "apps/worker" {
		t.Errorf("env options root %s scope %q", o.Root, o.Scope)
	}
	u, err = Find(root, "")
	if err != nil || u.Service != nil || len(u.Project.Services) != 1 {
		t.Fatalf("at the root: %v %v", u, err)
	}
}

// The search for services reads every folder; the env judgement that
// follows uses those listings instead of reading each folder again (a file
// written in between is seen by a later judgement only).
func TestEnvDiscoveryUsesTheServicesWalk(t *testing.T) {
	root := tree(t, map[string]string{
		"dbguard.yaml":          "version: 1\n",
		".env":                  "DATABASE_URL=postgres://app@db.internal:5432/app\n",
		"apps/web/dbguard.yaml": "version: 1\n",
		"apps/web/.env":         "DATABASE_URL=postgres://app@db.internal:5432/web\n",
	})
	p := load(t, root)
	for _, f := range []string{".env.local", "apps/web/.env.local"} {
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(f)), []byte("DATABASE_URL=postgres://app@db.internal:5432/x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	count := func() (n []int) {
		for _, j := range Judge(context.Background(), p.Units(), "", nil, false) {
			if j.Report == nil {
				t.Fatalf("%s: %v", j.Unit.Label(), j.Verdict)
			}
			n = append(n, len(j.Report.Files))
		}
		return n
	}
	// The service's own folder comes from the walk's listing; the folders
	// above it, which the root's judgement has used, from the disk.
	if got := count(); len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Fatalf("files per unit %v, want [1 3]: the walk's listings, read before the files were written", got)
	}
	if got := count(); len(got) != 2 || got[0] != 2 || got[1] != 4 {
		t.Fatalf("files per unit %v, want [2 4]: a second judgement reads the disk", got)
	}
}

// TestAttackServiceChainBounded: a pull request of a few KB, 400 folders
// each inside the one before, each with a dbguard.yaml, made every command
// that loads the services take 7 s of CPU (400 services, each resolved
// through its links and judged apart from those inside it: the chain's
// length cubed; 2,000 folders, as deep as a path goes, minutes). A service
// more than MaxServiceDepth folders down, found or listed, is now a
// configuration error naming it; a chain of MaxServiceDepth loads.
func TestAttackServiceChainBounded(t *testing.T) {
	chain := func(n int) map[string]string {
		files := map[string]string{"dbguard.yaml": "version: 1\n"}
		d := ""
		for i := 1; i <= n; i++ {
			d += fmt.Sprintf("s%d/", i)
			files[d+"dbguard.yaml"] = "version: 1\n"
		}
		return files
	}
	p := load(t, tree(t, chain(MaxServiceDepth)))
	if len(p.Services) != MaxServiceDepth {
		t.Errorf("a chain of %d: %d services", MaxServiceDepth, len(p.Services))
	}
	for _, n := range []int{MaxServiceDepth + 1, 400} {
		cfg, err := config.Discover(tree(t, chain(n)), "")
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = Load(cfg)
		var ce *config.Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), fmt.Sprintf("is %d folders below the project root; dbguard takes services at most %d folders down", MaxServiceDepth+1, MaxServiceDepth)) {
			t.Errorf("a chain of %d: %v, want a configuration error naming the folder %d down", n, err, MaxServiceDepth+1)
		}
		t.Logf("a chain of %d: refused in %v", n, time.Since(start))
	}
	// Listed under services: too, at its line.
	deep := strings.Repeat("d/", MaxServiceDepth) + "svc"
	root := tree(t, map[string]string{"dbguard.yaml": "version: 1\nservices:\n  - {name: deep, path: " + deep + "}\n", deep + "/.keep": ""})
	cfg, err := config.Discover(root, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(cfg)
	if !strings.Contains(fmt.Sprint(err), "dbguard.yaml:3: service folder") {
		t.Errorf("a listed service %d folders down: %v", MaxServiceDepth+1, err)
	}
}
