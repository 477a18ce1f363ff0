package output

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/dbguard/dbguard/internal/dburl"
)

// TestAttackChildTextEscapes: a migration tool's output reached the
// terminal and the CI log as it was, names the repository chose in it:
// dbmate's "Applying: 20240103000000_-\x1b[31mred.sql" coloured the
// terminal, goose's "OK   5_x\n::error::pwned.sql" added an annotation to
// a GitHub log. Through ChildText each is escaped, cut anywhere between
// writes; line breaks, tabs and ordinary text (UTF-8 too) pass as they are.
func TestAttackChildTextEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"Applying: 20240103000000_-\x1b[31mred.sql\n": `Applying: 20240103000000_-\x1b[31mred.sql` + "\n",
		"OK   5_x\n::error::pwned.sql (1ms)\n":        "OK   5_x\n\\x3a:error::pwned.sql (1ms)\n",
		"ok\n  ::add-mask::x\n":                       "ok\n  \\x3a:add-mask::x\n",
		"a ##[error]b\n":                              "a \\x23#[error]b\n",
		"mid ::warning:: is no command\n":             "mid ::warning:: is no command\n",
		"\tOK\tcafé ✓\r\n":                            "\tOK\tcafé ✓\r\n",            // a Windows line break
		"50%\r::error::x\r\n100%\r":                   "50%\\r::error::x\r\n100%\\r", // a lone CR is escaped
		"::error::x\r\n::warning::y\r\n":              "\\x3a:error::x\r\n\\x3a:warning::y\r\n",
		"\t::debug::x\n":                              "\t\\x3a:debug::x\n",
		"title\x1b]0;pwned\x07 \u202eevil\n":          `title\x1b]0;pwned\x07 \u202eevil` + "\n",
		"no newline at the end ::x":                   "no newline at the end ::x",
	} {
		for cut := 0; cut <= len(in); cut++ {
			var b strings.Builder
			c := NewChildText(&b)
			c.Write([]byte(in[:cut]))
			c.Write([]byte(in[cut:]))
			c.Close()
			if b.String() != want {
				t.Errorf("%q cut at %d: %q, want %q", in, cut, b.String(), want)
			}
		}
		var b strings.Builder // one byte a write
		c := NewChildText(&b)
		for i := range len(in) {
			c.Write([]byte{in[i]})
		}
		c.Close()
		if b.String() != want {
			t.Errorf("%q a byte a write: %q, want %q", in, b.String(), want)
		}
	}
}

// TestAttackChildTextKnownSecretEscaped: a program's output reaches the
// redactor escaped, so a known password holding a control byte, a bidi
// rune or a byte that is no UTF-8 arrived in a form the redactor did not
// know (\x1b, \u202e, \xe9) and was printed: echoed bare by a tool, it
// showed. Each such password is masked in Escape's form too.
func TestAttackChildTextKnownSecretEscaped(t *testing.T) {
	for _, secret := range []string{"Esc\x1bS3cretA", "Bidi\u202eS3cretB", "Latin\xe9S3cretC", "Tab\tS3cret\rD"} {
		dburl.AddSecret(secret)
		var b strings.Builder
		r := NewRedactor(&b)
		c := NewChildText(r)
		c.Write([]byte("echo " + secret + " done\n"))
		c.Close()
		r.Flush()
		if strings.Contains(b.String(), "S3cret") || !strings.Contains(b.String(), dburl.Mask) {
			t.Errorf("%q through ChildText: %q", secret, b.String())
		}
	}
}

// TestChildTextMidLine: MidLine says whether what was written, the held
// tail included once closed, left a line open (runChild ends it before
// dbguard's own line).
func TestChildTextMidLine(t *testing.T) {
	for _, c := range []struct {
		in             string
		before, closed bool
	}{
		{"done\n", false, false},
		{"last words #", true, true},
		{"last #", true, true},
		{"", false, false},
		{"a\n::", false, true}, // held at a line's start, open once written
	} {
		var b bytes.Buffer
		w := NewChildText(&b)
		io.WriteString(w, c.in)
		if got := w.MidLine(); got != c.before {
			t.Errorf("%q: MidLine before Close = %v, want %v", c.in, got, c.before)
		}
		w.Close()
		if got := w.MidLine(); got != c.closed {
			t.Errorf("%q: MidLine after Close = %v, want %v (wrote %q)", c.in, got, c.closed, b.String())
		}
	}
}
