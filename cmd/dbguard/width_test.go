package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/pgtest"
)

// writeTree writes files (slash paths) under a new git repository.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("git", "-C", dir, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	return dir
}

// runIn runs dbguard with args in dir, with no DATABASE_URL in the
// environment, and returns stdout, stderr and the exit code.
// It runs in an inproc child, so its callers may run in parallel.
func runIn(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	r := startInproc(t, dir, "", "DATABASE_URL").run(args...)
	return r.Stdout, r.Stderr, r.Code
}

// Every line dbguard's main text outputs print fits a terminal of 100
// columns, but for a URL too long for any line: env on the incident and on a monorepo, doctor, ci, migrate
// status and history. The loaders table was 216 columns wide.
func TestTextFitsHundredColumns(t *testing.T) {
	t.Parallel()
	incident := map[string]string{
		".env":         "DATABASE_URL=postgresql://app:npg_wideS3cret@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb?sslmode=require\n",
		"backend/.env": "DATABASE_URL=postgresql://app:npg_wideS3cret@ep-old-lake-ahgffap2-pooler.us-east-1.aws.neon.tech/neondb?sslmode=require\n",
	}
	mono := map[string]string{
		"package.json":                 `{"private": true, "workspaces": ["apps/*", "packages/*"]}`,
		".env":                         "DATABASE_URL=postgresql://app:npg_wideS3cret@ep-mute-moon-a4ueuef7-pooler.us-east-1.aws.neon.tech/neondb?sslmode=require\n",
		"apps/web/package.json":        `{"dependencies": {"next": "14.0.0"}}`,
		"apps/web/.env.local":          "DATABASE_URL=postgresql://app:npg_wideS3cret@ep-mute-moon-a4ueuef7-pooler.us-east-1.aws.neon.tech/neondb?sslmode=require\n",
		"apps/api/pyproject.toml":      "[project]\nname = \"api\"\ndependencies = [\"python-dotenv\", \"sqlalchemy\"]\n",
		"apps/api/.env":                "DATABASE_URL=postgresql://app:npg_wideS3cret@ep-old-lake-ahgffap2.us-east-1.aws.neon.tech/neondb?sslmode=require\n",
		"apps/admin/package.json":      `{"dependencies": {"vite": "5.0.0"}}`,
		"packages/db/package.json":     `{"dependencies": {"dotenv": "16.0.0", "prisma": "5.0.0"}}`,
		"packages/db/.env":             "DATABASE_URL=postgresql://app:npg_wideS3cret@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb?sslmode=require\n",
		"packages/db/prisma/.env":      "DIRECT_URL=postgresql://app:npg_wideS3cret@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb?sslmode=require\n",
		"services/billing-worker/.env": "DATABASE_URL=postgresql://app:npg_wideS3cret@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb?sslmode=require\n",
	}
	for i := range 5 {
		mono[fmt.Sprintf("services/svc-%d/package.json", i)] = `{"dependencies": {"dotenv": "16.0.0"}}`
		mono[fmt.Sprintf("services/svc-%d/.env", i)] = "DATABASE_URL=postgresql://app:npg_wideS3cret@ep-mute-moon-a4ueuef7.us-east-1.aws.neon.tech/neondb?sslmode=require\n"
	}
	dbURL := pgtest.DB(t)
	migrations := map[string]string{
		".env":                           "DATABASE_URL=" + dbURL + "\n",
		"migrations/000010_a.up.sql":     "CREATE TABLE wide_a (id int);",
		"migrations/000010_a.down.sql":   "DROP TABLE wide_a;",
		"migrations/000040_bad.up.sql":   "CREATE TABLE wide_b (id int);",
		"migrations/000040_bad.down.sql": "DO $$ BEGIN RAISE EXCEPTION 'the down migration of wide_b refuses to run, because this message is long enough to widen a table row past one hundred columns'; END $$;",
		"migrations/000050_c.up.sql":     "CREATE TABLE wide_c (id int);",
	}
	cases := []struct {
		name  string
		files map[string]string
		cmds  [][]string
		codes map[string]int // of the commands that set the state up
	}{
		{"incident", incident, [][]string{{"env"}, {"doctor"}, {"ci", "--offline", "--format", "text"}}, nil},
		{"monorepo", mono, [][]string{{"env"}, {"env", "--strict"}, {"doctor"}, {"ci", "--offline", "--format", "text"}}, nil},
		{"no url", map[string]string{"README": "x\n"}, [][]string{{"env"}, {"doctor"}, {"ci", "--offline", "--format", "text"}}, nil},
		{"migrations", migrations, [][]string{{"migrate", "up", "2"}, {"migrate", "down", "1"}, {"migrate", "status"}, {"migrate", "history"}, {"doctor"}, {"ci", "--format", "text"}},
			map[string]int{"migrate up 2": 0, "migrate down 1": 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := writeTree(t, c.files)
			p := startInproc(t, dir, "", "DATABASE_URL")
			for _, args := range c.cmds {
				r := p.run(args...)
				stdout, stderr, code := r.Stdout, r.Stderr, r.Code
				if want, ok := c.codes[strings.Join(args, " ")]; ok && code != want {
					t.Fatalf("dbguard %s: exit %d, want %d:\n%s%s", strings.Join(args, " "), code, want, stdout, stderr)
				}
				for _, l := range strings.Split(stdout+stderr, "\n") {
					// A word is never split: a URL alone on its line may be
					// wider. An error line quotes the server's message whole
					// (to search for it), and is not held to the width.
					if n := utf8.RuneCountInString(l); n > 100 && strings.Contains(strings.TrimSpace(l), " ") && !strings.HasPrefix(l, "dbguard: error: ") {
						t.Errorf("dbguard %s: a line of %d columns:\n%s", strings.Join(args, " "), n, l)
					}
				}
			}
		})
	}
}

// The README's incident block is what dbguard prints, byte for byte, for
// the files the README's replay writes, and fits 100 columns.
func TestReadmeIncidentIsWhatDbguardPrints(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "Replay it")
	if start < 0 {
		t.Fatal("README: no incident replay")
	}
	blocks := regexp.MustCompile("(?s)```(sh)?\n(.*?)```").FindAllStringSubmatch(text[start:], 2)
	if len(blocks) != 2 || blocks[0][1] != "sh" {
		t.Fatalf("README: the replay is not a sh block followed by its output")
	}
	files := map[string]string{}
	root := ""
	for _, l := range strings.Split(blocks[0][2], "\n") {
		if m := regexp.MustCompile(`^mkdir -p (\S+)/backend `).FindStringSubmatch(l); m != nil {
			root = m[1]
		}
		if m := regexp.MustCompile(`^echo '([^']*)' > (\S+)$`).FindStringSubmatch(l); m != nil {
			files[m[2]] = m[1] + "\n"
		}
	}
	if root == "" || len(files) != 2 {
		t.Fatalf("README: the replay writes %d files under %q", len(files), root)
	}
	dir := writeTree(t, files)
	stdout, stderr, code := runIn(t, dir, "env")
	got := strings.ReplaceAll(stdout+stderr, dir, root) + fmt.Sprintf("exit %d\n", code)
	if want := blocks[1][2]; got != want {
		t.Errorf("README's incident output differs from what dbguard prints; dbguard prints:\n%s", got)
	}
	for _, l := range strings.Split(got, "\n") {
		if utf8.RuneCountInString(l) > 100 {
			t.Errorf("a line of %d columns: %s", utf8.RuneCountInString(l), l)
		}
	}
}

// Every --help fits 100 columns: flag usages are folded in their column
// (lines of up to 200 columns before), names and descriptions by urfave/cli.
func TestHelpFitsHundredColumns(t *testing.T) {
	var walk func(path []string, cmds []*cli.Command)
	check := func(path []string) {
		var stdout, stderr bytes.Buffer
		if code := run(append(append([]string{}, path...), "--help"), strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Fatalf("%v --help: exit %d: %s", path, code, stderr.String())
		}
		for _, l := range strings.Split(stdout.String(), "\n") {
			if n := utf8.RuneCountInString(l); n > 100 {
				t.Errorf("%s --help: a line of %d columns:\n%s", strings.Join(path, " "), n, l)
			}
		}
	}
	walk = func(path []string, cmds []*cli.Command) {
		for _, c := range cmds {
			p := append(append([]string{}, path...), c.Name)
			check(p)
			walk(p, c.Subcommands)
		}
	}
	check([]string{"dbguard"})
	walk([]string{"dbguard"}, newApp(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}).Commands)
}
