package hooks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestPreCommitFramework runs the hook through the real pre-commit framework
// with the entry, pass_filenames and always_run of .pre-commit-hooks.yaml,
// as a local system hook on a prebuilt dbguard: a staged leak is blocked, a
// clean change is not. (TestPreCommitFrameworkBuild, behind the framework
// build tag, also has pre-commit build dbguard itself.)
func TestPreCommitFramework(t *testing.T) {
	if _, err := exec.LookPath("pre-commit"); err != nil {
		t.Fatal("this test needs the pre-commit framework: apt-get install -y pre-commit (.ci/run does)")
	}
	data, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var manifest []struct {
		ID            string `yaml:"id"`
		Entry         string `yaml:"entry"`
		Language      string `yaml:"language"`
		PassFilenames *bool  `yaml:"pass_filenames"`
		AlwaysRun     bool   `yaml:"always_run"`
	}
	if err := yaml.Unmarshal(data, &manifest); err != nil || len(manifest) != 1 || manifest[0].ID != "dbguard" {
		t.Fatalf(".pre-commit-hooks.yaml: %v %+v", err, manifest)
	}
	h := manifest[0]
	if h.Language != "golang" || h.PassFilenames == nil || *h.PassFilenames || !h.AlwaysRun || !strings.HasPrefix(h.Entry, "dbguard ") {
		t.Fatalf("the hook manifest changed: %+v (update this test and docs/hook.md)", h)
	}
	bin := filepath.Join(t.TempDir(), "dbguard")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/dbguard").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
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
	config := "repos:\n- repo: local\n  hooks:\n  - id: dbguard\n    name: dbguard\n    entry: " + bin + strings.TrimPrefix(h.Entry, "dbguard") +
		"\n    language: system\n    pass_filenames: false\n    always_run: true\n"
	if err := os.WriteFile(filepath.Join(repo, ".pre-commit-config.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", ".pre-commit-config.yaml")
	write := func(body string) {
		if err := os.WriteFile(filepath.Join(repo, "app.py"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		git("add", "app.py")
	}
	run := func() (string, error) {
		cmd := exec.Command("pre-commit", "run")
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "PRE_COMMIT_HOME="+filepath.Join(repo, ".pre-commit-home"), "DBGUARD_SKIP=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	write("DB = \"postgres://svc:hunter2S3cret@db.prod.internal/app\"\n")
	out, err := run()
	if err == nil || !strings.Contains(out, "app.py:1: a real database password is being committed") {
		t.Fatalf("the framework run did not block the leak: %v\n%s", err, out)
	}
	if strings.Contains(out, "hunter2S3cret") {
		t.Errorf("the password reached the output:\n%s", out)
	}
	write("DB = \"postgres://svc:${DB_PASSWORD}@db.prod.internal/app\"\n")
	if out, err := run(); err != nil {
		t.Fatalf("the framework run blocked a clean change: %v\n%s", err, out)
	}
}
