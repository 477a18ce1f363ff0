package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

var update = flag.Bool("update", false, "rewrite testdata/help/*.golden from the current help output")

// versionRE is the build's version line, which differs between builds.
var versionRE = regexp.MustCompile(`(?m)^(VERSION:\n   ).*$`)

// TestHelpGolden keeps every command's --help in testdata/help, so a change
// to what the help says is reviewed as a diff. Regenerate with:
// go test ./cmd/dbguard -run Help -update
func TestHelpGolden(t *testing.T) {
	dir := filepath.Join("testdata", "help")
	want := map[string]bool{}
	var walk func(path []string, cmds []*cli.Command)
	check := func(path []string) {
		name := strings.Join(path, "_") + ".golden"
		want[name] = true
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append(append([]string{}, path...), "--help")
			if code := run(args, strings.NewReader(""), &stdout, &stderr); code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
			}
			got := versionRE.ReplaceAllString(stdout.String(), "${1}VERSION")
			file := filepath.Join(dir, name)
			if *update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			golden, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run: go test ./cmd/dbguard -run Help -update)", err)
			}
			if got != string(golden) {
				t.Errorf("%s --help differs from %s (if intended, run: go test ./cmd/dbguard -run Help -update)\ngot:\n%s\nwant:\n%s", strings.Join(path, " "), file, got, golden)
			}
		})
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

	// A golden file for a command that is gone fails too.
	files, _ := filepath.Glob(filepath.Join(dir, "*.golden"))
	for _, f := range files {
		if !want[filepath.Base(f)] {
			if *update {
				os.Remove(f)
			} else {
				t.Errorf("%s is no command's help; remove it (go test ./cmd/dbguard -run Help -update)", f)
			}
		}
	}
}

// Every --help ends with an EXAMPLES section, after the options, where a
// reader who skims to the bottom finds it, and it shows dbguard at work.
func TestHelpEndsWithExamples(t *testing.T) {
	var walk func(path []string, cmds []*cli.Command)
	check := func(path []string) {
		name := strings.Join(path, " ")
		var stdout, stderr bytes.Buffer
		args := append(append([]string{}, path...), "--help")
		if code := run(args, strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		out := stdout.String()
		i := strings.LastIndex(out, "\nEXAMPLES:\n")
		if i < 0 {
			t.Errorf("%s --help has no EXAMPLES section", name)
			return
		}
		examples := strings.TrimRight(out[i+len("\nEXAMPLES:\n"):], "\n")
		for _, l := range strings.Split(examples, "\n") {
			if l != "" && !strings.HasPrefix(l, "   ") {
				t.Errorf("%s --help: %q follows EXAMPLES (the section must come last)", name, l)
			}
		}
		if !strings.Contains(examples, "dbguard ") {
			t.Errorf("%s --help: no dbguard command among the examples:\n%s", name, examples)
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
