package hooks

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
)

// Odd file names and lines that look like diff headers must not hide a
// credential, move it to another file, or break the hook.
func TestOddFileNames(t *testing.T) {
	dir, git := gitRepo(t)
	leak := "DB = \"postgres://svc:S3cr3t@db.prod.internal/app\"\n"
	files := map[string]string{
		"with space.py":       leak,
		"quo\"te's.py":        leak,
		"new\nline.py":        leak,
		"tab\there.py":        leak,
		"caf\xe9-latin1.py":   leak,
		"caf\xe9\nboth.py":    leak,
		"-dash.py":            leak,
		"back\\slash.py":      leak,
		"\x1b[31mansi.py":     leak,
		"ends with space.py ": leak,
		// Lines the diff shows as "+++ b/..." and "--- a/..." are content.
		"headers.py": "++ b/docs/other.py\n" + leak + "-- a/x\n",
		"smuggle.py": "++ b/x postgres://svc:S3cr3t@db.prod.internal/app\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// An env file with a newline in its name: the env check reads it too.
	envName := ".env.a\nb"
	if err := os.WriteFile(filepath.Join(dir, envName), []byte("DATABASE_URL=postgres://app:${DB_PASSWORD}@db.prod.internal/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "-A")
	cfg := config.Default(dir)
	cfg.Hook.Allow = []string{"docs/**"}
	rep, err := PreCommit(context.Background(), Options{Repo: dir, Config: cfg})
	if err != nil {
		t.Fatalf("PreCommit: %v", err)
	}
	want := map[string]int{"headers.py": 2, "smuggle.py": 1}
	for name := range files {
		if want[name] == 0 {
			want[name] = 1
		}
	}
	got := map[string]int{}
	for _, f := range rep.Findings {
		if strings.Contains(f.File, "S3cr3t") || strings.Contains(f.Location(), "S3cr3t") || strings.Contains(f.Message, "S3cr3t") {
			t.Errorf("a finding shows the password: %+v", f)
		}
		if strings.ContainsAny(f.Location(), "\n\x1b") {
			t.Errorf("location %q spans lines or carries escapes", f.Location())
		}
		if f.Kind == "credential" {
			got[f.File] = f.Line
		}
	}
	for name, line := range want {
		if got[name] != line {
			t.Errorf("%q: credential found at line %d, want %d", name, got[name], line)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("credential reported in %q, which was not staged", name)
		}
	}

	// The CI gate's scan of the tracked files finds the same.
	tracked, err := ScanTracked(context.Background(), dir, cfg.Hook.Allow)
	if err != nil {
		t.Fatalf("ScanTracked: %v", err)
	}
	got = map[string]int{}
	for _, f := range tracked {
		got[f.File] = f.Line
	}
	want["smuggle.py"] = 1
	for name, line := range want {
		if got[name] != line {
			t.Errorf("ScanTracked: %q at line %d, want %d", name, got[name], line)
		}
	}
	if len(got) != len(want) {
		t.Errorf("ScanTracked found %d files, want %d: %v", len(got), len(want), got)
	}
}

// The env check reads a staged env file whatever its folder is called.
func TestOddEnvFileNames(t *testing.T) {
	for _, folder := range []string{"back end", "back\nend", "1:back", "caf\xe9"} {
		t.Run(folder, func(t *testing.T) {
			dir, git := gitRepo(t)
			if err := os.Mkdir(filepath.Join(dir, folder), 0o755); err != nil {
				t.Fatal(err)
			}
			write := func(name, body string) {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write(".env.production", "DATABASE_URL=postgres://app:${DB_PASSWORD}@db-one.prod.internal/app\n")
			write(filepath.Join(folder, ".env.production"), "DATABASE_URL=postgres://app:${DB_PASSWORD}@db-two.prod.internal/app\n")
			git("add", "-A")
			rep, err := PreCommit(context.Background(), Options{Repo: dir, Config: config.Default(dir)})
			if err != nil {
				t.Fatalf("PreCommit: %v", err)
			}
			conflicts := 0
			for _, f := range rep.Findings {
				if f.Kind == "conflict" {
					conflicts++
				}
			}
			if conflicts != 2 {
				t.Errorf("findings %+v, want the two env files in conflict", rep.Findings)
			}
		})
	}
}

// The commands a finding suggests work when pasted, whatever the name: the
// shell gets the name back byte for byte, and the .gitignore line matches
// it and not its neighbours.
func TestSuggestedCommandsQuoteNames(t *testing.T) {
	dir, _ := gitRepo(t)
	for _, name := range []string{".env.local", "it's/.env", "-x/.env", "a*b/.env", "[ab]/.env", "#c/.env", "!d/.env", "e /.env", "new\nline/.env", "caf\xe9/.env", "tab\t/.env", "\x1b[2J/.env"} {
		want := name
		if strings.HasPrefix(want, "-") {
			want = "./" + want // not an option
		}
		q := shellQuote(name)
		if out, err := exec.Command("bash", "-c", "printf %s "+q).Output(); err != nil || string(out) != want {
			t.Errorf("shellQuote(%q) = %s: the shell reads %q (%v)", name, q, out, err)
		}
		if !printable(q) {
			t.Errorf("shellQuote(%q) = %q is not printable", name, q)
		}
		line := ignoreLine(name)
		if err := os.WriteFile(filepath.Join(dir, ".gitignore"), []byte(line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		ignored := func(p string) bool {
			cmd := exec.Command("git", "check-ignore", "-q", "--no-index", "--", p)
			cmd.Dir = dir
			return cmd.Run() == nil
		}
		if !ignored(name) {
			t.Errorf("the .gitignore line %q does not match %q", line, name)
		}
		if strings.Contains(name, "*") && ignored("aXb/.env") || strings.Contains(name, "[") && ignored("a/.env") {
			t.Errorf("the .gitignore line %q matches more than %q", line, name)
		}
	}
}
