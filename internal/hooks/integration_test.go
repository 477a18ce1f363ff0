package hooks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dbguard/dbguard/internal/pgtest"
	"github.com/dbguard/dbguard/internal/testutil/tmpfs"
)

// The hook managers, each run for real: the pre-commit framework
// (Debian's pre-commit), lefthook (go install
// github.com/evilmartians/lefthook) and husky (npm install -g husky@9);
// .ci/run installs whichever is missing. Without one, a test fails in CI
// (CI=true) and is skipped elsewhere, saying why.

// needTool finds a tool the test cannot do without.
func needTool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("this test needs %s (%s; .ci/run does)", name, install)
	}
	t.Skipf("%s not installed (%s; .ci/run does): skipped here, required in CI", name, install)
	return ""
}

var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

// dbguardOnPath builds dbguard once per test binary and returns a PATH
// that finds it first.
func dbguardOnPath(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = pgtest.TempDir() // swept by a later test binary if this one is killed
		if binErr != nil {
			return
		}
		// -ldflags=-w: no DWARF tables, which no test reads; the build
		// took 1.5-1.7 s of CPU with them, 0.9-1.2 s without.
		out, err := exec.Command("go", "build", "-ldflags=-w", "-o", filepath.Join(binDir, "dbguard"), "../../cmd/dbguard").CombinedOutput()
		if err != nil {
			binErr = &buildError{err: err, out: string(out)}
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binDir + string(os.PathListSeparator) + os.Getenv("PATH")
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

// TestMain puts the tests' repositories, pre-commit's clones and the
// built dbguard in memory (tmpfs.InMemory): each test makes and removes
// git repositories, and on an ext4 /tmp without a journal each new file
// costs a scan past the inodes deleted in the last few seconds.
func TestMain(m *testing.M) {
	tmpfs.InMemory()
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// sandbox is a git repository with an identity and nothing of the user's
// git configuration, and the environment its commands run in.
type sandbox struct {
	t    *testing.T
	dir  string
	env  []string
	home string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	s := &sandbox{t: t, dir: t.TempDir(), home: t.TempDir()}
	s.env = append(os.Environ(), "PATH="+dbguardOnPath(t), "HOME="+s.home, "GIT_CONFIG_NOSYSTEM=1", "DBGUARD_SKIP=",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"PRE_COMMIT_HOME="+filepath.Join(s.home, "pre-commit"), "LEFTHOOK=", "HUSKY=", "NO_COLOR=1")
	s.ok("git", "init", "-q")
	s.ok("git", "config", "commit.gpgsign", "false")
	return s
}

// run runs a command in the repository, returning its combined output.
func (s *sandbox) run(env []string, name string, args ...string) (string, error) {
	if name == "dbguard" {
		name = filepath.Join(binDir, "dbguard")
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = s.dir
	cmd.Env = append(append([]string{}, s.env...), env...)
	out, err := cmd.CombinedOutput()
	if strings.Contains(strings.ToLower(string(out)), "s3cret") {
		s.t.Errorf("%s %v printed a password:\n%s", name, args, out)
	}
	return string(out), err
}

func (s *sandbox) ok(name string, args ...string) string {
	s.t.Helper()
	out, err := s.run(nil, name, args...)
	if err != nil {
		s.t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return out
}

func (s *sandbox) fails(name string, args ...string) string {
	s.t.Helper()
	out, err := s.run(nil, name, args...)
	if err == nil {
		s.t.Fatalf("%s %v succeeded, want a failure:\n%s", name, args, out)
	}
	return out
}

func (s *sandbox) write(name, body string) {
	s.t.Helper()
	p := filepath.Join(s.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// manifestRepo is a git repository beside the sandbox whose one commit
// holds a copy of the manifest at path, for pre-commit try-repo.
func (s *sandbox) manifestRepo(path string) string {
	s.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		s.t.Fatal(err)
	}
	dir := s.t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".pre-commit-hooks.yaml"), data, 0o644); err != nil {
		s.t.Fatal(err)
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", ".pre-commit-hooks.yaml"}, {"commit", "-q", "-m", "manifest"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, s.env
		if out, err := cmd.CombinedOutput(); err != nil {
			s.t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

// commitDivergent commits the incident (two env files naming two
// databases) past every hook, as a repository that predates the hook has it.
func (s *sandbox) commitDivergent() {
	s.t.Helper()
	s.write(".env.production", "DATABASE_URL=postgresql://app:${DB_PASSWORD}@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb\n")
	s.write("backend/.env.production", "DATABASE_URL=postgresql://app:${DB_PASSWORD}@ep-old-lake-ahgffap2-pooler.us-east-1.aws.neon.tech/neondb\n")
	s.ok("git", "add", ".env.production", "backend/.env.production")
	s.ok("git", "commit", "-q", "--no-verify", "-m", "divergent")
}

const (
	leak  = "DB = \"postgres://svc:hunter2S3cret@db.prod.internal/app\"\n"
	clean = "DB = \"postgres://svc:${DB_PASSWORD}@db.prod.internal/app\"\n"
)

type manifestHook struct {
	ID            string `yaml:"id"`
	Entry         string `yaml:"entry"`
	Language      string `yaml:"language"`
	PassFilenames *bool  `yaml:"pass_filenames"`
	AlwaysRun     bool   `yaml:"always_run"`
	RequireSerial bool   `yaml:"require_serial"`
}

// TestPreCommitManifest pins .pre-commit-hooks.yaml: the three hook ids,
// each passed the file names (so --all-files judges every tracked file),
// run when none is selected, in one process; and pre-commit itself
// accepts the manifest.
func TestPreCommitManifest(t *testing.T) {
	data, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []manifestHook
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"dbguard": "golang", "dbguard-system": "system", "dbguard-docker": "docker_image"}
	if len(hooks) != len(want) {
		t.Fatalf("%d hooks, want %d: %+v", len(hooks), len(want), hooks)
	}
	for _, h := range hooks {
		if want[h.ID] != h.Language {
			t.Errorf("%s: language %q, want %q", h.ID, h.Language, want[h.ID])
		}
		if (h.PassFilenames != nil && !*h.PassFilenames) || !h.AlwaysRun || !h.RequireSerial {
			t.Errorf("%s: pass_filenames, always_run and require_serial must all hold: %+v", h.ID, h)
		}
		if !strings.HasSuffix(h.Entry, "hook pre-commit") {
			t.Errorf("%s: entry %q does not run dbguard hook pre-commit", h.ID, h.Entry)
		}
	}
	if _, err := exec.LookPath("pre-commit"); err == nil {
		if out, err := exec.Command("pre-commit", "validate-manifest", "../../.pre-commit-hooks.yaml").CombinedOutput(); err != nil {
			t.Errorf("pre-commit validate-manifest: %v\n%s", err, out)
		}
	}
}

// TestPreCommitFramework runs this repository's dbguard-system hook with
// the real pre-commit framework (try-repo reads .pre-commit-hooks.yaml as
// a user's rev would) on a prebuilt dbguard: --all-files fails on env
// files committed long ago that name two databases, a staged leak is
// blocked, a clean change is not. (TestPreCommitFrameworkBuild, behind the
// framework build tag, has pre-commit build dbguard itself.)
func TestPreCommitFramework(t *testing.T) {
	needTool(t, "pre-commit", "apt-get install -y pre-commit")
	self, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	s := newSandbox(t)
	s.write("app.py", "print('hello')\n")
	s.ok("git", "add", "app.py")
	s.ok("git", "commit", "-q", "-m", "base")
	s.commitDivergent()

	// The runs try a repository holding only this one's manifest, as it
	// is in the work tree: try-repo clones the repository it is given and
	// commits its uncommitted changes in a shadow copy, which for this one
	// costs 2.5 s of CPU a run instead of 0.7, and a system hook reads
	// nothing else of it. This repository itself is tried by
	// TestPreCommitFrameworkBuild, which CI runs (make test).
	manifest := s.manifestRepo(filepath.Join(self, ".pre-commit-hooks.yaml"))
	// Nothing staged: the staged diff is clean, but the tree is not.
	s.ok("pre-commit", "try-repo", manifest, "dbguard-system")
	out := s.fails("pre-commit", "try-repo", manifest, "dbguard-system", "--all-files")
	for _, w := range []string{"backend/.env.production:1: DATABASE_URL names database 2 of 2 in mode production", "commit blocked"} {
		if !strings.Contains(out, w) {
			t.Errorf("--all-files output lacks %q:\n%s", w, out)
		}
	}

	// Fixed, then a staged leak and a clean change.
	s.ok("git", "rm", "-q", "backend/.env.production")
	s.ok("git", "commit", "-q", "-m", "one database")
	s.ok("pre-commit", "try-repo", manifest, "dbguard-system", "--all-files")
	s.write("app.py", leak)
	s.ok("git", "add", "app.py")
	out = s.fails("pre-commit", "try-repo", manifest, "dbguard-system")
	if !strings.Contains(out, "app.py:1: a real database password is committed") {
		t.Errorf("the leak was not reported at app.py:1:\n%s", out)
	}
	s.write("app.py", clean)
	s.ok("git", "add", "app.py")
	s.ok("pre-commit", "try-repo", manifest, "dbguard-system")
}

// TestLefthook: every lefthook configuration name is lefthook's, not a
// hook to chain; a config that runs dbguard is the hook installed; a
// divergent commit is blocked through lefthook's own hook, and
// --all-files ({staged_files} become every file) judges the tree.
func TestLefthook(t *testing.T) {
	needTool(t, "lefthook", "go install github.com/evilmartians/lefthook@v1.13.6")
	s := newSandbox(t)
	s.write("lefthook.yaml", "pre-commit:\n  commands:\n    lint:\n      run: true\n")
	out := s.fails("dbguard", "hook", "install")
	if !strings.Contains(out, "git hooks here are managed by lefthook (lefthook.yaml)") || !strings.Contains(out, "hint: add to lefthook.yaml under pre-commit") {
		t.Errorf("lefthook.yaml not recognised:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(s.dir, ".git/hooks/pre-commit")); err == nil {
		t.Error("dbguard wrote a hook into a repository lefthook manages")
	}
	s.write("lefthook.yaml", "pre-commit:\n  commands:\n    dbguard:\n      run: dbguard hook pre-commit {staged_files}\n")
	s.ok("lefthook", "install")
	out = s.ok("dbguard", "hook", "install")
	if !strings.Contains(out, "installed: lefthook runs dbguard hook pre-commit (lefthook.yaml)") {
		t.Errorf("a lefthook config running dbguard is not reported as installed:\n%s", out)
	}
	hook, err := os.ReadFile(filepath.Join(s.dir, ".git/hooks/pre-commit"))
	if err != nil || strings.Contains(string(hook), marker) || !strings.Contains(string(hook), "lefthook") {
		t.Fatalf("lefthook's hook was replaced: %v\n%s", err, hook)
	}

	// A staged leak is blocked by a real commit through lefthook.
	s.ok("git", "add", "lefthook.yaml")
	s.ok("git", "commit", "-q", "-m", "lefthook")
	s.write("app.py", leak)
	s.ok("git", "add", "app.py")
	out = s.fails("git", "commit", "-q", "-m", "leak")
	if !strings.Contains(out, "app.py:1: a real database password is committed") {
		t.Errorf("the commit was not blocked through lefthook:\n%s", out)
	}
	s.ok("git", "rm", "-q", "--cached", "app.py")

	// Committed long ago, judged now: lefthook run --all-files.
	s.commitDivergent()
	s.ok("lefthook", "run", "pre-commit", "--no-tty")
	out = s.fails("lefthook", "run", "pre-commit", "--all-files", "--no-tty")
	if !strings.Contains(out, "backend/.env.production:1: DATABASE_URL names database 2 of 2") {
		t.Errorf("lefthook run --all-files passed the divergent tree:\n%s", out)
	}
}

// TestLefthookRootSubfolder: lefthook runs a command with root: in that
// subfolder, not at the top where git runs hooks, with git's relative
// GIT_INDEX_FILE (.git/index, the top's). The hook took the subfolder for
// the top: git's paths, the top's, were read against it, and the top's
// staged dbguard.yaml was not compared with the disk's, so an unstaged
// hook.allow let a staged password through a real commit. It now judges
// from the top, as git would run it; the files lefthook names relative
// to the subfolder ({staged_files}) are the same files.
func TestLefthookRootSubfolder(t *testing.T) {
	needTool(t, "lefthook", "go install github.com/evilmartians/lefthook@v1.13.6")
	for _, run := range []string{"dbguard hook pre-commit", "dbguard hook pre-commit {staged_files}"} {
		t.Run(run, func(t *testing.T) {
			s := newSandbox(t)
			s.write("lefthook.yaml", "pre-commit:\n  commands:\n    dbguard:\n      root: sub/\n      run: "+run+"\n")
			s.write("dbguard.yaml", "version: 1\n")
			s.write("sub/app.py", "x = 1\n")
			s.ok("lefthook", "install")
			s.ok("git", "add", "-A")
			s.ok("git", "commit", "-q", "-m", "base")
			// Unstaged: the commit holds the plain configuration.
			s.write("dbguard.yaml", "version: 1\nhook:\n  allow: [\"sub/**\"]\n")
			s.write("sub/leak.py", leak)
			s.ok("git", "add", "sub/leak.py")
			out := s.fails("git", "commit", "-q", "-m", "leak")
			if !strings.Contains(out, "sub/leak.py:1: a real database password is") {
				t.Errorf("the commit was not blocked through lefthook's root: sub/:\n%s", out)
			}
		})
	}

	// Started by hand in the subfolder: a file named there, and a
	// --config relative to it, are the same files from the top.
	s := newSandbox(t)
	s.write("dbguard.yaml", "version: 1\n")
	s.write("sub/allow.yaml", "version: 1\nhook:\n  allow: [\"sub/**\"]\n")
	s.write("sub/leak.py", leak)
	s.ok("git", "add", "-A")
	inSub := func(args ...string) (string, error) {
		cmd := exec.Command(filepath.Join(binDir, "dbguard"), args...)
		cmd.Dir, cmd.Env = filepath.Join(s.dir, "sub"), s.env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := inSub("hook", "pre-commit", "leak.py"); err == nil || !strings.Contains(out, "sub/leak.py:1: a real database password is") {
		t.Errorf("leak.py named in sub/: %v\n%s", err, out)
	}
	if out, err := inSub("hook", "pre-commit", "--config", "allow.yaml", "leak.py"); err != nil {
		t.Errorf("--config allow.yaml in sub/: %v\n%s", err, out)
	}
}

// TestInstallKnowsLefthookConfigs: each name lefthook reads makes hook
// install join lefthook, at the top level, from a subfolder too.
func TestInstallKnowsLefthookConfigs(t *testing.T) {
	for _, name := range []string{"lefthook.yml", ".lefthook.yml", "lefthook.yaml", ".lefthook.yaml",
		"lefthook-local.yml", ".lefthook-local.yml", "lefthook-local.yaml", ".lefthook-local.yaml",
		".config/lefthook.yml", "lefthook.toml", "lefthook.json"} {
		s := newSandbox(t)
		s.write(name, "pre-commit: {}\n")
		s.write("sub/.keep", "")
		cmd := exec.Command(filepath.Join(binDir, "dbguard"), "hook", "install")
		cmd.Dir = filepath.Join(s.dir, "sub")
		cmd.Env = s.env
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "managed by lefthook ("+name+")") {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
	}
}

// TestHusky: husky 9 owns core.hooksPath; hook install says which line to
// add to .husky/pre-commit, and once it is there reports the hook
// installed; a leak is blocked through husky's hook.
func TestHusky(t *testing.T) {
	needTool(t, "husky", "npm install -g husky@9")
	s := newSandbox(t)
	s.ok("husky")
	out := s.fails("dbguard", "hook", "install")
	if !strings.Contains(out, "managed by husky") || !strings.Contains(out, "hint: add a line to .husky/pre-commit: dbguard hook pre-commit") {
		t.Errorf("husky not recognised:\n%s", out)
	}
	s.write(".husky/pre-commit", "# checks\ndbguard hook pre-commit\n")
	out = s.ok("dbguard", "hook", "install")
	if !strings.Contains(out, "installed: husky runs dbguard hook pre-commit (.husky/pre-commit)") {
		t.Errorf("husky running dbguard is not reported as installed:\n%s", out)
	}
	s.write("app.py", leak)
	s.ok("git", "add", "app.py")
	out = s.fails("git", "commit", "-q", "-m", "leak")
	if !strings.Contains(out, "app.py:1: a real database password is being committed") {
		t.Errorf("the commit was not blocked through husky:\n%s", out)
	}
	// A commented-out line does not count.
	s.write(".husky/pre-commit", "# dbguard hook pre-commit\nnpm test\n")
	if out := s.fails("dbguard", "hook", "install"); !strings.Contains(out, "managed by husky") {
		t.Errorf("a commented-out line counted as installed:\n%s", out)
	}
}
