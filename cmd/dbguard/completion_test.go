package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pgtest"
)

// These tests source the real completion scripts in real shells (bash,
// zsh, fish) and ask them to complete command lines, with dbguard on PATH.

// needTool finds a program the test needs. CI (CI=true) installs every one
// (.ci/run), so there a missing one fails the test instead of skipping it.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (.ci/run installs it)", name)
		}
		t.Skipf("%s is not installed (.ci/run installs it): skipped", name)
	}
	return p
}

// dbguardOnPath is a folder with dbguard in it, built from this package
// with go build: the shells start it for every Tab, and the test binary
// (under -race, as make test runs it) takes a second to start each time.
func dbguardOnPath(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	buildDbguard(t, filepath.Join(dir, "dbguard"))
	return dir
}

// Each driver reads one case a line (the words after "dbguard", the last
// one being completed, each followed by \x1f), completes it as the shell
// does on Tab, and prints a \x1e line after each case's candidates.
var completionDrivers = map[string][]string{
	// bash: COMP_WORDS and COMP_CWORD as bash sets them, then the
	// function "complete -p dbguard" names.
	"bash": {"bash", "--norc", "--noprofile", "-c", `
source <(dbguard completion bash) || exit 1
spec=$(complete -p dbguard) || exit 1
fn=${spec#*-F }; fn=${fn%% *}
while IFS= read -r line; do
  IFS=$'\x1f' read -ra w <<< "$line"
  unset 'w[-1]'
  COMP_WORDS=(dbguard "${w[@]}"); COMP_CWORD=${#w[@]}
  COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  "$fn" dbguard "${w[-1]}" "${COMP_WORDS[COMP_CWORD-1]}"
  printf '%s\n' "${COMPREPLY[@]}"
  printf '\x1e\n'
done`},
	// zsh: the completion system loaded (compinit), words and CURRENT as
	// zsh sets them, and its two output functions recording what they get.
	"zsh": {"zsh", "-f", "-c", `
autoload -U compinit && compinit -u -C -d "$DBGUARD_TEST_ZCOMPDUMP" || exit 1
source <(dbguard completion zsh) || exit 1
[[ $_comps[dbguard] == _dbguard ]] || { print "compdef did not register _dbguard"; exit 1 }
_describe() { print -rl -- "${(@P)4}" }
_files() { print -r -- "(files)" }
while IFS= read -r line; do
  w=("${(@ps:\x1f:)line}")
  words=(dbguard "${(@)w[1,-2]}"); CURRENT=${#words}
  _dbguard
  print $'\x1e'
done`},
	// fish: its own completion machinery, complete -C on the command line.
	"fish": {"fish", "--no-config", "-c", `
dbguard completion fish | source; or exit 1
while read -l --delimiter \x1f -a w
  set -e w[-1]
  complete -C"dbguard $w"
  printf '\x1e\n'
end`},
}

// shellComplete completes each case (the words after "dbguard") in shell,
// in dir, and returns each case's candidates.
func shellComplete(t *testing.T, shell, dir string, env []string, cases [][]string) [][]string {
	t.Helper()
	needTool(t, shell)
	if shell == "bash" {
		// bash splits --flag=value at "=" (COMP_WORDBREAKS).
		split := make([][]string, len(cases))
		for i, c := range cases {
			for _, w := range c {
				if name, value, ok := strings.Cut(w, "="); ok && strings.HasPrefix(w, "-") {
					split[i] = append(split[i], name, "=")
					if value != "" {
						split[i] = append(split[i], value)
					}
					continue
				}
				split[i] = append(split[i], w)
			}
		}
		cases = split
	}
	var in strings.Builder
	for _, c := range cases {
		for _, w := range c {
			in.WriteString(w + "\x1f")
		}
		in.WriteString(".\n")
	}
	d := completionDrivers[shell]
	if shell == "zsh" {
		env = append(slices.Clone(env), "DBGUARD_TEST_ZCOMPDUMP="+zshCompDump(t))
	}
	cmd := exec.Command(d[0], d[1:]...)
	cmd.Dir, cmd.Env, cmd.Stdin = dir, env, strings.NewReader(in.String())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s%s", shell, err, stdout.String(), stderr.String())
	}
	parts := strings.Split(stdout.String(), "\x1e\n")
	if len(parts) != len(cases)+1 {
		t.Fatalf("%s answered %d cases, want %d:\n%s\n%s", shell, len(parts)-1, len(cases), stdout.String(), stderr.String())
	}
	out := make([][]string, len(cases))
	for i, p := range parts[:len(cases)] {
		for _, line := range strings.Split(strings.TrimRight(p, "\n"), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				value, _, _ := strings.Cut(line, "\t") // fish: value TAB description
				if shell == "zsh" {
					value = zshValue(value)
				}
				out[i] = append(out[i], value)
			}
		}
	}
	return out
}

// zshValue is the value of a _describe entry: up to the first colon not
// escaped, unescaped.
func zshValue(entry string) string {
	var b strings.Builder
	for i := 0; i < len(entry); i++ {
		switch {
		case entry[i] == '\\' && i+1 < len(entry) && entry[i+1] == ':':
			b.WriteByte(':')
			i++
		case entry[i] == ':':
			return b.String()
		default:
			b.WriteByte(entry[i])
		}
	}
	return b.String()
}

// zshCompDump is a dump of zsh's completion system (compinit's
// ~/.zcompdump, which every zsh user's compinit writes and then loads),
// made once per test binary: compinit without one reads the first line
// of each of zsh's ~1,000 completion functions, 1.3-1.7 s of CPU a shell
// here, against 0.04 s loading the dump. The shells load it with -C (no
// check of fpath against it), so they never write it while another
// reads it; removeZshCompDump removes it when the tests end.
func zshCompDump(t *testing.T) string {
	t.Helper()
	zshDump.once.Do(func() {
		dir, err := pgtest.TempDir() // swept by the next run if this one is killed
		if err != nil {
			zshDump.err = err
			return
		}
		zshDump.dir = dir
		dump := filepath.Join(dir, "zcompdump")
		cmd := exec.Command("zsh", "-f", "-c", `autoload -U compinit && compinit -u -d "$1" && [[ -s $1 ]]`, "zsh", dump)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TERM=dumb", "LANG=C.UTF-8"}
		if out, err := cmd.CombinedOutput(); err != nil {
			zshDump.err = fmt.Errorf("zsh compinit -d: %v\n%s", err, out)
			return
		}
		zshDump.path = dump
	})
	if zshDump.err != nil {
		t.Fatal(zshDump.err)
	}
	return zshDump.path
}

var zshDump struct {
	once      sync.Once
	dir, path string
	err       error
}

func removeZshCompDump() {
	zshDump.once.Do(func() {})
	if zshDump.dir != "" {
		os.RemoveAll(zshDump.dir)
	}
}

func shellEnv(t *testing.T, home string) []string {
	return shellEnvWith(dbguardOnPath(t), home)
}

func shellEnvWith(bin, home string) []string {
	return []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "XDG_DATA_HOME=" + filepath.Join(home, ".local"),
		"GIT_CONFIG_NOSYSTEM=1", "TERM=dumb", "LANG=C.UTF-8",
	}
}

// concurrently runs a subtest of t for each name, all at once, each from
// a goroutine of its own (t.Run may be called from several), and returns
// when all are done. Parallel subtests (t.Parallel) would instead wait for
// a slot behind every test queued before them, the ~200 scripts included,
// and so run at the end of the package's run, alone.
func concurrently(t *testing.T, names []string, f func(t *testing.T, name string)) {
	t.Helper()
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(name, func(t *testing.T) { f(t, name) })
		}()
	}
	wg.Wait()
}

func TestCompletionInShells(t *testing.T) {
	t.Parallel() // its own folders and shells
	dir := t.TempDir()
	for _, f := range []string{".env", ".env.staging", ".env.staging.local", ".env.example", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A monorepo's services complete --service.
	for p, body := range map[string]string{"dbguard.yaml": "version: 1\n", "apps/web/dbguard.yaml": "version: 1\n", "apps/worker/dbguard.yaml": "version: 1\n"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	type want struct {
		words []string
		// has must all be offered; not must not be. In bash a completed
		// --flag=value offers the value alone, as bash replaces only it.
		has, bashHas, not []string
	}
	cases := []want{
		{words: []string{"mi"}, has: []string{"migrate"}, not: []string{"env"}},
		{words: []string{""}, has: []string{"env", "migrate", "ci", "completion", "help"}},
		{words: []string{"migrate", ""}, has: []string{"up", "down", "create", "status"}},
		{words: []string{"migrate", "create", "--"}, has: []string{"--seq", "--digits", "--dir", "--help"}, not: []string{"--wait"}},
		{words: []string{"--"}, has: []string{"--config", "--version", "--help"}},
		{words: []string{"ci", "--format", ""}, has: []string{"text", "json", "github", "junit", "sarif"}},
		{words: []string{"ci", "--format="}, has: []string{"--format=github", "--format=sarif"}, bashHas: []string{"github", "sarif"}},
		{words: []string{"ci", "--format=s"}, has: []string{"--format=sarif"}, bashHas: []string{"sarif"}, not: []string{"--format=github", "github"}},
		{words: []string{"env", "--format", ""}, has: []string{"text", "json"}, not: []string{"sarif"}},
		{words: []string{"migrate", "status", "--format", "j"}, has: []string{"json"}, not: []string{"text"}},
		{words: []string{"env", "--mode", ""}, has: []string{"development", "test", "production", "staging"}, not: []string{"example", "local"}},
		{words: []string{"hook", "pre-commit", "--mode", "st"}, has: []string{"staging"}},
		{words: []string{"completion", ""}, has: []string{"bash", "zsh", "fish"}},
		{words: []string{"migrate", "up", "--service", "w"}, has: []string{"web", "worker"}},
		{words: []string{"help", "mig"}, has: []string{"migrate"}},
		{words: []string{"help", "migrate", "cr"}, has: []string{"create"}},
		{words: []string{"--config", "dbguard.yaml", "mi"}, has: []string{"migrate"}},
		{words: []string{"migrate", "up", "--dir", "x", "--l"}, has: []string{"--lock-timeout"}},
	}
	// After "--", and for a FILE value, zsh and fish offer file names.
	files := []want{
		{words: []string{"exec", "--", ""}},
		{words: []string{"--config", ""}},
		{words: []string{"schema", "snapshot", "--output", "no"}},
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			var words [][]string
			for _, c := range slices.Concat(cases, files) {
				words = append(words, c.words)
			}
			got := shellComplete(t, shell, dir, shellEnv(t, t.TempDir()), words)
			for i, c := range cases {
				has := c.has
				if shell == "bash" && c.bashHas != nil {
					has = c.bashHas
				}
				for _, h := range has {
					if !slices.Contains(got[i], h) {
						t.Errorf("dbguard %s<Tab>: %q not offered; got %q", strings.Join(c.words, " "), h, got[i])
					}
				}
				for _, n := range c.not {
					if slices.Contains(got[i], n) {
						t.Errorf("dbguard %s<Tab>: %q offered; got %q", strings.Join(c.words, " "), n, got[i])
					}
				}
			}
			for i, c := range files {
				g := got[len(cases)+i]
				switch shell {
				case "bash": // nothing: complete -o default then offers files
					if len(g) != 0 {
						t.Errorf("dbguard %s<Tab>: got %q, want nothing (bash's file names)", strings.Join(c.words, " "), g)
					}
				case "zsh":
					if !slices.Equal(g, []string{"(files)"}) {
						t.Errorf("dbguard %s<Tab>: got %q, want _files", strings.Join(c.words, " "), g)
					}
				case "fish":
					if !slices.ContainsFunc(g, func(s string) bool { return strings.HasPrefix(s, "no") || s == ".env" }) {
						t.Errorf("dbguard %s<Tab>: got %q, want file names", strings.Join(c.words, " "), g)
					}
				}
			}
		})
	}
}

// actingLines are command lines, cursor at the end, whose command writes
// files, installs a hook, connects or runs a program when it runs. Tab
// there must do none of it; "--" is the case urfave/cli's completion ran.
var actingLines = [][]string{
	{"hook", "install", "--"}, {"hook", "install", "--", ""}, {"hook", "install", ""}, {"hook", "install", "-"},
	{"hook", "uninstall", "--"}, {"hook", "pre-commit", "--"},
	{"schema", "snapshot", "--"}, {"schema", "snapshot", "--", ""}, {"schema", "snapshot", "-o", ""},
	{"schema", "diff", ".env", ".env", "--"},
	{"ci", "--"}, {"ci", "--", ""}, {"ci", "--format", ""}, {"ci", "--format=s"}, {"ci", "--output", "report", "--"},
	{"migrate", "create", "--"}, {"migrate", "create", "--", ""}, {"migrate", "create", "x", "--"}, {"migrate", "create", "--", "x", ""},
	{"migrate", "up", "--"}, {"migrate", "up", "--", ""}, {"migrate", "down", "--all", "--"}, {"migrate", "down", "--all", "--yes", "--", ""},
	{"migrate", "goto", "1", "--"}, {"migrate", "force", "1", "--"}, {"migrate", "status", "--"}, {"migrate", "version", "--"},
	{"exec", "--", ""}, {"exec", "--", "touch", "pwned", ""}, {"exec", "touch", "pwned", "--"},
	{"wait", "--"}, {"verify", "--"}, {"verify", "--shadow", "--", ""}, {"doctor", "--"}, {"env", "--"},
	{"--config", "dbguard.yaml", "hook", "install", "--"},
}

// TestCompletionCannotAct completes every acting line in bash, zsh and
// fish, and through urfave/cli's old request (the line, then
// --generate-bash-completion: what a script sourced from an older dbguard
// sends), in a git repository whose DATABASE_URL points at a listener. Then
// nothing in the repository may have changed (no hook, no snapshot, no
// migration file, no "pwned"), and nothing may have connected. The same
// detectors then see the real commands act.
func TestCompletionCannotAct(t *testing.T) {
	t.Parallel() // its own folders, listener and shells
	git := needTool(t, "git")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var contacts atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			contacts.Add(1)
			c.Close()
		}
	}()

	repo := t.TempDir()
	home := t.TempDir()
	bin := dbguardOnPath(t)
	env := shellEnvWith(bin, home)
	url := fmt.Sprintf("postgres://app:s3cret@%s/app?sslmode=disable&connect_timeout=2", ln.Addr())
	for name, body := range map[string]string{
		".env":                            "DATABASE_URL=" + url + "\n",
		"migrations/000001_init.up.sql":   "CREATE TABLE t (id int);\n",
		"migrations/000001_init.down.sql": "DROP TABLE t;\n",
		"dbguard.yaml":                    "version: 1\n",
		"dbguard.schema.yaml":             "# the committed snapshot\n",
	} {
		p := filepath.Join(repo, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command(git, "-C", repo, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	before := treeState(t, repo)

	// The three shells and the old request at once: each mostly waits on
	// a shell or on dbguard's starts, and the repository is only read.
	concurrently(t, []string{"bash", "zsh", "fish", "generate-bash-completion"}, func(t *testing.T, name string) {
		if name != "generate-bash-completion" {
			got := shellComplete(t, name, repo, env, actingLines)
			for i, g := range got {
				for _, c := range g {
					if secretRE.MatchString(c) {
						t.Errorf("dbguard %s<Tab> offered a password: %q", strings.Join(actingLines[i], " "), c)
					}
				}
			}
			return
		}
		for _, line := range actingLines {
			args := append(slices.Clone(line), legacyCompletionFlag)
			if line[len(line)-1] == "" {
				args = append(slices.Clone(line[:len(line)-1]), legacyCompletionFlag)
			}
			cmd := exec.Command(filepath.Join(bin, "dbguard"), args...)
			cmd.Dir, cmd.Env = repo, env
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("dbguard %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			if secretRE.Match(out) {
				t.Errorf("dbguard %s printed a password", strings.Join(args, " "))
			}
		}
	})

	if n := contacts.Load(); n != 0 {
		t.Errorf("completion connected to the database %d time(s)", n)
	}
	if diff := diffTrees(before, treeState(t, repo)); diff != "" {
		t.Errorf("completion changed the repository:\n%s", diff)
	}

	// The detectors work: the commands themselves, run, do act.
	for _, args := range [][]string{{"hook", "install"}, {"migrate", "create", "x"}, {"wait", "--wait", "1s"}} {
		cmd := exec.Command(filepath.Join(bin, "dbguard"), args...)
		cmd.Dir, cmd.Env = repo, env
		cmd.Run() // wait fails: the listener is no server
	}
	if diffTrees(before, treeState(t, repo)) == "" || contacts.Load() == 0 {
		t.Fatalf("the detectors missed the real commands: changes %q, contacts %d", diffTrees(before, treeState(t, repo)), contacts.Load())
	}
}

// treeState is every path under dir with its mode and content hash.
func treeState(t *testing.T, dir string) map[string]string {
	t.Helper()
	state := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		s := info.Mode().String()
		if info.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s += fmt.Sprintf(" %x %d", sha256.Sum256(data), info.ModTime().UnixNano())
		}
		state[rel] = s
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return state
}

func diffTrees(a, b map[string]string) string {
	var out []string
	for p, s := range b {
		if a[p] != s {
			out = append(out, "changed or added: "+p)
		}
	}
	for p := range a {
		if _, ok := b[p]; !ok {
			out = append(out, "removed: "+p)
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// The pure completer, without a shell: the walk over flags that take values.
func TestCompleteWords(t *testing.T) {
	app := newApp(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{[]string{"ci", "--format", "j"}, []string{"json", "junit"}},
		{[]string{"ci", "--format=j"}, []string{"--format=json", "--format=junit"}},
		{[]string{"ci", "-o", "mi"}, nil},                                // -o FILE: files
		{[]string{"ci", "--offline", "--format", "t"}, []string{"text"}}, // a bool flag takes no value
		{[]string{"migrate", "create", "--dir", "migrate", ""}, nil},     // NAME: nothing to offer
		{[]string{"--config", "migrate", "mi"}, []string{"migrate"}},     // --config's value is no command
		{[]string{"completion", "z"}, []string{"zsh"}},                   //
		{[]string{"completion", "zsh", ""}, nil},                         // one argument only
		{[]string{"wait", "--timeout", "1s", "--ti"}, nil},               // hidden flags stay hidden
		{[]string{"bogus", ""}, nil},                                     //
		{[]string{"exec", "--", "dbguard", "mi"}, nil},                   // after --: the child's words
	} {
		var got []string
		for _, c := range complete(app, tc.words) {
			got = append(got, c.value)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("complete(%q) = %q, want %q", tc.words, got, tc.want)
		}
	}
}

// hostileModes are env files whose names are shell code: --mode offers
// each (what follows ".env."), and each has its own first letter so that
// typing it and Tab inserts that one candidate (none is the first letter
// of development, test or production).
var hostileModes = []string{
	"a$(touch${IFS}PWNED_a)",
	"b`touch${IFS}PWNED_b`",
	"c;touch PWNED_c",
	"k$(touch PWNED_k)\nx",
	"e*",
	`f'x"y$(touch PWNED_f)`,
	"g[ab]?{c,d}",
}

// TestAttackCompletionRunsNothing types "dbguard env --mode X", Tab and
// Enter in an interactive bash, zsh and fish (in tmux), in a folder whose
// env files are named as shell code. The Tab must run nothing (no PWNED
// file), and the command Enter runs must receive the file's mode as it is:
// the dbguard it runs records its argv. Before the fix bash handed the
// candidates to compgen -W, which ran "$(...)" on Tab. The three shells
// run at once (concurrently), each in a folder, tmux server, home and
// record of its own: each mostly waits for its shell to answer keystrokes,
// and one after the other they held a parallel slot for 7-9 s.
func TestAttackCompletionRunsNothing(t *testing.T) {
	t.Parallel() // its own folders and tmux servers
	tmux := needTool(t, "tmux")
	real := filepath.Join(t.TempDir(), "dbguard-real")
	buildDbguard(t, real)

	shells := map[string]struct{ argv, setup string }{
		"bash": {"bash --norc --noprofile -i", "source <(dbguard completion bash)"},
		"zsh":  {"zsh -f -i", "autoload -U compinit && compinit -u -C -d ZCOMPDUMP && source <(dbguard completion zsh)"},
		"fish": {"fish --no-config --private -i", "dbguard completion fish | source"},
	}
	concurrently(t, []string{"bash", "zsh", "fish"}, func(t *testing.T, shell string) {
		needTool(t, shell)
		// A folder of its own, so what a shell's Tab ran shows in
		// that shell's check only.
		dir := t.TempDir()
		for _, m := range hostileModes {
			if err := os.WriteFile(filepath.Join(dir, ".env."+m), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		before := treeState(t, dir)
		// dbguard on PATH answers completion requests and records the
		// argv of any other run, NUL-separated.
		bin, work := t.TempDir(), t.TempDir()
		record := filepath.Join(work, "argv")
		fake := "#!/bin/sh\ncase $1 in __complete|completion) exec " + real + " \"$@\";; esac\n" +
			"printf '%s\\0' \"$@\" > " + record + ".tmp && mv " + record + ".tmp " + record + "\n"
		if err := os.WriteFile(filepath.Join(bin, "dbguard"), []byte(fake), 0o755); err != nil {
			t.Fatal(err)
		}
		socket := filepath.Join(work, "tmux")
		tm := func(t *testing.T, args ...string) string {
			t.Helper()
			out, err := exec.Command(tmux, append([]string{"-S", socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
			if err != nil {
				t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return string(out)
		}
		waitFile := func(t *testing.T, p, what string) []byte {
			t.Helper()
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				if b, err := os.ReadFile(p); err == nil {
					return b
				}
			}
			t.Fatalf("%s: nothing after 20s; the screen:\n%s", what, tm(t, "capture-pane", "-p", "-t", shell))
			return nil
		}

		// The shell's home: fish writes its universal variables there
		// and a shell may still be exiting after the tmux server is
		// gone, which raced t.TempDir's removal ("directory not
		// empty"). Removed here, retrying until the writers are done.
		home, err := pgtest.TempDir() // swept by the next run if this one is killed
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			for i := 0; i < 50 && os.RemoveAll(home) != nil; i++ {
				time.Sleep(100 * time.Millisecond)
			}
		})
		env := append(shellEnvWith(bin, home), "TERM=screen", "HISTFILE=/dev/null")
		// Registered after the temporary folders, so it runs before
		// their removal: the server is gone first. tmux (3.3a here)
		// leaves its socket file behind when killed, so waiting for the
		// file to go always waited the whole 5 s; a server that is gone
		// refuses connections on it.
		t.Cleanup(func() {
			_ = exec.Command(tmux, "-S", socket, "kill-server").Run()
			for i := 0; i < 100; i++ {
				c, err := net.Dial("unix", socket)
				if err != nil {
					break
				}
				c.Close()
				time.Sleep(50 * time.Millisecond)
			}
		})
		sh := shells[shell]
		if shell == "zsh" {
			sh.setup = strings.Replace(sh.setup, "ZCOMPDUMP", "'"+zshCompDump(t)+"'", 1)
		}
		tm(t, "new-session", "-d", "-s", shell, "-x", "200", "-y", "50", "-c", dir,
			"env -i "+strings.Join(quoteAll(env), " ")+" "+sh.argv)
		ready := filepath.Join(work, shell+".ready")
		tm(t, "send-keys", "-t", shell, "-l", sh.setup+" && touch "+ready)
		tm(t, "send-keys", "-t", shell, "Enter")
		waitFile(t, ready, shell+" setup")
		for _, m := range hostileModes {
			os.Remove(record)
			tm(t, "send-keys", "-t", shell, "-l", "dbguard env --mode "+m[:1])
			tm(t, "send-keys", "-t", shell, "Tab")
			tm(t, "send-keys", "-t", shell, "Enter")
			got := strings.Split(strings.TrimSuffix(string(waitFile(t, record, "--mode "+m[:1]+"<Tab><Enter>")), "\x00"), "\x00")
			if want := []string{"env", "--mode", m}; !slices.Equal(got, want) {
				t.Errorf("dbguard env --mode %s<Tab><Enter> ran dbguard %q, want %q", m[:1], got, want)
			}
		}
		if diff := diffTrees(before, treeState(t, dir)); diff != "" {
			t.Errorf("completion in %s ran a file name:\n%s", shell, diff)
		}
	})
}

func quoteAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return out
}

// TestAttackLegacyCompletionIsPlain: the bash script of dbguard before 0.2
// (still sourced in open shells) hands the answer to compgen -W, which
// expands it; so that request gets plain words only, and the current
// script's request gets every mode, each quoted as one bash word.
func TestAttackLegacyCompletionIsPlain(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, m := range append([]string{"staging"}, hostileModes...) {
		if err := os.WriteFile(".env."+m, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var legacy, current bytes.Buffer
	run([]string{"dbguard", "env", "--mode=", legacyCompletionFlag}, strings.NewReader(""), &legacy, io.Discard)
	run([]string{"dbguard", completeCommand, "bash", "env", "--mode", ""}, strings.NewReader(""), &current, io.Discard)
	if got, want := strings.Fields(legacy.String()), []string{"--mode=development", "--mode=test", "--mode=production", "--mode=staging"}; !slices.Equal(got, want) {
		t.Errorf("legacy request answered %q, want %q", got, want)
	}
	for _, m := range hostileModes {
		if q := output.ShellWord(m); !strings.Contains(current.String(), "\n"+q+"\n") {
			t.Errorf("%q not offered as %s:\n%s", m, q, current.String())
		}
	}
}
