package doctor

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/output"
)

// style colours words on a terminal; without colour it is the identity.
type style bool

func (s style) paint(code, text string) string {
	if !s {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

func (s style) ok(t string) string   { return s.paint("32", t) }
func (s style) bad(t string) string  { return s.paint("31;1", t) }
func (s style) warn(t string) string { return s.paint("33", t) }
func (s style) head(t string) string { return s.paint("1", t) }

// width is what doctor's lines are wrapped to.
const width = 80

// wrap folds text to width, indenting continuation lines. The text (a
// server's error, a database name) is escaped first (output.Escape): the
// only escape sequences doctor prints are its own colours.
func wrap(text, indent string) string {
	// An error's own continuation lines ("\n    it ran as one transaction")
	// become clauses of the paragraph.
	// A line that ends with a colon introduces the next: "ran: FILE",
	// not "ran:; FILE".
	text = output.Escape(strings.NewReplacer(":\r\n", ": ", ":\n", ": ", "\r\n", "; ", "\n", "; ").Replace(text))
	words := strings.Fields(output.GlueCommands(text)) // a command is one word
	var b strings.Builder
	line := 0
	for i, w := range words {
		// A word GitHub's runner would read as a workflow command at the
		// start of a line (after the indent) stays on this one.
		if i > 0 && line+1+len(w) > width-len(indent) && !output.CommandStart(w) {
			b.WriteString("\n" + indent)
			line = 0
		} else if i > 0 {
			b.WriteByte(' ')
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	return output.UnglueCommands(b.String())
}

// WriteText writes the diagnosis in 80 columns; colour only when asked
// (a terminal, and NO_COLOR unset: the caller decides).
func (r *Report) WriteText(w io.Writer, colour bool) error {
	s := style(colour)
	var b strings.Builder
	line := func(format string, args ...any) { b.WriteString(fmt.Sprintf(format, args...) + "\n") }
	r.writeEnv(line, s)
	r.writeEndpoints(line, s)
	r.writeMigrations(line, s)
	r.writeSchema(line, s)
	r.writeProblems(line, s)
	_, err := io.WriteString(w, dburl.RedactText(b.String()))
	return err
}

// writeEnv: every source of the URL variable and the one in effect, or the conflict.
func (r *Report) writeEnv(line func(string, ...any), s style) {
	line("%s", s.head("Where DATABASE_URL comes from"))
	if r.Env == nil {
		line("  %s", wrap(r.EnvErr.Error(), "  "))
	} else {
		if len(r.Env.Sources) == 0 {
			line("  (not defined anywhere)")
		}
		for _, src := range r.Env.Sources {
			mark := "  "
			if src == r.Env.Effective {
				mark = s.ok("> ")
			} else if !src.InEffect {
				mark = "- "
			}
			kind := string(src.Endpoint.Kind)
			if src.Endpoint.Provider != "" {
				kind += " (" + src.Endpoint.Provider + ")"
			}
			line("%s%s %s, %s", mark, src.Def.Location(), src.Var, kind)
			line("    %s", output.Escape(src.URL.Redacted()))
		}
		if r.Env.Effective != nil && !r.Env.Conflict() {
			line("  %s %s", s.ok("in effect:"), wrap(r.Env.Effective.Def.Location()+" -> "+r.Env.Effective.ID.String(), "    "))
		}
		if r.Env.Conflict() {
			line("  %s %d databases:", s.bad("CONFLICT:"), len(r.Env.Databases))
			for i, db := range r.Env.Databases {
				var locs []string
				for _, src := range db.Sources {
					locs = append(locs, src.Def.Location())
				}
				line("    %d) %s", i+1, wrap(db.ID.String()+" from "+strings.Join(locs, ", "), "       "))
			}
		}
	}
}

// writeEndpoints: each endpoint reached, and whether pooled and direct are one database.
func (r *Report) writeEndpoints(line func(string, ...any), s style) {
	if len(r.Endpoints) > 0 {
		line("")
		line("%s", s.head("Endpoints"))
		for _, e := range r.Endpoints {
			if l := fmt.Sprintf("  %s  %s", e.Label, output.Escape(e.URL)); output.Fits(l) {
				line("%s", l)
			} else {
				line("  %s\n    %s", e.Label, output.Escape(e.URL)) // a URL too long for one line
			}
			if e.Err != nil {
				line("    %s %s", s.bad("unreachable:"), wrap(e.Err.Error(), "    "))
				continue
			}
			line("    %s in %s, PostgreSQL %s", s.ok("connected"), e.Latency.Round(1e6), output.Escape(strings.Fields(e.Version + " ")[0]))
			id := fmt.Sprintf("database %s (oid %d)", e.Database, e.OID)
			if e.SystemID != "" {
				id += ", system " + e.SystemID
			}
			if e.Timeline != "" {
				id += ", Neon timeline " + e.Timeline
			}
			line("    %s", wrap(id, "    "))
		}
		if r.Same != "" {
			verdict := s.ok(r.Same)
			if !strings.HasPrefix(r.Same, "same") {
				verdict = s.bad(r.Same)
			}
			line("  pooled vs direct: %s", verdict)
		}
	}
}

// writeMigrations: the version, dirty or clean, and what is pending.
func (r *Report) writeMigrations(line func(string, ...any), s style) {
	if t := r.ToolState; t != nil {
		line("")
		line("%s", s.head("Migrations"))
		v := t.Version
		if v == "" {
			v = "none applied"
		}
		pending := s.ok("0 pending")
		if n := len(t.Pending); n > 0 {
			pending = s.warn(fmt.Sprintf("%d pending", n))
		}
		line("  %s (%s): %s, %s (%d in %s)", t.Tool, output.Escape(t.Table), output.Escape(v), pending, t.Files, output.Escape(t.Dir))
		return
	}
	if r.Migration != nil || r.MigErr != nil {
		line("")
		line("%s", s.head("Migrations"))
		if r.MigErr != nil {
			line("  %s", wrap(r.MigErr.Error(), "  "))
		} else {
			m := r.Migration
			v := "none applied"
			if m.Version >= 0 {
				v = fmt.Sprintf("version %d", m.Version)
			}
			state := s.ok("clean")
			if m.Dirty {
				state = s.bad("DIRTY")
			}
			pending := s.ok("0 pending")
			if m.Pending > 0 {
				pending = s.warn(fmt.Sprintf("%d pending", m.Pending))
			}
			line("  %s, %s, %s (%d in %s)", v, state, pending, len(m.Migrations), output.Escape(m.Dir))
		}
	}
}

// writeSchema: the schema check, the first few differences.
func (r *Report) writeSchema(line func(string, ...any), s style) {
	if r.Schema != nil || r.SchemaErr != nil {
		line("")
		line("%s", s.head("Schema"))
		switch {
		case r.SchemaErr != nil:
			line("  %s", wrap(r.SchemaErr.Error(), "  "))
		case !r.Schema.HasSources():
			line("  nothing to compare with (no expect:, no snapshot)")
		case len(r.Schema.Differences) == 0:
			line("  %s %s", s.ok("matches"), strings.Join(r.Schema.Sources, ", "))
		default:
			line("  %s", s.bad(fmt.Sprintf("%d difference(s) against %s", len(r.Schema.Differences), strings.Join(r.Schema.Sources, ", "))))
			for i, d := range r.Schema.Differences {
				if i == 5 {
					line("    ... and %d more (dbguard verify lists them all)", len(r.Schema.Differences)-5)
					break
				}
				line("    %s", wrap(d.Message, "      "))
			}
		}
	}
}

// writeProblems: every problem with its fix.
func (r *Report) writeProblems(line func(string, ...any), s style) {
	line("")
	if len(r.Problems) == 0 {
		line("%s", s.ok("No problems found."))
	} else {
		line("%s", s.head(fmt.Sprintf("Problems (%d)", len(r.Problems))))
		for i, p := range r.Problems {
			tag := s.bad("!")
			if p.Code == 0 {
				tag = s.warn("?")
			}
			line("%s %d. %s", tag, i+1, wrap(p.Text, "     "))
			if p.Hint != "" {
				line("     %s %s", s.head("fix:"), wrap(p.Hint, "          "))
			}
		}
	}
}

// Diagnose runs the diagnosis, writes it to w (in colour when colour is
// set) and returns the worst problem's exit code.
func Diagnose(ctx context.Context, o Options, w io.Writer, colour bool) (int, error) {
	r := Run(ctx, o)
	if err := r.WriteText(w, colour); err != nil {
		return 0, err
	}
	return r.ExitCode(), nil
}
