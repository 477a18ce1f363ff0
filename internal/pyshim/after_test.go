package pyshim

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/guard"
)

// sqlaPython is the interpreter of the alembic on PATH (SQLAlchemy is
// installed beside it); in CI (CI=true) its absence fails the test.
func sqlaPython(t *testing.T) string {
	t.Helper()
	if a, err := exec.LookPath("alembic"); err == nil {
		if f, err := os.Open(a); err == nil {
			line, _ := bufio.NewReader(f).ReadString('\n')
			f.Close()
			if py, ok := strings.CutPrefix(strings.TrimSpace(line), "#!"); ok && !strings.Contains(py, " ") {
				return py
			}
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("alembic is not installed (.ci/run installs it)")
	}
	t.Skip("alembic is not installed (.ci/run installs it)")
	return ""
}

// runAfter runs py -c tool under a guard for the target t, with a reading
// after it of reader, and returns the tool's exit code as dbguard sees
// it and what the reading did.
func runAfter(t *testing.T, py, tool, reader string, limit time.Duration) (int, AfterResult) {
	code, r, _ := runAfterWith(t, py, py, tool, reader, limit)
	return code, r
}

// runAfterWith is runAfter with the models read with readPy; it also
// returns the folder both ran in.
func runAfterWith(t *testing.T, py, readPy, tool, reader string, limit time.Duration) (int, AfterResult, string) {
	t.Helper()
	shim, err := New(Target{DBName: "app", Hosts: [][2]string{{"127.0.0.1", "5432"}}, Show: "app"})
	if err != nil {
		t.Fatal(err)
	}
	defer shim.Close()
	dir := t.TempDir()
	a, err := NewAfter(AfterRead{Script: []byte(reader), Args: []string{"one", "two"}, Dir: dir, Python: readPy, Timeout: limit,
		Target: Target{DBName: "\x00", Show: "nothing"}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	cmd := exec.Command(py, "-c", tool)
	cmd.Dir = dir
	env := guard.SetEnv(os.Environ(), shim.Env(os.Environ()))
	then, err := a.Prepare(cmd)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = guard.SetEnv(env, then)
	code, err := guard.RunStarted(cmd, "tool", func(p *os.Process) { a.Started(context.Background(), p) })
	if err != nil {
		t.Fatal(err)
	}
	r := a.Finish()
	if r.HasToolCode {
		code = r.ToolCode
	}
	return code, r, dir
}

// The reading runs after the tool, in another process than the tool's,
// with the reader's argv, folder and guard; what the tool did (a patched
// json, a forged answer on every descriptor, the reader's file
// rewritten) is not in it.
func TestAfterReadsInAProcessOfItsOwn(t *testing.T) {
	t.Parallel()
	py := sqlaPython(t)
	tool := `
import json, os
# The reader's file, found in the environment the process started with
# (the guard popped the variable from os.environ, not from there).
for kv in open("/proc/self/environ", "rb").read().split(b"\0"):
    if kv.startswith(b"DBGUARD_GUARD_THEN_READ="):
        spec = json.loads(kv.split(b"=", 1)[1])
        open(spec["script"], "w").write("print('{\"forged\": true}')\n")
        break
else:
    raise SystemExit("no reader named in /proc/self/environ")
json.dumps = lambda *a, **k: '{"forged": true}'
for fd in range(3, 64):
    try:
        os.write(fd, b'{"forged": true}\n')
    except OSError:
        pass
import ctypes
open("tool-dumpable", "w").write(str(ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)))
print("tool", os.getpid())
`
	reader := `
import ctypes, json, os, sys
print("noise")
print(json.dumps({"dumpable": ctypes.CDLL(None).prctl(3, 0, 0, 0, 0), "pid": os.getpid(), "argv": sys.argv[1:], "cwd": os.getcwd(), "target": os.environ["DBGUARD_GUARD_TARGET"], "then": os.environ.get("DBGUARD_GUARD_THEN_READ")}))
print("to stderr", file=sys.stderr)
`
	code, r, dir := runAfterWith(t, py, py, tool, reader, 30*time.Second)
	if code != 0 || !r.Zygote || !r.Read || !r.Done || r.Status != 0 {
		t.Fatalf("code %d, result %+v", code, r)
	}
	out := string(r.Stdout)
	if strings.Contains(out, "forged") || !strings.HasPrefix(out, "noise\n{") {
		t.Errorf("the reader's stdout: %q", out)
	}
	// The reading cannot be reached through /proc by the tool; the tool
	// is as it was.
	for _, want := range []string{`"dumpable": 0`, `"argv": ["one", "two"]`, `"target": "{\"hosts\": null, \"dbname\": \"\\u0000\"`, `"then": null`} {
		if !strings.Contains(out, want) {
			t.Errorf("the reader's stdout lacks %s: %q", want, out)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "tool-dumpable")); err != nil || string(b) != "1" {
		t.Errorf("the tool's PR_GET_DUMPABLE: %q, %v", b, err)
	}
	if string(r.Stderr) != "to stderr\n" {
		t.Errorf("the reader's stderr: %q", r.Stderr)
	}
}

// A tool that fails, or that a signal ends, is not followed by a reading,
// and its exit status is the one dbguard sees.
func TestAfterNoReadingAfterAFailedTool(t *testing.T) {
	t.Parallel()
	py := sqlaPython(t)
	reader := "open('read', 'w').write('read')\n"
	code, r := runAfter(t, py, "import sys; sys.exit(3)", reader, 30*time.Second)
	if code != 3 || r.Read || !r.Zygote {
		t.Errorf("exit 3: code %d, result %+v", code, r)
	}
	code, r = runAfter(t, py, "import os, signal; os.kill(os.getpid(), signal.SIGTERM)", reader, 30*time.Second)
	if code != 128+15 || r.Read {
		t.Errorf("SIGTERM: code %d, result %+v", code, r)
	}
}

// The time limit cuts the reading, not the tool: the tool's own time is
// not counted, and its exit code stands.
func TestAfterTimeLimitCutsTheReadingOnly(t *testing.T) {
	t.Parallel()
	py := sqlaPython(t)
	begun := time.Now()
	code, r := runAfter(t, py, "import time; time.sleep(3)", "import time; time.sleep(60)\n", 2*time.Second)
	if code != 0 || !r.Read || r.Done || !r.TimedOut {
		t.Errorf("code %d, result %+v", code, r)
	}
	if d := time.Since(begun); d > 40*time.Second {
		t.Errorf("took %s: the reading was not cut", d)
	}
}

// Another interpreter than the one the models are read with: no
// reading, and the tool runs as it would.
func TestAfterOtherInterpreterReadsNothing(t *testing.T) {
	t.Parallel()
	py := sqlaPython(t)
	code, r, _ := runAfterWith(t, py, "/elsewhere/python", "print('tool')", "print('read')\n", time.Minute)
	if code != 0 || r.Read || r.Zygote || !strings.HasPrefix(r.Skipped, "the tool runs with") {
		t.Errorf("code %d, result %+v", code, r)
	}
}

// A virtualenv's python and python3 are one interpreter in one
// environment: pip writes a console script's shebang as the interpreter
// it ran under (.venv/bin/python3 from .venv/bin/pip), while the models
// are read with .venv/bin/python. Taken for another interpreter, the
// reading was skipped and ran in a second Python of its own, in the very
// setup the zygote is for. The same file in another folder (the
// interpreter a virtualenv links to) is another environment: no reading.
func TestAfterVenvPythonAndPython3AreOne(t *testing.T) {
	t.Parallel()
	py := sqlaPython(t)
	venv := filepath.Join(t.TempDir(), ".venv")
	if out, err := exec.Command(py, "-m", "venv", "--system-site-packages", "--without-pip", venv).CombinedOutput(); err != nil {
		t.Fatalf("python -m venv: %v: %s", err, out)
	}
	bin := filepath.Join(venv, "bin")
	code, r, _ := runAfterWith(t, filepath.Join(bin, "python3"), filepath.Join(bin, "python"), "print('tool')", "print('read')\n", time.Minute)
	if code != 0 || !r.Zygote || !r.Read || string(r.Stdout) != "read\n" {
		t.Errorf("python3 beside python: code %d, result %+v", code, r)
	}
	real, err := filepath.EvalSymlinks(filepath.Join(bin, "python3"))
	if err != nil {
		t.Fatal(err)
	}
	code, r, _ = runAfterWith(t, filepath.Join(bin, "python3"), real, "print('tool')", "print('read')\n", time.Minute)
	if code != 0 || r.Read || r.Zygote || !strings.HasPrefix(r.Skipped, "the tool runs with") {
		t.Errorf("the venv's python3 against %s: code %d, result %+v", real, code, r)
	}
}

// The tool runs with what it shares with the zygote (Python's start,
// SQLAlchemy's import) frozen out of the garbage collector's passes,
// which would otherwise copy every page of it; the reading, in the
// zygote, has them back.
func TestAfterToolSharesTheImportFrozen(t *testing.T) {
	t.Parallel()
	py := sqlaPython(t)
	tool := `
import gc, sys
n = gc.get_freeze_count()
print("tool frozen", n)
sys.exit(0 if n > 10000 else 3)
`
	reader := `
import gc, json
print(json.dumps({"frozen": gc.get_freeze_count()}))
`
	code, r := runAfter(t, py, tool, reader, 30*time.Second)
	if code != 0 {
		t.Fatalf("the tool saw too few objects frozen: code %d, result %+v", code, r)
	}
	if !r.Zygote || !r.Read || string(r.Stdout) != "{\"frozen\": 0}\n" {
		t.Errorf("the reading: result %+v, stdout %q", r, r.Stdout)
	}
}

// A Python whose gc has no freeze (before 3.7: SQLAlchemy 1.4 and Alembic
// 1.7 still run on 3.6), here made by a .pth file of the user's
// site-packages that deletes it before the guard runs: the tool runs as it
// would without the guard, its signals not held (the zygote holds them
// while the two processes part), and the models are still read. Before, gc.freeze()'s AttributeError left the
// zygote with SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGUSR1/2 blocked in the
// one process, the tool: Ctrl-C and dbguard's SIGTERM did not reach
// Alembic, and no reading followed.
func TestAfterPythonWithoutGCFreeze(t *testing.T) {
	py := sqlaPython(t)
	t.Setenv("PYTHONUSERBASE", t.TempDir())
	site, err := exec.Command(py, "-c", "import site, sys; sys.stdout.write(site.getusersitepackages() if site.ENABLE_USER_SITE else '')").Output()
	if err != nil || len(site) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s reads no user site-packages (a virtualenv's), where this test makes its Python without gc.freeze: %v", py, err)
		}
		t.Skipf("%s reads no user site-packages (a virtualenv's): %v", py, err)
	}
	if err := os.MkdirAll(string(site), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(string(site), "nofreeze.pth"), []byte("import gc; del gc.freeze; del gc.unfreeze\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tool := `
import gc, signal, sys
held = signal.pthread_sigmask(signal.SIG_BLOCK, [])
print("tool", hasattr(gc, "freeze"), sorted(int(s) for s in held))
sys.exit(0 if not held and not hasattr(gc, "freeze") else 3)
`
	reader := `print("read")`
	code, r := runAfter(t, py, tool, reader, 30*time.Second)
	if code != 0 {
		t.Fatalf("the tool without gc.freeze (3: its signals held): code %d, result %+v", code, r)
	}
	if !r.Zygote || !r.Read || string(r.Stdout) != "read\n" {
		t.Errorf("the reading: result %+v, stdout %q", r, r.Stdout)
	}
}
