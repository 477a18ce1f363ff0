package output

import (
	"strings"
	"testing"
)

// TestAttackRedactorKeywordCutAtSpace: a partial line is written up to its
// last white space, unless a password may be pending; that was judged by
// "password" and a later '=' only, so a write that ended after
// `PGPASS= ` or `{"password": ` (a child's pipe buffer filling there)
// let the value out in the next write, with no keyword before it. A
// prompt ("Password: ") still shows at once.
func TestAttackRedactorKeywordCutAtSpace(t *testing.T) {
	for _, parts := range [][]string{
		{`db_pass= `, `'s3c ret'` + "\n"},
		{`pwd = `, `"s3cret"` + "\n"},
		{`{"password": `, `"s3cret"}` + "\n"},
		{`{'PASSWORD': `, `'s3cret'}` + "\n"},
		{`conn = {"host": "db", "password": `, `"s3cret"}` + "\n"},
	} {
		var b strings.Builder
		r := NewRedactor(&b)
		for _, p := range parts {
			r.Write([]byte(p))
		}
		if err := r.Flush(); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "s3c") {
			t.Errorf("%q: wrote %q", parts, b.String())
		}
	}
	// "Password: " itself shows after promptWait (TestRedactorPromptShows).
	for _, prompt := range []string{"Enter the pass phrase: ", "password for app: "} {
		var b strings.Builder
		r := NewRedactor(&b)
		r.Write([]byte(prompt))
		if b.String() != prompt {
			t.Errorf("prompt %q held back: %q", prompt, b.String())
		}
	}
}

// TestAttackRedactorQuotedValueAcrossLines: a quoted password may hold a
// line break (YAML's and SQL's single quotes, a shell's, a JSON log's
// pretty-printed value never): the writer masks line by line, so the
// first line was masked to its end and the rest of the password, on the
// next line with no keyword before it, was written as it was. A line that
// ends inside a password's quotes is now held until they close (up to
// maxHeldOpen bytes).
func TestAttackRedactorQuotedValueAcrossLines(t *testing.T) {
	for _, parts := range [][]string{
		{"database:\n  password: 'first-half\n", "  s3cret-second'\n  host: db\n"},
		{"UPDATE users SET password = 'a\n", "s3cret';\n"},
		{"PGPASSWORD='line one\n", "s3cret' alembic upgrade head\n"},
		{"  password: 'it''s\n", "  s3cret'\n"},
		{"{'PASSWORD': \"a\n", "s3cret\"}\n"},
	} {
		var b strings.Builder
		r := NewRedactor(&b)
		for _, p := range parts {
			r.Write([]byte(p))
		}
		if err := r.Flush(); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "s3c") {
			t.Errorf("%q: wrote %q", parts, b.String())
		}
	}
	// What follows the closed value is written, and a line with no open
	// value is not held.
	var b strings.Builder
	r := NewRedactor(&b)
	r.Write([]byte("password: 'ab\n"))
	if b.String() != "" {
		t.Errorf("an open value was written: %q", b.String())
	}
	r.Write([]byte("cd'\nnext line\n"))
	if want := "password: '****'\nnext line\n"; b.String() != want {
		t.Errorf("wrote %q, want %q", b.String(), want)
	}
	b.Reset()
	r.Write([]byte("it's a compass: 'north\n"))
	if b.String() != "it's a compass: 'north\n" {
		t.Errorf("a line with no password held: %q", b.String())
	}
	// An open value never closed is written once past maxHeldOpen.
	b.Reset()
	r = NewRedactor(&b)
	r.Write([]byte("password: 'open\n"))
	for range maxHeldOpen / 10 {
		r.Write([]byte("0123456789"))
		r.Write([]byte("\n"))
	}
	if b.Len() == 0 {
		t.Error("held without a bound")
	}
}
