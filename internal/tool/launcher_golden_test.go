package tool

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestLauncherGoldens: exec refuses an env launcher's command line
// exactly where the real launcher (env-cmd 11.0.0, dotenvx 2.38.2,
// dotenv-cli 8.0.0: scripts/launcher-goldens.sh) gave the command the env file's
// DATABASE_URL over the one in its environment, and each refusal's fix
// is a line the real launcher ran with the guarded one. Before, env-cmd
// -f .env.prod node migrate.js (env-cmd overrides by default) and
// dotenvx run -o passed: the command connected where the file said.
func TestLauncherGoldens(t *testing.T) {
	goldens := map[string]string{}
	readLines(t, filepath.Join("testdata", "launchers", "goldens.tsv"), func(line string) {
		l, got, _ := strings.Cut(line, "\t")
		goldens[l] = got
	})
	n := 0
	readLines(t, filepath.Join("testdata", "launchers", "lines.txt"), func(line string) {
		got, ok := goldens[line]
		if !ok {
			t.Errorf("%s: no golden (run scripts/launcher-goldens.sh)", line)
			return
		}
		if got == "error" {
			t.Errorf("%s: the launcher failed when recorded: a line that tells nothing", line)
			return
		}
		n++
		args := strings.Fields(strings.ReplaceAll(line, "CMD", "node migrate.js"))
		err := CheckDotenvRun(args) // dotenv-cli's dotenv
		if err == nil {
			err = CheckEnvLauncher(args)
		}
		if (err != nil) != (got == "file") {
			t.Errorf("%s: refused %v, but the real launcher gave the command the %s value", line, err != nil, got)
			return
		}
		var a *exitcode.Advice
		if err == nil {
			return
		}
		if !errors.As(err, &a) || a.Code != exitcode.Usage {
			t.Errorf("%s: %v", line, err)
			return
		}
		_, fix, _ := strings.Cut(a.Next, "dbguard exec -- ")
		fix = strings.ReplaceAll(fix, "node migrate.js", "CMD")
		if goldens[fix] != "guarded" {
			t.Errorf("%s: the fix %q was not recorded giving the guarded value (%q)", line, fix, goldens[fix])
		}
	})
	if n < 20 {
		t.Errorf("only %d lines compared", n)
	}
}

// TestLauncherOverrideBehindRunner: env-cmd and dotenvx reached through
// npx are refused the same, and the hint runs the same package: npx
// dotenvx (the binary's name) is another package of the registry than
// @dotenvx/dotenvx, which the command line named.
func TestLauncherOverrideBehindRunner(t *testing.T) {
	root := t.TempDir()
	for line, want := range map[string]string{
		"npx @dotenvx/dotenvx run -o -f .env -- node x.js": "dbguard exec -- npx @dotenvx/dotenvx run -f .env -- node x.js",
		"npx --yes env-cmd@11 -f .env.prod node x.js":      "dbguard exec -- npx --yes env-cmd@11 --no-override -f .env.prod node x.js",
		"pnpm exec env-cmd -f .env.prod node x.js":         "dbguard exec -- pnpm exec env-cmd --no-override -f .env.prod node x.js",
		"uv run npx dotenvx run --overload -- node x.js":   "dbguard exec -- uv run npx dotenvx run -- node x.js",
		"npx @dotenvx/dotenvx run -f .env -- node x.js":    "",
		"npx env-cmd --no-override -f .env.prod node x.js": "",
	} {
		err := CheckLauncher(root, root, strings.Fields(line))
		if (err != nil) != (want != "") {
			t.Errorf("%s: %v, want refused %v", line, err, want != "")
			continue
		}
		var a *exitcode.Advice
		if err != nil && (!errors.As(err, &a) || !strings.HasSuffix(a.Next, want)) {
			t.Errorf("%s: hint %q, want it to end %q", line, a.Next, want)
		}
	}
}
