package tool

import (
	"errors"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestDotenvCLIOverrideHintRuns: the hint for dotenv-cli's -o dropped
// only a word "-o" or "--override": for -oe .env (minimist: -o and -e
// .env) it printed the same line, refused again, and it dropped a -o of
// the command's own after --. The hint now passes the check it printed.
func TestDotenvCLIOverrideHintRuns(t *testing.T) {
	for line, want := range map[string]string{
		"dotenv -oe .env -- node migrate.js":        "dbguard exec -- dotenv -e .env -- node migrate.js",
		"dotenv --override=true -- node migrate.js": "dbguard exec -- dotenv -- node migrate.js",
		"dotenv -o -e .env -- node migrate.js -o":   "dbguard exec -- dotenv -e .env -- node migrate.js -o",
		"dotenv -co production -- node migrate.js":  "dbguard exec -- dotenv -c production -- node migrate.js",
	} {
		var a *exitcode.Advice
		if err := CheckDotenvRun(strings.Fields(line)); !errors.As(err, &a) || !strings.HasSuffix(a.Next, want) {
			t.Errorf("%s: %v, want the hint to end %q", line, err, want)
			continue
		}
		printed := strings.Fields(strings.TrimPrefix(want, "dbguard exec -- "))
		if err := CheckDotenvRun(printed); err != nil {
			t.Errorf("%s: the hint's %q is refused in turn: %v", line, want, err)
		}
	}
}
