package pullrequest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
)

// TestAttackLazyFetchRunsNoCommand: in a partial clone (git clone
// --filter=blob:none) a blob the base's dbguard.yaml needs may be
// missing, and git reading it fetches it from the promisor remote, with
// whatever transport the repository's git configuration names. A
// repository copied with its .git (an archive, a build context) can name
// core.sshCommand and an ssh:// remote. Before: ReadConfig's git cat-file
// ran the command; with an https remote, its credential helper, and git
// went out through any proxy the configuration names (http.proxy) with
// the job's token. Now the base's reads allow no transport at all.
func TestAttackLazyFetchRunsNoCommand(t *testing.T) {
	ctx := context.Background()
	src, _ := repo(t, map[string]string{"dbguard.yaml": "version: 1\nmigrations:\n  table: app_versions\n"})
	write(t, filepath.Join(src, "dbguard.yaml"), "version: 1\n")
	gitRun(t, src, "commit", "-q", "-am", "pr")
	gitRun(t, src, "config", "uploadpack.allowFilter", "true")
	dst := filepath.Join(t.TempDir(), "dst")
	gitRun(t, src, "clone", "-q", "--filter=blob:none", "--no-checkout", "file://"+src, dst)
	gitRun(t, dst, "checkout", "-q", "main")
	gitRun(t, dst, "update-ref", "refs/remotes/origin/base", "main~1")
	marker := filepath.Join(t.TempDir(), "ran")
	for _, kv := range [][2]string{
		{"remote.origin.url", "ssh://evil.invalid/x"},
		{"core.sshCommand", "touch " + marker + "; false"},
		{"credential.helper", "!touch " + marker + "; false"},
		{"core.askPass", "touch " + marker},
	} {
		gitRun(t, dst, "config", kv[0], kv[1])
	}
	if _, err := ReadConfig(ctx, dst, "origin/base", filepath.Join(dst, "dbguard.yaml")); err == nil {
		t.Error("the base's missing blob was read")
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the repository's transport command ran")
	}
	// The same through an https remote that asks for a password: git
	// itself reaches it and runs the helper; dbguard's read reaches
	// nothing.
	var asked atomic.Bool
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Store(true)
		w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	gitRun(t, dst, "config", "remote.origin.url", srv.URL+"/x.git")
	gitRun(t, dst, "config", "http.sslVerify", "false")
	// git itself runs the helper here, so the test would see it.
	if out, err := exec.Command("git", "-C", dst, "-c", "protocol.allow=never", "-c", "protocol.https.allow=always", "cat-file", "-e", "origin/base:dbguard.yaml").CombinedOutput(); err == nil {
		t.Fatalf("git read the missing blob: %s", out)
	}
	if _, err := os.Stat(marker); err != nil || !asked.Load() {
		t.Fatal("git did not reach the https server and its credential helper without dbguard's settings: the test shows nothing")
	}
	os.Remove(marker)
	asked.Store(false)
	if _, err := ReadConfig(ctx, dst, "origin/base", filepath.Join(dst, "dbguard.yaml")); err == nil {
		t.Error("the base's missing blob was read")
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the repository's credential command ran")
	}
	if asked.Load() {
		t.Error("the base read fetched over https: the repository's configuration chooses its proxy and sees the job's token")
	}
}

// TestPartialCloneBaseNamesTheFetch: a partial clone whose base blobs
// are missing cannot be judged (dbguard fetches nothing), and says which
// fetch brings them; that fetch, run as printed, makes the base readable.
func TestPartialCloneBaseNamesTheFetch(t *testing.T) {
	ctx := context.Background()
	src, _ := repo(t, map[string]string{"dbguard.yaml": "version: 1\nmigrations:\n  table: app_versions\n"})
	write(t, filepath.Join(src, "dbguard.yaml"), "version: 1\n")
	gitRun(t, src, "commit", "-q", "-am", "pr")
	gitRun(t, src, "branch", "base", "main~1")
	gitRun(t, src, "config", "uploadpack.allowFilter", "true")
	dst := filepath.Join(t.TempDir(), "dst")
	gitRun(t, src, "clone", "-q", "--filter=blob:none", "--no-checkout", "file://"+src, dst)
	gitRun(t, dst, "checkout", "-q", "main")
	gitRun(t, dst, "fetch", "-q", "--depth=1", "origin", "+refs/heads/base:refs/remotes/origin/base")
	cfg, err := config.Load(filepath.Join(dst, "dbguard.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	b := &Base{Revs: []string{"origin/base"}, Branch: "base", Source: "--base origin/base"}
	_, err = b.Judge(ctx, dst, cfg)
	var be *BaseError
	if !errors.As(err, &be) || !be.Partial {
		t.Fatalf("Judge in a partial clone without the base's blobs: %v, want a BaseError naming the fetch", err)
	}
	hint := be.Hint()
	fetch := hint[strings.Index(hint, "git fetch"):]
	if !strings.Contains(fetch, "--refetch --no-filter") {
		t.Fatalf("hint %q: want a fetch that brings the blobs", hint)
	}
	// A refetch starts git's automatic maintenance in the background,
	// which would still write in the folder as the test removes it.
	gitRun(t, dst, "config", "maintenance.auto", "false")
	gitRun(t, dst, "config", "gc.auto", "0")
	cmd := exec.Command("sh", "-c", fetch)
	cmd.Dir = dst
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the hint's fetch, run as printed: %v\n%s", err, out)
	}
	changes, err := b.Judge(ctx, dst, cfg)
	if err != nil {
		t.Fatalf("after the hint's fetch: %v", err)
	}
	if cfg.Migrations.Table != "app_versions" {
		t.Errorf("after the fetch, migrations.table %q, want the base's app_versions (changes %v)", cfg.Migrations.Table, changes)
	}
}

// TestPartialCloneAddedLinesSaysPromisor: in a partial clone without the
// base's copy of a file whose comment decides a finding, AddedLines
// fetches nothing and says "promisor remote", which the gate turns into
// the base-fetch error with the --refetch hint (the Action's base step
// fetches that file: TestActionBaseFetchesWhatCiReads), never into a
// comment taken as the base's.
func TestPartialCloneAddedLinesSaysPromisor(t *testing.T) {
	ctx := context.Background()
	src, _ := repo(t, map[string]string{"leak.py": "x = 1  # dbguard:allow\n"})
	write(t, filepath.Join(src, "leak.py"), "x = 1  # dbguard:allow\ny = 2\n")
	gitRun(t, src, "commit", "-q", "-am", "pr")
	gitRun(t, src, "branch", "base", "main~1")
	gitRun(t, src, "config", "uploadpack.allowFilter", "true")
	dst := filepath.Join(t.TempDir(), "dst")
	gitRun(t, src, "clone", "-q", "--filter=blob:none", "--no-checkout", "file://"+src, dst)
	gitRun(t, dst, "checkout", "-q", "main")
	gitRun(t, dst, "fetch", "-q", "--depth=1", "origin", "+refs/heads/base:refs/remotes/origin/base")
	b := &Base{Revs: []string{"origin/base"}, Branch: "base", Source: "--base origin/base"}
	rev, why := b.Resolve(ctx, dst)
	if rev == "" {
		t.Fatal(why)
	}
	_, err := b.AddedLines(ctx, dst, rev, []string{"leak.py"})
	if err == nil || !strings.Contains(err.Error(), "promisor remote") {
		t.Fatalf("AddedLines without the base's leak.py: %v, want git's promisor remote error", err)
	}
}

// TestAttackPartialCloneBaseDetection: in a partial clone whose base's
// detection and Prisma files are missing (no base step, or its fetch
// failed), a base with no dbguard.yaml needs no blob for it, so Judge
// went on: the copy of the base's detection files failed on git's
// promisor error and ci judged, with a warning only, with the tool the
// pull request's own files detect. A root migrations/0001_x.up.sql
// then made ci read golang-migrate's table instead of the base's Prisma
// history (ci_attack_pr_detected_tool.txtar, reopened), and --strict
// aside it passed. The same for the base's Prisma variables. Now both
// stop, exit 2, naming the fetch; after it, the base's tool is judged.
func TestAttackPartialCloneBaseDetection(t *testing.T) {
	ctx := context.Background()
	schema := "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n"
	for _, tc := range []struct {
		name, yaml string
		pr         map[string]string // the pull request's files
		want       func(*config.Config) string
	}{
		{"tool detected", "", map[string]string{
			"migrations/0001_x.up.sql":     "CREATE TABLE x (id int);\n",
			"backend/prisma/schema.prisma": schema + "// edited\n",
		}, func(c *config.Config) string {
			if c.Migrations.Tool != "prisma" {
				return "migrations.tool " + c.Migrations.Tool + ", want the base's prisma"
			}
			return ""
		}},
		{"prisma variables", "version: 1\nmigrations:\n  tool: prisma\n  workdir: backend\n", map[string]string{
			"backend/prisma/schema.prisma": strings.Replace(schema, "DATABASE_URL", "STAGING_DATABASE_URL", 1),
		}, func(c *config.Config) string {
			if c.Database.URLVar != "DATABASE_URL" {
				return "url_var " + c.Database.URLVar + ", want the base's DATABASE_URL"
			}
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{
				"backend/prisma/schema.prisma":                                schema,
				"backend/prisma/migrations/20240101000000_init/migration.sql": "CREATE TABLE \"User\" (id serial PRIMARY KEY);\n",
			}
			if tc.yaml != "" {
				files["dbguard.yaml"] = tc.yaml
			}
			src, _ := repo(t, files)
			for name, text := range tc.pr {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(src, name)), 0o755); err != nil {
					t.Fatal(err)
				}
				write(t, filepath.Join(src, name), text)
			}
			gitRun(t, src, "add", "-A")
			gitRun(t, src, "commit", "-q", "-m", "pr")
			gitRun(t, src, "branch", "base", "main~1")
			gitRun(t, src, "config", "uploadpack.allowFilter", "true")
			dst := filepath.Join(t.TempDir(), "dst")
			gitRun(t, src, "clone", "-q", "--filter=blob:none", "--no-checkout", "file://"+src, dst)
			gitRun(t, dst, "checkout", "-q", "main")
			gitRun(t, dst, "fetch", "-q", "--depth=1", "origin", "+refs/heads/base:refs/remotes/origin/base")
			gitRun(t, dst, "config", "maintenance.auto", "false")
			gitRun(t, dst, "config", "gc.auto", "0")
			if out := gitRun(t, dst, "rev-list", "--objects", "--missing=print", "origin/base^{tree}"); !strings.Contains(out, "?") {
				t.Fatal("the clone holds every base file: the test shows nothing")
			}
			load := func() *config.Config {
				cfg, err := config.Discover(dst, "")
				if err != nil {
					t.Fatal(err)
				}
				if err := adopt(cfg); err != nil {
					t.Fatal(err)
				}
				return cfg
			}
			b := &Base{Revs: []string{"origin/base"}, Branch: "base", Source: "--base origin/base"}
			cfg := load()
			changes, err := b.Judge(ctx, dst, cfg)
			var be *BaseError
			if !errors.As(err, &be) || !be.Partial {
				t.Fatalf("Judge without the base's files: %v (changes %v), want a BaseError naming the fetch", err, changes)
			}
			hint := be.Hint()
			cmd := exec.Command("sh", "-c", hint[strings.Index(hint, "git fetch"):])
			cmd.Dir = dst
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("the hint's fetch, run as printed: %v\n%s", err, out)
			}
			cfg = load()
			if _, err := b.Judge(ctx, dst, cfg); err != nil {
				t.Fatalf("after the hint's fetch: %v", err)
			}
			if msg := tc.want(cfg); msg != "" {
				t.Error("after the fetch: " + msg)
			}
		})
	}
}
