package tool

import (
	"strings"
	"testing"
)

// TestReadShellLine: a migrations.command line is split as sh splits the
// simple cases, and what sh would run from elsewhere is unread.
func TestReadShellLine(t *testing.T) {
	for line, want := range map[string]string{
		`alembic upgrade head`:                                "alembic upgrade head",
		`cd db && env-cmd -f .env.prod prisma migrate deploy`: "cd db|env-cmd -f .env.prod prisma migrate deploy",
		`touch "$WORK/ran-up"`:                                "touch $WORK/ran-up",
		`sh migrate.sh up; echo done`:                         "sh migrate.sh up|echo done",
		`dotenv -e '.env prod' -- prisma migrate deploy`:      "dotenv -e .env prod -- prisma migrate deploy",
		`do\tenv run x`:                                       "dotenv run x",
		`./migrate up > log.txt 2>&1`:                         "./migrate up",
		`FOO=1 DATABASE_URL=x ./migrate # a comment`:          "[FOO DATABASE_URL] ./migrate",
		`env -u X DATABASE_URL=y ./migrate`:                   "[DATABASE_URL] ./migrate",
		`exec env-cmd ./migrate | tee log`:                    "env-cmd ./migrate|tee log",
		`a || b &`:                                            "a|b",
		"a \\\n  b\nc":                                        "a b|c",
		`"e"nv-cmd x`:                                         "env-cmd x",
		`export DATABASE_URL=x; ./migrate`:                    "[DATABASE_URL]|./migrate",
	} {
		cmds, err := readShellLine(line)
		if err != nil {
			t.Errorf("%s: %v", line, err)
			continue
		}
		var got []string
		for _, c := range cmds {
			s := strings.Join(c.Words, " ")
			if len(c.Assigns) > 0 {
				s = strings.TrimSpace("[" + strings.Join(c.Assigns, " ") + "] " + s)
			}
			got = append(got, s)
		}
		if g := strings.Join(got, "|"); g != want {
			t.Errorf("%s: %q, want %q", line, g, want)
		}
	}
	for _, line := range []string{
		"$(echo env-cmd) -f .env.prod x", "`echo env-cmd` x", `x "$(y)"`, "(cd db; x)", "{ x; }",
		"if true; then x; fi", "for f in a; do x; done", "eval \"env-cmd x\"", ". ./env.sh", "source x",
		"$TOOL up", "x <<EOF\nEOF", "x <(y)", "'unterminated", "\"unterminated", "x >", "env -S 'a b'",
		"case x in a) y;; esac",
	} {
		if _, err := readShellLine(line); err == nil {
			t.Errorf("%q: read, want unread", line)
		}
	}
}

// FuzzReadShellLine: any line is read or refused without a panic, in
// time bounded by its length.
func FuzzReadShellLine(f *testing.F) {
	for _, s := range []string{"a b; c && d || e | f &", `"a\"b" 'c' \d $x`, "x > y 2>&1 <z", "$(x)", "a=b c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmds, err := readShellLine(line)
		if err == nil && len(cmds) > shellLineBudget+1 {
			t.Fatalf("%d commands past the budget", len(cmds))
		}
	})
}
