package pullrequest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// TestAttackLazyFetchRunsNoCommand: in a partial clone (git clone
// --filter=blob:none) a blob the base's dbguard.yaml needs may be
// missing, and git reading it fetches it from the promisor remote, with
// whatever transport the repository's git configuration names. A
// repository copied with its .git (an archive, a build context) can name
// core.sshCommand and an ssh:// remote. Before: ReadConfig's git cat-file
// ran the command. Now the base's reads allow no transport but https, and
// no credential helper or askpass command.
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
	// The same through an https remote that asks for a password: no
	// helper, no askpass.
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
	if _, err := os.Stat(marker); err != nil {
		t.Fatal("the credential helper did not run without dbguard's settings: the test shows nothing")
	}
	os.Remove(marker)
	asked.Store(false)
	if _, err := ReadConfig(ctx, dst, "origin/base", filepath.Join(dst, "dbguard.yaml")); err == nil {
		t.Error("the base's missing blob was read")
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the repository's credential command ran")
	}
	if !asked.Load() {
		t.Error("git never reached the https server: the test shows nothing")
	}
}
