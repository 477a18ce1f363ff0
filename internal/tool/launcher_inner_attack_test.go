package tool

import (
	"errors"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackLauncherBehindRunner: the launcher checks read only the
// command line's first word, so a launcher a runner ran was none. Checked
// with real pdm 2.2.1 and python-dotenv 0.21.0: `pdm run dotenv -f
// deploy.env run ...` set the file's ALEMBIC_CONFIG over the environment,
// and `dbguard exec -- pdm run dotenv -f deploy.env run alembic upgrade
// head` was not even known as Alembic; npx dotenv (dotenv-cli), npx
// env-cmd and pnpm exec dotenvx in front of prisma migrate deploy passed
// where the launcher alone was refused. Now the command a runner runs is
// checked too, the hint keeping the runner in front.
func TestAttackLauncherBehindRunner(t *testing.T) {
	root := t.TempDir()
	t.Setenv("PIPENV_DONT_LOAD_ENV", "1")
	for line, want := range map[string]string{
		"pdm run dotenv -f deploy.env run alembic upgrade head":            "dbguard exec -- pdm run alembic upgrade head",
		"uv run dotenv run --no-override -- alembic upgrade head":          "dbguard exec -- uv run alembic upgrade head",
		"poetry run dotenv run python3 app.py":                             "dbguard exec -- poetry run dotenv run --no-override python3 app.py",
		"pipenv run python -m dotenv run alembic upgrade head":             "dbguard exec -- pipenv run alembic upgrade head",
		"python3 -m pdm run dotenv run alembic upgrade head":               "dbguard exec -- python3 -m pdm run alembic upgrade head",
		"npx dotenv -e .env.production -- prisma migrate deploy":           "dbguard exec -- npx prisma migrate deploy",
		"npx --yes dotenv-cli@7 -e .env -- prisma migrate deploy":          "dbguard exec -- npx --yes prisma migrate deploy",
		"pnpm exec env-cmd -f .env.prod prisma migrate deploy":             "dbguard exec -- pnpm exec prisma migrate deploy",
		"npx @dotenvx/dotenvx run -f .env -- npx prisma migrate deploy":    "dbguard exec -- npx prisma migrate deploy",
		"yarn dotenv -o -- node migrate.js":                                "dbguard exec -- yarn dotenv -- node migrate.js",
		"npm exec -- doppler run -- prisma migrate deploy":                 "dbguard exec -- npm exec -- prisma migrate deploy",
		"uv run --with python-dotenv dotenv -f x run alembic upgrade head": "dbguard exec -- uv run --with python-dotenv alembic upgrade head",
		"npx prisma migrate deploy":                                        "",
		"uv run alembic upgrade head":                                      "",
		"npx dotenv -e .env -- node migrate.js":                            "",
		"pdm run python app.py":                                            "",
		"npm run migrate":                                                  "",
		"pnpm install":                                                     "",
		"uv run dotenv run --no-override python3 app.py":                   "",
	} {
		err := CheckLauncher(root, root, strings.Fields(line))
		if (err != nil) != (want != "") {
			t.Errorf("%s: %v, want refused %v", line, err, want != "")
			continue
		}
		var a *exitcode.Advice
		if err != nil && (!errors.As(err, &a) || a.Code != exitcode.Usage || !strings.HasSuffix(a.Next, want)) {
			t.Errorf("%s: hint %q, want it to end %q", line, a.Next, want)
		}
	}
}
