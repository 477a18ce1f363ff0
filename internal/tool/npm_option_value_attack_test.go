package tool

import (
	"strings"
	"testing"
)

// TestAttackScriptAfterOptionValue: an option's value before the command
// was read as the command, so `exec -- npm --loglevel silent run migrate`
// (real npm 11 runs migrate, and its premigrate) read the command
// "silent", no script, and ran the script's `dotenv -o` unread; yarn and
// pnpm took the value for a script's name. Both readings are checked now.
// Found by review9a at 139e3a89.
func TestAttackScriptAfterOptionValue(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"package.json": `{"scripts": {"migrate": "dotenv -e .env.prod -o -- ./migrate up", "silent": "node x.js", "build": "tsc"}}`,
	})
	for _, line := range []string{
		"npm --loglevel silent run migrate",
		"npm --loglevel silent --userconfig .npmrc run migrate",
		"pnpm --reporter silent migrate",
		"yarn --mutex file migrate",
		"env-cmd --no-override npm --loglevel warn run migrate",
	} {
		if err := CheckExecLine(root, root, []string{"DATABASE_URL"}, strings.Fields(line)); err == nil {
			t.Errorf("%s passed", line)
		}
	}
	p := &Project{Kind: Command, Workdir: root, root: root, config: "dbguard.yaml", commandLines: map[string]int{"up": 2}}
	if err := p.CheckCommand("up", "npm --loglevel warn run migrate", "dbguard migrate up"); err == nil {
		t.Error("migrations.command: npm --loglevel warn run migrate passed")
	}
	for _, line := range []string{"npm --loglevel silent run build", "yarn --silent build", "npm --prefix . run build", "pnpm --reporter silent build"} {
		if err := CheckExecLine(root, root, []string{"DATABASE_URL"}, strings.Fields(line)); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
}
