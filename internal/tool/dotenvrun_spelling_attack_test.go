package tool

import (
	"errors"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

// TestAttackDotenvRunSpellings: python-dotenv 0.21.0's CLI, checked for
// real, also runs as python -m dotenv, and its run reads a -- before the
// command (click): `python -m dotenv -f deploy.env run python -c ...` set
// the file's DATABASE_URL over the one given, and `dotenv -f deploy.env
// run --no-override -- alembic upgrade head` gave Alembic the file's
// ALEMBIC_CONFIG, exec not knowing it ran Alembic (the command read as
// "--"). Both passed exec's check before.
func TestAttackDotenvRunSpellings(t *testing.T) {
	for line, want := range map[string]string{
		"dotenv -f deploy.env run --no-override -- alembic upgrade head": "dbguard exec -- alembic upgrade head",
		"dotenv run -- alembic upgrade head":                             "dbguard exec -- alembic upgrade head",
		"python3 -m dotenv -f deploy.env run alembic upgrade head":       "dbguard exec -- alembic upgrade head",
		"python3 -mdotenv run --no-override -- alembic upgrade head":     "dbguard exec -- alembic upgrade head",
		"python3 -m dotenv -f deploy.env run python3 app.py":             "dbguard exec -- python3 -m dotenv -f deploy.env run --no-override python3 app.py",
		"dotenv run -- python3 app.py":                                   "dbguard exec -- dotenv run --no-override python3 app.py",
		"python3 -m dotenv run --no-override python3 app.py":             "",
		"python3 -m dotenv list":                                         "",
		"python3 -m alembic upgrade head":                                "",
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
