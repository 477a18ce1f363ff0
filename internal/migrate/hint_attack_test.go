package migrate

import (
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A hint is pasted into a shell. The file names it quotes come from the
// repository: a name holding $(...) or backticks must reach the command as
// that name and run nothing, and "migrate create" gets a plain name.
func TestAttackHintFileNamesRunNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := "migrations/000003_$(touch pwned)`touch pwned2`;touch pwned3.up.sql"
	hints := []string{
		(&EditedError{Edited: []Edited{{Version: 3, File: file}}}).Hint(),
		(&AcceptError{Version: 3, File: file, Missing: "t"}).Hint(),
		(&AcceptError{Version: 3, File: file}).Hint(),
		(&LateError{Files: []string{file}, Current: 4}).Hint(),
	}
	git := regexp.MustCompile(`git (?:log -p -- (.*) shows it\)|checkout -- (.*)\) and put)`)
	create := regexp.MustCompile(`dbguard migrate create (\S+)`)
	for _, h := range hints {
		if m := git.FindStringSubmatch(h); m != nil {
			cmd := osexec.Command("bash", "--norc", "-c", "printf '%s' "+m[1]+m[2])
			cmd.Dir = dir
			out, err := cmd.Output()
			if err != nil || string(out) != file {
				t.Errorf("the shell reads the hint's file as %q (%v), want %q: %s", out, err, file, h)
			}
		}
		m := create.FindStringSubmatch(h)
		if m == nil || !regexp.MustCompile(`^[A-Za-z0-9_]+$`).MatchString(strings.TrimRight(m[1], ";")) {
			t.Errorf("no plain migrate create name in %q", h)
		}
	}
	for _, f := range []string{"pwned", "pwned2", "pwned3"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("a hint's file name ran a command: %s exists", f)
		}
	}
}
