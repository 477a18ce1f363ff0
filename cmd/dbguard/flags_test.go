package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestFlagNamedAsNames: flagNamed answers as urfave/cli's Names for every
// flag of every command and every name any flag has, and for names no
// flag has.
func TestFlagNamedAsNames(t *testing.T) {
	app := newApp(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	var flags []cli.Flag
	var walk func([]*cli.Command)
	walk = func(cmds []*cli.Command) {
		for _, c := range cmds {
			flags = append(flags, c.Flags...)
			walk(c.Subcommands)
		}
	}
	flags = append(flags, app.Flags...)
	walk(app.Commands)
	names := []string{"", "x", "config ", "con", "-config"}
	for _, f := range flags {
		names = append(names, f.Names()...)
	}
	if len(flags) < 50 || len(names) < 50 {
		t.Fatalf("only %d flags, %d names found", len(flags), len(names))
	}
	for _, f := range flags {
		for _, n := range names {
			if got, want := flagNamed(f, n), slices.Contains(f.Names(), n); got != want {
				t.Errorf("flagNamed(%v, %q) = %v, Names() says %v", f.Names(), n, got, want)
			}
		}
	}
}
