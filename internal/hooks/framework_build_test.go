//go:build framework

package hooks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPreCommitFrameworkBuild runs .pre-commit-hooks.yaml for real with the
// pre-commit framework (Debian's pre-commit package; .ci/run installs it):
// it builds dbguard from this repository (language: golang, about 30 s) and
// runs the hook on a staged leak, then on a clean change. Behind the
// framework build tag, which make test sets once; TestPreCommitFramework
// covers the rest with a prebuilt binary in every go test run.
func TestPreCommitFrameworkBuild(t *testing.T) {
	if _, err := exec.LookPath("pre-commit"); err != nil {
		t.Fatal("this test needs the pre-commit framework: apt-get install -y pre-commit (.ci/run does)")
	}
	self, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("config", "user.email", "t@example.com")
	git("config", "user.name", "t")
	write := func(body string) {
		if err := os.WriteFile(filepath.Join(repo, "app.py"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		git("add", "app.py")
	}
	tryRepo := func() (string, error) {
		cmd := exec.Command("pre-commit", "try-repo", self, "dbguard")
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "PRE_COMMIT_HOME="+filepath.Join(repo, ".pre-commit-home"), "DBGUARD_SKIP=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	write("DB = \"postgres://svc:hunter2S3cret@db.prod.internal/app\"\n")
	out, err := tryRepo()
	if err == nil || !strings.Contains(out, "app.py:1: a real database password is committed") {
		t.Fatalf("the framework run did not block the leak: %v\n%s", err, out)
	}
	if strings.Contains(out, "hunter2S3cret") {
		t.Errorf("the password reached the output:\n%s", out)
	}
	write("DB = \"postgres://svc:${DB_PASSWORD}@db.prod.internal/app\"\n")
	if out, err := tryRepo(); err != nil {
		t.Fatalf("the framework run blocked a clean change: %v\n%s", err, out)
	}
}
