package tool

import (
	"errors"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestHarmlessCommandLinesRun: the round's read-through found common
// migrations.command lines refused though they cannot change the URL the
// tool gets: a virtualenv's activate script sourced, the guarded value
// passed through under its own name, a bare export. The lines that do
// change it stay refused.
func TestHarmlessCommandLinesRun(t *testing.T) {
	root := t.TempDir()
	p := &Project{Kind: Command, Workdir: root, root: root, config: "dbguard.yaml", commandLines: map[string]int{"up": 4}, urlVars: []string{"DATABASE_URL", "DIRECT_URL"}}
	for _, line := range []string{
		". .venv/bin/activate && ./migrate up",
		"source venv/bin/activate; ./migrate up",
		`DATABASE_URL=$DATABASE_URL ./migrate up`,
		`DATABASE_URL="${DATABASE_URL}" ./migrate up`,
		`env DIRECT_URL=$DIRECT_URL ./migrate up`,
		"export DATABASE_URL; ./migrate up",
	} {
		if err := p.CheckCommand("up", line, "dbguard migrate up"); err != nil {
			t.Errorf("%s: %v, want it run", line, err)
		}
	}
	for _, line := range []string{
		"set -a; . ./.env.prod; ./migrate up",
		"source .env.prod && ./migrate up",
		". .venv/bin/activate extra && ./migrate up",
		`DATABASE_URL=$OTHER_URL ./migrate up`,
		`DATABASE_URL=${DATABASE_URL}x ./migrate up`,
		"DATABASE_URL=postgres://other/db; export DATABASE_URL; ./migrate up",
		"export DATABASE_URL=postgres://other/db; ./migrate up",
	} {
		var a *exitcode.Advice
		if err := p.CheckCommand("up", line, "dbguard migrate up"); !errors.As(err, &a) || a.Code != exitcode.Usage {
			t.Errorf("%s: %v, want a refusal", line, err)
		}
	}
}

// TestPrefixedScriptToolHintRuns: a package script that runs a tool behind
// a prefix (timeout 5 prisma ...) was told to run
// `dbguard exec -- timeout 5 npx prisma ...`, which exec refuses (the
// prefix hides the tool); the prefix goes in front of dbguard, and the
// hint's command is accepted.
func TestPrefixedScriptToolHintRuns(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"package.json": `{"scripts": {"migrate": "timeout 5 prisma migrate deploy"}}`})
	err := CheckExecLine(root, root, nil, []string{"npm", "run", "migrate"})
	var a *exitcode.Advice
	if !errors.As(err, &a) || a.Next != "run the tool itself: timeout 5 dbguard exec -- npx prisma migrate deploy" {
		t.Fatalf("%v / %+v", err, a)
	}
	if err := CheckExecLine(root, root, nil, []string{"npx", "prisma", "migrate", "deploy"}); err != nil {
		t.Errorf("the hint's command refused: %v", err)
	}
}
