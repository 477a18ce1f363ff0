package output

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want, lines string }{
		{"plain text, café ✓ \\d", "plain text, café ✓ \\d", "plain text, café ✓ \\d"},
		{"a\n::error file=x::y", `a\n::error file=x::y`, "a\n\\x3a:error file=x::y"},
		{"over\rwrite", `over\rwrite`, `over\rwrite`},
		{"\x1b[2Jclear\x07", `\x1b[2Jclear\x07`, `\x1b[2Jclear\x07`},
		{"tab\there", `tab\there`, `tab\there`},
		{"c1 \u009b31m", `c1 \u009b31m`, `c1 \u009b31m`},
		{"bidi \u202eevil\u2066", `bidi \u202eevil\u2066`, `bidi \u202eevil\u2066`},
		{"sep\u2028x", `sep\u2028x`, `sep\u2028x`},
		{"bad \xff byte", `bad \xff byte`, `bad \xff byte`},
		{"del\x7f", `del\x7f`, `del\x7f`},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := EscapeLines(tc.in); got != tc.lines {
			t.Errorf("EscapeLines(%q) = %q, want %q", tc.in, got, tc.lines)
		}
	}
}

// TestAttackTalkControlCharacters: whatever a message quotes, a talk line
// carries no CR, ESC or other control character to the terminal; only the
// line breaks of dbguard's own messages stay.
func TestAttackTalkControlCharacters(t *testing.T) {
	var b strings.Builder
	Talk{W: &b}.Errorf("%s: failed\n    detail: %s", "m\x1b[2J.sql", "x\ry")
	want := "dbguard: error: m\\x1b[2J.sql: failed\n    detail: x\\ry\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

// TestAttackEscapeWorkflowCommands: GitHub's runner reads "::name" at the
// start of a line after any blanks (it trims them, the no-break space
// included) and the legacy "##[name]" anywhere in a line. Text from outside
// that starts an indented line, or holds "##[", is escaped so that neither
// reaches a CI log; "::" elsewhere (an IPv6 host, a cast) stays as it is.
func TestAttackEscapeWorkflowCommands(t *testing.T) {
	for _, tc := range []struct{ in, want, lines string }{
		{"::error file=a::x", `\x3a:error file=a::x`, `\x3a:error file=a::x`},
		{"  ::add-mask::x", `  \x3a:add-mask::x`, `  \x3a:add-mask::x`},
		{"\u00a0::warning::x", "\u00a0\\x3a:warning::x", "\u00a0\\x3a:warning::x"},
		{"a\n  ::error::x", `a\n  ::error::x`, "a\n  \\x3a:error::x"},
		{"x##[add-mask]y ##[stop-commands]t", `x\x23#[add-mask]y \x23#[stop-commands]t`, `x\x23#[add-mask]y \x23#[stop-commands]t`},
		{"a ::error::x", "a ::error::x", "a ::error::x"},
		{"::1", "::1", "::1"},
		{"[::1]:5432 and x::text", "[::1]:5432 and x::text", "[::1]:5432 and x::text"},
		{"# [heading]", "# [heading]", "# [heading]"},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := EscapeLines(tc.in); got != tc.lines {
			t.Errorf("EscapeLines(%q) = %q, want %q", tc.in, got, tc.lines)
		}
	}
}

// TestAttackWrapNoCommandLine: a long line folded at its spaces must not
// put a word starting "::name" at the start of a continuation line (after
// the indent, which the runner trims), where it was a workflow command.
func TestAttackWrapNoCommandLine(t *testing.T) {
	text := strings.Repeat("word ", 11) + "::error file=app.go::forged by the pull request"
	got := Wrap(text, 60, "    ")
	for _, l := range strings.Split(got, "\n") {
		if CommandStart(l) {
			t.Errorf("line %q starts a workflow command; wrapped:\n%s", l, got)
		}
	}
	if strings.ReplaceAll(strings.ReplaceAll(got, "\n    ", " "), "\n", " ") != text {
		t.Errorf("wrap changed the words: %q", got)
	}
}
