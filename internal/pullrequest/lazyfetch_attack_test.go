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
