package tool

import (
	"errors"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackKindOfAnyToolBehindRunner: KindOf looked only for Alembic
// behind a Python runner, so `dbguard exec -- uv run --env-file .env.prod
// npx prisma migrate deploy` (pipenv, pdm, poetry run npx prisma ...) was
// no tool's: exec ran Prisma with none of its checks (the applied
// migrations, --url, npx fetching a registry Prisma) and without the
// variables it reads its database from (DIRECT_URL), which uv's env file
// then filled. Every tool dbguard knows is found behind every runner, and
// its flags are read from its own words.
func TestAttackKindOfAnyToolBehindRunner(t *testing.T) {
	for line, want := range map[string]Kind{
		"uv run --env-file .env.prod npx prisma migrate deploy":  Prisma,
		"uv run --env-file=.env.prod prisma migrate deploy":      Prisma,
		"pipenv run npx prisma migrate deploy":                   Prisma,
		"pdm run npx prisma migrate deploy":                      Prisma,
		"poetry run npx prisma migrate deploy":                   Prisma,
		"hatch run prisma migrate deploy":                        Prisma,
		"rye run pnpm exec prisma migrate deploy":                Prisma,
		"python3 -m pdm run npx prisma migrate deploy":           Prisma,
		"uv run goose up":                                        Goose,
		"poetry -q run dbmate up":                                Dbmate,
		"uv run npx dbmate up":                                   Dbmate,
		"npx dbmate up":                                          Dbmate,
		"uv run --with alembic python -m alembic upgrade head":   Alembic,
		"uv run npx prisma --version":                            Prisma,
		"uv run node migrate.js":                                 "",
		"pdm run npm run migrate":                                "",
		"uv run --env-file .env npx some-tool prisma":            "",
		"poetry run python -c 'import alembic'":                  "",
		"uv run dotenv run -- npx prisma migrate deploy":         "", // CheckLauncher's
		"npx dbmate-helper up":                                   "",
		"uv pip install prisma":                                  "",
		"pdm run --list":                                         "",
		"hatch -e prod run npx --yes prisma@6 migrate deploy":    Prisma,
		"python3 -m poetry run goose -dir db postgres DSN up":    Goose,
		"pipenv --python 3 run dbmate --url postgres://x@h/d up": Dbmate,
	} {
		if got := KindOf(strings.Fields(line)); got != want {
			t.Errorf("%s: KindOf %q, want %q", line, got, want)
		}
	}
	if !PrismaDeploys(strings.Fields("uv run --env-file migrate npx prisma migrate deploy")) {
		t.Error("PrismaDeploys: the runner's option value read as Prisma's words")
	}
	if s, ok := prismaSchemaFlag(strings.Fields("uv run npx prisma migrate deploy --schema db/schema.prisma")); !ok || s != "db/schema.prisma" {
		t.Errorf("prismaSchemaFlag behind uv: %q %v", s, ok)
	}
}

// TestAttackRunnerToolOwnDatabase: a tool's own database on its command
// line (goose postgres DSN, dbmate --url, prisma --url) behind a runner
// was not read (its words were the runner's), so the tool connected to the
// one it named; refused now, the hint keeping the runner in front.
func TestAttackRunnerToolOwnDatabase(t *testing.T) {
	for line, want := range map[string]string{
		"pdm run goose postgres postgres://other@h/d up":           "dbguard exec -- pdm run goose up",
		"poetry run dbmate --url postgres://other@h/d up":          "dbguard exec -- poetry run dbmate up",
		"uv run --env-file .env npx dbmate -u postgres://o@h/d up": "dbguard exec -- uv run --env-file .env npx dbmate up",
		"python3 -m pdm run goose -dir db pgx DSN up":              "dbguard exec -- python3 -m pdm run goose -dir db up",
	} {
		args := strings.Fields(line)
		p := &Project{Kind: KindOf(args)}
		err := p.CheckArgs(args)
		var a *exitcode.Advice
		if !errors.As(err, &a) || a.Code != exitcode.Usage || !strings.HasSuffix(a.Next, want) {
			t.Errorf("%s: %v, want a hint ending %q", line, err, want)
			continue
		}
		if strings.Contains(a.Error()+a.Next, "other@") {
			t.Errorf("%s: the URL shown: %s / %s", line, a.Error(), a.Next)
		}
	}
}

// TestAttackUvDirectoryAnyTool: uv --directory D moves any tool to D
// (its schema, config, migrations and .env there), not only Alembic.
func TestAttackUvDirectoryAnyTool(t *testing.T) {
	wd := t.TempDir()
	for line, kind := range map[string]Kind{
		"uv --directory other run npx prisma migrate deploy": Prisma,
		"uv run --directory other goose up":                  Goose,
		"uv run --directory=other dbmate up":                 Dbmate,
	} {
		args := strings.Fields(line)
		if k := KindOf(args); k != kind {
			t.Errorf("%s: KindOf %q", line, k)
		}
		err := CheckUvDirectory(kind, wd, args)
		var a *exitcode.Advice
		if !errors.As(err, &a) || !strings.Contains(a.Next, "other && dbguard exec -- uv run ") || strings.Contains(a.Next, "--directory") {
			t.Errorf("%s: %v", line, err)
		}
	}
	if err := CheckUvDirectory(Prisma, wd, strings.Fields("uv --directory . run npx prisma migrate deploy")); err != nil {
		t.Errorf("--directory . refused: %v", err)
	}
}

// TestDotenvRunInFrontOfNpxPrisma: python-dotenv's run in front of npx
// prisma (alone or behind a runner) is refused as in front of prisma, the
// hint running Prisma through npx with the runner kept.
func TestDotenvRunInFrontOfNpxPrisma(t *testing.T) {
	root := t.TempDir()
	for line, want := range map[string]string{
		"dotenv run -- npx prisma migrate deploy":                       "dbguard exec -- npx prisma migrate deploy",
		"uv run dotenv -f .env.prod run -- npx prisma migrate deploy":   "dbguard exec -- npx prisma migrate deploy",
		"python3 -m dotenv run --no-override npx prisma migrate deploy": "dbguard exec -- npx prisma migrate deploy",
	} {
		err := CheckLauncher(root, root, strings.Fields(line))
		var a *exitcode.Advice
		if !errors.As(err, &a) || !strings.HasSuffix(a.Next, want) {
			t.Errorf("%s: %v, want a hint ending %q", line, err, want)
		}
	}
}
