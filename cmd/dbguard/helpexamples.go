package main

import (
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/dbguard/dbguard/internal/output"
)

// Every --help ends with its examples, after the options, where a reader
// who skims to the bottom finds them (as git's and gh's pages do). A
// command's Description keeps them as a paragraph starting "Example:" or
// "Examples:"; the help printer moves that paragraph to an EXAMPLES section
// at the end.
func init() {
	const examples = `{{with descExamples .Description}}

EXAMPLES:
{{.}}{{end}}
`
	body := func(t string) string {
		t = strings.ReplaceAll(t, `{{if .Description}}`, `{{if descBody .Description}}`)
		t = strings.ReplaceAll(t, `{{template "descriptionTemplate" .}}`, `{{wrap (descBody .Description) 3}}`)
		return strings.TrimSuffix(t, "\n") + examples
	}
	cli.AppHelpTemplate = body(cli.AppHelpTemplate)
	cli.CommandHelpTemplate = body(cli.CommandHelpTemplate)
	cli.SubcommandHelpTemplate = body(cli.SubcommandHelpTemplate)
	// Help fits 100 columns too: urfave/cli folds names, usage and
	// descriptions at wrapAt; a flag's usage is folded here, its
	// continuation lines in the usage column (a tab starts them).
	cli.HelpPrinter = func(w io.Writer, templ string, data interface{}) {
		cli.HelpPrinterCustom(w, templ, data, map[string]interface{}{"descBody": descBody, "descExamples": descExamples,
			"wrapAt": func() int { return output.Width }})
	}
	flagString := cli.FlagStringer
	cli.FlagStringer = func(f cli.Flag) string {
		s := flagString(f)
		name, usage, ok := strings.Cut(s, "\t")
		if !ok {
			return s
		}
		return name + "\t" + strings.ReplaceAll(output.Wrap(usage, flagUsageWidth, ""), "\n", "\n\t")
	}
}

// flagUsageWidth is the width a flag's usage is folded to: what is left of
// 100 columns after the indent and the longest flag name dbguard has
// (--connect-timeout DURATION), so urfave/cli's own fold leaves it alone.
const flagUsageWidth = 64

// splitExamples cuts a description into its text and its examples
// paragraph: the line "Example:" or "Examples:" and the indented lines
// after it (a blank line inside is kept while indented lines follow).
func splitExamples(desc string) (body, examples string) {
	lines := strings.Split(desc, "\n")
	start := -1
	for i, l := range lines {
		if l == "Example:" || l == "Examples:" {
			start = i
			break
		}
	}
	if start < 0 {
		return desc, ""
	}
	end := start + 1
	for end < len(lines) && (strings.HasPrefix(lines[end], " ") || lines[end] == "" && end+1 < len(lines) && strings.HasPrefix(lines[end+1], " ")) {
		end++
	}
	ex := lines[start+1 : end]
	rest := append(append([]string{}, lines[:start]...), lines[end:]...)
	body = strings.TrimSpace(strings.Join(rest, "\n"))
	for strings.Contains(body, "\n\n\n") {
		body = strings.ReplaceAll(body, "\n\n\n", "\n\n")
	}
	return body, strings.Join(ex, "\n")
}

func descBody(desc string) string { b, _ := splitExamples(desc); return b }

func descExamples(desc string) string { _, e := splitExamples(desc); return e }

// withExamples ends c's description with its examples, one command a line.
func withExamples(c *cli.Command, examples ...string) *cli.Command {
	if c.Description != "" {
		c.Description += "\n\n"
	}
	c.Description += "Examples:\n   " + strings.Join(examples, "\n   ")
	return c
}
