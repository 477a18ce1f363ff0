package output

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// awkwardWords are words a repository can name (a file, a folder, a mode
// from .env.NAME) that a shell must read back byte for byte.
var awkwardWords = []string{
	"",
	"plain-word_1.2/x:y=z@a%b+c,d",
	"it's",
	"''",
	`back\slash`,
	`\'`,
	"line\nbreak",
	"tab\there",
	"\r\n'\\'",
	"$HOME",
	"${PATH}",
	"$(rm -rf ~)",
	"`id`",
	"!event",
	"a!b!!",
	"semi; colon",
	"a b  c",
	"*?[a]",
	"~user",
	"#hash",
	"café",
	"日本語 ファイル",
	"\u202eRTL",
	"\ufffdreplacement",
	"bad\xffbyte",
	"\xc3(",
	"\xe2\x82",
	"it's\xfe\n",
	"esc\x1b[31mred\x7f",
	"nul-less\x01\x02\x1f",
	"\x27\x5c\x22",
	"end with backslash\\",
}

// TestShellWordShellsReadBack: every awkward word, quoted by ShellWord,
// is read back as itself by printf in the real bash and zsh (the shells a
// hint is pasted into and the bash completion inserts into; zsh and fish
// completions get raw words). With CI=true a missing shell fails.
func TestShellWordShellsReadBack(t *testing.T) {
	for _, sh := range []string{"bash", "zsh"} {
		path, err := exec.LookPath(sh)
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("this test needs %s (.ci/run installs it)", sh)
			}
			t.Logf("no %s: skipped", sh)
			continue
		}
		// One process per shell: each word a printf, NUL after each.
		var script strings.Builder
		for _, w := range awkwardWords {
			script.WriteString("printf '%s\\0' " + ShellWord(w) + "\n")
		}
		args := []string{"-c", script.String()}
		if sh == "zsh" {
			args = []string{"-f", "-c", script.String()}
		}
		out, err := exec.Command(path, args...).Output()
		if err != nil {
			t.Fatalf("%s: %v", sh, err)
		}
		got := strings.Split(string(out), "\x00")
		if len(got) != len(awkwardWords)+1 {
			t.Fatalf("%s printed %d words, want %d: %q", sh, len(got)-1, len(awkwardWords), out)
		}
		for i, w := range awkwardWords {
			if got[i] != w {
				t.Errorf("%s read %s back as %q, want %q", sh, ShellWord(w), got[i], w)
			}
		}
	}
}

// TestShellWordForms pins the three forms: plain as it is, printable
// UTF-8 single-quoted, and $'...' of printable ASCII for a control
// character or a byte that is not UTF-8, with a quote as \x27 (a hint is
// split at "; " outside quotes, and \' would close one there).
func TestShellWordForms(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "''"},
		{"a/b.env", "a/b.env"},
		{"it's", `'it'\''s'`},
		{"café", "'café'"},
		{"$(x)", "'$(x)'"},
		{"a\nb", `$'a\nb'`},
		{"it's\n", `$'it\x27s\n'`},
		{`a\b` + "\t", `$'a\\b\t'`},
		{"caf\xc3\xa9\x1b", `$'caf\xc3\xa9\x1b'`},
		{"bad\xff", `$'bad\xff'`},
		{"\ufffd", `$'\xef\xbf\xbd'`},
		{"del\x7f", `$'del\x7f'`},
	} {
		if got := ShellWord(c.in); got != c.want {
			t.Errorf("ShellWord(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	for _, w := range awkwardWords {
		got := ShellWord(w)
		if strings.HasPrefix(got, "$'") {
			for i := 0; i < len(got); i++ {
				if got[i] < 0x20 || got[i] >= 0x7f {
					t.Errorf("ShellWord(%q) = %q: byte %#x left raw in $'...'", w, got, got[i])
				}
			}
			if strings.Contains(got[2:len(got)-1], "'") {
				t.Errorf("ShellWord(%q) = %q: a quote inside $'...'", w, got)
			}
		}
		if strings.Count(got, "\n") > 0 {
			t.Errorf("ShellWord(%q) = %q: more than one line", w, got)
		}
	}
}
