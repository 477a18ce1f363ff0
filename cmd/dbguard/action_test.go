package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// The GitHub Action (action.yml at the repository root), run as a runner
// runs a composite action: each step's run: script written to a file and
// run with bash --noprofile --norc -eo pipefail, in GITHUB_WORKSPACE joined
// with its working-directory, with its env: and the GITHUB_* variables a
// runner sets, GITHUB_PATH's folders on the PATH of the steps after it.

type actionFile struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID               string            `yaml:"id"`
			Name             string            `yaml:"name"`
			Shell            string            `yaml:"shell"`
			Run              string            `yaml:"run"`
			Uses             string            `yaml:"uses"`
			If               string            `yaml:"if"`
			With             map[string]string `yaml:"with"`
			Env              map[string]string `yaml:"env"`
			WorkingDirectory string            `yaml:"working-directory"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// actionRun is one run of the action: what it left where a runner looks.
type actionRun struct {
	failedStep string // the step that exited non-zero, "" if none
	exitCode   int
	log        string            // every step's stdout and stderr
	summary    string            // $GITHUB_STEP_SUMMARY
	outputs    map[string]string // the action's outputs
	used       []string          // the uses: steps run, "name with key"
}

// A runner's context the test sets: env keys with this prefix are
// expressions (github.event.pull_request.head.repo.full_name), not
// variables; actionCacheStore names the folder that stands for GitHub's
// cache store (actions/cache/restore and save, simulated: an exact key,
// else the newest entry under the first restore prefix that has one).
const (
	actionExpr       = "expr:"
	actionCacheStore = "test:cache-store"
)

var exprRE = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// localRelease serves releases of this package, built static, packed and
// summed as .goreleaser.yaml does, from a local server stopped when t
// ends: v0.3.0 is that archive, v0.3.1's checksums.txt names another
// SHA-256 for it. It returns the environment that points the action's
// install step there.
func localRelease(t *testing.T) map[string]string {
	t.Helper()
	built := filepath.Join(t.TempDir(), "dbguard")
	buildDbguard(t, built)
	data, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	archive := tarGz(t, "dbguard", data)
	files := map[string][]byte{}
	for v, sum := range map[string][32]byte{"0.3.0": sha256.Sum256(archive), "0.3.1": sha256.Sum256([]byte("another archive"))} {
		name := "dbguard_" + v + "_linux_" + goEnv(t, "GOARCH") + ".tar.gz"
		files["/v"+v+"/"+name] = archive
		files["/v"+v+"/checksums.txt"] = fmt.Appendf(nil, "%x  dbguard_%s_darwin_arm64.tar.gz\n%x  %s\n", sha256.Sum256(nil), v, sum, name)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if data, ok := files[req.URL.Path]; ok {
			w.Write(data)
			return
		}
		http.NotFound(w, req)
	}))
	t.Cleanup(srv.Close)
	return map[string]string{"DBGUARD_RELEASE_URL": srv.URL}
}

// runAction runs action.yml's steps with inputs in workspace.
func runAction(t *testing.T, workspace string, inputs, env map[string]string) actionRun {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("action.yml runs.using %q, want composite", a.Runs.Using)
	}
	for name := range inputs {
		if _, ok := a.Inputs[name]; !ok {
			t.Fatalf("action.yml has no input %q", name)
		}
	}
	input := func(name string) string {
		if v, ok := inputs[name]; ok {
			return v
		}
		return a.Inputs[name].Default
	}
	stepOutputs := map[string]map[string]string{}
	expand := func(s string) string {
		return exprRE.ReplaceAllStringFunc(s, func(m string) string {
			e := exprRE.FindStringSubmatch(m)[1]
			if name, ok := strings.CutPrefix(e, "inputs."); ok {
				return input(name)
			}
			if rest, ok := strings.CutPrefix(e, "steps."); ok {
				id, out, _ := strings.Cut(rest, ".outputs.")
				return stepOutputs[id][out]
			}
			if strings.HasPrefix(e, "github.") || strings.HasPrefix(e, "runner.") {
				return env[actionExpr+e]
			}
			t.Fatalf("action.yml: expression %s is not one this test evaluates", m)
			return ""
		})
	}

	temp := t.TempDir()
	files := map[string]string{}
	for _, name := range []string{"GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_ENV"} {
		files[name] = filepath.Join(temp, strings.ToLower(name))
		if err := os.WriteFile(files[name], nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runnerTemp := filepath.Join(temp, "runner-temp")
	if err := os.Mkdir(runnerTemp, 0o755); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(temp, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	path := os.Getenv("PATH")
	base := map[string]string{
		"CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64",
		"GITHUB_WORKSPACE": workspace, "GITHUB_ACTION_PATH": root, "RUNNER_TEMP": runnerTemp,
		"GITHUB_REPOSITORY": "acme/app", "GITHUB_SHA": strings.Repeat("0", 40), "GITHUB_EVENT_NAME": "pull_request",
		"HOME": home, "GOPATH": os.Getenv("GOPATH"), "GOCACHE": goEnv(t, "GOCACHE"), "GOMODCACHE": goEnv(t, "GOMODCACHE"),
		"GOFLAGS": os.Getenv("GOFLAGS"), "GOPROXY": os.Getenv("GOPROXY"), "GOTOOLCHAIN": "local", "GIT_CONFIG_NOSYSTEM": "1",
	}
	for k, v := range files {
		base[k] = v
	}
	for k, v := range env {
		if !strings.HasPrefix(k, actionExpr) && k != actionCacheStore {
			base[k] = v
		}
	}

	run := actionRun{outputs: map[string]string{}}
	var log bytes.Buffer
	for i, step := range a.Runs.Steps {
		// if: "steps.ID.outputs.NAME == 'V'", run after a failed step
		// only behind "!cancelled() && ".
		cond := strings.TrimSpace(step.If)
		if c, ok := strings.CutPrefix(cond, "${{"); ok {
			cond = strings.TrimSpace(strings.TrimSuffix(c, "}}"))
		}
		afterFailure := false
		if c, ok := strings.CutPrefix(cond, "!cancelled() && "); ok {
			cond, afterFailure = c, true
		}
		if run.failedStep != "" && !afterFailure {
			continue
		}
		if cond != "" {
			m := regexp.MustCompile(`^steps\.([a-z-]+)\.outputs\.([a-z-]+) == '([a-z]*)'$`).FindStringSubmatch(cond)
			if m == nil {
				t.Fatalf("step %d (%s): if: %q is not one this test evaluates", i, step.Name, step.If)
			}
			if stepOutputs[m[1]][m[2]] != m[3] {
				continue
			}
		}
		if step.Uses != "" {
			run.used = append(run.used, actionUses(t, env[actionCacheStore], step.Uses, step.With, expand))
			continue
		}
		if step.Run == "" || step.Shell != "bash" {
			t.Fatalf("step %d (%s): only run: steps with shell: bash are run here", i, step.Name)
		}
		script := filepath.Join(temp, fmt.Sprintf("step%d.sh", i))
		if err := os.WriteFile(script, []byte(expand(step.Run)), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir = filepath.Join(workspace, expand(step.WorkingDirectory))
		vars := map[string]string{}
		for k, v := range base {
			vars[k] = v
		}
		for k, v := range step.Env {
			vars[k] = expand(v)
		}
		// The folders earlier steps added, first.
		added, _ := os.ReadFile(files["GITHUB_PATH"])
		lines := strings.Fields(string(added))
		for j := len(lines) - 1; j >= 0; j-- {
			path = lines[j] + string(os.PathListSeparator) + path
		}
		os.WriteFile(files["GITHUB_PATH"], nil, 0o644)
		vars["PATH"] = path
		for k, v := range vars {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		os.WriteFile(files["GITHUB_OUTPUT"], nil, 0o644)
		cmd.Stdout, cmd.Stderr = &log, &log
		err := cmd.Run()
		outs, _ := os.ReadFile(files["GITHUB_OUTPUT"])
		stepOutputs[step.ID] = map[string]string{}
		for _, line := range strings.Split(string(outs), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				stepOutputs[step.ID][k] = v
			}
		}
		if err != nil && run.failedStep == "" {
			run.failedStep, run.exitCode = step.Name, exitCodeOf(err)
		}
	}
	for name, o := range a.Outputs {
		run.outputs[name] = expand(o.Value)
	}
	summary, _ := os.ReadFile(files["GITHUB_STEP_SUMMARY"])
	run.log, run.summary = log.String(), string(summary)
	for what, text := range map[string]string{"log": run.log, "summary": run.summary} {
		if secretRE.MatchString(text) || strings.Contains(text, pgtest.Password) {
			t.Errorf("the action's %s shows a password:\n%s", what, text)
		}
	}
	return run
}

// actionUses runs a uses: step the action may hold: actions/cache's
// restore and save, on the folder store (GitHub's cache store, one folder
// per key; a key once saved is kept, as GitHub keeps it). It returns
// "restore KEY" (the key restored, "" for none) or "save KEY".
func actionUses(t *testing.T, store, uses string, with map[string]string, expand func(string) string) string {
	t.Helper()
	if store == "" {
		store = t.TempDir() // an empty store: nothing restored
	}
	path, key := expand(with["path"]), expand(with["key"])
	if !filepath.IsAbs(path) || key == "" {
		t.Fatalf("uses: %s: path %q, key %q", uses, path, key)
	}
	switch uses {
	case "actions/cache/restore@v4":
		found := ""
		if _, err := os.Stat(filepath.Join(store, key)); err == nil {
			found = key
		}
		for _, prefix := range strings.Split(expand(with["restore-keys"]), "\n") {
			if prefix = strings.TrimSpace(prefix); found != "" || prefix == "" {
				continue
			}
			entries, _ := os.ReadDir(store)
			var newest time.Time
			for _, e := range entries {
				if fi, err := e.Info(); err == nil && strings.HasPrefix(e.Name(), prefix) && fi.ModTime().After(newest) {
					found, newest = e.Name(), fi.ModTime()
				}
			}
		}
		if found != "" {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("cp", "-a", filepath.Join(store, found), path).CombinedOutput(); err != nil {
				t.Fatalf("restore: %v\n%s", err, out)
			}
		}
		return "restore " + found
	case "actions/cache/save@v4":
		if _, err := os.Stat(filepath.Join(store, key)); err == nil {
			return "save " + key + " (already there)"
		}
		if out, err := exec.Command("cp", "-a", path, filepath.Join(store, key)).CombinedOutput(); err != nil {
			t.Fatalf("save: %v\n%s", err, out)
		}
		return "save " + key
	}
	t.Fatalf("uses: %s is not a step this test runs", uses)
	return ""
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

// workspace is a checked-out repository: files committed with git.
func workspace(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "app"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

// TestAction runs the action from source (version empty: make build in
// the action's checkout) and as a release download from a local server,
// against a repository whose env files conflict (both ways) and one whose
// database (a real PostgreSQL) is in order (the release).
func TestAction(t *testing.T) {
	t.Parallel() // its own folders and processes; no shared state
	needTool(t, "jq")
	needTool(t, "make")
	needTool(t, "git")

	rel := localRelease(t)

	// A conflict, offline, built from source: annotations, a summary, exit 1.
	conflict := workspace(t, map[string]string{
		"app/.env":         "DATABASE_URL=postgres://app@db1.example.com/app\n",
		"app/backend/.env": "DATABASE_URL=postgres://app@db2.example.com/app\n",
	})
	r := runAction(t, conflict, map[string]string{"args": "--offline", "working-directory": "app"}, nil)
	if r.failedStep != "dbguard ci" || r.exitCode != 1 {
		t.Fatalf("failed step %q exit %d, want dbguard ci with 1:\n%s", r.failedStep, r.exitCode, r.log)
	}
	for _, want := range []string{
		"dbguard version ",
		"::error file=app/.env,line=1,title=dbguard env::",
		"::error file=app/backend/.env,line=1,title=dbguard env::", // relative to the repository root
	} {
		if !strings.Contains(r.log, want) {
			t.Errorf("log lacks %q:\n%s", want, r.log)
		}
	}
	for _, want := range []string{
		"## dbguard ci: ❌ fail\n",
		"| env | ❌ fail | conflict: DATABASE_URL names 2 different databases |",
		"| connection | ⏭️ skip | --offline |",
		"- **env** `app/backend/.env:1` DATABASE_URL names database 2 of 2",
	} {
		if !strings.Contains(r.summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.summary)
		}
	}
	if r.outputs["status"] != "fail" || r.outputs["exit-code"] != "1" {
		t.Errorf("outputs %v, want status fail, exit-code 1", r.outputs)
	}

	// A database in order (the real server), the format asked for.
	dbURL := pgtest.DB(t)
	ok := workspace(t, map[string]string{
		".gitignore":                    ".env\n",
		"migrations/000001_a.up.sql":    "CREATE TABLE a (id int);\n",
		"migrations/000001_a.down.sql":  "DROP TABLE a;\n",
		"dbguard.yaml":                  "version: 1\n",
		"docs/unrelated-notes-file.txt": "\n",
	})
	if err := os.WriteFile(filepath.Join(ok, ".env"), []byte("DATABASE_URL="+dbURL+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	up, out := dbguardProcess(t, ok, "migrate", "up", "--no-verify")
	if err := up.Run(); err != nil {
		t.Fatalf("migrate up: %v\n%s", err, out)
	}
	// Installed from the release (a source build, the step above, links
	// dbguard again: 2-3 s of CPU).
	r = runAction(t, ok, map[string]string{"version": "v0.3.0", "args": "--wait 10s", "format": "text"}, rel)
	if r.failedStep != "" {
		t.Fatalf("step %q exited %d:\n%s", r.failedStep, r.exitCode, r.log)
	}
	if !strings.Contains(r.log, "CI gate: pass") || !strings.Contains(r.summary, "## dbguard ci: ✅ pass") || strings.Contains(r.summary, "### Findings") {
		t.Errorf("want a pass in the log and the summary:\n%s\n%s", r.log, r.summary)
	}
	if r.outputs["status"] != "pass" || r.outputs["exit-code"] != "0" {
		t.Errorf("outputs %v, want status pass, exit-code 0", r.outputs)
	}

	r = runAction(t, conflict, map[string]string{"version": "v0.3.0", "args": "--offline", "working-directory": "app"}, rel)
	if r.failedStep != "dbguard ci" || r.exitCode != 1 || !strings.Contains(r.summary, "## dbguard ci: ❌ fail") {
		t.Errorf("release v0.3.0: failed step %q exit %d, want dbguard ci with 1, and the summary:\n%s\n%s", r.failedStep, r.exitCode, r.log, r.summary)
	}
	// A download whose SHA-256 is not the release's is not installed.
	r = runAction(t, conflict, map[string]string{"version": "v0.3.1"}, rel)
	if r.failedStep != "Install dbguard" || r.exitCode != 1 || !strings.Contains(r.log, "does not match the release's checksums.txt") {
		t.Errorf("a bad checksum: failed step %q exit %d:\n%s", r.failedStep, r.exitCode, r.log)
	}
	// A version that is no tag is refused before any download.
	r = runAction(t, conflict, map[string]string{"version": "latest; touch pwned"}, rel)
	if r.failedStep != "Install dbguard" || r.exitCode != 2 || !strings.Contains(r.log, "is not a release tag like v0.3.0") {
		t.Errorf("version latest: failed step %q exit %d:\n%s", r.failedStep, r.exitCode, r.log)
	}
	if _, err := os.Stat(filepath.Join(conflict, "pwned")); err == nil {
		t.Error("an input ran as a command")
	}
}

// buildDbguard puts this command, built static as a release is, at out.
// It is built once per test binary (a link takes seconds, and four tests
// want it) and hard-linked, or copied, to each test's own out.
func buildDbguard(t *testing.T, out string) {
	t.Helper()
	built.once.Do(build)
	if built.err != nil {
		t.Fatal(built.err)
	}
	src := filepath.Join(built.dir, "dbguard")
	if os.Link(src, out) == nil {
		return
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

// build builds the static binary into a folder of its own, once, as the
// release is built (.goreleaser.yaml): static, without urfave/cli's docs
// writers, without DWARF (-w). The release also drops the symbol table
// (-s); this build keeps it, for TestAttackSharedSandboxNotInBinary's
// go tool nm. DWARF was half of this link's CPU (1.0 against 0.55 s user,
// docs/performance.md, round 12) and a fifth of the binary's bytes, which
// TestAction packs, sums and unpacks; the tags are make build's, so the
// two builds share their compiled packages.
func build() {
	dir, err := pgtest.TempDir() // swept by the next run if this one is killed
	if err != nil {
		built.err = err
		return
	}
	built.dir = dir
	cmd := exec.Command("go", "build", "-tags", "urfave_cli_no_docs", "-ldflags", "-w", "-o", filepath.Join(dir, "dbguard"), ".")
	// In the package's folder, not the process's at the time: a serial
	// test may have chdir'd into its own (since removed) while the build
	// buildAhead started waited to begin ("getwd: no such file or
	// directory", or "." another package).
	cmd.Dir = packageDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		built.err = fmt.Errorf("go build: %v\n%s", err, b)
	}
}

// buildAhead starts the build when the whole package runs (no -run): the
// link then overlaps the serial tests, which mostly wait on servers and
// child processes, instead of holding up the first test that wants the
// binary. A run of chosen tests builds only if one of them asks.
func buildAhead() {
	packageDir, _ = os.Getwd()
	if f := flag.Lookup("test.run"); f == nil || f.Value.String() != "" {
		return
	}
	if f := flag.Lookup("test.list"); f != nil && f.Value.String() != "" {
		return
	}
	built.ahead = make(chan struct{})
	go func() {
		built.once.Do(build)
		close(built.ahead)
	}()
}

// waitBuildAhead returns once the build buildAhead started is done, at
// once if it started none: for a serial test whose bound on a time the
// link beside it (a few seconds of both processors) could break.
func waitBuildAhead() {
	if built.ahead != nil {
		<-built.ahead
	}
}

// packageDir is this package's folder, the working folder go test starts
// the test binary in (read before any test runs).
var packageDir string

// built is the binary buildDbguard made; removeBuilt removes it when the
// tests end.
var built struct {
	once  sync.Once
	dir   string
	err   error
	ahead chan struct{} // closed when buildAhead's build is done; nil if none
}

func removeBuilt() {
	built.once.Do(func() {}) // waits for a build buildAhead started
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
}

func tarGz(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	// Stored, not compressed: a gzip stream all the same, which tar -xzf
	// reads as it reads goreleaser's, and the release's SHA-256 is of
	// these bytes. Deflate in a race-built test binary took 12.7 s of
	// CPU for a 30 MB file against 0.13 s stored (0.9 s without -race):
	// most of what -race added to TestAction, whose archive holds the
	// 24 MB static build. The action's own steps are the same either way.
	zw, err := gzip.NewWriterLevel(&buf, gzip.NoCompression)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	tw.Write(data)
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// actionSummary runs dbguard ci --format json on a workspace of files (it
// must fail, exit 1) and returns the Action's job summary for that
// report, as scripts/action/summary.jq writes it.
func actionSummary(t *testing.T, jq string, files map[string]string) string {
	t.Helper()
	ci, talk := dbguardProcess(t, workspace(t, files), "ci", "--offline", "--format", "json")
	var report bytes.Buffer
	ci.Stdout = &report
	if err := ci.Run(); exitCodeOf(err) != 1 {
		t.Fatalf("dbguard ci: %v, want exit 1\n%s", err, talk)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(jq, "-r", "-f", filepath.Join(root, "scripts", "action", "summary.jq"))
	cmd.Stdin = &report
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jq: %v", err)
	}
	return string(out)
}

// TestAttackActionSummaryMarkdown: the job summary is Markdown that GitHub
// renders on the run's page, and a file name from the pull request under
// review reached it inside a plain code span: a backtick in a folder's name
// closed the span, and the rest added an image, HTML and a link of the
// pull request's choosing beside dbguard's verdict. The summary shows such
// a name as text: outside code spans nothing opens a link, an image, HTML
// or an autolink.
func TestAttackActionSummaryMarkdown(t *testing.T) {
	t.Parallel()
	jq := needTool(t, "jq")
	hostile := "a` ![all checks passed](https:evil.example) <img src=x> [fix it here](https:evil.example) `"
	summary := actionSummary(t, jq, map[string]string{
		".env":                 "DATABASE_URL=postgres://app@db1.example.com/app\n",
		hostile + "/.env":      "DATABASE_URL=postgres://app@db2.example.com/app\n",
		"<b>x</b> [y](z)/.env": "DATABASE_URL=postgres://app@db3.example.com/app\n",
	})
	for _, name := range []string{"a", "<b>x</b>"} {
		if !strings.Contains(summary, name) {
			t.Errorf("the summary does not name %q:\n%s", name, summary)
		}
	}
	for _, line := range strings.Split(summary, "\n") {
		if c := markdownOpener(line); c != "" {
			t.Errorf("summary line opens Markdown %q from a file name:\n%s", c, line)
		}
	}
}

// markdownOpener is the first character in a line of Markdown, outside its
// code spans and not backslash-escaped, that opens a link, an image, HTML
// or an autolink ("[", "<"), or "" when there is none.
func markdownOpener(line string) string {
	for i := 0; i < len(line); i++ {
		switch c := line[i]; c {
		case '\\':
			i++ // the escaped character
		case '`':
			n := len(line[i:]) - len(strings.TrimLeft(line[i:], "`"))
			fence := line[i : i+n]
			end := -1
			for j := i + n; j < len(line); {
				k := strings.Index(line[j:], fence)
				if k < 0 {
					break
				}
				k += j
				if m := len(line[k:]) - len(strings.TrimLeft(line[k:], "`")); m == n {
					end = k
					break
				} else {
					j = k + m
				}
			}
			if end < 0 {
				i += n - 1 // no closing fence: the backticks are text
				continue
			}
			i = end + n - 1
		case '<':
			if strings.HasPrefix(line[i:], emptyComment) {
				i += len(emptyComment) - 1 // the summary's own, after an '@'
				continue
			}
			return string(c)
		case '[':
			return string(c)
		}
	}
	return ""
}

// emptyComment is what the summary writes after an '@' so that GitHub
// makes no email link of it.
const emptyComment = "<!-- -->"

// TestAttackActionSummaryAutolink: GitHub's autolink extension makes links
// of bare text, and the job summary showed a host the pull request's env
// file named www.evil.example, or a database ops@evil.example, in a
// finding's message as a live link beside dbguard's verdict. Rendered by cmark-gfm
// as GitHub renders it, the summary has no link.
func TestAttackActionSummaryAutolink(t *testing.T) {
	t.Parallel()
	jq := needTool(t, "jq")
	cmark := needTool(t, "cmark-gfm")
	md := []byte(actionSummary(t, jq, map[string]string{
		".env":   "DATABASE_URL=postgres://app@db1.example.com/app\n",
		"a/.env": "DATABASE_URL=postgres://app@www.evil.example/app\n",
		"b/.env": "DATABASE_URL=postgres://app@db3.example.com/ops%40evil.example\n",
	}))
	if !strings.Contains(string(md), "www\\.evil.example") || !strings.Contains(string(md), "ops@"+emptyComment+"evil.example") {
		t.Fatalf("the summary does not show the host and the database as this test expects:\n%s", md)
	}
	render := exec.Command(cmark, "--unsafe", "-e", "autolink", "-e", "table")
	render.Stdin = bytes.NewReader(md)
	html, err := render.Output()
	if err != nil {
		t.Fatalf("cmark-gfm: %v", err)
	}
	if strings.Contains(string(html), "<a ") {
		t.Errorf("the rendered summary has a link:\n%s\nfrom:\n%s", html, md)
	}
	// The same text unescaped does link: the check can fail.
	bare := exec.Command(cmark, "-e", "autolink")
	bare.Stdin = strings.NewReader("names www.evil.example:5432/app and db3.example.com:5432/ops@evil.example")
	if out, err := bare.Output(); err != nil || strings.Count(string(out), "<a ") != 2 {
		t.Errorf("cmark-gfm made no links of the bare names (%v): %s", err, out)
	}
}

// TestActionFetchesBase: on a pull request the action fetches the base
// branch into actions/checkout's depth-1 clone (one commit, no tags), so
// dbguard ci judges with the base's trust-bearing settings without the
// user adding a step: here a pull request that commits a password and
// allows every file in hook.allow fails on the credentials check; the
// same commit as a push build runs with its own configuration. dbguard is
// installed from a local release of this package (TestAction proves the
// build from source; each such build links dbguard again, 1-1.5 s of CPU).
func TestActionFetchesBase(t *testing.T) {
	t.Parallel()
	needTool(t, "jq")
	needTool(t, "git")
	gitIn := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	src := workspace(t, map[string]string{"dbguard.yaml": "version: 1\nhook:\n  allow: [\"docs/**\"]\n"})
	gitIn(src, "branch", "-M", "main")
	gitIn(src, "checkout", "-q", "-b", "feature")
	for name, body := range map[string]string{
		"dbguard.yaml": "version: 1\nhook:\n  allow: [\"**\"]\n",
		"leak.py":      "DB = \"postgres://svc:S3cretProd99@db.prod.internal:5432/app\"\n",
	} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitIn(src, "add", "-A")
	gitIn(src, "commit", "-q", "-m", "pr")
	origin := filepath.Join(t.TempDir(), "origin.git")
	gitIn(src, "clone", "-q", "--bare", src, origin)
	// As actions/checkout: the pull request's commit alone.
	ws := t.TempDir()
	gitIn(ws, "init", "-q")
	gitIn(ws, "remote", "add", "origin", "file://"+origin)
	gitIn(ws, "fetch", "-q", "--no-tags", "--depth=1", "origin", "+refs/heads/feature:refs/remotes/pull/1/merge")
	gitIn(ws, "checkout", "-q", "refs/remotes/pull/1/merge")

	env := localRelease(t)
	for k, v := range map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main", "DATABASE_URL": "postgres://app@localhost/app"} {
		env[k] = v
	}
	release := map[string]string{"version": "v0.3.0", "args": "--offline"}
	r := runAction(t, ws, release, env)
	if r.failedStep != "dbguard ci" || r.exitCode != 1 {
		t.Fatalf("failed step %q exit %d, want dbguard ci with 1:\n%s", r.failedStep, r.exitCode, r.log)
	}
	for _, want := range []string{
		"::warning file=dbguard.yaml,line=3,title=dbguard config::this pull request changes hook.allow; ci judges with the base branch's value ([docs/**]) until it is merged",
		"::error file=leak.py,line=1,title=dbguard credentials::",
	} {
		if !strings.Contains(r.log, want) {
			t.Errorf("log lacks %q:\n%s", want, r.log)
		}
	}
	if !strings.Contains(r.summary, "| config | ✅ pass |") {
		t.Errorf("summary lacks the config check:\n%s", r.summary)
	}
	if secretRE.MatchString(r.log + r.summary) {
		t.Errorf("a password in the log or the summary")
	}
	// The fetch took one commit, and no tags.
	cmd := exec.Command("git", "rev-list", "--count", "refs/remotes/origin/main")
	cmd.Dir = ws
	if out, err := cmd.Output(); err != nil || strings.TrimSpace(string(out)) != "1" {
		t.Errorf("origin/main: %q %v", out, err)
	}

	// A push build: the branch's own hook.allow, no fetch.
	env["GITHUB_EVENT_NAME"], env["GITHUB_BASE_REF"] = "push", ""
	ws2 := t.TempDir()
	gitIn(ws2, "init", "-q")
	gitIn(ws2, "remote", "add", "origin", "file://"+origin)
	gitIn(ws2, "fetch", "-q", "--no-tags", "--depth=1", "origin", "+refs/heads/feature:refs/remotes/origin/feature")
	gitIn(ws2, "checkout", "-q", "refs/remotes/origin/feature")
	r = runAction(t, ws2, release, env)
	if r.failedStep != "" || strings.Contains(r.log, "dbguard config") {
		t.Errorf("push build: failed step %q exit %d:\n%s", r.failedStep, r.exitCode, r.log)
	}
}

// TestActionBaseKeepsHistory: the base step fetches nothing the clone
// already holds. A depth-1 fetch of a commit that is here marks it
// shallow, and a checkout deeper than one commit (fetch-depth: 10, for a
// later step's git diff origin/main...HEAD) lost the history below the
// base's tip: git merge-base found nothing.
func TestActionBaseKeepsHistory(t *testing.T) {
	t.Parallel()
	needTool(t, "git")
	dir := t.TempDir()
	git := func(wd string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = wd
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	src := filepath.Join(dir, "src")
	git(dir, "init", "-q", "-b", "main", src)
	for i := range 5 {
		git(src, "commit", "-q", "--allow-empty", "-m", fmt.Sprint("c", i))
	}
	git(src, "checkout", "-q", "-b", "feature", "HEAD~2")
	git(src, "commit", "-q", "--allow-empty", "-m", "pr")
	git(src, "checkout", "-q", "main")
	git(src, "merge", "-q", "--no-ff", "-m", "merge", "feature")
	merge := git(src, "rev-parse", "HEAD")
	git(src, "reset", "-q", "--hard", "HEAD^1")
	origin := filepath.Join(dir, "origin.git")
	git(dir, "clone", "-q", "--bare", src, origin)
	git(origin, "update-ref", "refs/pull/1/merge", merge)
	script, err := filepath.Abs("../../scripts/action/base.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		event, checkout, sha string
	}{
		// actions/checkout of refs/pull/1/merge, fetch-depth: 10.
		{"pull_request", "refs/pull/1/merge", merge},
		// pull_request_target with ref: the head, fetch-depth: 10.
		{"pull_request_target", "refs/heads/feature", git(src, "rev-parse", "main")},
	} {
		ws := filepath.Join(dir, tc.event)
		git(dir, "init", "-q", ws)
		git(ws, "remote", "add", "origin", "file://"+origin)
		git(ws, "fetch", "-q", "--no-tags", "--depth=10", "origin", "+"+tc.checkout+":refs/remotes/pull/1/head")
		git(ws, "checkout", "-q", "refs/remotes/pull/1/head")
		before := git(ws, "rev-list", "--count", "HEAD")
		cmd := exec.Command("bash", script)
		cmd.Dir = ws
		cmd.Env = append(os.Environ(), "GITHUB_EVENT_NAME="+tc.event, "GITHUB_BASE_REF=main", "GITHUB_SHA="+tc.sha)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: base.sh: %v\n%s", tc.event, err, out)
		}
		if after := git(ws, "rev-list", "--count", "HEAD"); after != before {
			t.Errorf("%s: HEAD's history was %s commits, %s after the base step", tc.event, before, after)
		}
	}
}

// TestActionBaseBlobless: in a partial clone (actions/checkout's filter:
// blob:none) the base step fetches the files of the base's tree that the
// clone lacks, by id, and nothing else: dbguard ci, which fetches
// nothing, reads them. Before, the step found the base's commit here and
// stopped, and ci stopped with exit 2 and the --refetch hint.
func TestActionBaseBlobless(t *testing.T) {
	t.Parallel()
	needTool(t, "git")
	dir := t.TempDir()
	git := func(wd string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = wd
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	src := filepath.Join(dir, "src")
	git(dir, "init", "-q", "-b", "main", src)
	write := func(name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(src, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("dbguard.yaml", "version: 1\nmigrations:\n  table: app_versions\n")
	write("api/dbguard.yaml", "version: 1\nenv:\n  prefer: files\n")
	git(src, "add", "-A")
	git(src, "commit", "-q", "-m", "base")
	git(src, "checkout", "-q", "-b", "feature")
	write("dbguard.yaml", "version: 1\n")
	write("api/dbguard.yaml", "version: 1\n")
	git(src, "commit", "-q", "-am", "pr")
	git(src, "checkout", "-q", "main")
	git(src, "merge", "-q", "--no-ff", "-m", "merge", "feature")
	merge := git(src, "rev-parse", "HEAD")
	git(src, "reset", "-q", "--hard", "HEAD^1")
	origin := filepath.Join(dir, "origin.git")
	git(dir, "clone", "-q", "--bare", src, origin)
	git(origin, "update-ref", "refs/pull/1/merge", merge)
	git(origin, "config", "uploadpack.allowFilter", "true")
	git(origin, "config", "uploadpack.allowAnySHA1InWant", "true")
	script, err := filepath.Abs("../../scripts/action/base.sh")
	if err != nil {
		t.Fatal(err)
	}
	missing := func(ws, rev string) string {
		out := git(ws, "rev-list", "--objects", "--missing=print", rev+"^{tree}")
		var ids []string
		for _, l := range strings.Split(out, "\n") {
			if id, ok := strings.CutPrefix(l, "?"); ok {
				ids = append(ids, id)
			}
		}
		return strings.Join(ids, " ")
	}
	for _, tc := range []struct {
		name, base string // base: the remote-tracking branch the clone has, or ""
	}{
		{"merge commit's first parent", ""},
		{"origin/main fetched", "main"},
		// actions/checkout's default depth 1: the step fetches origin/main.
		{"origin/main fetched by the step", "fetch"},
	} {
		ws := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
		if tc.base == "fetch" {
			git(dir, "init", "-q", ws)
			git(ws, "remote", "add", "origin", "file://"+origin)
			git(ws, "fetch", "-q", "--filter=blob:none", "--depth=1", "--no-tags", "origin", "+refs/pull/1/merge:refs/remotes/pull/1/head")
		} else {
			git(dir, "clone", "-q", "--filter=blob:none", "--no-checkout", "file://"+origin, ws)
			git(ws, "fetch", "-q", "--no-tags", "origin", "+refs/pull/1/merge:refs/remotes/pull/1/head")
		}
		git(ws, "checkout", "-q", "refs/remotes/pull/1/head")
		if tc.base != "main" {
			git(ws, "update-ref", "-d", "refs/remotes/origin/main")
		}
		sha := merge
		rev := "HEAD^1"
		if tc.base == "main" {
			rev = "refs/remotes/origin/main"
		}
		if tc.base != "fetch" && missing(ws, rev) == "" {
			t.Fatalf("%s: the clone holds the base's files already", tc.name)
		}
		before := git(ws, "rev-list", "--count", "HEAD")
		cmd := exec.Command("bash", script)
		cmd.Dir = ws
		cmd.Env = append(os.Environ(), "GITHUB_EVENT_NAME=pull_request", "GITHUB_BASE_REF=main", "GITHUB_SHA="+sha)
		if out, err := cmd.CombinedOutput(); err != nil || strings.Contains(string(out), "::warning") {
			t.Fatalf("%s: base.sh: %v\n%s", tc.name, err, out)
		}
		if tc.base == "fetch" {
			rev = "refs/remotes/origin/main"
		}
		if m := missing(ws, rev); m != "" {
			t.Errorf("%s: the base's tree still lacks %s", tc.name, m)
		}
		if after := git(ws, "rev-list", "--count", "HEAD"); after != before {
			t.Errorf("%s: HEAD's history was %s commits, %s after the base step", tc.name, before, after)
		}
	}
}
