package tool

import (
	"errors"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackCommandUnsetsURL: a line that took a variable dbguard sets
// away, or read a new value into it, passed: `env -u DATABASE_URL
// ./migrate up` and `unset DATABASE_URL; ...` left the tool to its own
// env file (Prisma's .env, dbmate's), and `read DATABASE_URL < url.txt`
// changed the exported value (dash: the child sees the file's URL).
// Found by review9a at 139e3a89.
func TestAttackCommandUnsetsURL(t *testing.T) {
	root := t.TempDir()
	p := &Project{Kind: Command, Workdir: root, root: root, config: "dbguard.yaml", commandLines: map[string]int{"up": 4}, urlVars: []string{"DATABASE_URL", "DIRECT_URL"}}
	for line, want := range map[string]string{
		"env -u DATABASE_URL ./migrate up":                 "unsets DATABASE_URL",
		"env --unset=DIRECT_URL ./migrate up":              "unsets DIRECT_URL",
		"env -uDATABASE_URL ./migrate up":                  "unsets DATABASE_URL",
		"unset DATABASE_URL; ./migrate up":                 "unsets DATABASE_URL",
		"nice env -u DATABASE_URL ./migrate up":            "unsets DATABASE_URL",
		"read DATABASE_URL < url.txt; ./migrate up":        "sets DATABASE_URL",
		"read -r DIRECT_URL < url.txt; ./migrate up":       "sets DIRECT_URL",
		"getopts a DATABASE_URL; ./migrate up":             "sets DATABASE_URL",
		"bash -c 'printf -v DATABASE_URL x; ./migrate up'": "sets DATABASE_URL",
	} {
		err := p.CheckCommand("up", line, "dbguard migrate up")
		var a *exitcode.Advice
		if !errors.As(err, &a) || a.Code != exitcode.Usage || !strings.Contains(a.Msg, want) {
			t.Errorf("%s: %v, want a refusal saying %q", line, err, want)
		}
	}
	for _, line := range []string{"unset FOO; ./migrate up", "read -r answer < f; ./migrate up", "unset -f DATABASE_URL; ./migrate up", "env -u FOO ./migrate up", "env -C . ./migrate up"} {
		if err := p.CheckCommand("up", line, "dbguard migrate up"); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
}
