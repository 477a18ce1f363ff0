package plan

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/output"
)

// Markdown is the pull-request comment format.
const Markdown output.Format = "markdown"

// Formats are the formats dbguard migrate plan writes.
var Formats = []output.Format{output.Text, output.JSON, Markdown}

// Write writes the report in format f.
func (r *Report) Write(w io.Writer, f output.Format) error {
	return output.Render(w, f, r, map[output.Format]func(io.Writer) error{Markdown: r.WriteMarkdown}, r.WriteText)
}

func (r *Report) versions() string {
	return fmt.Sprintf("version %s -> %s", versionText(r.Version), versionText(r.TargetVersion))
}

func versionText(v int) string {
	if v < 0 {
		return "none"
	}
	return fmt.Sprint(v)
}

// verdict is the one-line outcome.
func (r *Report) verdict() string {
	return fmt.Sprintf("%s: %d danger, %d warning(s)", r.Status, r.Danger, r.Warnings)
}

// WriteText writes the plan for a person: per file, each statement and the
// locks it takes on tables that existed before; then the findings with
// their why and fix. What comes from the migrations or the server (file
// names, statements, relation names, messages quoting them) is escaped to
// one line (output.Escape): an identifier with "\n::error" in it must not
// start a line of a CI log.
func (r *Report) WriteText(w io.Writer) error {
	esc := output.Escape
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "plan for %s: %d pending migration(s), %s\n", r.Database, len(r.Files), r.versions())
	for _, f := range r.Files {
		fmt.Fprintf(tw, "\n%s\n", esc(f.File))
		if !f.Traced {
			fmt.Fprintf(tw, "  (cannot run in a transaction: run whole, as golang-migrate sends it; locks not traced)\n")
		}
		for _, s := range f.Statements {
			fmt.Fprintf(tw, "  line %d\t%s\n", s.Line, esc(s.SQL))
			for _, l := range s.Locks {
				fmt.Fprintf(tw, "  \t  %s on %s\tblocks %s\t%s\n", l.Mode, esc(l.Relation), l.Blocks, liveText(l.Size, l.Relation != ""))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Findings) > 0 {
		fmt.Fprintf(w, "\nfindings\n")
	}
	for _, f := range r.Findings {
		label := string(f.Severity)
		if f.Allowed != "" {
			label = "allowed"
		}
		fmt.Fprintf(w, "  %-8s %s  %s  %s\n", label, f.Rule, esc(f.Where()), esc(f.Message))
		if f.Allowed != "" {
			fmt.Fprintf(w, "           accepted: %s\n", esc(f.Allowed))
			continue
		}
		fmt.Fprintf(w, "           why: %s\n", f.Why)
		fmt.Fprintf(w, "           fix: %s\n", f.Fix)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\nnote: %s\n", esc(n))
	}
	_, err := fmt.Fprintf(w, "\nplan: %s\n", r.verdict())
	return err
}

func liveText(s Size, ok bool) string {
	if s.Bytes == nil || !ok {
		return "not in the live database"
	}
	return "live: " + s.Text()
}

// WriteMarkdown writes the plan as a pull-request comment (and a GitHub
// Actions job summary).
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	mark := "passes"
	if r.Status != "pass" {
		mark = "fails"
	}
	fmt.Fprintf(&b, "### dbguard migrate plan %s: %d danger, %d warning(s)\n\n", mark, r.Danger, r.Warnings)
	fmt.Fprintf(&b, "%s, %s, %d pending migration(s), traced in a shadow database (no data: locks and rewrites, not durations).\n\n", mdCode(r.Database), r.versions(), len(r.Files))
	if len(r.Findings) > 0 {
		b.WriteString("| severity | rule | where | what |\n|---|---|---|---|\n")
		for _, f := range r.Findings {
			sev := "**" + string(f.Severity) + "**"
			if f.Allowed != "" {
				sev = "allowed: " + mdText(f.Allowed)
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", sev, f.Rule, mdCode(f.Where()), mdText(f.Message))
		}
		b.WriteString("\n<details><summary>Why, and the safer pattern</summary>\n\n")
		seen := map[string]bool{}
		for _, f := range r.Findings {
			if seen[f.Rule] {
				continue
			}
			seen[f.Rule] = true
			fmt.Fprintf(&b, "- **`%s`**: %s. *Instead:* %s.\n", f.Rule, f.Why, f.Fix)
		}
		b.WriteString("\n</details>\n\n")
	} else {
		b.WriteString("No findings.\n\n")
	}
	locks := false
	for _, f := range r.Files {
		locks = locks || len(f.Locks) > 0
	}
	if locks {
		b.WriteString("| migration | table | lock held until commit | blocks | live size |\n|---|---|---|---|---|\n")
		for _, f := range r.Files {
			for _, l := range f.Locks {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdCode(f.File), mdCode(l.Relation), l.Mode, l.Blocks, mdText(liveText(l.Size, true)))
			}
		}
		b.WriteString("\n")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "> %s\n\n", mdText(n))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cell is s as one table cell: one line, control characters escaped.
// Passwords are masked first: escaped for Markdown, a URL's "://" and
// "@" or a password holding [, <, ` or \ is no longer the text the
// output net knows.
func cell(s string) string {
	s = dburl.RedactText(s)
	return strings.ReplaceAll(output.Escape(strings.ReplaceAll(s, "\n", " ")), "|", `\|`)
}

// mdText is s (a message naming tables and files of the pull request) as
// Markdown text in a table cell: what opens a link, an image, HTML (an
// HTML comment hides everything after it), an autolink or a code span is
// backslash-escaped, and so is the backslash.
//
// GitHub's autolink extension also makes links of bare text: www. (any
// case is escaped, though GitHub links it in lower case only), a scheme's
// :// (http, https, ftp) and an email address (mailto: and xmpp: ones
// too). A backslash before the dot of www. or the colon of :// stops the
// first two, shown as written; an email address is found in the text
// after escapes are read (a\@b.example links), so an empty HTML comment
// (which GitHub shows as nothing) goes after each '@': a file named
// www.evil.example/x, or a table named user@evil.example, stays text in
// a pull request's comment.
func mdText(s string) string {
	return mdAutolink.Replace(mdSpecial.Replace(cell(s)))
}

var (
	mdSpecial  = strings.NewReplacer(`\`, `\\`, "`", "\\`", "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`)
	mdAutolink = strings.NewReplacer("www.", `www\.`, "WWW.", `WWW\.`, "Www.", `Www\.`, "wWw.", `wWw\.`,
		"wwW.", `wwW\.`, "WWw.", `WWw\.`, "WwW.", `WwW\.`, "wWW.", `wWW\.`, "://", `\://`, "@", "@<!-- -->")
)

// mdCode is s as a code span in a table cell, fenced by more backticks
// than any run in s, so that a backtick in a name cannot close it early
// and let the rest of the name be read as Markdown.
func mdCode(s string) string {
	s = cell(s)
	run, longest := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}
