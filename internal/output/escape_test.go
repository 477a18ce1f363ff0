package output

import (
	"strings"
	"testing"
	"unicode/utf8"
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

// safePrefixRuneByRune is safePrefix as escape first wrote it: every rune
// decoded and checked, commandAt asked at every byte.
func safePrefixRuneByRune(s string, keepNewlines, commands bool) int {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r, n) && !(keepNewlines && r == '\n') || commands && commandAt(s, i, keepNewlines) {
			break
		}
		i += n
	}
	return i
}

// TestSafePrefixAsRuneByRune holds the byte-at-a-time fast path to the
// rune-by-rune reading on every string of up to four pieces from a set
// that has each kind of byte escape looks at: printable ASCII, blanks,
// '#', ':', "##[", "::x", line breaks, other controls, DEL, C1, invalid
// and truncated UTF-8, bidirectional controls, line separators and
// ordinary non-ASCII.
func TestSafePrefixAsRuneByRune(t *testing.T) {
	pieces := []string{"", "a", " ", "\u00a0", "\u3000", "#", "##[", "#x", ":", "::", "::e", ": :e", "\n", "\r", "\t",
		"\x00", "\x1f", "\x7f", "\u0085", "\u009b", "\xff", "\xe2\x80", "\u2028", "\u202e", "\u2066", "\u061c", "é", "✓", "~"}
	n := 0
	var walk func(prefix string, depth int)
	walk = func(prefix string, depth int) {
		for _, keep := range []bool{false, true} {
			for _, cmds := range []bool{false, true} {
				if got, want := safePrefix(prefix, keep, cmds), safePrefixRuneByRune(prefix, keep, cmds); got != want {
					t.Fatalf("safePrefix(%q, %v, %v) = %d, rune by rune %d", prefix, keep, cmds, got, want)
				}
				n++
			}
		}
		if depth == 4 {
			return
		}
		for _, p := range pieces {
			walk(prefix+p, depth+1)
		}
	}
	walk("", 0)
	if n < 100_000 {
		t.Fatalf("only %d cases", n)
	}
}

func FuzzSafePrefixAsRuneByRune(f *testing.F) {
	for _, s := range []string{"postgres://app:****@db:5432/app", "  ::error::x", "a\n##[group]b", "\u202e\xff\n"} {
		f.Add(s, true, true)
	}
	f.Fuzz(func(t *testing.T, s string, keep, cmds bool) {
		if got, want := safePrefix(s, keep, cmds), safePrefixRuneByRune(s, keep, cmds); got != want {
			t.Fatalf("safePrefix(%q, %v, %v) = %d, rune by rune %d", s, keep, cmds, got, want)
		}
	})
}
