package tool

import (
	"errors"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackShellLineBehindPrefix: sh -c's line, env's assignments and
// a command name that expands were read only at the head of a command,
// so behind a prefix they were nice's or nohup's arguments:
// `nohup sh -c 'env-cmd -f .env.prod ./migrate up'` and `nice env
// DIRECT_URL=... ./migrate up` passed as migrations.command lines (and
// package scripts), as did `env $X ...`, `nice $X ...`; sh's options
// around -c (`sh -c -e LINE`, `sh +e -c LINE`, `sh -o errexit -c LINE`,
// all of which dash runs) hid the line; `nice --adjustment 5 CMD` and
// `sudo --user u CMD` were read as running 5 and u; bash's `exec -a
// NAME CMD` as running NAME. exec's own argv read no sh -c nor env: `exec
// -- sh -c 'env-cmd -f .env.prod node x'` and `exec -- env npx prisma
// migrate deploy` passed. Found by review9a at 139e3a89.
func TestAttackShellLineBehindPrefix(t *testing.T) {
	root := t.TempDir()
	p := &Project{Kind: Command, Workdir: root, root: root, config: "dbguard.yaml", commandLines: map[string]int{"up": 4}, urlVars: []string{"DATABASE_URL", "DIRECT_URL"}}
	for _, line := range []string{
		"nohup sh -c 'env-cmd -f .env.prod ./migrate up'",
		"timeout 600 bash -c 'env-cmd -f .env.prod ./migrate up'",
		"sh -c -e 'env-cmd -f .env.prod ./migrate up'",
		"sh +e -c 'env-cmd -f .env.prod ./migrate up'",
		"sh -o errexit -c 'env-cmd -f .env.prod ./migrate up'",
		"nice env DIRECT_URL=postgres://u:s3cret@h/d ./migrate up",
		"X=env-cmd; env $X -f .env.prod ./migrate up",
		"X=env-cmd; nice $X -f .env.prod ./migrate up",
		"X=env-cmd; timeout 60 \"$X\" -f .env.prod ./migrate up",
		"nice --adjustment 5 env-cmd -f .env.prod ./migrate up",
		"sudo --user app env-cmd -f .env.prod ./migrate up",
		"bash -c 'exec -a m env-cmd -f .env.prod ./migrate up'",
		"env FOO=1 sh -c 'dotenv -o -- ./migrate up'",
	} {
		err := p.CheckCommand("up", line, "dbguard migrate up")
		var a *exitcode.Advice
		if !errors.As(err, &a) || a.Code != exitcode.Usage || !strings.HasPrefix(a.Msg, "dbguard.yaml:4: migrations.command.up") {
			t.Errorf("%s: %v, want a refusal at dbguard.yaml:4", line, err)
			continue
		}
		if strings.Contains(a.Msg+a.Next, "s3cret") {
			t.Errorf("%s: a URL shown: %s / %s", line, a.Msg, a.Next)
		}
	}
	for _, line := range []string{"nice -n 5 ./migrate up", "nohup sh -c './migrate up'", "sh -e migrate.sh up", "env FOO=1 ./migrate up",
		"nohup sh -c 'env-cmd --no-override -f .env.prod ./migrate up'", "nice --adjustment 5 ./migrate up", "sh -c -e './migrate up'", "./migrate \"$DIR\""} {
		if err := p.CheckCommand("up", line, "dbguard migrate up"); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
	for _, args := range [][]string{
		{"sh", "-c", "env-cmd -f .env.prod node x.js"},
		{"nohup", "sh", "-c", "env-cmd -f .env.prod node x.js"},
		{"env", "X=1", "env-cmd", "-f", ".env.prod", "node", "x.js"},
		{"env", "npx", "prisma", "migrate", "deploy"},
		{"sh", "-c", "npx prisma migrate deploy"},
	} {
		if err := CheckExecLine(root, root, []string{"DATABASE_URL"}, args); err == nil {
			t.Errorf("exec -- %s passed", strings.Join(args, " "))
		}
	}
	// exec's own sh -c line that dbguard cannot read runs as before
	// (exec.txtar's case ... esac).
	for _, args := range [][]string{{"sh", "-c", "node x.js"}, {"env", "X=1", "node", "x.js"}, {"sh", "migrate.sh"}, {"sh", "-c", "case x in y) echo;; esac"}, {"nice", "bash", "-c", "echo $(date)"}} {
		if err := CheckExecLine(root, root, []string{"DATABASE_URL"}, args); err != nil {
			t.Errorf("exec -- %s: %v", strings.Join(args, " "), err)
		}
	}
	// The tool behind env: the hint puts env in front of dbguard.
	err := CheckExecLine(root, root, nil, []string{"env", "FOO=1", "npx", "prisma", "migrate", "deploy"})
	var a *exitcode.Advice
	if !errors.As(err, &a) || a.Next != "put it in front of dbguard: env FOO=1 dbguard exec -- npx prisma migrate deploy" {
		t.Errorf("env FOO=1 npx prisma: %v", err)
	}
}
