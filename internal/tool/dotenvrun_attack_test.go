package tool

import (
	"errors"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackDotenvRun: python-dotenv's dotenv run (0.21.0, checked for
// real) sets the env file's variables over the environment it is given,
// by default: under exec, a DATABASE_URL and PYTHONPATH = "" there
// replaced the guarded URL and dropped the connection guard, and a
// migration tool behind it ran with none of exec's checks. Refused; with
// --no-override another command runs.
func TestAttackDotenvRun(t *testing.T) {
	for line, want := range map[string]string{
		"dotenv run alembic upgrade head":                          "dbguard exec -- alembic upgrade head",
		"python-dotenv -f deploy.env run --no-override alembic up": "dbguard exec -- alembic up",
		"dotenv --file=x run python3 -m alembic upgrade head":      "dbguard exec -- python3 -m alembic upgrade head",
		"dotenv run uv run alembic upgrade head":                   "dbguard exec -- uv run alembic upgrade head",
		"dotenv run python3 app.py":                                "dbguard exec -- dotenv run --no-override python3 app.py",
		"/usr/bin/python-dotenv -f .env.prod run sh -c x":          "dbguard exec -- /usr/bin/python-dotenv -f .env.prod run --no-override sh -c x",
		"dotenv run --no-override python3 app.py":                  "",
		"dotenv list":                   "",
		"dotenvx run -- python3 app.py": "",
	} {
		err := CheckDotenvRun(strings.Fields(line))
		if (err != nil) != (want != "") {
			t.Errorf("%s: %v, want refused %v", line, err, want != "")
			continue
		}
		var a *exitcode.Advice
		if err != nil && (!errors.As(err, &a) || a.Code != exitcode.Usage || !strings.HasSuffix(a.Next, want)) {
			t.Errorf("%s: hint %v, want it to end %q", line, err, want)
		}
	}
}

// TestAttackDotenvCLI: npm's dotenv-cli (8.0.0, checked for real), whose
// binary is dotenv too, sets the file's variables the environment lacks:
// in front of prisma migrate deploy it filled DIRECT_URL, which exec sets
// only for a tool it knows, so Prisma migrated the file's database; with
// -o it replaced DATABASE_URL for any command. Refused, each with the
// command that runs.
func TestAttackDotenvCLI(t *testing.T) {
	for line, want := range map[string]string{
		"dotenv -e .env.production -- prisma migrate deploy": "dbguard exec -- prisma migrate deploy",
		"dotenv -e .env.production prisma migrate deploy":    "dbguard exec -- prisma migrate deploy",
		"dotenv -c production -- npx prisma migrate deploy":  "dbguard exec -- npx prisma migrate deploy",
		"dotenv -e.env -- alembic upgrade head":              "dbguard exec -- alembic upgrade head",
		"dotenv -o -e .env -- node migrate.js":               "dbguard exec -- dotenv -e .env -- node migrate.js",
		"dotenv --override -- node migrate.js":               "dbguard exec -- dotenv -- node migrate.js",
		"dotenv -e .env -- node migrate.js":                  "",
		"dotenv -p DATABASE_URL":                             "",
	} {
		err := CheckDotenvRun(strings.Fields(line))
		if (err != nil) != (want != "") {
			t.Errorf("%s: %v, want refused %v", line, err, want != "")
			continue
		}
		var a *exitcode.Advice
		if err != nil && (!errors.As(err, &a) || a.Code != exitcode.Usage || !strings.HasSuffix(a.Next, want)) {
			t.Errorf("%s: hint %v, want it to end %q", line, err, want)
		}
	}
}

// TestEnvLauncherInFrontOfTool: an env file or secrets launcher in front
// of a migration tool gives it variables dbguard sets only for a tool it
// sees (read from their documentation: dotenvx run, env-cmd, doppler run,
// infisical run, op run; not run here). Refused with the tool's own line.
func TestEnvLauncherInFrontOfTool(t *testing.T) {
	for line, want := range map[string]string{
		"dotenvx run -f .env.production -- prisma migrate deploy": "dbguard exec -- prisma migrate deploy",
		"env-cmd -f .env.prod npx prisma migrate deploy":          "dbguard exec -- npx prisma migrate deploy",
		"doppler run -- alembic upgrade head":                     "dbguard exec -- alembic upgrade head",
		"op run --env-file=prod.env -- goose up":                  "dbguard exec -- goose up",
		"dotenvx run -- node app.js":                              "",
		"doppler secrets":                                         "",
	} {
		err := CheckEnvLauncher(strings.Fields(line))
		if (err != nil) != (want != "") {
			t.Errorf("%s: %v, want refused %v", line, err, want != "")
			continue
		}
		var a *exitcode.Advice
		if err != nil && (!errors.As(err, &a) || a.Code != exitcode.Usage || !strings.HasSuffix(a.Next, want)) {
			t.Errorf("%s: hint %v, want it to end %q", line, err, want)
		}
	}
}
