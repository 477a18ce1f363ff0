package tool

import (
	"errors"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackCommandBehindEnvLauncher: the command an env launcher runs
// was read only for a package script, so a launcher that keeps the
// guarded URL (dotenv-cli without -o, env-cmd --no-override, dotenvx
// run) in front of one that does not passed: `dotenv -e .env.local --
// env-cmd -f .env.prod ./m`, the same through sh -c, env-cmd's
// --use-shell line, and `dotenv -- env DATABASE_URL=... ./m`. Found by
// review9a at 139e3a89.
func TestAttackCommandBehindEnvLauncher(t *testing.T) {
	root := t.TempDir()
	p := &Project{Kind: Command, Workdir: root, root: root, config: "dbguard.yaml", commandLines: map[string]int{"up": 3}, urlVars: []string{"DATABASE_URL", "DIRECT_URL"}}
	for _, line := range []string{
		"dotenv -e .env.local -- env-cmd -f .env.prod ./m",
		"env-cmd --no-override -f .env.local env-cmd -f .env.prod ./m",
		"dotenv -e .env.local -- sh -c 'env-cmd -f .env.prod ./m'",
		"env-cmd --no-override --use-shell 'env-cmd -f .env.prod ./m'",
		"dotenvx run -f .env -- sh -c 'env-cmd -f .env.prod ./m'",
		"dotenv -e .env.local -- env DATABASE_URL=postgres://u:s3cret@h/d ./m",
		"dotenv -e .env.local -- nice dotenv -e .env.prod -o -- ./m",
	} {
		err := p.CheckCommand("up", line, "dbguard migrate up")
		var a *exitcode.Advice
		if !errors.As(err, &a) || a.Code != exitcode.Usage || !strings.HasPrefix(a.Msg, "dbguard.yaml:3: migrations.command.up") {
			t.Errorf("%s: %v, want a refusal", line, err)
			continue
		}
		if strings.Contains(a.Msg+a.Next, "s3cret") {
			t.Errorf("%s: a URL shown", line)
		}
	}
	for _, line := range []string{
		"dotenv -e .env.local -- ./m",
		"dotenv -e env -- ./m up",
		"env-cmd --no-override -f .env.local sh -c './m up'",
		"dotenvx run -f .env -- env FOO=1 ./m",
		"env-cmd --no-override --use-shell './m up && ./m status'",
		"dotenv -e .env.local -- " + strings.Repeat("nice ", 30) + "./m",
	} {
		if err := p.CheckCommand("up", line, "dbguard migrate up"); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
}
