package tool

import (
	"errors"
	"strings"
	"testing"
)

// TestAttackBraceExpansion: bash expands {a,b} and sh does not, and a
// line was read as sh reads it: `bash -c '{env-cmd,-f,.env.prod,./m}'`
// runs env-cmd over the guarded URL, and `dotenv -e .env.prod -{o,} --
// ./m` under bash is dotenv -o; both passed (a package script under a
// bash script-shell too). A brace expansion is refused as unreadable.
// Found by review9a at 139e3a89.
func TestAttackBraceExpansion(t *testing.T) {
	root := t.TempDir()
	p := &Project{Kind: Command, Workdir: root, root: root, config: "dbguard.yaml", commandLines: map[string]int{"up": 3}}
	for _, line := range []string{
		"bash -c '{env-cmd,-f,.env.prod,./m}'",
		"bash -c 'dotenv -e .env.prod -{o,} -- ./m'",
		"bash -c 'env-cmd -f .env.prod ./m{1..2}'",
	} {
		var u *shellUnread
		if err := p.CheckCommand("up", line, "dbguard migrate up"); err == nil || !strings.Contains(err.Error(), "brace expansion") {
			t.Errorf("%s: %v, want a refusal naming the brace expansion", line, err)
		} else if errors.As(err, &u) {
			t.Errorf("%s: the unread error not turned into advice: %v", line, err)
		}
	}
	for _, line := range []string{`./m "${X:-a,b}"`, "./m '{a,b}'", "./m {}", "find . -name {} ;", `./m "{a,b}"`} {
		if err := p.CheckCommand("up", line, "dbguard migrate up"); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
}
