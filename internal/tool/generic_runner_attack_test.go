package tool

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackGenericRunner: a generic command runner hid what it runs
// (review9a): `flock /tmp/l env-cmd -f .env.prod ./m` in
// migrations.command, `watch -x env-cmd ...`, `direnv exec . ./m`
// (direnv runs .envrc and exports what it sets), `envdir env ./m`,
// `chpst -e env ./m`, `foreman run ./m` (it loads .env), `xargs`, `find
// -exec`, `systemd-run`, `echo ... | sh` and `sh -s` all passed
// migrations.command's check, and behind exec the tool ran without
// exec's checks. What a runner runs is read where it is plain; a loader
// is refused; the rest refused as unreadable, with the reason.
func TestAttackGenericRunner(t *testing.T) {
	root := t.TempDir()
	p := &Project{Kind: Command, Workdir: root, root: root, config: "dbguard.yaml", commandLines: map[string]int{"up": 3}}
	for line, want := range map[string]string{
		"flock /tmp/l env-cmd -f .env.prod ./m":           "env-cmd",
		"flock -w 5 /tmp/l -c 'env-cmd -f .env.prod ./m'": "env-cmd",
		"watch -x env-cmd -f .env.prod ./m":               "env-cmd",
		"watch -n 60 env-cmd -f .env.prod ./m":            "env-cmd",
		"chpst -u app env-cmd -f .env.prod ./m":           "env-cmd",
		"direnv exec . ./m":                               ".envrc",
		"envdir env ./m":                                  "envdir",
		"chpst -e env ./m":                                "chpst -e",
		"foreman run ./m":                                 ".env",
		"honcho run -e .env.prod ./m":                     ".env",
		"ls | xargs ./m":                                  "xargs",
		"find . -name '*.sql' -exec ./m {} ;":             "find -exec",
		"systemd-run --user ./m":                          "systemd-run",
		"echo 'env-cmd -f .env.prod ./m' | sh":            "reading commands from its input",
		"sh -s < migrate.txt":                             "reading commands from its input",
	} {
		err := p.CheckCommand("up", line, "dbguard migrate up")
		var a *exitcode.Advice
		if !errors.As(err, &a) || a.Code != exitcode.Usage || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "dbguard.yaml:3") {
			t.Errorf("%s: %v, want refused naming %q at dbguard.yaml:3", line, err, want)
		}
	}
	for _, line := range []string{"flock /tmp/l ./m", "watch -x ./m", "flock -c true /tmp/l", "sh scripts/m.sh", "find . -name '*.sql'", "chpst -u app ./m"} {
		if err := p.CheckCommand("up", line, "dbguard migrate up"); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
	// exec's own line: a shell there reads what the user types, as an
	// unread sh -c line there runs; inside sh -c it is refused.
	if err := CheckExecLine(root, root, []string{"DATABASE_URL"}, []string{"bash"}); err != nil {
		t.Errorf("exec -- bash: %v", err)
	}
	if err := p.CheckCommand("up", "sh -c 'echo ./m | sh'", "dbguard migrate up"); err == nil || !strings.Contains(err.Error(), "reading commands from its input") {
		t.Errorf("sh -c 'echo ./m | sh': %v", err)
	}
	// exec's own line: the tool behind a runner, or a runner dbguard
	// cannot read, is refused with a hint that runs.
	for line, next := range map[string]string{
		"flock /tmp/l alembic upgrade head":       "dbguard exec -- alembic upgrade head",
		"xargs -n 1 alembic upgrade":              "dbguard exec -- alembic upgrade",
		"direnv exec . alembic upgrade head":      "dbguard exec -- alembic upgrade head",
		"systemd-run --user alembic upgrade head": "dbguard exec -- sh scripts/migrate.sh",
	} {
		err := CheckExecLine(root, root, []string{"DATABASE_URL"}, strings.Fields(line))
		var a *exitcode.Advice
		if !errors.As(err, &a) || !strings.HasSuffix(a.Next, next) {
			t.Errorf("exec -- %s: %v, want a hint ending %q", line, err, next)
		}
	}
}

// TestGenericRunnerRealTools: the real flock and xargs here run what
// genericRun reads: flock FILE CMD runs CMD with its words as given (and
// the environment), flock FILE -c LINE runs LINE with sh, and xargs
// adds its input's words to the command (what dbguard cannot read).
func TestGenericRunnerRealTools(t *testing.T) {
	for _, tool := range []string{"flock", "xargs"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not installed", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	lock := filepath.Join(t.TempDir(), "l")
	for _, line := range [][]string{
		{"flock", "-w", "5", lock, "printenv", "R10"},
		{"flock", lock, "-c", "printenv R10"},
	} {
		inner, loads, unread, ok := genericRun(line)
		if !ok || loads != "" || unread != "" || len(inner) == 0 {
			t.Fatalf("%v: not read", line)
		}
		cmd := exec.Command(line[0], line[1:]...)
		cmd.Env = append(os.Environ(), "R10=seen")
		out, err := cmd.Output()
		if err != nil || strings.TrimSpace(string(out)) != "seen" {
			t.Errorf("%v: %q %v", line, out, err)
		}
		// What dbguard reads runs the same.
		cmd = exec.Command(inner[0], inner[1:]...)
		cmd.Env = append(os.Environ(), "R10=seen")
		if out2, err := cmd.Output(); err != nil || string(out2) != string(out) {
			t.Errorf("%v read as %v: %q %v", line, inner, out2, err)
		}
	}
	cmd := exec.Command("xargs", "echo", "up")
	cmd.Stdin = strings.NewReader("--url elsewhere\n")
	if out, err := cmd.Output(); err != nil || strings.TrimSpace(string(out)) != "up --url elsewhere" {
		t.Errorf("xargs: %q %v", out, err)
	}
	if _, _, unread, _ := genericRun([]string{"xargs", "echo", "up"}); unread == "" {
		t.Error("xargs read as plain")
	}
}
