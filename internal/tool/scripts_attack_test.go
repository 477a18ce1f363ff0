package tool

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/exitcode"
)

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAttackPackageScripts: exec read only its own command line, so
// `dbguard exec -- npm run migrate` whose package.json script is `dotenv
// -e .env.other -- prisma migrate deploy` ran Prisma on the database
// .env.other names; `env-cmd --no-override -f .env.prod npm run migrate`
// gave the script's Prisma the file's DIRECT_URL (dbguard set only
// DATABASE_URL, not knowing Prisma runs); and a plain `prisma migrate
// deploy` script ran without Prisma's checks. The script npm, yarn, pnpm
// or bun would run (and npm's pre and post scripts) is read from the
// nearest package.json; the refusal names its line.
func TestAttackPackageScripts(t *testing.T) {
	root := t.TempDir()
	t.Setenv("PIPENV_DONT_LOAD_ENV", "1")
	writeFiles(t, root, map[string]string{
		"package.json": `{
  "name": "app",
  "scripts": {
    "build": "tsc -p .",
    "migrate": "dotenv -e .env.other -- prisma migrate deploy",
    "deploy": "prisma migrate deploy",
    "seed": "node seed.js && echo seeded",
    "preseed2": "env-cmd -f .env.prod node prepare.js",
    "seed2": "node seed.js",
    "url": "DATABASE_URL=postgres://u:s3cret@h/d node seed.js",
    "sub": "$(cat cmd.txt)",
    "nested": "npm run deploy",
    "shc": "sh -c 'dotenv -o -- node seed.js'",
    "loop": "npm run loop"
  }
}
`,
		"api/package.json": `{"scripts": {"migrate": "cd .. && npm run migrate"}}`,
	})
	set := []string{"DATABASE_URL"}
	for line, want := range map[string]string{
		"npm run migrate":            "package.json:5: the script migrate runs dotenv -e .env.other -- prisma migrate deploy; dotenv gives prisma",
		"yarn migrate":               "package.json:5:",
		"pnpm run migrate":           "package.json:5:",
		"bun run migrate":            "package.json:5:",
		"npm --prefix . run migrate": "package.json:5:",
		"uv run npm run migrate":     "package.json:5:",
		"npm run deploy":             "package.json:6: the script deploy runs prisma migrate deploy; exec would not know it runs prisma",
		"env-cmd --no-override -f .env.prod npm run deploy": "env-cmd runs npm run deploy, and package.json:6",
		"dotenv run --no-override npm run deploy":           "dotenv runs npm run deploy, and package.json:6",
		"npm run seed2":                       "package.json:8: the script preseed2 runs env-cmd",
		"npm run url":                         "package.json:10: the script url runs DATABASE_URL=",
		"npm run sub":                         "package.json:11: the script sub holds command substitution",
		"npm run nested":                      "package.json:6: the script deploy runs prisma migrate deploy",
		"npm run shc":                         "package.json:13: the script shc runs",
		"npm run loop":                        "deeper than dbguard reads",
		"npm -w api run migrate":              "runs the scripts of other packages",
		"pnpm -r migrate":                     "runs the scripts of other packages",
		"yarn workspace api migrate":          "runs the scripts of other packages",
		"yarn workspaces foreach run migrate": "runs the scripts of other packages",
	} {
		err := CheckExecLine(root, root, set, strings.Fields(line))
		var a *exitcode.Advice
		if !errors.As(err, &a) || a.Code != exitcode.Usage || !strings.Contains(a.Msg, want) {
			t.Errorf("%s: %v, want a refusal saying %q", line, err, want)
			continue
		}
		if strings.Contains(a.Msg+a.Next, "s3cret") {
			t.Errorf("%s: a URL shown: %s / %s", line, a.Msg, a.Next)
		}
	}
	if err := CheckExecLine(root, filepath.Join(root, "api"), set, strings.Fields("npm run migrate")); err == nil {
		t.Error("api's migrate script (cd .. && npm run migrate) passed")
	}
	for _, line := range []string{"npm run build", "npm run seed", "yarn build", "pnpm install", "npm run missing", "npm install", "node seed.js", "npx prisma migrate deploy", "yarn add prisma"} {
		if err := CheckExecLine(root, root, set, strings.Fields(line)); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
	a := &exitcode.Advice{}
	if err := CheckExecLine(root, root, set, strings.Fields("npm run deploy")); errors.As(err, &a) && !strings.HasSuffix(a.Next, "dbguard exec -- npx prisma migrate deploy") {
		t.Errorf("npm run deploy: hint %q", a.Next)
	}
}

// TestAttackCommandLaunchers: migrations.command lines ran through sh -c
// with none of exec's launcher checks, so `env-cmd -f .env.prod
// ./migrate up` (env-cmd overrides) or `cd db && pipenv run ./migrate`
// (pipenv loads db/.env over the environment) migrated the database the
// env file named, with the guarded URL given and ignored. The line is
// read as sh splits it; what cannot be read is refused; both name
// dbguard.yaml's line and the command to run after the fix.
func TestAttackCommandLaunchers(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"db/Pipfile":   "[packages]\n",
		"package.json": `{"scripts": {"migrate": "env-cmd -f .env.prod ./migrate up"}}`,
	})
	p := &Project{Kind: Command, Workdir: root, root: root, config: "dbguard.yaml", commandLines: map[string]int{"up": 7}, urlVars: []string{"DATABASE_URL", "DIRECT_URL"}}
	for line, want := range map[string]string{
		"env-cmd -f .env.prod ./migrate up":                   "write that command as env-cmd --no-override -f .env.prod ./migrate up",
		"cd db && pipenv run ./migrate up":                    "PIPENV_DONT_LOAD_ENV",
		"dotenv -e .env.prod -o -- ./migrate up":              "write that command as dotenv -e .env.prod -- ./migrate up",
		"dotenv -f .env.prod run ./migrate up":                "write that command as dotenv -f .env.prod run --no-override ./migrate up",
		"DIRECT_URL=postgres://u:s3cret@h/d ./migrate up":     "drop DIRECT_URL=",
		"export DATABASE_URL=postgres://u:s3cret@h/d; ./m up": "drop DATABASE_URL=",
		"sh -c 'env-cmd ./migrate up'":                        "env-cmd --no-override ./migrate up",
		"npm run migrate":                                     "package.json:1",
		"$(cat cmd.txt) up":                                   "scripts/migrate-up.sh",
		"cd /tmp && ./migrate":                                "scripts/migrate-up.sh",
		"if true; then ./migrate; fi":                         "scripts/migrate-up.sh",
	} {
		err := p.CheckCommand("up", line, "dbguard migrate up")
		var a *exitcode.Advice
		if !errors.As(err, &a) || a.Code != exitcode.Usage || !strings.HasPrefix(a.Msg, "dbguard.yaml:7: migrations.command.up") ||
			!strings.Contains(a.Next, want) || !strings.HasSuffix(a.Next, "then run: dbguard migrate up") {
			t.Errorf("%s: %v, want a refusal whose hint holds %q", line, err, want)
			continue
		}
		if strings.Contains(a.Msg+a.Next, "s3cret") {
			t.Errorf("%s: a URL shown: %s / %s", line, a.Msg, a.Next)
		}
	}
	for _, line := range []string{"./migrate up", "sh migrate.sh up", `touch "$WORK/ran-up"`, "cd db && ./migrate up > log 2>&1", "env-cmd --no-override -f .env.prod ./migrate up", "make migrate", "true"} {
		if err := p.CheckCommand("up", line, "dbguard migrate up"); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
}

// TestPackageScriptToolHint: the hint for a script that runs a tool
// behind a launcher runs the tool itself, not a script exec refuses again.
func TestPackageScriptToolHint(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"package.json": `{"scripts": {"migrate": "dotenv -e .env.other -- prisma migrate deploy"}}`})
	err := CheckExecLine(root, root, nil, []string{"npm", "run", "migrate"})
	var a *exitcode.Advice
	if !errors.As(err, &a) || a.Next != "run the tool itself: dbguard exec -- npx prisma migrate deploy" {
		t.Fatalf("%v / %+v", err, a)
	}
	if err := CheckExecLine(root, root, nil, []string{"npx", "prisma", "migrate", "deploy"}); err != nil {
		t.Errorf("the hint's command refused: %v", err)
	}
}

// TestAttackPrefixCommands: nice, timeout, sudo and the like in front
// hid what they run: `exec -- timeout 600 env-cmd -f .env.prod node x.js`
// passed the env-cmd check (the line was timeout's), and `exec --
// timeout 600 alembic upgrade head` ran Alembic with none of exec's
// Alembic checks. The command after their options is checked; a tool
// behind one is refused with the prefix moved in front of dbguard.
func TestAttackPrefixCommands(t *testing.T) {
	root := t.TempDir()
	for line, want := range map[string]string{
		"timeout 600 env-cmd -f .env.prod node x.js": "dbguard exec -- timeout 600 env-cmd --no-override -f .env.prod node x.js",
		"nice -n 10 dotenv -o -- node x.js":          "dbguard exec -- nice -n 10 dotenv -- node x.js",
		"timeout -s KILL 60 alembic upgrade head":    "put it in front of dbguard: timeout -s KILL 60 dbguard exec -- alembic upgrade head",
		"nohup npx prisma migrate deploy":            "put it in front of dbguard: nohup dbguard exec -- npx prisma migrate deploy",
		"stdbuf -oL uv run --env-file .env goose up": "put it in front of dbguard: stdbuf -oL dbguard exec -- uv run --env-file .env goose up",
	} {
		err := CheckExecLine(root, root, nil, strings.Fields(line))
		var a *exitcode.Advice
		if !errors.As(err, &a) || a.Code != exitcode.Usage || !strings.HasSuffix(a.Next, want) {
			t.Errorf("%s: %v (%+v), want a hint ending %q", line, err, a, want)
		}
	}
	for _, line := range []string{"timeout 600 node x.js", "nice -n 10 make", "timeout 60", "nohup"} {
		if err := CheckExecLine(root, root, nil, strings.Fields(line)); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
	p := &Project{Kind: Command, Workdir: root, root: root, config: "dbguard.yaml", commandLines: map[string]int{"up": 3}}
	if err := p.CheckCommand("up", "nice -n 10 env-cmd -f .env.prod ./migrate up", "dbguard migrate up"); err == nil {
		t.Error("migrations.command: env-cmd behind nice passed")
	}
	if err := p.CheckCommand("up", "timeout 600 alembic upgrade head", "dbguard migrate up"); err != nil {
		t.Errorf("migrations.command: a tool behind timeout is the command's own: %v", err)
	}
}
